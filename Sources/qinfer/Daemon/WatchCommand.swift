// `qinfer watch SOURCE`: one live source's answers as they come (GET /v1/events, filtered to the source).
import ArgumentParser
import Foundation
import QInferClient
import QInferProtocol
import Synchronization

struct DaemonWatch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Follow one live source's results (label, score, latency, fps, drops), one line per answer.",
        discussion: "The source is a [[source]] table of qinferd.toml (GET /v1/sources lists them). Runs until qinferd stops, "
            + "Ctrl-C, or --count answers. --json prints the daemon's event lines of that source as they are.")

    @OptionGroup var daemon: DaemonOptions

    @Argument(help: ArgumentHelp("The source's name.", valueName: "source"))
    var source: String

    @Option(help: ArgumentHelp("Stop after this many answers.", valueName: "n"))
    var count: Int?

    func validate() throws {
        if let count, count < 1 { throw ValidationError("--count must be at least 1, got \(count)") }
        try validateName(source, "source")
    }

    func run() throws {
        let json = daemon.json, limit = count, name = source
        try daemon.perform { client in
            // A name that is not configured would wait forever for lines that never come: say so at once.
            let (list, _) = try client.call(SourceList.self, DaemonRequest(.GET, APIPaths.sources))
            guard list.sources.contains(where: { $0.name == name }) else {
                let known = list.sources.map(\.name).joined(separator: ", ")
                throw CLIError("qinferd has no source '\(name)' (\(known.isEmpty ? "no [[source]] tables in its configuration" : "sources: \(known)"))")
            }
            let progress = Mutex((seen: 0, dropped: Int?.none))
            try client.follow(DaemonRequest(.GET, APIPaths.events)) { line in
                guard let event = try? JSONDecoder().decode(InferResponse.self, from: Data(line.utf8)), let mark = event.source,
                      mark.name == name else { return true }
                let (n, droppedSince) = progress.withLock { p -> (Int, Int) in
                    defer { p.seen += 1; p.dropped = mark.dropped }
                    return (p.seen + 1, p.dropped.map { max(0, mark.dropped - $0) } ?? 0)
                }
                // Unbuffered, so a watcher piped into another program passes each answer on when it happens.
                let text = json ? line : Self.describe(event, mark: mark, droppedSince: droppedSince)
                FileHandle.standardOutput.write(Data((text + "\n").utf8))
                return limit.map { n < $0 } ?? true
            }
        }
    }

    /// `12:04:05.123 lidar bipointnet v1 dip 5.752 | 24.8 ms, 9.6 fps, 12 dropped`
    static func describe(_ e: InferResponse, mark: SourceMark, droppedSince: Int) -> String {
        let clock = ISO8601DateFormatter.string(from: Date(), timeZone: .current,
                                                formatOptions: [.withTime, .withColonSeparatorInTime, .withFractionalSeconds])
        let top = e.top.first.map { "\($0.label) \(fixed(Double($0.score), digits: 3))" } ?? "-"
        return "\(clock) \(mark.name) \(e.model) v\(e.version) \(top) | \(fixed(Double(e.telemetry.totalMicros) / 1000, digits: 1)) ms, "
            + "\(fixed(mark.fps, digits: 1)) fps, \(droppedSince) dropped"
    }
}
