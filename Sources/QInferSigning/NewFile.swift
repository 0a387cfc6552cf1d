#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Creates a file that must not exist yet, with its final mode from the first instant (O_CREAT|O_EXCL with the mode:
/// a private key is never readable by others, not even between create and chmod), and writes it whole.
public enum NewFile {
    public static func create(_ path: String, mode: mode_t, contents: String) throws(SigningError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode)
        guard fd >= 0 else {
            let reason = errno == EEXIST ? "it exists; not overwritten (move it away or pick another name)" : String(cString: strerror(errno))
            throw SigningError("cannot create \(path): \(reason)")
        }
        var ok = false
        defer {
            close(fd)
            if !ok { unlink(path) }
        }
        // The umask may only have narrowed the mode; fchmod makes it exactly `mode` (never wider than asked).
        guard fchmod(fd, mode) == 0 else { throw SigningError("cannot set the mode of \(path): \(String(cString: strerror(errno)))") }
        let bytes = Array(contents.utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, bytes.count - written) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw SigningError("cannot write \(path): \(String(cString: strerror(errno)))") }
            written += n
        }
        guard fsync(fd) == 0 else { throw SigningError("cannot sync \(path): \(String(cString: strerror(errno)))") }
        ok = true
    }
}
