import Histogram
import QInferProtocol

/// One model's figures for GET /v1/stats (all its versions together): counts, the HDR latency histogram behind the
/// p50/p90/p99 there, per-phase means and energy.
struct ModelTotals {
    var count = 0
    var errors = 0
    var latency = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
    var computeMicrosTotal = 0
    var queueMicrosTotal = 0
    var preprocessMicrosTotal = 0
    // Energy of the requests that had a measurement: an HDR histogram of microjoules for the median.
    var energyCount = 0
    var joulesTotal = 0.0
    var joulesAboveIdleTotal = 0.0
    var energySeconds = 0.0
    var microjoules = Histogram<UInt64>(highestTrackableValue: 1_000_000_000_000, numberOfSignificantValueDigits: .three)
    var energySource = ""
    var estimated = false

    /// Mutated in place in the stats' dictionary: a copy would duplicate both HDR histograms (~280 KB) per request.
    mutating func record(_ t: Telemetry) {
        count += 1
        computeMicrosTotal += t.computeMicros
        queueMicrosTotal += t.queueMicros
        preprocessMicrosTotal += t.preprocessMicros
        _ = latency.record(UInt64(max(t.totalMicros, 0)))
        if let energy = t.energy {
            energyCount += 1
            joulesTotal += energy.joules
            joulesAboveIdleTotal += energy.joulesAboveIdle
            energySeconds += Double(t.computeMicros) / 1e6
            _ = microjoules.record(UInt64(max(energy.joules * 1e6, 0).rounded()))
            energySource = energy.source
            estimated = energy.estimated
        }
    }

    func stats(name: String) -> ModelStats {
        let summary = latency.totalCount == 0 ? LatencySummary(p50: 0, p90: 0, p99: 0, max: 0)
            : LatencySummary(p50: Int(latency.valueAtPercentile(50)), p90: Int(latency.valueAtPercentile(90)),
                             p99: Int(latency.valueAtPercentile(99)), max: Int(latency.maxRecorded))
        let breakdown = count == 0 ? nil
            : LatencyBreakdown(queue: queueMicrosTotal / count, preprocess: preprocessMicrosTotal / count,
                               compute: computeMicrosTotal / count)
        let energy = energyCount == 0 ? nil
            : EnergyStats(count: energyCount, meanJoules: joulesTotal / Double(energyCount),
                          p50Joules: Double(microjoules.valueAtPercentile(50)) / 1e6,
                          meanJoulesAboveIdle: joulesAboveIdleTotal / Double(energyCount),
                          averageWatts: energySeconds > 0 ? joulesTotal / energySeconds : 0,
                          source: energySource, estimated: estimated)
        return ModelStats(name: name, count: count, errors: errors, latencyMicros: summary, breakdownMicros: breakdown,
                          energy: energy)
    }
}
