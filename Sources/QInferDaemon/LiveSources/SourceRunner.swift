import Dispatch
import Logging
import QInferProtocol
import Synchronization

/// Runs one source: starts its sensor (again after a failure, with a bounded exponential backoff), keeps the one
/// pending frame, and submits it through ``Daemon/infer(_:delivery:completion:)`` when the previous answer is in
/// and `max_rate` allows. At most one inference per source is queued or running: the pending slot is the back-pressure.
final class SourceRunner: Sendable {
    let config: SourceConfig
    private let daemon: Daemon
    private let make: @Sendable () throws(SourceFailure) -> any FrameSource
    private let logger: Logger
    private let queue: DispatchQueue
    private let state = Mutex(State())

    static let firstBackoff = Duration.milliseconds(500)
    static let maxBackoff = Duration.seconds(30)

    private enum Phase { case starting, running, retrying, stopped }

    private struct State {
        var phase = Phase.starting
        var source: (any FrameSource)?
        /// Bumped at every start attempt, so a late failure report of an earlier sensor is ignored.
        var generation = 0
        var backoff = SourceRunner.firstBackoff
        var retryAt: ContinuousClock.Instant?
        var pending: InputPayload?
        var inFlight = false
        var nextSubmit = ContinuousClock.now
        var rateTimerArmed = false
        var counters = SourceCounters()
    }

    init(config: SourceConfig, daemon: Daemon, make: @escaping @Sendable () throws(SourceFailure) -> any FrameSource) {
        self.config = config
        self.daemon = daemon
        self.make = make
        var logger = daemon.logger
        logger[metadataKey: "source"] = "\(config.name)"
        self.logger = logger
        queue = DispatchQueue(label: "qinferd.source.\(config.name)")
    }

    func start() { queue.async { self.attempt() } }

    /// Closes the sensor; a pending frame is dropped (counted), an inference in flight finishes in the daemon's drain.
    func stop() {
        let source = state.withLock { s -> (any FrameSource)? in
            s.phase = .stopped
            s.generation += 1
            if s.pending != nil { s.pending = nil; s.counters.dropped += 1 }
            defer { s.source = nil }
            return s.source
        }
        source?.stop()
    }

    private func attempt() {
        let generation = state.withLock { s -> Int? in
            guard s.phase != .stopped else { return nil }
            s.generation += 1
            return s.generation
        }
        guard let generation else { return }
        do throws(SourceFailure) {
            do { _ = try daemon.store.serving(config.model, version: nil) } catch {
                throw SourceFailure("model '\(config.model)': \(error.message)")
            }
            let source = try make()
            try source.start(sink(generation))
            let keep = state.withLock { s -> Bool in
                guard s.phase != .stopped && s.generation == generation else { return false }
                s.phase = .running
                s.source = source
                s.retryAt = nil
                s.backoff = Self.firstBackoff
                return true
            }
            guard keep else { return source.stop() }
            logger.info("source \(config.name) (\(config.input.kind)) running, feeding \(config.model)")
        } catch {
            failed(generation, error.description, starting: true)
        }
    }

    private func sink(_ generation: Int) -> FrameSink {
        FrameSink(deliver: { [weak self] in self?.offer($0, generation) },
                  reject: { [weak self] in self?.reject($0) },
                  fail: { [weak self] message in
                      guard let runner = self else { return }
                      runner.queue.async { runner.failed(generation, message, starting: false) }
                  },
                  lost: { [weak self] in self?.lost($0, generation) })
    }

    /// Counts the failure, closes the sensor and schedules the next attempt after the backoff, doubled each time.
    private func failed(_ generation: Int, _ message: String, starting: Bool) {
        let outcome = state.withLock { s -> (source: (any FrameSource)?, delay: Duration)? in
            guard s.phase != .stopped && s.generation == generation else { return nil }
            // One failure per sensor: a second report of the same one (a pipeline error after its end of stream, a
            // watch that sees its directory go twice) would otherwise schedule a second attempt, whose sensor would
            // replace the first one's without being stopped. Late frames of this sensor are refused from here on too.
            s.generation += 1
            s.counters.error(message)
            s.counters.restarts += 1
            s.phase = .retrying
            let delay = s.backoff
            s.backoff = min(s.backoff * 2, Self.maxBackoff)
            s.retryAt = .now + delay
            defer { s.source = nil }
            return (s.source, delay)
        }
        guard let outcome else { return }
        outcome.source?.stop()
        logger.error("source \(config.name): \(starting ? "cannot start" : "failed"): \(message); retrying in \(outcome.delay)")
        queue.asyncAfter(deadline: .now() + .microseconds(outcome.delay.wholeMicroseconds)) { self.attempt() }
    }

