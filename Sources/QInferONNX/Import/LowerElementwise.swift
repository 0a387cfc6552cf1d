import QInferModel

/// BatchNormalization, arithmetic with constants, activations, Sign and Softmax.
extension Lowerer {
    /// y = x·mul + add with mul/add given over `shape`, which broadcasts to x's ONNX shape (a per-channel BatchNorm:
    /// [1, C, 1, 1]). Emitted as the smallest repeating pattern in the engine's memory order; per-channel ones fold
    /// into the layer before when it is theirs alone.
    mutating func applyAffine(_ ctx: NodeContext, _ v: RuntimeValue, shape: [Int], mul: [Float], add: [Float]) throws(ImportError) -> Lowered {
        let out = ctx.node.output[0]
        var periods = [1]
        var p = 1
        for d in v.irShape.reversed() { p *= d; if p > 1 && periods.last != p { periods.append(p) } }
        let (m, a) = Self.affinePattern(v, shape: shape, mul: mul, add: add, periods: periods)
        var period = m.count
        for candidate in periods where m.count % candidate == 0 {
            if (0..<m.count).allSatisfy({ m[$0] == m[$0 % candidate] && a[$0] == a[$0 % candidate] }) { period = candidate; break }
        }
        let pm = Array(m[..<period]), pa = Array(a[..<period])
        var result = v
        result.onnx = out
        result.nonNegative = v.nonNegative && pm.allSatisfy { $0 >= 0 } && pa.allSatisfy { $0 >= 0 }
        if pm.allSatisfy({ $0 == 1 }) && pa.allSatisfy({ $0 == 0 }) { return .runtime(result) }
        let c = v.irShape.last ?? 1
        if period == 1 || period == c, owns(v) {
            let cm = period == 1 ? [Float](repeating: pm[0], count: c) : pm
            let ca = period == 1 ? [Float](repeating: pa[0], count: c) : pa
            if ir.fuseAffine(into: v.ir, mul: cm, add: ca) {
                owner[v.ir] = out
                record(ctx, "folded into the layer before", binary: false)
                return .runtime(result)
            }
        }
        let name = ir.fresh(out)
        if period == 1 && pa[0] == 0 {
            ir.add(ctx.displayName, inputs: [v.ir], output: name, op: .scale(Scale(value: pm[0])))
        } else {
            var shape: [Int] = []
            var q = 1
            for d in v.irShape.reversed() where q < period { shape.insert(d, at: 0); q *= d }
            if period == 1 { shape = [1] }
            let mName = ir.addTensor("\(ctx.displayName).mul", .f32(shape: shape, values: pm))
            let aName = ir.addTensor("\(ctx.displayName).add", .f32(shape: shape, values: pa))
            ir.add(ctx.displayName, inputs: [v.ir], output: name, op: .affine(Affine(mul: mName, add: aName)))
        }
        record(ctx, "affine", binary: false)
        result.ir = name
        return .runtime(result)
    }

    /// mul and add in `v`'s memory order over a block of memory that repeats: the innermost axes from the outermost
    /// one along which the constant varies (one channel's worth for a channels-last BatchNorm), so the work is the
    /// constant's size rather than the activation's. The whole activation when that block is not a suffix of the IR
    /// shape or the value has no axis order.
    static func affinePattern(_ v: RuntimeValue, shape: [Int], mul: [Float], add: [Float], periods: [Int]) -> (m: [Float], a: [Float]) {
        let rank = v.shape.count
        let ks = [Int](repeating: 1, count: max(rank - shape.count, 0)) + shape
        let kStrides = NDArray.strides(ks)
        if v.flatIndex == nil {
            let first = v.order.firstIndex(where: { ks[$0] != 1 && v.shape[$0] != 1 }) ?? v.order.count
            let axes = Array(v.order[first...])
            let block = axes.reduce(1) { $0 * v.shape[$1] }
            if block == 1 || periods.contains(block) {
                // Memory position → coordinates over `axes` (row-major in memory order) → the constant's element.
                let index = ShapeOps.gatherIndices(shape: axes.map { v.shape[$0] }) { coord in
                    var k = 0
                    for (i, axis) in axes.enumerated() where ks[axis] != 1 { k += coord[i] * kStrides[axis] }
                    return k
                }
                return (index.map { mul[$0] }, index.map { add[$0] })
            }
        }
        let source = Broadcast.indices(from: ks, to: v.shape)
        let mem = v.memoryToONNX()
        return (mem.map { mul[source[$0]] }, mem.map { add[source[$0]] })
    }

