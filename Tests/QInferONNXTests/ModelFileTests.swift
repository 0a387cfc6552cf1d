import Foundation
import Testing
import QInferONNX
import SwiftProtobuf

@Suite struct ModelFileTests {
    @Test func roundTripKeepsGraphAndOpsets() throws {
        let weights = TestModels.rawFloat("w", dims: [2, 3], [1, -2, 3.5, -4, 0, 6])
        let model = TestModels.model(initializers: [weights], opsets: [("", 17), ("com.microsoft", 1)])
        let file = try ONNXModelFile(bytes: TestModels.bytes(model), source: "roundtrip.onnx")

        #expect(file.model == model)
        #expect(file.irVersion == 8)
        #expect(file.model.graph.node.map(\.opType) == ["Add"])
        #expect(file.opsetImports == [ONNXOpsetImport(domain: "", version: 17),
                                      ONNXOpsetImport(domain: "com.microsoft", version: 1)])
        #expect(file.opsetVersion(domain: "ai.onnx") == 17)
        #expect(file.opsetVersion(domain: "") == 17)
        #expect(file.opsetVersion(domain: "com.microsoft") == 1)
        #expect(file.opsetVersion(domain: "ai.onnx.ml") == nil)
        #expect(file.initializerNames == ["w"])
    }

    @Test func loadsFromPathAndResolvesInitializers() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let model = TestModels.model(initializers: [TestModels.rawFloat("w", dims: [3], [1, 2, 3])])
        try dir.write(TestModels.bytes(model), to: "m.onnx")

        let file = try ONNXModelFile(path: dir.path + "/m.onnx")
        #expect(file.source == dir.path + "/m.onnx")
        #expect(file.directory == dir.path)
        #expect(try file.initializers() == [ONNXTensor(name: "w", shape: [3], data: .float32([1, 2, 3]))])
    }

    @Test func missingFileNamesThePath() {
        let error = onnxError { try ONNXModelFile(path: "/nonexistent/dir/model.onnx") }
        guard case let .unreadableFile(path, reason)? = error else {
            Issue.record("expected unreadableFile, got \(String(describing: error))")
            return
        }
        #expect(path == "/nonexistent/dir/model.onnx")
        #expect(reason.contains("No such file"))
        #expect(error!.description.hasPrefix("/nonexistent/dir/model.onnx: "))
    }

    @Test func directoryIsNotAModelFile() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        #expect(onnxError { try ONNXModelFile(path: dir.path) }
                == .unreadableFile(path: dir.path, reason: "not a regular file"))
    }

    @Test func emptyFileIsNotAModel() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        try dir.write(Data(), to: "empty.onnx")
        let path = dir.path + "/empty.onnx"
        #expect(onnxError { try ONNXModelFile(path: path) }
                == .notAModel(source: path, reason: "no bytes (empty file)"))
    }

    @Test func messageWithoutGraphIsNotAModel() throws {
        var model = Onnx_ModelProto()
        model.irVersion = 8
        let error = onnxError { try ONNXModelFile(bytes: TestModels.bytes(model), source: "nograph.onnx") }
        guard case let .notAModel(source, reason)? = error else {
            Issue.record("expected notAModel, got \(String(describing: error))")
            return
        }
        #expect(source == "nograph.onnx")
        #expect(reason.contains("no graph"))
    }

    @Test func garbageNamesFileAndFailure() {
        let error = onnxError { try ONNXModelFile(bytes: Data([0xFF, 0xFF, 0xFF]), source: "junk.onnx") }
        guard case let .malformedProtobuf(source, reason)? = error else {
            Issue.record("expected malformedProtobuf, got \(String(describing: error))")
            return
        }
        #expect(source == "junk.onnx")
        #expect(reason.hasSuffix("(3 bytes)"))
        #expect(error!.description.hasPrefix("junk.onnx: not a valid ONNX protobuf: "))
    }

    @Test func truncatedModelSaysTruncated() throws {
        let bytes = try TestModels.bytes(TestModels.model(initializers: [TestModels.rawFloat("w", dims: [4], [1, 2, 3, 4])]))
        let error = onnxError { try ONNXModelFile(bytes: bytes.prefix(bytes.count - 3), source: "cut.onnx") }
        guard case let .malformedProtobuf(_, reason)? = error else {
            Issue.record("expected malformedProtobuf, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("truncated"))
    }

    @Test func duplicateDefaultDomainIsRefused() throws {
        let model = TestModels.model(initializers: [], opsets: [("", 13), ("ai.onnx", 17)])
        let error = onnxError { try ONNXModelFile(bytes: TestModels.bytes(model), source: "twice.onnx") }
        #expect(error == .notAModel(source: "twice.onnx", reason: "opset domain 'ai.onnx' is imported more than once"))
    }

    @Test func duplicateAndUnnamedInitializersAreRefused() throws {
        let w = TestModels.rawFloat("w", dims: [1], [1])
        let twice = TestModels.model(initializers: [w, w])
        #expect(onnxError { try ONNXModelFile(bytes: TestModels.bytes(twice), source: "m") }
                == .duplicateInitializer(source: "m", name: "w"))

        let unnamed = TestModels.model(initializers: [w, TestModels.rawFloat("", dims: [1], [2])])
        #expect(onnxError { try ONNXModelFile(bytes: TestModels.bytes(unnamed), source: "m") }
                == .unnamedInitializer(source: "m", index: 1))
    }

    @Test func unknownInitializerName() throws {
        let file = try ONNXModelFile(bytes: TestModels.bytes(TestModels.model(initializers: [])))
        #expect(onnxError { try file.initializer(named: "nope") } == .noSuchInitializer(name: "nope"))
    }

    @Test func sparseInitializerIsRefusedByName() throws {
        var model = TestModels.model(initializers: [TestModels.rawFloat("w", dims: [1], [1])])
        var sparse = Onnx_SparseTensorProto()
        sparse.values = TestModels.rawFloat("s", dims: [1], [1])
        sparse.dims = [4]
        model.graph.sparseInitializer = [sparse]
        let file = try ONNXModelFile(bytes: TestModels.bytes(model))
        #expect(onnxError { try file.initializers() }
                == .unsupportedStorage(tensor: "s", reason: "sparse initializers are not supported"))
        #expect(try file.initializer(named: "w").data == .float32([1]))
    }
}
