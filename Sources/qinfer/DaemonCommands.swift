// Client subcommands for a running qinferd (its HTTP API over the Unix socket): health, models, infer, stats, push,
// activate, rollback, rm, reload. Tables by default, --json for the daemon's body as it is.
import ArgumentParser
import Foundation
import NIOHTTP1
import QInferInputFormats
import QInferModel
import QInferProtocol

/// Options every daemon subcommand takes.
struct DaemonOptions: ParsableArguments {
    @Option(help: ArgumentHelp("qinferd's socket (default: $\(APIPaths.socketEnvironment), else \(APIPaths.defaultSocket)).",
                               valueName: "path"))
    var socket: String?

    @Flag(help: "Print the daemon's JSON answer as it is (errors too, on stdout) instead of a table.")
    var json = false

    /// Runs `body` with a client; a daemon error becomes "Error: <its message>" and exit status 1 (with --json, its
    /// JSON body is printed on stdout first).
    func perform(_ body: (DaemonClient) throws -> Void) throws {
        do { try body(DaemonClient(socket: socket)) } catch let failure as DaemonClient.Failure {
            if json { print(failure.response.text) }
            throw CLIError(failure.description)
        }
    }
}

func validateName(_ value: String, _ what: String) throws {
    guard APIPaths.isValidName(value) else {
        throw ValidationError("\(what) '\(value)' is not valid (1–64 of A–Z a–z 0–9 . _ -, not starting with . or -)")
    }
}

/// "12.2 KB"-style sizes for tables.
func byteCount(_ n: Int) -> String {
    if n < 1024 { return "\(n) B" }
    if n < 1 << 20 { return fixed(Double(n) / 1024, digits: 1) + " KB" }
    return fixed(Double(n) / Double(1 << 20), digits: 1) + " MB"
}

/// "pn: active 7, previous 8" after activate and rollback.
func activeLine(_ info: ModelInfo, _ what: String) -> String {
    "\(info.name): \(what) \(info.activeVersion ?? "none")" + (info.previousVersion.map { ", previous \($0)" } ?? "")
}

func milliseconds(_ micros: Int) -> String { fixed(Double(micros) / 1000, digits: 2) }

struct DaemonHealth: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health", abstract: "Ask a running qinferd whether it is live and ready (exit status 1 when not ready).")

    @OptionGroup var daemon: DaemonOptions

    func run() throws {
        try daemon.perform { client in
            let response = try client.send(.GET, APIPaths.health)
            // 503 carries the same body: live but not ready.
            guard response.status == 200 || response.status == 503,
                  let health = try? JSONDecoder().decode(Health.self, from: Data(response.body)) else {
                throw DaemonClient.Failure(response: response)
            }
            if daemon.json {
                print(response.text)
            } else {
                let uptime = Int(health.uptimeSeconds)
                print("qinferd \(health.version) at \(client.socketPath): \(health.live ? "live" : "not live"), "
                      + "\(health.ready ? "ready" : "not ready"); \(health.models) model(s); up "
                      + String(format: "%dh %02dm %02ds", uptime / 3600, uptime / 60 % 60, uptime % 60))
            }
            if !health.ready { throw CLIError("qinferd is not ready") }
        }
    }
}

struct DaemonModels: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models", abstract: "List the models a running qinferd serves, or the versions of one.")

    @Argument(help: "A model name: list its versions.") var name: String?
    @OptionGroup var daemon: DaemonOptions

    func validate() throws { if let name { try validateName(name, "model name") } }

    func run() throws {
        try daemon.perform { client in
            if let name {
                let (info, response) = try client.call(ModelInfo.self, .GET, APIPaths.model(name))
                if daemon.json { return print(response.text) }
                print("\(info.name): active \(info.activeVersion ?? "none")"
                      + (info.previousVersion.map { ", previous \($0) (qinfer rollback \(info.name))" } ?? ""))
                var table = TextTable([.init(title: "VERSION", alignment: .left), .init(title: "ACTIVE", alignment: .left),
                                       .init(title: "TASK", alignment: .left), .init(title: "INPUT", alignment: .left),
                                       .init(title: "LABELS", alignment: .right), .init(title: "SIZE", alignment: .right),
                                       .init(title: "SHA256", alignment: .left), .init(title: "SOURCE", alignment: .left)])
                for v in info.versions {
                    table.append([v.version, v.active ? "*" : "", v.task, v.inputShape.map(String.init).joined(separator: "×"),
                                  "\(v.labels)", byteCount(v.bytes), String(v.sha256.prefix(12)), v.source])
                }
                print(table.render())
            } else {
                let (list, response) = try client.call(ModelList.self, .GET, APIPaths.models)
                if daemon.json { return print(response.text) }
                if list.models.isEmpty { return print("qinferd serves no model (qinfer push FILE.qpack --name NAME)") }
                var table = TextTable([.init(title: "NAME", alignment: .left), .init(title: "ACTIVE", alignment: .left),
                                       .init(title: "PREVIOUS", alignment: .left), .init(title: "VERSIONS", alignment: .left),
                                       .init(title: "TASK", alignment: .left), .init(title: "INPUT", alignment: .left),
                                       .init(title: "SOURCE", alignment: .left)])
                for m in list.models {
                    let active = m.versions.first { $0.active } ?? m.versions.last
                    table.append([m.name, m.activeVersion ?? "-", m.previousVersion ?? "-",
                                  m.versions.map(\.version).joined(separator: ","), active?.task ?? "-",
                                  active.map { $0.inputShape.map(String.init).joined(separator: "×") } ?? "-",
                                  active?.source ?? "-"])
                }
                print(table.render())
            }
        }
    }
}

