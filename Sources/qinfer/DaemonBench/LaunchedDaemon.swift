// A qinferd started by the benchmark the way systemd starts it (Type=notify): the time from exec to its READY=1 on
// a NOTIFY_SOCKET is the start-to-READY time a unit sees, and /proc/<pid>/status gives its resident memory.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

final class LaunchedDaemon {
    let process = Process()
    let socketPath: String
    /// Seconds from starting the process to its READY=1.
    private(set) var secondsToReady = 0.0
    private let notifyFD: Int32
    private let notifyDrain: DispatchSourceRead
    private let notifyPath: String
    private let logPath: String

    /// Starts `executable` with `arguments` plus `--socket` in `scratch` and waits for READY=1 (or its exit).
    init(executable: String, arguments: [String], scratch: String, timeout: Double = 30) throws {
        socketPath = scratch + "/qinferd.sock"
        notifyPath = scratch + "/notify.sock"
        logPath = scratch + "/qinferd.log"
        unlink(notifyPath)
        notifyFD = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard notifyFD >= 0 else { throw CLIError("socket(AF_UNIX, SOCK_DGRAM): \(String(cString: strerror(errno)))") }
        try Self.bind(notifyFD, notifyPath)
        notifyDrain = DispatchSource.makeReadSource(fileDescriptor: notifyFD, queue: DispatchQueue(label: "qinfer.bench.notify"))

        var env = ProcessInfo.processInfo.environment
        for key in ["LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "WATCHDOG_USEC", "WATCHDOG_PID", "JOURNAL_STREAM"] { env[key] = nil }
        env["NOTIFY_SOCKET"] = notifyPath
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments + ["--socket", socketPath]
        process.environment = env
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice

        let start = ContinuousClock.now
        do { try process.run() } catch { close(notifyFD); throw CLIError("cannot start \(executable): \(error)") }
        do { try waitForReady(timeout: timeout) } catch { stop(); close(notifyFD); throw error }
        secondsToReady = (ContinuousClock.now - start).seconds
        // From here on the messages are read and dropped, as systemd would read them: qinferd's sd_notify blocks
        // once the socket's queue (net.unix.max_dgram_qlen, often 10) is full.
        let fd = notifyFD
        notifyDrain.setEventHandler {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT)) > 0 {}
        }
        notifyDrain.resume()
    }

    deinit {
        if process.isRunning { stop() }
        notifyDrain.cancel()
        close(notifyFD)
        unlink(notifyPath)
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    private func waitForReady(timeout: Double) throws {
        let end = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        var buffer = [UInt8](repeating: 0, count: 4096)
        while ContinuousClock.now < end {
            guard process.isRunning else {
                throw CLIError("qinferd exited (status \(process.terminationStatus)) before READY=1; its log:\n\(log)")
            }
            var p = pollfd(fd: notifyFD, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 50) > 0 else { continue }
            let n = recv(notifyFD, &buffer, buffer.count, 0)
            guard n > 0 else { continue }
            let lines = String(decoding: buffer[..<n], as: UTF8.self).split(separator: "\n")
            if lines.contains("READY=1") { return }
        }
        throw CLIError("qinferd sent no READY=1 within \(timeout) s; its log:\n\(log)")
    }

    /// Resident memory in bytes: total, anonymous (heap, stacks) and file-backed (the binary, libraries, mapped models).
    func residentMemory() throws -> (total: Int, anonymous: Int, file: Int) {
        let path = "/proc/\(process.processIdentifier)/status"
        let text = try Self.readProcFile(path)
        func kib(_ key: String) -> Int {
            for line in text.split(separator: "\n") where line.hasPrefix(key + ":") {
                return (Int(line.dropFirst(key.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "") ?? 0) * 1024
            }
            return 0
        }
        return (kib("VmRSS"), kib("RssAnon"), kib("RssFile") + kib("RssShmem"))
    }

    /// CPU time the process has used so far (user + system), seconds: /proc/<pid>/stat fields 14 and 15, in clock ticks.
    func cpuSeconds() throws -> Double {
        let path = "/proc/\(process.processIdentifier)/stat"
        let text = try Self.readProcFile(path)
        // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
        guard let close = text.lastIndex(of: ")") else { throw CLIError("\(path): no ')' after the command name") }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state), so utime (14) and stime (15) are fields[11] and fields[12].
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else {
            throw CLIError("\(path): no utime/stime fields")
        }
        return (user + system) / Double(max(sysconf(Int32(_SC_CLK_TCK)), 1))
    }

    /// SIGTERM (a drain) and wait for the exit.
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    /// read(2) to the end: Foundation's file reading stops early on /proc files, whose size reads 0.
    private static func readProcFile(_ path: String) throws -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CLIError("cannot read \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 8192)
        while true {
            let n = read(fd, &chunk, chunk.count)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            out += chunk[..<n]
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func bind(_ fd: Int32, _ path: String) throws {
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else { throw CLIError("socket path too long: \(path)") }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard ok == 0 else { throw CLIError("bind \(path): \(String(cString: strerror(errno)))") }
    }
}
