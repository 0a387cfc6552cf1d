// The integration tests' tools: the built binaries, scratch directories, a spawned qinferd (posix_spawn, so
// descriptors and the environment are exactly what the test says), a raw HTTP/1.1 client over AF_UNIX, an
// sd_notify listener, and the test models.
import Foundation
import QInferEngine
import QInferInputFormats
import QInferModel
import QInferTestSupport
import Testing
#if canImport(Glibc)
import Glibc
import QInferRandom
#endif

// MARK: binaries and scratch space

enum Binaries {
    /// The directory that holds the test bundle and the built executables.
    static let directory: String = {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("qinferd").path) && dir.path != "/" {
            dir.deleteLastPathComponent()
        }
        return dir.path
    }()

    static func path(_ name: String) throws -> String {
        let p = "\(directory)/\(name)"
        guard FileManager.default.isExecutableFile(atPath: p) else {
            throw HarnessError("\(name) is not built next to the test bundle (\(CommandLine.arguments[0])); run `swift build` first")
        }
        return p
    }

    static var qinferd: String { get throws { try path("qinferd") } }
    static var qinfer: String { get throws { try path("qinfer") } }
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// A short-named scratch directory (socket paths must stay under 108 bytes), mode 0755 so another uid can reach
/// the socket in it; removed at the end of the test.
final class Scratch: @unchecked Sendable {
    let path: String

    init() throws {
        path = "/tmp/qit-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func sub(_ name: String) -> String { "\(path)/\(name)" }

    @discardableResult
    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let file = sub(name)
        try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        return file
    }
}

func wait(timeout: Double, every: Double = 0.01, _ what: String, until condition: () throws -> Bool) throws {
    let end = Date().addingTimeInterval(timeout)
    while true {
        if try condition() { return }
        if Date() > end { throw HarnessError("timed out after \(timeout) s waiting for \(what)") }
        usleep(UInt32(every * 1_000_000))
    }
}

/// A whole file read with read(2) until its end (Foundation stops early on /proc files, whose size reads 0).
func readWholeFile(_ path: String) throws -> String {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw HarnessError("open \(path): \(errnoText())") }
    defer { close(fd) }
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = read(fd, &chunk, chunk.count)
        if n < 0 && errno == EINTR { continue }
        guard n >= 0 else { throw HarnessError("read \(path): \(errnoText())") }
        if n == 0 { break }
        out += chunk[..<n]
    }
    return String(decoding: out, as: UTF8.self)
}

/// Files under `dir`, recursively, relative to it.
func filesUnder(_ dir: String) -> [String] {
    (FileManager.default.enumerator(atPath: dir)?.allObjects as? [String] ?? []).sorted()
}

// MARK: the daemon process

/// A qinferd started with posix_spawn: stdout and stderr go to a log file, descriptors other than 0–2 (and an
/// optional inherited listening socket as fd 3) are closed, signal dispositions reset. Killed when released.
final class DaemonProcess: @unchecked Sendable {
    let pid: pid_t
    let socket: String
    let logPath: String
    private var status: Int32?

    /// - Parameters:
    ///   - listenFD: passed as fd 3 with LISTEN_FDS=1 and LISTEN_PID set to the daemon's pid (through `sh -c
    ///     'LISTEN_PID=$$ exec …'`, which keeps the pid).
    ///   - namedListenFDs: instead, several sockets as fd 3, 4, … with LISTEN_FDS and LISTEN_FDNAMES, as systemd passes
    ///     the sockets of several .socket units.
    init(arguments: [String], socket: String, log: String, environment: [String: String] = [:], listenFD: Int32? = nil,
         namedListenFDs: [(fd: Int32, name: String)] = []) throws {
        self.socket = socket
        logPath = log
        let binary = try Binaries.qinferd
        var env = ProcessInfo.processInfo.environment
        for key in ["NOTIFY_SOCKET", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "WATCHDOG_USEC", "WATCHDOG_PID", "QINFERD_SOCKET",
                    "JOURNAL_STREAM", "INVOCATION_ID"] {
            env[key] = nil
        }
        for (k, v) in environment { env[k] = v }
        let listenFDs = listenFD.map { [$0] } ?? namedListenFDs.map(\.fd)
        if !namedListenFDs.isEmpty { env["LISTEN_FDNAMES"] = namedListenFDs.map(\.name).joined(separator: ":") }
        var argv: [String]
        let executable: String
        if !listenFDs.isEmpty {
            env["LISTEN_FDS"] = "\(listenFDs.count)"
            executable = "/bin/sh"
            argv = ["sh", "-c", "LISTEN_PID=$$; export LISTEN_PID; exec \"$0\" \"$@\"", binary] + arguments
        } else {
            executable = binary
            argv = ["qinferd"] + arguments
        }
        pid = try spawn(executable, argv, env: env, log: log, listenFDs: listenFDs)
    }

