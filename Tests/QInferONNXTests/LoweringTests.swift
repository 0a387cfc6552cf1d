import Foundation
import QInferEngine
import QInferKernels
import QInferModel
import QInferONNX
import QInferRandom
import SwiftProtobuf
import Testing

/// Small hand-built graphs for lowerings the ONNX node tests cannot reach (they feed every operand but the first as
/// a constant): Concat of activations, whole-axis pooling windows. Each is imported, packed and run on the engine
/// and compared with the ONNX interpreter.
@Suite struct LoweringTests {
    /// Imports, packs and runs `model` on a few random inputs; returns the import for further checks.
    @discardableResult
    static func engineMatchesInterpreter(_ model: Onnx_ModelProto, name: String,
                                         sourceLocation: SourceLocation = #_sourceLocation) throws -> ImportedModel {
        let file = try ONNXModelFile(bytes: try model.serializedBytes(), source: name)
        let imported = try ONNXImporter.importModel(file)
        let interpreter = try ONNXInterpreter(file: file)
        let packed = try packAndLoad(imported, name: name)
        let engine = try Engine(model: packed, threads: 1, isa: QK_ISA_SCALAR)
        // Seeded, so a mismatch reproduces on the next run.
        var rng = SplitMix64(seed: 0x10e7)
        for _ in 0..<3 {
            let x = (0..<interpreter.inputShape.reduce(1, *)).map { _ in rng.float(-2...2) }
            let want = try interpreter.run(x)
            let got = imported.outputLayout.toONNX(try engine.run(imported.inputLayout.toEngine(x)))
            #expect(NodeTestCompare.mismatch(got, want, rtol: 1e-5, atol: 1e-6) == nil, "\(name): \(got) vs \(want)",
                    sourceLocation: sourceLocation)
        }
        return imported
    }

    @Test func concatOfAConvAndAReluAlongChannels() throws {
        var g = GraphBuilder(input: "x", shape: [1, 3, 5, 5])
        g.initializer("w", [4, 3, 3, 3], (0..<108).map { Float(($0 * 37) % 11) / 5 - 1 })
        g.node("Conv", ["x", "w"], "a", ints: ["pads": [1, 1, 1, 1]])
        g.node("Relu", ["x"], "r")
        g.node("Concat", ["a", "r"], "y", int: ["axis": 1])
        let imported = try Self.engineMatchesInterpreter(g.model(output: "y"), name: "concat_channels")
        #expect(imported.outputLayout.onnxShape == [1, 7, 5, 5])
        #expect(imported.layers.contains { $0.opType == "Concat" && $0.lowering.hasPrefix("concat") })
    }

    @Test(arguments: [2, 3, -1])
    func concatOfActivationsAlongASpatialAxis(axis: Int) throws {
        var g = GraphBuilder(input: "x", shape: [1, 3, 4, 5])
        g.node("Relu", ["x"], "r")
        g.node("Clip", ["x", "lo", "hi"], "c")
        g.initializer("lo", [], [-0.5])
        g.initializer("hi", [], [0.5])
        g.node("Concat", ["r", "c", "x"], "y", int: ["axis": Int64(axis)])
        try Self.engineMatchesInterpreter(g.model(output: "y"), name: "concat_axis\(axis)")
    }

    @Test func concatOfDenseOutputs() throws {
        var g = GraphBuilder(input: "x", shape: [1, 6])
        g.initializer("b", [6, 4], (0..<24).map { Float($0 % 7) - 3 })
        g.node("Gemm", ["x", "b"], "a")
        g.node("Relu", ["x"], "r")
        g.node("Concat", ["a", "r"], "y", int: ["axis": 1])
        try Self.engineMatchesInterpreter(g.model(output: "y"), name: "concat_dense")
    }

    @Test func concatWithAConstantNamesTheNodeAndWhy() throws {
        var g = GraphBuilder(input: "x", shape: [1, 2, 3])
        g.initializer("k", [1, 2, 3], [1, 2, 3, 4, 5, 6])
        g.node("Concat", ["x", "k"], "y", int: ["axis": 1], name: "join")
        let file = try ONNXModelFile(bytes: try g.model(output: "y").serializedBytes())
        #expect {
            try ONNXImporter.importModel(file)
        } throws: { error in
            guard case let .node(name, opType, _, message)? = error as? ImportError else { return false }
            return name == "join" && opType == "Concat" && message.contains("constant")
        }
    }

    @Test func concatOfDifferentlyLaidOutInputsIsRefused() throws {
        var g = GraphBuilder(input: "x", shape: [1, 3, 4, 4])
        g.node("Relu", ["x"], "r")
        g.node("Transpose", ["r"], "t", ints: ["perm": [0, 1, 3, 2]])
        g.node("Concat", ["t", "x"], "y", int: ["axis": 1], name: "join")
        let file = try ONNXModelFile(bytes: try g.model(output: "y").serializedBytes())
        #expect {
            try ONNXImporter.importModel(file)
        } throws: { error in
            guard case let .node(name, _, _, message)? = error as? ImportError else { return false }
            return name == "join" && message.contains("laid out")
        }
    }

    /// PointNet's MaxPool1d over all points (kernel = N) is a point max pool, not an N×N window.
    @Test(arguments: ["MaxPool", "AveragePool"])
    func poolingOverAWholeAxisIsAGlobalPool(op: String) throws {
        var g = GraphBuilder(input: "x", shape: [1, 3, 40])
        g.initializer("w", [8, 3, 1], (0..<24).map { Float($0 % 5) - 2 })
        g.node("Conv", ["x", "w"], "f")
        g.node(op, ["f"], "p", ints: ["kernel_shape": [40]])
        g.node("Flatten", ["p"], "y")
        let imported = try Self.engineMatchesInterpreter(g.model(output: "y"), name: "global_\(op)")
        let lowering = imported.layers.first { $0.opType == op }?.lowering
        #expect(lowering == (op == "MaxPool" ? "point_max_pool" : "global_avg_pool"))
    }

    @Test func pooling1DWithStrideAndPads() throws {
        var g = GraphBuilder(input: "x", shape: [1, 2, 11])
        g.node("MaxPool", ["x"], "y", ints: ["kernel_shape": [3], "strides": [2], "pads": [1, 1]])
        try Self.engineMatchesInterpreter(g.model(output: "y"), name: "maxpool1d")
    }
}

