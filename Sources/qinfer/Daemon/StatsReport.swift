// The text `qinfer stats` prints and `qinfer top` refreshes: one row per model (latency percentiles, the mean time
// per phase, joules per inference), then the board's line (power source and reading, temperature, clock, throttling).
import QInferProtocol

enum StatsReport {
    static func render(_ stats: StatsResponse) -> String {
        var lines: [String] = []
        if stats.models.isEmpty {
            lines.append("no inference requests yet")
        } else {
            var table = TextTable([
                .init(title: "MODEL", alignment: .left), .init(title: "REQUESTS", alignment: .right),
                .init(title: "ERRORS", alignment: .right), .init(title: "P50 ms", alignment: .right),
                .init(title: "P90 ms", alignment: .right), .init(title: "P99 ms", alignment: .right),
                .init(title: "MAX ms", alignment: .right), .init(title: "QUEUE ms", alignment: .right),
                .init(title: "PREP ms", alignment: .right), .init(title: "COMPUTE ms", alignment: .right),
                .init(title: "mJ/INF", alignment: .right), .init(title: "mJ P50", alignment: .right),
                .init(title: "mJ >IDLE", alignment: .right), .init(title: "AVG W", alignment: .right),
            ])
            for m in stats.models {
                let l = m.latencyMicros, b = m.breakdownMicros, e = m.energy
                table.append([m.name, "\(m.count)", "\(m.errors)", milliseconds(l.p50), milliseconds(l.p90), milliseconds(l.p99),
                              milliseconds(l.max), b.map { milliseconds($0.queue) } ?? "-", b.map { milliseconds($0.preprocess) } ?? "-",
                              b.map { milliseconds($0.compute) } ?? "-", e.map { fixed($0.meanJoules * 1000, digits: 2) } ?? "-",
                              e.map { fixed($0.p50Joules * 1000, digits: 2) } ?? "-",
                              e.map { fixed($0.meanJoulesAboveIdle * 1000, digits: 2) } ?? "-",
                              e.map { fixed($0.averageWatts, digits: 2) } ?? "-"])
            }
            lines.append(table.render())
            if let e = stats.models.compactMap(\.energy).first {
                lines.append("energy: \(e.source)" + (e.estimated ? " — ESTIMATED from CPU time, not measured" : ""))
            }
        }
        lines.append("rejected (queue full or too many connections): \(stats.rejected)")
        if let board = stats.board { lines.append(describe(board)) }
        return lines.joined(separator: "\n")
    }

    /// `board rpi4: 3.42 W now (ina2xx-hwmon power1 (…)), idle 2.70 W · 51.3 °C · 1800 of 1800 MHz · not throttled`
    static func describe(_ b: BoardStatus) -> String {
        var parts: [String] = []
        if let w = b.powerWatts {
            parts.append("\(fixed(w, digits: 2)) W now (\(b.powerSource ?? "?")\(b.estimated ? ", estimated" : "")), idle \(fixed(b.idleWatts, digits: 2)) W")
        } else {
            parts.append("no power source")
        }
        let s = b.state
        if let t = s.temperatureC { parts.append("\(fixed(t, digits: 1)) °C") }
        if let f = s.cpuMHz { parts.append("\(Int(f.rounded()))" + (s.cpuMaxMHz.map { " of \(Int($0.rounded()))" } ?? "") + " MHz") }
        switch s.throttled {
        case true?: parts.append("THROTTLED" + (s.throttleReason.map { " (\($0))" } ?? ""))
        case false?: parts.append("not throttled")
        case nil: break
        }
        return "board \(b.board): " + parts.joined(separator: " · ")
    }
}
