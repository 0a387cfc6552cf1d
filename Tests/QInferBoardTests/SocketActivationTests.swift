import Foundation
import Glibc
import QInferBoard
import QInferTestSupport
import Testing

/// The probe runs in its own process with the inherited descriptors at 3, 4, … as systemd would pass them.
@Suite struct SocketActivationTests {
    static let childEnvironment = ["PATH": "/usr/bin:/bin", "LISTEN_FDS": "1"]

    /// Connects to the probe's socket and returns its one-line answer.
    private func ask(_ path: String) throws -> String { try ask(path) { connectUnix(path) } }

    private func ask(port: UInt16) throws -> String { try ask("127.0.0.1:\(port)") { connectLoopback(port) } }

    private func ask(_ what: String, _ connect: () -> Int32?) throws -> String {
        var fd: Int32?
        for _ in 0..<200 {  // systemd-socket-activate binds after it starts; poll up to 2 s
            fd = connect()
            if fd != nil { break }
            usleep(10_000)
        }
        let connection = try #require(fd, "cannot connect to \(what): errno \(errno)")
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
        #expect(answer == "ok fd=3 name=unknown address=\(path) env-unset=yes\n")
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
        #expect(answer == "ok fd=3 name=qinferd.socket address=\(path) env-unset=yes\n")
    }

    @Test("systemd-socket-activate with the API socket and a TCP socket named api and metrics: each found by its name",
          .enabled(if: access("/usr/bin/systemd-socket-activate", X_OK) == 0,
                   "systemd-socket-activate is not installed (package systemd)"))
    func realSocketActivateTwo() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/qinferd.sock"
        let port = try freeLoopbackPort()
        let child = try ChildProcess.spawn(
            ["/usr/bin/systemd-socket-activate", "-l", path, "-l", "127.0.0.1:\(port)", "--fdname=api:metrics",
             try probePath(), "metrics"],
            environment: ["PATH": "/usr/bin:/bin"])
        let answer = try ask(port: port)
        let result = child.finish()
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(answer == "ok fd=4 name=metrics address=127.0.0.1:\(port) env-unset=yes\n")
    }

    @Test("two descriptors are told apart by name, not position: metrics (TCP) at fd 3, api at fd 4")
    func choosesByName() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (metrics, port) = try loopbackListener()
        let api = try UnixSocketBinder(path: directory.path + "/qinferd.sock").bind()
        defer { close(metrics); close(api) }
        let environment = ["LISTEN_FDS": "2", "LISTEN_FDNAMES": "metrics:api"]
        let child = try ChildProcess.spawn([try probePath()], environment: environment, descriptors: [metrics, api],
                                           listenPID: true)
        let answer = try ask(directory.path + "/qinferd.sock")
        let result = child.finish()
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(answer == "ok fd=4 name=api address=\(directory.path)/qinferd.sock env-unset=yes\n")

        let second = try ChildProcess.spawn([try probePath(), "metrics"], environment: environment, descriptors: [metrics, api],
                                            listenPID: true)
        let metricsAnswer = try ask(port: port)
        #expect(second.finish().status == 0)
        #expect(metricsAnswer == "ok fd=3 name=metrics address=127.0.0.1:\(port) env-unset=yes\n")
    }

    @Test("the name qinferd.socket gave before (its unit name) still means the API socket beside metrics")
    func legacyName() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let api = try UnixSocketBinder(path: directory.path + "/qinferd.sock").bind()
        let (metrics, _) = try loopbackListener()
        defer { close(api); close(metrics) }
        let child = try ChildProcess.spawn([try probePath()], environment: ["LISTEN_FDS": "2", "LISTEN_FDNAMES": "qinferd.socket:metrics"],
                                           descriptors: [api, metrics], listenPID: true)
        let answer = try ask(directory.path + "/qinferd.sock")
        #expect(child.finish().status == 0)
        #expect(answer == "ok fd=3 name=qinferd.socket address=\(directory.path)/qinferd.sock env-unset=yes\n")
    }

    @Test("one descriptor named metrics is the metrics socket: there is no API socket to serve on")
    func metricsAlone() throws {
        let (metrics, port) = try loopbackListener()
        defer { close(metrics) }
        let environment = ["LISTEN_FDS": "1", "LISTEN_FDNAMES": "metrics"]
        let api = try ChildProcess.spawn([try probePath()], environment: environment, descriptors: [metrics], listenPID: true).finish()
        #expect(api.status == 3 && api.stdout == "no api socket\n", "\(api)")
        let child = try ChildProcess.spawn([try probePath(), "metrics"], environment: environment, descriptors: [metrics],
                                           listenPID: true)
        let answer = try ask(port: port)
        #expect(child.finish().status == 0)
        #expect(answer == "ok fd=3 name=metrics address=127.0.0.1:\(port) env-unset=yes\n")
    }

    @Test("several descriptors with an unknown name, or two of a kind: an error listing the names")
    func ambiguous() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let first = try UnixSocketBinder(path: directory.path + "/a.sock").bind()
        let second = try UnixSocketBinder(path: directory.path + "/b.sock").bind()
        defer { close(first); close(second) }
        for (names, complaint) in [("a.socket:b.socket", "does not say what \"a.socket\" is"),
                                   ("api:metrics.socket", "does not say what \"metrics.socket\" is"),
                                   ("api:qinferd.socket", "two of them API sockets"),
                                   ("metrics:qinferd-metrics.socket", "two of them metrics sockets")] {
            let result = try ChildProcess.spawn([try probePath()], environment: ["LISTEN_FDS": "2", "LISTEN_FDNAMES": names],
                                                descriptors: [first, second], listenPID: true).finish()
            let listed = names.split(separator: ":").enumerated().map { "fd \(3 + $0.offset)=\"\($0.element)\"" }.joined(separator: ", ")
            #expect(result.status == 2, "\(names): \(result)")
            #expect(result.stderr.contains("passed 2 descriptors (\(listed))") && result.stderr.contains(complaint), "\(result.stderr)")
            #expect(result.stderr.contains("FileDescriptorName="), "\(result.stderr)")
        }
    }

    @Test("a TCP socket named api, or a metrics socket that is not listening, is refused saying what it is")
    func wrongKinds() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (tcp, _) = try loopbackListener()
        let unix = try UnixSocketBinder(path: directory.path + "/qinferd.sock").bind()
        let unbound = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        defer { close(tcp); close(unix); close(unbound) }
        let swapped = try ChildProcess.spawn([try probePath()], environment: ["LISTEN_FDS": "2", "LISTEN_FDNAMES": "api:metrics"],
                                             descriptors: [tcp, unix], listenPID: true).finish()
        #expect(swapped.status == 2)
        #expect(swapped.stderr.contains("fd 3 (\"api\") is not a listening AF_UNIX stream socket: it is an AF_INET stream socket, listening"),
                "\(swapped.stderr)")
        let idle = try ChildProcess.spawn([try probePath()], environment: ["LISTEN_FDS": "2", "LISTEN_FDNAMES": "api:metrics"],
                                          descriptors: [unix, unbound], listenPID: true).finish()
        #expect(idle.status == 2)
        #expect(idle.stderr.contains("fd 4 (\"metrics\") is not a listening stream socket: it is an AF_INET stream socket, not listening"),
                "\(idle.stderr)")
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
