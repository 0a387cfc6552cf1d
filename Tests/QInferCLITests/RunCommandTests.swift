import Foundation
import QInferEngine
import QInferInputFormats
import QInferModel
import QInferTestSupport
import Testing
import QInferRandom

/// Runs the built `qinfer` binary (it sits next to the test bundle) and returns exit status, stdout, stderr.
func runQInfer(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
    let bundleDir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    var dir = bundleDir
    while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("qinfer").path) && dir.path != "/" {
        dir.deleteLastPathComponent()
    }
    let binary = dir.appendingPathComponent("qinfer")
    let process = Process()
    process.executableURL = binary
    process.arguments = arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
}

/// A scratch directory removed at the end of the test.
final class ScratchDirectory {
    let path: String
    init() throws {
        path = NSTemporaryDirectory() + "qinfer-cli-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let file = "\(path)/\(name)"
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        return file
    }
}

/// The label `qinfer run --json` printed first.
func topLabel(_ json: String) throws -> String {
    let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
    let top = try #require(object?["top"] as? [[String: Any]])
    return try #require(top.first?["label"] as? String)
}

/// What the library computes for the same file: the CLI must agree.
func expectedLabel(model: [UInt8], input: [UInt8], name: String, shape: [Int]? = nil) throws -> String {
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: model.count, alignment: 64)
    defer { buffer.deallocate() }
    buffer.copyMemory(from: model.withUnsafeBytes { $0 })
    let packed = try PackedModel(bytes: UnsafeRawBufferPointer(buffer), owner: nil)
    let prepared = try InputPreparer(metadata: packed.metadata).prepare(try decodeInput(input, name: name, shape: shape))
    let scores = try Engine(model: packed, isa: nil).run(prepared)
    return packed.metadata.labels[topK(scores, k: 1)[0].index]
}

@Suite struct RunCommandTests {
    @Test("qinfer run reads every point-cloud format and agrees with the library")
    func pointClouds() throws {
        let dir = try ScratchDirectory()
        let model = try randomPointNet(seed: 21, points: 64, widths: [32, 64, 65], classes: 6)
        let modelPath = try dir.write("pointnet.qpack", model)
        var rng = SplitMix64(seed: 4)
        let points = (0..<(90 * 3)).map { i in rng.float(-3...3) + (i % 3 == 2 ? 10 : 0) }
        let files: [(String, [UInt8], [Int]?)] = [
            ("cloud.xyz", InputFileWriters.xyz(points), nil), ("cloud.pts", InputFileWriters.pts(points), nil),
            ("cloud.ply", InputFileWriters.plyASCII(points), nil), ("mesh.ply", InputFileWriters.plyBinary(points), nil),
            ("cloud.pcd", InputFileWriters.pcdASCII(points), nil), ("cloudb.pcd", InputFileWriters.pcdBinary(points), nil),
            ("cloud.npy", InputFileWriters.npy(shape: [90, 3], f32: points), nil),
            ("cloud.f32", InputFileWriters.rawF32(points), [90, 3]),
        ]
        var labels = Set<String>()
        for (name, bytes, shape) in files {
            let path = try dir.write(name, bytes)
            var args = ["run", modelPath, path, "--json"]
            if let shape { args += ["--shape", shape.map(String.init).joined(separator: ",")] }
            let r = try runQInfer(args)
            #expect(r.status == 0, "\(name): \(r.err)")
            guard r.status == 0 else { continue }
            let label = try topLabel(r.out)
            #expect(label == (try expectedLabel(model: model, input: bytes, name: name, shape: shape)), "\(name)")
            labels.insert(label)
        }
        // Text formats round floats through their decimal form, so all files describe the same cloud.
        #expect(labels.count == 1, "formats disagree: \(labels)")
    }

