// A thread that reads the power source into a ring buffer of (time, cumulative joules). Power readings are integrated
// with the trapezoid rule; energy counters are taken as they are. The energy of a window is E(end) − E(start), each
// interpolated linearly between the samples around it, or extrapolated with the recent power past the newest sample
// (an inference that just ended is not made to wait for the next sample).
//
// Two rates: `hz` while inferences run (and for a second after the last, so a burst is sampled throughout), `idleHz`
// otherwise. Sampling a board at 200 Hz around the clock kept an idle qinferd at 7.3 % of a core on a 2-core EPYC
// (the CPU-time estimate then read /proc/stat each time) and woke the CPU out of its idle states 200 times a second —
// energy telemetry that costs the energy it is there to measure. An inference that starts while the sampler sleeps
// at the idle rate wakes it at once, so its window opens on a fresh sample.
import Dispatch
import Foundation
import QInferModel
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
    /// The interval while no inference has run for `activeHold`.
    public let idleInterval: Duration
    public let activeHold: Duration
    private struct Sample { var t: ContinuousClock.Instant; var joules: Double; var watts: Double }
    private struct State {
        var ring: [Sample] = []
        var head = 0 // the oldest slot (and the next one written) once the ring is full; 0 until then
        var lastError: String?
        var readErrors = 0

        var count: Int { ring.count }
        /// The i-th oldest sample, read in place: a window's energy is asked for on every inference, and copying
        /// the ring (up to 30 s of samples) each time would put that copy on the inference path.
        subscript(i: Int) -> Sample { ring[(head + i) % ring.count] }
        var newest: Sample? { ring.isEmpty ? nil : self[count - 1] }

        /// Mean power over the newest samples spanning at least `window` (or all there are): one interval's
        /// difference of a fast-sampled counter is mostly its update granularity.
        func meanWatts(over window: Duration) -> Double? {
            guard let last = newest else { return nil }
            var i = count - 1
            while i > 0 && last.t - self[i].t < window { i -= 1 }
            let from = self[i]
            return last.t > from.t ? (last.joules - from.joules) / (last.t - from.t).seconds : last.watts
        }
    }
    private let state: Mutex<State>
    private let capacity: Int
    private let running = Atomic<Bool>(false)
    private let clock: @Sendable () -> ContinuousClock.Instant
    /// Inferences between beginActive and endActive.
    private let active = Atomic<Int>(0)
    /// When the last inference ended.
    private let lastActive: Mutex<ContinuousClock.Instant?>
    /// Set by the thread while it waits at the idle rate; an inference that starts then signals `wake`.
    private let idling = Atomic<Bool>(false)
    private let wake = DispatchSemaphore(value: 0)

    /// - Parameters:
    ///   - hz: the rate while inferences run.
    ///   - idleHz: the rate otherwise (at most `hz`).
    ///   - history: seconds of samples kept at `hz` (the longest window that can be measured).
    public init(source: any PowerSource, hz: Double, idleHz: Double = 2, idleWatts: Double, history: Double = 30,
                activeHold: Duration = .seconds(1), clock: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.source = source
        self.idleWatts = idleWatts
        interval = .nanoseconds(Int64(1e9 / hz))
        idleInterval = .nanoseconds(Int64(1e9 / min(idleHz, hz)))
        self.activeHold = activeHold
        capacity = max(16, min(Int(hz * history), 65_536))
        state = Mutex(State())
        lastActive = Mutex(nil)
        self.clock = clock
    }

    /// An inference starts: sample at `hz` until `activeHold` after the last one ends.
    public func beginActive() {
        active.add(1, ordering: .sequentiallyConsistent)
        // The thread sets `idling` before its last look at `active`; one of the two sees the other. Both may: the
        // extra signal then costs one early sample.
        if idling.load(ordering: .sequentiallyConsistent) { wake.signal() }
    }

    public func endActive() {
        lastActive.withLock { $0 = clock() }
        active.subtract(1, ordering: .sequentiallyConsistent)
    }

    /// Whether the sampler runs at its active rate now.
    public var isActive: Bool {
        if active.load(ordering: .sequentiallyConsistent) > 0 { return true }
        return lastActive.withLock { $0.map { clock() - $0 < activeHold } ?? false }
    }

    public func start() {
        guard !running.exchange(true, ordering: .acquiringAndReleasing) else { return }
        sampleOnce()
        let thread = Thread { [self] in
            while running.load(ordering: .acquiring) {
                idling.store(true, ordering: .sequentiallyConsistent)
                let fast = isActive
                if fast { idling.store(false, ordering: .sequentiallyConsistent) }
                let wait = fast ? interval : idleInterval
                _ = wake.wait(timeout: .now() + .nanoseconds(Int(wait.seconds * 1e9)))
                idling.store(false, ordering: .sequentiallyConsistent)
                guard running.load(ordering: .acquiring) else { break }
                sampleOnce()
            }
        }
        thread.name = "qinferd-power"
        thread.qualityOfService = .utility
        thread.start()
    }

    /// The thread ends after its current wait.
    public func stop() {
        running.store(false, ordering: .releasing)
        wake.signal()
    }

    /// Takes one reading now (the sampler thread calls this; tests may too).
    public func sampleOnce() {
        let t = clock()
        let reading: PowerReading
        do { reading = try source.read() } catch {
            state.withLock { $0.lastError = error.description; $0.readErrors += 1 }
            return
        }
        state.withLock { s in
            let previous = s.newest
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

    /// Energy between two instants; nil when no samples cover any of it.
    public func energy(from start: ContinuousClock.Instant, to end: ContinuousClock.Instant) -> EnergyWindow? {
        guard end > start else { return nil }
        let j: Double? = state.withLock { s in
            guard let last = s.newest, end > s[0].t, let lastWatts = s.meanWatts(over: .milliseconds(50)) else { return nil }
            let first = s[0]
            func joules(at t: ContinuousClock.Instant) -> Double {
                if t <= first.t { return first.joules }
                // Past the newest sample: extrapolated with the recent mean power.
                if t >= last.t { return last.joules + lastWatts * (t - last.t).seconds }
                // Binary search for the first sample after t.
                var lo = 0, hi = s.count - 1
                while lo < hi {
                    let mid = (lo + hi) / 2
                    if s[mid].t <= t { lo = mid + 1 } else { hi = mid }
                }
                let a = s[lo - 1], b = s[lo]
                let span = (b.t - a.t).seconds
                return span > 0 ? a.joules + (b.joules - a.joules) * (t - a.t).seconds / span : a.joules
            }
            return joules(at: end) - joules(at: start)
        }
        guard let j else { return nil }
        let seconds = (end - start).seconds
        return EnergyWindow(joules: j, joulesAboveIdle: j - idleWatts * seconds, averageWatts: j / seconds, seconds: seconds)
    }

    /// The board's current power, W: the mean over the last quarter second of samples.
    public var latestWatts: Double? { state.withLock { $0.meanWatts(over: .milliseconds(250)) } }

    /// The last read failure and how many there were (a sensor that vanished mid-run).
    public var readFailures: (count: Int, last: String?) { state.withLock { ($0.readErrors, $0.lastError) } }
}
