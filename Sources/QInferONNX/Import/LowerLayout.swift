import QInferModel

/// Pooling, reductions and the ops that only change how an activation is described (Reshape, Transpose…), plus Pad.
extension Lowerer {
    mutating func lowerPool(_ ctx: NodeContext) throws(ImportError) -> Lowered {
        let x = try float(ctx, 0)
        let isMax = ctx.opType == "MaxPool"
        guard x.shape.count <= 4 else { throw ctx.error("\(x.shape.count - 2)-D pooling of \(x.shape): the engine pools 1-D and 2-D windows") }
        guard x.shape.count == 3 || x.shape.count == 4, let spatial = x.channelsLastShape() else {
            throw ctx.error("only 1-D and 2-D pooling of a channels-last [1, C, …] activation is supported, input is \(x.shape)")
        }
        let is1D = x.shape.count == 3
        guard let kernel = try ctx.ints("kernel_shape"), kernel.count == x.shape.count - 2 else {
            throw ctx.error("kernel_shape must have \(x.shape.count - 2) entries")
        }
        let g = try WindowGeometry(ctx, input: Array(x.shape[2...]), kernel: kernel, ceilMode: try ctx.int("ceil_mode", default: 0) != 0)
        guard g.dilations.allSatisfy({ $0 == 1 }) else { throw ctx.error("dilations \(g.dilations): the engine pools undilated windows") }
        let countIncludePad = try ctx.int("count_include_pad", default: 0) != 0
        let out = ctx.node.output[0], outShape = shapeOf(out)
        let c = x.shape[1]
        // A window over the whole of every spatial axis without padding is a global pool.
        if g.output.allSatisfy({ $0 == 1 }), kernel == g.input, g.padBegin.allSatisfy({ $0 == 0 }), g.padEnd.allSatisfy({ $0 == 0 }) {
            return emitPointPool(ctx, try view(x, [x.count / c, c]), channels: c, max: isMax)
        }
        var pad: Padding2D
        if is1D {
            // A k-window over L is a k×k window over [L, 1] whose columns past the first are padding: padding never
            // wins a max and is not counted in an average over the pixels inside. (The engine pays k× the work.)
            guard isMax || !countIncludePad else {
                throw ctx.error("1-D average pooling with count_include_pad=1: the engine's square window would divide by \(kernel[0])×\(kernel[0])")
            }
            pad = Padding2D(top: g.padBegin[0], left: 0, bottom: g.padEnd[0], right: kernel[0] - 1)
        } else {
            guard kernel[0] == kernel[1], g.strides[0] == g.strides[1] else {
                throw ctx.error("kernel \(kernel), strides \(g.strides): the engine pools square windows with one stride")
            }
            pad = Padding2D(top: g.padBegin[0], left: g.padBegin[1], bottom: g.padEnd[0], right: g.padEnd[1])
        }
        // The engine computes floor-mode sizes. Where ceil_mode adds a last window, more end padding gives floor mode
        // that window too: exact for max pooling (padding never wins) and for averages over the pixels inside.
        let extraH = (g.output[0] - 1) * g.strides[0] + kernel[0] - (x.shape[2] + pad.top + pad.bottom)
        let extraW = is1D ? 0 : (g.output[1] - 1) * g.strides[1] + kernel[1] - (x.shape[3] + pad.left + pad.right)
        if extraH > 0 || extraW > 0 {
            guard isMax || !countIncludePad else {
                throw ctx.error("ceil_mode adds a window past the padding; with count_include_pad=1 its divisor is not one the engine uses")
            }
            pad.bottom += max(extraH, 0)
            pad.right += max(extraW, 0)
        }
        guard max(pad.top, pad.left, pad.bottom, pad.right) < kernel[0] else {
            throw ctx.error("padding \(pad) (ceil_mode included) is not smaller than the kernel \(kernel[0]); the engine pools with less")
        }
        let pool = Pool2D(kernel: kernel[0], stride: g.strides[0], pad: pad, countIncludePad: countIncludePad)
        let v = try view(x, is1D ? [spatial[0], 1, c] : spatial)
        let name = ir.fresh(out)
        ir.add(ctx.displayName, inputs: [v.ir], output: name, op: isMax ? .maxPool2d(pool) : .avgPool2d(pool))
        record(ctx, "\(isMax ? "max" : "avg")_pool2d \(kernel[0])×\(kernel[0])/\(g.strides[0])\(is1D ? " (1-D)" : "")", binary: false)
        return .runtime(RuntimeValue(onnx: out, ir: name, irShape: is1D ? [outShape[2], 1, c] : [outShape[2], outShape[3], c], shape: outShape,
                                     order: Self.channelsLastOrder(rank: outShape.count), nonNegative: x.nonNegative))
    }

