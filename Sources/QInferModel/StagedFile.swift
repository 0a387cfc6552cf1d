#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A file written and synced under a temporary name in the directory it is meant for: readers of the directory see
/// nothing of it until `commit(as:)` renames it into place and syncs the directory. Until then it can be checked (or
/// mapped: a mapping survives the rename), and dropped uncommitted it is removed, so nothing half-written stays.
/// A crash before the commit leaves the temporary file, whose name starts with a dot for the owner to sweep.
public final class StagedFile {
    /// The temporary file's path.
    public let path: String
    private let directory: String
    private var committed = false

    /// - Parameter prefix: the start of the temporary name (`mkstemp` adds six characters); should begin with a dot.
    /// - Parameter mode: the file's permissions (a file re-written in place keeps its own).
    public init(_ bytes: [UInt8], in directory: String, prefix: String, mode: UInt32 = 0o644) throws(ModelError) {
        self.directory = directory
        var template = Array("\(directory)/\(prefix)XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw ModelError("cannot create a temporary file in \(directory): \(errnoText())") }
        path = template.withUnsafeBufferPointer { String(decoding: $0.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, bytes.count - written) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                let e = errnoText()
                close(fd)
                throw ModelError("cannot write \(path): \(e)")
            }
            written += n
        }
        guard fchmod(fd, mode_t(mode)) == 0, fsync(fd) == 0 else {
            let e = errnoText()
            close(fd)
            throw ModelError("cannot sync \(path): \(e)")
        }
        close(fd)
    }

    /// Renames the file to `name` in its directory (replacing a file of that name) and syncs the directory, so the
    /// rename survives a crash too.
    public func commit(as name: String) throws(ModelError) {
        let target = "\(directory)/\(name)"
        guard rename(path, target) == 0 else { throw ModelError("cannot rename \(path) to \(target): \(errnoText())") }
        committed = true
        let dfd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 {
            fsync(dfd)
            close(dfd)
        }
    }

    deinit {
        if !committed { unlink(path) }
    }
}
