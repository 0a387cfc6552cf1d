// `qinfer bench daemon`: what the socket API costs and what qinferd sustains, measured against itself in one run —
// start-to-READY and resident memory of a freshly started qinferd, the round trip of a request that does no
// inference (the floor any request pays), the round-trip overhead above the daemon's own compute time for a tiny
// model, closed-loop throughput with 1–8 clients against the compute-bound limit, and the thin-path targets
// judged against the measured p50s.
import ArgumentParser
import Foundation
import Histogram
import QInferClient
import QInferInputFormats
import QInferProtocol
import QInferRandom

/// How `bench daemon` sends its inference input.
enum BenchBody: String, CaseIterable, ExpressibleByArgument {
    /// Raw little-endian float32 with X-Tensor-Shape.
    case f32
    /// The same values as an application/x-npy body (`<f4`, the header np.save writes).
    case npy
}

struct BenchDaemon: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daemon",
        abstract: "Measure qinferd: start-to-READY, memory, socket round trip, requests per second with 1–8 clients.",
        discussion: """
            By default starts qinferd itself (the binary next to qinfer, or --qinferd) with an empty state directory \
            and the shipped models (--models-dir), as systemd would: the time from exec to READY=1 on a \
            NOTIFY_SOCKET, --starts times. Its resident memory is read from /proc after READY and again after every \
            model has served requests; its CPU time over --idle-seconds after READY is what it costs a board that \
            asks it nothing. With --socket, measures a running qinferd instead (no start, memory or idle figures).

            --tiny FILE uploads a small .qpack as model "tiny": its round trip minus the compute time qinferd reports \
            is the socket + HTTP + JSON + scheduling overhead of one inference. GET /v1/health on the same \
            connection type is the floor of any request.

            Throughput: C keep-alive connections each send their next request when the previous answer arrives. \
            The limit printed beside it is the compute-bound ceiling measured in the same run, min(workers, CPUs) \
            over the mean compute time qinferd reported. The client runs on the same CPUs as the daemon.

            --body npy sends each model's input as an .npy file instead of raw float32 (the same values). \
            --interval-ms N makes the client wait N ms after each answer before its next request, so the daemon's \
            workers and event loop go idle in between, as with a sensor sending frames; the throughput tables, which \
            measure a closed loop, are then left out.

            Per model, a "targets" block judges the thin path around compute against the p50s measured here: qinferd's own \
            preprocess_us (decoding included) ≤ 15 µs for .npy bodies, its queue_us ≤ 20 µs, and the round trip \
            above compute ≤ 150 µs. It reports met or missed; the exit status does not depend on it. The queue target \
            is about idle workers: back to back, a worker is still polling when the next request comes, so give \
            --interval-ms (more than qinferd's 200 µs spin window, e.g. 2) to measure the wake of a sleeping one.
            """
    )

    @Option(help: ArgumentHelp("Measure the qinferd on this socket instead of starting one.", valueName: "path"))
    var socket: String?

    @Option(help: ArgumentHelp("The qinferd binary to start (default: next to this qinfer).", valueName: "path"))
    var qinferd: String?

    @Option(name: .customLong("models-dir"), help: ArgumentHelp("Shipped models for the started qinferd.", valueName: "dir"))
    var modelsDir: String = "models"

    @Option(help: ArgumentHelp("Worker threads of the started qinferd (default: the number of CPUs).", valueName: "n"))
    var workers: Int?

    @Option(name: .customLong("board-configs"),
            help: ArgumentHelp("Board configs for the started qinferd, so it runs its power sampler and thermal monitor as on a board (default: qinferd's).",
                               valueName: "dir"))
    var boardConfigs: String?

    @Option(help: ArgumentHelp("Board config name for the started qinferd (default: detected).", valueName: "name"))
    var board: String?

    @Option(help: ArgumentHelp("A small .qpack to upload as model \"tiny\" for the round-trip overhead.", valueName: "file"))
    var tiny: String?

    @Option(name: .long, help: ArgumentHelp("Served models to measure (default: every one; tiny is measured after them when given).",
                                            valueName: "name"))
    var model: [String] = []

    @Option(help: ArgumentHelp("Client counts, comma-separated.", valueName: "n,n,…"))
    var clients: String = "1,2,4,8"

    @Option(help: ArgumentHelp("Requests per measurement (split over the clients).", valueName: "n"))
    var requests: Int = 2000

    @Option(help: ArgumentHelp("How many times to start qinferd for the start-to-READY figure.", valueName: "n"))
    var starts: Int = 5

    @Option(name: .customLong("idle-seconds"), help: ArgumentHelp("How long to watch the started qinferd's CPU time while it serves nothing.",
                                                                   valueName: "s"))
    var idleSeconds: Double = 5

    @Option(name: .customLong("body"), help: ArgumentHelp("How inference inputs are sent: f32 (raw float32) or npy (application/x-npy).",
                                                          valueName: "f32|npy"))
    var bodyKind: BenchBody = .f32

    @Option(name: .customLong("interval-ms"),
            help: ArgumentHelp("Wait this long after each answer before the next request on a connection (default: none, back to back).",
                               valueName: "ms"))
    var intervalMillis: Double?

    @Flag(help: "Print one JSON object per figure and line instead of text.")
    var json = false

    private var clientCounts: [Int] { clients.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }

    func validate() throws {
        let counts = clients.split(separator: ",")
        guard !counts.isEmpty, counts.allSatisfy({ Int($0.trimmingCharacters(in: .whitespaces)).map { (1...256).contains($0) } ?? false }) else {
            throw ValidationError("--clients must be comma-separated counts from 1 to 256, got '\(clients)'")
        }
        guard (10...10_000_000).contains(requests) else { throw ValidationError("--requests must be 10…10000000, got \(requests)") }
        guard (1...100).contains(starts) else { throw ValidationError("--starts must be 1…100, got \(starts)") }
        guard (1...600).contains(idleSeconds) else { throw ValidationError("--idle-seconds must be 1…600, got \(idleSeconds)") }
        if let workers, !(1...256).contains(workers) { throw ValidationError("--workers must be 1…256, got \(workers)") }
        if let tiny, !FileManager.default.isReadableFile(atPath: tiny) { throw ValidationError("--tiny: cannot read \(tiny)") }
        if socket != nil && (qinferd != nil || workers != nil || boardConfigs != nil || board != nil) {
            throw ValidationError("--socket measures a running qinferd; --qinferd, --workers, --board-configs and --board apply only to one this command starts")
        }
        for name in model { try validateName(name, "--model") }
        if let intervalMillis, !(intervalMillis > 0 && intervalMillis <= 10_000) {
            throw ValidationError("--interval-ms must be more than 0 and at most 10000 ms, got \(intervalMillis)")
        }
    }

    /// The pause between an answer and the next request.
    private var interval: Duration { intervalMillis.map { .nanoseconds(Int64(($0 * 1e6).rounded())) } ?? .zero }

    /// Prints `text`, or `line` under --json.
    private func emit(_ text: @autoclosure () -> String, _ line: @autoclosure () -> JSONLine) {
        print(json ? line().text : text())
    }

    func run() throws {
        let cpus = ProcessInfo.processInfo.activeProcessorCount
        var launched: LaunchedDaemon?
        var scratch: String?
        defer {
            launched?.stop()
            if let scratch { try? FileManager.default.removeItem(atPath: scratch) }
        }
        let workerCount: Int
        if let socket {
            workerCount = cpus
            emit("qinferd on \(socket) (started elsewhere); \(cpus) CPUs",
                 Self.line("daemon", [("socket", .string(socket)), ("cpus", .int(cpus))]))
        } else {
            let dir = try makeScratch()
            scratch = dir
            workerCount = workers ?? cpus
            let (daemon, times) = try startRepeatedly(scratch: dir, workers: workerCount)
            launched = daemon
            let sorted = times.sorted()
            let median = sorted[sorted.count / 2]
            emit("start-to-READY over \(times.count) starts (exec → READY=1 on NOTIFY_SOCKET, \(modelsDir) served from an empty store):\n"
                 + "  median \(ms(median))  min \(ms(sorted.first!))  max \(ms(sorted.last!))  goal < 200 ms: "
                 + "\(median < 0.2 ? "met" : "MISSED")",
                 Self.line("start", [("starts", .int(times.count)), ("cpus", .int(cpus)), ("workers", .int(workerCount)),
                                     ("median_ms", .number(median * 1000, digits: 1)),
                                     ("min_ms", .number(sorted.first! * 1000, digits: 1)), ("max_ms", .number(sorted.last! * 1000, digits: 1)),
                                     ("goal_ms", .int(200)), ("met", .bool(median < 0.2))]))
            let rss = try daemon.residentMemory()
            emit("resident memory after READY: \(byteCount(rss.total)) (anonymous \(byteCount(rss.anonymous)), file-backed \(byteCount(rss.file)))",
                 Self.memoryLine("after_ready", rss))
            // What the daemon costs a board that is not asking it anything: its threads' wake-ups (power sampler,
            // thermal monitor, watchdog) are all it should spend.
            let before = try daemon.cpuSeconds()
            let t0 = ContinuousClock.now
            Thread.sleep(forTimeInterval: idleSeconds)
            let used = try daemon.cpuSeconds() - before
            let share = used / (ContinuousClock.now - t0).seconds
            emit("idle CPU over \(fixed(idleSeconds, digits: 0)) s after READY: \(fixed(share * 100, digits: 2)) % of one core "
                 + "(\(fixed(used * 1000, digits: 0)) ms)  goal < 1 %: \(share < 0.01 ? "met" : "MISSED")",
                 Self.line("idle", [("seconds", .number(idleSeconds, digits: 1)), ("cpu_percent", .number(share * 100, digits: 2)),
                                    ("cpu_ms", .number(used * 1000, digits: 0)), ("goal_percent", .int(1)), ("met", .bool(share < 0.01))]))
        }
        let socketPath = socket ?? launched!.socketPath
        let client = DaemonClient(transport: UnixSocketTransport(path: socketPath))
        let generator = LoadGenerator(client: client)
        let limitThreads = min(workerCount, cpus)

        // The floor: a request that reaches the HTTP handler and back without the scheduler or a model. Spaced like
        // the inferences, so the two are compared under the same idling.
        let floor = try generator.run(DaemonRequest(.GET, APIPaths.health), readsTelemetry: false, connections: 1, perConnection: requests,
                                      interval: interval)
        try check(floor, "GET /v1/health")
        let floorP50 = floor.roundTrip.valueAtPercentile(50)
        emit("\nGET /v1/health on one keep-alive connection (the floor of any request), \(requests) requests\(spacing): "
             + "p50 \(floorP50) µs, p99 \(floor.roundTrip.valueAtPercentile(99)) µs",
             Self.line("floor", [("requests", .int(requests)), ("interval_ms", intervalValue),
                                 ("p50_us", .int(Int(floorP50))), ("p99_us", .int(Int(floor.roundTrip.valueAtPercentile(99))))]))

        // The served models first: uploading "tiny" makes the store non-empty, which ends the shipped default.
        let served = try client.call(ModelList.self, DaemonRequest(.GET, APIPaths.models)).0.models.filter { $0.activeVersion != nil }
        let shipped = model.isEmpty ? served.map(\.name) : model.filter { name in served.contains { $0.name == name } }
        if !shipped.isEmpty { try measure(shipped, served, generator, floorP50: floorP50, limitThreads: limitThreads) }
        if let launched, !shipped.isEmpty {
            let rss = try launched.residentMemory()
            emit("\nresident memory after serving \(shipped.joined(separator: ", ")): \(byteCount(rss.total)) "
                 + "(anonymous \(byteCount(rss.anonymous)), file-backed \(byteCount(rss.file))); goal < 40 MB: "
                 + (rss.total < 40 << 20 ? "met" : "MISSED"),
                 Self.memoryLine("after_serving", rss, goal: 40 << 20))
        }
        if let tiny {
            try upload(tiny, as: "tiny", client)
            let info = try client.call(ModelInfo.self, DaemonRequest(.GET, APIPaths.model("tiny"))).0
            try measure(["tiny"], [info], generator, floorP50: floorP50, limitThreads: limitThreads)
        }
    }

    /// How the requests follow each other, for the headings.
    private var spacing: String { intervalMillis.map { ", one every \(Self.millis($0)) ms after the answer" } ?? ", back to back" }
    private var intervalValue: JSONLine.Value { intervalMillis.map { .number($0, digits: 3) } ?? .null }
    private static func millis(_ x: Double) -> String { x == x.rounded() ? String(Int(x)) : String(x) }

    /// Round trip on one connection (with the overhead above compute) and the targets, then throughput per client
    /// count (back to back only).
    private func measure(_ names: [String], _ served: [ModelInfo], _ generator: LoadGenerator, floorP50: UInt64,
                         limitThreads: Int) throws {
        var table = TextTable([.init(title: "MODEL", alignment: .left), .init(title: "P50 µs", alignment: .right),
                               .init(title: "P99 µs", alignment: .right), .init(title: "COMPUTE P50", alignment: .right),
                               .init(title: "QUEUE P50", alignment: .right), .init(title: "PREP P50", alignment: .right),
                               .init(title: "OVERHEAD P50", alignment: .right), .init(title: "OVERHEAD/FLOOR", alignment: .right)])
        var judged: [String] = []
        var throughput: [(String, TextTable)] = []
        for name in names {
            guard let info = served.first(where: { $0.name == name }), let active = info.versions.first(where: \.active) else {
                throw CLIError("qinferd serves no active model '\(name)'")
            }
            let request = try inferRequest(name, shape: active.inputShape)
            let r = try generator.run(request, readsTelemetry: true, connections: 1, perConnection: requests, interval: interval)
            try check(r, "POST \(APIPaths.infer(name))")
            let p50 = { (h: Histogram<UInt64>) in Int(h.valueAtPercentile(50)) }
            let overhead = p50(r.overhead)
            table.append([name, "\(p50(r.roundTrip))", "\(r.roundTrip.valueAtPercentile(99))", "\(p50(r.compute))", "\(p50(r.queue))",
                          "\(p50(r.preprocess))", "\(overhead)", fixed(Double(overhead) / Double(max(floorP50, 1)), digits: 2) + "×"])
            if json {
                print(Self.line("round_trip", [("model", .string(name)), ("body", .string(bodyKind.rawValue)), ("interval_ms", intervalValue),
                                               ("requests", .int(r.requests)), ("p50_us", .int(p50(r.roundTrip))),
                                               ("p99_us", .int(Int(r.roundTrip.valueAtPercentile(99)))), ("compute_p50_us", .int(p50(r.compute))),
                                               ("queue_p50_us", .int(p50(r.queue))), ("preprocess_p50_us", .int(p50(r.preprocess))),
                                               ("overhead_p50_us", .int(overhead)), ("floor_p50_us", .int(Int(floorP50)))]).text)
            }
            let targets = ThinPathTargets(body: bodyKind, preprocess: p50(r.preprocess), queue: p50(r.queue), overhead: overhead)
            if json {
                print(targets.jsonLine(model: name, interval: intervalValue).text)
            } else {
                judged.append("\nthin-path targets, \(name), \(bodyKind.rawValue) body\(spacing), p50 of \(r.requests):\n" + targets.render())
            }

            guard interval == .zero else { continue }
            var t = TextTable([.init(title: "CLIENTS", alignment: .right), .init(title: "REQ/S", alignment: .right),
                               .init(title: "VS 1 CLIENT", alignment: .right), .init(title: "P50 µs", alignment: .right),
                               .init(title: "P99 µs", alignment: .right), .init(title: "COMPUTE MEAN µs", alignment: .right),
                               .init(title: "LIMIT REQ/S", alignment: .right), .init(title: "OF LIMIT", alignment: .right)])
            var single = 0.0
            for c in clientCounts {
                let r = try generator.run(request, readsTelemetry: true, connections: c, perConnection: max(1, requests / c))
                try check(r, "\(c) clients on \(name)")
                if single == 0 { single = r.requestsPerSecond }
                let limit = Double(limitThreads) / (r.compute.mean / 1e6)
                t.append(["\(c)", fixed(r.requestsPerSecond, digits: 0), fixed(r.requestsPerSecond / single, digits: 2) + "×",
                          "\(r.roundTrip.valueAtPercentile(50))", "\(r.roundTrip.valueAtPercentile(99))", fixed(r.compute.mean, digits: 0),
                          fixed(limit, digits: 0), fixed(100 * r.requestsPerSecond / limit, digits: 0) + " %"])
                if json {
                    print(Self.line("throughput", [("model", .string(name)), ("body", .string(bodyKind.rawValue)), ("clients", .int(c)),
                                                   ("requests_per_second", .number(r.requestsPerSecond, digits: 0)),
                                                   ("p50_us", .int(Int(r.roundTrip.valueAtPercentile(50)))),
                                                   ("p99_us", .int(Int(r.roundTrip.valueAtPercentile(99)))),
                                                   ("compute_mean_us", .number(r.compute.mean, digits: 0)),
                                                   ("limit_requests_per_second", .number(limit, digits: 0))]).text)
                }
            }
            throughput.append((name, t))
        }
        guard !json else { return }
        print("\ninference round trip on one keep-alive connection, \(requests) requests each\(spacing), \(bodyKind.rawValue) bodies "
              + "(overhead = round trip − compute, per request; queue and prep are qinferd's own times for the wait for a worker "
              + "and for decoding + preprocessing):")
        print(table.render())
        for text in judged { print(text) }
        if interval != .zero {
            print("\nthroughput not measured: with --interval-ms the client idles between requests, so requests per second "
                  + "would measure the pause")
        }
        for (name, t) in throughput {
            print("\nthroughput, \(name) (limit: \(limitThreads) worker thread(s) / compute mean, both measured here):")
            print(t.render())
        }
    }

    static func line(_ kind: String, _ fields: [(String, JSONLine.Value)]) -> JSONLine {
        var line = JSONLine()
        line.add("kind", .string(kind))
        for (key, value) in fields { line.add(key, value) }
        return line
    }

    private static func memoryLine(_ when: String, _ rss: (total: Int, anonymous: Int, file: Int), goal: Int? = nil) -> JSONLine {
        var fields: [(String, JSONLine.Value)] = [("when", .string(when)), ("total_bytes", .int(rss.total)),
                                                  ("anonymous_bytes", .int(rss.anonymous)), ("file_bytes", .int(rss.file))]
        if let goal { fields += [("goal_bytes", .int(goal)), ("met", .bool(rss.total < goal))] }
        return line("memory", fields)
    }

    // MARK: parts

    private func makeScratch() throws -> String {
        // Socket paths must stay under 108 bytes: a short directory in /tmp.
        let dir = "/tmp/qbench-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    private func qinferdPath() throws -> String {
        if let qinferd { return qinferd }
        let sibling = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("qinferd").path
        guard FileManager.default.isExecutableFile(atPath: sibling) else {
            throw CLIError("no qinferd next to qinfer (\(sibling)); build it or pass --qinferd PATH")
        }
        return sibling
    }

    /// Starts qinferd `starts` times on a fresh empty store each time; returns the last one, still running.
    private func startRepeatedly(scratch: String, workers: Int) throws -> (LaunchedDaemon, [Double]) {
        let binary = try qinferdPath()
        guard FileManager.default.fileExists(atPath: modelsDir) else { throw CLIError("--models-dir \(modelsDir) does not exist") }
        var times: [Double] = []
        for i in 0..<starts {
            let state = scratch + "/state"
            try? FileManager.default.removeItem(atPath: state)
            let daemon = try LaunchedDaemon(executable: binary,
                                            arguments: ["--state-dir", state, "--models-dir", modelsDir, "--workers", "\(workers)",
                                                        "--log-level", "warning"]
                                                + (boardConfigs.map { ["--board-configs", $0] } ?? []) + (board.map { ["--board", $0] } ?? []),
                                            scratch: scratch)
            times.append(daemon.secondsToReady)
            if i == starts - 1 { return (daemon, times) }
            daemon.stop()
        }
        fatalError("unreachable: starts ≥ 1")
    }

    private func upload(_ file: String, as name: String, _ client: DaemonClient) throws {
        let bytes = try readFileBytes(file)
        _ = try client.call(.install(name, activate: true, qpack: bytes))
    }

    /// The model's input shape of values from a fixed sequence in [-1, 1): raw little-endian float32, or the same
    /// values as an .npy file.
    private func inferRequest(_ name: String, shape: [Int]) throws -> DaemonRequest {
        let count = shape.reduce(1, *)
        var rng = SplitMix64(seed: 0x9E37_79B9_7F4A_7C15)
        let values = (0..<count).map { _ in rng.float(-1...1) }
        let payload: InputPayload
        switch bodyKind {
        case .f32:
            payload = .file(.f32, RawF32Encoder.encode(values), shape: shape)
        case .npy:
            // The shape travels in the file's header, as it does from numpy.
            payload = .file(.npy, NpyEncoder.float32(shape: shape, values: values), shape: nil)
        }
        return try .infer(name, payload: payload, options: InferenceOptions(topK: 1))
    }

    private func check(_ r: LoadResult, _ what: String) throws {
        if r.failures > 0 { throw CLIError("\(what): \(r.failures) of \(r.requests) requests failed; first: \(r.firstFailure ?? "?")") }
    }

    private func ms(_ seconds: Double) -> String { fixed(seconds * 1000, digits: 1) + " ms" }
}