    /// The IR value is this ONNX value's alone: produced for it and read by nothing else, so it may be rewritten.
    func owns(_ v: RuntimeValue) -> Bool { owner[v.ir] == v.onnx && useCount(v.onnx) == 1 }

    mutating func lowerBatchNorm(_ ctx: NodeContext) throws(ImportError) -> Lowered {
        try ctx.allowOnly(["epsilon", "momentum", "training_mode", "spatial"])
        let x = try float(ctx, 0)
        guard x.shape.count >= 2 else { throw ctx.error("input \(x.shape) has no channel axis") }
        let c = x.shape[1]
        var params: [NDArray?] = [nil]
        for i in 1..<5 { params.append(try constant(ctx, i, ["", "scale", "B", "mean", "var"][i])) }
        let (mul, add) = try NetworkOps.batchNormParameters(ctx, params, channels: c)
        return try applyAffine(ctx, x, shape: [1, c] + [Int](repeating: 1, count: x.shape.count - 2), mul: mul, add: add)
    }

    mutating func lowerArithmetic(_ ctx: NodeContext) throws(ImportError) -> Lowered {
        let op = ctx.opType
        let lhs = try input(ctx, 0), rhs = try input(ctx, 1)
        let outShape = shapeOf(ctx.node.output[0])
        if case .constant = lhs, case .constant = rhs { throw ctx.error("internal: constant node was not folded") }
        if case .constant(let k) = rhs {
            let x = try float(ctx, 0)
            return try affineWithConstant(ctx, x, k, constantFirst: false, outShape: outShape)
        }
        if case .constant(let k) = lhs {
            let x = try float(ctx, 1)
            return try affineWithConstant(ctx, x, k, constantFirst: true, outShape: outShape)
        }
        guard op == "Add" || op == "Sub" else { throw ctx.error("\(op) of two activations is not supported (Add and Sub are)") }
        let a = try float(ctx, 0)
        var b = try float(ctx, 1)
        guard a.shape == b.shape else { throw ctx.error("adding \(a.shape) and \(b.shape) would broadcast; the engine adds equal shapes") }
        guard a.flatIndex == nil, b.flatIndex == nil, a.nonUnitOrder == b.nonUnitOrder else {
            throw ctx.error("the two inputs are laid out differently in memory")
        }
        b = try view(b, a.irShape)
        let out = ctx.node.output[0]
        if op == "Sub" {
            let neg = ir.fresh("\(out).neg")
            ir.add("\(ctx.displayName).neg", inputs: [b.ir], output: neg, op: .scale(Scale(value: -1)))
            b.ir = neg
        }
        let name = ir.fresh(out)
        ir.add(ctx.displayName, inputs: [a.ir, b.ir], output: name, op: .add)
        record(ctx, op == "Add" ? "add" : "sub (scale −1 + add)", binary: false)
        var result = a
        result.onnx = out; result.ir = name
        result.nonNegative = op == "Add" && a.nonNegative && b.nonNegative
        return .runtime(result)
    }

