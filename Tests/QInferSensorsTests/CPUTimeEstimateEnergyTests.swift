import Foundation
import Testing
@testable import QInferSensors
import QInferTestSupport

@Suite("CPU-time estimate through the sampler")
struct CPUTimeEstimateEnergyTests {
    /// Burns this process's CPU until its clock has advanced by `nanoseconds` (bounded: 5 s of wall time).
    func burn(_ nanoseconds: Int64) throws {
        let start = try CPUTimeCounter.thisProcess.nanoseconds(files: SysfsFiles())
        let end = ContinuousClock.now + .seconds(5)
        var x = 1.0
        while try CPUTimeCounter.thisProcess.nanoseconds(files: SysfsFiles()) - start < nanoseconds && ContinuousClock.now < end {
            for i in 0..<200 { x = (x + Double(i)).squareRoot() }
        }
        #expect(x > 0)
    }

    @Test("~20 ms of busy work while the sampler runs at 200 Hz: joules above idle, about active W × CPU time")
    func busyWindow() throws {
        let source = try CPUTimeEstimateSource(counter: .thisProcess, idleWatts: 2, activeCoreWatts: 1)
        #expect(source.label.hasSuffix("(CPU time of this process, clock_gettime(CLOCK_PROCESS_CPUTIME_ID))"))
        let sampler = EnergySampler(source: source, hz: 200, idleWatts: 2)
        sampler.start()
        defer { sampler.stop() }
        sampler.beginActive()
        Thread.sleep(forTimeInterval: 0.02) // a few samples before the work
        let start = ContinuousClock.now
        try burn(20_000_000)
        let end = ContinuousClock.now
        Thread.sleep(forTimeInterval: 0.02) // a sample after it, so the window's end is interpolated, not extrapolated
        sampler.endActive()
        let w = try #require(sampler.energy(from: start, to: end))
        // The window's edges share their sample intervals with idle time; other tests' threads only add CPU time.
        #expect(w.joulesAboveIdle > 0.005, "\(w)")
    }

    @Test("a 0.6 ms inference between two samples: its CPU time is in the window, not rounded away to idle")
    func subMillisecond() throws {
        let source = try CPUTimeEstimateSource(counter: .thisProcess, idleWatts: 2, activeCoreWatts: 1)
        let sampler = EnergySampler(source: source, hz: 200, idleWatts: 2)
        sampler.sampleOnce()
        let start = ContinuousClock.now
        try burn(600_000)
        let end = ContinuousClock.now
        sampler.sampleOnce()
        let w = try #require(sampler.energy(from: start, to: end))
        // 1 W × ≥ 0.6 ms of CPU time, all of it between the two samples that bound the window.
        #expect(w.joulesAboveIdle > 0.0004, "\(w)")
    }
}
