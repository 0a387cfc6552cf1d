#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Convolution, pooling, normalization and matrix products in ONNX semantics (NC + spatial layout), written
/// plainly: this is the yardstick imported models are checked against, not the fast path.
enum NetworkOps {
    static func conv(_ ctx: NodeContext, _ inputs: [NDArray?]) throws(ImportError) -> NDArray {
        try ctx.allowOnly(["auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"])
        guard let x = inputs[0], inputs.count > 1, let w = inputs[1] else { throw ctx.error("needs X and W") }
        guard x.shape.count == w.shape.count, x.shape.count == 3 || x.shape.count == 4 else {
            throw ctx.error("input \(x.shape) and weights \(w.shape) must both be rank 3 (1-D) or 4 (2-D)")
        }
        let group = try ctx.int("group", default: 1)
        let n = x.shape[0], c = x.shape[1], m = w.shape[0]
        guard group >= 1, c % group == 0, m % group == 0, w.shape[1] * group == c else {
            throw ctx.error("weights '\(ctx.inputName(1))' \(w.shape) (group \(group)) do not fit the \(c) channels of '\(ctx.inputName(0))' \(x.shape)")
        }
        let g = try WindowGeometry(ctx, input: Array(x.shape[2...]), kernel: Array(w.shape[2...]))
        let outShape = [n, m] + g.output
        try ctx.checkShape(outShape)
        let bias: [Float]?
        if inputs.count > 2, let b = inputs[2] {
            guard b.shape == [m] else { throw ctx.error("bias \(b.shape) must be [\(m)]") }
            bias = b.floats
            if bias == nil && x.isConstant && w.isConstant { return .shapeOnly(outShape) }
        } else { bias = nil }
        guard let xv = x.floats, let wv = w.floats else { return .shapeOnly(outShape) }
        let s = g.as2D
        let cg = c / group, mg = m / group
        var out = [Float](repeating: 0, count: outShape.reduce(1, *))
        for b in 0..<n {
            for oc in 0..<m {
                let gi = oc / mg
                for oy in 0..<s.oh {
                    for ox in 0..<s.ow {
                        var acc: Float = 0
                        for ic in 0..<cg {
                            let ch = gi * cg + ic
                            for ky in 0..<s.kh {
                                let iy = oy * s.sh + ky * s.dh - s.pt
                                guard iy >= 0 && iy < s.h else { continue }
                                for kx in 0..<s.kw {
                                    let ix = ox * s.sw + kx * s.dw - s.pl
                                    guard ix >= 0 && ix < s.w else { continue }
                                    acc += xv[((b * c + ch) * s.h + iy) * s.w + ix] * wv[((oc * cg + ic) * s.kh + ky) * s.kw + kx]
                                }
                            }
                        }
                        out[((b * m + oc) * s.oh + oy) * s.ow + ox] = acc + (bias?[oc] ?? 0)
                    }
                }
            }
        }
        return NDArray(shape: outShape, floats: out)
    }

    static func pool(_ ctx: NodeContext, _ x: NDArray) throws(ImportError) -> NDArray {
        let isMax = ctx.opType == "MaxPool"
        try ctx.allowOnly(isMax ? ["auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides"]
                                : ["auto_pad", "ceil_mode", "count_include_pad", "dilations", "kernel_shape", "pads", "strides"])
        guard (3...5).contains(x.shape.count) else { throw ctx.error("input \(x.shape) must be rank 3, 4 or 5") }
        guard let kernel = try ctx.ints("kernel_shape") else { throw ctx.error("attribute 'kernel_shape' is required") }
        if ctx.node.output.count > 1 && !ctx.node.output[1].isEmpty { throw ctx.error("the Indices output is not supported") }
        let g = try WindowGeometry(ctx, input: Array(x.shape[2...]), kernel: kernel, ceilMode: try ctx.int("ceil_mode", default: 0) != 0)
        let outShape = Array(x.shape[..<2]) + g.output
        try ctx.checkShape(outShape)
        guard let v = x.floats else { return .shapeOnly(outShape) }
        let includePad = try ctx.int("count_include_pad", default: 0) != 0
        let r = g.input.count
        let inStrides = NDArray.strides(g.input)
        let size = g.input.reduce(1, *), outSize = g.output.reduce(1, *)
        let taps = coordinates(g.kernel), positions = coordinates(g.output)
        var out = [Float](repeating: 0, count: outShape.reduce(1, *))
        for p in 0..<(x.shape[0] * x.shape[1]) {
            for (o, oc) in positions.enumerated() {
                var best = -Float.infinity, sum: Float = 0, inside = 0, padded = 0
                for tap in taps {
                    var index = 0, isInside = true, isPadded = true
                    for d in 0..<r {
                        let i = oc[d] * g.strides[d] + tap[d] * g.dilations[d] - g.padBegin[d]
                        if i < 0 || i >= g.input[d] { isInside = false }
                        // count_include_pad counts the explicit pads, not the extra ceil_mode overhang.
                        if i >= g.input[d] + g.padEnd[d] { isPadded = false }
                        index += i * inStrides[d]
                    }
                    if isPadded { padded += 1 }
                    guard isInside else { continue }
                    let val = v[p * size + index]
                    best = max(best, val); sum += val; inside += 1
                }
                out[p * outSize + o] = isMax ? best : sum / Float(includePad ? padded : max(inside, 1))
            }
        }
        return NDArray(shape: outShape, floats: out)
    }

