import Foundation

/// True when `name` is an executable file in a directory of $PATH: a test that needs a real tool (ssh, promtool) is
/// skipped with a reason when it is missing, never run against a stand-in.
public func executableOnPath(_ name: String) -> Bool {
    (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        .contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(name)") }
}
