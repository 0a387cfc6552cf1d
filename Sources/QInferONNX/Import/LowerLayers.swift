import QInferModel

/// Conv, Gemm and MatMul: binary when a Sign feeds them and their weights are ±α per output channel, FP32 otherwise.
extension Lowerer {
    static func channelsLastOrder(rank: Int) -> [Int] { [0] + Array(2..<rank) + [1] }

    /// The binarized weights of a Conv/Gemm/MatMul node, or nil and why not.
    func binaryWeights(_ ctx: NodeContext) -> (BinaryWeights?, String) {
        guard ctx.node.input.count > 1, let w = known[ctx.node.input[1]], let values = w.floats else {
            return (nil, "its weights are computed at run time")
        }
        switch ctx.opType {
        case "Conv":
            if (try? ctx.int("group", default: 1)) != 1 { return (nil, "grouped convolutions are not binarized") }
            return BinaryWeights.match(values, shape: w.shape, channelAxis: 0)
        case "Gemm":
            if (try? ctx.int("transA", default: 0)) != 0 { return (nil, "transA=1 is not supported") }
            let transB = (try? ctx.int("transB", default: 0)) ?? 0
            return BinaryWeights.match(values, shape: w.shape, channelAxis: transB != 0 ? 0 : 1)
        case "MatMul":
            guard let (k, n) = Self.matMulWeights(w.shape) else { return (nil, "weights \(w.shape) are not a matrix") }
            return BinaryWeights.match(values, shape: [k, n], channelAxis: 1)
        default:
            return (nil, "\(ctx.opType) is not a binarizable layer")
        }
    }

    /// Whether every consumer of a Sign output can read it as packed bits (so the layer before may write bits).
    /// (A worklist rather than recursion through Pads: a crafted chain of Pads must not exhaust the stack.)
    func allConsumersBinary(_ onnx: String) -> Bool {
        var pending = [onnx]
        var seen: Set<String> = []
        while let value = pending.popLast() {
            guard seen.insert(value).inserted else { continue }
            guard let uses = consumers[value], !uses.isEmpty else { return false }
            for u in uses {
                guard u >= 0 else { return false }
                let ctx = contexts[u]
                if ctx.opType == "Pad" {
                    pending.append(ctx.node.output[0])
                    continue
                }
                guard ["Conv", "Gemm", "MatMul"].contains(ctx.opType), ctx.node.input.first == value,
                      binaryWeights(ctx).0 != nil else { return false }
            }
        }
        return true
    }

    /// The packed signs of a pending Sign in `irShape`: straight from the previous binary layer (its affine
    /// output becomes a threshold) when nothing else reads that layer's floats, else through a sign_pack node.
    mutating func bits(_ s: PendingSign, irShape: [Int]) throws(ImportError) -> RuntimeValue {
        if let b = s.bitsValue, b.irShape == irShape { return b }
        var src = s.source
        var b: RuntimeValue
        if src.nonNegative {
            // Unipolar: sign(x) ∈ {0, 1}. Pack u = −1 where x > 0, +1 where x = 0 (bit = −x < 0); then
            // sign(x) = (1 − u)/2 and Σ sign(x)·w = (Σw − Σ u·w)/2 exactly (see `unipolar`).
            src = try view(src, irShape)
            let neg = ir.fresh("\(s.onnx).neg")
            ir.add("\(s.onnx).neg", inputs: [src.ir], output: neg, op: .scale(Scale(value: -1)))
            let name = ir.fresh("\(s.onnx).bits")
            ir.add("\(s.onnx).pack", inputs: [neg], output: name, op: .signPack)
            b = src
            b.ir = name
        } else if ir.isBinaryWithAffine(src.ir), src.irShape == irShape, owns(src), allConsumersBinary(s.onnx) {
            ir.thresholdOutput(of: src.ir)
            b = src
        } else {
            src = try view(src, irShape)
            let name = ir.fresh("\(s.onnx).bits")
            ir.add("\(s.onnx).pack", inputs: [src.ir], output: name, op: .signPack)
            b = src
            b.ir = name
        }
        b.bits = true
        b.onnx = s.onnx
        s.bitsValue = b
        return b
    }

