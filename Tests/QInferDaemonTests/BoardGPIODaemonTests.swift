import Foundation
import Logging
import QInferBoard
import QInferDaemon
import QInferProtocol
import QInferSensors
import QInferTestSupport
import Synchronization
import Testing
import QInferRandom

/// The daemon's BoardHooks, recording what the GPIO lines looked like at each completion (just before its event is
/// published).
final class RecordingHooks: BoardHooks, @unchecked Sendable {
    let runtime: BoardRuntime
    let gpio: InMemoryGPIO
    let busyWritesAtCompletion = Mutex<[[InMemoryGPIO.Write]]>([])
    init(runtime: BoardRuntime, gpio: InMemoryGPIO) { self.runtime = runtime; self.gpio = gpio }

    func aroundCompute<T>(_ body: () throws -> T) rethrows -> T { try runtime.aroundCompute(body) }
    func telemetry(from start: ContinuousClock.Instant, to end: ContinuousClock.Instant) -> (EnergyTelemetry?, BoardState?) {
        runtime.telemetry(from: start, to: end)
    }
    func completed(_ response: InferResponse) {
        busyWritesAtCompletion.withLock { $0.append(gpio.writes(chip: "gpiochip0", offset: 17)) }
        runtime.completed(response)
    }
    func status() -> BoardStatus { runtime.status() }
}

@Suite("daemon with a board: in-memory GPIO, fixture /proc")
struct BoardGPIODaemonTests {
    static let classes = 6

    func makeDaemon(_ dir: String, gpio: InMemoryGPIO) throws -> (Daemon, RecordingHooks) {
        try FileManager.default.createDirectory(atPath: dir + "/proc", withIntermediateDirectories: true)
        try "cpu  100 0 50 1000 10 0 0 0 0 0\n".write(toFile: dir + "/proc/stat", atomically: true, encoding: .utf8)
        let config = try BoardConfigLoader.parse("""
            description = "in-memory board"
            [cpu]
            cores = []
            threads = 2
            thermal_zones = []
            [power]
            idle_w = 1.0
            active_core_w = 1.0
            sample_hz = 100
            sources = [{ kind = "estimate" }]
            [gpio]
            chip = "gpiochip0"
            busy_line = 17
            trigger_line = 27
            result_lines = [0, 1, 2, 3, 4, 5]
            """, name: "memory")
        let logger = Logger(label: "test")
        let runtime = try BoardRuntime(config: config, files: SysfsFiles(root: dir), gpioBackend: gpio, logger: logger)
        let hooks = RecordingHooks(runtime: runtime, gpio: gpio)
        var settings = DaemonConfig()
        settings.stateDirectory = dir + "/state"
        settings.embeddedModelDirectories = []
        settings.workers = 2
        let daemon = try Daemon(config: settings, logger: logger, board: hooks)
        _ = try daemon.store.install(name: "pn", version: "1", bytes: TestModelBytes.model, activate: true)
        return (daemon, hooks)
    }

    func infer(_ daemon: Daemon, _ points: [Float]) throws -> InferResponse {
        let result = Mutex<Result<InferResponse, APIFailure>?>(nil)
        let done = DispatchSemaphore(value: 0)
        let request = InferenceRequest(model: "pn", input: .file(.f32, InputFileWriters.rawF32(points), shape: [TestModelBytes.points, 3]),
                                       options: InferenceOptions(topK: 1))
        daemon.infer(request) { r in
            result.withLock { $0 = r }
            done.signal()
        }
        done.wait()
        return try result.withLock { $0 }!.get()
    }

    @Test("the busy line goes high and low once per inference before its answer; the predicted class's result line is high")
    func busyAndResults() throws {
        let dir = try TemporaryDir()
        let gpio = InMemoryGPIO(lineCount: 32)
        let (daemon, hooks) = try makeDaemon(dir.path, gpio: gpio)
        var rng = SplitMix64(seed: 11)
        for k in 1...8 {
            let r = try infer(daemon, rng.floats(TestModelBytes.points * 3, -1, 1))
            // At this answer's completion: the initial low, then one high/low pair per inference so far, in order.
            let writes = hooks.busyWritesAtCompletion.withLock { $0.last! }
            #expect(writes.map(\.high) == [false] + Array(repeating: [true, false], count: k).flatMap { $0 }, "\(writes)")
            #expect(zip(writes, writes.dropFirst()).allSatisfy { $0.sequence < $1.sequence })
            let predicted = try #require(r.top.first).index
            for line in 0..<Self.classes {
                #expect(gpio.value(chip: "gpiochip0", offset: UInt32(line)) == (line == predicted), "class \(predicted), line \(line)")
            }
            #expect(r.telemetry.energy?.estimated == true && r.telemetry.energy?.source.hasPrefix("estimate") == true)
        }
        hooks.runtime.shutdown()
        #expect(gpio.value(chip: "gpiochip0", offset: 17) == false)
        #expect(gpio.consumer(chip: "gpiochip0", offset: 17) == nil, "the busy line is released at shutdown")
    }

    @Test("rising edges on the trigger line run the model on the latest input file, one inference per edge")
    func trigger() throws {
        let dir = try TemporaryDir()
        let gpio = InMemoryGPIO(lineCount: 32)
        let (daemon, hooks) = try makeDaemon(dir.path, gpio: gpio)
        let input = dir.path + "/latest.npy"
        var rng = SplitMix64(seed: 5)
        let served = Mutex<[InferResponse]>([])
        let edge = try #require(hooks.runtime.gpio.trigger)
        let watcher = TriggerWatcher(line: edge, pollInterval: .milliseconds(20)) { _ in
            let done = DispatchSemaphore(value: 0)
            // What qinferd's trigger does: the typed request built from the file, decoded by the worker.
            guard let request = try? InferenceRequest(model: "pn", input: .file(at: input)) else { return }
            daemon.infer(request) { result in
                if case .success(let r) = result { served.withLock { $0.append(r) } }
                done.signal()
            }
            done.wait()
        }
        watcher.start()
        defer { watcher.stop() }
        for i in 1...3 {
            let points = rng.floats(TestModelBytes.points * 3, -1, 1)
            try Data(InputFileWriters.npy(shape: [TestModelBytes.points, 3], f32: points)).write(to: URL(fileURLWithPath: input))
            #expect(gpio.injectRisingEdge(chip: "gpiochip0", offset: 27))
            let end = ContinuousClock.now + .seconds(20)
            while served.withLock({ $0.count }) < i && ContinuousClock.now < end { usleep(5000) }
            let direct = try infer(daemon, points)
            let last = try #require(served.withLock { $0.last })
            #expect(served.withLock { $0.count } == i)
            #expect(last.top.first == direct.top.first, "the edge ran on the file written just before it")
        }
        #expect(watcher.edgeCount == 3)
        // A missing input file is an error for that edge, not a crash.
        try FileManager.default.removeItem(atPath: input)
        #expect(throws: APIFailure.self) { try InputPayload.file(at: input) }
        do { _ = try InputPayload.file(at: input) } catch { #expect(error.message.contains("cannot read the input file \(input)")) }
        hooks.runtime.shutdown()
    }
}

enum TestModelBytes {
    static let points = 64
    static let model: [UInt8] = try! randomPointNet(seed: 9, points: points, widths: [32, 64], classes: BoardGPIODaemonTests.classes)
}

final class TemporaryDir {
    let path: String
    init() throws {
        path = "/tmp/qdt-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}
