import CHeapStats
import QInferEngine
import QInferModel
import QInferTestSupport
import Testing
import QInferRandom

/// The ops ONNX import relies on beyond the two model families: broadcast affine, sign, reshape, concat.
@Suite struct GenericOpsTests {
    /// x [4, 6] → per-channel, full-tensor and scalar affines, sign → concat on axis 1 → concat with itself on axis 0 → [192].
    static func model() throws -> (bytes: [UInt8], mulC: [Float], addC: [Float], mulF: [Float], addF: [Float]) {
        var rng = SplitMix64(seed: 11)
        let meta = ModelMetadata(name: "generic", version: "1", task: .tensor, labels: [],
                                 input: InputSignature(name: "x", shape: [4, 6]), preprocessing: Preprocessing())
        var b = QPackBuilder(metadata: meta)
        let mulC = rng.floats(6), addC = rng.floats(6), mulF = rng.floats(24), addF = rng.floats(24)
        b.addF32("mc", shape: [6], mulC); b.addF32("ac", shape: [6], addC)
        b.addF32("mf", shape: [4, 6], mulF); b.addF32("af", shape: [4, 6], addF)
        b.addF32("ms", shape: [1], [-2]); b.addF32("as", shape: [1], [0.5])
        let nodes = [
            Node(name: "a", inputs: ["x"], output: "a", op: .affine(Affine(mul: "mc", add: "ac"))),
            Node(name: "b", inputs: ["x"], output: "b", op: .affine(Affine(mul: "mf", add: "af"))),
            Node(name: "c", inputs: ["x"], output: "c", op: .affine(Affine(mul: "ms", add: "as"))),
            Node(name: "s", inputs: ["x"], output: "s", op: .sign),
            Node(name: "cat", inputs: ["a", "b", "c", "s"], output: "cat", op: .concat(Concat(axis: 1, inputs: 4))),
            Node(name: "cat0", inputs: ["cat", "cat"], output: "cat0", op: .concat(Concat(axis: 0, inputs: 2))),
            Node(name: "r", inputs: ["cat0"], output: "r", op: .reshape(Reshape(shape: [192]))),
        ]
        return (try b.build(input: "x", output: "r", nodes: nodes), mulC, addC, mulF, addF)
    }

    @Test func engineComputesTheOpsAndEqualsTheReference() throws {
        let m = try Self.model()
        let model = try loadModel(m.bytes)
        var rng = SplitMix64(seed: 3)
        var x = rng.floats(24)
        x[5] = 0 // sign(0) = 0 in the float sign op
        let got = try Engine(model: model).run(x)
        #expect(got == (try ReferenceExecutor(model: model).run(x)))
        var expected: [Float] = []
        for r in 0..<4 {
            for j in 0..<6 {
                let v: Float = x[r * 6 + j]
                let scaled: Float = v * m.mulC[j]
                expected.append(scaled + m.addC[j])
            }
            for j in 0..<6 {
                let i = r * 6 + j
                let scaled: Float = x[i] * m.mulF[i]
                expected.append(scaled + m.addF[i])
            }
            for j in 0..<6 {
                let scaled: Float = x[r * 6 + j] * -2
                expected.append(scaled + 0.5)
            }
            for j in 0..<6 {
                let v: Float = x[r * 6 + j]
                expected.append(v > 0 ? 1 : (v < 0 ? -1 : 0))
            }
        }
        #expect(got == expected + expected)
        #expect(got[23] == 0) // row 0, the sign block (18…23), element 5
    }

    @Test func concatAllocatesNothingPerInference() throws {
        let engine = try Engine(model: try loadModel(try Self.model().bytes))
        var rng = SplitMix64(seed: 4)
        let input = rng.floats(24)
        var output = [Float](repeating: 0, count: engine.outputCount)
        try input.withUnsafeBufferPointer { i in
            try output.withUnsafeMutableBufferPointer { o in
                try engine.run(input: i, output: o)
                let before = heap_thread_counts()
                for _ in 0..<5 { try engine.run(input: i, output: o) }
                #expect(heap_thread_counts().calls == before.calls)
            }
        }
    }

    @Test func badShapesAreRefused() throws {
        let meta = ModelMetadata(name: "bad", version: "1", task: .tensor, labels: [],
                                 input: InputSignature(name: "x", shape: [4, 6]), preprocessing: Preprocessing())
        var b = QPackBuilder(metadata: meta)
        b.addF32("m", shape: [4], [1, 2, 3, 4]); b.addF32("a", shape: [4], [0, 0, 0, 0])
        #expect(throws: ModelError.self) { // [4] is not a suffix of [4, 6]
            try b.build(input: "x", output: "y", nodes: [Node(name: "n", inputs: ["x"], output: "y", op: .affine(Affine(mul: "m", add: "a")))])
        }
        #expect(throws: ModelError.self) {
            try b.build(input: "x", output: "y", nodes: [Node(name: "n", inputs: ["x"], output: "y", op: .reshape(Reshape(shape: [5, 5])))])
        }
        #expect(throws: ModelError.self) { // axis out of range
            try b.build(input: "x", output: "y", nodes: [Node(name: "n", inputs: ["x", "x"], output: "y", op: .concat(Concat(axis: 2, inputs: 2)))])
        }
        #expect(throws: ModelError.self) { // arity mismatch
            try b.build(input: "x", output: "y", nodes: [Node(name: "n", inputs: ["x"], output: "y", op: .concat(Concat(axis: 0, inputs: 2)))])
        }
    }
}
