import QInferKernels
import QInferModel

/// Turns a validated graph into steps over one arena: values get arena offsets (reused once dead), binary layers
/// get their prepared constants, and every pointer a step needs is fixed before the first inference.
struct PlanBuilder {
    let model: PackedModel
    let maxArenaBytes: Int
    /// Run a binary layer read only by the max over points fused with it (see build()); off only to measure the
    /// fusion against the plain plan (`qinfer bench model`).
    var fuseMaxPool = true

    struct Result {
        var steps: [PlannedStep]
        var arena: AlignedBuffer
        var workspace: AlignedBuffer
        var constants: [LayerConstants]
        var inputOffset: Int
        var outputOffset: Int
        var inputCount: Int
        var outputCount: Int
    }

    /// Bytes a value occupies: floats, or packed rows along the last axis.
    static func bytes(of v: ValueInfo) -> Int {
        switch v.type {
        case .f32: return v.elementCount * 4
        case .bits:
            let c = v.shape.last!
            return v.elementCount / max(c, 1) * qk_words(c) * 8
        }
    }

    /// Rows of a fused binary layer computed at a time before their max is taken: 32 rows of 1,024 floats is
    /// 128 KB, which stays in a Pi 3's 512 KB L2 next to the weights.
    static let maxPoolTileRows = 32