    private func reject(_ message: String) {
        state.withLock { $0.counters.error(message) }
        logger.warning("source \(config.name): \(message)")
    }

    private func lost(_ count: Int, _ generation: Int) {
        state.withLock { s in
            guard s.phase != .stopped && s.generation == generation else { return }
            s.counters.seen += count
            s.counters.dropped += count
        }
    }

    private func offer(_ frame: InputPayload, _ generation: Int) {
        let accepted = state.withLock { s -> Bool in
            guard s.phase != .stopped && s.generation == generation else { return false }
            s.counters.seen += 1
            if s.pending != nil {
                s.counters.dropped += 1
                if config.onOverrun == .dropNewest { return true }
            }
            s.pending = frame
            return true
        }
        if accepted { pump() }
    }

    /// Submits the pending frame when nothing is in flight and the rate allows; otherwise arms one timer for the
    /// moment it will.
    private func pump() {
        let now = ContinuousClock.now
        let next = state.withLock { s -> (frame: InputPayload, mark: SourceMark)? in
            guard s.phase != .stopped, !s.inFlight, let frame = s.pending else { return nil }
            if now < s.nextSubmit {
                if !s.rateTimerArmed {
                    s.rateTimerArmed = true
                    queue.asyncAfter(deadline: .now() + .microseconds((s.nextSubmit - now).wholeMicroseconds + 1)) {
                        self.state.withLock { $0.rateTimerArmed = false }
                        self.pump()
                    }
                }
                return nil
            }
            s.pending = nil
            s.inFlight = true
            if let rate = config.maxRate { s.nextSubmit = now + .microseconds(Int64(1_000_000 / rate)) }
            return (frame, SourceMark(name: config.name, dropped: s.counters.dropped, fps: s.counters.rate.perSecond(now: now)))
        }
        guard let next else { return }
        let delivery = ResultDelivery(events: config.results.events, gpio: config.results.gpio, source: next.mark)
        daemon.infer(InferenceRequest(model: config.model, input: next.frame), delivery: delivery) { [self] result in
            state.withLock { s in
                s.inFlight = false
                switch result {
                case .success(let response):
                    s.counters.inferred += 1
                    s.counters.rate.record()
                    if let best = response.top.first {
                        s.counters.lastResult = SourceResult(label: best.label, index: best.index, score: best.score,
                                                             totalUs: response.telemetry.totalMicros, at: SourceCounters.timestamp())
                    }
                case .failure(let failure):
                    s.counters.failed += 1
                    s.counters.error("inference: \(failure.message)")
                }
            }
            if case .failure(let failure) = result { logger.warning("source \(config.name): inference failed: \(failure.message)") }
            // Off the worker thread, and never recursing when the daemon answered at once (a missing model).
            queue.async { self.pump() }
        }
    }

    func status() -> SourceStatus {
        let now = ContinuousClock.now
        return state.withLock { s in
            let phase: String = switch s.phase {
            case .starting, .retrying: s.phase == .starting ? "starting" : "retrying"
            case .running: "running"
            case .stopped: "stopped"
            }
            let retryIn = s.retryAt.map { max(0, ($0 - now).wholeMicroseconds / 1000) }
            let c = s.counters
            return SourceStatus(name: config.name, kind: config.input.kind, model: config.model, state: phase,
                                results: config.results.rawValue, onOverrun: config.onOverrun.rawValue, maxRate: config.maxRate,
                                framesSeen: c.seen, inferred: c.inferred, failed: c.failed, dropped: c.dropped,
                                pending: s.pending == nil ? 0 : 1, inFlight: s.inFlight ? 1 : 0, errors: c.errors,
                                restarts: c.restarts, lastError: c.lastError, lastResult: c.lastResult,
                                fps: c.rate.perSecond(now: now), retryInMs: s.phase == .retrying ? retryIn : nil)
        }
    }
}
