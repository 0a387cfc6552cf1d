import Foundation
import Glibc
import QInferTestSupport
import Testing

/// Tests that set process-wide environment variables (NOTIFY_SOCKET, WATCHDOG_*) nest in this suite, which runs
/// them one at a time; suites outside it never read those variables.
@Suite(.serialized) struct ProcessEnvironmentTests {}

/// A bound AF_UNIX datagram socket playing the service manager's end of NOTIFY_SOCKET.
final class DatagramReceiver {
    let path: String
    let fd: Int32

    init(path: String) throws {
        self.path = path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket: errno \(errno)") }
        let result = withUnixAddress(path) { bind(fd, $0, $1) }
        guard result == 0 else { throw TestFailure("bind \(path): errno \(errno)") }
    }

    deinit {
        close(fd)
        unlink(path)
    }

    /// The next datagram's text, or nil when none arrives within `milliseconds`.
    func receive(timeoutMilliseconds milliseconds: Int32 = 2000) -> String? {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, milliseconds) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(fd, &buffer, buffer.count, 0)
        guard count >= 0 else { return nil }
        return String(decoding: buffer[..<count], as: UTF8.self)
    }
}

/// Calls `body` with a sockaddr_un for `path`.
func withUnixAddress<R>(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(path.utf8)
    precondition(bytes.count < MemoryLayout.size(ofValue: address.sun_path))
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
        raw.copyBytes(from: bytes)
        raw[bytes.count] = 0
    }
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
}

/// Connects to a stream socket at `path`; the descriptor, or nil with errno set.
func connectUnix(_ path: String) -> Int32? {
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { return nil }
    if withUnixAddress(path, { connect(fd, $0, $1) }) == 0 { return fd }
    let code = errno
    close(fd)
    errno = code
    return nil
}

/// pipe(2) with both ends close-on-exec, so only descriptors dup2'd for a child reach it.
func makePipe(_ fds: inout [Int32]) throws {
    guard pipe(&fds) == 0 else { throw TestFailure("pipe: errno \(errno)") }
    for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
}

/// Reads until EOF.
func readAll(_ fd: Int32) -> String {
    var data: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = read(fd, &buffer, buffer.count)
        if count < 0, errno == EINTR { continue }
        guard count > 0 else { break }
        data += buffer[..<count]
    }
    return String(decoding: data, as: UTF8.self)
}

/// setenv/unsetenv for the duration of `body`, restoring the previous values.
func withEnvironment<R>(_ values: [String: String?], _ body: () throws -> R) rethrows -> R {
    let previous = values.keys.map { ($0, getenv($0).map { String(cString: $0) }) }
    for (name, value) in values {
        if let value { setenv(name, value, 1) } else { unsetenv(name) }
    }
    defer {
        for (name, value) in previous {
            if let value { setenv(name, value, 1) } else { unsetenv(name) }
        }
    }
    return try body()
}

/// A child process with chosen descriptors from 3 on and a chosen environment; stdout and stderr are captured.
struct ChildProcess {
    let pid: pid_t
    let stdoutFD: Int32
    let stderrFD: Int32

    /// Starts `arguments` via posix_spawn. `descriptors[i]` becomes fd 3+i in the child. With `listenPID`,
    /// a shell sets LISTEN_PID to the child's own PID (unknown before the spawn) and execs the program.
    static func spawn(_ arguments: [String], environment: [String: String], descriptors: [Int32] = [],
                      listenPID: Bool = false, stderrFD givenStderr: Int32? = nil) throws -> ChildProcess {
        var outPipe: [Int32] = [0, 0], errPipe: [Int32] = [0, 0]
        try makePipe(&outPipe)
        try makePipe(&errPipe)
        // Move every source above the target range first, so dup2 onto 3, 4, … never clobbers a source.
        let sources = descriptors.map { fcntl($0, F_DUPFD_CLOEXEC, 100) }
        defer { sources.forEach { close($0) } }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, givenStderr ?? errPipe[1], 2)
        for (index, source) in sources.enumerated() {
            posix_spawn_file_actions_adddup2(&actions, source, Int32(3 + index))
        }
        let argv = listenPID
            ? ["/bin/sh", "-c", "LISTEN_PID=$$; export LISTEN_PID; exec \"$0\" \"$@\""] + arguments
            : arguments
        let envp = environment.map { "\($0.key)=\($0.value)" }
        var pid: pid_t = 0
        let result = withCStrings(argv) { cArgv in
            withCStrings(envp) { cEnvp in posix_spawn(&pid, argv[0], &actions, nil, cArgv, cEnvp) }
        }
        close(outPipe[1])
        close(errPipe[1])
        guard result == 0 else { throw TestFailure("posix_spawn \(argv[0]): \(String(cString: strerror(result)))") }
        return ChildProcess(pid: pid, stdoutFD: outPipe[0], stderrFD: errPipe[0])
    }

    /// Waits for exit; the exit status and everything written to stdout and stderr.
    func finish() -> (status: Int32, stdout: String, stderr: String) {
        let out = readAll(stdoutFD), err = readAll(stderrFD)
        close(stdoutFD)
        close(stderrFD)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exited = status & 0x7F == 0
        return (exited ? (status >> 8) & 0xFF : 128 + (status & 0x7F), out, err)
    }
}

private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { pointers.forEach { free($0) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}

/// The helper executable built next to the test bundle.
func probePath() throws -> String {
    let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
    var directory = (executable as NSString).deletingLastPathComponent
    // SwiftPM on Linux runs <build>/<config>/<package>PackageTests.xctest; the probe sits beside it.
    if directory.hasSuffix(".xctest") { directory = (directory as NSString).deletingLastPathComponent }
    let probe = directory + "/qinferd-activation-probe"
    guard access(probe, X_OK) == 0 else {
        throw TestFailure("\(probe) not built; run `swift build --build-tests` (it builds every target)")
    }
    return probe
}
