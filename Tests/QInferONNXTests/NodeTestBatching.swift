import QInferONNX

/// How an ONNX node test's batch maps onto one-sample runs of the importer, which always imports a model for one
/// sample (axis 0 of the graph input is set to 1).
///
/// Axis 0 of the graph input is the sample axis. The plan follows it through the graph node by node: an op keeps
/// samples apart when every output element depends on one sample only (elementwise ops, Conv, pooling, a Gemm or
/// MatMul row, a Transpose that moves the axis…). Then sample i's output is block i of the expected output along
/// the axis the samples end on, and running the model on sample i alone is exactly what ONNX computes for it.
/// Ops that combine samples (a reduction or softmax over the batch axis, a Concat along it, a Reshape that merges
/// it, a Gemm with transA contracting it) make the test "batch axis mixed": one-sample runs cannot reproduce it.
///
/// A constant that differs per sample along the sample axis (`y` of Add[3,4,5] + y[3,4,5], Gemm's C[M, N], a
/// batched MatMul's B) is an input of the test, made an initializer; sample i's model gets block i of it, as a
/// model exported for that one sample would hold. A Reshape shape constant whose entry 0 is the batch size N is
/// written as 1 for the same reason. Nothing else of the model changes.
struct BatchPlan {
    /// Initializers holding one block per sample: name → axis.
    var sliced: [String: Int] = [:]
    /// Reshape shape initializers whose entry 0 is the batch size.
    var reshapeSpecs: Set<String> = []
    /// Axis of the graph output along which the samples' blocks lie.
    var outputAxis = 0

    enum Decision {
        case split(BatchPlan)
        case mixed(String)
    }

