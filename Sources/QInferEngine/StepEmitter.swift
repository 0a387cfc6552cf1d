import QInferKernels
import QInferModel

/// Builds the steps of a plan, group by group, once the arena offsets are known: resolves every pointer, prepares
/// each layer's constants and weights (transposed FP32 weights, threshold arrays, max-pool panels) once, at load.
struct StepEmitter {
    let model: PackedModel
    let arena: AlignedBuffer
    /// Arena offsets of the values some step writes (a value fused away has none).
    let offsets: [String: Int]
    private(set) var constants: [LayerConstants] = []
    private(set) var prepared: [AlignedBuffer] = []
    private var steps: [PlannedStep] = []
    /// Binary convolutions share one workspace, sized by the largest: their steps are completed in finish().
    private var convolutions: [(step: Int, args: qk_bconv2d_args)] = []
    private var workspaceBytes = 0

    init(model: PackedModel, arena: AlignedBuffer, offsets: [String: Int]) {
        self.model = model
        self.arena = arena
        self.offsets = offsets
    }

    mutating func finish() -> (steps: [PlannedStep], workspace: AlignedBuffer) {
        let workspace = AlignedBuffer(bytes: workspaceBytes)
        for (at, args) in convolutions { steps[at].step = .bconv2d(args, workspace: workspace.base) }
        return (steps, workspace)
    }

    mutating func emit(_ group: NodeGroup) {
        let nodes = model.graph.nodes
        switch group.kind {
        case .single:
            emit(node: group.nodes[0])
        case let .binaryMaxPool(layer, pool):
            guard case .binaryDense(let a) = nodes[layer].op, case .pointMaxPool(let p) = nodes[pool].op else { return }
            let x = value(nodes[layer].inputs[0]), k = x.shape.last!, n = value(nodes[layer].output).shape.last!
            let w = tensorWords(a.weights), kw = qk_words(k)
            let consts = LayerConstants(model: model, output: a.output, channels: n, weights: w, tapsForZeroPad: nil, inputChannels: k)
            constants.append(consts)
            // Channels with a negative scale get their bits inverted, so the kernel keeps one running minimum for all.
            let panels = AlignedBuffer(bytes: qk_bmaxpool_prepared_words(n, kw) * 8)
            let words = panels.base.bindMemory(to: UInt64.self, capacity: qk_bmaxpool_prepared_words(n, kw))
            qk_bmaxpool_prepare(w, n, kw, Int32(k), consts.mul, words)
            prepared.append(panels)
            var args = qk_bmaxpool_args()
            args.m = x.elementCount / k; args.n = n; args.kw = kw; args.k_bits = Int32(k)
            args.a = UnsafePointer(bits(nodes[layer].inputs[0])); args.lda = kw; args.w = UnsafePointer(words)
            args.mul = UnsafePointer(consts.mul); args.bias = UnsafePointer(consts.bias); args.offset = p.offset
            args.y = f32(nodes[pool].output)
            append(.bmaxpool(args), group)
        case let .floatChain(producer, clamp, pack):
            var out = qk_f32_epilogue()
            var final = nodes[producer].output
            if let clamp, case .hardtanh(let clip) = nodes[clamp].op {
                out.clamp = 1; out.lo = clip.min; out.hi = clip.max
                final = nodes[clamp].output
            }
            out.y = offsets[final] == nil ? nil : f32(final)
            out.bits = pack.map { bits(nodes[$0].output) }
            emitFloat(producer, out, group)
        }
    }