    deinit {
        if status == nil {
            kill(pid, SIGKILL)
            var s: Int32 = 0
            waitpid(pid, &s, 0)
        }
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Still running (not reaped)?
    var isRunning: Bool {
        if status != nil { return false }
        var s: Int32 = 0
        let r = waitpid(pid, &s, WNOHANG)
        if r == pid { status = s; return false }
        return true
    }

    /// Waits until GET /v1/health answers 200 on `socket`.
    func waitReady(timeout: Double = 30) throws {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end {
            guard isRunning else { throw HarnessError("qinferd exited (\(describeStatus())) before it was ready; its log:\n\(log)") }
            if let r = try? HTTP.request(socket, "GET", "/v1/health", timeout: 2), r.status == 200 { return }
            usleep(20_000)
        }
        throw HarnessError("qinferd was not ready on \(socket) within \(timeout) s; its log:\n\(log)")
    }

    func signal(_ sig: Int32) { kill(pid, sig) }

    /// Waits for the process to end; returns its raw wait status.
    @discardableResult
    func waitExit(timeout: Double = 30) throws -> Int32 {
        try wait(timeout: timeout, every: 0.005, "qinferd (pid \(pid)) to exit") { !isRunning }
        return status!
    }

    var exitedNormally: Bool { status.map { ($0 & 0x7f) == 0 } ?? false }
    var exitCode: Int32 { status.map { ($0 >> 8) & 0xff } ?? -1 }
    var termSignal: Int32 { status.map { $0 & 0x7f } ?? 0 }

    func describeStatus() -> String {
        guard status != nil else { return "running" }
        return exitedNormally ? "exit status \(exitCode)" : "signal \(termSignal)"
    }
}

private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

/// glibc ≥ 2.34 has posix_spawn_file_actions_addclosefrom_np; looked up at run time.
private let addCloseFrom: AddCloseFrom? = {
    guard let sym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return nil }
    return unsafeBitCast(sym, to: AddCloseFrom.self)
}()

private func spawn(_ executable: String, _ argv: [String], env: [String: String], log: String, listenFDs: [Int32]) throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    let firstClosed = 3 + Int32(listenFDs.count)
    for (i, fd) in listenFDs.enumerated() {
        precondition(fd >= firstClosed, "pass descriptors above \(firstClosed - 1) (dup2 onto itself would keep FD_CLOEXEC)")
        posix_spawn_file_actions_adddup2(&actions, fd, 3 + Int32(i))
    }
    // Descriptors of other tests running in this process (pipes of their child processes) must not leak into the
    // daemon, or their readers would wait for its exit.
    if let addCloseFrom { _ = addCloseFrom(&actions, firstClosed) }

    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var defaults = sigset_t()
    sigemptyset(&defaults)
    for s in [SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGCHLD, SIGUSR1, SIGUSR2] { sigaddset(&defaults, s) }
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    var mask = sigset_t()
    sigemptyset(&mask)
    posix_spawnattr_setsigmask(&attributes, &mask)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

    let cArgs = argv.map { strdup($0) } + [nil]
    let cEnv = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
        cArgs.forEach { free($0) }
        cEnv.forEach { free($0) }
    }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, executable, &actions, &attributes, cArgs, cEnv)
    guard rc == 0 else { throw HarnessError("posix_spawn \(executable): \(String(cString: strerror(rc)))") }
    return pid
}

// MARK: Unix sockets