    /// Every coordinate of `shape`, row-major.
    static func coordinates(_ shape: [Int]) -> [[Int]] {
        var out: [[Int]] = []
        out.reserveCapacity(shape.reduce(1, *))
        var coord = [Int](repeating: 0, count: shape.count)
        for _ in 0..<shape.reduce(1, *) {
            out.append(coord)
            var d = shape.count - 1
            while d >= 0 {
                coord[d] += 1
                if coord[d] < shape[d] { break }
                coord[d] = 0
                d -= 1
            }
        }
        return out
    }

    static func globalAveragePool(_ ctx: NodeContext, _ x: NDArray) throws(ImportError) -> NDArray {
        guard x.shape.count >= 3 else { throw ctx.error("input \(x.shape) must have spatial axes") }
        let outShape = Array(x.shape[..<2]) + Array(repeating: 1, count: x.shape.count - 2)
        guard let v = x.floats else { return .shapeOnly(outShape) }
        let planes = x.shape[0] * x.shape[1], size = x.shape[2...].reduce(1, *)
        return NDArray(shape: outShape, floats: (0..<planes).map { p in
            var s: Float = 0
            for i in 0..<size { s += v[p * size + i] }
            return s / Float(size)
        })
    }

    /// Inference-mode BatchNormalization as per-channel (mul, add): y = (x − mean)/√(var + ε)·γ + β.
    static func batchNormParameters(_ ctx: NodeContext, _ inputs: [NDArray?], channels: Int) throws(ImportError) -> (mul: [Float], add: [Float]) {
        if try ctx.int("training_mode", default: 0) != 0 { throw ctx.error("training_mode=1 is not supported") }
        if ctx.node.output.count > 1 && ctx.node.output.dropFirst().contains(where: { !$0.isEmpty }) {
            throw ctx.error("running mean/var outputs (training) are not supported")
        }
        guard inputs.count == 5 else { throw ctx.error("needs X, scale, B, mean and var") }
        var params: [[Float]] = []
        for (i, name) in ["scale", "B", "input_mean", "input_var"].enumerated() {
            guard let t = inputs[i + 1], let v = t.floats else { throw ctx.error("\(name) must be a constant") }
            guard v.count == channels else { throw ctx.error("\(name) has \(v.count) values, the input has \(channels) channels") }
            params.append(v)
        }
        let eps = try ctx.float("epsilon", default: 1e-5)
        var mul = [Float](repeating: 0, count: channels), add = mul
        for c in 0..<channels {
            mul[c] = params[0][c] / sqrtf(params[3][c] + eps)
            add[c] = params[1][c] - params[2][c] * mul[c]
        }
        return (mul, add)
    }

    static func batchNorm(_ ctx: NodeContext, _ inputs: [NDArray?]) throws(ImportError) -> NDArray {
        let x = inputs[0]!
        guard x.shape.count >= 2 else { throw ctx.error("input \(x.shape) needs a channel axis") }
        let c = x.shape[1]
        let (mul, add) = try batchNormParameters(ctx, inputs, channels: c)
        guard let v = x.floats else { return .shapeOnly(x.shape) }
        let inner = x.shape[2...].reduce(1, *)
        var out = v
        for i in 0..<v.count {
            let ch = (i / inner) % c
            out[i] = v[i] * mul[ch] + add[ch]
        }
        return NDArray(shape: x.shape, floats: out)
    }

