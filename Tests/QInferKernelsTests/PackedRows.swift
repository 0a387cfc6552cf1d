// Random packed operands for the kernel tests; a failure names its seed and reproduces exactly.
import QInferRandom

extension SplitMix64 {
    /// Random packed row of `bits` elements with the tail bits of the last word cleared (the kernels' invariant).
    mutating func packedRow(bits: Int, into row: UnsafeMutablePointer<UInt64>) {
        let words = (bits + 63) / 64
        for w in 0..<words { row[w] = next() }
        if bits % 64 != 0 { row[words - 1] &= (UInt64(1) << UInt64(bits % 64)) - 1 }
    }
}
