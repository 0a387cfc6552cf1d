// `qinfer push FILE.qpack`: upload a model version to a running qinferd, optionally activating it and checking it
// with a known input (rolling back when the check fails).
import ArgumentParser
import Foundation
import QInferClient
import QInferModel
import QInferProtocol

struct DaemonPush: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract: "Upload a .qpack to a running qinferd as a new version of a model (admin).",
        discussion: """
        The daemon writes it to its store atomically after validating it; the first version of a model becomes active. \
        An upload cut short (the connection or ssh gone) leaves the store unchanged. On a terminal, a progress line \
        (bytes, rate, time left) is shown on stderr.

        With --verify INPUT --expect LABEL (implies --activate), the new version is activated, INPUT is run on it and \
        the daemon's health is checked; if the top label is not LABEL, the inference fails or qinferd is not ready, the \
        previously active version is activated again and the new one deleted (a model's first version: the model is \
        deleted), and the command exits with status 3.

        Exit status: 0 installed (and verified); 3 verification failed and the store was restored; 1 any other error \
        (nothing installed, or verification failed and restoring failed too).
        """
    )

    /// The exit status of a verification that failed and was rolled back (scripts and tools/ansible test for it).
    static let verificationFailedStatus: Int32 = 3

    @Argument(help: "The .qpack file.") var file: String
    @Option(help: "The model's name (default: the name in the file's metadata).") var name: String?
    @Option(help: "The version (default: the version in the file's metadata).") var version: String?
    @Flag(help: "Make the uploaded version active.") var activate = false
    @Option(help: ArgumentHelp("After activating, run this input file (any format `qinfer infer` takes) and roll back unless "
                               + "the top label is --expect's.", valueName: "input"))
    var verify: String?
    @Option(help: ArgumentHelp("The top label --verify's input must get.", valueName: "label")) var expect: String?
    @Option(name: .customLong("verify-format"),
            help: ArgumentHelp("--verify's input format when its extension does not say (as infer's --format).", valueName: "format"))
    var verifyFormat: String?
    @Option(name: .customLong("verify-shape"), help: ArgumentHelp("Shape of a raw .f32 --verify input, e.g. 1024,3.", valueName: "shape"))
    var verifyShape: String?
    @OptionGroup var daemon: DaemonOptions

    func validate() throws {
        if let name { try validateName(name, "model name") }
        if let version { try validateName(version, "version") }
        if verify != nil && expect == nil { throw ValidationError("--verify needs --expect LABEL: the label its input must get") }
        if expect != nil && verify == nil { throw ValidationError("--expect needs --verify INPUT: the input to run") }
        if let expect, expect.isEmpty { throw ValidationError("--expect needs a label") }
        if verify == nil && (verifyFormat != nil || verifyShape != nil) {
            throw ValidationError("--verify-format and --verify-shape describe --verify's input; give --verify")
        }
    }

    func run() throws {
        let bytes = try readFileBytes(file)
        let modelName = try name ?? metadataName()
        // The check's request is built before anything is uploaded: an unreadable input must not leave a pushed version.
        let verification = try verify.map { input in
            PushVerification(request: try DaemonInfer.request(
                model: modelName, file: input, bytes: try readFileBytes(input), format: verifyFormat, shape: verifyShape,
                shapeOption: "--verify-shape", options: InferenceOptions(topK: 1)), expected: expect ?? "")
        }
        try daemon.perform { client in
            let baseline = try verification.map { _ in try PushBaseline.read(client, model: modelName) }
            let (installed, response) = try upload(client, modelName, bytes, activate: activate || verification != nil)
            guard let verification, let baseline else {
                if daemon.json { return print(response.text) }
                return print(describe(installed, modelName))
            }
            if !daemon.json { print(describe(installed, modelName)) }
            switch verification.run(client, installed: installed.version) {
            case .verified(let top, let micros):
                let line = "verified: \(top.label) (\(fixed(Double(top.score), digits: 4))) in \(micros) µs"
                print(daemon.json ? try report(response, ["verified": true, "label": top.label, "score": Double(top.score), "total_us": micros]) : line)
            case .failed(let reason):
                let restored: String
                do { restored = try baseline.restore(client, model: modelName, installed: installed.version) } catch {
                    throw CLIError("verification failed: \(reason); restoring the store failed too: \(error); "
                                   + "check `qinfer models \(modelName)` and activate the right version")
                }
                if daemon.json { print(try report(response, ["verified": false, "reason": reason, "restored": restored])) }
                FileHandle.standardError.write(Data("verification failed: \(reason); \(restored)\n".utf8))
                throw ExitCode(Self.verificationFailedStatus)
            }
        }
    }

    /// PUT with a progress line on a terminal.
    private func upload(_ client: DaemonClient, _ modelName: String, _ bytes: [UInt8],
                        activate: Bool) throws -> (ModelVersionInfo, DaemonResponse) {
        var request = DaemonRequest.install(modelName, version: version, activate: activate, qpack: bytes)
        let progress = UploadProgressLine.onTerminal()
        if let progress { request.onBodyWritten = { sent, total in progress.update(sent: sent, total: total) } }
        defer { progress?.finish() }
        return try client.call(ModelVersionInfo.self, request)
    }

    private func describe(_ v: ModelVersionInfo, _ modelName: String) -> String {
        "installed \(modelName) v\(v.version) (\(byteCount(v.bytes)), sha256 \(v.sha256)): "
            + (v.active ? "active" : "not active (qinfer activate \(modelName) \(v.version))")
    }

    /// --json with --verify: `{"installed": <the daemon's answer>, "verification": {…}}` on one line.
    private func report(_ installed: DaemonResponse, _ verification: [String: Any]) throws -> String {
        var outcome = verification
        outcome["expected"] = expect ?? ""
        let object: [String: Any] = ["installed": (try? JSONSerialization.jsonObject(with: Data(installed.body))) ?? installed.text,
                                     "verification": outcome]
        return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
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
