/// Upper bounds (inclusive, base units) of a classic Prometheus histogram's buckets, ascending; +Inf is implicit.
/// Written as decimal literals so each `le` label reads back exactly as written.
struct BucketLayout: Sendable {
    let bounds: [Double]

    /// End-to-end latency, 100 µs to 10 s in 16 buckets. histogram_quantile interpolates linearly inside a bucket, so
    /// its error is bounded by the bucket's width: with 1-2.5-5 steps no bucket spans more than a factor 2.5, the same
    /// relative resolution for a 0.2 ms BiPointNet answer on a Pi 5 as for a multi-second PNG decode on a 3B+.
    /// A factor-2 series would resolve slightly finer with 18 buckets, but its edges (0.0016384 s) cannot be typed
    /// into an SLO query; these are round (le="0.001"), and from 5 ms up they are client_golang's DefBuckets, so
    /// dashboards built for other services line up.
    static let latencySeconds = BucketLayout(bounds: [
        0.0001, 0.00025, 0.0005,
        0.001, 0.0025, 0.005,
        0.01, 0.025, 0.05,
        0.1, 0.25, 0.5,
        1, 2.5, 5,
        10,
    ])

    /// Energy of one inference's compute window, 1 µJ to 10 J in 22 buckets: a sub-millisecond binary network on a
    /// 3 W board is a few hundred µJ, a large IR-Net frame on a loaded Jetson a few J. Same 1-2.5-5 steps and reasons
    /// as the latency buckets.
    static let energyJoules = BucketLayout(bounds: [
        0.000001, 0.0000025, 0.000005,
        0.00001, 0.000025, 0.00005,
        0.0001, 0.00025, 0.0005,
        0.001, 0.0025, 0.005,
        0.01, 0.025, 0.05,
        0.1, 0.25, 0.5,
        1, 2.5, 5,
        10,
    ])
}
