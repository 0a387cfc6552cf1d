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
    }
    private let entries = Mutex<[String: Entry]>([:])
    private let rejectedCount = Atomic<Int>(0)

    public init() {}

    public func recordSuccess(model: String, totalMicros: Int, computeMicros: Int) {
        entries.withLock { e in
            e[model, default: Entry()].count += 1
            e[model]!.computeMicrosTotal += computeMicros
            e[model]!.latencyMicrosTotal += max(totalMicros, 0)
            _ = e[model]!.latency.record(UInt64(max(totalMicros, 0)))
        }
    }

    public func recordError(model: String) { entries.withLock { $0[model, default: Entry()].errors += 1 } }

    /// A request refused before it reached a model (queue full, too many connections).
    public func recordRejected() { rejectedCount.add(1, ordering: .relaxed) }

    public var rejected: Int { rejectedCount.load(ordering: .relaxed) }

    public var served: Int { entries.withLock { $0.values.reduce(0) { $0 + $1.count } } }

    public func snapshot() -> StatsResponse {
        entries.withLock { e in
            StatsResponse(models: e.keys.sorted().map { name in
                let h = e[name]!.latency
                let summary = h.totalCount == 0 ? LatencySummary(p50: 0, p90: 0, p99: 0, max: 0)
                    : LatencySummary(p50: Int(h.valueAtPercentile(50)), p90: Int(h.valueAtPercentile(90)),
                                     p99: Int(h.valueAtPercentile(99)), max: Int(h.maxRecorded))
                return ModelStats(name: name, count: e[name]!.count, errors: e[name]!.errors, latencyMicros: summary)
            }, rejected: rejected)
        }
    }

    /// Prometheus text exposition format (version 0.0.4).
    public func prometheus() -> String {
        let s = snapshot()
        let sums = entries.withLock { $0.mapValues(\.latencyMicrosTotal) }
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
            out += "qinferd_request_latency_microseconds_sum{model=\"\(n)\"} \(sums[m.name] ?? 0)\n"
            out += "qinferd_request_latency_microseconds_count{model=\"\(n)\"} \(m.count)\n"
        }
        out += "# HELP qinferd_rejected_total Requests refused because the queue or connection limit was reached.\n# TYPE qinferd_rejected_total counter\n"
        out += "qinferd_rejected_total \(s.rejected)\n"
        return out
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }
}
