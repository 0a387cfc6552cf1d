import QInferModel

/// A Sign of a runtime value the importer has not emitted yet: binary consumers read it as packed bits (possibly
/// straight from the previous binary layer's threshold), others as floats. Pads applied after the Sign are kept
/// here, since only a binary convolution can apply them (as zero or one padding).
final class PendingSign {
    let source: RuntimeValue
    /// The ONNX Sign output this stands for (for consumer counts).
    let onnx: String
    var pad: (pads: Padding2D, value: Float)?
    var bitsValue: RuntimeValue?
    var floatValue: RuntimeValue?

    init(source: RuntimeValue, onnx: String) { self.source = source; self.onnx = onnx }
}

enum Lowered {
    case constant(NDArray)
    case runtime(RuntimeValue)
    case sign(PendingSign)
    /// A constant-value Pad of a runtime value, waiting for the Conv or Sign that absorbs it.
    case padded(RuntimeValue, pads: Padding2D, value: Float)
}

/// Lowers a shape-inferred, constant-folded ONNX graph to the engine's graph IR, one node at a time, recognizing
/// binarized layers and folding scales and BatchNorms into the layers before them.
struct Lowerer {
    let file: ONNXModelFile
    let interpreter: ONNXInterpreter
    let options: ImportOptions
    /// Pass 1: every value's shape; constants folded.
    let known: [String: NDArray]
    /// ONNX consumers of each value (node input uses; the graph output counts as one).
    let consumers: [String: [Int]]
    var lowered: [String: Lowered] = [:]
    var ir = IRGraphBuilder()
    var layers: [ImportedLayer] = []
    var unmatched: [(node: String, opType: String, reason: String)] = []
    /// IR value → the ONNX value it was created for (aliases from Reshape/Identity… have other names).
    var owner: [String: String] = [:]
    var inputLayout: TensorLayout!
    var outputLayout: TensorLayout!
    /// Lay an [1, C, spatial…] graph input out channels-last (what Conv and pooling need); otherwise row-major.
    let channelsLastInput: Bool

    init(interpreter: ONNXInterpreter, options: ImportOptions) throws(ImportError) {
        self.file = interpreter.file
        self.interpreter = interpreter
        self.options = options
        known = try interpreter.evaluate(input: nil)
        var uses: [String: [Int]] = [:]
        for ctx in interpreter.contexts { for name in ctx.node.input where !name.isEmpty { uses[name, default: []].append(ctx.index) } }
        uses[interpreter.outputName, default: []].append(-1)
        consumers = uses
        channelsLastInput = true
    }

    /// A fresh lowering of the same graph with the graph input laid out row-major.
    init(rowMajorInputFrom other: Lowerer) {
        file = other.file
        interpreter = other.interpreter
        options = other.options
        known = other.known
        consumers = other.consumers
        channelsLastInput = false
    }

    var contexts: [NodeContext] { interpreter.contexts }

    func useCount(_ onnx: String) -> Int { consumers[onnx]?.count ?? 0 }

    mutating func run() throws(ImportError) {
        let name = interpreter.inputName, shape = interpreter.inputShape
        ir.reserve(name)
        var input = RuntimeValue.rowMajor(onnx: name, ir: name, shape: shape)
        if shape.count >= 3, shape[0] == 1, channelsLastInput {
            let pointsMajor = shape.count == 3 && shape[2] == 3 && shape[1] != 3
            if !pointsMajor {
                input.order = [0] + Array(2..<shape.count) + [1]
                input.irShape = Array(shape[2...]) + [shape[1]]
            }
        }
        inputLayout = TensorLayout(input)
        lowered[name] = .runtime(input)
        owner[name] = name

        for ctx in contexts {
            let out = ctx.node.output[0]
            if let folded = known[out], folded.isConstant {
                lowered[out] = .constant(folded)
                continue
            }
            let result = try lower(ctx)
            if case .runtime(let v) = result, owner[v.ir] == nil { owner[v.ir] = v.onnx }
            lowered[out] = result
            ir.reserve(out)
        }
        if case .sign(let s)? = lowered[interpreter.outputName] { lowered[interpreter.outputName] = .runtime(try floatSign(contexts.last!, s)) }
        if case .padded? = lowered[interpreter.outputName], let pad = contexts.last(where: { $0.node.output[0] == interpreter.outputName }) {
            throw pad.error("the padded activation is the graph output; the engine pads only inside a Conv (or a binary Conv after a Sign)")
        }
        guard case .runtime(var result)? = lowered[interpreter.outputName] else {
            throw .graph("graph output '\(interpreter.outputName)' is not a runtime value the engine computes")
        }
        if result.bits { throw .graph("graph output '\(interpreter.outputName)' is a Sign; the engine's output must be floats") }
        // The engine's output is one vector; for a [1, classes] output that is the scores, for anything else
        // the layout says where each ONNX element went.
        result = try view(result, [result.count])
        outputLayout = TensorLayout(result)
        if result.ir != interpreter.outputName {
            // The output keeps its ONNX name so tools that look for it find it; a layer that wrote a value of that
            // name (the output's own node, before the view above) gets another one.
            if ir.produces(interpreter.outputName) { ir.renameValue(interpreter.outputName, to: ir.fresh("\(interpreter.outputName).value")) }
            ir.add("output", inputs: [result.ir], output: interpreter.outputName, op: .reshape(Reshape(shape: [result.count])))
        }
        if options.strict, let first = unmatched.first {
            throw .strict(name: first.node, opType: first.opType, reason: first.reason)
        }
    }

