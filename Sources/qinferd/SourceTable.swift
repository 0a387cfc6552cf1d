import QInferDaemon
import QInferProtocol

/// One `[[source]]` table as written (docs/SOURCES.md); `config(_:)` validates it into the daemon's SourceConfig.
/// Every error names the table (its position, and its name when it has one) and the key.
struct SourceTable: Decodable, Equatable {
    var name: String?
    var kind: String?
    var model: String?
    var max_rate: Double?
    var on_overrun: String?
    var results: String?
    var path: String?
    var socket_mode: String?
    var socket_group: String?
    /// A camera's GStreamer description, without the appsink (the source appends it with the model's format).
    var pipeline: String?
    /// 1-based position among the `[[source]]` tables.
    var position = 0

    static let commonKeys: Set<String> = ["name", "kind", "model", "max_rate", "on_overrun", "results"]
    static let kindKeys: [String: Set<String>] = [
        "pointcloud-socket": ["path", "socket_mode", "socket_group"],
        "directory": ["path"],
        "camera": ["pipeline"],
    ]

    enum CodingKeys: String, CodingKey {
        case name, kind, model, max_rate, on_overrun, results, path, socket_mode, socket_group, pipeline
    }

    init(from decoder: Decoder) throws {
        position = (decoder.codingPath.last?.intValue ?? 0) + 1
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func text(_ key: CodingKeys) throws -> String? {
            do { return try c.decodeIfPresent(String.self, forKey: key) } catch {
                throw ConfigError("\(label(try? c.decodeIfPresent(String.self, forKey: .name))): key '\(key.rawValue)' must be a string")
            }
        }
        name = try text(.name)
        kind = try text(.kind)
        model = try text(.model)
        on_overrun = try text(.on_overrun)
        results = try text(.results)
        path = try text(.path)
        socket_mode = try text(.socket_mode)
        socket_group = try text(.socket_group)
        pipeline = try text(.pipeline)
        // TOML tells 10 from 10.0; a rate is a rate either way.
        if let v = try? c.decodeIfPresent(Double.self, forKey: .max_rate) {
            max_rate = v
        } else if let v = try? c.decodeIfPresent(Int.self, forKey: .max_rate) {
            max_rate = Double(v)
        } else if c.contains(.max_rate) {
            throw ConfigError("\(label(name)): key 'max_rate' must be a number (inferences per second)")
        }
    }

    private func label(_ name: String?) -> String {
        "[[source]] #\(position)" + (name.map { " ('\($0)')" } ?? "")
    }

    var label: String { label(name) }

    /// Keys the table may hold, for its kind (all kinds' keys when the kind is missing or unknown).
    static func known(for kind: String?) -> Set<String> {
        commonKeys.union(kind.flatMap { kindKeys[$0] } ?? kindKeys.values.reduce(into: Set<String>()) { $0.formUnion($1) })
    }

    func config() throws -> SourceConfig {
        guard let name else { throw ConfigError("\(label): 'name' is missing") }
        guard APIPaths.isValidName(name) else { throw ConfigError("\(label): name '\(name)' is not valid (1–64 of A–Z a–z 0–9 . _ -)") }
        guard let kind else { throw ConfigError("\(label): 'kind' is missing (one of \(Self.kindNames))") }
        guard let model else { throw ConfigError("\(label): 'model' is missing") }
        guard APIPaths.isValidName(model) else { throw ConfigError("\(label): model '\(model)' is not a valid model name") }
        if let max_rate, !(max_rate > 0 && max_rate <= 100_000) {
            throw ConfigError("\(label): max_rate = \(max_rate) is not in (0, 100000] inferences per second")
        }
        let overrun = try on_overrun.map { v in
            guard let p = OverrunPolicy(rawValue: v) else {
                throw ConfigError("\(label): on_overrun = \"\(v)\" is not one of \(OverrunPolicy.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return p
        } ?? .dropOldest
        let targets = try results.map { v in
            guard let r = ResultTargets(rawValue: v) else {
                throw ConfigError("\(label): results = \"\(v)\" is not one of \(ResultTargets.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return r
        } ?? .events
        if kind == "camera" {
            // A camera has no path: its sensor is the description. Blank is refused here rather than as GStreamer's
            // "empty pipeline" on every retry.
            guard let pipeline, !pipeline.allSatisfy(\.isWhitespace) else {
                throw ConfigError("\(label): 'pipeline' is missing or empty (a camera source needs a GStreamer description, "
                                  + "e.g. \"v4l2src device=/dev/video0 ! videoconvert ! videoscale\")")
            }
            return SourceConfig(name: name, model: model, maxRate: max_rate, onOverrun: overrun, results: targets,
                                input: .camera(pipeline: pipeline))
        }
        guard let path else { throw ConfigError("\(label): 'path' is missing (a \(kind) source needs one)") }
        guard path.hasPrefix("/") else { throw ConfigError("\(label): path = \"\(path)\" must be an absolute path") }
        let input: SourceInput
        switch kind {
        case "pointcloud-socket":
            let modeText = socket_mode ?? "0660"
            guard let mode = UInt32(modeText, radix: 8), mode <= 0o777 else {
                throw ConfigError("\(label): socket_mode = \"\(modeText)\" is not an octal mode (e.g. \"0660\")")
            }
            guard path.utf8.count < 108 else { throw ConfigError("\(label): path \(path) is too long for a Unix socket (107 bytes at most)") }
            input = .pointCloudSocket(SourceSocket(path: path, mode: mode, group: socket_group.flatMap { $0.isEmpty ? nil : $0 }))
        case "directory":
            input = .directory(path: path)
        default:
            throw ConfigError("\(label): kind = \"\(kind)\" is not one of \(Self.kindNames)")
        }
        return SourceConfig(name: name, model: model, maxRate: max_rate, onOverrun: overrun, results: targets, input: input)
    }

    static var kindNames: String { kindKeys.keys.sorted().joined(separator: ", ") }
}

/// `[[source]]` as a whole: each table checked for keys its kind does not know, then for its values, then names
/// for uniqueness.
enum SourceTables {
    static func checkKeys(_ tables: [(keys: [String], kind: String?, name: String?)]) throws {
        for (i, t) in tables.enumerated() {
            let known = SourceTable.known(for: t.kind)
            for key in t.keys where !known.contains(key) {
                let label = "[[source]] #\(i + 1)" + (t.name.map { " ('\($0)')" } ?? "")
                throw ConfigError("\(label): unknown key '\(key)' (known\(t.kind.map { " for kind \($0)" } ?? ""): "
                                  + "\(known.sorted().joined(separator: ", ")))")
            }
        }
    }

    static func configs(_ tables: [SourceTable]) throws -> [SourceConfig] {
        var names = Set<String>()
        return try tables.map { t in
            let c = try t.config()
            guard names.insert(c.name).inserted else { throw ConfigError("\(t.label): the name '\(c.name)' is used by an earlier [[source]]") }
            return c
        }
    }
}