    /// Output transform of a binary layer over a unipolar Sign (inputs 0/+1, packed as u = ±1 with u = +1 for 0):
    /// α·Σ sign(x)·w = α·(Σw − acc)/2 with acc = Σ u·w. Padding with u = +1 (one padding) contributes 0, as ONNX's
    /// zero padding of the Sign's output does.
    static func unipolar(alpha: [Float], bias: [Float], signs: [Float], perChannel: Int) -> (mul: [Float], bias: [Float]) {
        var mul = alpha, b = bias
        for o in alpha.indices {
            var sum: Float = 0
            for i in 0..<perChannel { sum += signs[o * perChannel + i] }
            mul[o] = -alpha[o] / 2
            b[o] = bias[o] + alpha[o] / 2 * sum
        }
        return (mul, b)
    }

    /// ONNX [M, C, k…] weights reordered to the engine's [M, k…, C].
    static func channelsLast(_ w: [Float], shape: [Int]) -> [Float] {
        let m = shape[0], c = shape[1], taps = shape[2...].reduce(1, *)
        var out = [Float](repeating: 0, count: w.count)
        for o in 0..<m { for ch in 0..<c { for t in 0..<taps { out[(o * taps + t) * c + ch] = w[(o * c + ch) * taps + t] } } }
        return out
    }