    /// Y = α·A'·B' + β·C with A' = transA ? Aᵀ : A (2-D), B' likewise.
    static func gemm(_ ctx: NodeContext, _ inputs: [NDArray?]) throws(ImportError) -> NDArray {
        try ctx.allowOnly(["alpha", "beta", "transA", "transB"])
        guard let a = inputs[0], inputs.count > 1, let b = inputs[1], a.shape.count == 2, b.shape.count == 2 else {
            throw ctx.error("needs 2-D A and B")
        }
        let ta = try ctx.int("transA", default: 0) != 0, tb = try ctx.int("transB", default: 0) != 0
        let m = ta ? a.shape[1] : a.shape[0], k = ta ? a.shape[0] : a.shape[1]
        let kb = tb ? b.shape[1] : b.shape[0], n = tb ? b.shape[0] : b.shape[1]
        guard k == kb else { throw ctx.error("A \(a.shape) and B \(b.shape) do not chain (transA \(ta), transB \(tb))") }
        let c = inputs.count > 2 ? inputs[2] : nil
        if let c, Broadcast.shape(c.shape, [m, n]) != [m, n] { throw ctx.error("C \(c.shape) does not broadcast to [\(m), \(n)]") }
        try ctx.checkShape([m, n])
        guard let av = a.floats, let bv = b.floats, c == nil || c!.isConstant else { return .shapeOnly([m, n]) }
        let alpha = try ctx.float("alpha", default: 1), beta = try ctx.float("beta", default: 1)
        let cv = c.map { Broadcast.expand($0.floats!, from: $0.shape, to: [m, n]) }
        var out = [Float](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var acc: Float = 0
                for p in 0..<k { acc += av[ta ? p * m + i : i * k + p] * bv[tb ? j * k + p : p * n + j] }
                out[i * n + j] = alpha * acc + (cv.map { beta * $0[i * n + j] } ?? 0)
            }
        }
        return NDArray(shape: [m, n], floats: out)
    }

    /// numpy.matmul semantics: 1-D operands are promoted, leading axes broadcast.
    static func matmul(_ ctx: NodeContext, _ a: NDArray, _ b: NDArray) throws(ImportError) -> NDArray {
        guard !a.shape.isEmpty, !b.shape.isEmpty else { throw ctx.error("operands must not be scalars") }
        let a2 = a.shape.count == 1 ? [1] + a.shape : a.shape, b2 = b.shape.count == 1 ? b.shape + [1] : b.shape
        let m = a2[a2.count - 2], k = a2[a2.count - 1], kb = b2[b2.count - 2], n = b2[b2.count - 1]
        guard k == kb else { throw ctx.error("A \(a.shape) and B \(b.shape) do not chain") }
        guard let batch = Broadcast.shape(Array(a2.dropLast(2)), Array(b2.dropLast(2))) else {
            throw ctx.error("batch axes of \(a.shape) and \(b.shape) do not broadcast")
        }
        var outShape = batch + [m, n]
        if a.shape.count == 1 { outShape.remove(at: outShape.count - 2) }
        if b.shape.count == 1 { outShape.removeLast() }
        try ctx.checkShape(outShape)
        guard let av = a.floats, let bv = b.floats else { return .shapeOnly(outShape) }
        let batches = batch.reduce(1, *)
        let ia = Broadcast.indices(from: Array(a2.dropLast(2)), to: batch), ib = Broadcast.indices(from: Array(b2.dropLast(2)), to: batch)
        var out = [Float](repeating: 0, count: batches * m * n)
        for t in 0..<batches {
            let ao = ia[t] * m * k, bo = ib[t] * k * n
            for i in 0..<m {
                for j in 0..<n {
                    var acc: Float = 0
                    for p in 0..<k { acc += av[ao + i * k + p] * bv[bo + p * n + j] }
                    out[(t * m + i) * n + j] = acc
                }
            }
        }
        return NDArray(shape: outShape, floats: out)
    }
}
