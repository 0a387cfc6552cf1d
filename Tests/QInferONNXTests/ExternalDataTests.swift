import Foundation
import Testing
import QInferONNX

@Suite struct ExternalDataTests {
    /// Writes `model` as model.onnx into `dir` and loads it back from the path, as the CLI will.
    private func saveAndLoad(_ tensors: [Onnx_TensorProto], in dir: TempDirectory) throws -> ONNXModelFile {
        try dir.write(TestModels.bytes(TestModels.model(initializers: tensors)), to: "model.onnx")
        return try ONNXModelFile(path: dir.path + "/model.onnx")
    }

    @Test func tensorsShareOneFileByOffsetAndLength() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let weights: [Float] = (0..<12).map { Float($0) * 0.5 - 2 }
        let shape: [Int64] = [-5, 1 << 40, 3]
        let counts: [Int32] = [7, -9]
        var blob = Data("header".utf8)
        let wOffset = blob.count
        blob += TestModels.littleEndianBytes(weights)
        let sOffset = blob.count
        blob += TestModels.littleEndianBytes(shape)
        let cOffset = blob.count
        blob += TestModels.littleEndianBytes(counts)
        blob += Data("trailer".utf8)
        try dir.write(blob, to: "weights/data.bin")

        let file = try saveAndLoad([
            TestModels.external("w", dims: [3, 4], [("location", "weights/data.bin"), ("offset", "\(wOffset)"),
                                                    ("length", "48")]),
            TestModels.external("s", dims: [3], type: .int64, [("location", "weights/data.bin"),
                                                                ("offset", "\(sOffset)"), ("length", "24"),
                                                                ("checksum", "ignored")]),
            TestModels.external("c", dims: [2], type: .int32, [("offset", "\(cOffset)"), ("length", "8"),
                                                               ("location", "./weights//data.bin")]),
        ], in: dir)

