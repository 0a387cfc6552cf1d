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
}