struct DaemonInfer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer",
        abstract: "Run one inference on a running qinferd.",
        discussion: """
        FILE is sent as it is; its extension picks how: .json ({"input": [numbers], "shape": [ints]}), .npy, \
        raw .f32 (with --shape), a point cloud (.xyz, .pts, .ply, .pcd) or an image (.png, .pgm, .ppm). \
        The daemon decodes and preprocesses it as `qinfer run` does.
        """
    )

    @Argument(help: "The model's name.") var model: String
    @Argument(help: "The input file.") var file: String
    @Option(name: .customLong("top-k"), help: "How many classes to print (default: the daemon's, 5).") var topK: Int?
    @Flag(help: "Also print the model's output vector.") var outputs = false
    @Option(help: "Shape of a raw .f32 input, e.g. 1024,3 (sent as X-Tensor-Shape).") var shape: String?
    @Option(help: "The input format when the extension does not say (npy, f32, xyz, pts, ply, pcd, pgm, ppm, png, json).")
    var format: String?
    @OptionGroup var daemon: DaemonOptions

    func validate() throws {
        try validateName(model, "model name")
        if let topK, topK < 1 { throw ValidationError("--top-k must be at least 1") }
        if let shape {
            let parts = shape.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !parts.isEmpty, parts.allSatisfy({ ($0 ?? 0) > 0 }) else {
                throw ValidationError("--shape \(shape) is not a list of positive integers")
            }
        }
    }

    /// Content type and headers for the file, chosen from --format, the extension, or the content.
    func requestHeaders(_ bytes: [UInt8]) throws -> [(String, String)] {
        let ext = file.split(separator: "/").last.flatMap { $0.contains(".") ? $0.split(separator: ".").last : nil }
            .map { $0.lowercased() }
        let chosen = format?.lowercased() ?? ext
        if chosen == "json" {
            if shape != nil { throw ValidationError("--shape does not apply to a JSON input: put \"shape\" in the file") }
            return [("content-type", "application/json")]
        }
        let inputFormat: InputFormat
        if let format {
            guard let f = InputFormat(rawValue: format.lowercased()) else {
                throw ValidationError("--format \(format) is not one of json, " + InputFormat.allCases.map(\.rawValue).joined(separator: ", "))
            }
            inputFormat = f
        } else if let f = InputFormat(fileName: file) ?? InputFormat(sniffing: bytes) {
            inputFormat = f
        } else if shape != nil {
            inputFormat = .f32
        } else {
            throw ValidationError("cannot tell the format of \(file) from its name or content; use --format (or --shape for raw float32)")
        }
        var headers: [(String, String)] = []
        switch inputFormat {
        case .f32:
            guard let shape else { throw ValidationError("a raw .f32 input needs --shape, e.g. --shape 1024,3") }
            headers = [("content-type", "application/octet-stream"), (APIHeaders.tensorShape, shape)]
        case .npy:
            headers = [("content-type", "application/x-npy")]
            if let shape { headers.append((APIHeaders.tensorShape, shape)) }
        case .png: headers = [("content-type", "image/png")]
        case .pgm: headers = [("content-type", "image/x-portable-graymap")]
        case .ppm: headers = [("content-type", "image/x-portable-pixmap")]
        case .xyz, .pts, .ply, .pcd:
            headers = [("content-type", "application/octet-stream"), (APIHeaders.inputFormat, inputFormat.rawValue)]
        }
        if shape != nil, inputFormat != .f32, inputFormat != .npy {
            throw ValidationError("--shape only applies to .f32 and .npy inputs; .\(inputFormat.rawValue) files carry their own size")
        }
        return headers
    }

    func run() throws {
        let bytes: [UInt8]
        do { bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file))) } catch {
            throw CLIError("cannot read \(file): \(error.localizedDescription)")
        }
        let headers = try requestHeaders(bytes)
        var query: [String] = []
        if let topK { query.append("top_k=\(topK)") }
        if outputs { query.append("outputs=1") }
        let uri = APIPaths.infer(model) + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
        try daemon.perform { client in
            let (r, response) = try client.call(InferResponse.self, .POST, uri, headers: headers, body: bytes)
            if daemon.json { return print(response.text) }
            print("\(r.model) v\(r.version) on \(file)")
            let width = max(5, r.top.map(\.label.count).max() ?? 0)
            for (rank, p) in r.top.enumerated() {
                print("  \(rank + 1). \(p.label.padding(toLength: width, withPad: " ", startingAt: 0))  \(fixed(Double(p.score), digits: 5))")
            }
            let t = r.telemetry
            print("  queue \(t.queueMicros) µs, preprocess \(t.preprocessMicros) µs, compute \(t.computeMicros) µs, total \(t.totalMicros) µs")
            if let values = r.outputs {
                print("  outputs: [" + values.map { fixed(Double($0), digits: 6) }.joined(separator: ", ") + "]")
            }
        }
    }
}