/// Opsets before the node tests' own (which use each op's newest version): attributes that later became inputs,
/// Softmax's 2-D coercion. Each result is checked against values computed here, on the interpreter and the engine.
@Suite struct OlderOpsetTests {
    static let x: [Float] = (0..<12).map { Float(($0 * 7) % 12) / 4 - 1.25 }

    /// Runs `model` on `x` (12 values) through the interpreter and the engine; both must give `want`.
    static func check(_ model: Onnx_ModelProto, _ want: [Float], shape: [Int], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let file = try ONNXModelFile(bytes: try model.serializedBytes())
        let values = try ONNXInterpreter(file: file).evaluate(input: x)
        let got = try #require(values[model.graph.output[0].name])
        #expect(got.shape == shape, sourceLocation: sourceLocation)
        #expect(NodeTestCompare.mismatch(got.floats ?? [], want, rtol: 1e-5, atol: 1e-6) == nil, "interpreter: \(got.floats ?? [])",
                sourceLocation: sourceLocation)
        let imported = try ONNXImporter.importModel(file)
        let engine = try Engine(model: try packAndLoad(imported, name: "older"), threads: 1, isa: QK_ISA_SCALAR)
        let out = imported.outputLayout.toONNX(try engine.run(imported.inputLayout.toEngine(x)))
        #expect(imported.outputLayout.onnxShape == shape, sourceLocation: sourceLocation)
        #expect(NodeTestCompare.mismatch(out, want, rtol: 1e-5, atol: 1e-6) == nil, "engine: \(out)", sourceLocation: sourceLocation)
    }

    @Test func softmaxBefore13NormalizesTheFlattenedTail() throws {
        var g = GraphBuilder(input: "x", shape: [1, 3, 4])
        g.opset = 11
        g.node("Softmax", ["x"], "y") // axis 1 by default: one softmax over all 12 values
        let e = Self.x.map { expf($0 - Self.x.max()!) }
        try Self.check(g.model(output: "y"), e.map { $0 / e.reduce(0, +) }, shape: [1, 3, 4])
    }

    @Test func clipBefore11TakesAttributes() throws {
        var g = GraphBuilder(input: "x", shape: [1, 3, 4])
        g.opset = 10
        g.node("Clip", ["x"], "y", float: ["min": -0.5, "max": 0.75])
        try Self.check(g.model(output: "y"), Self.x.map { min(max($0, -0.5), 0.75) }, shape: [1, 3, 4])
    }

    @Test func clipBefore11WithMinOnly() throws {
        var g = GraphBuilder(input: "x", shape: [1, 3, 4])
        g.opset = 7
        g.node("Clip", ["x"], "y", float: ["min": 0.25])
        try Self.check(g.model(output: "y"), Self.x.map { max($0, 0.25) }, shape: [1, 3, 4])
    }

    @Test func clipFrom11WithMaxOnly() throws {
        var g = GraphBuilder(input: "x", shape: [1, 3, 4])
        g.opset = 12
        g.initializer("hi", [], [0.5])
        g.node("Clip", ["x", "", "hi"], "y")
        try Self.check(g.model(output: "y"), Self.x.map { min($0, 0.5) }, shape: [1, 3, 4])
    }

    @Test func squeezeAndUnsqueezeBefore13TakeAxesAttributes() throws {
        var g = GraphBuilder(input: "x", shape: [1, 3, 1, 4])
        g.opset = 11
        g.node("Squeeze", ["x"], "s", ints: ["axes": [-2]])
        g.node("Unsqueeze", ["s"], "y", ints: ["axes": [3, 0]])
        try Self.check(g.model(output: "y"), Self.x, shape: [1, 1, 3, 1, 4])
    }

    @Test func reduceMeanBefore18TakesAxesAttribute() throws {
        var g = GraphBuilder(input: "x", shape: [1, 3, 2, 2])
        g.opset = 13
        g.node("ReduceMean", ["x"], "y", ints: ["axes": [-1, 2]], int: ["keepdims": 0])
        let want = (0..<3).map { c in Self.x[(c * 4)..<(c * 4 + 4)].reduce(0, +) / 4 }
        try Self.check(g.model(output: "y"), want, shape: [1, 3])
    }

    @Test func padBefore11TakesAttributesAndFoldsIntoTheConv() throws {
        var g = GraphBuilder(input: "x", shape: [1, 1, 3, 4])
        g.opset = 10
        g.node("Pad", ["x"], "p", ints: ["pads": [0, 0, 1, 0, 0, 0, 0, 1]])
        g.initializer("w", [1, 1, 2, 2], [1, 1, 1, 1])
        g.node("Conv", ["p", "w"], "y")
        // Padded input: a zero row on top and a zero column on the right, 4 × 5; 2×2 sums give 3 × 4.
        var padded = [[Float]](repeating: [Float](repeating: 0, count: 5), count: 4)
        for r in 0..<3 { for c in 0..<4 { padded[r + 1][c] = Self.x[r * 4 + c] } }
        var want: [Float] = []
        for r in 0..<3 { for c in 0..<4 { want.append(padded[r][c] + padded[r][c + 1] + padded[r + 1][c] + padded[r + 1][c + 1]) } }
        try Self.check(g.model(output: "y"), want, shape: [1, 1, 3, 4])
    }

    @Test func batchNormalizationOpset7WithSpatial() throws {
        var g = GraphBuilder(input: "x", shape: [1, 3, 2, 2])
        g.opset = 7
        let (s, b, m, v): ([Float], [Float], [Float], [Float]) = ([1, 2, -1], [0, 0.5, 1], [0.25, 0, -0.5], [1, 4, 0.25])
        g.initializer("s", [3], s)
        g.initializer("b", [3], b)
        g.initializer("m", [3], m)
        g.initializer("v", [3], v)
        g.node("BatchNormalization", ["x", "s", "b", "m", "v"], "y", int: ["spatial": 1], float: ["epsilon": 0])
        let want = Self.x.indices.map { i in (Self.x[i] - m[i / 4]) / v[i / 4].squareRoot() * s[i / 4] + b[i / 4] }
        try Self.check(g.model(output: "y"), want, shape: [1, 3, 2, 2])
    }
}

