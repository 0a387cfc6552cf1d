// Live sources ([[source]] in qinferd.toml) against the real qinferd: QPC1 frames on a source's socket, files renamed
// into a watched directory, back-pressure with a slow model, failures and recovery, and `qinfer watch`.
import Foundation
import QInferEngine
import QInferInputFormats
import QInferModel
import QInferProtocol
import QInferRandom
import QInferTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The committed BiPointNet model and test clouds, and what the engine itself answers for a cloud.
enum SourceFixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let modelPath = "\(root)/models/bipointnet/bipointnet.qpack"
    static let cloudsPath = "\(root)/models/bipointnet/testset_points.npy"

    static func model() throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: modelPath))) }

    /// Cloud `i` of testset_points.npy (1,024 xyz points) and its label from testset_labels.npy.
    static func clouds() throws -> (points: [[Float]], labels: [Int]) {
        func npy(_ path: String) throws -> Tensor {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            guard case .tensor(let t) = try decodeInput(bytes, format: .npy, name: path) else { throw HarnessError("\(path) is not a tensor") }
            return t
        }
        let points = try npy(cloudsPath), labels = try npy("\(root)/models/bipointnet/testset_labels.npy")
        guard case .float32(let all) = points.storage, points.shape.count == 3, case .float32(let classes) = labels.storage else {
            throw HarnessError("the BiPointNet test set did not load as f32 [n, 1024, 3] and integer labels")
        }
        let size = points.shape[1] * points.shape[2]
        return ((0..<points.shape[0]).map { Array(all[$0 * size ..< ($0 + 1) * size]) }, classes.map { Int($0) })
    }

    /// The engine's top classes (index, score), best first, for `points` through the same preprocessing as the daemon.
    static func engineTop(_ model: [UInt8], _ points: [Float], k: Int = 5) throws -> [(index: Int, score: Float)] {
        let scores = try TestModels.expectedScores(model, input: points)
        return topK(scores, k: k).map { ($0.index, $0.score) }
    }

    /// One QPC1 frame: magic, u32 count, u32 fields, count × fields f32, little-endian.
    static func frame(_ points: [Float], fields: Int = 3) -> [UInt8] {
        var out = Array("QPC1".utf8)
        let count = points.count / 3
        for v in [UInt32(count), UInt32(fields)] { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
        for i in 0..<count {
            for f in 0..<fields {
                let v = f < 3 ? points[3 * i + f] : Float(f)
                withUnsafeBytes(of: v.bitPattern.littleEndian) { out += $0 }
            }
        }
        return out
    }

    static func list(_ socket: String) throws -> [SourceStatus] { try HTTP.get(socket, "/v1/sources").decode(SourceList.self).sources }

    static func status(_ socket: String, _ name: String) throws -> SourceStatus {
        guard let s = try list(socket).first(where: { $0.name == name }) else { throw HarnessError("no source \(name) in /v1/sources") }
        return s
    }

    /// Every counter adds up: frames_seen = inferred + failed + dropped + pending + in_flight.
    static func balanced(_ s: SourceStatus) -> Bool { s.framesSeen == s.inferred + s.failed + s.dropped + s.pending + s.inFlight }

    static func resident(_ pid: pid_t) throws -> Int {
        let status = try readWholeFile("/proc/\(pid)/status")
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kb = Int(line.split(separator: " ").dropFirst().first ?? "") else { throw HarnessError("no VmRSS in /proc/\(pid)/status") }
        return kb
    }
}

/// An event stream of one daemon, read line by line.
final class EventFollower {
    let connection: Connection

    init(_ socket: String) throws {
        connection = try Connection(socket, timeout: 30)
        try connection.send(HTTP.requestBytes("GET", "/v1/events", close: false))
        let head = try connection.readHead()
        guard head.status == 200 else { throw HarnessError("GET /v1/events: \(head.status)") }
    }

