#if canImport(Glibc)
import Glibc

/// Binds a point-cloud source's listening socket without touching the process-wide umask: sources bind while the
/// daemon serves (at start after READY, and on every retry), when another thread may be creating model files and
/// directories that a narrowed umask would leave unusable. The mode is set on the socket before bind(2) — Linux
/// creates the file with the socket inode's mode minus the umask — and exactly afterwards, so the file is never
/// wider than asked. The parent directory is not created: a missing one is a failure the runner retries.
public enum SourceSocketBinder {
    public static func bind(path: String, mode: UInt32, group: String?) throws -> Int32 {
        guard mode & ~0o777 == 0 else { throw SourceFailure("socket mode 0\(String(mode, radix: 8)) has bits beyond 0777") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw SourceFailure("\(path) is too long for a Unix socket") }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let gid = try group.map(groupID(named:))
        try removeStale(path, address)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { let code = errno; throw failure("cannot create a socket", code) }
        var bound = false
        do {
            guard fchmod(fd, mode_t(mode)) == 0 else { let code = errno; throw failure("cannot set the mode of the socket for \(path)", code) }
            let result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            guard result == 0 else { let code = errno; throw failure("cannot bind \(path)", code) }
            bound = true
            guard chmod(path, mode_t(mode)) == 0 else { let code = errno; throw failure("cannot set mode 0\(String(mode, radix: 8)) on \(path)", code) }
            if let gid, chown(path, uid_t.max, gid) != 0 {
                let code = errno
                throw failure("cannot give \(path) to group \"\(group ?? "")\" (gid \(gid)); qinferd must be root or in that group", code)
            }
            guard listen(fd, 64) == 0 else { let code = errno; throw failure("cannot listen on \(path)", code) }
            return fd
        } catch {
            close(fd)
            if bound { unlink(path) }
            throw error
        }
    }

    /// A socket file nobody listens on (left by a killed daemon) is removed; a live one or a non-socket is refused.
    private static func removeStale(_ path: String, _ address: sockaddr_un) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            let code = errno
            if code == ENOENT { return }
            throw failure("cannot inspect \(path)", code)
        }
        guard info.st_mode & S_IFMT == S_IFSOCK else { throw SourceFailure("\(path) exists and is not a socket; refusing to replace it") }
        let probe = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard probe >= 0 else { let code = errno; throw failure("cannot create a socket to probe \(path)", code) }
        defer { close(probe) }
        var copy = address
        let result = withUnsafePointer(to: &copy) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(probe, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        let code = errno
        if result == 0 || code == EAGAIN { throw SourceFailure("\(path) is in use: another process listens on it") }
        guard code == ECONNREFUSED else { throw failure("cannot tell whether \(path) is in use", code) }
        if unlink(path) != 0 && errno != ENOENT { let code = errno; throw failure("cannot remove the stale socket \(path)", code) }
    }

    private static func groupID(named name: String) throws -> gid_t {
        var size = 4096
        while true {
            var entry = Glibc.group()
            var result: UnsafeMutablePointer<Glibc.group>?
            var buffer = [CChar](repeating: 0, count: size)
            let code = getgrnam_r(name, &entry, &buffer, size, &result)
            if code == ERANGE && size < 1 << 20 { size *= 2; continue }
            guard code == 0 else { throw failure("cannot look up group \"\(name)\"", code) }
            guard let result else { throw SourceFailure("socket_group \"\(name)\" does not exist") }
            return result.pointee.gr_gid
        }
    }

    /// errno is read by the caller right after the call that failed, before building the message can disturb it.
    private static func failure(_ what: String, _ code: Int32) -> SourceFailure {
        SourceFailure("\(what): \(String(cString: strerror(code)))")
    }
}
#endif