func withUnixAddress<T>(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) throws -> T) throws -> T {
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(path.utf8)
    let capacity = MemoryLayout.size(ofValue: address.sun_path)
    guard bytes.count < capacity else { throw HarnessError("socket path \(path) is too long") }
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
        raw.copyBytes(from: bytes)
        raw[bytes.count] = 0
    }
    return try withUnsafePointer(to: &address) {
        try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { try body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
}

func errnoText() -> String { String(cString: strerror(errno)) }

/// A bound and listening AF_UNIX stream socket (for socket activation), on a descriptor above 3.
func listeningSocket(at path: String) throws -> Int32 {
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { throw HarnessError("socket: \(errnoText())") }
    try withUnixAddress(path) { addr, len in
        guard bind(fd, addr, len) == 0 else { throw HarnessError("bind \(path): \(errnoText())") }
    }
    guard listen(fd, 64) == 0 else { throw HarnessError("listen: \(errnoText())") }
    let high = fcntl(fd, F_DUPFD_CLOEXEC, 10)
    close(fd)
    guard high >= 0 else { throw HarnessError("fcntl: \(errnoText())") }
    return high
}

/// An AF_UNIX datagram socket standing in for systemd's NOTIFY_SOCKET.
final class NotifyListener: @unchecked Sendable {
    let path: String
    let fd: Int32
    private(set) var messages: [String] = []

    init(path: String) throws {
        self.path = path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw HarnessError("socket: \(errnoText())") }
        try withUnixAddress(path) { addr, len in
            guard bind(fd, addr, len) == 0 else { throw HarnessError("bind \(path): \(errnoText())") }
        }
    }

    deinit { close(fd) }

    /// Receives datagrams until one satisfies `predicate` (returned) or the timeout passes (throws).
    @discardableResult
    func receive(timeout: Double, _ what: String, until predicate: (String) -> Bool) throws -> String {
        let end = Date().addingTimeInterval(timeout)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let left = end.timeIntervalSinceNow
            if left <= 0 { throw HarnessError("no sd_notify message \(what) within \(timeout) s; got: \(messages)") }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, Int32(left * 1000) + 1) > 0 else { continue }
            let n = recv(fd, &buffer, buffer.count, 0)
            guard n > 0 else { continue }
            let message = String(decoding: buffer[..<n], as: UTF8.self)
            messages.append(message)
            if predicate(message) { return message }
        }
    }
}

// MARK: HTTP over the Unix socket

struct HTTPResult {
    let status: Int
    /// Lower-cased names.
    let headers: [String: String]
    let body: [UInt8]

    var text: String { String(decoding: body, as: UTF8.self) }

    func json() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            throw HarnessError("HTTP \(status) body is not a JSON object: \(text)")
        }
        return object
    }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        do { return try JSONDecoder().decode(T.self, from: Data(body)) } catch {
            throw HarnessError("HTTP \(status) body is not a \(T.self) (\(error)): \(text.prefix(600))")
        }
    }

    /// The API's error body: `{"error": {"status", "code", "message"}}` with the HTTP status repeated.
    func apiError() throws -> (status: Int, code: String, message: String) {
        let object = try json()
        guard let e = object["error"] as? [String: Any], let status = e["status"] as? Int, let code = e["code"] as? String,
              let message = e["message"] as? String else {
            throw HarnessError("HTTP \(self.status) body is not an API error: \(text)")
        }
        return (status, code, "\(message)")
    }
}

/// One client connection with its own read buffer; blocking, with a receive timeout.
final class Connection: @unchecked Sendable {
    let fd: Int32
    private var buffer: [UInt8] = []
    private var eof = false

    init(_ path: String, timeout: Double = 60) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw HarnessError("socket: \(errnoText())") }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        do {
            try withUnixAddress(path) { addr, len in
                guard connect(fd, addr, len) == 0 else { throw HarnessError("connect \(path): \(errnoText())") }
            }
        } catch {
            close(fd)
            throw error
        }
    }

    deinit { close(fd) }

    func send(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw HarnessError("send: \(errnoText())") }
            sent += n
        }
    }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    /// Reads more bytes into the buffer; false at end of stream.
    private func fill() throws -> Bool {
        if eof { return false }
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &chunk, chunk.count, 0)
            if n > 0 { buffer += chunk[..<n]; return true }
            if n == 0 || errno == ECONNRESET { eof = true; return false }
            if errno == EINTR { continue }
            throw HarnessError("recv: \(errno == EAGAIN ? "timed out" : errnoText())")
        }
    }

    private func take(_ n: Int) -> [UInt8] {
        let out = Array(buffer[..<n])
        buffer.removeFirst(n)
        return out
    }

    func readLine() throws -> String {
        while true {
            if let i = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                var line = take(i + 1)
                line.removeLast()
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            guard try fill() else { throw HarnessError("connection closed mid-line") }
        }
    }

    func readExactly(_ n: Int) throws -> [UInt8] {
        while buffer.count < n {
            guard try fill() else { throw HarnessError("connection closed after \(buffer.count) of \(n) bytes") }
        }
        return take(n)
    }

    /// Status line and headers of the next final (non-1xx) response.
    func readHead() throws -> (status: Int, headers: [String: String]) {
        while true {
            let statusLine = try readLine()
            let parts = statusLine.split(separator: " ", maxSplits: 2)
            guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
                throw HarnessError("not an HTTP status line: \(statusLine)")
            }
            var headers: [String: String] = [:]
            while true {
                let line = try readLine()
                if line.isEmpty { break }
                guard let colon = line.firstIndex(of: ":") else { throw HarnessError("bad header line: \(line)") }
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            if (100..<200).contains(status) { continue }
            return (status, headers)
        }
    }

    /// One chunk of a chunked body; empty at the last chunk.
    func readChunk() throws -> [UInt8] {
        let sizeLine = try readLine()
        guard let size = Int(sizeLine.split(separator: ";").first ?? "", radix: 16) else { throw HarnessError("bad chunk size: \(sizeLine)") }
        let data = try readExactly(size)
        _ = try readLine()
        return data
    }

    func readResponse() throws -> HTTPResult {
        let (status, headers) = try readHead()
        var body: [UInt8] = []
        if let length = headers["content-length"].flatMap(Int.init) {
            body = try readExactly(length)
        } else if headers["transfer-encoding"]?.lowercased() == "chunked" {
            while true {
                let chunk = try readChunk()
                if chunk.isEmpty { break }
                body += chunk
            }
        } else {
            while try fill() {}
            body = buffer
            buffer = []
        }
        return HTTPResult(status: status, headers: headers, body: body)
    }

    /// Whether the daemon closed the connection (reads EOF within `timeout`).
    func closedByPeer(timeout: Double = 5) -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, Int32(timeout * 1000)) > 0 else { return false }
        var byte: UInt8 = 0
        let n = recv(fd, &byte, 1, Int32(MSG_PEEK))
        return n == 0 || (n < 0 && errno == ECONNRESET)
    }
}

