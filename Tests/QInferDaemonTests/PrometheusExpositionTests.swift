import Foundation
import Logging
import QInferBoard
import QInferDaemon
import QInferProtocol
import QInferRandom
import QInferSensors
import QInferTestSupport
import Testing

/// The board runtime as the daemon's hooks, as qinferd wires it (its conformance lives in the executable).
struct RuntimeHooks: BoardHooks {
    let runtime: BoardRuntime
    func aroundCompute<T>(_ body: () throws -> T) rethrows -> T { try runtime.aroundCompute(body) }
    func telemetry(from start: ContinuousClock.Instant, to end: ContinuousClock.Instant) -> (EnergyTelemetry?, BoardState?) {
        runtime.telemetry(from: start, to: end)
    }
    func completed(_ response: InferResponse) { runtime.completed(response) }
    func status() -> BoardStatus { runtime.status() }
}

/// A daemon in this process with a fixture board (estimated power, a thermal zone at 47.5 °C, cpufreq at 1.5 GHz)
/// serving one model over its real HTTP server on a Unix socket.
final class ServedDaemon {
    static let points = 64
    static let model: [UInt8] = try! randomPointNet(seed: 31, points: points, widths: [32, 64], classes: 6)

    let directory: TemporaryDir
    let daemon: Daemon
    let runtime: BoardRuntime
    let server: HTTPServer
    let socket: String

