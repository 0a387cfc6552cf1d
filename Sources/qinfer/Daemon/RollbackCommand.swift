// `qinfer rollback NAME`.
import ArgumentParser
import QInferClient
import QInferProtocol

struct DaemonRollback: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback", abstract: "Make a model's previous version active again on a running qinferd (admin).")

    @Argument(help: "The model's name.") var name: String
    @OptionGroup var daemon: DaemonOptions

    func validate() throws { try validateName(name, "model name") }

    func run() throws {
        try daemon.perform { client in
            let (info, response) = try client.call(ModelInfo.self, DaemonRequest(.POST, APIPaths.rollback(name), body: []))
            print(daemon.json ? response.text : info.activeLine("rolled back to"))
        }
    }
}