enum HTTP {
    static func requestBytes(_ method: String, _ path: String, headers: [String: String] = [:], body: [UInt8]? = nil,
                             close: Bool = true) -> [UInt8] {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: localhost\r\n"
        for (k, v) in headers { head += "\(k): \(v)\r\n" }
        if let body { head += "Content-Length: \(body.count)\r\n" }
        if close { head += "Connection: close\r\n" }
        head += "\r\n"
        return Array(head.utf8) + (body ?? [])
    }

    /// One request on a new connection.
    static func request(_ socket: String, _ method: String, _ path: String, headers: [String: String] = [:], body: [UInt8]? = nil,
                        timeout: Double = 60) throws -> HTTPResult {
        let c = try Connection(socket, timeout: timeout)
        try c.send(requestBytes(method, path, headers: headers, body: body))
        return try c.readResponse()
    }

    static func get(_ socket: String, _ path: String) throws -> HTTPResult { try request(socket, "GET", path) }

    static func json(_ value: Any) throws -> [UInt8] { [UInt8](try JSONSerialization.data(withJSONObject: value)) }

    /// JSON inference request for a point cloud given as xyz values.
    static func inferJSON(_ socket: String, model: String, points: [Float], shape: [Int], query: String = "?outputs=1") throws -> HTTPResult {
        let body = try json(["input": points.map(Double.init), "shape": shape])
        return try request(socket, "POST", "/v1/models/\(model)/infer\(query)", headers: ["Content-Type": "application/json"], body: body)
    }
}

// MARK: models

/// Random but well-formed .qpack models (QInferTestSupport) and what the engine computes for them in-process.
enum TestModels {
    static let points = 64
    /// Two point-cloud classifiers with one input shape and different weights.
    static let a: [UInt8] = try! randomPointNet(seed: 101, points: points, widths: [32, 64, 65], classes: 6)
    static let b: [UInt8] = try! randomPointNet(seed: 202, points: points, widths: [32, 64, 65], classes: 6)

    /// A fixed input: `points` xyz points.
    static let input: [Float] = {
        var rng = SplitMix64(seed: 7)
        return rng.floats(points * 3, -1, 1)
    }()

    /// The scores the engine gives `input` (as a [points, 3] tensor), as the daemon should.
    static func expectedScores(_ model: [UInt8], input: [Float] = input) throws -> [Float] {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: model.count, alignment: 64)
        defer { buffer.deallocate() }
        model.withUnsafeBytes { buffer.copyMemory(from: $0) }
        let packed = try PackedModel(bytes: UnsafeRawBufferPointer(buffer), owner: nil)
        let prepared = try InputPreparer(metadata: packed.metadata)
            .prepare(.tensor(Tensor(shape: [input.count / 3, 3], storage: .float32(input))))
        return try Engine(model: packed, isa: nil).run(prepared)
    }

    static func close(_ x: [Float], _ y: [Float], tolerance: Float = 1e-4) -> Bool {
        x.count == y.count && zip(x, y).allSatisfy { abs($0 - $1) <= tolerance * max(1, abs($1)) }
    }
}

/// Numbers from a JSON array (JSONSerialization gives NSNumber/Double).
func floats(_ any: Any?) -> [Float]? {
    (any as? [Any])?.compactMap { ($0 as? NSNumber)?.floatValue }
}
