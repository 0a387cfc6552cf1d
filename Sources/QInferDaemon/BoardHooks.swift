import QInferProtocol

/// The board's part in an inference, supplied by the executable (qinferd builds it from QInferBoard's power sampler,
/// thermal reader and GPIO lines). The daemon knows nothing of sysfs or GPIO; without hooks it reports no energy.
public protocol BoardHooks: Sendable {
    /// Runs one inference's compute (a board holds its busy line high around it).
    func aroundCompute<T>(_ body: () throws -> T) rethrows -> T
    /// Energy and board state for a compute window that just ended.
    func telemetry(from start: ContinuousClock.Instant, to end: ContinuousClock.Instant) -> (EnergyTelemetry?, BoardState?)
    /// Called with every successful answer, in completion order (result lines).
    func completed(_ response: InferResponse)
    /// Board-wide status for /v1/stats and /v1/metrics.
    func status() -> BoardStatus
}
