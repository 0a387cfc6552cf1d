// A `qinfer dial-stdio` child with its stdin and stdout on pipes, spoken to in raw HTTP/1.1 the way ssh carries the
// bytes of `qinfer --host ssh://…`; and `qinfer` runs with bytes on stdin.
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A running `qinfer dial-stdio`.
final class DialStdioProcess: @unchecked Sendable {
    let process = Process()
    private let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
    private var buffer: [UInt8] = []
    private var eof = false

    init(_ arguments: [String], prefix: [String] = []) throws {
        var command = prefix + [try Binaries.qinfer, "dial-stdio"] + arguments
        process.executableURL = URL(fileURLWithPath: command.removeFirst())
        process.arguments = command
        var env = ProcessInfo.processInfo.environment
        env["QINFERD_SOCKET"] = nil
        process.environment = env
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
    }

    deinit {
        if process.isRunning { process.terminate() }
    }

    func send(_ bytes: [UInt8]) throws {
        try stdin.fileHandleForWriting.write(contentsOf: Data(bytes))
    }

    /// Ends stdin: dial-stdio shuts down the socket's write side.
    func closeStdin() throws { try stdin.fileHandleForWriting.close() }

    /// Reads more of stdout; false at its end. Times out after `timeout` seconds without data.
    private func fill(timeout: Double = 30) throws -> Bool {
        if eof { return false }
        let fd = stdout.fileHandleForReading.fileDescriptor
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, Int32(timeout * 1000)) > 0 else { throw HarnessError("dial-stdio wrote nothing within \(timeout) s") }
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = read(fd, &chunk, chunk.count)
        guard n > 0 else { eof = true; return false }
        buffer += chunk[..<n]
        return true
    }

    /// The next answer (qinferd always sends a content-length).
    func readResponse() throws -> HTTPResult {
        while true {
            if let end = headEnd() {
                let head = String(decoding: buffer[..<end], as: UTF8.self)
                let lines = head.components(separatedBy: "\r\n")
                let parts = lines[0].split(separator: " ")
                guard parts.count >= 2, let status = Int(parts[1]) else { throw HarnessError("not a status line: \(lines[0])") }
                var headers: [String: String] = [:]
                for line in lines.dropFirst() where !line.isEmpty {
                    guard let colon = line.firstIndex(of: ":") else { continue }
                    headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                }
                let length = headers["content-length"].flatMap(Int.init) ?? 0
                while buffer.count < end + 4 + length {
                    guard try fill() else { throw HarnessError("stdout ended inside an answer") }
                }
                let body = Array(buffer[(end + 4)..<(end + 4 + length)])
                buffer.removeFirst(end + 4 + length)
                return HTTPResult(status: status, headers: headers, body: body)
            }
            guard try fill() else { throw HarnessError("stdout ended before an answer; stderr: \(errorText())") }
        }
    }

    /// True once stdout has ended with nothing more in it.
    func atEnd() throws -> Bool { buffer.isEmpty ? !(try fill()) : false }

    private func headEnd() -> Int? {
        guard buffer.count >= 4 else { return nil }
        for i in 0...(buffer.count - 4) where buffer[i] == 13 && buffer[i + 1] == 10 && buffer[i + 2] == 13 && buffer[i + 3] == 10 {
            return i
        }
        return nil
    }

    /// Waits for the exit; returns the status.
    func waitExit(timeout: Double = 30) throws -> Int32 {
        try wait(timeout: timeout, "dial-stdio to exit") { !process.isRunning }
        return process.terminationStatus
    }

    func errorText() -> String {
        guard !process.isRunning else { return "(still running)" }
        return String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }
}

/// A Unix socket in front of qinferd's that counts the connections made through it (how many ssh sessions a command
/// would cost) and relays their bytes both ways.
final class CountingProxy: @unchecked Sendable {
    let path: String
    private let listener: Int32
    private let lock = NSLock()
    private var accepted = 0

    init(path: String, target: String) throws {
        self.path = path
        listener = try listeningSocket(at: path)
        let listener = self.listener
        Thread.detachNewThread { [self] in
            while true {
                let client = accept(listener, nil, nil)
                guard client >= 0 else { return }
                lock.withLock { accepted += 1 }
                guard let upstream = try? Connection(target) else { close(client); continue }
                let server = dup(upstream.fd)
                // The second direction to end closes both descriptors.
                let ends = Mutex(0)
                let done: @Sendable () -> Void = {
                    if ends.withLock({ $0 += 1; return $0 == 2 }) { close(client); close(server) }
                }
                Thread.detachNewThread { Self.pump(from: client, to: server); done() }
                Thread.detachNewThread { Self.pump(from: server, to: client); done() }
            }
        }
    }

    deinit {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    var connections: Int { lock.withLock { accepted } }

    private static func pump(from source: Int32, to sink: Int32) {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(source, &buffer, buffer.count, 0)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            var done = 0
            while done < n {
                let w = buffer.withUnsafeBytes { raw -> Int in
                    guard let base = raw.baseAddress else { return -1 }
                    return Glibc.send(sink, base + done, n - done, Int32(MSG_NOSIGNAL))
                }
                guard w > 0 else { break }
                done += w
            }
        }
        shutdown(sink, Int32(SHUT_WR))
    }
}
