/// The op table: which ONNX ops the importer and interpreter know, and their evaluation (full, or shape-only when
/// an input is a runtime value).
enum ONNXOps {
    /// Default-domain opsets whose semantics for the supported ops are implemented.
    static let supportedOpsets: ClosedRange<Int64> = 7...25

    static let supported: Set<String> = ElementwiseOps.binary.union(ElementwiseOps.unary).union([
        "Conv", "Gemm", "MatMul", "BatchNormalization", "Clip", "MaxPool", "AveragePool", "GlobalAveragePool",
        "ReduceMax", "ReduceMean", "ReduceSum", "ReduceMin", "ReduceProd", "Flatten", "Reshape", "Transpose", "Squeeze", "Unsqueeze", "Concat",
        "Pad", "Softmax", "Identity", "Constant", "Shape", "Gather", "Cast", "Dropout",
    ])

    static func evaluate(_ ctx: NodeContext, _ inputs: [NDArray?], file: ONNXModelFile) throws(ImportError) -> NDArray {
        func input(_ i: Int) throws(ImportError) -> NDArray {
            guard i < inputs.count, let t = inputs[i] else { throw ctx.error("input \(i) is required") }
            return t
        }
        let op = ctx.opType
        // Every op but Constant reads input 0; the ops below may rely on it being there.
        if op != "Constant", inputs.first == nil || inputs[0] == nil { throw ctx.error("input 0 is required") }
        if ElementwiseOps.binary.contains(op) { return try ElementwiseOps.binary(ctx, try input(0), try input(1)) }
        if ElementwiseOps.unary.contains(op) { return try ElementwiseOps.unary(ctx, try input(0)) }
        switch op {
        case "Conv": return try NetworkOps.conv(ctx, inputs)
        case "Gemm": return try NetworkOps.gemm(ctx, inputs)
        case "MatMul": return try NetworkOps.matmul(ctx, try input(0), try input(1))
        case "BatchNormalization": return try NetworkOps.batchNorm(ctx, inputs)
        case "Clip": return try ElementwiseOps.clip(ctx, inputs)
        case "MaxPool", "AveragePool": return try NetworkOps.pool(ctx, try input(0))
        case "GlobalAveragePool": return try NetworkOps.globalAveragePool(ctx, try input(0))
        case "ReduceMax", "ReduceMean", "ReduceSum", "ReduceMin", "ReduceProd": return try ShapeOps.reduce(ctx, inputs)
        case "Flatten": return try ShapeOps.flatten(ctx, try input(0))
        case "Reshape": return try ShapeOps.reshape(ctx, inputs)
        case "Transpose": return try ShapeOps.transpose(ctx, try input(0))
        case "Squeeze": return try ShapeOps.squeeze(ctx, inputs)
        case "Unsqueeze": return try ShapeOps.unsqueeze(ctx, inputs)
        case "Concat":
            var all: [NDArray] = []
            for i in inputs.indices { all.append(try input(i)) }
            return try ShapeOps.concat(ctx, all)
        case "Pad": return try ShapeOps.pad(ctx, inputs)
        case "Softmax": return try ElementwiseOps.softmax(ctx, try input(0))
        case "Identity", "Dropout":
            if op == "Dropout" {
                if ctx.node.output.count > 1 && !ctx.node.output[1].isEmpty { throw ctx.error("the mask output is not supported") }
                if inputs.count > 2, let t = inputs[2], t.ints != [0] { throw ctx.error("training_mode must be constant false") }
            }
            return try input(0)
        case "Constant": return try ShapeOps.constant(ctx, file: file)
        case "Shape": return try ShapeOps.shape(ctx, try input(0))
        case "Gather": return try ShapeOps.gather(ctx, try input(0), try input(1))
        case "Cast": return try ElementwiseOps.cast(ctx, try input(0))
        default: throw ImportError.unsupportedOp(name: ctx.displayName, opType: op, domain: ctx.node.domain, opset: ctx.opset)
        }
    }
}
