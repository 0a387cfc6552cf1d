import Foundation

/// Debian's `prometheus` and `promtool`, as `make test-deps` unpacks them (tools/prometheus/unpack.sh) into the build
/// folder — not installed, so no Prometheus service is left running — or an installed package's copy.
public enum PrometheusTools {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    public struct Missing: Error, CustomStringConvertible {
        public let description: String
    }

    /// The path of `name` ("prometheus" or "promtool").
    public static func binary(_ name: String) throws -> String {
        let candidates = ["\(repository)/.build/test-tools/prometheus/usr/bin/\(name)", "/usr/bin/\(name)"]
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw Missing(description: "\(name) is missing: `make test-deps` (tools/prometheus/unpack.sh) unpacks Debian's prometheus "
                          + "package into .build/test-tools; looked at \(candidates.joined(separator: ", "))")
        }
        return found
    }
}
