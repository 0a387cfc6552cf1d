import QInferProtocol
import Synchronization

/// Per-model request statistics: totals and HDR percentiles for GET /v1/stats, and per model version the fixed-bucket
/// series GET /metrics exposes (Metrics/).
public final class RequestStats: Sendable {
    private struct State {
        var models: [String: ModelTotals] = [:]
        var served: [ServedKey: ServedSeries] = [:]
    }
    private let state = Mutex(State())
    private let rejectedCount = Atomic<Int>(0)

    public init() {}

    /// A request `version` of `model` answered.
    public func recordSuccess(model: String, version: String, telemetry t: Telemetry) {
        state.withLock { s in
            // Both mutate in place (the default-subscript's accessor), so a request copies no histogram.
            s.models[model, default: ModelTotals()].record(t)
            s.served[ServedKey(model: model, version: version), default: ServedSeries()].record(t)
        }
    }

    public func recordError(model: String) { state.withLock { $0.models[model, default: ModelTotals()].errors += 1 } }

    /// A request refused before it reached a model (queue full, too many connections).
    public func recordRejected() { rejectedCount.add(1, ordering: .relaxed) }

    public var rejected: Int { rejectedCount.load(ordering: .relaxed) }

    public var served: Int { state.withLock { $0.models.values.reduce(0) { $0 + $1.count } } }

    public func snapshot(board: BoardStatus? = nil) -> StatsResponse {
        let models = state.withLock { s in s.models.keys.sorted().map { s.models[$0]!.stats(name: $0) } }
        return StatsResponse(models: models, rejected: rejected, board: board)
    }

    /// Everything /metrics reports from the requests, read under one lock so counts, buckets and sums agree. The
    /// series are copied out (detached) so the next request does not copy them instead.
    func metricsSnapshot() -> MetricsSnapshot {
        state.withLock { s in
            MetricsSnapshot(errors: s.models.keys.sorted().map { ($0, s.models[$0]!.errors) },
                            served: s.served.keys.sorted().map { ($0, s.served[$0]!.detached()) },
                            rejected: rejected)
        }
    }
}

/// The request side of the exposition at one instant.
struct MetricsSnapshot: Sendable {
    var errors: [(model: String, count: Int)]
    var served: [(key: ServedKey, series: ServedSeries)]
    var rejected: Int
}
