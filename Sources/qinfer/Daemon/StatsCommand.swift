// `qinfer stats`: the daemon's per-model statistics and the board's line, once (`qinfer top` redraws them).
import ArgumentParser
import QInferClient
import QInferProtocol

struct DaemonStats: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Requests, errors, latency, energy per inference and the board's power, temperature and clock, per model.")

    @OptionGroup var daemon: DaemonOptions

    func run() throws {
        try daemon.perform { client in
            let (stats, response) = try client.call(StatsResponse.self, DaemonRequest(.GET, APIPaths.stats))
            print(daemon.json ? response.text : StatsReport.render(stats))
        }
    }
}
