/// Bounds on what a graph may describe. A packed file is untrusted: without them a shape or a stride near Int.max
/// would overflow the shape arithmetic, and a huge input would ask the engine for terabytes.
public enum GraphLimits {
    /// Largest extent of any axis.
    public static let maxDimension = 1 << 24
    /// Largest element count of any value (1 GiB of f32).
    public static let maxElements = 1 << 28
    /// Largest kernel, stride or padding of a window op.
    public static let maxWindow = 1 << 12

    /// Element count of `shape`, or nil when an axis is out of range or the product exceeds `maxElements`.
    public static func elements(_ shape: [Int]) -> Int? {
        var count = 1
        for d in shape {
            guard d >= 0, d <= maxDimension else { return nil }
            let (p, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow, p <= maxElements else { return nil }
            count = p
        }
        return count
    }
}

/// Infers every value's type and shape and checks that the graph chains: each node's inputs exist with the types
/// and shapes its op accepts, its tensors exist with the shapes it needs, and the output is a score vector.
public struct GraphChecker {
    public let graph: Graph
    let tensors: [String: TensorEntry]

    public init(graph: Graph) throws(ModelError) {
        self.graph = graph
        var table: [String: TensorEntry] = [:]
        for t in graph.tensors {
            guard table[t.name] == nil else { throw ModelError("tensor '\(t.name)' is defined twice") }
            table[t.name] = t
        }
        tensors = table
    }

    /// Value infos by name, starting from the graph input's shape.
    public func inferShapes(inputShape: [Int]) throws(ModelError) -> [String: ValueInfo] {
        guard !inputShape.isEmpty, inputShape.allSatisfy({ $0 > 0 }), GraphLimits.elements(inputShape) != nil else {
            throw ModelError("input shape \(inputShape) must have positive dimensions of at most \(GraphLimits.maxDimension) and at most \(GraphLimits.maxElements) elements")
        }
        var values: [String: ValueInfo] = [graph.input: ValueInfo(.f32, inputShape)]
        guard !graph.nodes.isEmpty else { throw ModelError("graph has no nodes") }
        for node in graph.nodes {
            guard node.inputs.count == node.op.arity else {
                throw nodeError(node, "takes \(node.op.arity) input(s), has \(node.inputs.count)")
            }
            var ins: [ValueInfo] = []
            for name in node.inputs {
                guard let v = values[name] else { throw nodeError(node, "input '\(name)' is not defined by an earlier node") }
                ins.append(v)
            }
            guard values[node.output] == nil else { throw nodeError(node, "output '\(node.output)' is already defined") }
            let out = try infer(node, ins)
            guard GraphLimits.elements(out.shape) != nil else {
                throw nodeError(node, "output \(out) exceeds \(GraphLimits.maxElements) elements or \(GraphLimits.maxDimension) per axis")
            }
            values[node.output] = out
        }
        guard let out = values[graph.output] else { throw ModelError("graph output '\(graph.output)' is not produced by any node") }
        guard out.type == .f32, out.shape.count == 1 else {
            throw ModelError("graph output '\(graph.output)' is \(out); a score vector f32[classes] is required")
        }
        return values
    }

    private func nodeError(_ node: Node, _ message: String) -> ModelError {
        ModelError("node '\(node.name)' (\(node.op.kind.rawValue)): \(message)")
    }

    private func tensor(_ node: Node, _ name: String, _ type: TensorType, _ shape: [Int]? = nil, rank: Int? = nil) throws(ModelError) -> TensorEntry {
        guard let t = tensors[name] else { throw nodeError(node, "tensor '\(name)' does not exist") }
        guard t.type == type else { throw nodeError(node, "tensor '\(name)' is \(t.type.rawValue), needs \(type.rawValue)") }
        if let shape, t.shape != shape { throw nodeError(node, "tensor '\(name)' has shape \(t.shape), needs \(shape)") }
        if let rank, t.shape.count != rank { throw nodeError(node, "tensor '\(name)' has shape \(t.shape), needs rank \(rank)") }
        return t
    }

    private func require(_ ok: Bool, _ node: Node, _ message: @autoclosure () -> String) throws(ModelError) {
        if !ok { throw nodeError(node, message()) }
    }

