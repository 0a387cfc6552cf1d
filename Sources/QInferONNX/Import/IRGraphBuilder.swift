import QInferKernels
import QInferModel

/// Collects the engine graph while the importer lowers ONNX nodes: constant tensors, nodes, and the output
/// transforms of binary and FP32 layers that later scales and BatchNorms fold into.
struct IRGraphBuilder {
    enum PendingTensor {
        case f32(shape: [Int], values: [Float])
        case i32(shape: [Int], values: [Int32])
        /// ±1 weights [channels, …, c] as floats (the pack step packs them).
        case bits(shape: [Int], signs: [Float])
    }

    /// Output transform of a binary layer until the graph is finished: acc·mul + bias, or (once a Sign consumes
    /// it) the threshold equivalent. `k` is the dot-product length, the range of acc.
    struct BinaryTransform {
        var mul: [Float]
        var bias: [Float]
        var k: Int
        var thresholded = false
    }

    private(set) var nodes: [Node] = []
    private(set) var tensorOrder: [String] = []
    private(set) var tensors: [String: PendingTensor] = [:]
    private(set) var producer: [String: Int] = [:]
    private var binary: [Int: BinaryTransform] = [:]
    private var used: Set<String> = []

    /// A name not used yet for a value, node or tensor.
    mutating func fresh(_ base: String) -> String {
        var name = base.isEmpty ? "v" : base
        var i = 1
        while used.contains(name) { i += 1; name = "\(base)_\(i)" }
        used.insert(name)
        return name
    }

    mutating func reserve(_ name: String) { used.insert(name) }

    mutating func addTensor(_ base: String, _ t: PendingTensor) -> String {
        let name = fresh(base)
        tensors[name] = t
        tensorOrder.append(name)
        return name
    }

    @discardableResult
    mutating func add(_ name: String, inputs: [String], output: String, op: Op) -> Int {
        nodes.append(Node(name: fresh(name), inputs: inputs, output: output, op: op))
        producer[output] = nodes.count - 1
        return nodes.count - 1
    }

    mutating func addBinary(_ name: String, input: String, output: String, k: Int, alpha: [Float], bias: [Float],
                            op: (BinaryOutput) -> Op) {
        let index = add(name, inputs: [input], output: output, op: op(.affine(mul: "", bias: "")))
        binary[index] = BinaryTransform(mul: alpha, bias: bias, k: k)
    }

    /// Gives the value `old` a new name in every node that produces or reads it.
    mutating func renameValue(_ old: String, to new: String) {
        for i in nodes.indices {
            nodes[i].inputs = nodes[i].inputs.map { $0 == old ? new : $0 }
            if nodes[i].output == old { nodes[i].output = new }
        }
        if let p = producer.removeValue(forKey: old) { producer[new] = p }
    }

    func produces(_ value: String) -> Bool { producer[value] != nil }

    func isBinaryWithAffine(_ ir: String) -> Bool {
        guard let i = producer[ir], let t = binary[i] else { return false }
        return !t.thresholded
    }

    /// The layer producing `ir` now writes packed bits: bit = sign of its affine output (sign(0) = +1).
    mutating func thresholdOutput(of ir: String) {
        binary[producer[ir]!]!.thresholded = true
    }

    /// Folds y = x·mul[c] + add[c] (per channel of `ir`, the last axis) into the layer that produced `ir`, when
    /// that layer can absorb it exactly enough: a binary layer's output transform, an FP32 conv/dense's weights
    /// and bias, an earlier affine, or a point max-pool's offset (add only). Returns false when it cannot.
    mutating func fuseAffine(into ir: String, mul: [Float], add: [Float]) -> Bool {
        guard let index = producer[ir] else { return false }
        let c = mul.count
        if var t = binary[index] {
            guard !t.thresholded, t.mul.count == c else { return false }
            for j in 0..<c { t.mul[j] *= mul[j]; t.bias[j] = t.bias[j] * mul[j] + add[j] }
            binary[index] = t
            return true
        }
        switch nodes[index].op {
        case .conv2d(var a):
            guard scaleRows(a.weights, by: mul) else { return false }
            a.bias = foldBias(a.bias, c: c, mul: mul, add: add, base: nodes[index].name)
            nodes[index].op = .conv2d(a)
            return true
        case .dense(var a):
            guard scaleRows(a.weights, by: mul) else { return false }
            a.bias = foldBias(a.bias, c: c, mul: mul, add: add, base: nodes[index].name)
            nodes[index].op = .dense(a)
            return true
        case .affine(let a):
            guard case .f32(let ms, var m)? = tensors[a.mul], case .f32(_, var b)? = tensors[a.add], ms == [c] else { return false }
            for j in 0..<c { m[j] *= mul[j]; b[j] = b[j] * mul[j] + add[j] }
            tensors[a.mul] = .f32(shape: ms, values: m)
            tensors[a.add] = .f32(shape: ms, values: b)
            return true
        case .pointMaxPool(var p):
            guard mul.allSatisfy({ $0 == 1 }), let first = add.first, add.allSatisfy({ $0 == first }) else { return false }
            p.offset += first
            nodes[index].op = .pointMaxPool(p)
            return true
        default:
            return false
        }
    }

    /// Multiplies output channel o's weights (FP32 conv [o, …] or dense [o, k]) by mul[o]; false when they are not ours.
    private mutating func scaleRows(_ name: String, by mul: [Float]) -> Bool {
        guard case .f32(let ws, var w)? = tensors[name], ws[0] == mul.count else { return false }
        let inner = w.count / mul.count
        for i in 0..<w.count { w[i] *= mul[i / inner] }
        tensors[name] = .f32(shape: ws, values: w)
        return true
    }

    private mutating func foldBias(_ bias: String?, c: Int, mul: [Float], add: [Float], base: String) -> String {
        var b = [Float](repeating: 0, count: c)
        if let bias, case .f32(_, let v)? = tensors[bias] { b = v }
        for j in 0..<c { b[j] = b[j] * mul[j] + add[j] }
        if let bias { tensors[bias] = .f32(shape: [c], values: b); return bias }
        return addTensor("\(base).bias", .f32(shape: [c], values: b))
    }

    /// The finished nodes and tensors: binary output transforms become f32 mul/bias or i32 threshold/flip tensors.
    mutating func finish() -> (nodes: [Node], tensors: [(String, PendingTensor)]) {
        for index in binary.keys.sorted() {
            let t = binary[index]!
            let base = nodes[index].name
            let output: BinaryOutput
            if t.thresholded {
                var thresh = [Int32](repeating: 0, count: t.mul.count), flip = [Int32](repeating: 0, count: t.mul.count)
                for j in 0..<t.mul.count {
                    var f: Int32 = 0
                    qk_threshold_from_affine(t.mul[j], t.bias[j], Int32(t.k), &thresh[j], &f)
                    flip[j] = f
                }
                output = .threshold(thresh: addTensor("\(base).thresh", .i32(shape: [thresh.count], values: thresh)),
                                    flip: addTensor("\(base).flip", .i32(shape: [flip.count], values: flip)))
            } else {
                output = .affine(mul: addTensor("\(base).mul", .f32(shape: [t.mul.count], values: t.mul)),
                                 bias: addTensor("\(base).bias", .f32(shape: [t.bias.count], values: t.bias)))
            }
            switch nodes[index].op {
            case .binaryConv2d(var a): a.output = output; nodes[index].op = .binaryConv2d(a)
            case .binaryDense(var a): a.output = output; nodes[index].op = .binaryDense(a)
            default: break
            }
        }
        binary = [:]
        return (nodes, tensorOrder.map { ($0, tensors[$0]!) })
    }
}
