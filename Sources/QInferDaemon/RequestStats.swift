import Foundation
import Histogram
import QInferProtocol
import Synchronization

/// Per-model request counts and an HDR histogram of end-to-end latency (µs), for /v1/stats and /v1/metrics.
public final class RequestStats: Sendable {
    struct Entry {
        var count = 0
        var errors = 0
        var latency = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
        var computeMicrosTotal = 0
        var latencyMicrosTotal = 0
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
    }
    private let entries = Mutex<[String: Entry]>([:])
    private let rejectedCount = Atomic<Int>(0)

    public init() {}

    public func recordSuccess(model: String, telemetry t: Telemetry) {
        entries.withLock { e in
            var m = e[model] ?? Entry()
            m.count += 1
            m.computeMicrosTotal += t.computeMicros
            m.queueMicrosTotal += t.queueMicros
            m.preprocessMicrosTotal += t.preprocessMicros
            m.latencyMicrosTotal += max(t.totalMicros, 0)
            _ = m.latency.record(UInt64(max(t.totalMicros, 0)))
            if let energy = t.energy {
                m.energyCount += 1
                m.joulesTotal += energy.joules
                m.joulesAboveIdleTotal += energy.joulesAboveIdle
                m.energySeconds += Double(t.computeMicros) / 1e6
                _ = m.microjoules.record(UInt64(max(energy.joules * 1e6, 0).rounded()))
                m.energySource = energy.source
                m.estimated = energy.estimated
            }
            e[model] = m
        }
    }

    public func recordError(model: String) { entries.withLock { $0[model, default: Entry()].errors += 1 } }

    /// A request refused before it reached a model (queue full, too many connections).
    public func recordRejected() { rejectedCount.add(1, ordering: .relaxed) }

    public var rejected: Int { rejectedCount.load(ordering: .relaxed) }

    public var served: Int { entries.withLock { $0.values.reduce(0) { $0 + $1.count } } }

    public func snapshot(board: BoardStatus? = nil) -> StatsResponse { entries.withLock { summary(of: $0, board: board) } }

    private func summary(of e: [String: Entry], board: BoardStatus?) -> StatsResponse {
        StatsResponse(models: e.keys.sorted().map { name in
            let m = e[name]!
            let h = m.latency
            let summary = h.totalCount == 0 ? LatencySummary(p50: 0, p90: 0, p99: 0, max: 0)
                : LatencySummary(p50: Int(h.valueAtPercentile(50)), p90: Int(h.valueAtPercentile(90)),
                                 p99: Int(h.valueAtPercentile(99)), max: Int(h.maxRecorded))
            let breakdown = m.count == 0 ? nil
                : LatencyBreakdown(queue: m.queueMicrosTotal / m.count, preprocess: m.preprocessMicrosTotal / m.count,
                                   compute: m.computeMicrosTotal / m.count)
            let energy = m.energyCount == 0 ? nil
                : EnergyStats(count: m.energyCount, meanJoules: m.joulesTotal / Double(m.energyCount),
                              p50Joules: Double(m.microjoules.valueAtPercentile(50)) / 1e6,
                              meanJoulesAboveIdle: m.joulesAboveIdleTotal / Double(m.energyCount),
                              averageWatts: m.energySeconds > 0 ? m.joulesTotal / m.energySeconds : 0,
                              source: m.energySource, estimated: m.estimated)
            return ModelStats(name: name, count: m.count, errors: m.errors, latencyMicros: summary, breakdownMicros: breakdown,
                              energy: energy)
        }, rejected: rejected, board: board)
    }