/// A one-input ONNX graph written node by node (float32, default domain, opset 17 unless given).
struct GraphBuilder {
    var graph = Onnx_GraphProto()
    var opset: Int64 = 17

    init(input: String, shape: [Int64]) {
        graph.name = "test"
        graph.input = [TestModels.valueInfo(input, dims: shape)]
    }

    mutating func initializer(_ name: String, _ dims: [Int64], _ values: [Float]) {
        graph.initializer.append(TestModels.rawFloat(name, dims: dims, values))
    }

    mutating func intInitializer(_ name: String, _ values: [Int64]) {
        var t = TestModels.tensor(name, dims: [Int64(values.count)], type: .int64)
        t.rawData = TestModels.littleEndianBytes(values)
        graph.initializer.append(t)
    }

    mutating func node(_ op: String, _ inputs: [String], _ output: String, ints: [String: [Int64]] = [:],
                       int: [String: Int64] = [:], float: [String: Float] = [:], name: String? = nil, domain: String = "") {
        var n = Onnx_NodeProto()
        n.opType = op
        n.domain = domain
        n.name = name ?? ""
        n.input = inputs
        n.output = [output]
        for (key, v) in ints.sorted(by: { $0.key < $1.key }) {
            var a = Onnx_AttributeProto()
            a.name = key; a.type = .ints; a.ints = v
            n.attribute.append(a)
        }
        for (key, v) in int.sorted(by: { $0.key < $1.key }) {
            var a = Onnx_AttributeProto()
            a.name = key; a.type = .int; a.i = v
            n.attribute.append(a)
        }
        for (key, v) in float.sorted(by: { $0.key < $1.key }) {
            var a = Onnx_AttributeProto()
            a.name = key; a.type = .float; a.f = v
            n.attribute.append(a)
        }
        graph.node.append(n)
    }

    func model(output: String, outputDims: [Int64] = []) -> Onnx_ModelProto {
        var g = graph
        g.output = [TestModels.valueInfo(output, dims: outputDims)]
        var m = Onnx_ModelProto()
        m.irVersion = 8
        m.producerName = "qinferd-tests"
        m.graph = g
        var o = Onnx_OperatorSetIdProto()
        o.version = opset
        m.opsetImport = [o]
        return m
    }
}
