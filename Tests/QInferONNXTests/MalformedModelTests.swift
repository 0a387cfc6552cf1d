import Foundation
import Testing
import QInferONNX
import QInferRandom

/// Damaged files must end in an ONNXError or in a model whose tensors resolve or fail cleanly; a crash here is a
/// crash of `qinfer pack` on a half-downloaded model.
@Suite struct MalformedModelTests {
    private static func sampleModel() -> Onnx_ModelProto {
        var ints = TestModels.tensor("shape", dims: [2], type: .int64)
        ints.int64Data = [2, 3]
        var small = TestModels.tensor("k", dims: [3], type: .int32)
        small.rawData = TestModels.littleEndianBytes([Int32(1), -1, 1])
        return TestModels.model(initializers: [
            TestModels.rawFloat("w", dims: [2, 3], [1, -1, 0.5, -0.5, 2, -2]), ints, small,
        ], opsets: [("", 17), ("ai.onnx.ml", 3)])
    }

    /// Parses and, if that works, resolves every tensor; returns whether any step failed.
    @discardableResult
    private func exercise(_ bytes: Data, directory: String? = nil) -> Bool {
        do {
            let file = try ONNXModelFile(bytes: bytes, source: "damaged.onnx", directory: directory)
            _ = file.opsetImports
            var failed = false
            for proto in file.model.graph.initializer {
                do { _ = try file.resolve(proto) } catch { failed = true; _ = error.description }
            }
            return failed
        } catch {
            #expect(error.description.hasPrefix("damaged.onnx: "))
            return true
        }
    }

    @Test func everyTruncationFailsOrLosesFields() throws {
        let model = Self.sampleModel()
        let bytes = try TestModels.bytes(model)
        var failures = 0
        for length in 0..<bytes.count {
            let prefix = Data(bytes.prefix(length))
            if exercise(prefix) {
                failures += 1
            } else {
                // Cutting at a field boundary leaves a shorter valid message: never the original one.
                #expect(try ONNXModelFile(bytes: prefix).model != model)
            }
        }
        #expect(failures > bytes.count / 2)
    }

    @Test func everySingleBitFlip() throws {
        let bytes = try TestModels.bytes(Self.sampleModel())
        var failures = 0
        for bit in 0..<(bytes.count * 8) {
            var damaged = bytes
            damaged[bit / 8] ^= UInt8(1 << (bit % 8))
            if exercise(damaged) { failures += 1 }
        }
        #expect(failures > 0)
    }

    @Test func randomMultiByteDamageWithExternalData() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        try dir.write(TestModels.littleEndianBytes((0..<8).map { Float($0) }), to: "w.bin")
        let model = TestModels.model(initializers: [
            TestModels.external("w", dims: [2, 2], [("location", "w.bin"), ("offset", "16"), ("length", "16")]),
            TestModels.external("v", dims: [8], [("location", "w.bin")]),
        ])
        let bytes = try TestModels.bytes(model)
        #expect(!exercise(bytes, directory: dir.path))

        var rng = SplitMix64(seed: 0x5EED_0444)
        for _ in 0..<3000 {
            var damaged = bytes
            for _ in 0...(rng.next() % 4) {
                damaged[Int(rng.next() % UInt64(damaged.count))] = UInt8(truncatingIfNeeded: rng.next())
            }
            if rng.next() % 4 == 0 { damaged = damaged.prefix(Int(rng.next() % UInt64(damaged.count))) }
            exercise(damaged, directory: dir.path)
        }
    }

    @Test func deeplyNestedSubgraphsHitTheDepthLimit() {
        // graph → node → attribute → g → node → … : nesting that would exhaust the stack of a naive recursive parser.
        var inner = Data()
        for _ in 0..<20_000 {
            inner = Self.field(0x32, inner)          // AttributeProto.g
            inner = Self.field(0x2A, inner)          // NodeProto.attribute
            inner = Self.field(0x0A, inner)          // GraphProto.node
        }
        let bytes = Self.field(0x3A, inner)          // ModelProto.graph
        let error = onnxError { try ONNXModelFile(bytes: bytes, source: "deep.onnx") }
        guard case let .malformedProtobuf(source, reason)? = error else {
            Issue.record("expected malformedProtobuf, got \(String(describing: error))")
            return
        }
        #expect(source == "deep.onnx")
        #expect(reason.contains("nested deeper"))
    }

    @Test func damagedFileOnDiskNamesThePath() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let bytes = try TestModels.bytes(Self.sampleModel())
        try dir.write(bytes.prefix(bytes.count / 2), to: "half.onnx")
        let path = dir.path + "/half.onnx"
        let error = onnxError { try ONNXModelFile(path: path) }
        guard case .malformedProtobuf(source: path, reason: _)? = error else {
            Issue.record("expected malformedProtobuf naming \(path), got \(String(describing: error))")
            return
        }
    }

    private static func field(_ tag: UInt8, _ payload: Data) -> Data {
        var out = Data([tag])
        var n = UInt64(payload.count)
        repeat {
            let low = UInt8(n & 0x7F)
            n >>= 7
            out.append(n == 0 ? low : low | 0x80)
        } while n != 0
        return out + payload
    }
}
