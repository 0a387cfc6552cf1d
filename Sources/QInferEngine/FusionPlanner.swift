import QInferModel

/// Graph nodes the plan runs as one step, and why.
struct NodeGroup: Equatable {
    enum Kind: Equatable {
        case single
        /// A binary layer whose float output only the max over points after it reads: the max is taken over integer
        /// popcounts as the rows stream (qk_bmaxpool), and the [points, channels] output is never written.
        case binaryMaxPool(layer: Int, pool: Int)
        /// An FP32 producer (conv2d, dense, or an add) with the hardtanh and the sign-pack that read it run as its
        /// output stage: one pass over the values instead of one per node.
        case floatChain(producer: Int, clamp: Int?, pack: Int?)
    }

    var kind: Kind
    /// In execution order.
    var nodes: [Int]
}

/// Groups a graph's nodes into steps. Fusion never changes a result: each fused kernel does the same rounded
/// operations in the same order as the nodes one by one (the kernels' headers say how).
struct FusionPlanner {
    let graph: Graph
    let values: [String: ValueInfo]

    struct Result {
        var groups: [NodeGroup]
        /// Values no step writes: every reader of theirs runs inside the step that computes them.
        var unwritten: Set<String>
    }

    /// `fuse: false` gives one step per node (the plain plan `qinfer bench model` measures the fused one against).
    func plan(fuse: Bool) -> Result {
        let nodes = graph.nodes
        guard fuse else { return Result(groups: nodes.indices.map { NodeGroup(kind: .single, nodes: [$0]) }, unwritten: []) }
        var readers: [String: [Int]] = [:]
        for (i, node) in nodes.enumerated() { for name in Set(node.inputs) { readers[name, default: []].append(i) } }
        // The graph's output is read after the last node.
        func onlyReader(_ name: String) -> Int? {
            guard name != graph.output, let r = readers[name], r.count == 1 else { return nil }
            return r[0]
        }

        var taken = Set<Int>(), groups: [NodeGroup] = [], unwritten = Set<String>()
        for (i, node) in nodes.enumerated() where !taken.contains(i) {
            switch node.op {
            case .binaryDense where values[node.output]!.type == .f32:
                guard let j = onlyReader(node.output), case .pointMaxPool = nodes[j].op else { break }
                groups.append(NodeGroup(kind: .binaryMaxPool(layer: i, pool: j), nodes: [i, j]))
                taken.formUnion([i, j])
                unwritten.insert(node.output)
                continue
            case .conv2d, .dense, .add:
                var value = node.output, members = [i]
                var clamp: Int?
                if let j = onlyReader(value), case .hardtanh = nodes[j].op {
                    clamp = j
                    members.append(j)
                    unwritten.insert(value)
                    value = nodes[j].output
                }
                // A sign-pack may come later in the graph's order: it reads only `value`, so it can run as soon as
                // `value` exists, and its output is read only after its old position.
                let pack = readers[value]?.first { if case .signPack = nodes[$0].op { return true } else { return false } }
                if let pack {
                    members.append(pack)
                    if value != graph.output && readers[value]!.count == 1 { unwritten.insert(value) }
                }
                guard members.count > 1 else { break }
                groups.append(NodeGroup(kind: .floatChain(producer: i, clamp: clamp, pack: pack), nodes: members))
                taken.formUnion(members)
                continue
            default:
                break
            }
            groups.append(NodeGroup(kind: .single, nodes: [i]))
            taken.insert(i)
        }
        return Result(groups: groups, unwritten: unwritten)
    }
}
