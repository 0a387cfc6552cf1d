// Deterministic random data for kernel tests: a failure names its seed and reproduces exactly.
struct TestRandom {
    private var state: UInt64

    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }

    /// SplitMix64: tiny, fast, and good enough to exercise every bit pattern.
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }

    mutating func float(_ range: ClosedRange<Float>) -> Float {
        range.lowerBound + Float(next() >> 40) / Float(1 << 24) * (range.upperBound - range.lowerBound)
    }

    /// Random packed row of `bits` elements with the tail bits of the last word cleared (the kernels' invariant).
    mutating func packedRow(bits: Int, into row: UnsafeMutablePointer<UInt64>) {
        let words = (bits + 63) / 64
        for w in 0..<words { row[w] = next() }
        if bits % 64 != 0 { row[words - 1] &= (UInt64(1) << UInt64(bits % 64)) - 1 }
    }
}