    /// Prometheus text exposition format (version 0.0.4).
    public func prometheus(board: BoardStatus? = nil) -> String {
        // Everything read under one lock, so every count, sum and quantile below comes from the same instant (and no
        // reference to the entries outlives the lock, which would make the next inference copy the histograms).
        typealias Sums = (latency: Int, phases: [(String, Int)], joules: Double, joulesAboveIdle: Double)
        let (s, totals) = entries.withLock { e -> (StatsResponse, [String: Sums]) in
            (summary(of: e, board: board), e.mapValues {
                ($0.latencyMicrosTotal, [("queue", $0.queueMicrosTotal), ("preprocess", $0.preprocessMicrosTotal),
                                         ("compute", $0.computeMicrosTotal)], $0.joulesTotal, $0.joulesAboveIdleTotal)
            })
        }
        var out = """
        # HELP qinferd_requests_total Inference requests served, by model.
        # TYPE qinferd_requests_total counter

        """
        for m in s.models { out += "qinferd_requests_total{model=\"\(Self.escape(m.name))\"} \(m.count)\n" }
        out += "# HELP qinferd_request_errors_total Inference requests that failed, by model.\n# TYPE qinferd_request_errors_total counter\n"
        for m in s.models { out += "qinferd_request_errors_total{model=\"\(Self.escape(m.name))\"} \(m.errors)\n" }
        out += "# HELP qinferd_request_latency_microseconds End-to-end inference latency quantiles.\n# TYPE qinferd_request_latency_microseconds summary\n"
        for m in s.models {
            let n = Self.escape(m.name)
            for (q, v) in [("0.5", m.latencyMicros.p50), ("0.9", m.latencyMicros.p90), ("0.99", m.latencyMicros.p99)] {
                out += "qinferd_request_latency_microseconds{model=\"\(n)\",quantile=\"\(q)\"} \(v)\n"
            }
            out += "qinferd_request_latency_microseconds_sum{model=\"\(n)\"} \(totals[m.name]?.latency ?? 0)\n"
            out += "qinferd_request_latency_microseconds_count{model=\"\(n)\"} \(m.count)\n"
        }
        out += "# HELP qinferd_rejected_total Requests refused because the queue or connection limit was reached.\n# TYPE qinferd_rejected_total counter\n"
        out += "qinferd_rejected_total \(s.rejected)\n"
        out += "# HELP qinferd_request_phase_microseconds_sum Time spent per phase of successful requests.\n# TYPE qinferd_request_phase_microseconds_sum counter\n"
        for m in s.models {
            for (phase, v) in totals[m.name]?.phases ?? [] {
                out += "qinferd_request_phase_microseconds_sum{model=\"\(Self.escape(m.name))\",phase=\"\(phase)\"} \(v)\n"
            }
        }
        let energies = s.models.compactMap { m in m.energy.map { (m.name, $0) } }
        if !energies.isEmpty {
            out += "# HELP qinferd_inference_energy_joules Energy per inference over its compute window.\n# TYPE qinferd_inference_energy_joules summary\n"
            for (name, e) in energies {
                let n = Self.escape(name), source = Self.escape(e.source)
                out += "qinferd_inference_energy_joules{model=\"\(n)\",source=\"\(source)\",estimated=\"\(e.estimated)\",quantile=\"0.5\"} \(e.p50Joules)\n"
                out += "qinferd_inference_energy_joules_sum{model=\"\(n)\",source=\"\(source)\",estimated=\"\(e.estimated)\"} \(totals[name]?.joules ?? 0)\n"
                out += "qinferd_inference_energy_joules_count{model=\"\(n)\",source=\"\(source)\",estimated=\"\(e.estimated)\"} \(e.count)\n"
            }
            out += "# HELP qinferd_inference_energy_above_idle_joules_total Energy above the board's idle power, summed over inferences.\n"
            out += "# TYPE qinferd_inference_energy_above_idle_joules_total counter\n"
            for (name, _) in energies {
                out += "qinferd_inference_energy_above_idle_joules_total{model=\"\(Self.escape(name))\"} \(totals[name]?.joulesAboveIdle ?? 0)\n"
            }
        }
        if let board {
            let b = Self.escape(board.board)
            if let w = board.powerWatts {
                out += "# HELP qinferd_power_watts The board's latest power reading.\n# TYPE qinferd_power_watts gauge\n"
                out += "qinferd_power_watts{board=\"\(b)\",source=\"\(Self.escape(board.powerSource ?? ""))\",estimated=\"\(board.estimated)\"} \(w)\n"
            }
            if let t = board.state.temperatureC {
                out += "# HELP qinferd_cpu_temperature_celsius The hottest configured thermal zone.\n# TYPE qinferd_cpu_temperature_celsius gauge\n"
                out += "qinferd_cpu_temperature_celsius{board=\"\(b)\"} \(t)\n"
            }
            if let f = board.state.cpuMHz {
                out += "# HELP qinferd_cpu_frequency_hertz The CPU clock (cpufreq scaling_cur_freq).\n# TYPE qinferd_cpu_frequency_hertz gauge\n"
                out += "qinferd_cpu_frequency_hertz{board=\"\(b)\"} \(Int64((f * 1e6).rounded()))\n"
            }
            if let t = board.state.throttled {
                out += "# HELP qinferd_throttled 1 while the CPU runs below its maximum clock or the firmware reports throttling.\n"
                out += "# TYPE qinferd_throttled gauge\nqinferd_throttled{board=\"\(b)\"} \(t ? 1 : 0)\n"
            }
        }
        return out
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }
}