    mutating func lowerGlobalAveragePool(_ ctx: NodeContext) throws(ImportError) -> Lowered {
        let x = try float(ctx, 0)
        guard let spatial = x.channelsLastShape() else { throw ctx.error("input \(x.shape) is not laid out channels-last") }
        let c = spatial.last!
        let v = try view(x, [x.count / c, c])
        return emitPointPool(ctx, v, channels: c, max: false)
    }

    /// Max or mean over everything but one axis that is innermost in memory (the channel): BiPointNet's pooling
    /// over points, a global average pool written as ReduceMean.
    mutating func lowerReduce(_ ctx: NodeContext) throws(ImportError) -> Lowered {
        let x = try float(ctx, 0)
        var params: [NDArray?] = [nil]
        if ctx.node.input.count > 1 { params.append(try constant(ctx, 1, "axes")) }
        let axes = Set(try ShapeOps.reduceAxes(ctx, params, rank: x.shape.count))
        let kept = x.shape.indices.filter { !axes.contains($0) && x.shape[$0] != 1 }
        guard kept.count <= 1 else { throw ctx.error("reducing axes \(axes.sorted()) of \(x.shape) keeps \(kept.count) axes; one (the channel) is supported") }
        guard x.flatIndex == nil, kept.isEmpty || x.nonUnitOrder.last == kept[0] else {
            throw ctx.error("the kept axis is not innermost in memory")
        }
        let c = kept.first.map { x.shape[$0] } ?? 1
        let v = try view(x, [x.count / c, c])
        return emitPointPool(ctx, v, channels: c, max: ctx.opType == "ReduceMax")
    }

    private mutating func emitPointPool(_ ctx: NodeContext, _ v: RuntimeValue, channels c: Int, max: Bool) -> Lowered {
        let out = ctx.node.output[0], name = ir.fresh(out)
        ir.add(ctx.displayName, inputs: [v.ir], output: name, op: max ? .pointMaxPool(PointMaxPool(offset: 0)) : .globalAvgPool)
        record(ctx, max ? "point_max_pool" : "global_avg_pool", binary: false)
        var result = RuntimeValue.rowMajor(onnx: out, ir: name, shape: shapeOf(out))
        result.irShape = [c]
        result.nonNegative = v.nonNegative
        return .runtime(result)
    }

    /// Flatten, Reshape, Squeeze, Unsqueeze: free when the order of the elements is unchanged; a Flatten of an
    /// NCHW activation held as HWC remembers where each element went, for the Gemm/MatMul that reads it.
    mutating func lowerReshape(_ ctx: NodeContext) throws(ImportError) -> Lowered {
        let out = ctx.node.output[0], newShape = shapeOf(out)
        switch try input(ctx, 0) {
        case .sign(let s):
            // Sign commutes with a reshape: reshape the float source and keep the Sign pending.
            guard s.pad == nil else { throw ctx.error("a Pad after a Sign must feed a Conv directly") }
            let moved = try relayout(ctx, s.source, to: newShape, onnx: "\(out).src")
            return .sign(PendingSign(source: moved, onnx: out))
        default:
            return .runtime(try relayout(ctx, try float(ctx, 0), to: newShape, onnx: out))
        }
    }

    func relayout(_ ctx: NodeContext, _ x: RuntimeValue, to newShape: [Int], onnx: String) throws(ImportError) -> RuntimeValue {
        var v = x
        v.onnx = onnx
        v.shape = newShape
        let oldNonUnit = x.shape.indices.filter { x.shape[$0] != 1 }, newNonUnit = newShape.indices.filter { newShape[$0] != 1 }
        if x.flatIndex == nil, oldNonUnit.map({ x.shape[$0] }) == newNonUnit.map({ newShape[$0] }) {
            // Only unit axes come and go: map the memory order of the real axes across.
            var map: [Int: Int] = [:]
            for (o, n) in zip(oldNonUnit, newNonUnit) { map[o] = n }
            let units = newShape.indices.filter { newShape[$0] == 1 }
            v.order = units + x.nonUnitOrder.map { map[$0]! }
            return v
        }
        v.order = Array(newShape.indices)
        if !x.isRowMajor {
            // Reshape keeps ONNX's row-major flat index; memory keeps its own order.
            v.flatIndex = x.memoryToONNX()
        }
        return v
    }

