import Foundation
import Glibc
import QInferBoard
import QInferTestSupport
import Testing

/// The probe runs in its own process with the inherited descriptors at 3, 4, … as systemd would pass them.
@Suite struct SocketActivationTests {
    static let childEnvironment = ["PATH": "/usr/bin:/bin", "LISTEN_FDS": "1"]

    /// Connects to the probe's socket and returns its one-line answer.
    private func ask(_ path: String) throws -> String {
        var fd: Int32?
        for _ in 0..<200 {  // systemd-socket-activate binds after it starts; poll up to 2 s
            fd = connectUnix(path)
            if fd != nil { break }
            usleep(10_000)
        }
        let connection = try #require(fd, "cannot connect to \(path): errno \(errno)")
        defer { close(connection) }
        return readAll(connection)
    }

    @Test("an inherited listening socket at fd 3 is found, its path read back, the environment unset")
    func inheritedSocket() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/qinferd.sock"
        let listener = try UnixSocketBinder(path: path).bind()
        defer { close(listener) }
        let child = try ChildProcess.spawn([try probePath()], environment: Self.childEnvironment,
                                           descriptors: [listener], listenPID: true)
        let answer = try ask(path)
        let result = child.finish()
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(answer == "ok fd=3 name=unknown path=\(path) env-unset=yes\n")
    }

    @Test("systemd-socket-activate (Debian's systemd package) really passes LISTEN_FDS and the name",
          .enabled(if: access("/usr/bin/systemd-socket-activate", X_OK) == 0,
                   "systemd-socket-activate is not installed (package systemd)"))
    func realSocketActivate() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/qinferd.sock"
        let child = try ChildProcess.spawn(
            ["/usr/bin/systemd-socket-activate", "-l", path, "--fdname=qinferd.socket", try probePath()],
            environment: ["PATH": "/usr/bin:/bin"])
        let answer = try ask(path)
        let result = child.finish()
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(answer == "ok fd=3 name=qinferd.socket path=\(path) env-unset=yes\n")
    }

    @Test("with two descriptors the one named qinferd.socket is chosen")
    func choosesByName() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let other = try UnixSocketBinder(path: directory.path + "/other.sock").bind()
        let ours = try UnixSocketBinder(path: directory.path + "/qinferd.sock").bind()
        defer { close(other); close(ours) }
        let environment = ["LISTEN_FDS": "2", "LISTEN_FDNAMES": "metrics.socket:qinferd.socket"]
        let child = try ChildProcess.spawn([try probePath()], environment: environment, descriptors: [other, ours],
                                           listenPID: true)
        let answer = try ask(directory.path + "/qinferd.sock")
        let result = child.finish()
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(answer == "ok fd=4 name=qinferd.socket path=\(directory.path)/qinferd.sock env-unset=yes\n")
    }

    @Test("two descriptors without the expected name: an error listing the names")
    func ambiguous() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let first = try UnixSocketBinder(path: directory.path + "/a.sock").bind()
        let second = try UnixSocketBinder(path: directory.path + "/b.sock").bind()
        defer { close(first); close(second) }
        let environment = ["LISTEN_FDS": "2", "LISTEN_FDNAMES": "a.socket:b.socket"]
        let result = try ChildProcess.spawn([try probePath()], environment: environment, descriptors: [first, second],
                                            listenPID: true).finish()
        #expect(result.status == 2)
        #expect(result.stderr.contains("passed 2 descriptors (fd 3=\"a.socket\", fd 4=\"b.socket\")"), "\(result.stderr)")
        #expect(result.stderr.contains("none named \"qinferd.socket\""), "\(result.stderr)")
    }

    @Test("a regular file at fd 3 is refused with an error saying what it is")
    func regularFileRefused() throws {
        let file = open("/etc/hostname", O_RDONLY | O_CLOEXEC)
        try #require(file >= 0)
        defer { close(file) }
        let result = try ChildProcess.spawn([try probePath()], environment: Self.childEnvironment,
                                            descriptors: [file], listenPID: true).finish()
        #expect(result.status == 2)
        #expect(result.stderr == "error: socket activation: fd 3 (\"unknown\") is not a listening AF_UNIX stream "
                    + "socket: it is a regular file, not a socket; check ListenStream= in the .socket unit\n")
    }

    @Test("a datagram socket or a stream socket that is not listening is refused")
    func wrongSocketKinds() throws {
        let datagram = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        let stream = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        defer { close(datagram); close(stream) }
        let first = try ChildProcess.spawn([try probePath()], environment: Self.childEnvironment,
                                           descriptors: [datagram], listenPID: true).finish()
        #expect(first.status == 2)
        #expect(first.stderr.contains("it is an AF_UNIX datagram socket, not listening"), "\(first.stderr)")
        let second = try ChildProcess.spawn([try probePath()], environment: Self.childEnvironment,
                                            descriptors: [stream], listenPID: true).finish()
        #expect(second.status == 2)
        #expect(second.stderr.contains("it is an AF_UNIX stream socket, not listening"), "\(second.stderr)")
    }

    @Test("LISTEN_PID of another process or no LISTEN_FDS: not activated")
    func notActivated() throws {
        let none = try ChildProcess.spawn([try probePath()], environment: ["PATH": "/usr/bin:/bin"]).finish()
        #expect(none.status == 3 && none.stdout == "not activated\n")
        let otherPID = try ChildProcess.spawn([try probePath()],
                                              environment: ["LISTEN_FDS": "1", "LISTEN_PID": "1"]).finish()
        #expect(otherPID.status == 3 && otherPID.stdout == "not activated\n")
    }

    @Test("a malformed LISTEN_FDS is an error naming it")
    func malformed() throws {
        let result = try ChildProcess.spawn([try probePath()], environment: ["LISTEN_FDS": "three"],
                                            listenPID: true).finish()
        #expect(result.status == 2)
        #expect(result.stderr.contains("LISTEN_FDS=three is malformed"), "\(result.stderr)")
    }
}
