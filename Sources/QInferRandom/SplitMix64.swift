// The one seeded generator of the project: `qinfer verify --random`, `qinfer bench model`, the daemon load bench, the
// tests and the fuzz harness draw from it, so a failure that names its seed replays on every run and machine.
// The standard library's generator cannot be seeded, and these callers need reproducibility, not cryptography.
import Foundation

/// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014): one add and
/// two multiply-xorshift rounds per number, every 64-bit state reached once per period of 2^64.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// 0 ..< n. The modulo bias (below n / 2^64) does not matter for test inputs and keeps every draw one `next()`,
    /// which keeps sequences short to reason about when a seed is replayed by hand.
    public mutating func below(_ n: Int) -> Int {
        precondition(n > 0, "SplitMix64.below needs a positive bound, got \(n)")
        return Int(next() % UInt64(n))
    }

    public mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + below(range.count) }

    /// [0, 1) on the 2^24 grid a Float represents exactly there.
    public mutating func uniform() -> Float { Float(next() >> 40) / Float(1 << 24) }

    public mutating func float(_ range: ClosedRange<Float>) -> Float {
        range.lowerBound + uniform() * (range.upperBound - range.lowerBound)
    }

    /// Standard normal by Box–Muller; u1 is kept off zero so the logarithm stays finite.
    public mutating func normal() -> Float {
        let u1 = max(uniform(), 1e-7), u2 = uniform()
        return (-2 * logf(u1)).squareRoot() * cosf(2 * .pi * u2)
    }
}
