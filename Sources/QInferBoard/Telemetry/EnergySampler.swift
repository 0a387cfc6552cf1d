// A thread that reads the power source at a fixed rate into a ring buffer of (time, cumulative joules). Power
// readings are integrated with the trapezoid rule; energy counters are taken as they are. The energy of a window is
// E(end) − E(start), each interpolated linearly between the samples around it, or extrapolated with the recent
// power past the newest sample (an inference that just ended is not made to wait for the next sample).
import Foundation
import Synchronization

public struct EnergyWindow: Sendable, Equatable {
    public var joules: Double
    /// `joules` minus the board's idle power over the window (can be slightly negative on a noisy sensor).
    public var joulesAboveIdle: Double
    public var averageWatts: Double
    public var seconds: Double
}

public final class EnergySampler: Sendable {
    public let source: any PowerSource
    public let idleWatts: Double
    public let interval: Duration
    private struct Sample { var t: ContinuousClock.Instant; var joules: Double; var watts: Double }
    private struct State {
        var ring: [Sample] = []
        var head = 0 // next slot once the ring is full
        var lastError: String?
        var readErrors = 0
    }
    private let state: Mutex<State>
    private let capacity: Int
    private let running = Atomic<Bool>(false)
    private let clock: @Sendable () -> ContinuousClock.Instant

    /// - Parameters:
    ///   - history: seconds of samples kept (the longest window that can be measured).
    public init(source: any PowerSource, hz: Double, idleWatts: Double, history: Double = 30,
                clock: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.source = source
        self.idleWatts = idleWatts
        interval = .nanoseconds(Int64(1e9 / hz))
        capacity = max(16, min(Int(hz * history), 65_536))
        state = Mutex(State())
        self.clock = clock
    }

    public func start() {
        guard !running.exchange(true, ordering: .acquiringAndReleasing) else { return }
        sampleOnce()
        let thread = Thread { [self] in
            var next = clock() + interval
            while running.load(ordering: .acquiring) {
                let now = clock()
                if now < next { Thread.sleep(forTimeInterval: (next - now).seconds) }
                sampleOnce()
                next += interval
                let late = clock()
                if late > next + interval * 10 { next = late + interval } // after a stall, do not try to catch up
            }
        }
        thread.name = "qinferd-power"
        thread.qualityOfService = .utility
        thread.start()
    }

    public func stop() { running.store(false, ordering: .releasing) }

    /// Takes one reading now (the sampler thread calls this; tests may too).
    public func sampleOnce() {
        let t = clock()
        let reading: PowerReading
        do { reading = try source.read() } catch {
            state.withLock { $0.lastError = error.description; $0.readErrors += 1 }
            return
        }
        state.withLock { s in
            let previous = s.ring.isEmpty ? nil : s.ring[(s.head + s.ring.count - 1) % s.ring.count]
            var sample: Sample
            switch reading {
            case .watts(let w):
                let joules = previous.map { $0.joules + ($0.watts + w) / 2 * (t - $0.t).seconds } ?? 0
                sample = Sample(t: t, joules: joules, watts: w)
            case .joules(let j):
                let dt = previous.map { (t - $0.t).seconds } ?? 0
                let watts = previous.flatMap { p in dt > 0 ? (j - p.joules) / dt : nil } ?? 0
                sample = Sample(t: t, joules: j, watts: watts)
            }
            if s.ring.count < capacity {
                s.ring.append(sample)
            } else {
                s.ring[s.head] = sample
                s.head = (s.head + 1) % capacity
            }
        }
    }

    /// Samples oldest first.
    private func ordered(_ s: State) -> [Sample] {
        s.ring.count < capacity ? s.ring : Array(s.ring[s.head...] + s.ring[..<s.head])
    }

    /// Energy between two instants; nil when no samples cover any of it.
    public func energy(from start: ContinuousClock.Instant, to end: ContinuousClock.Instant) -> EnergyWindow? {
        guard end > start else { return nil }
        let samples = state.withLock { ordered($0) }
        guard let first = samples.first, let last = samples.last, end > first.t else { return nil }
        // Past the newest sample: the mean power of the last 50 ms (one interval's difference of a fast-sampled
        // counter is mostly its update granularity).
        let recent = samples.last(where: { last.t - $0.t >= .milliseconds(50) }) ?? first
        let lastWatts = last.t > recent.t ? (last.joules - recent.joules) / (last.t - recent.t).seconds : last.watts
        func joules(at t: ContinuousClock.Instant) -> Double {
            if t <= first.t { return first.joules }
            if t >= last.t { return last.joules + lastWatts * (t - last.t).seconds }
            // Binary search for the first sample after t.
            var lo = 0, hi = samples.count - 1
            while lo < hi {
                let mid = (lo + hi) / 2
                if samples[mid].t <= t { lo = mid + 1 } else { hi = mid }
            }
            let a = samples[lo - 1], b = samples[lo]
            let span = (b.t - a.t).seconds
            return span > 0 ? a.joules + (b.joules - a.joules) * (t - a.t).seconds / span : a.joules
        }
        let seconds = (end - start).seconds
        let j = joules(at: end) - joules(at: start)
        return EnergyWindow(joules: j, joulesAboveIdle: j - idleWatts * seconds, averageWatts: j / seconds, seconds: seconds)
    }

    /// The board's current power, W: the mean over the last quarter second of samples (one interval's difference of
    /// a fast-sampled counter is mostly its update granularity).
    public var latestWatts: Double? {
        let samples = state.withLock { ordered($0) }
        guard let last = samples.last else { return nil }
        guard let first = samples.last(where: { last.t - $0.t >= .milliseconds(250) }) ?? samples.first, last.t > first.t else {
            return last.watts
        }
        return (last.joules - first.joules) / (last.t - first.t).seconds
    }

    /// The last read failure and how many there were (a sensor that vanished mid-run).
    public var readFailures: (count: Int, last: String?) { state.withLock { ($0.readErrors, $0.lastError) } }
}
