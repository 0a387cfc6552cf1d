// The two per-model tables of report.md: the variants' numbers, and the energy windows they came from (so a reader
// sees how long each window ran, what the idle power was and which source measured it).
enum SpeedupMarkdownTables {
    static func variants(_ run: SpeedupRun) -> [String] {
        guard !run.variants.isEmpty else { return ["No variant ran.", ""] }
        var out = ["| variant | threads | ISA | median µs | p99 µs | runs | inferences/s | peak RSS MB | mJ/inference | mJ above idle/inference |",
                   "|---|--:|---|--:|--:|--:|--:|--:|--:|--:|"]
        for (v, name) in zip(run.variants, run.displayNames()) {
            let f = SpeedupNumberFormat.self
            let mark = v.energy?.estimated == true ? " (estimated)" : ""
            let cells = [
                MarkdownText.escape(name), String(v.threads), v.isa.map(MarkdownText.escape) ?? "n/a",
                f.quantity(v.latency.medianMicros), f.quantity(v.latency.p99Micros), String(v.latency.runs),
                f.quantity(v.inferencesPerSecond), v.peakRSSBytes.map(f.megabytes) ?? "n/a",
                v.energy.map { f.millijoules($0.joulesPerInference) + mark } ?? "n/a",
                v.energy.map { f.millijoules($0.joulesAboveIdlePerInference) + mark } ?? "n/a",
            ]
            out.append("| " + cells.joined(separator: " | ") + " |")
        }
        out.append("")
        return out
    }

    static func energyWindows(_ run: SpeedupRun) -> [String] {
        let measured = zip(run.variants, run.displayNames()).filter { $0.0.energy != nil }
        guard !measured.isEmpty else { return ["No energy was measured for this model.", ""] }
        var out = ["Energy windows (back-to-back inferences; idle power measured just before each):", "",
                   "| variant | window s | inferences | average W | idle W | source |",
                   "|---|--:|--:|--:|--:|---|"]
        for (v, name) in measured {
            guard let e = v.energy else { continue }
            let f = SpeedupNumberFormat.self
            let source = MarkdownText.escape(e.source) + (e.estimated ? " (estimated from CPU time)" : "")
            let cells = [MarkdownText.escape(name), f.quantity(e.windowSeconds), String(e.inferences),
                         f.quantity(e.averageWatts), f.quantity(e.idleWatts), source]
            out.append("| " + cells.joined(separator: " | ") + " |")
        }
        out.append("")
        return out
    }
}