    /// `known`: every value of the full-batch graph (shapes; constants folded) from the interpreter.
    static func make(model: Onnx_ModelProto, known: [String: NDArray], inputName: String, outputName: String,
                     batch n: Int) -> Decision {
        let graph = model.graph
        let initializers = Set(graph.initializer.map(\.name))
        let opset = model.opsetImport.first { $0.domain.isEmpty || $0.domain == "ai.onnx" }?.version ?? 0
        var axis: [String: Int] = [inputName: 0]
        var plan = BatchPlan()

        func rank(_ name: String) -> Int { known[name]?.shape.count ?? 0 }
        func shape(_ name: String) -> [Int] { known[name]?.shape ?? [] }
        func attr(_ node: Onnx_NodeProto, _ name: String) -> Onnx_AttributeProto? { node.attribute.first { $0.name == name } }
        func int(_ node: Onnx_NodeProto, _ name: String, _ fallback: Int) -> Int { attr(node, name).map { Int($0.i) } ?? fallback }
        func ints(_ node: Onnx_NodeProto, _ name: String) -> [Int]? { attr(node, name).map { $0.ints.map { Int($0) } } }
        func constInts(_ node: Onnx_NodeProto, _ i: Int) -> [Int]? {
            guard i < node.input.count, !node.input[i].isEmpty, let v = known[node.input[i]]?.ints else { return nil }
            return v.map { Int($0) }
        }
        func normalize(_ a: Int, _ r: Int) -> Int { a < 0 ? a + r : a }

        /// A constant operand whose axis `a` (in its own shape) must follow the samples: sliced when it varies.
        func follow(_ name: String, axis a: Int, runtimeSize: Int) -> String? {
            let s = shape(name)
            guard a >= 0, a < s.count, s[a] != 1 else { return nil }
            guard s[a] == runtimeSize else { return "constant '\(name)' \(s) does not line up with the batch axis" }
            guard initializers.contains(name) else { return "constant '\(name)', computed in the graph, varies along the batch axis" }
            plan.sliced[name] = a
            return nil
        }

        for node in graph.node {
            let runtime = node.input.filter { !$0.isEmpty && axis[$0] != nil }
            guard let first = runtime.first, let p = axis[first], let out = node.output.first else { continue }
            let op = node.opType
            let x = node.input[0]
            func mixed(_ why: String) -> Decision { .mixed("\(op) \(why)") }
            switch op {
            case "Identity", "Relu", "Sign", "Clip", "Dropout", "Cast", "Abs", "Neg", "Sqrt", "Exp", "Log":
                guard runtime == [x] else { return mixed("has a runtime bound") }
                axis[out] = p
            case "Conv", "MaxPool", "AveragePool", "GlobalAveragePool", "BatchNormalization":
                guard runtime == [x] else { return mixed("has runtime parameters") }
                guard p == 0 else { return mixed("needs the batch axis first") }
                axis[out] = 0
            case "Add", "Sub", "Mul", "Div", "Pow":
                let r = rank(out)
                let aligned = Set(runtime.map { axis[$0]! + r - rank($0) })
                guard aligned.count == 1, let q = aligned.first else { return mixed("combines activations with different batch axes") }
                for name in node.input where !name.isEmpty && axis[name] == nil {
                    if let why = follow(name, axis: q - (r - rank(name)), runtimeSize: shape(out)[q]) { return mixed(why) }
                }
                axis[out] = q
            case "Softmax":
                let r = rank(x)
                let a = normalize(int(node, "axis", opset < 13 ? 1 : -1), r)
                if opset < 13 ? p >= a : p == a { return mixed("normalizes across the batch axis") }
                axis[out] = p
            case "ReduceMax", "ReduceMean", "ReduceMin", "ReduceSum", "ReduceProd":
                let r = rank(x)
                let fromInput = op == "ReduceSum" ? opset >= 13 : opset >= 18
                var axes = (fromInput ? constInts(node, 1) : ints(node, "axes")) ?? []
                if axes.isEmpty && int(node, "noop_with_empty_axes", 0) == 0 { axes = Array(0..<r) }
                let reduced = Set(axes.map { normalize($0, r) })
                if reduced.contains(p) { return mixed("reduces the batch axis") }
                axis[out] = int(node, "keepdims", 1) != 0 ? p : p - reduced.filter { $0 < p }.count
            case "Flatten":
                let s = shape(x)
                let a = normalize(int(node, "axis", 1), s.count)
                // Output [∏ s[..<a], ∏ s[a...]]: the samples stay blocks when the batch axis is the outermost one
                // merged into its output axis.
                if p < a {
                    guard s[..<p].allSatisfy({ $0 == 1 }) else { return mixed("merges the batch axis under an outer axis") }
                    axis[out] = 0
                } else {
                    guard s[a..<p].allSatisfy({ $0 == 1 }) else { return mixed("merges the batch axis under an outer axis") }
                    axis[out] = 1
                }
            case "Reshape":
                // A Reshape keeps samples apart when the batch axis stays axis 0 with the same size.
                guard p == 0, shape(out).first == shape(x).first, shape(x).first == n else {
                    return mixed("merges the batch axis with others (\(shape(x)) → \(shape(out)))")
                }
                if node.input.count > 1, let spec = known[node.input[1]]?.ints, spec.first == Int64(n) {
                    guard initializers.contains(node.input[1]) else { return mixed("takes the batch size from a computed shape") }
                    plan.reshapeSpecs.insert(node.input[1])
                }
                axis[out] = 0
            case "Transpose":
                let r = rank(x)
                let perm = ints(node, "perm") ?? Array((0..<r).reversed())
                guard let q = perm.firstIndex(of: p) else { return mixed("has an invalid perm") }
                axis[out] = q
            case "Squeeze":
                let r = rank(x)
                let axes = (opset < 13 ? ints(node, "axes") : constInts(node, 1)).map { $0.map { normalize($0, r) } }
                    ?? shape(x).indices.filter { shape(x)[$0] == 1 }
                if axes.contains(p) { return mixed("removes the batch axis") }
                axis[out] = p - axes.filter { $0 < p }.count
            case "Unsqueeze":
                let r = rank(out)
                let axes = Set(((opset < 13 ? ints(node, "axes") : constInts(node, 1)) ?? []).map { normalize($0, r) })
                let kept = (0..<r).filter { !axes.contains($0) }
                guard p < kept.count else { return mixed("has invalid axes") }
                axis[out] = kept[p]
            case "Concat":
                let r = rank(out)
                let a = normalize(int(node, "axis", 0), r)
                if a == p { return mixed("joins along the batch axis") }
                guard runtime.allSatisfy({ axis[$0] == p }) else { return mixed("combines activations with different batch axes") }
                for name in node.input where !name.isEmpty && axis[name] == nil {
                    if let why = follow(name, axis: p, runtimeSize: shape(out)[p]) { return mixed(why) }
                }
                axis[out] = p
            case "Pad":
                let r = rank(x)
                var pads = opset < 11 ? ints(node, "pads") ?? [] : constInts(node, 1) ?? []
                if opset >= 18, let axes = constInts(node, 3) {
                    var full = [Int](repeating: 0, count: 2 * r)
                    for (i, a) in axes.enumerated() where i + axes.count < pads.count {
                        full[normalize(a, r)] = pads[i]; full[normalize(a, r) + r] = pads[i + axes.count]
                    }
                    pads = full
                }
                guard pads.count == 2 * r else { return mixed("has pads the plan does not understand") }
                if pads[p] != 0 || pads[p + r] != 0 { return mixed("pads the batch axis") }
                axis[out] = p
            case "Gemm":
                guard runtime == [x] else { return mixed("multiplies two activations") }
                if int(node, "transA", 0) != 0 { return mixed("with transA=1 contracts the batch axis (A's axis 0 is K)") }
                // Rows of A are independent: row i of Y is α·A[i]·B + β·C[i].
                if node.input.count > 2, !node.input[2].isEmpty, rank(node.input[2]) == 2 {
                    if let why = follow(node.input[2], axis: 0, runtimeSize: shape(out)[0]) { return mixed(why) }
                }
                axis[out] = 0
            case "MatMul":
                guard runtime == [x] else { return mixed("multiplies two activations") }
                let ra = rank(x), rb = rank(node.input[1])
                if ra == 1 { return mixed("contracts axis 0 of a 1-D input") }
                if p == ra - 1 { return mixed("contracts the batch axis") }
                let outRank = rank(out)
                if p == ra - 2 {
                    axis[out] = outRank - (rb == 1 ? 1 : 2) // rows of A are independent
                } else {
                    let batchRank = max(ra - 2, rb - 2)
                    let q = p + batchRank - (ra - 2)
                    if rb >= 3, let why = follow(node.input[1], axis: q - (batchRank - (rb - 2)), runtimeSize: shape(out)[q]) {
                        return mixed(why)
                    }
                    axis[out] = q
                }
            default:
                return mixed("is not known to keep samples apart")
            }
        }
        guard let q = axis[outputName] else { return .mixed("the graph output does not depend on the input") }
        plan.outputAxis = q
        return .split(plan)
    }
}

/// Row-major blocks of a tensor along one axis.
enum Blocks {
    /// Block `i` of `n` equal blocks of `values` (shape `shape`) along `axis`, and its shape.
    static func take<T>(_ values: [T], shape: [Int], axis: Int, block i: Int, of n: Int) -> (values: [T], shape: [Int]) {
        let size = shape[axis] / n
        let outer = shape[..<axis].reduce(1, *), inner = shape[(axis + 1)...].reduce(1, *)
        var out: [T] = []
        out.reserveCapacity(outer * size * inner)
        for o in 0..<outer {
            let start = (o * shape[axis] + i * size) * inner
            out += values[start..<(start + size * inner)]
        }
        var s = shape
        s[axis] = size
        return (out, s)
    }
}
