import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Logging
import Synchronization

/// Watches a trigger input line on its own thread and calls a handler for each rising edge.
///
/// The thread waits for edges with a short timeout (``pollInterval``) and checks for ``stop()`` in between, so
/// stopping takes at most one interval plus a running handler. The handler runs on that thread, one edge at a time;
/// edges arriving meanwhile queue in the kernel (16 per line) and are delivered afterwards, so a handler that
/// should not block the next edge hands work off (e.g. to the scheduler) and returns.
///
/// A failing wait is logged (once per run of failures) and retried after one interval.
public final class TriggerWatcher: Sendable {
    public let line: any GPIOEdgeLine
    public let pollInterval: Duration
    private let handler: @Sendable (GPIOEdgeEvent) -> Void
    private let logger: Logger?
    private let stopping = Atomic(false)
    private let delivered = Atomic(0)
    /// pthread_self() of the watcher thread once it runs, so stop() can tell it is called from the handler.
    private let watcherThread = Atomic<UInt>(0)
    /// Signalled once when the thread's loop has ended.
    private let finished = DispatchSemaphore(value: 0)
    private let phase = Mutex(Phase.idle)

    private enum Phase { case idle, running, stopped }

    public init(line: any GPIOEdgeLine, pollInterval: Duration = .milliseconds(100), logger: Logger? = nil,
                handler: @escaping @Sendable (GPIOEdgeEvent) -> Void) {
        precondition(pollInterval > .zero, "the trigger poll interval must be positive")
        self.line = line
        self.pollInterval = pollInterval
        self.logger = logger
        self.handler = handler
    }

    /// Edges handed to the handler so far.
    public var edgeCount: Int { delivered.load(ordering: .relaxed) }

    /// Starts the thread. Starting twice, or after ``stop()``, does nothing.
    public func start() {
        let start = phase.withLock { phase in
            guard phase == .idle else { return false }
            phase = .running
            return true
        }
        guard start else { return }
        let thread = Thread { [self] in
            #if canImport(Glibc)
            watcherThread.store(UInt(pthread_self()), ordering: .releasing)
            #endif
            loop()
            finished.signal()
        }
        thread.name = "qinferd-gpio-trigger"
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Ends the thread (waiting for a running handler) and releases the line. Idempotent. From inside the handler
    /// it does not wait for the thread, which ends when the handler returns.
    public func stop() {
        let wasRunning = phase.withLock { phase in
            defer { phase = .stopped }
            return phase == .running
        }
        stopping.store(true, ordering: .releasing)
        if wasRunning, !onWatcherThread { finished.wait() }
        // From the handler the thread may still be inside waitForEdge next; release() waits for that wait (v1
        // backend) or makes it throw (in-memory), and the loop ends on the stop flag either way.
        line.release()
    }

    private var onWatcherThread: Bool {
        #if canImport(Glibc)
        let watcher = watcherThread.load(ordering: .acquiring)
        return watcher != 0 && pthread_equal(pthread_t(watcher), pthread_self()) != 0
        #else
        return false
        #endif
    }

    private func loop() {
        var failing = false
        while !stopping.load(ordering: .acquiring) {
            do {
                guard let event = try line.waitForEdge(timeout: pollInterval) else { continue }
                if failing { logger?.notice("trigger line readable again", metadata: ["line": "\(line.address)"]) }
                failing = false
                // An edge that raced with stop() is not acted on: the daemon is shutting down.
                guard !stopping.load(ordering: .acquiring) else { break }
                delivered.add(1, ordering: .relaxed)
                handler(event)
            } catch {
                if stopping.load(ordering: .acquiring) { break }
                if !failing { logger?.error("waiting for a trigger edge failed", metadata: ["error": "\(error)"]) }
                failing = true
                let (seconds, nanoseconds) = pollInterval.gpioSecondsAndNanoseconds
                Thread.sleep(forTimeInterval: Double(seconds) + Double(nanoseconds) / 1e9)
            }
        }
    }
}