    mutating func lowerConv(_ ctx: NodeContext) throws(ImportError) -> Lowered {
        try ctx.allowOnly(["auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"])
        guard let w = try constant(ctx, 1, "the weights") else { throw ctx.error("weights are required") }
        let bias = try constant(ctx, 2, "the bias")?.floats
        guard try ctx.int("group", default: 1) == 1 else { throw ctx.error("grouped convolutions (group > 1) are not supported") }
        let xIn = try input(ctx, 0)
        let out = ctx.node.output[0], outShape = shapeOf(out)
        let xShape = shapeOf(ctx.node.input[0])
        let g = try WindowGeometry(ctx, input: Array(xShape[2...]), kernel: Array(w.shape[2...]))
        guard g.dilations.allSatisfy({ $0 == 1 }) else { throw ctx.error("dilated convolutions are not supported") }
        let is1D = w.shape.count == 3
        if !is1D && g.strides[0] != g.strides[1] { throw ctx.error("strides \(g.strides) differ per axis; the engine needs one stride") }
        let stride = g.strides.last!
        var pad = is1D ? Padding2D(top: 0, left: g.padBegin[0], bottom: 0, right: g.padEnd[0])
                       : Padding2D(top: g.padBegin[0], left: g.padBegin[1], bottom: g.padEnd[0], right: g.padEnd[1])
        let m = w.shape[0], c = w.shape[1]
        let taps = w.shape[2...].reduce(1, *)
        let (kh, kw) = is1D ? (1, w.shape[2]) : (w.shape[2], w.shape[3])
        // A 1×1 kernel with stride 1 and no padding is a dense layer over the pixels or points (the shared MLP).
        let pointwise = taps == 1 && stride == 1 && pad == .same(0)
        let source: RuntimeValue
        var binary: BinaryWeights?
        var padValue: BinaryConv2D.PadValue = .zero
        var sign: PendingSign?
        switch xIn {
        case .sign(let s):
            let (match, reason) = binaryWeights(ctx)
            if let match {
                binary = match; sign = s
                if s.source.nonNegative {
                    // Zero padding of a 0/+1 Sign is u = +1: the engine's one padding.
                    if let extra = s.pad {
                        guard extra.value == 0 else { throw ctx.error("a Pad with value \(extra.value) after a Sign of a non-negative input is not supported (0 is)") }
                        pad = Padding2D(top: pad.top + extra.pads.top, left: pad.left + extra.pads.left,
                                        bottom: pad.bottom + extra.pads.bottom, right: pad.right + extra.pads.right)
                    }
                    padValue = .one
                } else if let extra = s.pad {
                    guard extra.value == 0 || extra.value == 1 else {
                        throw ctx.error("a Pad with value \(extra.value) after a Sign pads with neither 0 nor +1; the engine supports those two")
                    }
                    if extra.value == 1 {
                        guard pad == .same(0) else { throw ctx.error("one padding (Pad value 1) combined with the Conv's own zero pads is not supported") }
                        padValue = .one
                    }
                    pad = Padding2D(top: pad.top + extra.pads.top, left: pad.left + extra.pads.left,
                                    bottom: pad.bottom + extra.pads.bottom, right: pad.right + extra.pads.right)
                }
                source = s.source
            } else {
                unmatched.append((ctx.displayName, ctx.opType, reason))
                source = try floatSign(ctx, s)
            }
        case .padded(let v, let pads, let value):
            guard value == 0 else { throw ctx.error("a Pad with value \(value) before an FP32 Conv is not supported (0 is)") }
            pad = Padding2D(top: pad.top + pads.top, left: pad.left + pads.left, bottom: pad.bottom + pads.bottom, right: pad.right + pads.right)
            source = v
        default:
            source = try float(ctx, 0)
        }
        guard let spatial = source.channelsLastShape() else {
            throw ctx.error("input '\(source.onnx)' \(source.shape) is not laid out channels-last (unsupported Transpose before a Conv?)")
        }
        let inView = is1D ? (pointwise ? spatial : [1] + spatial) : spatial
        let outIR: [Int] = is1D ? (pointwise ? [outShape[2], m] : [1, outShape[2], m]) : [outShape[2], outShape[3], m]
        let name = ir.fresh(out)
        let node = ctx.displayName
        if let binary, let sign {
            let bitsIn = try bits(sign, irShape: pointwise ? [inView.dropLast().reduce(1, *), c] : inView)
            let wIR = Self.channelsLast(binary.signs, shape: w.shape)
            let k = c * taps
            let wName = ir.addTensor("\(node).w", .bits(shape: pointwise ? [m, c] : [m, kh, kw, c], signs: wIR))
            var (mul, b) = (binary.alpha, bias ?? [Float](repeating: 0, count: m))
            if sign.source.nonNegative { (mul, b) = Self.unipolar(alpha: mul, bias: b, signs: wIR, perChannel: k) }
            if pointwise {
                ir.addBinary(node, input: bitsIn.ir, output: name, k: k, alpha: mul, bias: b) {
                    .binaryDense(BinaryDense(weights: wName, output: $0))
                }
            } else {
                ir.addBinary(node, input: bitsIn.ir, output: name, k: k, alpha: mul, bias: b) {
                    .binaryConv2d(BinaryConv2D(weights: wName, stride: stride, pad: pad, padValue: padValue, output: $0))
                }
            }
            record(ctx, "\(pointwise ? "binary_dense" : "binary_conv2d") \(kh)×\(kw)/\(stride) \(padValue == .one ? "one" : "zero") padding, ±α weights", binary: true)
        } else {
            let x = try view(source, pointwise ? [inView.dropLast().reduce(1, *), c] : inView)
            let wIR = Self.channelsLast(w.floats!, shape: w.shape)
            let wName = ir.addTensor("\(node).w", .f32(shape: pointwise ? [m, c] : [m, kh, kw, c], values: wIR))
            let bName = bias.map { ir.addTensor("\(node).b", .f32(shape: [m], values: $0)) }
            if pointwise {
                ir.add(node, inputs: [x.ir], output: name, op: .dense(Dense(weights: wName, bias: bName)))
            } else {
                ir.add(node, inputs: [x.ir], output: name, op: .conv2d(Conv2D(weights: wName, bias: bName, stride: stride, pad: pad)))
            }
            record(ctx, pointwise ? "dense (1×1 conv)" : "conv2d \(kh)×\(kw)/\(stride)", binary: false)
        }
        let outValue = RuntimeValue(onnx: out, ir: name, irShape: pointwise ? [outIR.dropLast().reduce(1, *), m] : outIR,
                                    shape: outShape, order: Self.channelsLastOrder(rank: outShape.count))
        return .runtime(outValue)
    }

