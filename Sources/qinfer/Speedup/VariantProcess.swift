// Runs one variant's runner as a child process (qinfer's `bench runner` or tools/bench/ort_runner.py) and reads its
// protocol: an optional {"event":"start"} line when the timed window opens, then one JSON line of results.
import Foundation
import Synchronization

struct RunnerResult {
    var medianMicros: Double
    var p99Micros: Double
    var runs: Int
    var wallSeconds: Double
    var cpuSeconds: Double
    var peakRSSBytes: Int?
    var isa: String?
    var version: String?
    /// When the start event and the result arrived (the energy window), on the parent's clock.
    var windowStart: ContinuousClock.Instant
    var windowEnd: ContinuousClock.Instant
}

struct VariantProcess {
    let executable: String
    let arguments: [String]
    /// Seconds after which a runner that has not finished is killed: a hung child must not hang the benchmark.
    let timeout: Double

    /// `onStart` runs on the calling thread when the window opens (the energy meter's mark).
    func run(onStart: () -> Void = {}) throws -> RunnerResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do { try process.run() } catch {
            throw CLIError("cannot start \(executable): \(error.localizedDescription)")
        }
        let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
        defer { watchdog.cancel() }
        // stderr is drained on its own thread so a chatty child cannot block on a full pipe.
        let errData = Mutex(Data())
        let errDone = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            let data = err.fileHandleForReading.readDataToEndOfFile()
            errData.withLock { $0 = data }
            errDone.signal()
        }

        let clock = ContinuousClock()
        var start: ContinuousClock.Instant?
        var resultLine: [String: Any]?
        var end = clock.now
        var pending = Data()
        let handle = out.fileHandleForReading
        while true {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            pending.append(chunk)
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = pending[pending.startIndex..<newline]
                pending.removeSubrange(pending.startIndex...newline)
                guard let object = (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any] else { continue }
                if object["event"] as? String == "start" {
                    start = clock.now
                    onStart()
                } else {
                    end = clock.now
                    resultLine = object
                }
            }
        }
        process.waitUntilExit()
        errDone.wait()
        let stderr = String(decoding: errData.withLock { $0 }, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let name = (executable as NSString).lastPathComponent
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            let why = process.terminationReason == .uncaughtSignal ? "was killed (signal \(process.terminationStatus))" :
                "exited with status \(process.terminationStatus)"
            throw CLIError("\(name) \(arguments.first ?? "") \(why)\(stderr.isEmpty ? "" : ": \(stderr)")")
        }
        guard let r = resultLine, let median = r["median_us"] as? Double, let p99 = r["p99_us"] as? Double,
              let runs = r["runs"] as? Int, let wall = r["wall_seconds"] as? Double, let cpu = r["cpu_seconds"] as? Double
        else { throw CLIError("\(name) \(arguments.first ?? "") printed no result line") }
        return RunnerResult(medianMicros: median, p99Micros: p99, runs: runs, wallSeconds: wall, cpuSeconds: cpu,
                            peakRSSBytes: r["peak_rss_bytes"] as? Int, isa: r["isa"] as? String, version: r["version"] as? String,
                            windowStart: start ?? end, windowEnd: end)
    }
}