struct DaemonStats: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Requests, errors, latency, energy per inference and the board's power, temperature and clock, per model.")

    @OptionGroup var daemon: DaemonOptions

    func run() throws {
        try daemon.perform { client in
            let (stats, response) = try client.call(StatsResponse.self, .GET, APIPaths.stats)
            print(daemon.json ? response.text : StatsReport.render(stats))
        }
    }
}

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
        let bytes: [UInt8]
        do { bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file))) } catch {
            throw CLIError("cannot read \(file): \(error.localizedDescription)")
        }
        let modelName: String
        if let name {
            modelName = name
        } else {
            do { modelName = try PackedModel(path: file).metadata.name } catch {
                throw CLIError("\(file): \(error.message) (give --name to let the daemon judge the file)")
            }
            try validateName(modelName, "the file's model name")
        }
        var query: [String] = []
        if let version { query.append("version=\(version)") }
        if activate { query.append("activate=1") }
        let uri = APIPaths.model(modelName) + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
        try daemon.perform { client in
            let (v, response) = try client.call(ModelVersionInfo.self, .PUT, uri,
                                                headers: [("content-type", "application/octet-stream")], body: bytes)
            if daemon.json { return print(response.text) }
            print("installed \(modelName) v\(v.version) (\(byteCount(v.bytes)), sha256 \(v.sha256.prefix(12))…): "
                  + (v.active ? "active" : "not active (qinfer activate \(modelName) \(v.version))"))
        }
    }
}

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
        let body = try JSONEncoder().encode(ActivateRequest(version: version))
        try daemon.perform { client in
            let (info, response) = try client.call(ModelInfo.self, .POST, APIPaths.activate(name),
                                                   headers: [("content-type", "application/json")], body: [UInt8](body))
            if daemon.json { return print(response.text) }
            print(activeLine(info, "active"))
        }
    }
}

struct DaemonRollback: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback", abstract: "Make a model's previous version active again on a running qinferd (admin).")

    @Argument(help: "The model's name.") var name: String
    @OptionGroup var daemon: DaemonOptions

    func validate() throws { try validateName(name, "model name") }

    func run() throws {
        try daemon.perform { client in
            let (info, response) = try client.call(ModelInfo.self, .POST, APIPaths.rollback(name), body: [])
            if daemon.json { return print(response.text) }
            print(activeLine(info, "rolled back to"))
        }
    }
}

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
                let (info, response) = try client.call(ModelInfo.self, .DELETE, APIPaths.version(name, version))
                if daemon.json { return print(response.text) }
                print("deleted \(name) v\(version); versions left: \(info.versions.map(\.version).joined(separator: ", "))")
            } else {
                let response = try client.call(.DELETE, APIPaths.model(name))
                if daemon.json { return print(response.text) }
                print("deleted \(name)")
            }
        }
    }
}

struct DaemonReload: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload", abstract: "Make a running qinferd read its configuration again (admin; like SIGHUP).")

    @OptionGroup var daemon: DaemonOptions

    func run() throws {
        try daemon.perform { client in
            let response = try client.call(.POST, APIPaths.reload, body: [])
            print(daemon.json ? response.text : "configuration reloaded")
        }
    }
}