    /// Rows of a dense layer's input and, per IR column, the ONNX k it holds.
    func denseColumns(_ ctx: NodeContext, _ v: RuntimeValue, k: Int) throws(ImportError) -> (rows: Int, columns: [Int]) {
        let rows = v.count / max(k, 1)
        if rows == 1 { return (1, v.memoryToONNX()) }
        guard v.flatIndex == nil, v.nonUnitOrder.last == v.shape.count - 1 || k == 1 else {
            throw ctx.error("input '\(v.onnx)' \(v.shape) does not hold its last axis innermost")
        }
        return (rows, Array(0..<k))
    }

    /// Shared tail of Gemm and MatMul: weights given as Wk[n][k] (ONNX order), already scaled.
    mutating func emitDense(_ ctx: NodeContext, a: Lowered, weights: [Float], alpha: Float, n: Int, k: Int, bias: [Float]?,
                            binary: BinaryWeights?, outOrder: [Int]?) throws(ImportError) -> Lowered {
        let out = ctx.node.output[0], outShape = shapeOf(out)
        let node = ctx.displayName
        let name = ir.fresh(out)
        var irShape: [Int]
        if case .sign(let s) = a, let binary {
            let (rows, columns) = try denseColumns(ctx, s.source, k: k)
            let bitsIn = try bits(s, irShape: rows == 1 ? [k] : [rows, k])
            var wIR = [Float](repeating: 0, count: n * k)
            for o in 0..<n { for p in 0..<k { wIR[o * k + p] = binary.signs[o * k + columns[p]] } }
            let wName = ir.addTensor("\(node).w", .bits(shape: [n, k], signs: wIR))
            var (mul, b) = (binary.alpha.map { $0 * alpha }, bias ?? [Float](repeating: 0, count: n))
            if s.source.nonNegative { (mul, b) = Self.unipolar(alpha: mul, bias: b, signs: wIR, perChannel: k) }
            ir.addBinary(node, input: bitsIn.ir, output: name, k: k, alpha: mul, bias: b) { .binaryDense(BinaryDense(weights: wName, output: $0)) }
            irShape = rows == 1 ? [n] : [rows, n]
            record(ctx, "binary_dense \(k)→\(n), ±α weights", binary: true)
        } else {
            if case .sign = a { unmatched.append((node, ctx.opType, binaryWeights(ctx).1)) }
            let src = try float(ctx, 0)
            let (rows, columns) = try denseColumns(ctx, src, k: k)
            let x = try view(src, rows == 1 ? [k] : [rows, k])
            var wIR = [Float](repeating: 0, count: n * k)
            for o in 0..<n { for p in 0..<k { wIR[o * k + p] = weights[o * k + columns[p]] * alpha } }
            let wName = ir.addTensor("\(node).w", .f32(shape: [n, k], values: wIR))
            let bName = bias.map { ir.addTensor("\(node).b", .f32(shape: [n], values: $0)) }
            ir.add(node, inputs: [x.ir], output: name, op: .dense(Dense(weights: wName, bias: bName)))
            irShape = x.irShape.count == 1 ? [n] : [x.irShape[0], n]
            record(ctx, "dense \(k)→\(n)", binary: false)
        }
        var v = RuntimeValue.rowMajor(onnx: out, ir: name, shape: outShape)
        if let outOrder { v.order = outOrder }
        v.irShape = irShape
        return .runtime(v)
    }

