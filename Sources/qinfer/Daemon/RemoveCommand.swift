// `qinfer rm NAME [--version V]`.
import ArgumentParser
import QInferClient
import QInferProtocol

struct DaemonRemove: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm", abstract: "Delete a model, or one of its versions, from a running qinferd's store (admin).")

    @Argument(help: "The model's name.") var name: String
    @Option(help: "Delete only this version (not the active one).") var version: String?
    @OptionGroup var daemon: DaemonOptions

    func validate() throws {
        try validateName(name, "model name")
        if let version { try validateName(version, "version") }
    }

    func run() throws {
        try daemon.perform { client in
            if let version {
                let (info, response) = try client.call(ModelInfo.self, DaemonRequest(.DELETE, APIPaths.version(name, version)))
                print(daemon.json ? response.text
                      : "deleted \(name) v\(version); versions left: \(info.versions.map(\.version).joined(separator: ", "))")
            } else {
                let response = try client.call(DaemonRequest(.DELETE, APIPaths.model(name)))
                print(daemon.json ? response.text : "deleted \(name)")
            }
        }
    }
}