        #expect(try file.initializers() == [
            ONNXTensor(name: "w", shape: [3, 4], data: .float32(weights)),
            ONNXTensor(name: "s", shape: [3], data: .int64(shape)),
            ONNXTensor(name: "c", shape: [2], data: .int32(counts)),
        ])
    }

    @Test func withoutLengthReadsToEndOfFile() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        try dir.write(Data([9, 9]) + TestModels.littleEndianBytes([Float(1), 2]), to: "w.bin")
        let file = try saveAndLoad([TestModels.external("w", dims: [2], [("location", "w.bin"), ("offset", "2")])],
                                   in: dir)
        #expect(try file.initializer(named: "w").data == .float32([1, 2]))

        let noOffset = try saveAndLoad([TestModels.external("w", dims: [3], [("location", "w.bin")])], in: dir)
        #expect(onnxError { try noOffset.initializer(named: "w") }
                == .sizeMismatch(tensor: "w", field: "external data to end of file (bytes)", expected: 12, actual: 10))
    }

    @Test func lengthPastEndOfFile() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        try dir.write(Data(count: 10), to: "w.bin")
        let file = try saveAndLoad([TestModels.external("w", dims: [2], [("location", "w.bin"), ("offset", "4"),
                                                                         ("length", "8")])], in: dir)
        let error = onnxError { try file.initializer(named: "w") }
        guard case let .externalRangePastEnd(tensor, path, offset, length, size)? = error else {
            Issue.record("expected externalRangePastEnd, got \(String(describing: error))")
            return
        }
        #expect(tensor == "w" && offset == 4 && length == 8 && size == 10)
        #expect(path.hasSuffix("/w.bin"))
    }

    @Test func offsetPastEndOfFile() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        try dir.write(Data(count: 4), to: "w.bin")
        let file = try saveAndLoad([TestModels.external("w", dims: [1], [("location", "w.bin"), ("offset", "100")])],
                                   in: dir)
        let error = onnxError { try file.initializer(named: "w") }
        guard case .externalRangePastEnd(tensor: "w", path: _, offset: 100, length: _, fileSize: 4)? = error else {
            Issue.record("expected externalRangePastEnd, got \(String(describing: error))")
            return
        }
    }

    @Test func offsetPlusLengthOverflowIsPastEnd() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        try dir.write(Data(count: 8), to: "w.bin")
        let file = try saveAndLoad([TestModels.external("w", dims: [2], [("location", "w.bin"), ("offset", "\(Int.max)"),
                                                                         ("length", "8")])], in: dir)
        let error = onnxError { try file.initializer(named: "w") }
        guard case .externalRangePastEnd(tensor: "w", path: _, offset: Int.max, length: 8, fileSize: 8)? = error else {
            Issue.record("expected externalRangePastEnd, got \(String(describing: error))")
            return
        }
    }

    @Test func declaredLengthMustMatchShape() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        try dir.write(Data(count: 64), to: "w.bin")
        let file = try saveAndLoad([TestModels.external("w", dims: [2, 2], [("location", "w.bin"), ("length", "12")])],
                                   in: dir)
        #expect(onnxError { try file.initializer(named: "w") }
                == .sizeMismatch(tensor: "w", field: "external data 'length' (bytes)", expected: 16, actual: 12))
    }

    @Test(arguments: ["../outside.bin", "/etc/passwd", "sub/../../outside.bin", "a/../../outside.bin"])
    func pathsLeavingTheDirectoryAreRefused(location: String) throws {
        let outer = try TempDirectory()
        defer { outer.remove() }
        try outer.write(Data(count: 4), to: "outside.bin")
        let inner = try TempDirectory(inside: outer, named: "model")
        try inner.write(Data(count: 4), to: "sub/keep")
        let file = try saveAndLoad([TestModels.external("w", dims: [1], [("location", location)])], in: inner)
        #expect(onnxError { try file.initializer(named: "w") } == .externalPathEscapes(tensor: "w", location: location))
    }

    @Test func symlinkOutOfTheDirectoryIsRefused() throws {
        let outer = try TempDirectory()
        defer { outer.remove() }
        try outer.write(TestModels.littleEndianBytes([Float(1)]), to: "secret.bin")
        let inner = try TempDirectory(inside: outer, named: "model")
        try inner.write(Data(), to: ".keep")
        try FileManager.default.createSymbolicLink(atPath: inner.path + "/link.bin",
                                                   withDestinationPath: outer.path + "/secret.bin")
        try FileManager.default.createSymbolicLink(atPath: inner.path + "/linkdir", withDestinationPath: outer.path)
        let file = try saveAndLoad([
            TestModels.external("a", dims: [1], [("location", "link.bin")]),
            TestModels.external("b", dims: [1], [("location", "linkdir/secret.bin")]),
        ], in: inner)
        #expect(onnxError { try file.initializer(named: "a") } == .externalPathEscapes(tensor: "a", location: "link.bin"))
        #expect(onnxError { try file.initializer(named: "b") }
                == .externalPathEscapes(tensor: "b", location: "linkdir/secret.bin"))
    }

    @Test func symlinkInsideTheDirectoryIsFollowed() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        try dir.write(TestModels.littleEndianBytes([Float(5)]), to: "real/w.bin")
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/w.bin", withDestinationPath: "real/w.bin")
        let file = try saveAndLoad([TestModels.external("w", dims: [1], [("location", "w.bin")])], in: dir)
        #expect(try file.initializer(named: "w").data == .float32([5]))
    }

    @Test func missingFileNamesTensorAndPath() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let file = try saveAndLoad([TestModels.external("w", dims: [1], [("location", "gone.bin")])], in: dir)
        let error = onnxError { try file.initializer(named: "w") }
        guard case let .externalFileUnreadable(tensor, path, reason)? = error else {
            Issue.record("expected externalFileUnreadable, got \(String(describing: error))")
            return
        }
        #expect(tensor == "w")
        #expect(path.hasSuffix("/gone.bin"))
        #expect(reason.contains("No such file"))
    }

    @Test func directoryAsDataFileIsRefused() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        try dir.write(Data(), to: "sub/x")
        let file = try saveAndLoad([TestModels.external("w", dims: [0], [("location", "sub")])], in: dir)
        let error = onnxError { try file.initializer(named: "w") }
        guard case .externalFileUnreadable(tensor: "w", path: _, reason: "not a regular file")? = error else {
            Issue.record("expected externalFileUnreadable, got \(String(describing: error))")
            return
        }
    }

    @Test(arguments: [
        ([("offset", "0")], "no 'location' key"),
        ([("location", "")], "no 'location' key"),
        ([("location", "w.bin"), ("offset", "-4")], "'offset' is '-4', not a byte count"),
        ([("location", "w.bin"), ("length", "+4")], "'length' is '+4', not a byte count"),
        ([("location", "w.bin"), ("length", "4k")], "'length' is '4k', not a byte count"),
        ([("location", "w.bin"), ("offset", "99999999999999999999999")],
         "'offset' is '99999999999999999999999', not a byte count"),
        ([("location", "w.bin"), ("location", "v.bin")], "key 'location' appears more than once"),
    ])
    func malformedKeys(entries: [(String, String)], reason: String) throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        try dir.write(Data(count: 4), to: "w.bin")
        let file = try saveAndLoad([TestModels.external("w", dims: [1], entries)], in: dir)
        #expect(onnxError { try file.initializer(named: "w") } == .invalidExternalData(tensor: "w", reason: reason))
    }

    @Test func externalAndEmbeddedTogetherIsRefused() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        try dir.write(Data(count: 4), to: "w.bin")
        var t = TestModels.external("w", dims: [1], [("location", "w.bin")])
        t.floatData = [1]
        let file = try saveAndLoad([t], in: dir)
        #expect(onnxError { try file.initializer(named: "w") }
                == .conflictingData(tensor: "w", fields: ["external_data", "float_data"]))
    }

    @Test func bytesWithoutDirectoryCannotResolveExternalData() throws {
        let model = TestModels.model(initializers: [TestModels.external("w", dims: [1], [("location", "w.bin")])])
        let file = try ONNXModelFile(bytes: TestModels.bytes(model))
        #expect(onnxError { try file.initializer(named: "w") } == .externalDataWithoutDirectory(tensor: "w"))
    }
}