    mutating func lowerGemm(_ ctx: NodeContext) throws(ImportError) -> Lowered {
        try ctx.allowOnly(["alpha", "beta", "transA", "transB"])
        guard try ctx.int("transA", default: 0) == 0 else { throw ctx.error("transA=1 on an activation is not supported") }
        guard let b = try constant(ctx, 1, "B (the weights)"), b.shape.count == 2, let bv = b.floats else { throw ctx.error("B must be a constant matrix") }
        let transB = try ctx.int("transB", default: 0) != 0
        let alpha = try ctx.float("alpha", default: 1), beta = try ctx.float("beta", default: 1)
        let aShape = shapeOf(ctx.node.input[0])
        let (n, k) = transB ? (b.shape[0], b.shape[1]) : (b.shape[1], b.shape[0])
        guard aShape.count == 2, aShape[1] == k else { throw ctx.error("A \(aShape) does not match B \(b.shape)") }
        var bias: [Float]?
        if let c = try constant(ctx, 2, "C (the bias)") {
            let m = aShape[0]
            guard let cv = c.floats, let full = Optional(Broadcast.expand(cv, from: c.shape, to: [m, n])),
                  (0..<m).allSatisfy({ r in (0..<n).allSatisfy { full[r * n + $0] == full[$0] } }) else {
                throw ctx.error("C \(c.shape) differs per row; only a per-output bias is supported")
            }
            bias = (0..<n).map { beta * full[$0] }
        }
        // Weights as W[n][k].
        var wk = [Float](repeating: 0, count: n * k)
        for o in 0..<n { for p in 0..<k { wk[o * k + p] = transB ? bv[o * k + p] : bv[p * n + o] } }
        var binary: BinaryWeights?
        if let (match, _) = Optional(binaryWeights(ctx)), var match {
            if !transB { // signs are in B's [k][n] order; bring them to [n][k]
                var s = [Float](repeating: 0, count: n * k)
                for o in 0..<n { for p in 0..<k { s[o * k + p] = match.signs[p * n + o] } }
                match.signs = s
            }
            binary = match
        }
        return try emitDense(ctx, a: try input(ctx, 0), weights: wk, alpha: alpha, n: n, k: k, bias: bias, binary: binary, outOrder: nil)
    }

    /// MatMul's constant B as a [K, N] matrix: 2-D, with leading axes of 1, or a 1-D [K] (N = 1); nil otherwise.
    static func matMulWeights(_ shape: [Int]) -> (k: Int, n: Int)? {
        if shape.count == 1 { return (shape[0], 1) }
        guard shape.count >= 2, shape.dropLast(2).allSatisfy({ $0 == 1 }) else { return nil }
        return (shape[shape.count - 2], shape[shape.count - 1])
    }

    mutating func lowerMatMul(_ ctx: NodeContext) throws(ImportError) -> Lowered {
        let aShape = shapeOf(ctx.node.input[0])
        guard let b = try constant(ctx, 1, "B (the weights)"), let bv = b.floats, let (k, n) = Self.matMulWeights(b.shape),
              aShape.count == 1 || b.shape.count <= aShape.count else {
            throw ctx.error("only an activation times a constant matrix is supported (B \(shapeOf(ctx.node.input[1])) has batch axes the activation \(aShape) does not)")
        }
        let a = try input(ctx, 0)
        guard aShape.last == k else { throw ctx.error("A \(aShape) does not match B \(b.shape)") }
        var wk = [Float](repeating: 0, count: n * k)
        for o in 0..<n { for p in 0..<k { wk[o * k + p] = bv[p * n + o] } }
        var binary: BinaryWeights?
        if var match = binaryWeights(ctx).0 {
            var s = [Float](repeating: 0, count: n * k)
            for o in 0..<n { for p in 0..<k { s[o * k + p] = match.signs[p * n + o] } }
            match.signs = s
            binary = match
        }
        var order: [Int]?
        switch a {
        case .runtime(let v) where v.flatIndex == nil: order = v.order
        case .sign(let s) where s.source.flatIndex == nil: order = s.source.order
        default: order = nil
        }
        if aShape.count == 1 { order = nil }
        // A 1-D B drops A's last axis (innermost in memory, as the dense layer reads it); the rest keep their order.
        if b.shape.count == 1 { order = order?.filter { $0 != aShape.count - 1 } }
        return try emitDense(ctx, a: a, weights: wk, alpha: 1, n: n, k: k, bias: nil, binary: binary, outOrder: order)
    }
}