    /// The next event line's answer (skipping chunk framing).
    func next() throws -> InferResponse {
        while true {
            let chunk = try connection.readChunk()
            for line in String(decoding: chunk, as: UTF8.self).split(separator: "\n") where !line.isEmpty {
                return try JSONDecoder().decode(InferResponse.self, from: Data(line.utf8))
            }
        }
    }
}

extension Integration {
    @Suite("live sources") struct LiveSourceTests {
        /// A daemon serving the committed BiPointNet, with `sources` as its qinferd.toml.
        func start(_ s: Scratch, _ toml: String, extra: [String] = []) throws -> DaemonProcess {
            try s.write("embedded/bipointnet/bipointnet.qpack", try SourceFixtures.model())
            let config = try s.write("qinferd.toml", Array(toml.utf8))
            let d = try startDaemon(s, extra: ["--config", config] + extra)
            // Sources start just after READY, so the first health answer may come before they are listed.
            let tables = toml.components(separatedBy: "[[source]]").count - 1
            try wait(timeout: 10, "\(tables) source(s) listed") { try SourceFixtures.list(d.socket).count == tables }
            return d
        }

        func waitRunning(_ sock: String, _ name: String, timeout: Double = 20) throws {
            try wait(timeout: timeout, "source \(name) running") { try SourceFixtures.status(sock, name).state == "running" }
        }

        @Test("socket source: the committed test clouds streamed frame by frame get the engine's own answers, on /v1/events with the source's name")
        func socketSourceAnswers() throws {
            let s = try Scratch()
            let d = try start(s, """
                [[source]]
                name = "lidar"
                kind = "pointcloud-socket"
                model = "bipointnet"
                path = "\(s.sub("lidar.sock"))"
                socket_mode = "0600"
                """)
            try waitRunning(d.socket, "lidar")
            var info = stat()
            #expect(stat(s.sub("lidar.sock"), &info) == 0 && info.st_mode & 0o777 == 0o600, "socket_mode applies to the source's socket")
            let model = try SourceFixtures.model()
            let (clouds, labels) = try SourceFixtures.clouds()
            let events = try EventFollower(d.socket)
            let writer = try Connection(s.sub("lidar.sock"))
            // 40 clouds spread over the test set's classes; each frame waits for its answer, so none is dropped and
            // answer k is cloud k's.
            let picks = (0..<40).map { ($0 * 11) % clouds.count }
            var matchedLabels = 0, engineMatchedLabels = 0
            for (k, i) in picks.enumerated() {
                // Every other frame carries a fourth field (intensity), which the source skips; every fifth arrives in
                // pieces that split the header and the points, as a slow writer's would.
                let bytes = SourceFixtures.frame(clouds[i], fields: k % 2 == 0 ? 3 : 4)
                if k % 5 == 4 {
                    for cut in [(0, 3), (3, 10), (10, 4099), (4099, bytes.count)] {
                        try writer.send(Array(bytes[cut.0..<cut.1]))
                        usleep(3000)
                    }
                } else {
                    try writer.send(bytes)
                }
                let event = try events.next()
                let want = try SourceFixtures.engineTop(model, clouds[i])
                #expect(event.source?.name == "lidar" && event.model == "bipointnet", "\(event)")
                #expect(event.top.map(\.index) == want.map(\.index), "cloud \(i): daemon \(event.top.map(\.index)), engine \(want.map(\.index))")
                #expect(zip(event.top.map(\.score), want.map(\.score)).allSatisfy { abs($0 - $1) <= 1e-4 * max(1, abs($1)) },
                        "cloud \(i): scores \(event.top.map(\.score)) vs \(want.map(\.score))")
                if event.top.first?.index == labels[i] { matchedLabels += 1 }
                if want.first?.index == labels[i] { engineMatchedLabels += 1 }
            }
            // As `qinfer eval` would count them: the same accuracy as the engine's, and far above chance (1 in 10).
            #expect(matchedLabels == engineMatchedLabels && matchedLabels >= 20, "\(matchedLabels)/\(picks.count) correct")
            let st = try SourceFixtures.status(d.socket, "lidar")
            #expect(st.framesSeen == 40 && st.inferred == 40 && st.dropped == 0 && st.errors == 0 && SourceFixtures.balanced(st), "\(st)")
            #expect(st.lastResult != nil && st.kind == "pointcloud-socket" && st.results == "events", "\(st)")
            // Stats count a source's inferences like any other.
            let served = try HTTP.get(d.socket, "/v1/stats").decode(StatsResponse.self).models.first { $0.name == "bipointnet" }?.count
            #expect(served == 40, "\(served ?? -1) counted in /v1/stats")