    /// Output size of a window along one axis, or nil when the window never fits.
    static func windowOutput(_ size: Int, kernel: Int, stride: Int, before: Int, after: Int) -> Int? {
        let limit = GraphLimits.maxWindow
        guard (1...limit).contains(kernel), (1...limit).contains(stride), (0...limit).contains(before),
              (0...limit).contains(after), (0...GraphLimits.maxDimension).contains(size) else { return nil }
        let span = size + before + after - kernel
        return span >= 0 ? span / stride + 1 : nil
    }

    private func window(_ node: Node, _ h: Int, _ w: Int, kh: Int, kw: Int, stride: Int, pad: Padding2D) throws(ModelError) -> (Int, Int) {
        guard let oh = Self.windowOutput(h, kernel: kh, stride: stride, before: pad.top, after: pad.bottom),
              let ow = Self.windowOutput(w, kernel: kw, stride: stride, before: pad.left, after: pad.right) else {
            throw nodeError(node, "a \(kh)×\(kw) window with stride \(stride) and padding \(pad) does not fit a \(h)×\(w) input")
        }
        return (oh, ow)
    }

    private func infer(_ node: Node, _ ins: [ValueInfo]) throws(ModelError) -> ValueInfo {
        let x = ins[0]
        func needF32() throws(ModelError) { try require(x.type == .f32, node, "needs an f32 input, got \(x)") }
        switch node.op {
        case .conv2d(let a):
            try needF32()
            try require(x.shape.count == 3, node, "needs [h, w, c], got \(x)")
            let w = try tensor(node, a.weights, .f32, rank: 4)
            try require(w.shape[3] == x.shape[2], node, "weights \(w.shape) expect \(w.shape[3]) input channels, input has \(x.shape[2])")
            if let b = a.bias { _ = try tensor(node, b, .f32, [w.shape[0]]) }
            let (oh, ow) = try window(node, x.shape[0], x.shape[1], kh: w.shape[1], kw: w.shape[2], stride: a.stride, pad: a.pad)
            return ValueInfo(.f32, [oh, ow, w.shape[0]])
        case .dense(let a):
            try needF32()
            let w = try tensor(node, a.weights, .f32, rank: 2)
            try require(x.shape.last == w.shape[1], node, "weights \(w.shape) expect \(w.shape[1]) inputs per row, input is \(x)")
            if let b = a.bias { _ = try tensor(node, b, .f32, [w.shape[0]]) }
            return ValueInfo(.f32, Array(x.shape.dropLast()) + [w.shape[0]])
        case .signPack:
            try needF32()
            return ValueInfo(.bits, x.shape)
        case .binaryDense(let a):
            try require(x.type == .bits && x.shape.count <= 2, node, "needs bits [m, k] or [k], got \(x)")
            let w = try tensor(node, a.weights, .bits, rank: 2)
            try require(w.shape[1] == x.shape.last, node, "weights \(w.shape) expect \(w.shape[1]) bits per row, input is \(x)")
            let type = try outputType(node, a.output, channels: w.shape[0])
            return ValueInfo(type, Array(x.shape.dropLast()) + [w.shape[0]])
        case .binaryConv2d(let a):
            try require(x.type == .bits && x.shape.count == 3, node, "needs bits [h, w, c], got \(x)")
            let w = try tensor(node, a.weights, .bits, rank: 4)
            try require(w.shape[3] == x.shape[2], node, "weights \(w.shape) expect \(w.shape[3]) input channels, input has \(x.shape[2])")
            let (oh, ow) = try window(node, x.shape[0], x.shape[1], kh: w.shape[1], kw: w.shape[2], stride: a.stride, pad: a.pad)
            let type = try outputType(node, a.output, channels: w.shape[0])
            return ValueInfo(type, [oh, ow, w.shape[0]])
        case .affine(let a):
            try needF32()
            let mul = try tensor(node, a.mul, .f32)
            _ = try tensor(node, a.add, .f32, mul.shape)
            let s = mul.shape
            try require(s == [1] || (s.count <= x.shape.count && Array(x.shape.suffix(s.count)) == s), node,
                        "mul/add shape \(s) is neither [1] nor a suffix of the input's \(x)")
            return x
        case .scale, .hardtanh, .relu:
            try needF32()
            if case .hardtanh(let clip) = node.op { try require(clip.min <= clip.max, node, "min \(clip.min) > max \(clip.max)") }
            return x
        case .pointMaxPool:
            try needF32()
            try require(x.shape.count == 2, node, "needs [points, c], got \(x)")
            return ValueInfo(.f32, [x.shape[1]])
        case .maxPool2d(let p), .avgPool2d(let p):
            try needF32()
            try require(x.shape.count == 3, node, "needs [h, w, c], got \(x)")
            let (oh, ow) = try window(node, x.shape[0], x.shape[1], kh: p.kernel, kw: p.kernel, stride: p.stride, pad: p.pad)
            try require(p.pad.top < p.kernel && p.pad.left < p.kernel && p.pad.bottom < p.kernel && p.pad.right < p.kernel,
                        node, "padding \(p.pad) must be smaller than the kernel \(p.kernel)")
            return ValueInfo(.f32, [oh, ow, x.shape[2]])
        case .globalAvgPool:
            try needF32()
            try require(x.shape.count == 2 || x.shape.count == 3, node, "needs [h, w, c] or [n, c], got \(x)")
            return ValueInfo(.f32, [x.shape.last!])
        case .add:
            try require(x.type == .f32 && ins[1] == x, node, "needs two f32 inputs of one shape, got \(x) and \(ins[1])")
            return x
        case .shortcutA(let a):
            try needF32()
            try require(x.shape.count == 3, node, "needs [h, w, c], got \(x)")
            try require((1...GraphLimits.maxWindow).contains(a.stride), node, "stride \(a.stride) is not in 1…\(GraphLimits.maxWindow)")
            try require(a.outChannels <= GraphLimits.maxDimension, node, "out_channels \(a.outChannels) is too large")
            try require(a.outChannels >= x.shape[2], node, "out_channels \(a.outChannels) must be ≥ the input's \(x.shape[2])")
            return ValueInfo(.f32, [(x.shape[0] + a.stride - 1) / a.stride, (x.shape[1] + a.stride - 1) / a.stride, a.outChannels])
        case .flatten:
            try needF32()
            return ValueInfo(.f32, [x.elementCount])
        case .softmax:
            try require(x.type == .f32 && x.shape.count == 1, node, "needs f32 [c], got \(x)")
            return x
        case .sign:
            try needF32()
            return x
        case .concat(let a):
            try require(a.inputs >= 2 && a.inputs <= 64, node, "joins \(a.inputs) values; 2…64 are allowed")
            try require(ins.allSatisfy { $0.type == .f32 && $0.shape.count == x.shape.count }, node, "needs f32 inputs of one rank, got \(ins)")
            try require((0..<x.shape.count).contains(a.axis), node, "axis \(a.axis) is out of range for \(x)")
            var shape = x.shape
            shape[a.axis] = 0
            for v in ins {
                try require(v.shape.indices.allSatisfy { $0 == a.axis || v.shape[$0] == x.shape[$0] }, node,
                            "inputs \(ins) differ outside axis \(a.axis)")
                shape[a.axis] += v.shape[a.axis]
            }
            guard shape[a.axis] <= GraphLimits.maxDimension else { throw nodeError(node, "axis \(a.axis) grows past the limit") }
            return ValueInfo(.f32, shape)
        case .reshape(let r):
            try needF32()
            try require(!r.shape.isEmpty && r.shape.allSatisfy { $0 > 0 } && GraphLimits.elements(r.shape) == x.elementCount, node,
                        "cannot reshape \(x) to \(r.shape)")
            return ValueInfo(.f32, r.shape)
        }
    }

    private func outputType(_ node: Node, _ output: BinaryOutput, channels: Int) throws(ModelError) -> ValueInfo.ElementType {
        switch output {
        case .affine(let mul, let bias):
            _ = try tensor(node, mul, .f32, [channels])
            _ = try tensor(node, bias, .f32, [channels])
            return .f32
        case .threshold(let thresh, let flip):
            _ = try tensor(node, thresh, .i32, [channels])
            _ = try tensor(node, flip, .i32, [channels])
            return .bits
        }
    }
}