    @Test("qinfer run reads every image format, gray and colour, and agrees with the library")
    func images() throws {
        let dir = try ScratchDirectory()
        for (channels, seed) in [(1, UInt64(31)), (3, UInt64(32))] {
            let model = try randomResNet(seed: seed, size: 12, inChannels: channels, widths: [16, 32], classes: 5, padValue: .zero)
            let modelPath = try dir.write("resnet\(channels).qpack", model)
            var rng = SplitMix64(seed: seed)
            let (w, h) = (20, 17)
            let gray = (0..<(w * h)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let rgb = (0..<(w * h * 3)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let files: [(String, [UInt8])] = [
                ("gray.pgm", InputFileWriters.pgm(width: w, height: h, gray)), ("color.ppm", InputFileWriters.ppm(width: w, height: h, rgb)),
                ("gray.png", InputFileWriters.png(width: w, height: h, channels: 1, gray)),
                ("color.png", InputFileWriters.png(width: w, height: h, channels: 3, rgb)),
                ("frame.npy", InputFileWriters.npy(shape: [h, w, 3], u8: rgb)),
            ]
            for (name, bytes) in files {
                let path = try dir.write(name, bytes)
                let r = try runQInfer(["run", modelPath, path, "--json", "--top-k", "3"])
                #expect(r.status == 0, "\(name): \(r.err)")
                guard r.status == 0 else { continue }
                #expect(try topLabel(r.out) == (try expectedLabel(model: model, input: bytes, name: name)), "\(name) with \(channels)-channel model")
            }
        }
    }

    @Test("the human table names the model, the classes and the timing")
    func table() throws {
        let dir = try ScratchDirectory()
        let modelPath = try dir.write("m.qpack", try randomPointNet(seed: 5, points: 16, widths: [8, 16], classes: 3))
        var rng = SplitMix64(seed: 1)
        let input = try dir.write("p.xyz", InputFileWriters.xyz(rng.floats(30)))
        let r = try runQInfer(["run", modelPath, input, "--top-k", "2", "--threads", "2"])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("pointnet-5 v1"))
        #expect(r.out.contains("  1. c") && r.out.contains("  2. c") && !r.out.contains("  3. c"))
        #expect(r.out.contains("compute") && r.out.contains("µs"))
    }

    @Test("bad models and inputs fail with a message naming the problem")
    func failures() throws {
        let dir = try ScratchDirectory()
        let model = try randomPointNet(seed: 6, points: 16, widths: [8, 16], classes: 3)
        let modelPath = try dir.write("m.qpack", model)
        let truncated = try dir.write("t.qpack", Array(model.prefix(500)))
        let image = try dir.write("i.pgm", InputFileWriters.pgm(width: 2, height: 2, [1, 2, 3, 4]))
        let nanCloud = try dir.write("nan.xyz", Array("1 2 3\n4 nan 6\n".utf8))
        let cases: [([String], String)] = [
            (["run", truncated, image], "header says the file is"),
            (["run", "\(dir.path)/missing.qpack", image], "cannot open"),
            (["run", modelPath, image], "classifies point clouds; the input is an image"),
            (["run", modelPath, nanCloud], "line 2"),
            (["run", modelPath, "\(dir.path)/nothing.xyz"], "cannot read"),
            (["run", modelPath, image, "--isa", "sse9"], "--isa sse9 is not an ISA"),
            (["run", modelPath, image, "--threads", "0"], "thread count 0"),
        ]
        for (args, message) in cases {
            let r = try runQInfer(args)
            #expect(r.status != 0, "\(args) succeeded")
            #expect(r.err.contains(message), "\(args): stderr was \(r.err)")
        }
    }
}

/// A model packed with `--task tensor` and no labels (issue 18's report: `qinfer run` trapped indexing its labels).
@Suite("qinfer run on a model without labels")
struct UnlabelledModelTests {
    @Test("the top classes are named by their index, and top-k still ranks every output")
    func tensorTaskWithoutLabels() throws {
        let dir = try ScratchDirectory()
        let onnx = BenchSpeedupCommandTests.fixture
        let model = "\(dir.path)/tensor.qpack"
        let pack = try runQInfer(["pack", onnx, "-o", model, "--task", "tensor"])
        try #require(pack.status == 0, "\(pack.err)")
        let inspect = try runQInfer(["inspect", model, "--json"])
        let info = try #require(try JSONSerialization.jsonObject(with: Data(inspect.out.utf8)) as? [String: Any])
        #expect((info["labels"] as? [String])?.isEmpty == true, "packed without labels")
        let input = try dir.write("x.npy", InputFileWriters.npy(shape: [64, 3], f32: (0..<192).map { Float($0 % 7) / 7 - 0.4 }))
        let r = try runQInfer(["run", model, input, "--json", "--top-k", "3"])
        #expect(r.status == 0, "\(r.err)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        let top = try #require(object["top"] as? [[String: Any]])
        #expect(top.count == 3, "three of the model's five outputs: \(top)")
        for entry in top { #expect(entry["label"] as? String == "\(entry["index"] as? Int ?? -1)") }
        let table = try runQInfer(["run", model, input])
        #expect(table.status == 0, "\(table.err)")
    }
}
