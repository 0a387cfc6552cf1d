import Foundation
import QInferDaemon
import TOMLKit

/// /etc/qinferd/qinferd.toml: every key optional; an unknown key or a wrong type is an error that names it.
struct ConfigFile: Decodable, Equatable {
    var socket: String?
    var socket_mode: String?
    var socket_group: String?
    var state_directory: String?
    var embedded_models: [String]?
    var workers: Int?
    var queue_capacity: Int?
    var max_body_bytes: Int?
    var max_connections: Int?
    var deadline_ms: Int?
    var idle_timeout_ms: Int?
    var request_timeout_ms: Int?
    var admin_group: String?
    var log_level: String?
    var board: String?
    var board_configs: String?
    var trigger_model: String?
    var trigger_input: String?
    var trusted_keys_dir: String?
    var require_signature: RequireSignature?
    /// `[[source]]` tables: live sensors feeding models (SourceTable).
    var source: [SourceTable]?

    static let keys: Set<String> = ["socket", "socket_mode", "socket_group", "state_directory", "embedded_models", "workers",
                                    "queue_capacity", "max_body_bytes", "max_connections", "deadline_ms", "idle_timeout_ms", "request_timeout_ms", "admin_group", "log_level",
                                    "board", "board_configs", "trigger_model", "trigger_input", "trusted_keys_dir", "require_signature",
                                    "source"]

    static func load(_ path: String) throws -> ConfigFile {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ConfigError("\(path): cannot read: \(error.localizedDescription)")
        }
        let table: TOMLTable
        do { table = try TOMLTable(string: text) } catch { throw ConfigError("\(path): not valid TOML: \(error)") }
        for key in table.keys where !keys.contains(key) {
            throw ConfigError("\(path): unknown key '\(key)' (known: \(keys.sorted().joined(separator: ", ")))")
        }
        if let sources = table["source"]?.array {
            do {
                try SourceTables.checkKeys(sources.map { t in
                    (t.table.map { Array($0.keys) } ?? [], t.table?["kind"]?.string, t.table?["name"]?.string)
                })
            } catch { throw ConfigError("\(path): \(error)") }
        }
        do { return try TOMLDecoder().decode(ConfigFile.self, from: table) } catch {
            throw ConfigError("\(path): \(Self.describe(error))")
        }
    }

    static func describe(_ error: Error) -> String {
        if case DecodingError.typeMismatch(let type, let context) = error {
            return "key '\(context.codingPath.map(\.stringValue).joined(separator: "."))' must be \(type)"
        }
        return "\(error)"
    }

    /// Settings validated and applied over `base`.
    func apply(to base: DaemonConfig) throws -> DaemonConfig {
        var c = base
        if let v = state_directory { c.stateDirectory = v }
        if let v = embedded_models { c.embeddedModelDirectories = v }
        func positive(_ v: Int?, _ key: String, _ range: ClosedRange<Int>) throws -> Int? {
            guard let v else { return nil }
            guard range.contains(v) else { throw ConfigError("\(key) = \(v) is not in \(range.lowerBound)…\(range.upperBound)") }
            return v
        }
        if let v = try positive(workers, "workers", 1...256) { c.workers = v }
        if let v = try positive(queue_capacity, "queue_capacity", 1...1_000_000) { c.queueCapacity = v }
        if let v = try positive(max_body_bytes, "max_body_bytes", 1024...(1 << 32)) { c.maxBodyBytes = v }
        if let v = try positive(max_connections, "max_connections", 1...100_000) { c.maxConnections = v }
        if let v = try positive(deadline_ms, "deadline_ms", 1...3_600_000) { c.deadlineMillis = v }
        if let v = try positive(idle_timeout_ms, "idle_timeout_ms", 1...86_400_000) { c.idleTimeoutMillis = v }
        if let v = try positive(request_timeout_ms, "request_timeout_ms", 1...3_600_000) { c.requestTimeoutMillis = v }
        if let v = admin_group { c.adminGroup = v.isEmpty ? nil : v }
        if let v = trusted_keys_dir {
            guard v.hasPrefix("/") else { throw ConfigError("trusted_keys_dir = \"\(v)\" must be an absolute path") }
            c.trustedKeysDirectory = v
        }
        if let v = require_signature { c.requireSignature = try v.requirement() }
        c.sources = try SourceTables.configs(source ?? [])
        return c
    }
}

struct ConfigError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// `require_signature`: true, false, or "auto" (TOML has no type for "a boolean or this one word", so both are read).
struct RequireSignature: Decodable, Equatable {
    let text: String

    init(from decoder: Decoder) throws {
        let value = try decoder.singleValueContainer()
        if let flag = try? value.decode(Bool.self) { text = flag ? "true" : "false" } else { text = try value.decode(String.self) }
    }

    func requirement() throws -> SignatureRequirement {
        guard let r = SignatureRequirement(rawValue: text) else {
            throw ConfigError("require_signature = \"\(text)\" is not true, false or \"auto\"")
        }
        return r
    }
}