    /// One node alone.
    private mutating func emit(node index: Int) {
        let node = model.graph.nodes[index], group = NodeGroup(kind: .single, nodes: [index])
        let x = value(node.inputs[0]), y = value(node.output)
        switch node.op {
        case .dense, .conv2d, .add:
            var out = qk_f32_epilogue()
            out.y = f32(node.output)
            emitFloat(index, out, group)
        case .hardtanh(let clip):
            var out = qk_f32_epilogue()
            out.clamp = 1; out.lo = clip.min; out.hi = clip.max; out.y = f32(node.output)
            let c = y.shape.last!
            append(.eltwise(a: f32(node.inputs[0]), rows: y.elementCount / c, c: c, out), group)
        case .signPack:
            let c = x.shape.last!
            append(.signPack(x: f32(node.inputs[0]), rows: x.elementCount / c, c: c, out: bits(node.output)), group)
        case .binaryDense(let a):
            let k = x.shape.last!, n = y.shape.last!
            let w = tensorWords(a.weights)
            let consts = LayerConstants(model: model, output: a.output, channels: n, weights: w, tapsForZeroPad: nil, inputChannels: k)
            constants.append(consts)
            var g = qk_bgemm_args()
            g.m = x.elementCount / k; g.n = n; g.kw = qk_words(k); g.k_bits = Int32(k)
            g.a = UnsafePointer(bits(node.inputs[0])); g.lda = qk_words(k); g.w = w
            g.out = Self.output(consts, y: y, pointer: arena.base + offsets[node.output]!)
            append(.bgemm(g), group)
        case .binaryConv2d(let a):
            let wShape = model.tensor(a.weights)!.entry.shape
            let n = wShape[0], taps = wShape[1] * wShape[2], c = x.shape[2]
            let w = tensorWords(a.weights)
            let consts = LayerConstants(model: model, output: a.output, channels: n, weights: w,
                                        tapsForZeroPad: a.padValue == .zero ? taps : nil, inputChannels: c)
            constants.append(consts)
            var args = qk_bconv2d_args()
            args.h = x.shape[0]; args.w = x.shape[1]; args.c = c; args.in = UnsafePointer(bits(node.inputs[0]))
            args.kh = wShape[1]; args.kwid = wShape[2]; args.stride = a.stride
            args.pad_top = a.pad.top; args.pad_left = a.pad.left; args.oh = y.shape[0]; args.ow = y.shape[1]
            args.padding = a.padValue == .zero ? QK_PAD_ZERO : QK_PAD_ONE
            args.n = n; args.weights = w; args.tap_sums = UnsafePointer(consts.tapSums)
            args.out = Self.output(consts, y: y, pointer: arena.base + offsets[node.output]!)
            if a.padValue == .zero { // the border corrections depend only on the geometry and the weights: once, here
                let corrections = AlignedBuffer(bytes: qk_bconv2d_corrections_bytes(&args))
                qk_bconv2d_prepare_corrections(&args, corrections.base)
                args.corrections = UnsafeRawPointer(corrections.base)
                prepared.append(corrections)
            }
            workspaceBytes = max(workspaceBytes, qk_bconv2d_workspace_bytes(&args))
            convolutions.append((steps.count, args))
            append(.copy(x: f32(node.inputs[0]), y: f32(node.output), count: 0), group) // completed in finish()
        case .affine(let a):
            let c = model.tensor(a.mul)!.entry.shape.reduce(1, *) // the period the constants repeat with
            append(.affine(x: f32(node.inputs[0]), y: f32(node.output), rows: x.elementCount / c, c: c,
                           mul: tensorF32(a.mul), add: tensorF32(a.add)), group)
        case .scale(let s):
            append(.scale(x: f32(node.inputs[0]), y: f32(node.output), count: x.elementCount, value: s.value), group)
        case .relu:
            append(.relu(x: f32(node.inputs[0]), y: f32(node.output), count: x.elementCount), group)
        case .pointMaxPool(let p):
            append(.pointMaxPool(x: f32(node.inputs[0]), y: f32(node.output), points: x.shape[0], c: x.shape[1], offset: p.offset), group)
        case .maxPool2d(let p), .avgPool2d(let p):
            let g = PoolGeometry(h: x.shape[0], w: x.shape[1], c: x.shape[2], kernel: p.kernel, stride: p.stride,
                                 padTop: p.pad.top, padLeft: p.pad.left, oh: y.shape[0], ow: y.shape[1])
            if case .maxPool2d = node.op {
                append(.maxPool2d(x: f32(node.inputs[0]), y: f32(node.output), g), group)
            } else {
                append(.avgPool2d(x: f32(node.inputs[0]), y: f32(node.output), g, countIncludePad: p.countIncludePad), group)
            }
        case .globalAvgPool:
            let c = x.shape.last!
            append(.globalAvgPool(x: f32(node.inputs[0]), y: f32(node.output), pixels: x.elementCount / c, c: c), group)
        case .shortcutA(let s):
            append(.shortcutA(x: f32(node.inputs[0]), y: f32(node.output), h: x.shape[0], w: x.shape[1], c: x.shape[2],
                              stride: s.stride, oh: y.shape[0], ow: y.shape[1], oc: y.shape[2]), group)
        case .concat(let c):
            let outer = y.shape[..<c.axis].reduce(1, *)
            append(.concat(inputs: node.inputs.map { UnsafePointer(f32($0)) },
                           blocks: node.inputs.map { value($0).shape[c.axis...].reduce(1, *) }, outer: outer, y: f32(node.output)), group)
        case .sign:
            append(.sign(x: f32(node.inputs[0]), y: f32(node.output), count: x.elementCount), group)
        case .flatten, .reshape:
            append(.copy(x: f32(node.inputs[0]), y: f32(node.output), count: x.elementCount), group)
        case .softmax:
            append(.softmax(x: f32(node.inputs[0]), y: f32(node.output), count: x.elementCount), group)
        }
    }

