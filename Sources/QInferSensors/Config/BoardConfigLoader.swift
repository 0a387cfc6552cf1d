// Reads board-configs/*.toml: TOML through TOMLKit, every table checked against the schema first so that a
// misspelt key is named (with its table) instead of silently ignored, then values range-checked.
import Foundation
import TOMLKit

public struct BoardConfigError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

public enum BoardConfigLoader {
    /// Allowed keys per table; "power.sources" is an array of tables.
    static let schema: [String: Set<String>] = [
        "": ["description", "detect", "cpu", "power", "gpio"],
        "cpu": ["cores", "threads", "cpufreq", "thermal_zones", "throttled"],
        "power": ["idle_w", "active_core_w", "sample_hz", "idle_sample_hz", "sources"],
        "power.sources": ["kind", "path", "device_name", "rails", "command"],
        "gpio": ["chip", "busy_line", "trigger_line", "result_lines"],
    ]
    public static let sourceKinds: Set<String> = ["ina3221-hwmon", "ina3221-iio", "ina2xx-hwmon", "rpi5-pmic", "rapl", "estimate"]

    private struct File: Decodable {
        var description: String
        var detect: [String]?
        var cpu: BoardConfig.CPU
        var power: BoardConfig.Power
        var gpio: BoardConfig.GPIO?
    }

