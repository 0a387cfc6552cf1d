// The board's state for the speedup report, read before and after the runs: which board and CPU, the kernel, the
// cpufreq governor, and the temperature and throttling the board config says where to read.
import Foundation
import QInferReport
import QInferSensors
#if canImport(Glibc)
import Glibc
#endif

enum BoardSnapshotReader {
    static func read(_ config: BoardConfig?) -> BoardSnapshot {
        let files = SysfsFiles()
        let thermal = config.map { ThermalReader(files: files, cpu: $0.cpu).read() }
        let governorFile = (config?.cpu.cpufreq ?? "/sys/devices/system/cpu/cpufreq/policy0") + "/scaling_governor"
        return BoardSnapshot(board: config.map { "\($0.name) (\($0.description))" } ?? "unknown (no board config)",
                             cpu: cpuModel(files), kernel: kernel(), governor: files.text(governorFile),
                             temperatureCelsius: thermal?.temperatureC, throttled: thermal?.throttled)
    }

    /// x86's "model name", or an ARM board's "Model" / first "CPU part" line of /proc/cpuinfo.
    static func cpuModel(_ files: SysfsFiles) -> String {
        guard let text = files.text("/proc/cpuinfo") else { return "unknown" }
        for key in ["model name", "Model", "Hardware", "CPU part"] {
            for line in text.split(separator: "\n") where line.hasPrefix(key) {
                if let colon = line.firstIndex(of: ":") {
                    let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                    if !value.isEmpty { return value }
                }
            }
        }
        return "unknown"
    }

    static func kernel() -> String {
        var u = utsname()
        guard uname(&u) == 0 else { return "unknown" }
        func field<T>(_ value: T) -> String {
            withUnsafeBytes(of: value) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        return "\(field(u.sysname)) \(field(u.release)) \(field(u.machine))"
    }
}
