// `qinfer bench runner`: one engine variant of `bench speedup`, in a process of its own so its peak memory and CPU
// time are its own. It speaks the protocol of tools/bench/ort_runner.py: with --events a line {"event":"start"} right
// before the timed window (the parent opens its energy window there), then one JSON line of results.
import ArgumentParser
import Foundation
import QInferEngine
import QInferModel
#if canImport(Glibc)
import Glibc
#endif

struct BenchRunner: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runner",
        abstract: "Run one model back to back for a time window and print its latency (used by bench speedup).",
        shouldDisplay: false
    )

    @Argument(help: "The .qpack model.") var model: String
    @Option(help: "A .npy float32 tensor: the model's input after preprocessing.") var input: String
    @Option(help: "Engine threads.") var threads: Int = 1
    @Option(help: "ISA (default: the one the kernels choose).") var isa: String?
    @Option(help: "Seconds of back-to-back inferences to time.") var seconds: Double = 1.0
    @Option(name: .customLong("min-runs"), help: "Time at least this many inferences.") var minRuns: Int = 20
    @Option(help: "Seconds of untimed inferences first (caches, clocks ramping up, the pool's threads).") var warmup: Double = 0.2
    @Flag(help: "Print {\"event\":\"start\"} before the timed window.") var events = false

    func validate() throws {
        guard (1...ThreadCounts.maximum).contains(threads) else { throw ValidationError("--threads must be 1…\(ThreadCounts.maximum)") }
        guard seconds.isFinite, seconds > 0, seconds <= 600 else { throw ValidationError("--seconds must be more than 0 and at most 600") }
        guard minRuns >= 1 else { throw ValidationError("--min-runs must be at least 1") }
        guard warmup.isFinite, warmup >= 0, warmup <= 600 else { throw ValidationError("--warmup must be 0…600 seconds") }
    }

    func run() throws {
        let file = try ModelFile(model)
        let values = try BenchModel.loadInput(input, for: file.packed)
        let engine = try file.engine(threads: threads, isa: try KernelISA.option(isa))
        var output = [Float](repeating: 0, count: engine.outputCount)
        let warmupEnd = ContinuousClock.now.advanced(by: .nanoseconds(Int64(warmup * 1e9)))
        var warmed = 0
        while warmed < 5 || ContinuousClock.now < warmupEnd { // at least a few even with --warmup 0
            try ModelTiming.run(engine, values, &output)
            warmed += 1
        }
        if events { try Self.emit(["event": "start"]) }

        var samples: [Double] = []
        let clock = ContinuousClock()
        let cpu0 = Self.processCPUSeconds(), start = clock.now
        let deadline = start.advanced(by: .nanoseconds(Int64(seconds * 1e9)))
        while samples.count < minRuns || clock.now < deadline {
            let t0 = clock.now
            try ModelTiming.run(engine, values, &output)
            samples.append((clock.now - t0).seconds * 1e6)
        }
        let wall = (clock.now - start).seconds, cpu = Self.processCPUSeconds() - cpu0
        samples.sort()
        try Self.emit([
            "model": model, "runtime": "qinfer", "isa": KernelISA(raw: engine.isa).name, "threads": threads,
            "runs": samples.count, "median_us": Stopwatch.median(samples),
            "p99_us": samples[min(samples.count - 1, Int(0.99 * Double(samples.count)))], "best_us": samples[0],
            "wall_seconds": wall, "cpu_seconds": cpu, "peak_rss_bytes": Self.peakRSSBytes().map { $0 as Any } ?? NSNull(),
        ])
    }

    /// One JSON line, flushed at once: the parent reads the start event as it happens, through a pipe.
    static func emit(_ object: [String: Any]) throws {
        var data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        data.append(UInt8(ascii: "\n"))
        FileHandle.standardOutput.write(data) // unbuffered: a write(2) per line
    }

    /// All threads of this process, in nanoseconds of resolution (the pool's workers included).
    static func processCPUSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// VmHWM of /proc/self/status: this program's own peak. getrusage's ru_maxrss is kept across fork and exec on
    /// Linux, so a runner started by a bigger parent would report the parent's peak instead.
    static func peakRSSBytes() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kib = line.dropFirst(6).split(whereSeparator: { $0 == " " || $0 == "\t" }).first.flatMap { Int($0) }
            return kib.map { $0 * 1024 }
        }
        return nil
    }
}
