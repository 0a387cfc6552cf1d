import QInferProtocol

/// Which model version served a request: the labels of the per-model Prometheus series.
struct ServedKey: Hashable, Comparable, Sendable {
    let model: String
    let version: String

    static func < (a: ServedKey, b: ServedKey) -> Bool { (a.model, a.version) < (b.model, b.version) }
}

/// Everything /metrics reports for one model version: requests, end-to-end latency and energy histograms, time per
/// phase and energy above idle. Fixed size (two bucket arrays), so a long-running daemon's memory grows only with the
/// number of versions it has served, not with requests.
struct ServedSeries: Sendable {
    private(set) var requests: UInt64 = 0
    private(set) var latency = FixedHistogram(.latencySeconds)
    /// Whole microseconds per phase, summed as integers so the totals stay exact however long the daemon runs.
    private(set) var queueMicros: UInt64 = 0
    private(set) var preprocessMicros: UInt64 = 0
    private(set) var computeMicros: UInt64 = 0
    /// Only requests that had an energy measurement (a board with a power source).
    private(set) var energy = FixedHistogram(.energyJoules)
    private(set) var joulesAboveIdle = 0.0

    mutating func record(_ t: Telemetry) {
        requests += 1
        latency.record(Double(max(t.totalMicros, 0)) / 1e6)
        queueMicros += UInt64(max(t.queueMicros, 0))
        preprocessMicros += UInt64(max(t.preprocessMicros, 0))
        computeMicros += UInt64(max(t.computeMicros, 0))
        if let e = t.energy {
            energy.record(e.joules)
            joulesAboveIdle += e.joulesAboveIdle
        }
    }

    /// Phase name (the `phase` label) and its total in seconds.
    var phaseSeconds: [(phase: String, seconds: Double)] {
        [("queue", Double(queueMicros) / 1e6), ("preprocess", Double(preprocessMicros) / 1e6),
         ("compute", Double(computeMicros) / 1e6)]
    }

    func detached() -> ServedSeries {
        var copy = self
        copy.latency = latency.detached()
        copy.energy = energy.detached()
        return copy
    }
}
