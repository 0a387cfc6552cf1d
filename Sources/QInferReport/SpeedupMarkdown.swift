// report.md: what a board owner shares. Everything a reader needs to trust the numbers is on the page — the board and
// its state before and after, the exact commands, every variant's numbers, the ratios in words, what did not run and
// how to add it — and every number is report.json's, rounded only as SpeedupNumberFormat says.
import Foundation

/// Renders a SpeedupReport as GitHub-flavoured markdown.
public enum SpeedupMarkdown {
    /// - Parameter chartFile: the chart's path relative to report.md.
    public static func render(_ report: SpeedupReport, chartFile: String = SpeedupReportWriter.chartFile) -> String {
        var out: [String] = []
        out.append("# Speedups: packed model vs FP32")
        out.append("")
        out.append("Measured \(report.createdAt.formatted(.iso8601)) on \(MarkdownText.escape(report.before.board)) "
                   + "by `qinfer bench speedup`. report.json beside this file holds the same numbers unrounded.")
        out.append("")
        out.append("![chart](\(chartFile))")
        out.append("")
        out += boardSection(report)
        out += commandsSection(report.commands)
        for run in report.runs { out += modelSection(run) }
        if report.runs.isEmpty {
            out.append("No model was measured.")
            out.append("")
        }
        out += roundingNote()
        return out.joined(separator: "\n")
    }

    private static func boardSection(_ report: SpeedupReport) -> [String] {
        let b = report.before, a = report.after
        func row(_ name: String, _ x: String, _ y: String) -> String { "| \(name) | \(x) | \(y) |" }
        func text(_ s: String?) -> String { s.map(MarkdownText.escape) ?? "unknown" }
        func temperature(_ t: Double?) -> String { t.map { "\(SpeedupNumberFormat.celsius($0)) °C" } ?? "unknown" }
        func throttled(_ t: Bool?) -> String { t.map { $0 ? "**yes**" : "no" } ?? "unknown" }
        var out = ["## Board", "", "| | before | after |", "|---|---|---|",
                   row("board", text(b.board), text(a.board)),
                   row("CPU", text(b.cpu), text(a.cpu)),
                   row("kernel", text(b.kernel), text(a.kernel)),
                   row("governor", text(b.governor), text(a.governor)),
                   row("temperature", temperature(b.temperatureCelsius), temperature(a.temperatureCelsius)),
                   row("throttled", throttled(b.throttled), throttled(a.throttled)),
                   ""]
        let warnings = report.boardWarnings
        if warnings.isEmpty {
            out.append(b.throttled == nil && a.throttled == nil
                       ? "This board reports no throttling flag; check the temperatures above."
                       : "The board did not throttle before or after the run.")
        } else {
            for (i, warning) in warnings.enumerated() {
                if i > 0 { out.append(">") }
                out.append("> **⚠ \(MarkdownText.escape(warning))**")
            }
        }
        out.append("")
        return out
    }

    private static func commandsSection(_ commands: [String]) -> [String] {
        guard !commands.isEmpty else { return [] }
        let body = commands.joined(separator: "\n")
        let fence = MarkdownText.fence(for: body)
        return ["## Commands", "", fence + "sh", body, fence, ""]
    }

    private static func modelSection(_ run: SpeedupRun) -> [String] {
        var out = ["## Model: \(MarkdownText.escape(run.model))", ""]
        out += SpeedupMarkdownTables.variants(run)
        out += SpeedupMarkdownTables.energyWindows(run)
        out += ratios(run)
        out += missing(run)
        return out
    }

    private static func ratios(_ run: SpeedupRun) -> [String] {
        guard !run.ratios.isEmpty else { return [] }
        let packed = run.variant(for: .packed).map { MarkdownText.escape($0.name) } ?? "The packed model"
        var out = ["**Ratios.** \(packed) against each baseline (above 1× the packed model wins):", ""]
        for ratio in run.ratios {
            let baseline = MarkdownText.escape(run.variant(for: ratio.baseline)?.name ?? ratio.baseline.label)
            var parts = ["**\(SpeedupNumberFormat.ratio(ratio.latency))×** " + (ratio.latency >= 1 ? "faster" : "the speed (slower)")]
            if let energy = ratio.energy {
                parts.append("**\(SpeedupNumberFormat.ratio(energy))×** " + (energy >= 1 ? "less energy" : "the energy (more)"))
            } else {
                parts.append("energy n/a")
            }
            if let above = ratio.energyAboveIdle {
                parts.append("\(SpeedupNumberFormat.ratio(above))× " + (above >= 1 ? "less energy above idle" : "the energy above idle (more)"))
            }
            out.append("- vs \(baseline): " + parts.joined(separator: ", "))
        }
        out.append("")
        return out
    }

    private static func missing(_ run: SpeedupRun) -> [String] {
        guard !run.missing.isEmpty else { return ["Missing baselines: none, every baseline ran.", ""] }
        return ["**Missing baselines** (not measured; how to add each):", ""]
            + run.missing.map { "- " + MarkdownText.escapeKeepingCode($0) } + [""]
    }

    private static func roundingNote() -> [String] {
        ["---", "",
         "Rounding: times, rates, memory (MB = 10⁶ bytes), energy (mJ) and power to 4 significant digits; ratios to "
         + "1 decimal (3 significant digits below 1); temperatures to 0.1 °C. \"estimated\": the energy comes from the "
         + "CPU-time model, not a power sensor.", ""]
    }
}