    // MARK: - inputs of a node

    func input(_ ctx: NodeContext, _ i: Int) throws(ImportError) -> Lowered {
        guard i < ctx.node.input.count, !ctx.node.input[i].isEmpty else { throw ctx.error("input \(i) is missing") }
        let name = ctx.node.input[i]
        if let v = lowered[name] { return v }
        if let k = known[name], k.isConstant { return .constant(k) } // an initializer
        throw ctx.error("input \(i) ('\(name)') is not defined")
    }

    func constant(_ ctx: NodeContext, _ i: Int, _ what: String) throws(ImportError) -> NDArray? {
        guard i < ctx.node.input.count, !ctx.node.input[i].isEmpty else { return nil }
        guard case .constant(let t) = try input(ctx, i) else {
            throw ctx.error("\(what) (input \(i)) must be a constant; it is computed at run time")
        }
        return t
    }

    /// The input as a float runtime value: a pending Sign is emitted as a float sign op here.
    mutating func float(_ ctx: NodeContext, _ i: Int) throws(ImportError) -> RuntimeValue {
        switch try input(ctx, i) {
        case .runtime(let v):
            guard !v.bits else { throw ctx.error("input \(i) is packed bits") }
            return v
        case .sign(let s): return try floatSign(ctx, s)
        case .constant: throw ctx.error("input \(i) is a constant where an activation is expected")
        case .padded: throw ctx.error("a Pad of an activation is supported only when it feeds a Conv or a Sign before a binary Conv")
        }
    }

    mutating func floatSign(_ ctx: NodeContext, _ s: PendingSign) throws(ImportError) -> RuntimeValue {
        if s.pad != nil { throw ctx.error("a Pad after a Sign is supported only when it feeds a binary Conv") }
        if let v = s.floatValue { return v }
        let name = ir.fresh(s.onnx)
        ir.add("\(s.onnx).sign", inputs: [s.source.ir], output: name, op: .sign)
        var v = s.source
        v.onnx = s.onnx; v.ir = name
        s.floatValue = v
        return v
    }

    /// An IR value with the given shape for `v` (same memory), adding a reshape node when the shapes differ.
    mutating func view(_ v: RuntimeValue, _ shape: [Int]) throws(ImportError) -> RuntimeValue {
        if v.irShape == shape { return v }
        guard !v.bits else { throw .graph("value '\(v.onnx)': packed bits cannot be reshaped from \(v.irShape) to \(shape)") }
        let name = ir.fresh("\(v.onnx).view")
        ir.add("\(v.onnx).view", inputs: [v.ir], output: name, op: .reshape(Reshape(shape: shape)))
        var out = v
        out.ir = name; out.irShape = shape
        return out
    }

    func shapeOf(_ onnx: String) -> [Int] { known[onnx]!.shape }

    // MARK: - dispatch

    mutating func lower(_ ctx: NodeContext) throws(ImportError) -> Lowered {
        switch ctx.opType {
        case "Conv": return try lowerConv(ctx)
        case "Gemm": return try lowerGemm(ctx)
        case "MatMul": return try lowerMatMul(ctx)
        case "BatchNormalization": return try lowerBatchNorm(ctx)
        case "Add", "Sub", "Mul", "Div": return try lowerArithmetic(ctx)
        case "Relu", "Clip": return try lowerActivation(ctx)
        case "Sign": return try lowerSign(ctx)
        case "Softmax": return try lowerSoftmax(ctx)
        case "Identity", "Dropout": return try input(ctx, 0)
        case "Cast":
            guard try ctx.int("to") == 1 else { throw ctx.error("only a Cast to float of an activation is supported") }
            return try input(ctx, 0)
        case "MaxPool", "AveragePool": return try lowerPool(ctx)
        case "GlobalAveragePool": return try lowerGlobalAveragePool(ctx)
        case "ReduceMax", "ReduceMean": return try lowerReduce(ctx)
        case "Flatten", "Reshape", "Squeeze", "Unsqueeze": return try lowerReshape(ctx)
        case "Transpose": return try lowerTranspose(ctx)
        case "Pad": return try lowerPad(ctx)
        case "Concat": return try lowerConcat(ctx)
        default:
            throw ctx.error("is not supported on activations computed at run time (only while folding constants)")
        }
    }

    mutating func record(_ ctx: NodeContext, _ lowering: String, binary: Bool) {
        layers.append(ImportedLayer(node: ctx.displayName, opType: ctx.opType, lowering: lowering, binary: binary))
    }
}
