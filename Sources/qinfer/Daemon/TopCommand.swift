// `qinfer top`: `qinfer stats` redrawn every interval, with the requests per second since the previous screen.
import ArgumentParser
import Foundation
import QInferClient
import QInferModel
import QInferProtocol

struct DaemonTop: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "top",
        abstract: "Show qinfer stats live: redrawn every --interval seconds until Ctrl-C (or --count screens).")

    @OptionGroup var daemon: DaemonOptions

    @Option(help: ArgumentHelp("Seconds between screens.", valueName: "s"))
    var interval: Double = 1

    @Option(help: ArgumentHelp("Stop after this many screens.", valueName: "n"))
    var count: Int?

    func validate() throws {
        guard interval.isFinite, interval >= 0.1, interval <= 3600 else { throw ValidationError("--interval must be 0.1…3600 seconds, got \(interval)") }
        if let count, count < 1 { throw ValidationError("--count must be at least 1, got \(count)") }
        if daemon.json { throw ValidationError("--json does not apply to top; use `qinfer stats --json`") }
    }

    func run() throws {
        let tty = isatty(STDOUT_FILENO) != 0
        var previous: (at: ContinuousClock.Instant, counts: [String: Int])?
        var screen = 0
        try daemon.perform { client in
            while count.map({ screen < $0 }) ?? true {
                let stats = try client.call(StatsResponse.self, DaemonRequest(.GET, APIPaths.stats)).0
                let now = ContinuousClock.now
                var text = StatsReport.render(stats)
                if let previous {
                    let seconds = (now - previous.at).seconds
                    let rates = stats.models.map { m in "\(m.name) \(fixed(Double(m.count - (previous.counts[m.name] ?? 0)) / seconds, digits: 1))/s" }
                    if !rates.isEmpty { text += "\nrequests per second: " + rates.joined(separator: ", ") }
                }
                previous = (now, Dictionary(stats.models.map { ($0.name, $0.count) }, uniquingKeysWith: { a, _ in a }))
                let clock = ISO8601DateFormatter.string(from: Date(), timeZone: .current, formatOptions: [.withTime, .withColonSeparatorInTime])
                // On a terminal: clear and redraw in place; piped: one screen after another, separated.
                let header = "qinferd on \(client.endpoint) — \(clock)\n"
                FileHandle.standardOutput.write(Data(((tty ? "\u{1B}[H\u{1B}[2J" : (screen > 0 ? "\n" : "")) + header + text + "\n").utf8))
                screen += 1
                if count.map({ screen >= $0 }) ?? false { break }
                Thread.sleep(forTimeInterval: interval)
            }
        }
    }
}