    /// An FP32 producer (dense, conv2d or add) writing through `out`.
    private mutating func emitFloat(_ index: Int, _ out: qk_f32_epilogue, _ group: NodeGroup) {
        let node = model.graph.nodes[index]
        let x = value(node.inputs[0]), y = value(node.output)
        var out = out
        switch node.op {
        case .dense(let a):
            let k = x.shape.last!, n = y.shape.last!
            let source = tensorF32(a.weights)
            let weights = prepareF32(qk_f32_dense_prepared_floats(k, n)) { qk_f32_dense_prepare(k, n, source, $0) }
            append(.dense(qk_f32_dense_args(rows: x.elementCount / k, k: k, n: n, x: f32(node.inputs[0]), weights: weights,
                                            bias: a.bias.map(tensorF32), out: out)), group)
        case .conv2d(let a):
            let w = model.tensor(a.weights)!.entry.shape // [oc, kh, kw, ic]
            let source = tensorF32(a.weights)
            let weights = prepareF32(qk_f32_conv2d_prepared_floats(w[1], w[2], w[3], w[0])) {
                qk_f32_conv2d_prepare(w[1], w[2], w[3], w[0], source, $0)
            }
            append(.conv2d(qk_f32_conv2d_args(
                h: x.shape[0], w: x.shape[1], ic: x.shape[2], kh: w[1], kw: w[2], oc: w[0], stride: a.stride,
                pad_top: a.pad.top, pad_left: a.pad.left, oh: y.shape[0], ow: y.shape[1], x: f32(node.inputs[0]),
                weights: weights, bias: a.bias.map(tensorF32), out: out)), group)
        case .add:
            out.residual = UnsafePointer(f32(node.inputs[1]))
            let c = y.shape.last!
            append(.eltwise(a: f32(node.inputs[0]), rows: y.elementCount / c, c: c, out), group)
        default:
            preconditionFailure("FusionPlanner chains start at dense, conv2d or add only")
        }
    }

    /// Weights transposed once for the vector kernels, kept alive with the plan.
    private mutating func prepareF32(_ floats: Int, fill: (UnsafeMutablePointer<Float>) -> Void) -> UnsafePointer<Float> {
        let buffer = AlignedBuffer(bytes: floats * 4)
        let p = buffer.base.bindMemory(to: Float.self, capacity: floats)
        fill(p)
        prepared.append(buffer)
        return UnsafePointer(p)
    }

    private mutating func append(_ step: Step, _ group: NodeGroup) {
        steps.append(PlannedStep(step: step, nodes: group.nodes, parallelism: Self.parallelism(work: work(of: group))))
    }

    /// Below this much work per thread a step stays on one thread. Waking the pool and joining it costs about a
    /// microsecond; 2 M binary multiply-accumulates take ~2 µs on one AVX-512 core here and ~20 µs on a Raspberry
    /// Pi 4 core, so a thread always gets more work than its hand-off costs (docs/BENCHMARKS.md has the per-step
    /// times at 1 and 2 threads).
    static let minWorkPerThread = 2_000_000
    /// An FP32 multiply-accumulate, counted in binary ones: a vector of 16 (AVX-512) or 4 (NEON) floats takes a
    /// multiply and an add (kept apart for the fixed rounding), where one popcount covers 512 or 128 binary ones.
    static let fp32Weight = 64

    static func parallelism(work: Int) -> Int32 { Int32(max(1, min(work / minWorkPerThread, 256))) }

    /// The group's multiply-accumulates in binary ones.
    private func work(of group: NodeGroup) -> Int {
        group.nodes.reduce(0) { total, index in
            let macs = model.macs(ofNode: index)
            return total + (model.graph.nodes[index].op.isBinary ? macs : macs * Self.fp32Weight)
        }
    }

    private func value(_ name: String) -> ValueInfo { model.values[name]! }

    private func f32(_ name: String) -> UnsafeMutablePointer<Float> {
        (arena.base + offsets[name]!).bindMemory(to: Float.self, capacity: value(name).elementCount)
    }

    private func bits(_ name: String) -> UnsafeMutablePointer<UInt64> {
        (arena.base + offsets[name]!).bindMemory(to: UInt64.self, capacity: PlanBuilder.bytes(of: value(name)) / 8)
    }

    private func tensorF32(_ name: String) -> UnsafePointer<Float> {
        model.tensor(name)!.bytes.baseAddress!.assumingMemoryBound(to: Float.self)
    }

    private func tensorWords(_ name: String) -> UnsafePointer<UInt64> {
        model.tensor(name)!.bytes.baseAddress!.assumingMemoryBound(to: UInt64.self)
    }

    private static func output(_ c: LayerConstants, y: ValueInfo, pointer: UnsafeMutableRawPointer) -> qk_output {
        var out = qk_output()
        out.out = pointer
        if let thresh = c.thresh {
            out.kind = QK_OUT_BITS
            out.thresh = UnsafePointer(thresh)
            out.flip = UnsafePointer(c.flip)
            out.ldo = qk_words(y.shape.last!)
        } else {
            out.kind = QK_OUT_FLOAT
            out.mul = UnsafePointer(c.mul)
            out.bias = UnsafePointer(c.bias)
            out.ldo = y.shape.last!
        }
        return out
    }
}
