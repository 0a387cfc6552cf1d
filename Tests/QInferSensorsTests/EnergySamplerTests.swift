import Foundation
import Synchronization
import Testing
@testable import QInferSensors
import QInferTestSupport

/// A power source whose readings the test sets, on a clock the test moves.
final class ScriptedSource: PowerSource, @unchecked Sendable {
    let label = "scripted"
    let isEstimate = false
    let next = Mutex<PowerReading>(.watts(0))
    func read() throws(PowerSourceError) -> PowerReading { next.withLock { $0 } }
}

@Suite("energy sampler")
struct EnergySamplerTests {
    @Test("power readings integrate with the trapezoid rule; windows interpolate between samples and extrapolate past the newest")
    func integration() throws {
        let source = ScriptedSource()
        let start = ContinuousClock.now
        let now = Mutex(start)
        let sampler = EnergySampler(source: source, hz: 10, idleWatts: 1, clock: { now.withLock { $0 } })
        func at(_ ms: Int, _ w: Double) {
            now.withLock { $0 = start + .milliseconds(ms) }
            source.next.withLock { $0 = .watts(w) }
            sampler.sampleOnce()
        }
        at(0, 2); at(100, 2); at(200, 4); at(300, 4)
        // 0–100 ms at 2 W = 0.2 J; 100–200 ramps 2→4 W = 0.3 J; 200–300 at 4 W = 0.4 J.
        let whole = try #require(sampler.energy(from: start, to: start + .milliseconds(300)))
        #expect(abs(whole.joules - 0.9) < 1e-9 && abs(whole.averageWatts - 3) < 1e-9)
        #expect(abs(whole.joulesAboveIdle - 0.6) < 1e-9)
        let inner = try #require(sampler.energy(from: start + .milliseconds(50), to: start + .milliseconds(150)))
        #expect(abs(inner.joules - (0.1 + 0.15)) < 1e-9) // interpolated on the cumulative curve at 50 and 150 ms
        let past = try #require(sampler.energy(from: start + .milliseconds(300), to: start + .milliseconds(350)))
        #expect(abs(past.joules - 0.2) < 1e-9, "past the newest sample: the last 50+ ms's mean power, 4 W × 50 ms")
        #expect(sampler.energy(from: start - .milliseconds(20), to: start - .milliseconds(10)) == nil)
        #expect(sampler.latestWatts.map { abs($0 - 3) < 1e-9 } == true, "the mean over the last 250+ ms: 0.9 J / 0.3 s")
    }

    @Test("an energy counter is taken as it is; the ring keeps the newest samples")
    func counterAndRing() throws {
        let source = ScriptedSource()
        let start = ContinuousClock.now
        let now = Mutex(start)
        let sampler = EnergySampler(source: source, hz: 1, idleWatts: 0, history: 1, clock: { now.withLock { $0 } }) // capacity 16
        for i in 0..<40 {
            now.withLock { $0 = start + .milliseconds(100 * i) }
            source.next.withLock { $0 = .joules(Double(i) * 0.5) } // 5 W
            sampler.sampleOnce()
        }
        #expect(sampler.latestWatts.map { abs($0 - 5) < 1e-9 } == true)
        let w = try #require(sampler.energy(from: start + .milliseconds(3000), to: start + .milliseconds(3650)))
        #expect(abs(w.joules - 3.25) < 1e-9)
        // Older than the ring: clamped to the oldest sample kept (2.4 s), so the window is only partly covered.
        let old = try #require(sampler.energy(from: start, to: start + .milliseconds(2600)))
        #expect(abs(old.joules - 1.0) < 1e-9)
    }

    @Test("a failing source is counted, not fatal; the sampler thread runs at its rate and stops")
    func thread() throws {
        let f = try SysfsFixture()
        let zone = "/sys/class/powercap/intel-rapl:0"
        f.write("\(zone)/max_energy_range_uj", "262143328850")
        f.write("\(zone)/energy_uj", "0")
        let rate = 7.0 // W
        let writer = FixtureWriter(interval: .milliseconds(1)) { t in f.write("\(zone)/energy_uj", "\(Int64(t * rate * 1e6))") }
        let sampler = EnergySampler(source: try RAPLSource(files: f.files, directory: zone), hz: 500, idleWatts: 0)
        sampler.start()
        Thread.sleep(forTimeInterval: 0.1)
        let a = ContinuousClock.now
        Thread.sleep(forTimeInterval: 0.4)
        let b = ContinuousClock.now
        Thread.sleep(forTimeInterval: 0.05)
        sampler.stop()
        writer.stop() // before the garbage below, which it would overwrite
        let w = try #require(sampler.energy(from: a, to: b))
        #expect(abs(w.averageWatts - rate) / rate < 0.05, "\(w)")
        f.write("\(zone)/energy_uj", "garbage")
        sampler.sampleOnce()
        #expect(sampler.readFailures.count >= 1 && sampler.readFailures.last?.contains("energy_uj") == true)
    }
}

/// Counts its reads; 1 W.
final class CountingSource: PowerSource, @unchecked Sendable {
    let label = "counting"
    let isEstimate = false
    let reads = Atomic<Int>(0)
    func read() throws(PowerSourceError) -> PowerReading {
        reads.add(1, ordering: .relaxed)
        return .watts(1)
    }
}

@Suite("energy sampler rates")
struct EnergySamplerRateTests {
    func reads(_ s: CountingSource, during seconds: Double) -> Int {
        let a = s.reads.load(ordering: .relaxed)
        Thread.sleep(forTimeInterval: seconds)
        return s.reads.load(ordering: .relaxed) - a
    }

    @Test("idle rate without inferences, full rate while one runs and for the hold after it; a start wakes an idle wait")
    func twoRates() throws {
        let source = CountingSource()
        let sampler = EnergySampler(source: source, hz: 200, idleHz: 4, idleWatts: 0, activeHold: .milliseconds(300))
        sampler.start()
        defer { sampler.stop() }
        let idle = reads(source, during: 1.0)
        #expect(idle >= 2 && idle <= 8, "idle: \(idle) reads in 1 s at 4 Hz")
        // Mid-way through a 250 ms idle wait, an inference starts: a sample follows at once.
        Thread.sleep(forTimeInterval: 0.1)
        let before = source.reads.load(ordering: .relaxed)
        sampler.beginActive()
        Thread.sleep(forTimeInterval: 0.03)
        #expect(source.reads.load(ordering: .relaxed) > before, "no sample within 30 ms of the start")
        let busy = reads(source, during: 0.5)
        #expect(busy >= 40, "active: \(busy) reads in 0.5 s at 200 Hz")
        sampler.endActive()
        let hold = reads(source, during: 0.2)
        #expect(hold >= 15, "hold: \(hold) reads in the 0.2 s after the end")
        Thread.sleep(forTimeInterval: 0.3)
        let after = reads(source, during: 1.0)
        #expect(after >= 2 && after <= 8, "idle again: \(after) reads in 1 s")
        #expect(!sampler.isActive)
    }
}
