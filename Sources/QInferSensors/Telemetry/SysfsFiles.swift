// Small text files under a root (the real "/" on a board, a fixture tree in tests): sysfs attributes, /proc files.
// read(2) to the end, because sysfs and /proc report a size of 0 or 4096 whatever they hold.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public struct SysfsFiles: Sendable {
    /// Prefixed to every absolute path; "" on a real board.
    public let root: String

    public init(root: String = "") { self.root = root }

    public func path(_ p: String) -> String { root + p }

    public func exists(_ p: String) -> Bool { FileManager.default.fileExists(atPath: path(p)) }

    /// The file's text, whitespace and NULs trimmed; nil when it cannot be read.
    public func text(_ p: String) -> String? {
        bytes(p).map { String(decoding: $0, as: UTF8.self).trimmingCharacters(in: CharacterSet.whitespacesAndNewlines.union(["\0"])) }
    }

    /// The file's bytes, up to `limit` (a /proc file's first line needs only its first few hundred); nil when it
    /// cannot be read.
    public func bytes(_ p: String, limit: Int = .max) -> [UInt8]? {
        let fd = open(path(p), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: min(4096, limit))
        while out.count < limit {
            let n = read(fd, &chunk, min(chunk.count, limit - out.count))
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { return nil }
            if n == 0 { break }
            out += chunk[..<n]
        }
        return out
    }

    /// A decimal integer attribute (µW, mV, mA, m°C, kHz, µJ …).
    public func integer(_ p: String) -> Int64? { text(p).flatMap { Int64($0) } }

    /// Entries of a directory (names only), sorted; empty when it cannot be listed.
    public func list(_ p: String) -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: path(p))) ?? []).sorted() }

    /// The device directory under `classDir` (e.g. /sys/class/hwmon) whose `name` file reads `name`.
    public func findDevice(in classDir: String, named name: String) -> String? {
        list(classDir).map { "\(classDir)/\($0)" }.first { text("\($0)/name") == name }
    }
}
