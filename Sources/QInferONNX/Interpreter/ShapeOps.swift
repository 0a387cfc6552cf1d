/// Ops that move or select elements without arithmetic: shape computations (which constant folding resolves)
/// and the layout ops of activations.
enum ShapeOps {
    static func normalizeAxis(_ ctx: NodeContext, _ axis: Int, rank: Int) throws(ImportError) -> Int {
        let a = axis < 0 ? axis + rank : axis
        guard (0..<rank).contains(a) else { throw ctx.error("axis \(axis) is out of range for rank \(rank)") }
        return a
    }

    /// A constant int list input (shape, axes, pads…) or a clear error when it is computed at run time.
    static func constInts(_ ctx: NodeContext, _ inputs: [NDArray?], _ i: Int, _ what: String) throws(ImportError) -> [Int]? {
        guard i < inputs.count, let t = inputs[i] else { return nil }
        guard let v = t.ints else { throw ctx.error("input \(i) (\(what)) must be a constant known at import time") }
        return v.map { Int(clamping: $0) }
    }

    static func shape(_ ctx: NodeContext, _ x: NDArray) throws(ImportError) -> NDArray {
        let rank = x.shape.count
        var start = try ctx.int("start", default: 0), end = try ctx.int("end", default: rank)
        if start < 0 { start += rank }
        if end < 0 { end += rank }
        start = min(max(start, 0), rank); end = min(max(end, start), rank)
        let dims = x.shape[start..<end].map { Int64($0) }
        return NDArray(shape: [dims.count], ints: dims)
    }

    static func reshape(_ ctx: NodeContext, _ inputs: [NDArray?]) throws(ImportError) -> NDArray {
        let x = inputs[0]!
        guard let spec = try constInts(ctx, inputs, 1, "shape") else { throw ctx.error("the shape input is required") }
        let allowZero = try ctx.int("allowzero", default: 0) != 0
        var out: [Int] = []
        var inferred: Int?
        for (i, d) in spec.enumerated() {
            if d == -1 {
                guard inferred == nil else { throw ctx.error("shape \(spec) has more than one -1") }
                inferred = i; out.append(1)
            } else if d == 0 && !allowZero {
                guard i < x.shape.count else { throw ctx.error("shape \(spec) copies axis \(i), input \(x.shape) has no such axis") }
                out.append(x.shape[i])
            } else if d < 0 {
                throw ctx.error("shape \(spec) has a negative dimension")
            } else { out.append(d) }
        }
        let what = "'\(ctx.inputName(0))' \(x.shape) (\(x.count) elements)"
        guard let known = NDArray.elementCount(out) else { throw ctx.error("cannot reshape \(what) to \(spec): too many elements") }
        if let i = inferred {
            guard known > 0, x.count % known == 0 else { throw ctx.error("cannot reshape \(what) to \(spec)") }
            out[i] = x.count / known
        }
        let count = NDArray.elementCount(out) ?? known
        guard count == x.count else { throw ctx.error("cannot reshape \(what) to \(out) (\(count) elements)") }
        return NDArray(shape: out, elements: x.elements)
    }

    static func flatten(_ ctx: NodeContext, _ x: NDArray) throws(ImportError) -> NDArray {
        let rank = x.shape.count
        var axis = try ctx.int("axis", default: 1)
        if axis < 0 { axis += rank }
        guard (0...rank).contains(axis) else { throw ctx.error("axis \(axis) is out of range for rank \(rank)") }
        return NDArray(shape: [x.shape[..<axis].reduce(1, *), x.shape[axis...].reduce(1, *)], elements: x.elements)
    }

    static func squeezeAxes(_ ctx: NodeContext, _ inputs: [NDArray?]) throws(ImportError) -> [Int]? {
        ctx.opset < 13 ? try ctx.ints("axes") : try constInts(ctx, inputs, 1, "axes")
    }

