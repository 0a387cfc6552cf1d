// `qinfer reload`: the API's SIGHUP.
import ArgumentParser
import QInferClient
import QInferProtocol

struct DaemonReload: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload", abstract: "Make a running qinferd read its configuration again (admin; like SIGHUP).")

    @OptionGroup var daemon: DaemonOptions

    func run() throws {
        try daemon.perform { client in
            let response = try client.call(DaemonRequest(.POST, APIPaths.reload, body: []))
            print(daemon.json ? response.text : "configuration reloaded")
        }
    }
}
