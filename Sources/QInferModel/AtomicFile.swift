#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a file so that readers see either the old file or the complete new one: a temporary file in the same
/// directory, fsync, rename over the target, fsync of the directory. Nothing half-written is ever left behind.
public enum AtomicFile {
    /// - Parameter validate: called with the synced temporary file before it replaces `path`; throwing from it
    ///   removes the temporary file and leaves `path` as it was (the model store checks a .qpack this way).
    public static func install(_ bytes: [UInt8], at path: String, mode: mode_t = 0o644,
                               validate: (String) throws(ModelError) -> Void = { _ throws(ModelError) in }) throws(ModelError) {
        let dir = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        let name = path.split(separator: "/").last.map(String.init) ?? path
        var template = Array("\(dir.isEmpty ? "/" : dir)/.\(name).XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw ModelError("cannot create a temporary file in \(dir): \(errnoText())") }
        let tmp = template.withUnsafeBufferPointer { String(decoding: $0.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) }
        var ok = false
        defer {
            if !ok { unlink(tmp) }
        }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, bytes.count - written) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                let e = errnoText()
                close(fd)
                throw ModelError("cannot write \(tmp): \(e)")
            }
            written += n
        }
        guard fchmod(fd, mode) == 0, fsync(fd) == 0 else {
            let e = errnoText()
            close(fd)
            throw ModelError("cannot sync \(tmp): \(e)")
        }
        close(fd)
        try validate(tmp)
        guard rename(tmp, path) == 0 else { throw ModelError("cannot rename \(tmp) to \(path): \(errnoText())") }
        ok = true
        let dfd = open(dir.isEmpty ? "/" : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 {
            fsync(dfd)
            close(dfd)
        }
    }
}