    static func squeeze(_ ctx: NodeContext, _ inputs: [NDArray?]) throws(ImportError) -> NDArray {
        let x = inputs[0]!
        let rank = x.shape.count
        var drop = Set<Int>()
        if let axes = try squeezeAxes(ctx, inputs) {
            for a in axes {
                let n = try normalizeAxis(ctx, a, rank: rank)
                guard x.shape[n] == 1 else { throw ctx.error("axis \(a) of \(x.shape) is not 1") }
                drop.insert(n)
            }
        } else {
            drop = Set(x.shape.indices.filter { x.shape[$0] == 1 })
        }
        return NDArray(shape: x.shape.indices.filter { !drop.contains($0) }.map { x.shape[$0] }, elements: x.elements)
    }

    static func unsqueeze(_ ctx: NodeContext, _ inputs: [NDArray?]) throws(ImportError) -> NDArray {
        let x = inputs[0]!
        guard let axes = try squeezeAxes(ctx, inputs) else { throw ctx.error("axes are required") }
        let rank = x.shape.count + axes.count
        var positions = Set<Int>()
        for a in axes {
            let n = try normalizeAxis(ctx, a, rank: rank)
            guard positions.insert(n).inserted else { throw ctx.error("axis \(a) is given twice") }
        }
        var out: [Int] = []
        var src = x.shape.makeIterator()
        for i in 0..<rank { out.append(positions.contains(i) ? 1 : src.next()!) }
        return NDArray(shape: out, elements: x.elements)
    }

    /// Output shape and the permutation of a Transpose.
    static func transposePerm(_ ctx: NodeContext, rank: Int) throws(ImportError) -> [Int] {
        let perm = try ctx.ints("perm") ?? Array((0..<rank).reversed())
        guard perm.count == rank, Set(perm) == Set(0..<rank) else { throw ctx.error("perm \(perm) is not a permutation of \(rank) axes") }
        return perm
    }

    static func transpose(_ ctx: NodeContext, _ x: NDArray) throws(ImportError) -> NDArray {
        let perm = try transposePerm(ctx, rank: x.shape.count)
        let shape = perm.map { x.shape[$0] }
        guard let e = x.elements else { return .shapeOnly(shape) }
        let src = NDArray.strides(x.shape)
        let gather = gatherIndices(shape: shape) { coord in zip(perm, coord).reduce(0) { $0 + src[$1.0] * $1.1 } }
        switch e {
        case .f32(let v): return NDArray(shape: shape, floats: gather.map { v[$0] })
        case .i64(let v): return NDArray(shape: shape, ints: gather.map { v[$0] })
        }
    }

