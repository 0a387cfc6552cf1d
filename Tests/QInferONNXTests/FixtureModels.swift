import Foundation
import QInferEngine
import QInferInputFormats
import QInferModel
import QInferONNX

/// The committed test models (Tests/QInferONNXTests/Fixtures/models, built by tools/onnx/make_test_models.py) with
/// their inputs and onnxruntime's outputs.
struct FixtureModel {
    let name: String
    let directory: String
    let inputs: [[Float]]
    let outputs: [[Float]]?

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/models").path

    static func all() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).filter {
            FileManager.default.fileExists(atPath: "\(root)/\($0)/model.onnx")
        }.sorted()
    }

    init(_ name: String) throws {
        self.name = name
        directory = "\(Self.root)/\(name)"
        let inputs = try Self.npy("\(directory)/inputs.npy")
        self.inputs = Self.rows(inputs)
        outputs = FileManager.default.fileExists(atPath: "\(directory)/outputs.npy") ? Self.rows(try Self.npy("\(directory)/outputs.npy")) : nil
    }

    var modelPath: String { "\(directory)/model.onnx" }

    static func npy(_ path: String) throws -> Tensor {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        guard case .tensor(let t) = try decodeInput(bytes, format: .npy, name: path) else { throw FixtureError("\(path) is not a tensor") }
        return t
    }

    /// Splits a [K, …] tensor into K flat rows.
    static func rows(_ t: Tensor) -> [[Float]] {
        guard case .float32(let v) = t.storage else { return [] }
        let k = t.shape.first ?? 1, per = v.count / max(k, 1)
        return (0..<k).map { Array(v[($0 * per)..<(($0 + 1) * per)]) }
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// Imports, packs and loads a model the way `qinfer pack` does, with placeholder metadata.
func packAndLoad(_ imported: ImportedModel, name: String) throws -> PackedModel {
    let metadata = ModelMetadata(name: name, version: "1", task: .tensor, labels: [],
                                 input: InputSignature(name: imported.inputName, shape: imported.inputLayout.irShape),
                                 preprocessing: Preprocessing())
    let bytes = try imported.pack(metadata: metadata)
    let path = NSTemporaryDirectory() + "qinfer-onnx-\(name)-\(UInt32.random(in: 0...UInt32.max)).qpack"
    try AtomicFile.install(bytes, at: path)
    defer { unlink(path) }
    return try PackedModel(path: path)
}
