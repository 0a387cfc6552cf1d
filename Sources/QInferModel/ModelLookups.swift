extension ModelMetadata {
    /// The label of output `index`, or the index itself where the model has none for it: a `tensor` model may carry
    /// no labels at all, and a file from elsewhere fewer than its outputs, so every caller looks labels up here.
    public func label(at index: Int) -> String {
        labels.indices.contains(index) ? labels[index] : "\(index)"
    }
}

extension PackedModel {
    /// Values in the graph's output: the scores a top-k chooses from (not the label count, which may be smaller).
    public var outputCount: Int { values[graph.output]?.elementCount ?? 0 }

    /// Multiply-accumulates of one inference of graph node `index` (binary layers: XNOR-popcount bit operations), as
    /// `qinfer inspect`, the profiler and the engine's thread split all count them.
    public func macs(ofNode index: Int) -> Int {
        let node = graph.nodes[index]
        guard let input = values[node.inputs[0]], let output = values[node.output] else { return 0 }
        let weights = node.op.tensorNames.first.flatMap { tensor($0)?.entry.shape }
        return node.op.macs(input: input, output: output, weights: weights)
    }
}
