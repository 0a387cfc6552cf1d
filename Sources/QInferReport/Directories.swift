// mkdir -p with errno's words: Foundation's createDirectory reports "The operation could not be completed" on Linux,
// which names neither the path nor why.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

enum Directories {
    /// Creates `path` and any missing parents (mode 0755); an existing directory is fine.
    static func create(_ path: String) throws(SpeedupReportError) {
        guard !path.isEmpty else { throw SpeedupReportError(path: path, reason: "empty directory path") }
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += (prefix.isEmpty || prefix.hasSuffix("/") ? "" : "/") + component
            if mkdir(prefix, 0o755) == 0 { continue }
            let code = errno
            var info = stat()
            if stat(prefix, &info) == 0 {
                guard info.st_mode & S_IFMT == S_IFDIR else {
                    throw SpeedupReportError(path: path, reason: "\(prefix) exists and is not a directory")
                }
                continue
            }
            throw SpeedupReportError(path: path, reason: "cannot create directory \(prefix): \(String(cString: strerror(code)))")
        }
    }
}
