#if os(Linux)
// CSystemd's headers bring <sys/socket.h>'s SOCK_* into scope; Glibc's Swift module alone does not export them in a
// whole-module (release) build.
import CSystemd
import Glibc
import Synchronization

/// Binds the daemon's listening AF_UNIX stream socket itself, for when it was not socket-activated.
///
/// The socket file gets exactly `mode` (bound under a matching umask, so it is never briefly wider) and, if given,
/// the group `group`. A leftover socket file from a crashed run is replaced, a socket another process still
/// listens on is not, and a non-socket file at the path is never touched.
public struct UnixSocketBinder: Sendable {
    public var path: String
    /// Permission bits of the socket file; connecting needs write permission. Default 0660: owner and group.
    public var mode: mode_t
    /// Group that owns the socket file (by name), or nil for the daemon's primary group.
    public var group: String?
    public var backlog: Int32
    /// Mode of parent directories that have to be created (before the umask).
    public var directoryMode: mode_t

    public init(path: String, mode: mode_t = 0o660, group: String? = nil, backlog: Int32 = 128,
                directoryMode: mode_t = 0o755) {
        self.path = path
        self.mode = mode
        self.group = group
        self.backlog = backlog
        self.directoryMode = directoryMode
    }

    /// umask is per process: binds in this process take turns, so one's umask never leaks into another's mkdir or
    /// bind.
    private static let umaskLock = Mutex(())

    /// Creates, binds and listens; returns the descriptor (FD_CLOEXEC set).
    ///
    /// The umask is process-wide and changed for the duration of bind(2): call this at start-up, before other
    /// threads create files.
    /// - Throws: ``SystemdError`` naming the path (and the group) with the errno text.
    public func bind() throws -> Int32 {
        guard mode & ~mode_t(0o777) == 0 else {
            throw SystemdError("socket mode 0\(String(mode, radix: 8)) for \(path) has bits beyond 0777")
        }
        let address = try UnixSocketAddress.make(path: path)
        // Resolve the group first: an unknown group must fail before anything is created on disk.
        let gid = try group.map(Self.groupID(named:))
        return try Self.umaskLock.withLock { _ in
            try createParentDirectories()
            try removeStaleSocket(address)
            return try bindAndListen(address, gid: gid)
        }
    }

    private func bindAndListen(_ address: sockaddr_un, gid: gid_t?) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemdError.system("cannot create a socket for \(path)", errno: errno) }
        var bound = false
        do {
            // The socket file is created with 0777 & ~umask, so this umask yields exactly `mode`, from the start.
            let previous = umask(~mode & 0o777)
            let result = UnixSocketAddress.withSockaddr(address) { Glibc.bind(fd, $0, $1) }
            let code = errno
            umask(previous)
            guard result == 0 else { throw SystemdError.system("cannot bind \(path)", errno: code) }
            bound = true
            try fixOwnershipAndMode(gid: gid)
            guard listen(fd, backlog) == 0 else { throw SystemdError.system("cannot listen on \(path)", errno: errno) }
            return fd
        } catch {
            close(fd)
            if bound { unlink(path) }
            throw error
        }
    }

    /// A default ACL on the directory overrides the umask, so check and chmod; chown only when the group differs
    /// (the daemon's own primary group needs no chown, which keeps it working under SystemCallFilter=~@chown).
    private func fixOwnershipAndMode(gid: gid_t?) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else { throw SystemdError.system("cannot stat \(path) after bind", errno: errno) }
        if info.st_mode & 0o7777 != mode, chmod(path, mode) != 0 {
            throw SystemdError.system("cannot set mode 0\(String(mode, radix: 8)) on \(path)", errno: errno)
        }
        if let gid, info.st_gid != gid, chown(path, uid_t.max, gid) != 0 {
            let code = errno
            throw SystemdError.system(
                "cannot give \(path) to group \"\(group ?? "")\" (gid \(gid)); the daemon must run as root or as a "
                    + "member of that group", errno: code)
        }
    }

    /// mkdir -p for the socket's directory.
    private func createParentDirectories() throws {
        let components = path.split(separator: "/", omittingEmptySubsequences: true).dropLast()
        var current = path.hasPrefix("/") ? "" : "."
        for component in components {
            current += "/" + component
            if mkdir(current, directoryMode) == 0 { continue }
            let code = errno
            var info = stat()
            if code == EEXIST, stat(current, &info) == 0, info.st_mode & S_IFMT == S_IFDIR { continue }
            if code == EEXIST {
                throw SystemdError("cannot create the directory for \(path): \(current) exists and is not a directory")
            }
            throw SystemdError.system("cannot create directory \(current) for socket \(path)", errno: code)
        }
    }

    /// Removes a socket file nobody listens on (connect is refused); refuses a live one or a non-socket.
    private func removeStaleSocket(_ address: sockaddr_un) throws {
        var info = stat()
        if lstat(path, &info) != 0 {
            let code = errno
            if code == ENOENT { return }
            throw SystemdError.system("cannot inspect \(path)", errno: code)
        }
        guard info.st_mode & S_IFMT == S_IFSOCK else {
            throw SystemdError("\(path) exists and is not a socket; refusing to replace it")
        }
        // Non-blocking, so a live daemon with a full backlog answers EAGAIN instead of hanging us.
        let flags = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
        let probe = socket(AF_UNIX, flags, 0)
        guard probe >= 0 else { throw SystemdError.system("cannot create a socket to probe \(path)", errno: errno) }
        defer { close(probe) }
        let result = UnixSocketAddress.withSockaddr(address) { connect(probe, $0, $1) }
        let code = errno
        if result == 0 || code == EAGAIN {
            throw SystemdError("\(path) is in use: another process is listening on it (is qinferd already running?)")
        }
        guard code == ECONNREFUSED else {
            throw SystemdError.system("cannot tell whether \(path) is in use (connect)", errno: code)
        }
        if unlink(path) != 0, errno != ENOENT {
            throw SystemdError.system("cannot remove stale socket \(path)", errno: errno)
        }
    }

    /// getgrnam_r, growing the buffer on ERANGE.
    static func groupID(named name: String) throws -> gid_t {
        var size = max(Int(sysconf(Int32(_SC_GETGR_R_SIZE_MAX))), 1024)
        while true {
            var entry = Glibc.group()
            var result: UnsafeMutablePointer<Glibc.group>?
            var buffer = [CChar](repeating: 0, count: size)
            let code = getgrnam_r(name, &entry, &buffer, size, &result)
            if code == ERANGE, size < 1 << 20 {
                size *= 2
                continue
            }
            if code != 0 { throw SystemdError.system("cannot look up group \"\(name)\"", errno: code) }
            guard let result else {
                throw SystemdError("socket group \"\(name)\" does not exist (see the group database, e.g. /etc/group)")
            }
            return result.pointee.gr_gid
        }
    }
}
#endif
