// `qinfer health`: is qinferd live and ready.
import ArgumentParser
import Foundation
import QInferClient
import QInferProtocol

struct DaemonHealth: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health", abstract: "Ask a running qinferd whether it is live and ready (exit status 1 when not ready).")

    @OptionGroup var daemon: DaemonOptions

    func run() throws {
        try daemon.perform { client in
            let response = try client.send(DaemonRequest(.GET, APIPaths.health))
            // 503 carries the same body: live but not ready.
            guard response.status == 200 || response.status == 503,
                  let health = try? JSONDecoder().decode(Health.self, from: Data(response.body)) else {
                throw DaemonErrorResponse(response)
            }
            if daemon.json {
                print(response.text)
            } else {
                let uptime = Int(health.uptimeSeconds)
                print("qinferd \(health.version) at \(client.endpoint): \(health.live ? "live" : "not live"), "
                      + "\(health.ready ? "ready" : "not ready"); \(health.models) model(s); up "
                      + String(format: "%dh %02dm %02ds", uptime / 3600, uptime / 60 % 60, uptime % 60))
            }
            if !health.ready { throw CLIError("qinferd is not ready") }
        }
    }
}