    /// Loads and validates one file; the board's name is the file's name without `.toml`.
    public static func load(path: String) throws(BoardConfigError) -> BoardConfig {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw BoardConfigError("\(path): cannot read: \(error.localizedDescription)")
        }
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        do { return try parse(text, name: name) } catch { throw BoardConfigError("\(path): \(error.description)") }
    }

    public static func parse(_ text: String, name: String) throws(BoardConfigError) -> BoardConfig {
        let table: TOMLTable
        do { table = try TOMLTable(string: text) } catch { throw BoardConfigError("not valid TOML: \(error)") }
        try checkKeys(table, path: "")
        let file: File
        do { file = try TOMLDecoder().decode(File.self, from: table) } catch { throw BoardConfigError(describe(error)) }
        let config = BoardConfig(name: name, description: file.description, detect: file.detect ?? [], cpu: file.cpu,
                                 power: file.power, gpio: file.gpio)
        try validate(config)
        return config
    }

    private static func checkKeys(_ table: TOMLTable, path: String) throws(BoardConfigError) {
        guard let allowed = schema[path] else { return }
        for key in table.keys.sorted() {
            let full = path.isEmpty ? key : "\(path).\(key)"
            guard allowed.contains(key) else {
                throw BoardConfigError("unknown key '\(full)' (known in \(path.isEmpty ? "the top level" : "[\(path)]"): "
                                       + "\(allowed.sorted().joined(separator: ", ")))")
            }
            if let sub = table[key]?.table {
                try checkKeys(sub, path: full)
            } else if let array = table[key]?.array {
                for element in array { if let sub = element.table { try checkKeys(sub, path: full) } }
            }
        }
    }

    private static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.typeMismatch(let type, let context):
            return "key '\(context.codingPath.map(\.stringValue).joined(separator: "."))' must be \(type)"
        case DecodingError.keyNotFound(let key, let context):
            var path = context.codingPath.map(\.stringValue)
            if path.last != key.stringValue { path.append(key.stringValue) } // TOMLKit already ends the path with it
            let at = path.joined(separator: ".")
            return "missing key '\(at)'"
        case DecodingError.valueNotFound(_, let context), DecodingError.dataCorrupted(let context):
            return "key '\(context.codingPath.map(\.stringValue).joined(separator: "."))': \(context.debugDescription)"
        default:
            return "\(error)"
        }
    }

    private static func validate(_ c: BoardConfig) throws(BoardConfigError) {
        guard (1...256).contains(c.cpu.threads) else { throw BoardConfigError("cpu.threads = \(c.cpu.threads) is not in 1…256") }
        guard c.cpu.cores.allSatisfy({ (0..<1024).contains($0) }) else {
            throw BoardConfigError("cpu.cores must list CPU numbers 0…1023 (or be empty: unpinned), got \(c.cpu.cores)")
        }
        guard c.power.idle_w >= 0, c.power.idle_w.isFinite else { throw BoardConfigError("power.idle_w must be ≥ 0, got \(c.power.idle_w)") }
        guard c.power.active_core_w >= 0, c.power.active_core_w.isFinite else {
            throw BoardConfigError("power.active_core_w must be ≥ 0, got \(c.power.active_core_w)")
        }
        guard (1...10_000).contains(c.power.sample_hz) else {
            throw BoardConfigError("power.sample_hz = \(c.power.sample_hz) is not in 1…10000")
        }
        guard c.power.idle_sample_hz > 0, c.power.idle_sample_hz <= c.power.sample_hz else {
            throw BoardConfigError("power.idle_sample_hz = \(c.power.idle_sample_hz) must be > 0 and at most sample_hz (\(c.power.sample_hz))")
        }
        guard !c.power.sources.isEmpty else { throw BoardConfigError("power.sources is empty (\"estimate\" is always available)") }
        for (i, s) in c.power.sources.enumerated() {
            let at = "power.sources[\(i)]"
            guard sourceKinds.contains(s.kind) else {
                throw BoardConfigError("\(at).kind '\(s.kind)' is not one of \(sourceKinds.sorted().joined(separator: ", "))")
            }
            let needsDevice = s.kind != "estimate" && s.kind != "rpi5-pmic"
            if needsDevice && s.path == nil && s.device_name == nil {
                throw BoardConfigError("\(at) (\(s.kind)) needs path or device_name")
            }
            if s.rails != nil && !["ina3221-hwmon", "ina3221-iio", "rpi5-pmic"].contains(s.kind) {
                throw BoardConfigError("\(at).rails applies to ina3221-hwmon, ina3221-iio and rpi5-pmic, not \(s.kind)")
            }
            if s.command != nil && s.kind != "rpi5-pmic" { throw BoardConfigError("\(at).command applies to rpi5-pmic only") }
            if let command = s.command, command.isEmpty { throw BoardConfigError("\(at).command is empty") }
        }
        if let g = c.gpio, let lines = g.result_lines, Set(lines).count != lines.count {
            throw BoardConfigError("gpio.result_lines has a line twice: \(lines)")
        }
    }

    // MARK: choosing a board

    /// Every *.toml in `directory`, by name.
    public static func loadAll(directory: String) throws(BoardConfigError) -> [String: BoardConfig] {
        let files: [String]
        do { files = try FileManager.default.contentsOfDirectory(atPath: directory) } catch {
            throw BoardConfigError("\(directory): cannot list board configs: \(error.localizedDescription)")
        }
        var out: [String: BoardConfig] = [:]
        for f in files.sorted() where f.hasSuffix(".toml") {
            let c = try load(path: "\(directory)/\(f)")
            out[c.name] = c
        }
        return out
    }

    /// Where a package installs the board configs: qinferd's default, and `qinfer bench speedup`'s outside a build tree.
    public static let installedDirectory = "/usr/share/qinferd/board-configs"

    /// The board named by `name`, else the one whose `detect` prefix matches the device-tree model, else
    /// generic-x86 on x86-64; an unknown name or an undetectable board is an error listing the choices.
    public static func choose(name: String?, directory: String, deviceTreeModel: String?) throws(BoardConfigError) -> BoardConfig {
        if let name {
            // Only the named file is read: a broken config of another board does not stop this one.
            let path = "\(directory)/\(name).toml"
            guard !name.contains("/"), FileManager.default.fileExists(atPath: path) else {
                let there = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
                    .filter { $0.hasSuffix(".toml") }.map { String($0.dropLast(5)) }.sorted().joined(separator: ", ")
                throw BoardConfigError("no board config '\(name)' in \(directory) (there: \(there))")
            }
            return try load(path: path)
        }
        let all = try loadAll(directory: directory)
        let names = all.keys.sorted().joined(separator: ", ")
        if let model = deviceTreeModel {
            for c in all.values.sorted(by: { $0.name < $1.name }) where c.detect.contains(where: { model.hasPrefix($0) }) {
                return c
            }
        }
        #if arch(x86_64)
        if let generic = all["generic-x86"] { return generic }
        #endif
        throw BoardConfigError("cannot tell which board this is (device-tree model: \(deviceTreeModel.map { "'\($0)'" } ?? "none")); "
                               + "pass --board (one of: \(names))")
    }

    /// /proc/device-tree/model without its trailing NUL; nil where there is no device tree (x86).
    public static func deviceTreeModel(root: String = "") -> String? {
        guard let text = SysfsFiles(root: root).text("/proc/device-tree/model"), !text.isEmpty else { return nil }
        return text
    }
}
