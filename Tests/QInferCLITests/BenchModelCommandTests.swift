import Foundation
import QInferTestSupport
import Testing

/// `qinfer bench model` on the built binary: the fused plan timed against the plain plan, as JSON lines and a table.
/// The numbers are whatever this machine gives; the tests check what is reported, not how fast.
@Suite("qinfer bench model")
struct BenchModelCommandTests {
    @Test("a model with a fused max reports both plans and their ratio; one without reports only its time")
    func jsonLines() throws {
        let dir = try ScratchDirectory()
        let fusedModel = try dir.write("fused.qpack", try randomPointNet(seed: 31, points: 96, widths: [16, 32, 200], classes: 4,
                                                                         maxRightAfterBinary: true))
        let plainModel = try dir.write("plain.qpack", try randomPointNet(seed: 32, points: 96, widths: [16, 32], classes: 4))
        let r = try runQInfer(["bench", "model", fusedModel, plainModel, "--threads", "1,2", "--isa", "scalar",
                               "--min-time", "0.02", "--json"])
        #expect(r.status == 0, "\(r.err)")
        let lines = try r.out.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(lines.count == 4, "one line per model × thread count: \(r.out)")
        for line in lines {
            #expect(line["isa"] as? String == "scalar")
            #expect((line["fused_us"] as? Double ?? 0) > 0)
        }
        let fused = lines.filter { $0["model"] as? String == fusedModel }
        #expect(fused.map { $0["threads"] as? Int } == [1, 2])
        for line in fused {
            #expect(line["fused_layers"] as? Int == 1)
            #expect((line["plain_us"] as? Double ?? 0) > 0)
            #expect((line["plain_over_fused"] as? Double ?? 0) > 0)
        }
        for line in lines where line["model"] as? String == plainModel {
            #expect(line["fused_layers"] as? Int == 0)
            #expect(line["plain_us"] == nil && line["plain_over_fused"] == nil)
        }
    }

    @Test("the table has a row per measurement")
    func table() throws {
        let dir = try ScratchDirectory()
        let model = try dir.write("m.qpack", try randomPointNet(seed: 33, points: 64, widths: [16, 64], classes: 3,
                                                                maxRightAfterBinary: true))
        let r = try runQInfer(["bench", "model", model, "--threads", "1", "--min-time", "0.02"])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("plain/fused"))
        #expect(r.out.contains("pointnet-33") && r.out.contains("×"))
    }

    @Test("bad arguments and models fail with a message naming the problem")
    func badArguments() throws {
        let dir = try ScratchDirectory()
        let model = try dir.write("m.qpack", try randomPointNet(seed: 34, points: 16, widths: [8, 16], classes: 2))
        let notAModel = try dir.write("junk.qpack", Array("not a model".utf8))
        for (args, message) in [
            (["bench", "model", model, "--threads", "0"], "bad thread count '0'"),
            (["bench", "model", model, "--isa", "sse9"], "unknown ISA 'sse9'"),
            (["bench", "model", model, "--min-time", "0"], "--min-time must be more than 0"),
            (["bench", "model", "\(dir.path)/missing.qpack"], "missing.qpack"),
            (["bench", "model", notAModel], "junk.qpack"),
        ] {
            let r = try runQInfer(args)
            #expect(r.status != 0, "\(args) succeeded")
            #expect(r.err.contains(message), "\(args): stderr was \(r.err)")
        }
    }
}
