import Foundation
import QInferBoard
import QInferDaemon
import QInferProtocol
import QInferTestSupport
import Synchronization
import Testing
import QInferRandom

/// A live source's `results` on a board with in-memory GPIO: "gpio" sets the result lines as the trigger's answers
/// do, "events" leaves them alone; the counters and last result follow either way.
@Suite("live source results: GPIO result lines and events")
struct SourceResultTargetTests {
    @Test("results = gpio sets the predicted class's result line; results = events does not call the board's completion")
    func gpioAndEvents() throws {
        let dir = try TemporaryDir()
        let gpio = InMemoryGPIO(lineCount: 32)
        let (daemon, hooks) = try BoardGPIODaemonTests().makeDaemon(dir.path, gpio: gpio)
        defer { hooks.runtime.shutdown() }
        let watched = dir.path + "/drop"
        try FileManager.default.createDirectory(atPath: watched, withIntermediateDirectories: true)
        var config = daemon.config
        config.sources = [SourceConfig(name: "drop", model: "pn", results: .gpio, input: .directory(path: watched))]
        daemon.reload(config)
        daemon.sources.start(daemon: daemon) { path, _, _ in throw SourceFailure("no sockets here (\(path))") }
        defer { daemon.sources.stop() }

        func waitFor(_ what: String, _ condition: () -> Bool) throws {
            let end = ContinuousClock.now + .seconds(20)
            while !condition() {
                guard ContinuousClock.now < end else { throw TestFailure("timed out waiting for \(what): \(daemon.sources.list())") }
                usleep(5000)
            }
        }
        func source() -> SourceStatus? { daemon.sources.list().sources.first }
        try waitFor("the source running") { source()?.state == "running" }

        var rng = SplitMix64(seed: 23)
        for k in 1...3 {
            let points = rng.floats(TestModelBytes.points * 3, -1, 1)
            let staged = watched + "/.next.npy"
            try Data(InputFileWriters.npy(shape: [TestModelBytes.points, 3], f32: points)).write(to: URL(fileURLWithPath: staged))
            #expect(rename(staged, watched + "/frame-\(k).npy") == 0)
            try waitFor("frame \(k) inferred") { source()?.inferred == k }
            let predicted = try #require(source()?.lastResult?.index)
            #expect(hooks.busyWritesAtCompletion.withLock { $0.count } == k, "the board saw every answer")
            for line in 0..<BoardGPIODaemonTests.classes {
                #expect(gpio.value(chip: "gpiochip0", offset: UInt32(line)) == (line == predicted), "class \(predicted), line \(line)")
            }
        }

        // The same table with results = events: the source restarts (counters from zero) and the board sees nothing.
        config.sources[0].results = .events
        daemon.reload(config)
        try waitFor("the changed source running") { source()?.results == "events" && source()?.state == "running" }
        let staged = watched + "/.last.npy"
        try Data(InputFileWriters.npy(shape: [TestModelBytes.points, 3], f32: rng.floats(TestModelBytes.points * 3, -1, 1)))
            .write(to: URL(fileURLWithPath: staged))
        #expect(rename(staged, watched + "/frame-last.npy") == 0)
        try waitFor("the last frame inferred") { source()?.inferred == 1 }
        #expect(hooks.busyWritesAtCompletion.withLock { $0.count } == 3, "an events-only source leaves the result lines alone")
    }
}
