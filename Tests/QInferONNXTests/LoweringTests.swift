import Foundation
import QInferEngine
import QInferKernels
import QInferModel
import QInferONNX
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
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<3 {
            let x = (0..<interpreter.inputShape.reduce(1, *)).map { _ in Float.random(in: -2...2, using: &rng) }
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
