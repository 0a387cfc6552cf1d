import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// All integration tests run one after another: they start real daemons and some measure time (watchdog pings,
/// draining, hot swaps), which parallel daemons on a 2-core machine would blur.
@Suite("qinferd on a real socket", .serialized) struct Integration {}

/// Starts qinferd in `scratch` with its own socket, state directory and (empty unless written) embedded models
/// directory, and waits until it answers.
func startDaemon(_ scratch: Scratch, name: String = "d", state: String? = nil, extra: [String] = [],
                 environment: [String: String] = [:]) throws -> DaemonProcess {
    let socket = scratch.sub("\(name).sock")
    let daemon = try DaemonProcess(
        arguments: ["--socket", socket, "--state-dir", state ?? scratch.sub("state"), "--models-dir", scratch.sub("embedded")] + extra,
        socket: socket, log: scratch.sub("\(name).log"), environment: environment)
    try daemon.waitReady()
    return daemon
}

/// Seconds on the monotonic clock.
func monotonicNow() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

/// Asserts the daemon still answers GET /v1/health with 200 and a live, ready body.
func expectHealthy(_ daemon: DaemonProcess, after what: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    #expect(daemon.isRunning, "qinferd died after \(what): \(daemon.describeStatus())\n\(daemon.log)", sourceLocation: sourceLocation)
    let r = try HTTP.get(daemon.socket, "/v1/health")
    #expect(r.status == 200, "health after \(what): \(r.status) \(r.text)", sourceLocation: sourceLocation)
    let j = try r.json()
    #expect(j["live"] as? Bool == true && j["ready"] as? Bool == true, "health after \(what): \(r.text)", sourceLocation: sourceLocation)
}

/// Asserts `r` is the API's JSON error with this status and code, and returns its message.
@discardableResult
func expectAPIError(_ r: HTTPResult, _ status: Int, _ code: String, _ what: String,
                    sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
    #expect(r.status == status, "\(what): HTTP \(r.status) \(r.text)", sourceLocation: sourceLocation)
    #expect(r.headers["content-type"]?.hasPrefix("application/json") == true, "\(what): content-type \(r.headers["content-type"] ?? "none")",
            sourceLocation: sourceLocation)
    let e = try r.apiError()
    #expect(e.status == status && e.code == code, "\(what): \(r.text)", sourceLocation: sourceLocation)
    #expect(!e.message.isEmpty, "\(what): empty message", sourceLocation: sourceLocation)
    return e.message
}

/// Runs the built `qinfer` (optionally through a prefix such as setpriv) and returns status, stdout, stderr.
func runQInfer(_ arguments: [String], environment: [String: String] = [:], prefix: [String] = []) throws -> (status: Int32, out: String, err: String) {
    let r = try runQInferBytes(arguments, environment: environment, prefix: prefix, input: nil)
    return (r.status, String(decoding: r.out, as: UTF8.self), r.err)
}

/// Runs `qinfer arguments` with `input` on stdin (then its end); returns status, stdout as bytes, stderr.
func runQInfer(_ arguments: [String], input: [UInt8]) throws -> (status: Int32, out: [UInt8], err: String) {
    try runQInferBytes(arguments, environment: [:], prefix: [], input: input)
}

/// The one runner behind both: stdin is `input` (closed after it) or /dev/null; $QINFERD_SOCKET is never inherited.
private func runQInferBytes(_ arguments: [String], environment: [String: String], prefix: [String],
                            input: [UInt8]?) throws -> (status: Int32, out: [UInt8], err: String) {
    let qinfer = try Binaries.qinfer
    let process = Process()
    var command = prefix + [qinfer] + arguments
    process.executableURL = URL(fileURLWithPath: command.removeFirst())
    process.arguments = command
    var env = ProcessInfo.processInfo.environment
    env["QINFERD_SOCKET"] = nil
    for (k, v) in environment { env[k] = v }
    process.environment = env
    let out = Pipe(), err = Pipe(), stdin = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input == nil ? FileHandle.nullDevice : stdin
    try process.run()
    // Read both pipes concurrently: a full stderr pipe must not block the child while stdout is read.
    final class Box: @unchecked Sendable { var data = Data() }
    let errBox = Box()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
        errBox.data = err.fileHandleForReading.readDataToEndOfFile()
        group.leave()
    }
    if let input {
        try stdin.fileHandleForWriting.write(contentsOf: Data(input))
        try stdin.fileHandleForWriting.close()
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return (process.terminationStatus, [UInt8](outData), String(decoding: errBox.data, as: UTF8.self))
}

func jsonObject(_ text: String) throws -> [String: Any] {
    guard let o = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
        throw HarnessError("not a JSON object: \(text)")
    }
    return o
}
