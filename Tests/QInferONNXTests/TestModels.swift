import Foundation
import QInferONNX
import SwiftProtobuf
import Testing

/// Builders for the small models the tests parse back. They mirror what exporters write: a graph with one node
/// consuming the initializers, opset imports, and tensors in raw_data unless a test asks otherwise.
enum TestModels {
    static func littleEndianBytes<T: FixedWidthInteger>(_ values: [T]) -> Data {
        var data = Data(capacity: values.count * MemoryLayout<T>.size)
        for v in values { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
        return data
    }

    static func littleEndianBytes(_ values: [Float]) -> Data {
        littleEndianBytes(values.map(\.bitPattern))
    }

    static func tensor(_ name: String, dims: [Int64], type: Onnx_TensorProto.DataType) -> Onnx_TensorProto {
        var t = Onnx_TensorProto()
        t.name = name
        t.dims = dims
        t.dataType = Int32(type.rawValue)
        return t
    }

    static func rawFloat(_ name: String, dims: [Int64], _ values: [Float]) -> Onnx_TensorProto {
        var t = tensor(name, dims: dims, type: .float)
        t.rawData = littleEndianBytes(values)
        return t
    }

    static func external(_ name: String, dims: [Int64], type: Onnx_TensorProto.DataType = .float,
                         _ entries: [(String, String)]) -> Onnx_TensorProto {
        var t = tensor(name, dims: dims, type: type)
        t.dataLocation = .external
        t.externalData = entries.map { key, value in
            var e = Onnx_StringStringEntryProto()
            e.key = key
            e.value = value
            return e
        }
        return t
    }

    static func model(initializers: [Onnx_TensorProto],
                      opsets: [(String, Int64)] = [("", 17)]) -> Onnx_ModelProto {
        var node = Onnx_NodeProto()
        node.opType = "Add"
        node.name = "add0"
        node.input = ["x"] + initializers.prefix(1).map(\.name)
        node.output = ["y"]

        var graph = Onnx_GraphProto()
        graph.name = "test"
        graph.node = [node]
        graph.initializer = initializers
        graph.input = [valueInfo("x", dims: [2, 3])]
        graph.output = [valueInfo("y", dims: [2, 3])]

        var model = Onnx_ModelProto()
        model.irVersion = 8
        model.producerName = "qinferd-tests"
        model.graph = graph
        model.opsetImport = opsets.map { domain, version in
            var o = Onnx_OperatorSetIdProto()
            o.domain = domain
            o.version = version
            return o
        }
        return model
    }

    static func valueInfo(_ name: String, dims: [Int64]) -> Onnx_ValueInfoProto {
        var tensorType = Onnx_TypeProto.Tensor()
        tensorType.elemType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        tensorType.shape.dim = dims.map { d in
            var dim = Onnx_TensorShapeProto.Dimension()
            dim.dimValue = d
            return dim
        }
        var type = Onnx_TypeProto()
        type.tensorType = tensorType
        var info = Onnx_ValueInfoProto()
        info.name = name
        info.type = type
        return info
    }

    static func bytes(_ model: Onnx_ModelProto) throws -> Data {
        try model.serializedBytes()
    }
}

/// A fresh directory per test, removed by `remove()`; tests run in parallel, so nothing is shared.
struct TempDirectory {
    let path: String

    init() throws {
        let base = FileManager.default.temporaryDirectory.path
        path = base + "/qinfer-onnx-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// A directory inside another one, removed with it: for locations that point outside the model's directory.
    init(inside parent: TempDirectory, named name: String) throws {
        path = parent.path + "/" + name
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func write(_ data: Data, to name: String) throws {
        let url = URL(fileURLWithPath: path + "/" + name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// The error a throwing call ends with, so tests can compare it whole or look at one part. Closures do not infer
/// typed throws, so this takes any error and records one that is not an ONNXError.
func onnxError<T>(_ body: () throws -> T, sourceLocation: SourceLocation = #_sourceLocation) -> ONNXError? {
    do {
        _ = try body()
        return nil
    } catch let error as ONNXError {
        return error
    } catch {
        Issue.record("expected an ONNXError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}
