/// Runs an ONNX graph op by op in ONNX's own layout: the peer `qinfer verify` checks a packed model against, and
/// the shape inference / constant folding the importer builds on (runtime values then carry shapes only).
public struct ONNXInterpreter {
    public let file: ONNXModelFile
    /// The graph's one runtime input (inputs that are also initializers are constants, as ONNX allows).
    public let inputName: String
    public let inputShape: [Int]
    public let outputName: String
    let contexts: [NodeContext]
    let initializers: [String: NDArray]

    public init(file: ONNXModelFile, batch: Int = 1) throws(ImportError) {
        self.file = file
        let graph = file.model.graph
        guard let opset = file.opsetVersion(domain: "") else { throw .graph("\(file.source): the model imports no default-domain opset") }
        guard ONNXOps.supportedOpsets.contains(opset) else {
            throw .unsupportedOpset(domain: "", version: opset, supported: ONNXOps.supportedOpsets)
        }
        var inits: [String: NDArray] = [:]
        let tensors: [ONNXTensor]
        do { tensors = try file.initializers() } catch { throw .file(error) }
        for t in tensors {
            guard NDArray.elementCount(t.shape) != nil else {
                throw .tensor(name: t.name, message: "shape \(t.shape) is larger than \(NDArray.maxElements) elements")
            }
            inits[t.name] = t.ndarray
        }
        let runtime = graph.input.filter { inits[$0.name] == nil }
        guard runtime.count == 1 else {
            throw .graph("\(file.source): the graph has \(runtime.count) runtime inputs (\(runtime.map(\.name).joined(separator: ", "))); exactly one is supported")
        }
        guard graph.output.count == 1 else {
            throw .graph("\(file.source): the graph has \(graph.output.count) outputs; exactly one is supported")
        }
        let input = runtime[0]
        guard case .tensorType(let tt)? = input.type.value else { throw .tensor(name: input.name, message: "the graph input is not a tensor") }
        guard tt.elemType == 1 else {
            throw .tensor(name: input.name, message: "the graph input has data type \(ONNXElementType.onnxName(of: tt.elemType)); FLOAT (1) is required")
        }
        guard tt.hasShape else { throw .tensor(name: input.name, message: "the graph input has no shape") }
        var shape: [Int] = []
        for (i, d) in tt.shape.dim.enumerated() {
            if case .dimValue(let v)? = d.value, v > 0, v <= Int64(1 << 24) {
                shape.append(i == 0 && v != 1 ? batch : Int(v))
            } else if case .dimValue(let v)? = d.value, v == 0 {
                throw .tensor(name: input.name, message: "axis \(i) of the graph input has size 0; empty tensors are not supported")
            } else if case .dimValue(let v)? = d.value, v > 0 {
                throw .tensor(name: input.name, message: "axis \(i) of the graph input has size \(v), more than \(1 << 24)")
            } else if i == 0 {
                shape.append(batch) // a symbolic or missing batch axis runs one sample at a time
            } else {
                throw .tensor(name: input.name, message: "axis \(i) of the graph input has no fixed size (\(d.dimParam.isEmpty ? "unknown" : d.dimParam))")
            }
        }
        guard NDArray.elementCount(shape) != nil else {
            throw .tensor(name: input.name, message: "the graph input \(shape) has more than \(NDArray.maxElements) elements")
        }
        var contexts: [NodeContext] = []
        for (i, node) in graph.node.enumerated() {
            let ctx = NodeContext(node: node, opset: opset, index: i)
            guard node.domain.isEmpty || node.domain == "ai.onnx" else {
                throw .unsupportedOp(name: ctx.displayName, opType: node.opType, domain: node.domain,
                                     opset: file.opsetVersion(domain: node.domain) ?? 0)
            }
            guard ONNXOps.supported.contains(node.opType) else {
                throw .unsupportedOp(name: ctx.displayName, opType: node.opType, domain: node.domain, opset: opset)
            }
            guard !node.output.isEmpty, !node.output[0].isEmpty else { throw ctx.error("has no output") }
            contexts.append(ctx)
        }
        self.inputName = input.name
        self.inputShape = shape
        self.outputName = graph.output[0].name
        self.contexts = contexts
        self.initializers = inits
    }

    /// Every value of the graph: constants folded, runtime values as shapes (input nil) or computed (input given,
    /// in ONNX layout with `inputShape`).
    public func evaluate(input: [Float]?) throws(ImportError) -> [String: NDArray] {
        var values = initializers
        if let input {
            guard input.count == inputShape.reduce(1, *) else {
                throw .tensor(name: inputName, message: "input has \(input.count) values, shape \(inputShape) needs \(inputShape.reduce(1, *))")
            }
            values[inputName] = NDArray(shape: inputShape, floats: input)
        } else {
            values[inputName] = .shapeOnly(inputShape)
        }
        for ctx in contexts {
            var ins: [NDArray?] = []
            for name in ctx.node.input {
                if name.isEmpty { ins.append(nil); continue }
                guard let v = values[name] else { throw ctx.error("input '\(name)' is not produced by an earlier node (the graph must be topologically sorted)") }
                ins.append(v)
            }
            let out = try ONNXOps.evaluate(ctx, ins, file: file)
            try ctx.checkShape(out.shape)
            values[ctx.node.output[0]] = out
        }
        guard values[outputName] != nil else { throw .graph("graph output '\(outputName)' is not produced by any node") }
        return values
    }

    /// The output for one input in ONNX layout.
    public func run(_ input: [Float]) throws(ImportError) -> [Float] {
        try evaluate(input: input)[outputName]!.floats!
    }
}
