// `qinfer activate NAME VERSION`.
import ArgumentParser
import QInferClient
import QInferProtocol

struct DaemonActivate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "activate", abstract: "Make a version of a model the one a running qinferd serves (admin).")

    @Argument(help: "The model's name.") var name: String
    @Argument(help: "The version.") var version: String
    @OptionGroup var daemon: DaemonOptions

    func validate() throws {
        try validateName(name, "model name")
        try validateName(version, "version")
    }

    func run() throws {
        try daemon.perform { client in
            let (info, response) = try client.call(ModelInfo.self, .activate(name, version: version))
            print(daemon.json ? response.text : info.activeLine("active"))
        }
    }
}
