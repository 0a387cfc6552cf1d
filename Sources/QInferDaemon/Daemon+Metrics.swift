/// The one Prometheus exposition, answered by GET /v1/metrics on the API socket and by the metrics-only socket.
extension Daemon {
    public func metricsExposition() -> String {
        let board = self.board?.status()
        return PrometheusExposition(
            build: .init(version: Self.version, isa: DispatchedISA.name, board: board?.board ?? "none"),
            queueDepth: scheduler.load, inFlight: inFlightRequests, requests: stats.metricsSnapshot(), board: board
        ).text
    }
}