    /// For each output element (row-major over `shape`), the source index `map` gives for its coordinate.
    static func gatherIndices(shape: [Int], _ map: ([Int]) -> Int) -> [Int] {
        let count = shape.reduce(1, *)
        var out: [Int] = []
        out.reserveCapacity(count)
        var coord = [Int](repeating: 0, count: shape.count)
        for _ in 0..<count {
            out.append(map(coord))
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

    static func concat(_ ctx: NodeContext, _ inputs: [NDArray]) throws(ImportError) -> NDArray {
        guard let first = inputs.first else { throw ctx.error("needs at least one input") }
        let rank = first.shape.count
        let axis = try normalizeAxis(ctx, try ctx.int("axis"), rank: rank)
        var shape = first.shape
        shape[axis] = 0
        for t in inputs {
            guard t.shape.count == rank, t.shape.indices.allSatisfy({ $0 == axis || t.shape[$0] == first.shape[$0] }) else {
                throw ctx.error("inputs \(inputs.map(\.shape)) do not match outside axis \(axis)")
            }
            shape[axis] += t.shape[axis]
        }
        try ctx.checkShape(shape)
        guard inputs.allSatisfy(\.isConstant) else { return .shapeOnly(shape) }
        let outer = shape[..<axis].reduce(1, *)
        let allInts = inputs.allSatisfy { !$0.isFloat }
        var f: [Float] = [], i: [Int64] = []
        for o in 0..<outer {
            for t in inputs {
                let block = t.shape[axis...].reduce(1, *)
                if allInts { i += t.ints![(o * block)..<((o + 1) * block)] } else { f += t.floats![(o * block)..<((o + 1) * block)] }
            }
        }
        return allInts ? NDArray(shape: shape, ints: i) : NDArray(shape: shape, floats: f)
    }

    static func gather(_ ctx: NodeContext, _ data: NDArray, _ indices: NDArray) throws(ImportError) -> NDArray {
        let rank = data.shape.count
        let axis = try normalizeAxis(ctx, try ctx.int("axis", default: 0), rank: rank)
        let shape = Array(data.shape[..<axis]) + indices.shape + Array(data.shape[(axis + 1)...])
        try ctx.checkShape(shape)
        guard data.isConstant, let idx = indices.ints else { return .shapeOnly(shape) }
        let n = data.shape[axis], inner = data.shape[(axis + 1)...].reduce(1, *), outer = data.shape[..<axis].reduce(1, *)
        var src: [Int] = []
        for o in 0..<outer {
            for raw in idx {
                let k = raw < 0 ? Int(raw) + n : Int(raw)
                guard (0..<n).contains(k) else { throw ctx.error("index \(raw) is out of range for axis \(axis) of size \(n)") }
                for j in 0..<inner { src.append((o * n + k) * inner + j) }
            }
        }
        switch data.elements! {
        case .f32(let v): return NDArray(shape: shape, floats: src.map { v[$0] })
        case .i64(let v): return NDArray(shape: shape, ints: src.map { v[$0] })
        }
    }

    static func constant(_ ctx: NodeContext, file: ONNXModelFile) throws(ImportError) -> NDArray {
        if let t = ctx.tensor("value") {
            do { return try file.resolve(t).ndarray } catch { throw ctx.error(error.description) }
        }
        if ctx.has("value_float") { return NDArray(shape: [], floats: [try ctx.float("value_float", default: 0)]) }
        if ctx.has("value_int") { return NDArray(shape: [], ints: [Int64(try ctx.int("value_int"))]) }
        if let v = try ctx.ints("value_ints") { return NDArray(shape: [v.count], ints: v.map { Int64($0) }) }
        throw ctx.error("only value, value_float, value_int and value_ints constants are supported")
    }

    /// Pads (begin…, end…) over all axes, from the attribute (opset < 11) or the inputs (with optional axes, 18+).
    static func padSpec(_ ctx: NodeContext, _ inputs: [NDArray?], rank: Int) throws(ImportError) -> (pads: [Int], value: Float) {
        let mode = try ctx.string("mode", default: "constant")
        guard mode == "constant" else { throw ctx.error("pad mode '\(mode)' is not supported (constant is)") }
        var pads: [Int]
        var value: Float = 0
        if ctx.opset < 11 {
            guard let p = try ctx.ints("pads") else { throw ctx.error("attribute 'pads' is required") }
            pads = p
            value = try ctx.float("value", default: 0)
        } else {
            guard let p = try constInts(ctx, inputs, 1, "pads") else { throw ctx.error("the pads input is required") }
            pads = p
            if inputs.count > 2, let v = inputs[2] {
                guard let f = v.floats, f.count == 1 else { throw ctx.error("constant_value must be a constant scalar") }
                value = f[0]
            }
            if let axes = try constInts(ctx, inputs, 3, "axes") {
                guard pads.count == 2 * axes.count else { throw ctx.error("pads \(pads) do not match axes \(axes)") }
                var full = [Int](repeating: 0, count: 2 * rank)
                for (i, a) in axes.enumerated() {
                    let n = try normalizeAxis(ctx, a, rank: rank)
                    full[n] = pads[i]; full[n + rank] = pads[i + axes.count]
                }
                pads = full
            }
        }
        guard pads.count == 2 * rank else { throw ctx.error("pads \(pads) must have \(2 * rank) entries for rank \(rank)") }
        guard pads.allSatisfy({ $0 >= 0 && $0 <= 1 << 20 }) else { throw ctx.error("pads \(pads): negative or huge pads are not supported") }
        return (pads, value)
    }

    static func pad(_ ctx: NodeContext, _ inputs: [NDArray?]) throws(ImportError) -> NDArray {
        let x = inputs[0]!
        let rank = x.shape.count
        let (pads, value) = try padSpec(ctx, inputs, rank: rank)
        let shape = (0..<rank).map { x.shape[$0] + pads[$0] + pads[$0 + rank] }
        try ctx.checkShape(shape)
        guard let v = x.floats else { return .shapeOnly(shape) }
        let src = NDArray.strides(x.shape)
        let idx = gatherIndices(shape: shape) { coord in
            var s = 0
            for d in 0..<rank {
                let c = coord[d] - pads[d]
                if c < 0 || c >= x.shape[d] { return -1 }
                s += c * src[d]
            }
            return s
        }
        return NDArray(shape: shape, floats: idx.map { $0 < 0 ? value : v[$0] })
    }

    /// Reduced axes of ReduceMax/Mean/Sum (attribute before opset 18 — 13 for ReduceSum —, input after).
    static func reduceAxes(_ ctx: NodeContext, _ inputs: [NDArray?], rank: Int) throws(ImportError) -> [Int] {
        let fromInput = ctx.opType == "ReduceSum" ? ctx.opset >= 13 : ctx.opset >= 18 // ReduceSum moved first
        let axes = fromInput ? try constInts(ctx, inputs, 1, "axes") : try ctx.ints("axes")
        if let axes, !axes.isEmpty {
            var out = Set<Int>()
            for a in axes { out.insert(try normalizeAxis(ctx, a, rank: rank)) }
            return out.sorted()
        }
        if try ctx.int("noop_with_empty_axes", default: 0) != 0 { return [] }
        return Array(0..<rank)
    }

    static func reduce(_ ctx: NodeContext, _ inputs: [NDArray?]) throws(ImportError) -> NDArray {
        let x = inputs[0]!
        let axes = try reduceAxes(ctx, inputs, rank: x.shape.count)
        let keep = try ctx.int("keepdims", default: 1) != 0
        let reduced = Set(axes)
        let kept = x.shape.indices.map { reduced.contains($0) ? 1 : x.shape[$0] }
        let shape = keep ? kept : x.shape.indices.filter { !reduced.contains($0) }.map { x.shape[$0] }
        guard let v = x.floats else { return .shapeOnly(shape) }
        if axes.isEmpty { return NDArray(shape: x.shape, floats: v) }
        let outStrides = NDArray.strides(kept)
        let n = kept.reduce(1, *)
        let start: Float = switch ctx.opType {
        case "ReduceMax": -Float.infinity
        case "ReduceMin": Float.infinity
        case "ReduceProd": 1
        default: 0
        }
        var acc = [Float](repeating: start, count: n)
        let target = gatherIndices(shape: x.shape) { coord in
            var s = 0
            for d in coord.indices where !reduced.contains(d) { s += coord[d] * outStrides[d] }
            return s
        }
        for (i, t) in target.enumerated() {
            switch ctx.opType {
            case "ReduceMax": acc[t] = max(acc[t], v[i])
            case "ReduceMin": acc[t] = min(acc[t], v[i])
            case "ReduceProd": acc[t] *= v[i]
            default: acc[t] += v[i]
            }
        }
        if ctx.opType == "ReduceMean" {
            let m = Float(x.count / max(n, 1))
            acc = acc.map { $0 / m }
        }
        return NDArray(shape: shape, floats: acc)
    }
}