    func build() throws(EngineError) -> Result {
        let graph = model.graph, values = model.values
        // Liveness: the last node index that reads each value (the output lives to the end).
        var lastUse: [String: Int] = [:]
        for (i, node) in graph.nodes.enumerated() { for name in node.inputs { lastUse[name] = i } }
        lastUse[graph.output] = graph.nodes.count

        // A binary layer with float outputs read only by the max over points right after it runs fused with that
        // max (Step.bgemmMaxPool); its output then needs only a tile of rows in the arena.
        var fusedIntoMaxPool: Set<Int> = []
        for (i, node) in graph.nodes.enumerated() where fuseMaxPool && i + 1 < graph.nodes.count {
            guard case .binaryDense = node.op, case .pointMaxPool = graph.nodes[i + 1].op, values[node.output]!.type == .f32,
                  graph.nodes[i + 1].inputs == [node.output], lastUse[node.output] == i + 1 else { continue }
            fusedIntoMaxPool.insert(i)
            // The fused step writes the max's output while it still reads the layer's input tile by tile: the input
            // must outlive the max, or the arena could hand its bytes to the max's output.
            for name in node.inputs { lastUse[name] = max(lastUse[name]!, i + 1) }
        }
        let tiledOutputs = Set(fusedIntoMaxPool.map { graph.nodes[$0].output })
        func bytes(_ name: String) -> Int {
            let v = values[name]!
            guard tiledOutputs.contains(name) else { return Self.bytes(of: v) }
            return min(v.shape[0], Self.maxPoolTileRows) * v.shape.dropFirst().reduce(1, *) * 4
        }

        var planner = ArenaPlanner()
        var offsets: [String: Int] = [:]
        offsets[graph.input] = planner.allocate(bytes(graph.input))
        for (i, node) in graph.nodes.enumerated() {
            offsets[node.output] = planner.allocate(bytes(node.output))
            for name in Set(node.inputs) where lastUse[name] == i {
                planner.release(offset: offsets[name]!, bytes: bytes(name))
            }
            if lastUse[node.output] == nil { // written but never read: free right away
                planner.release(offset: offsets[node.output]!, bytes: bytes(node.output))
            }
        }
        guard planner.size <= maxArenaBytes else {
            throw EngineError("model '\(model.metadata.name)' needs \(planner.size) bytes of activations, more than the \(maxArenaBytes)-byte limit")
        }
        let arena = AlignedBuffer(bytes: planner.size)

        var workspaceBytes = 0
        var convArgs: [Int: qk_bconv2d_args] = [:] // step index → arguments, patched once the workspace exists
        var constants: [LayerConstants] = []
        var steps: [PlannedStep] = []
        var index = 0 // the graph node being planned; every step records the nodes it computes
        func emit(_ step: Step, nodes: [Int]? = nil) { steps.append(PlannedStep(step: step, nodes: nodes ?? [index])) }
        func f32(_ name: String) -> UnsafeMutablePointer<Float> {
            (arena.base + offsets[name]!).bindMemory(to: Float.self, capacity: values[name]!.elementCount)
        }
        func bits(_ name: String) -> UnsafeMutablePointer<UInt64> {
            (arena.base + offsets[name]!).bindMemory(to: UInt64.self, capacity: Self.bytes(of: values[name]!) / 8)
        }
        func tensorF32(_ name: String) -> UnsafePointer<Float> {
            model.tensor(name)!.bytes.baseAddress!.assumingMemoryBound(to: Float.self)
        }
        func tensorWords(_ name: String) -> UnsafePointer<UInt64> {
            model.tensor(name)!.bytes.baseAddress!.assumingMemoryBound(to: UInt64.self)
        }

        for (i, node) in graph.nodes.enumerated() {
            index = i
            let x = values[node.inputs[0]]!, y = values[node.output]!
            switch node.op {
            case .dense(let a):
                let k = x.shape.last!
                emit(.dense(rows: x.elementCount / k, k: k, n: y.shape.last!, x: f32(node.inputs[0]), w: tensorF32(a.weights),
                                    bias: a.bias.map(tensorF32), y: f32(node.output)))
            case .conv2d(let a):
                let w = model.tensor(a.weights)!.entry.shape
                emit(.conv2d(qk_f32_conv2d_args(
                    h: x.shape[0], w: x.shape[1], ic: x.shape[2], kh: w[1], kw: w[2], oc: w[0], stride: a.stride,
                    pad_top: a.pad.top, pad_left: a.pad.left, oh: y.shape[0], ow: y.shape[1], x: f32(node.inputs[0]),
                    weights: tensorF32(a.weights), bias: a.bias.map(tensorF32), y: f32(node.output))))
            case .signPack:
                let c = x.shape.last!
                emit(.signPack(x: f32(node.inputs[0]), rows: x.elementCount / c, c: c, out: bits(node.output)))
            case .binaryDense(let a):
                let k = x.shape.last!, n = y.shape.last!, rows = x.elementCount / k
                let w = tensorWords(a.weights)
                let consts = LayerConstants(model: model, output: a.output, channels: n, weights: w, tapsForZeroPad: nil, inputChannels: k)
                constants.append(consts)
                var g = qk_bgemm_args()
                g.m = rows; g.n = n; g.kw = qk_words(k); g.k_bits = Int32(k)
                g.a = UnsafePointer(bits(node.inputs[0])); g.lda = qk_words(k); g.w = w
                g.out = Self.output(consts, y: y, pointer: arena.base + offsets[node.output]!)
                if fusedIntoMaxPool.contains(index), case .pointMaxPool(let p) = graph.nodes[index + 1].op {
                    emit(.bgemmMaxPool(g, rows: rows, tile: Self.maxPoolTileRows, y: f32(graph.nodes[index + 1].output),
                                       offset: p.offset), nodes: [index, index + 1])
                } else {
                    emit(.bgemm(g))
                }
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
                workspaceBytes = max(workspaceBytes, qk_bconv2d_workspace_bytes(&args))
                convArgs[steps.count] = args
                emit(.copy(x: f32(node.inputs[0]), y: f32(node.output), count: 0)) // replaced below
            case .affine(let a):
                let c = model.tensor(a.mul)!.entry.shape.reduce(1, *) // the period the constants repeat with
                emit(.affine(x: f32(node.inputs[0]), y: f32(node.output), rows: x.elementCount / c, c: c,
                                     mul: tensorF32(a.mul), add: tensorF32(a.add)))
            case .scale(let s):
                emit(.scale(x: f32(node.inputs[0]), y: f32(node.output), count: x.elementCount, value: s.value))
            case .hardtanh(let clip):
                emit(.clamp(x: f32(node.inputs[0]), y: f32(node.output), count: x.elementCount, min: clip.min, max: clip.max))
            case .relu:
                emit(.relu(x: f32(node.inputs[0]), y: f32(node.output), count: x.elementCount))
            case .pointMaxPool(let p):
                if index > 0 && fusedIntoMaxPool.contains(index - 1) { continue } // computed by the fused step before
                emit(.pointMaxPool(x: f32(node.inputs[0]), y: f32(node.output), points: x.shape[0], c: x.shape[1], offset: p.offset))
            case .maxPool2d(let p), .avgPool2d(let p):
                let g = PoolGeometry(h: x.shape[0], w: x.shape[1], c: x.shape[2], kernel: p.kernel, stride: p.stride,
                                     padTop: p.pad.top, padLeft: p.pad.left, oh: y.shape[0], ow: y.shape[1])
                if case .maxPool2d = node.op {
                    emit(.maxPool2d(x: f32(node.inputs[0]), y: f32(node.output), g))
                } else {
                    emit(.avgPool2d(x: f32(node.inputs[0]), y: f32(node.output), g, countIncludePad: p.countIncludePad))
                }
            case .globalAvgPool:
                let c = x.shape.last!
                emit(.globalAvgPool(x: f32(node.inputs[0]), y: f32(node.output), pixels: x.elementCount / c, c: c))
            case .add:
                emit(.add(a: f32(node.inputs[0]), b: f32(node.inputs[1]), y: f32(node.output), count: x.elementCount))
            case .shortcutA(let s):
                emit(.shortcutA(x: f32(node.inputs[0]), y: f32(node.output), h: x.shape[0], w: x.shape[1], c: x.shape[2],
                                        stride: s.stride, oh: y.shape[0], ow: y.shape[1], oc: y.shape[2]))
            case .concat(let c):
                let outer = y.shape[..<c.axis].reduce(1, *)
                emit(.concat(inputs: node.inputs.map { UnsafePointer(f32($0)) },
                                     blocks: node.inputs.map { values[$0]!.shape[c.axis...].reduce(1, *) }, outer: outer, y: f32(node.output)))
            case .sign:
                emit(.sign(x: f32(node.inputs[0]), y: f32(node.output), count: x.elementCount))
            case .flatten, .reshape:
                emit(.copy(x: f32(node.inputs[0]), y: f32(node.output), count: x.elementCount))
            case .softmax:
                emit(.softmax(x: f32(node.inputs[0]), y: f32(node.output), count: x.elementCount))
            }
        }
        // Convolutions share one workspace (steps run one after another), sized by the largest.
        let workspace = AlignedBuffer(bytes: workspaceBytes)
        for (at, args) in convArgs { steps[at].step = .bconv2d(args, workspace: workspace.base) }

        return Result(steps: steps, arena: arena, workspace: workspace, constants: constants,
                      inputOffset: offsets[graph.input]!, outputOffset: offsets[graph.output]!,
                      inputCount: values[graph.input]!.elementCount, outputCount: values[graph.output]!.elementCount)
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
