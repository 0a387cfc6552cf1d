import Glibc
import QInferBoard
import QInferTestSupport
import Testing

@Suite struct UnixSocketBinderTests {
    private func stat(_ path: String) throws -> Glibc.stat {
        var info = Glibc.stat()
        guard lstat(path, &info) == 0 else { throw TestFailure("lstat \(path): errno \(errno)") }
        return info
    }

    @Test("the socket file has exactly mode 0660 whatever the process umask, and accepts connections")
    func exactMode() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/qinferd.sock"
        let previous = umask(0o002)  // would leave 0775 behind a plain bind
        defer { umask(previous) }
        let fd = try UnixSocketBinder(path: path).bind()
        defer { close(fd) }
        let info = try stat(path)
        #expect(info.st_mode & S_IFMT == S_IFSOCK)
        #expect(info.st_mode & 0o7777 == 0o660)
        let client = try #require(connectUnix(path))
        close(client)
    }

    @Test("another mode is honoured too")
    func otherMode() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let fd = try UnixSocketBinder(path: directory.path + "/s", mode: 0o600).bind()
        defer { close(fd) }
        #expect(try stat(directory.path + "/s").st_mode & 0o7777 == 0o600)
    }

    @Test("the socket is given to the configured group")
    func group() throws {
        // Root may give files to any group; anyone else only to groups they are in, so use our own there.
        let name = getuid() == 0 && getgrnam("daemon") != nil ? "daemon" : String(cString: getgrgid(getgid())!.pointee.gr_name)
        let gid = getgrnam(name)!.pointee.gr_gid
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let fd = try UnixSocketBinder(path: directory.path + "/s", group: name).bind()
        defer { close(fd) }
        let info = try stat(directory.path + "/s")
        #expect(info.st_gid == gid)
        #expect(info.st_mode & 0o7777 == 0o660)
    }

    @Test("an unknown group is an error naming it, and nothing is created")
    func unknownGroup() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let error = #expect(throws: SystemdError.self) {
            try UnixSocketBinder(path: directory.path + "/run/s", group: "qinferd-no-such-group").bind()
        }
        #expect(error?.message == "socket group \"qinferd-no-such-group\" does not exist (see the group database, "
                    + "e.g. /etc/group)")
        #expect(access(directory.path + "/run", F_OK) != 0)
    }

    @Test("a stale socket file (nobody listening) is replaced")
    func staleReplaced() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/s"
        let crashed = try UnixSocketBinder(path: path).bind()
        close(crashed)  // the file stays, like after kill -9
        #expect(access(path, F_OK) == 0)
        #expect(connectUnix(path) == nil && errno == ECONNREFUSED)
        let fd = try UnixSocketBinder(path: path).bind()
        defer { close(fd) }
        let client = try #require(connectUnix(path))
        close(client)
    }

    @Test("a socket another process listens on is not stolen")
    func liveNotStolen() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/s"
        let running = try UnixSocketBinder(path: path).bind()
        defer { close(running) }
        let before = try stat(path).st_ino
        let error = #expect(throws: SystemdError.self) { try UnixSocketBinder(path: path).bind() }
        #expect(error?.message == "\(path) is in use: another process is listening on it (is qinferd already running?)")
        #expect(try stat(path).st_ino == before)
        let client = try #require(connectUnix(path), "the running listener still owns the path")
        close(client)
    }

    @Test("a regular file at the path is refused and left alone")
    func regularFileLeftAlone() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/s"
        let file = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0o644)
        close(file)
        let error = #expect(throws: SystemdError.self) { try UnixSocketBinder(path: path).bind() }
        #expect(error?.message == "\(path) exists and is not a socket; refusing to replace it")
        #expect(try stat(path).st_mode & S_IFMT == S_IFREG)
    }

    @Test("missing parent directories are created")
    func createsDirectories() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/run/qinferd/qinferd.sock"
        let fd = try UnixSocketBinder(path: path).bind()
        defer { close(fd) }
        #expect(try stat(directory.path + "/run/qinferd").st_mode & S_IFMT == S_IFDIR)
        #expect(try stat(path).st_mode & 0o7777 == 0o660)
    }

    @Test("errors name the path and the errno text")
    func errorsNamePath() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let blocker = directory.path + "/file"
        close(open(blocker, O_CREAT | O_WRONLY | O_CLOEXEC, 0o644))
        let notDirectory = #expect(throws: SystemdError.self) { try UnixSocketBinder(path: blocker + "/s").bind() }
        #expect(notDirectory?.message == "cannot create the directory for \(blocker)/s: \(blocker) exists and is not "
                    + "a directory")

        let long = directory.path + "/" + String(repeating: "x", count: 120)
        let tooLong = #expect(throws: SystemdError.self) { try UnixSocketBinder(path: long).bind() }
        #expect(tooLong?.message.hasPrefix("socket path \(long) is") == true)

        if getuid() != 0 {  // root ignores directory permissions
            let locked = directory.path + "/locked"
            mkdir(locked, 0o500)
            let denied = #expect(throws: SystemdError.self) { try UnixSocketBinder(path: locked + "/s").bind() }
            #expect(denied?.message == "cannot bind \(locked)/s: Permission denied")
            #expect(denied?.errno == EACCES)
        }
    }
}
