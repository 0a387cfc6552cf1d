/// A classic Prometheus histogram with a fixed layout: one count per bucket (not cumulative; the exposition sums
/// them) plus the overflow above the last bound, the sum and the count. Its storage is allocated once, when a
/// series first appears; recording allocates nothing.
struct FixedHistogram: Sendable {
    let layout: BucketLayout
    /// counts[i] = observations in (bounds[i-1], bounds[i]]; counts[bounds.count] = those above the last bound.
    private(set) var counts: [UInt64]
    private(set) var sum = 0.0
    private(set) var count: UInt64 = 0

    init(_ layout: BucketLayout) {
        self.layout = layout
        counts = [UInt64](repeating: 0, count: layout.bounds.count + 1)
    }

    mutating func record(_ value: Double) {
        // Bounds are inclusive upper edges (Prometheus `le`); a NaN lands in +Inf and poisons the sum, as it should.
        var low = 0, high = layout.bounds.count
        while low < high {
            let mid = (low + high) / 2
            if value <= layout.bounds[mid] { high = mid } else { low = mid + 1 }
        }
        counts[low] += 1
        sum += value
        count += 1
    }

    /// (upper bound, cumulative count) per bucket, ending with (+Inf, count).
    var cumulative: [(bound: Double, count: UInt64)] {
        var running: UInt64 = 0
        return counts.indices.map { i in
            running += counts[i]
            return (i < layout.bounds.count ? layout.bounds[i] : .infinity, running)
        }
    }

    /// A copy with storage of its own, so a scrape holding it never makes the next recording copy the counts.
    func detached() -> FixedHistogram {
        var copy = self
        copy.counts = counts.withUnsafeBufferPointer { Array($0) }
        return copy
    }
}