    mutating func lowerTranspose(_ ctx: NodeContext) throws(ImportError) -> Lowered {
        let out = ctx.node.output[0]
        func moved(_ x: RuntimeValue) throws(ImportError) -> RuntimeValue {
            guard x.flatIndex == nil else { throw ctx.error("a Transpose after a reordering Flatten/Reshape is not supported") }
            let perm = try ShapeOps.transposePerm(ctx, rank: x.shape.count)
            var inverse = [Int](repeating: 0, count: perm.count)
            for (j, p) in perm.enumerated() { inverse[p] = j }
            var v = x
            v.onnx = out
            v.shape = perm.map { x.shape[$0] }
            v.order = x.order.map { inverse[$0] }
            return v
        }
        switch try input(ctx, 0) {
        case .sign(let s):
            guard s.pad == nil else { throw ctx.error("a Pad after a Sign must feed a Conv directly") }
            var src = try moved(s.source)
            src.onnx = "\(out).src"
            return .sign(PendingSign(source: src, onnx: out))
        default:
            return .runtime(try moved(try float(ctx, 0)))
        }
    }

    /// Concat of activations: the engine joins values along one axis of their common memory layout. Constants
    /// cannot take part (the engine's values are all computed).
    mutating func lowerConcat(_ ctx: NodeContext) throws(ImportError) -> Lowered {
        let out = ctx.node.output[0], outShape = shapeOf(out)
        let axis = try ShapeOps.normalizeAxis(ctx, try ctx.int("axis"), rank: outShape.count)
        var parts: [RuntimeValue] = []
        for i in ctx.node.input.indices {
            if case .constant = try input(ctx, i) {
                throw ctx.error("input \(i) is a constant; the engine's concat joins computed activations only")
            }
            parts.append(try float(ctx, i))
        }
        guard parts.count <= 64 else { throw ctx.error("joins \(parts.count) values; the engine joins up to 64") }
        if parts.count == 1 {
            var v = parts[0]
            v.onnx = out
            return .runtime(v)
        }
        guard parts.allSatisfy({ $0.flatIndex == nil }) else {
            throw ctx.error("an input was reordered by a Flatten/Reshape; the engine joins values along one axis of their memory layout")
        }
        // The first input's memory order, which every input must share on its axes longer than 1.
        let order = parts[0].order
        for (i, v) in parts.enumerated() where v.nonUnitOrder != order.filter({ v.shape[$0] != 1 }) {
            throw ctx.error("input \(i) is laid out in memory differently from input 0")
        }
        // The IR shape: memory order without the axes that are 1 everywhere (the concat axis always stays).
        let keep = order.filter { a in a == axis || parts.contains { $0.shape[a] != 1 } }
        var inputs: [String] = []
        for v in parts { inputs.append(try view(v, keep.map { v.shape[$0] }).ir) }
        let name = ir.fresh(out)
        ir.add(ctx.displayName, inputs: inputs, output: name, op: .concat(Concat(axis: keep.firstIndex(of: axis)!, inputs: parts.count)))
        record(ctx, "concat of \(parts.count)", binary: false)
        return .runtime(RuntimeValue(onnx: out, ir: name, irShape: keep.map { outShape[$0] }, shape: outShape, order: order,
                                     nonNegative: parts.allSatisfy(\.nonNegative)))
    }

    /// Pad of an activation: held until a Conv (FP32 zero padding, or a binary Conv's zero/one padding) absorbs it.
    mutating func lowerPad(_ ctx: NodeContext) throws(ImportError) -> Lowered {
        var params: [NDArray?] = [nil]
        for i in 1..<max(ctx.node.input.count, 1) { params.append(try constant(ctx, i, ["", "pads", "constant_value", "axes"][min(i, 3)])) }
        let x = try input(ctx, 0)
        let shape = shapeOf(ctx.node.input[0])
        let (pads, value) = try ShapeOps.padSpec(ctx, params, rank: shape.count)
        let r = shape.count
        guard r == 3 || r == 4, pads[0] == 0, pads[1] == 0, pads[r] == 0, pads[r + 1] == 0 else {
            throw ctx.error("only padding of the spatial axes of [1, C, …] activations is supported (pads \(pads))")
        }
        let p = r == 4 ? Padding2D(top: pads[2], left: pads[3], bottom: pads[6], right: pads[7])
                       : Padding2D(top: 0, left: pads[2], bottom: 0, right: pads[5])
        switch x {
        case .sign(let s):
            guard s.pad == nil else { throw ctx.error("two Pads in a row are not supported") }
            let n = PendingSign(source: s.source, onnx: ctx.node.output[0])
            n.pad = (p, value)
            return .sign(n)
        case .runtime(let v) where !v.bits:
            return .padded(v, pads: p, value: value)
        default:
            throw ctx.error("this input cannot be padded")
        }
    }
}
