extension Duration {
    /// Whole microseconds, truncated: the unit of every latency in the API's answers and the CLI's tables.
    public var wholeMicroseconds: Int {
        Int(components.seconds) * 1_000_000 + Int(components.attoseconds / 1_000_000_000_000)
    }
}
