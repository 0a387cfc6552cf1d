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
            #expect(line["fused_steps"] as? Int == 1)
            #expect((line["plain_us"] as? Double ?? 0) > 0)
            #expect((line["plain_over_fused"] as? Double ?? 0) > 0)
        }
        for line in lines where line["model"] as? String == plainModel {
            #expect(line["fused_steps"] as? Int == 0)
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

    @Test("--layers: one line per plan step, the steps cover every graph node once and in order, MACs add up")
    func layerProfile() throws {
        let dir = try ScratchDirectory()
        let model = try dir.write("m.qpack", try randomPointNet(seed: 35, points: 64, widths: [16, 64], classes: 3,
                                                                maxRightAfterBinary: true))
        let r = try runQInfer(["bench", "model", model, "--threads", "1", "--isa", "scalar", "--min-time", "0.02",
                               "--layers", "--json"])
        #expect(r.status == 0, "\(r.err)")
        let lines = try r.out.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        let steps = lines.filter { $0["step"] != nil }
        #expect(lines.count == steps.count + 1, "one timing line, then the steps: \(r.out)")
        #expect(steps.map { $0["step"] as? Int } == Array(0..<steps.count).map { $0 })
        let nodes = steps.flatMap { $0["nodes"] as? [Int] ?? [] }
        let inspect = try runQInfer(["inspect", model, "--json"])
        let info = try #require(try JSONSerialization.jsonObject(with: Data(inspect.out.utf8)) as? [String: Any])
        let graphNodes = try #require(info["layers"] as? [[String: Any]])
        #expect(nodes == Array(0..<graphNodes.count), "every node once, in order")
        #expect(steps.contains { $0["kernel"] as? String == "bgemm+point_max_pool" && ($0["nodes"] as? [Int])?.count == 2 })
        #expect(steps.reduce(0) { $0 + ($1["macs"] as? Int ?? 0) } == info["macs"] as? Int)
        let share = steps.reduce(0.0) { $0 + ($1["share"] as? Double ?? 0) }
        #expect(abs(share - 1) < 1e-9)
        #expect(steps.allSatisfy { ($0["us"] as? Double ?? -1) >= 0 && ($0["runs"] as? Int ?? 0) >= 50 })

        let table = try runQInfer(["bench", "model", model, "--threads", "1", "--min-time", "0.02", "--layers"])
        #expect(table.status == 0, "\(table.err)")
        #expect(table.out.contains("bgemm+point_max_pool") && table.out.contains("GMAC/s") && table.out.contains("total"))
    }

    @Test("--input runs the model on a given tensor; a tensor of the wrong size or type is refused by name")
    func inputTensor() throws {
        let dir = try ScratchDirectory()
        let model = try dir.write("m.qpack", try randomPointNet(seed: 36, points: 32, widths: [16, 32], classes: 3))
        let good = try dir.write("good.npy", InputFileWriters.npy(shape: [32, 3], f32: (0..<96).map { Float($0) / 96 - 0.5 }))
        let r = try runQInfer(["bench", "model", model, "--threads", "1", "--min-time", "0.02", "--input", good, "--json"])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("fused_median_us"))
        let short = try dir.write("short.npy", InputFileWriters.npy(shape: [31, 3], f32: [Float](repeating: 0, count: 93)))
        let bytes = try dir.write("bytes.npy", InputFileWriters.npy(shape: [32, 3], u8: [UInt8](repeating: 0, count: 96)))
        let nan = try dir.write("nan.npy", InputFileWriters.npy(shape: [32, 3], f32: [Float](repeating: .nan, count: 96)))
        for (file, message) in [(short, "needs a float32 tensor of 96 values"), (bytes, "needs a float32 tensor of 96 values"),
                                (nan, "not finite"), ("\(dir.path)/none.npy", "cannot read")] {
            let bad = try runQInfer(["bench", "model", model, "--min-time", "0.02", "--input", file])
            #expect(bad.status != 0, "\(file) was accepted")
            #expect(bad.err.contains(message), "\(file): stderr was \(bad.err)")
        }
        let two = try runQInfer(["bench", "model", model, model, "--input", good])
        #expect(two.status != 0 && two.err.contains("give one model"), "\(two.err)")
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
