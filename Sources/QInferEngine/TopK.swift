/// The k best scores with their class indices, best first (ties keep the lower index first).
public func topK(_ scores: [Float], k: Int) -> [(index: Int, score: Float)] {
    scores.enumerated()
        .sorted { $0.element != $1.element ? $0.element > $1.element : $0.offset < $1.offset }
        .prefix(max(k, 0))
        .map { (index: $0.offset, score: $0.element) }
}
