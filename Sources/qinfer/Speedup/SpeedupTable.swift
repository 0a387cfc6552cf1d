// The terminal form of one model's `bench speedup` result.
import Foundation
import QInferReport

enum SpeedupTable {
    static func render(_ run: SpeedupRun) -> String {
        var table = TextTable([
            .init(title: "variant", alignment: .left), .init(title: "threads", alignment: .right),
            .init(title: "isa", alignment: .left), .init(title: "median µs", alignment: .right),
            .init(title: "p99 µs", alignment: .right), .init(title: "inf/s", alignment: .right),
            .init(title: "peak RSS MB", alignment: .right), .init(title: "mJ/inf", alignment: .right),
            .init(title: "mJ above idle", alignment: .right),
        ])
        for v in run.variants {
            table.append([v.name, "\(v.threads)", v.isa ?? "-", String(format: "%.1f", v.latency.medianMicros),
                          String(format: "%.1f", v.latency.p99Micros), String(format: "%.0f", v.inferencesPerSecond),
                          v.peakRSSBytes.map { String(format: "%.1f", Double($0) / 1e6) } ?? "-",
                          v.energy.map { String(format: "%.3f%@", $0.joulesPerInference * 1e3, $0.estimated ? "*" : "") } ?? "-",
                          v.energy.map { String(format: "%.3f", $0.joulesAboveIdlePerInference * 1e3) } ?? "-"])
        }
        var lines = ["\(run.model)", table.render()]
        for r in run.ratios {
            let name = run.variants.first { $0.kind == r.baseline }?.name ?? r.baseline.rawValue
            // The wording and rounding of report.md, so the terminal and the report agree.
            var line = "  \(SpeedupNumberFormat.ratio(r.latency))× " + (r.latency >= 1 ? "faster than" : "the speed (slower) of") + " the \(name)"
            if let e = r.energy {
                line += ", \(SpeedupNumberFormat.ratio(e))× " + (e >= 1 ? "less energy per inference" : "the energy (more) per inference")
            }
            lines.append(line)
        }
        if run.variants.contains(where: { $0.energy?.estimated == true }) {
            lines.append("  * energy from the CPU-time estimate, not a power sensor")
        }
        for m in run.missing { lines.append("  missing baseline — \(m)") }
        return lines.joined(separator: "\n") + "\n"
    }
}