            // SIGTERM stops the source before the drain: its socket file is removed, the daemon exits cleanly.
            d.signal(SIGTERM)
            try d.waitExit()
            #expect(d.exitedNormally && d.exitCode == 0, "\(d.describeStatus()): \(d.log)")
            #expect(!FileManager.default.fileExists(atPath: s.sub("lidar.sock")))
        }

        @Test("the example writer (tools/sources/stream_point_clouds.py) streams the test clouds into a socket source; every answer is the engine's for one of them")
        func pythonWriter() throws {
            let s = try Scratch()
            let d = try start(s, """
                [[source]]
                name = "depth"
                kind = "pointcloud-socket"
                model = "bipointnet"
                path = "\(s.sub("depth.sock"))"
                """)
            try waitRunning(d.socket, "depth")
            let events = try EventFollower(d.socket)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", "\(SourceFixtures.root)/tools/sources/stream_point_clouds.py", "--socket", s.sub("depth.sock"),
                                 "--count", "12", "--first", "100", "--rate", "20", SourceFixtures.cloudsPath]
            let out = Pipe()
            process.standardOutput = out
            try process.run()
            let printed = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0 && printed.contains("sent 12 frame(s) of 1024 points"), "\(printed)")
            try wait(timeout: 30, "12 frames accounted for") {
                let st = try SourceFixtures.status(d.socket, "depth")
                return st.framesSeen == 12 && st.pending == 0 && st.inFlight == 0
            }
            let st = try SourceFixtures.status(d.socket, "depth")
            #expect(SourceFixtures.balanced(st) && st.failed == 0 && st.inferred >= 1, "\(st)")
            let model = try SourceFixtures.model()
            let (clouds, _) = try SourceFixtures.clouds()
            let candidates = try (100..<112).map { try SourceFixtures.engineTop(model, clouds[$0]) }
            for _ in 0..<st.inferred {
                let event = try events.next()
                #expect(event.source?.name == "depth")
                #expect(candidates.contains { want in
                    want.map(\.index) == event.top.map(\.index)
                        && zip(event.top.map(\.score), want.map(\.score)).allSatisfy { abs($0 - $1) <= 1e-4 * max(1, abs($1)) }
                }, "an answer that is no sent cloud's: \(event.top)")
            }
        }

        @Test("directory source: files renamed in (and written in place) are inferred with the engine's answers; dot files and temporaries are not")
        func directorySource() throws {
            let s = try Scratch()
            let dir = s.sub("drop")
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let d = try start(s, """
                [[source]]
                name = "drop"
                kind = "directory"
                model = "bipointnet"
                path = "\(dir)"
                results = "both"
                """)
            try waitRunning(d.socket, "drop")
            let model = try SourceFixtures.model()
            let (clouds, _) = try SourceFixtures.clouds()
            let events = try EventFollower(d.socket)
            for k in 0..<10 {
                let i = 7 + 41 * k
                let bytes = InputFileWriters.npy(shape: [1024, 3], f32: clouds[i])
                if k % 3 == 2 {
                    // Written in place: open, write, close (IN_CLOSE_WRITE).
                    try s.write("drop/inplace-\(k).npy", bytes)
                } else {
                    // The atomic writer's way: a dot file beside it, renamed in (IN_MOVED_TO).
                    try s.write("drop/.staging-\(k).npy", bytes)
                    #expect(rename(s.sub("drop/.staging-\(k).npy"), s.sub("drop/cloud-\(k).npy")) == 0)
                }
                let event = try events.next()
                let want = try SourceFixtures.engineTop(model, clouds[i])
                #expect(event.source?.name == "drop" && event.top.map(\.index) == want.map(\.index), "cloud \(i): \(event.top), engine \(want)")
            }
            // Names of no input format, temporaries and dot files are not frames.
            try s.write("drop/notes.txt", Array("hello".utf8))
            try s.write("drop/cloud.npy.tmp", InputFileWriters.npy(shape: [1024, 3], f32: clouds[0]))
            try s.write("drop/.hidden.npy", InputFileWriters.npy(shape: [1024, 3], f32: clouds[0]))
            // A file of a known format that does not decode is an error of the source, not of the daemon.
            try s.write("drop/broken.ply", Array("ply\nformat nonsense\n".utf8))
            try wait(timeout: 10, "the broken file counted") { try SourceFixtures.status(d.socket, "drop").failed == 1 }
            let st = try SourceFixtures.status(d.socket, "drop")
            #expect(st.framesSeen == 11 && st.inferred == 10 && st.failed == 1 && SourceFixtures.balanced(st), "\(st)")
            #expect(st.lastError?.message.contains("inference") == true, "\(st)")
            try expectHealthy(d, after: "a broken file in a watched directory")
        }

        @Test("back-pressure: a slow model fed 10,000 frames far faster than it infers drops them, counts them, and keeps memory bounded")
        func backPressure() throws {
            let s = try Scratch()
            // The model does not exist at start: the source retries until it is uploaded.
            let d = try start(s, """
                workers = 1
                [[source]]
                name = "fast"
                kind = "pointcloud-socket"
                model = "slow"
                path = "\(s.sub("fast.sock"))"
                """)
            try wait(timeout: 10, "the missing model reported") {
                let st = try SourceFixtures.status(d.socket, "fast")
                return st.state == "retrying" && st.lastError?.message.contains("slow") == true
            }
            let slow = try randomPointNet(seed: 31, points: 1024, widths: [64, 256, 512], classes: 10)
            #expect(try HTTP.request(d.socket, "PUT", "/v1/models/slow?version=1", body: slow).status == 201)
            try waitRunning(d.socket, "fast", timeout: 40)

            var rng = SplitMix64(seed: 77)
            let frames = (0..<8).map { _ in SourceFixtures.frame(rng.floats(1024 * 3, -1, 1)) }
            let writer = try Connection(s.sub("fast.sock"))
            let started = monotonicNow()
            var before = 0
            for n in 0..<10_000 {
                try writer.send(frames[n % frames.count])
                if n == 499 {
                    // Warmed up: buffers and the first inferences exist.
                    try wait(timeout: 10, "the first 500 frames read") { try SourceFixtures.status(d.socket, "fast").framesSeen == 500 }
                    before = try SourceFixtures.resident(d.pid)
                }
                if monotonicNow() - started > 300 {
                    Issue.record("10,000 frames took over 5 minutes (\(n) sent)")
                    return
                }
            }
            try wait(timeout: 60, "all 10,000 frames accounted for") {
                let st = try SourceFixtures.status(d.socket, "fast")
                return st.framesSeen == 10_000 && st.pending == 0 && st.inFlight == 0
            }
            let after = try SourceFixtures.resident(d.pid)
            let st = try SourceFixtures.status(d.socket, "fast")
            #expect(SourceFixtures.balanced(st) && st.failed == 0, "\(st)")
            // The writer outran the model by far: most frames were dropped, and the last one was still inferred (drop-oldest).
            #expect(st.dropped > 5_000 && st.inferred >= 1 && st.inferred + st.dropped == 10_000, "\(st)")
            // 9,500 frames of 12 KB queued would be 117 MB; one pending slot keeps growth to allocator noise.
            #expect(after - before < 24_000, "VmRSS grew from \(before) kB to \(after) kB over 10,000 frames")
            let served = try HTTP.get(d.socket, "/v1/stats").decode(StatsResponse.self).models.first { $0.name == "slow" }?.count
            #expect(served == st.inferred, "\(served ?? -1) counted in /v1/stats, \(st.inferred) inferred")
            try expectHealthy(d, after: "10,000 frames into a slow model")
        }

        @Test("a source whose socket directory is missing reports it and recovers with backoff; a malformed client is dropped while others keep working; reload restarts only changed sources")
        func failureAndRecovery() throws {
            let s = try Scratch()
            // The socket's directory does not exist yet: binding fails (qinferd does not create it) until it does.
            let blocked = s.sub("later/cam.sock")
            let toml = { (overrun: String) in """
                [[source]]
                name = "late"
                kind = "pointcloud-socket"
                model = "bipointnet"
                path = "\(blocked)"

                [[source]]
                name = "ok"
                kind = "pointcloud-socket"
                model = "bipointnet"
                path = "\(s.sub("ok.sock"))"
                on_overrun = "\(overrun)"
                """ }
            let d = try start(s, toml("drop-oldest"))
            try wait(timeout: 10, "the failed start reported") {
                let st = try SourceFixtures.status(d.socket, "late")
                return st.state == "retrying" && st.restarts >= 2 && st.retryInMs != nil
            }
            let failing = try SourceFixtures.status(d.socket, "late")
            #expect(failing.lastError?.message.contains("cannot bind \(blocked): No such file or directory") == true && failing.errors >= 2,
                    "\(failing)")
            try expectHealthy(d, after: "a source failing to start")

            // A good client and a malformed one on the other source.
            try waitRunning(d.socket, "ok")
            let (clouds, _) = try SourceFixtures.clouds()
            let good = try Connection(s.sub("ok.sock"))
            try good.send(SourceFixtures.frame(clouds[3]))
            try wait(timeout: 10, "the first frame inferred") { try SourceFixtures.status(d.socket, "ok").inferred == 1 }
            let bad = try Connection(s.sub("ok.sock"))
            try bad.send(Array("QPC9".utf8) + [UInt8](repeating: 0, count: 8))
            #expect(bad.closedByPeer(timeout: 5), "a client with a wrong magic is disconnected")
            do {
                // A client that goes away inside a frame.
                let partial = try Connection(s.sub("ok.sock"))
                try partial.send(Array(SourceFixtures.frame(clouds[3]).prefix(100)))
            }
            try wait(timeout: 10, "the cut frame reported") { try SourceFixtures.status(d.socket, "ok").errors == 2 }
            let greedy = try Connection(s.sub("ok.sock"))
            var header = Array("QPC1".utf8)
            for v in [UInt32.max, 3] { withUnsafeBytes(of: v.littleEndian) { header += $0 } }
            try greedy.send(header)
            #expect(greedy.closedByPeer(timeout: 5), "a client announcing 4 billion points is disconnected before sending them")
            try good.send(SourceFixtures.frame(clouds[4]))
            try wait(timeout: 10, "the good client still served") { try SourceFixtures.status(d.socket, "ok").inferred == 2 }
            let ok = try SourceFixtures.status(d.socket, "ok")
            #expect(ok.errors == 3 && ok.lastError?.message.contains("max_body_bytes") == true && ok.framesSeen == 2, "\(ok)")
            #expect(d.log.contains("does not start with \"QPC1\"") && d.log.contains("ended inside a frame"), "the malformed clients are logged")

            // Reload with one table changed: "ok" restarts (counters from zero), "late" keeps retrying as it was.
            let lateRestarts = try SourceFixtures.status(d.socket, "late").restarts
            try s.write("qinferd.toml", Array(toml("drop-newest").utf8))
            d.signal(SIGHUP)
            try wait(timeout: 10, "the changed source restarted") {
                let st = try SourceFixtures.status(d.socket, "ok")
                return st.onOverrun == "drop-newest" && st.state == "running"
            }
            #expect(try SourceFixtures.status(d.socket, "ok").inferred == 0)
            #expect(try SourceFixtures.status(d.socket, "late").restarts >= lateRestarts)

            // The directory appears: the next attempt (the backoff is at most a few seconds by now) binds.
            try FileManager.default.createDirectory(atPath: s.sub("later"), withIntermediateDirectories: false)
            try waitRunning(d.socket, "late", timeout: 40)
            let late = try Connection(blocked)
            try late.send(SourceFixtures.frame(clouds[5]))
            try wait(timeout: 10, "the recovered source inferring") { try SourceFixtures.status(d.socket, "late").inferred == 1 }
            #expect(try SourceFixtures.status(d.socket, "late").retryInMs == nil)
            try expectHealthy(d, after: "a source recovering")
        }

        @Test("a socket file left by a killed qinferd is replaced; a regular file at the path is not, and is reported")
        func staleSocket() throws {
            let s = try Scratch()
            try s.write("plain.sock", Array("a regular file".utf8))
            let toml = """
                [[source]]
                name = "lidar"
                kind = "pointcloud-socket"
                model = "bipointnet"
                path = "\(s.sub("lidar.sock"))"

                [[source]]
                name = "plain"
                kind = "pointcloud-socket"
                model = "bipointnet"
                path = "\(s.sub("plain.sock"))"
                """
            let first = try start(s, toml)
            try waitRunning(first.socket, "lidar")
            first.signal(SIGKILL)
            try first.waitExit()
            #expect(FileManager.default.fileExists(atPath: s.sub("lidar.sock")), "kill -9 leaves the socket file behind")
            let second = try start(s, toml)
            try waitRunning(second.socket, "lidar")
            let (clouds, _) = try SourceFixtures.clouds()
            try Connection(s.sub("lidar.sock")).send(SourceFixtures.frame(clouds[1]))
            try wait(timeout: 10, "a frame on the replaced socket inferred") { try SourceFixtures.status(second.socket, "lidar").inferred == 1 }
            try wait(timeout: 10, "the regular file reported") {
                try SourceFixtures.status(second.socket, "plain").lastError?.message.contains("exists and is not a socket") == true
            }
            #expect(try readWholeFile(s.sub("plain.sock")) == "a regular file", "the file is left as it was")
        }

        @Test("qinfer watch SOURCE prints a line per answer of that source (label, score, latency, fps, drops); --json passes the lines through")
        func watchCommand() throws {
            let s = try Scratch()
            let d = try start(s, """
                [[source]]
                name = "lidar"
                kind = "pointcloud-socket"
                model = "bipointnet"
                path = "\(s.sub("lidar.sock"))"
                max_rate = 50
                """)
            try waitRunning(d.socket, "lidar")
            let unknown = try runQInfer(["watch", "nope", "--socket", d.socket])
            #expect(unknown.status != 0 && unknown.err.contains("no source 'nope'") && unknown.err.contains("lidar"), "\(unknown)")

            let (clouds, _) = try SourceFixtures.clouds()
            for json in [false, true] {
                final class Box: @unchecked Sendable { var result: (status: Int32, out: String, err: String)? }
                let box = Box(), done = DispatchSemaphore(value: 0)
                let args = ["watch", "lidar", "--socket", d.socket, "--count", "3"] + (json ? ["--json"] : [])
                DispatchQueue.global().async {
                    box.result = try? runQInfer(args)
                    done.signal()
                }
                // Frames until the watcher has its three lines (it subscribes a moment after starting).
                let writer = try Connection(s.sub("lidar.sock"))
                var sent = 0
                while done.wait(timeout: .now() + 0.1) == .timedOut {
                    try writer.send(SourceFixtures.frame(clouds[sent % 50]))
                    sent += 1
                    #expect(sent < 600, "qinfer watch printed no three lines within a minute")
                    if sent >= 600 { break }
                }
                let r = try #require(box.result)
                let lines = r.out.split(separator: "\n")
                #expect(r.status == 0 && lines.count == 3, "\(r)")
                for line in lines {
                    if json {
                        let event = try JSONDecoder().decode(InferResponse.self, from: Data(line.utf8))
                        #expect(event.source?.name == "lidar")
                    } else {
                        #expect(line.contains(" lidar bipointnet v1 ") && line.contains(" ms, ") && line.contains(" fps, ") && line.hasSuffix(" dropped"),
                                "\(line)")
                    }
                }
            }
        }

        @Test("max_rate spaces a source's inferences: frames every 5 ms for 2 s into max_rate = 4 give about 8 answers")
        func maxRate() throws {
            let s = try Scratch()
            let d = try start(s, """
                [[source]]
                name = "slowed"
                kind = "pointcloud-socket"
                model = "bipointnet"
                path = "\(s.sub("slowed.sock"))"
                max_rate = 4
                """)
            try waitRunning(d.socket, "slowed")
            let (clouds, _) = try SourceFixtures.clouds()
            let writer = try Connection(s.sub("slowed.sock"))
            let started = monotonicNow()
            var sent = 0
            while monotonicNow() - started < 2 && sent < 1000 {
                try writer.send(SourceFixtures.frame(clouds[sent % 20]))
                sent += 1
                usleep(5000)
            }
            let elapsed = monotonicNow() - started
            try wait(timeout: 10, "the last frame answered") {
                let st = try SourceFixtures.status(d.socket, "slowed")
                return st.framesSeen == sent && st.pending == 0 && st.inFlight == 0
            }
            let st = try SourceFixtures.status(d.socket, "slowed")
            // One submission at start, then one per 250 ms at most, plus the frame left pending when the writer stopped.
            #expect(st.inferred >= 4 && Double(st.inferred) <= elapsed * 4 + 2, "\(st.inferred) answers in \(elapsed) s")
            #expect(st.dropped == sent - st.inferred && SourceFixtures.balanced(st), "\(st)")
        }

        @Test("bad [[source]] tables stop qinferd at start with a message naming the table and the key")
        func badTables() throws {
            let s = try Scratch()
            let cases: [(String, String)] = [
                ("[[source]]\nname = \"a\"\nkind = \"directory\"\nmodel = \"m\"\npath = \"/tmp\"\nsocket_mode = \"0600\"\n",
                 "[[source]] #1 ('a'): unknown key 'socket_mode'"),
                ("[[source]]\nname = \"a\"\nkind = \"directory\"\nmodel = \"m\"\npath = \"/tmp\"\nmax_rate = \"fast\"\n",
                 "[[source]] #1 ('a'): key 'max_rate' must be a number"),
                ("[[source]]\nname = \"a\"\nkind = \"directory\"\nmodel = \"m\"\npath = \"/tmp\"\n[[source]]\nname = \"a\"\nkind = \"directory\"\nmodel = \"m\"\npath = \"/var\"\n",
                 "[[source]] #2 ('a'): the name 'a' is used by an earlier [[source]]"),
                ("[[source]]\nname = \"a\"\nkind = \"webcam\"\nmodel = \"m\"\npath = \"/tmp\"\n", "kind = \"webcam\" is not one of"),
                ("[[source]]\nname = \"a\"\nkind = \"directory\"\nmodel = \"m\"\npath = \"/tmp\"\non_overrun = \"queue\"\n",
                 "on_overrun = \"queue\" is not one of drop-oldest, drop-newest"),
                ("[[source]]\nname = \"a\"\nkind = \"pointcloud-socket\"\nmodel = \"m\"\n", "[[source]] #1 ('a'): 'path' is missing"),
            ]
            for (i, (toml, needle)) in cases.enumerated() {
                let config = try s.write("bad\(i).toml", Array(toml.utf8))
                let d = try DaemonProcess(arguments: ["--socket", s.sub("b\(i).sock"), "--state-dir", s.sub("state"), "--config", config],
                                          socket: s.sub("b\(i).sock"), log: s.sub("b\(i).log"))
                try d.waitExit(timeout: 20)
                #expect(d.exitCode != 0 && d.log.contains(needle), "case \(i): \(d.log)")
            }
        }
    }
}