    private mutating func affineWithConstant(_ ctx: NodeContext, _ x: RuntimeValue, _ k: NDArray, constantFirst: Bool,
                                             outShape: [Int]) throws(ImportError) -> Lowered {
        guard outShape == x.shape else {
            throw ctx.error("the constant \(k.shape) broadcasts the activation \(x.shape) to \(outShape); only per-element constants are supported")
        }
        guard let kv = k.floats else { throw ctx.error("the constant is not numeric") }
        let n = kv.count, s = k.shape
        switch (ctx.opType, constantFirst) {
        case ("Add", _): return try applyAffine(ctx, x, shape: s, mul: [Float](repeating: 1, count: n), add: kv)
        case ("Sub", false): return try applyAffine(ctx, x, shape: s, mul: [Float](repeating: 1, count: n), add: kv.map { -$0 })
        case ("Sub", true): return try applyAffine(ctx, x, shape: s, mul: [Float](repeating: -1, count: n), add: kv)
        case ("Mul", _): return try applyAffine(ctx, x, shape: s, mul: kv, add: [Float](repeating: 0, count: n))
        case ("Div", false): return try applyAffine(ctx, x, shape: s, mul: kv.map { 1 / $0 }, add: [Float](repeating: 0, count: n))
        default: throw ctx.error("dividing a constant by an activation is not supported")
        }
    }

    mutating func lowerActivation(_ ctx: NodeContext) throws(ImportError) -> Lowered {
        let x = try float(ctx, 0)
        let out = ctx.node.output[0]
        let name = ir.fresh(out)
        var nonNegative = true
        if ctx.opType == "Relu" {
            ir.add(ctx.displayName, inputs: [x.ir], output: name, op: .relu)
            record(ctx, "relu", binary: false)
        } else {
            var params: [NDArray?] = [nil]
            for i in 1..<3 { params.append(try constant(ctx, i, i == 1 ? "min" : "max")) }
            var (lo, hi) = try ElementwiseOps.clipBounds(ctx, params)
            guard !lo.isNaN, !hi.isNaN else { throw ctx.error("min \(lo) or max \(hi) is NaN") }
            // ONNX clips to max last: with min above max every output is max.
            if lo > hi { lo = hi }
            nonNegative = lo >= 0
            if lo == 0 && hi == Float.greatestFiniteMagnitude {
                ir.add(ctx.displayName, inputs: [x.ir], output: name, op: .relu)
            } else {
                ir.add(ctx.displayName, inputs: [x.ir], output: name, op: .hardtanh(Clip(min: lo, max: hi)))
            }
            record(ctx, "hardtanh [\(lo), \(hi)]", binary: false)
        }
        var result = x
        result.onnx = out; result.ir = name
        result.nonNegative = nonNegative
        return .runtime(result)
    }

    mutating func lowerSign(_ ctx: NodeContext) throws(ImportError) -> Lowered {
        let out = ctx.node.output[0]
        switch try input(ctx, 0) {
        case .runtime(let v):
            guard !v.bits else { throw ctx.error("input is already packed bits") }
            return .sign(PendingSign(source: v, onnx: out))
        case .sign(let s):
            let p = PendingSign(source: s.source, onnx: out)
            p.pad = s.pad
            return .sign(p)
        case .padded(let v, let pads, let value):
            let p = PendingSign(source: v, onnx: out)
            p.pad = (pads, ElementwiseOps.sign(value))
            return .sign(p)
        case .constant:
            throw ctx.error("internal: constant Sign was not folded")
        }
    }

    mutating func lowerSoftmax(_ ctx: NodeContext) throws(ImportError) -> Lowered {
        let x = try float(ctx, 0)
        let rank = x.shape.count
        var axis = try ctx.int("axis", default: ctx.opset < 13 ? 1 : -1)
        if axis < 0 { axis += rank }
        let others = x.shape.indices.filter { $0 != axis && x.shape[$0] != 1 }
        let coerced = ctx.opset < 13 && x.shape[..<axis].allSatisfy { $0 == 1 }
        guard others.isEmpty || coerced else { throw ctx.error("softmax over axis \(axis) of \(x.shape): only a single vector is supported") }
        let v = try view(x, [x.count])
        let out = ctx.node.output[0]
        let name = ir.fresh(out)
        ir.add(ctx.displayName, inputs: [v.ir], output: name, op: .softmax)
        record(ctx, "softmax", binary: false)
        var result = v
        result.onnx = out; result.ir = name
        return .runtime(result)
    }
}