    init() throws {
        directory = try TemporaryDir()
        let root = directory.path
        for (file, text) in ["/proc/stat": "cpu  100 0 50 1000 10 0 0 0 0 0\n",
                             "/sys/class/thermal/thermal_zone0/temp": "47500\n",
                             "/sys/devices/system/cpu/cpufreq/policy0/scaling_cur_freq": "1500000\n",
                             "/sys/devices/system/cpu/cpufreq/policy0/cpuinfo_max_freq": "1500000\n"] {
            try FileManager.default.createDirectory(atPath: root + (file as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try text.write(toFile: root + file, atomically: true, encoding: .utf8)
        }
        let config = try BoardConfigLoader.parse("""
            description = "fixture board"
            [cpu]
            cores = []
            threads = 2
            cpufreq = "/sys/devices/system/cpu/cpufreq/policy0"
            thermal_zones = ["/sys/class/thermal/thermal_zone0"]
            [power]
            idle_w = 1.0
            active_core_w = 1.0
            sample_hz = 200
            sources = [{ kind = "estimate" }]
            """, name: "fixture")
        let logger = Logger(label: "test")
        runtime = try BoardRuntime(config: config, files: SysfsFiles(root: root), gpioBackend: InMemoryGPIO(lineCount: 8),
                                   logger: logger)
        var settings = DaemonConfig()
        settings.stateDirectory = root + "/state"
        settings.embeddedModelDirectories = []
        settings.workers = 2
        daemon = try Daemon(config: settings, logger: logger, board: RuntimeHooks(runtime: runtime))
        socket = root + "/api.sock"
        server = try HTTPServer(daemon: daemon, listeningSocket: try UnixSocketBinder(path: socket).bind())
        daemon.markReady()
        let upload = try TestConnection(unixPath: socket).request("PUT", "/v1/models/pn?version=7", body: Self.model)
        guard upload.status == 201 else { throw TestFailure("upload: \(upload.status) \(upload.text)") }
        // The thermal monitor reads on its own thread; the gauges need its first reading.
        let end = ContinuousClock.now + .seconds(10)
        while runtime.status().state.temperatureC == nil && ContinuousClock.now < end { usleep(5000) }
    }

    deinit {
        try? server.close()
        daemon.drain(timeout: .seconds(5))
        runtime.shutdown()
    }

    /// `count` inferences through the API socket; their telemetry as answered.
    func infer(_ count: Int, seed: UInt64) throws -> [Telemetry] {
        var rng = SplitMix64(seed: seed)
        return try (0..<count).map { _ in
            let reply = try TestConnection(unixPath: socket).request(
                "POST", "/v1/models/pn/infer",
                headers: ["Content-Type": "application/octet-stream", "X-Tensor-Shape": "\(Self.points),3"],
                body: InputFileWriters.rawF32(rng.floats(Self.points * 3, -1, 1)))
            guard reply.status == 200 else { throw TestFailure("infer: \(reply.status) \(reply.text)") }
            return try JSONDecoder().decode(InferResponse.self, from: Data(reply.body)).telemetry
        }
    }
}

@Suite("Prometheus exposition")
struct PrometheusExpositionTests {
    static func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-9 * max(1, abs(b)) }

    @Test("buckets are inclusive upper bounds in seconds; counts, sums and phases add up per model version; labels escaped")
    func synthetic() throws {
        let directory = try TemporaryDir()
        var settings = DaemonConfig()
        settings.stateDirectory = directory.path + "/state"
        settings.embeddedModelDirectories = []
        settings.workers = 1
        let daemon = try Daemon(config: settings, logger: Logger(label: "test"))
        defer { daemon.drain(timeout: .seconds(5)) }
        // 100 µs sits on the first edge; 101 µs is above it; 10 s on the last edge; 11 s only in +Inf.
        let latencies = [100, 101, 2_500, 10_000_000, 11_000_000]
        for micros in latencies {
            daemon.stats.recordSuccess(model: "m", version: "1", telemetry: Telemetry(
                queueMicros: 3, preprocessMicros: 5, computeMicros: micros / 2, totalMicros: micros))
        }
        daemon.stats.recordSuccess(model: "m", version: "2", telemetry: Telemetry(
            queueMicros: 1, preprocessMicros: 1, computeMicros: 1, totalMicros: 40))
        let odd = "we\"ird\\name\nx"
        daemon.stats.recordSuccess(model: odd, version: "1", telemetry: Telemetry(
            queueMicros: 0, preprocessMicros: 0, computeMicros: 1, totalMicros: 1))
        daemon.stats.recordError(model: "m")
        daemon.stats.recordRejected()

        let text = daemon.metricsExposition()
        let e = try Exposition(text)
        let v1 = ["model": "m", "version": "1"]
        let bucket = { (le: String) in try e.value("qinferd_request_duration_seconds_bucket", v1.merging(["le": le]) { $1 }) }
        #expect(try bucket("0.0001") == 1 && bucket("0.00025") == 2 && bucket("0.0025") == 3 && bucket("5") == 3)
        #expect(try bucket("10") == 4 && bucket("+Inf") == 5, "\(text)")
        #expect(try e.value("qinferd_request_duration_seconds_count", v1) == 5)
        #expect(Self.close(try e.value("qinferd_request_duration_seconds_sum", v1), Double(latencies.reduce(0, +)) / 1e6))
        #expect(try e.value("qinferd_requests_total", v1) == 5)
        #expect(try e.value("qinferd_requests_total", ["model": "m", "version": "2"]) == 1)
        #expect(try e.value("qinferd_request_duration_seconds_bucket", ["model": "m", "version": "2", "le": "0.0001"]) == 1)
        #expect(Self.close(try e.value("qinferd_request_phase_seconds_total", v1.merging(["phase": "queue"]) { $1 }), 15e-6))
        #expect(Self.close(try e.value("qinferd_request_phase_seconds_total", v1.merging(["phase": "preprocess"]) { $1 }), 25e-6))
        #expect(Self.close(try e.value("qinferd_request_phase_seconds_total", v1.merging(["phase": "compute"]) { $1 }),
                           Double(latencies.map { $0 / 2 }.reduce(0, +)) / 1e6))
        #expect(try e.value("qinferd_requests_total", ["model": odd, "version": "1"]) == 1, "escaping: \(text)")
        #expect(try e.value("qinferd_request_errors_total", ["model": "m"]) == 1)
        #expect(try e.value("qinferd_rejected_total") == 1)
        let build = try #require(e.samples("qinferd_build_info").first)
        #expect(build.value == 1 && build.labels["version"] == Daemon.version && build.labels["board"] == "none")
        #expect(["scalar", "popcnt", "avx2", "avx512", "neon"].contains(build.labels["isa"] ?? ""), "\(build.labels)")
        #expect(try e.value("qinferd_queue_depth") == 0 && e.value("qinferd_requests_in_flight") == 0)
        // No board: no energy and no board gauges at all rather than zeros.
        #expect(!text.contains("joules") && !text.contains("qinferd_power_watts") && !text.contains("celsius"), "\(text)")
        #expect(e.types["qinferd_requests_total"] == "counter" && e.types["qinferd_request_duration_seconds"] == "histogram"
                && e.types["qinferd_request_phase_seconds_total"] == "counter" && e.types["qinferd_build_info"] == "gauge")
        #expect(Set(e.types.keys) == Set(e.helps.keys))
        // /v1/stats keeps its JSON shape: per model, all versions together, latency in µs.
        let stats = daemon.stats.snapshot()
        let m = try #require(stats.models.first { $0.name == "m" })
        #expect(m.count == 6 && m.errors == 1 && m.latencyMicros.max >= 10_999_000 && stats.rejected == 1, "\(m)")
    }

    @Test("a daemon with a board, after real inferences: monotonic buckets, _count equal to the requests, sums in seconds and joules")
    func servedRequests() throws {
        let served = try ServedDaemon()
        let telemetry = try served.infer(12, seed: 4)
        let text = served.daemon.metricsExposition()
        let e = try Exposition(text)
        let key = ["model": "pn", "version": "7"]

        // Every histogram series: cumulative counts that never decrease, ending at +Inf with its _count.
        for family in e.types.filter({ $0.value == "histogram" }).keys {
            let buckets = e.samples(family + "_bucket")
            let series = Dictionary(grouping: buckets) { $0.labels.filter { $0.key != "le" } }
            #expect(!series.isEmpty, "\(family) has no buckets")
            for (labels, samples) in series {
                let ordered = samples.sorted { Double($0.labels["le"]!.replacingOccurrences(of: "+Inf", with: "inf"))!
                    < Double($1.labels["le"]!.replacingOccurrences(of: "+Inf", with: "inf"))! }
                #expect(zip(ordered, ordered.dropFirst()).allSatisfy { $0.value <= $1.value }, "\(family)\(labels): \(ordered.map(\.value))")
                #expect(ordered.last?.labels["le"] == "+Inf")
                #expect(try ordered.last?.value == e.value(family + "_count", labels), "\(family)\(labels)")
            }
        }
        #expect(try e.value("qinferd_requests_total", key) == 12)
        #expect(try e.value("qinferd_request_duration_seconds_count", key) == 12)
        let seconds = try e.value("qinferd_request_duration_seconds_sum", key)
        #expect(Self.close(seconds, Double(telemetry.map(\.totalMicros).reduce(0, +)) / 1e6), "sum \(seconds) s")
        #expect(seconds > 0 && seconds < 12 * 10, "a sum in seconds, not µs: \(seconds)")
        for (phase, micros) in [("queue", telemetry.map(\.queueMicros)), ("preprocess", telemetry.map(\.preprocessMicros)),
                                ("compute", telemetry.map(\.computeMicros))] {
            #expect(Self.close(try e.value("qinferd_request_phase_seconds_total", key.merging(["phase": phase]) { $1 }),
                               Double(micros.reduce(0, +)) / 1e6), "\(phase)")
        }
        let joules = telemetry.compactMap(\.energy?.joules)
        #expect(joules.count == 12, "every answer carries energy")
        #expect(try e.value("qinferd_inference_energy_joules_count", key) == 12)
        #expect(Self.close(try e.value("qinferd_inference_energy_joules_sum", key), joules.reduce(0, +)))
        #expect(try e.value("qinferd_inference_energy_above_idle_joules_total", key) >= 0)
        #expect(try e.value("qinferd_cpu_temperature_celsius", ["board": "fixture"]) == 47.5)
        #expect(try e.value("qinferd_cpu_frequency_hertz", ["board": "fixture"]) == 1.5e9)
        #expect(try e.value("qinferd_throttled", ["board": "fixture"]) == 0)
        #expect(try e.value("qinferd_power_watts", ["board": "fixture", "estimated": "true"]) > 0)
        #expect(try e.samples("qinferd_build_info").first?.labels["board"] == "fixture")
        // The API socket's /v1/metrics is the same exposition (its own request shows in flight).
        let viaAPI = try TestConnection(unixPath: served.socket).request("GET", "/v1/metrics")
        #expect(viaAPI.status == 200 && viaAPI.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
        #expect(try Exposition(viaAPI.text).value("qinferd_requests_in_flight") == 1)
    }

    @Test("promtool check metrics (Debian's prometheus package) finds no problem in the exposition of a daemon that served requests with energy and board telemetry")
    func promtoolClean() throws {
        let served = try ServedDaemon()
        _ = try served.infer(5, seed: 9)
        let text = served.daemon.metricsExposition()
        #expect(text.contains("qinferd_inference_energy_joules_bucket") && text.contains("qinferd_cpu_temperature_celsius"))
        let result = try promtool(text)
        #expect(result.status == 0 && result.output.isEmpty, "promtool: exit \(result.status)\n\(result.output)\n\(text)")
        // The check is not vacuous: promtool flags the names this exposition replaced.
        let old = try promtool("""
            # HELP qinferd_request_phase_microseconds_sum Time per phase.
            # TYPE qinferd_request_phase_microseconds_sum counter
            qinferd_request_phase_microseconds_sum{phase="compute"} 12

            """)
        #expect(old.status != 0 && old.output.contains("\"_total\" suffix") && old.output.contains("base unit \"seconds\""),
                "\(old)")
    }

    /// `promtool check metrics` with `text` on stdin: exit status and everything it printed.
    func promtool(_ text: String) throws -> (status: Int32, output: String) {
        let path = try PrometheusTools.binary("promtool")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["check", "metrics"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        try input.fileHandleForWriting.close()
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: printed, as: UTF8.self))
    }
}
