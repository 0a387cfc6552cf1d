// `qinfer push FILE.qpack`: upload a model version to a running qinferd.
import ArgumentParser
import QInferClient
import QInferModel
import QInferProtocol

struct DaemonPush: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract: "Upload a .qpack to a running qinferd as a new version of a model (admin).",
        discussion: "The daemon writes it to its store atomically after validating it; the first version of a model becomes active."
    )

    @Argument(help: "The .qpack file.") var file: String
    @Option(help: "The model's name (default: the name in the file's metadata).") var name: String?
    @Option(help: "The version (default: the version in the file's metadata).") var version: String?
    @Flag(help: "Make the uploaded version active.") var activate = false
    @OptionGroup var daemon: DaemonOptions

    func validate() throws {
        if let name { try validateName(name, "model name") }
        if let version { try validateName(version, "version") }
    }

    func run() throws {
        let bytes = try readFileBytes(file)
        let modelName = try name ?? metadataName()
        try daemon.perform { client in
            let (v, response) = try client.call(ModelVersionInfo.self,
                                                .install(modelName, version: version, activate: activate, qpack: bytes))
            if daemon.json { return print(response.text) }
            print("installed \(modelName) v\(v.version) (\(byteCount(v.bytes)), sha256 \(v.sha256.prefix(12))…): "
                  + (v.active ? "active" : "not active (qinfer activate \(modelName) \(v.version))"))
        }
    }

    /// The name in the file's metadata. Reading it validates the whole file here; --name leaves that to the daemon.
    private func metadataName() throws -> String {
        let modelName: String
        do { modelName = try PackedModel(path: file).metadata.name } catch {
            throw CLIError("\(file): \(error.message) (give --name to let the daemon judge the file)")
        }
        try validateName(modelName, "the file's model name")
        return modelName
    }
}
