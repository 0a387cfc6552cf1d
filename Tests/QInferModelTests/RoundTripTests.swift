import CHeapStats
import Glibc
import Testing
@testable import QInferModel

@Suite struct RoundTripTests {
    @Test("a built model loads back with the same metadata, graph and tensor bytes")
    func roundTrip() throws {
        let file = try TinyModel.bytes()
        let model = try load(file)
        #expect(model.metadata == TinyModel.metadata)
        #expect(model.graph.nodes == TinyModel.nodes)
        #expect(model.values["logits"] == ValueInfo(.f32, [TinyModel.classes]))
        #expect(model.values["b1"] == ValueInfo(.bits, [TinyModel.points, TinyModel.wide]))
        let (entry, bytes) = try #require(model.tensor("stem.b"))
        #expect(entry.shape == [TinyModel.hidden] && bytes.count == TinyModel.hidden * 4)
        #expect(Int(bitPattern: bytes.baseAddress) % 64 == 0, "tensors are 64-byte aligned in place")
        #expect(model.signature.allSatisfy { $0 == 0 }, "an unwritten signature slot is zero")
        #expect(model.sha256.count == 64)
    }

    @Test("building is deterministic")
    func deterministic() throws {
        #expect(try TinyModel.bytes() == TinyModel.bytes())
    }

    @Test("every section and tensor is 64-byte aligned in the file")
    func alignment() throws {
        let file = try TinyModel.bytes()
        let count = Int(u64(file, at: 24) & 0xFFFF_FFFF)
        for i in 0..<count {
            #expect(u64(file, at: 128 + i * 32 + 8) % 64 == 0, "section \(i)")
        }
        let model = try load(file)
        for t in model.graph.tensors { #expect(t.offset % 64 == 0, "tensor \(t.name)") }
    }

    @Test("install writes atomically and the mapping loads in place with little allocation")
    func mappedLoadAllocatesLittle() throws {
        // A ~10 MB model: one big binary layer.
        let points = 64, k = 34_816, n = 2400, classes = 40
        var b = QPackBuilder(metadata: ModelMetadata(
            name: "big", version: "1", task: .pointCloudClassification, labels: (0..<classes).map { "class \($0)" },
            input: InputSignature(name: "p", shape: [points, 3]), preprocessing: Preprocessing(pointCloud: PointCloudPreprocessing(points: points))))
        b.addF32("stem.w", shape: [k, 3], [Float](repeating: 0.5, count: k * 3))
        var state: UInt64 = 1
        b.addBits("w", shape: [n, k], packedRows: (0..<(n * k / 64)).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state
        })
        b.addF32("mul", shape: [n], [Float](repeating: 1, count: n))
        b.addF32("bias", shape: [n], [Float](repeating: 0, count: n))
        b.addF32("head.w", shape: [classes, n], [Float](repeating: 0.01, count: classes * n))
        let file = try b.build(input: "p", output: "logits", nodes: [
            Node(name: "stem", inputs: ["p"], output: "h", op: .dense(Dense(weights: "stem.w", bias: nil))),
            Node(name: "s", inputs: ["h"], output: "hb", op: .signPack),
            Node(name: "l", inputs: ["hb"], output: "y", op: .binaryDense(BinaryDense(weights: "w", output: .affine(mul: "mul", bias: "bias")))),
            Node(name: "pool", inputs: ["y"], output: "g", op: .pointMaxPool(PointMaxPool(offset: 0))),
            Node(name: "head", inputs: ["g"], output: "logits", op: .dense(Dense(weights: "head.w", bias: nil))),
        ])
        #expect(file.count > 10_000_000)
        let dir = "/tmp/qpack-test-\(getpid())"
        mkdir(dir, 0o755)
        defer { unlink("\(dir)/big.qpack"); rmdir(dir) }
        try AtomicFile.install(file, at: "\(dir)/big.qpack")

        let before = heap_thread_counts()
        let model = try PackedModel(path: "\(dir)/big.qpack")
        let allocated = heap_thread_counts().bytes - before.bytes
        #expect(before.calls > 0, "the allocation counter is live")
        #expect(allocated < 512 * 1024, "loading a \(file.count)-byte model allocated \(allocated) bytes")
        let w = try #require(model.tensor("w"))
        #expect(w.bytes.count > 9_000_000)
        withExtendedLifetime(model) {}
    }
}
