import Dispatch
import Foundation
import QInferBoard
import QInferDaemon
import QInferProtocol
import QInferTestSupport
import Synchronization
import Testing

/// How many sensors a factory made and how many of them are open (started and not yet stopped).
final class SensorLedger: Sendable {
    let counts = Mutex((starts: 0, open: 0))
}

/// A sensor that reports its failure twice on its first start, as a pipeline can (an error right after its end of
/// stream), and runs quietly once started again.
final class DoubleFailingSensor: FrameSource {
    let ledger: SensorLedger
    init(ledger: SensorLedger) { self.ledger = ledger }

    func start(_ sink: FrameSink) throws(SourceFailure) {
        let first = ledger.counts.withLock { c -> Bool in
            c.starts += 1
            c.open += 1
            return c.starts == 1
        }
        guard first else { return }
        DispatchQueue.global().async {
            sink.fail("the stream ended")
            sink.fail("an error after the end of the stream")
        }
    }

    func stop() { ledger.counts.withLock { $0.open -= 1 } }
}

@Suite("source runner: failure reports")
struct SourceRunnerFailureTests {
    @Test("a sensor reporting one failure twice is restarted once: one restart, one open sensor afterwards")
    func doubleReport() throws {
        let dir = try TemporaryDir()
        let (daemon, hooks) = try BoardGPIODaemonTests().makeDaemon(dir.path, gpio: InMemoryGPIO(lineCount: 32))
        defer { hooks.runtime.shutdown() }
        let ledger = SensorLedger()
        // The camera kind is built by a registered factory (qinferd registers GStreamer's); this one is the sensor above.
        daemon.sources.register(kind: "camera") { _ throws(SourceFailure) -> any FrameSource in DoubleFailingSensor(ledger: ledger) }
        var config = daemon.config
        config.sources = [SourceConfig(name: "cam", model: "pn", input: .camera(pipeline: "a sensor that fails twice"))]
        daemon.reload(config)
        daemon.sources.start(daemon: daemon) { path, _, _ in throw SourceFailure("no sockets here (\(path))") }
        defer { daemon.sources.stop() }

        func source() -> SourceStatus? { daemon.sources.list().sources.first }
        let end = ContinuousClock.now + .seconds(10)
        while !(ledger.counts.withLock { $0.starts } >= 2 && source()?.state == "running") {
            guard ContinuousClock.now < end else { throw TestFailure("the source never ran again: \(daemon.sources.list())") }
            usleep(5000)
        }
        // A second attempt for the second report would come after the doubled backoff (1 s): wait past it.
        usleep(1_500_000)
        let counts = ledger.counts.withLock { $0 }
        #expect(counts.starts == 2, "sensors started: \(counts.starts)")
        #expect(counts.open == 1, "sensors open: \(counts.open)")
        #expect(source()?.restarts == 1)
        #expect(source()?.state == "running")
    }
}
