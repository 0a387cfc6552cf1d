import Foundation
import QInferEngine
import QInferInputFormats
import QInferModel
import QInferTestSupport
import Testing

/// Issue 18: a PointNet exported from PyTorch takes [1, 3, N]; packed, it runs on [N, 3]. `qinfer run` must take the
/// array onnxruntime takes and answer as onnxruntime does, take the [N, 3] one too, and refuse any other layout by name.
@Suite struct InputLayoutCommandTests {
    static let fixture = "\(ONNXCommandTests.fixtures)/torch_bipointnet_folded"

    static func npy(_ path: String) throws -> (shape: [Int], values: [Float]) {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        guard case .tensor(let t) = try decodeInput(bytes, format: .npy, name: path), case .float32(let v) = t.storage else {
            throw CLITestError("\(path) is not an f32 tensor")
        }
        return (t.shape, v)
    }

    /// Every score `qinfer run --json` printed, by output index.
    static func scores(_ json: String, count: Int) throws -> [Float] {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let top = try #require(object["top"] as? [[String: Any]])
        var scores = [Float](repeating: .nan, count: count)
        for entry in top { scores[try #require(entry["index"] as? Int)] = Float(try #require(entry["score"] as? Double)) }
        return scores
    }

    @Test("qinfer run answers as onnxruntime for the [1, 3, N] cloud, the [3, N] and the [N, 3] one, point-cloud or tensor model")
    func channelsFirstCloud() throws {
        let dir = try ScratchDirectory()
        let model = "\(dir.path)/pn.qpack"
        // No normalization and exactly the model's 160 points: preprocessing leaves the cloud as onnxruntime saw it.
        let pack = try runQInfer(["pack", "\(Self.fixture)/model.onnx", "-o", model, "--normalization", "none"])
        try #require(pack.status == 0, "\(pack.err)")
        // The same graph as a plain tensor model (no preprocessing), where the count alone used to decide.
        let tensorModel = "\(dir.path)/tensor.qpack"
        let tensorPack = try runQInfer(["pack", "\(Self.fixture)/model.onnx", "-o", tensorModel, "--task", "tensor"])
        try #require(tensorPack.status == 0, "\(tensorPack.err)")
        // inspect says which layouts the model takes.
        let inspect = try runQInfer(["inspect", model])
        #expect(inspect.out.contains("also accepts the ONNX layout [1, 3, 160] (axis order [0, 2, 1]"), "\(inspect.out)")
        let inspectJSON = try runQInfer(["inspect", model, "--json"])
        let described = try #require(try JSONSerialization.jsonObject(with: Data(inspectJSON.out.utf8)) as? [String: Any])
        #expect((described["onnx_input"] as? [String: Any])?["shape"] as? [Int] == [1, 3, 160], "\(inspectJSON.out)")
        let inputs = try Self.npy("\(Self.fixture)/inputs.npy"), outputs = try Self.npy("\(Self.fixture)/outputs.npy")
        #expect(inputs.shape == [6, 1, 3, 160] && outputs.shape == [6, 8])
        let n = 160, classes = 8
        for i in 0..<2 {
            let channelsFirst = Array(inputs.values[(i * 3 * n)..<((i + 1) * 3 * n)])
            let pointsMajor = (0..<n).flatMap { p in (0..<3).map { c in channelsFirst[c * n + p] } }
            let reference = Array(outputs.values[(i * classes)..<((i + 1) * classes)])
            var answers: [[Float]] = []
            for (name, shape, values) in [("onnx.npy", [1, 3, n], channelsFirst), ("cf.npy", [3, n], channelsFirst),
                                          ("points.npy", [n, 3], pointsMajor)] {
                let path = try dir.write(name, InputFileWriters.npy(shape: shape, f32: values))
                for m in [model, tensorModel] {
                    let run = try runQInfer(["run", m, path, "--json", "--top-k", "\(classes)"])
                    try #require(run.status == 0, "\(shape): \(run.err)")
                    answers.append(try Self.scores(run.out, count: classes))
                }
            }
            #expect(answers.allSatisfy { $0 == answers[0] }, "input \(i): the layouts or tasks answer differently: \(answers)")
            let scale = reference.map { abs($0) }.max()!
            let error = zip(answers[0], reference).map { abs($0 - $1) }.max()! / scale
            #expect(error <= 1e-3, "input \(i): \(answers[0]) vs onnxruntime \(reference)")
            #expect(answers[0].indices.max { answers[0][$0] < answers[0][$1] } == reference.indices.max { reference[$0] < reference[$1] })
        }
    }

    @Test("a cloud of the right size in another layout exits 1 naming both layouts and its shape")
    func wrongLayoutRefused() throws {
        let dir = try ScratchDirectory()
        let model = "\(dir.path)/pn.qpack"
        try #require(try runQInfer(["pack", "\(Self.fixture)/model.onnx", "-o", model]).status == 0)
        let wrong = try dir.write("wrong.npy", InputFileWriters.npy(shape: [20, 24], f32: [Float](repeating: 0.25, count: 480)))
        let run = try runQInfer(["run", model, wrong])
        #expect(run.status == 1)
        for part in ["[N, 3]", "[3, N]", "[160, 3]", "[1, 3, 160]", "got [20, 24] f32"] { #expect(run.err.contains(part), "\(part): \(run.err)") }
        let square = try dir.write("square.npy", InputFileWriters.npy(shape: [3, 3], f32: [Float](repeating: 0.25, count: 9)))
        let ambiguous = try runQInfer(["run", model, square])
        #expect(ambiguous.status == 1 && ambiguous.err.contains("ambiguous"), "\(ambiguous.err)")
    }
}

/// Issue 18: the shipped IR-Net's ONNX twin takes [N, 1, 28, 28]; its frames given channels first ([1, 28, 28],
/// [1, 1, 28, 28]) were read as [H, W, C] and refused as "28 channels". `qinfer run` answers them as the [28, 28] frame
/// and refuses a shape no layout reads, naming the layouts, the model's size and the shape.
@Suite struct FrameLayoutCommandTests {
    static let irnet = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../models/irnet")
        .standardized.path

    /// The first test frame, 28×28 u8.
    static func firstFrame() throws -> [UInt8] {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(irnet)/testset_images.npy")))
        guard case .tensor(let t) = try decodeInput(bytes, format: .npy, name: "testset_images.npy"), case .uint8(let all) = t.storage,
              all.count >= 784 else { throw CLITestError("testset_images.npy is not u8 frames") }
        return Array(all[0..<784])
    }

    @Test("qinfer run answers a channels-first u8 frame as the [28, 28] one; another shape exits 1 naming both")
    func channelsFirstFrame() throws {
        let dir = try ScratchDirectory()
        let frame = try Self.firstFrame()
        var answers: [String: [Float]] = [:]
        for shape in [[28, 28], [1, 28, 28], [1, 1, 28, 28], [28, 28, 1]] {
            let path = try dir.write("f\(shape.count)-\(shape[0]).npy", InputFileWriters.npy(shape: shape, u8: frame))
            let run = try runQInfer(["run", "\(Self.irnet)/irnet.qpack", path, "--json", "--top-k", "10"])
            try #require(run.status == 0, "\(shape): \(run.err)")
            answers["\(shape)"] = try InputLayoutCommandTests.scores(run.out, count: 10)
        }
        // Preprocessed as the ONNX twin takes it, [1, 1, 28, 28] f32 (this file records no ONNX layout).
        let model = try PackedModel(path: "\(Self.irnet)/irnet.qpack")
        let preprocessed = try InputPreparer(metadata: model.metadata).prepare(.tensor(Tensor(shape: [28, 28], storage: .uint8(frame))))
        let onnx = try dir.write("onnx.npy", InputFileWriters.npy(shape: [1, 1, 28, 28], f32: preprocessed))
        let run = try runQInfer(["run", "\(Self.irnet)/irnet.qpack", onnx, "--json", "--top-k", "10"])
        try #require(run.status == 0, "[1, 1, 28, 28] f32: \(run.err)")
        answers["[1, 1, 28, 28] f32"] = try InputLayoutCommandTests.scores(run.out, count: 10)
        let reference = try #require(answers["[28, 28]"])
        #expect(answers.values.allSatisfy { $0 == reference }, "\(answers)")
        let wrong = try dir.write("wrong.npy", InputFileWriters.npy(shape: [4, 28, 7], u8: [UInt8](frame)))
        let refused = try runQInfer(["run", "\(Self.irnet)/irnet.qpack", wrong])
        #expect(refused.status == 1)
        for part in ["[H, W, C]", "[C, H, W]", "28×28", "[28, 28, 1]", "[1, 28, 28]", "got [4, 28, 7] u8"] {
            #expect(refused.err.contains(part), "'\(part)' missing from: \(refused.err)")
        }
    }
}

struct CLITestError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
