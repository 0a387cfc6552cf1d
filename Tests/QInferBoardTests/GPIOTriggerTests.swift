import Dispatch
import Glibc
import QInferBoard
import Synchronization
import Testing

/// The trigger watcher against injected edges.
@Suite struct GPIOTriggerTests {
    final class Calls: Sendable {
        let count = Atomic(0)
        let arrived = DispatchSemaphore(value: 0)
    }

    @Test("each injected rising edge calls the handler once, including edges queued before start")
    func handlerOncePerEdge() throws {
        let gpio = InMemoryGPIO(lineCount: 32)
        let line = try gpio.requestRisingEdges(chip: "gpiochip0", offset: 27, consumer: "trigger")
        let calls = Calls()
        let watcher = TriggerWatcher(line: line, pollInterval: .milliseconds(20)) { event in
            #expect(event.timestamp > .zero)
            calls.count.add(1, ordering: .relaxed)
            calls.arrived.signal()
        }
        #expect(gpio.injectRisingEdge(chip: "gpiochip0", offset: 27))
        watcher.start()
        watcher.start()  // a second start is a no-op, not a second thread
        #expect(calls.arrived.wait(timeout: .now() + 5) == .success)
        for _ in 0..<3 {
            #expect(gpio.injectRisingEdge(chip: "gpiochip0", offset: 27))
            #expect(calls.arrived.wait(timeout: .now() + 5) == .success)
        }
        // Nothing more arrives: one call per edge, no repeats.
        #expect(calls.arrived.wait(timeout: .now() + .milliseconds(200)) == .timedOut)
        #expect(calls.count.load(ordering: .relaxed) == 4)
        #expect(watcher.edgeCount == 4)
        watcher.stop()
    }

    @Test("stop() ends the thread within a poll interval or so and releases the line")
    func stopIsPrompt() throws {
        let gpio = InMemoryGPIO(lineCount: 32)
        let line = try gpio.requestRisingEdges(chip: "gpiochip0", offset: 27, consumer: "trigger")
        let calls = Calls()
        let watcher = TriggerWatcher(line: line, pollInterval: .milliseconds(50)) { _ in
            calls.count.add(1, ordering: .relaxed)
        }
        watcher.start()
        usleep(100_000)  // the thread is inside waitForEdge
        let clock = ContinuousClock()
        let took = clock.measure { watcher.stop() }
        #expect(took < .milliseconds(500), "stop took \(took)")
        #expect(gpio.consumer(chip: "gpiochip0", offset: 27) == nil)
        #expect(!gpio.injectRisingEdge(chip: "gpiochip0", offset: 27), "nobody listens any more")
        #expect(calls.count.load(ordering: .relaxed) == 0)
        watcher.stop()  // idempotent
        // The line can be requested again, e.g. by a restarted watcher.
        let again = try gpio.requestRisingEdges(chip: "gpiochip0", offset: 27, consumer: "trigger")
        again.release()
    }

    @Test("stop() from inside the handler does not deadlock; stop() without start releases the line")
    func stopFromHandler() throws {
        let gpio = InMemoryGPIO(lineCount: 32)
        let line = try gpio.requestRisingEdges(chip: "gpiochip0", offset: 4, consumer: "trigger")
        let calls = Calls()
        let box = WatcherBox()
        let watcher = TriggerWatcher(line: line, pollInterval: .milliseconds(20)) { _ in
            box.watcher.withLock { $0 }?.stop()
            calls.count.add(1, ordering: .relaxed)
            calls.arrived.signal()
        }
        box.watcher.withLock { $0 = watcher }
        watcher.start()
        gpio.injectRisingEdge(chip: "gpiochip0", offset: 4)
        #expect(calls.arrived.wait(timeout: .now() + 5) == .success)
        #expect(gpio.consumer(chip: "gpiochip0", offset: 4) == nil)
        #expect(!gpio.injectRisingEdge(chip: "gpiochip0", offset: 4))
        #expect(calls.count.load(ordering: .relaxed) == 1)
        watcher.stop()

        let unstarted = TriggerWatcher(line: try gpio.requestRisingEdges(chip: "gpiochip0", offset: 5, consumer: "t")) { _ in }
        unstarted.stop()
        #expect(gpio.consumer(chip: "gpiochip0", offset: 5) == nil)
        unstarted.start()  // after stop: does nothing
    }

    final class WatcherBox: Sendable {
        let watcher = Mutex<TriggerWatcher?>(nil)
    }
}
