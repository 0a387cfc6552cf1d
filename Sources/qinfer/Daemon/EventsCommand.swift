// `qinfer events`: follows qinferd's event stream — one line per completed inference, as it happens.
import ArgumentParser
import Foundation
import QInferClient
import QInferProtocol
import Synchronization

struct DaemonEvents: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Follow the inferences a running qinferd completes (GET /v1/events), one line each.",
        discussion: "Runs until qinferd stops, Ctrl-C, or --count events. --json prints the daemon's NDJSON lines as they are.")

    @OptionGroup var daemon: DaemonOptions

    @Option(help: ArgumentHelp("Stop after this many events.", valueName: "n"))
    var count: Int?

    @Option(help: ArgumentHelp("Only events of this model.", valueName: "name"))
    var model: String?

    func validate() throws {
        if let count, count < 1 { throw ValidationError("--count must be at least 1, got \(count)") }
        if let model { try validateName(model, "--model") }
    }

    func run() throws {
        let json = daemon.json, limit = count, only = model
        let seen = Mutex(0)
        try daemon.perform { client in
            try client.follow(DaemonRequest(.GET, APIPaths.events)) { line in
                let event = try? JSONDecoder().decode(InferResponse.self, from: Data(line.utf8))
                if let only, event?.model != only { return true }
                // A line this qinfer cannot read is shown as it is. Written unbuffered: a follower piped into another
                // program must pass each event on when it happens.
                let text = (json ? nil : event.map(Self.describe)) ?? line
                FileHandle.standardOutput.write(Data((text + "\n").utf8))
                let n = seen.withLock { n in n += 1; return n }
                return limit.map { n < $0 } ?? true
            }
        }
    }

    /// `12:04:05.123 irnet v1 Sneaker 0.97 | queue 12 µs, preprocess 80 µs, compute 1210 µs, total 1330 µs`
    static func describe(_ e: InferResponse) -> String {
        let now = Date()
        let clock = ISO8601DateFormatter.string(from: now, timeZone: .current, formatOptions: [.withTime, .withColonSeparatorInTime,
                                                                                                 .withFractionalSeconds])
        let top = e.top.first.map { "\($0.label) \(fixed(Double($0.score), digits: 3))" } ?? "-"
        let t = e.telemetry
        return "\(clock) \(e.model) v\(e.version) \(top) | queue \(t.queueMicros) µs, preprocess \(t.preprocessMicros) µs, "
            + "compute \(t.computeMicros) µs, total \(t.totalMicros) µs"
    }
}
