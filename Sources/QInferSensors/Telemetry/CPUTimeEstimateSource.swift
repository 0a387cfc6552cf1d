// Where no sensor exists: energy estimated as idle power × wall time + one core's active power × CPU time, both powers
// from the board config, the CPU time from a counter (CPUTimeCounter: this process, another process, or the whole
// machine). Given as a cumulative energy rather than a power: the sampler then interpolates windows on the counter
// itself, so work shorter than one sample interval still lands in the windows that hold it. Always labelled as an
// estimate, naming its counter.
import QInferModel
import Synchronization

public final class CPUTimeEstimateSource: PowerSource {
    public let label: String
    public let isEstimate = true
    public let counter: CPUTimeCounter
    private let files: SysfsFiles
    private let idleWatts: Double
    private let activeCoreWatts: Double
    private struct State { var cpu: Int64; var at: ContinuousClock.Instant; var joules: Double }
    private let state = Mutex<State?>(nil)
    private let clock: @Sendable () -> ContinuousClock.Instant

    /// - Parameters:
    ///   - counter: whose CPU time; qinferd uses `.thisProcess`, a benchmark of a subprocess `.process(pid:)`.
    ///   - files: the root /proc is read under (a fixture tree in tests); unused by `.thisProcess`.
    /// - Throws: when the counter cannot be read now (a pid that has exited, a /proc/stat without its cpu line).
    public init(counter: CPUTimeCounter, files: SysfsFiles = SysfsFiles(), idleWatts: Double, activeCoreWatts: Double,
                clock: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) throws(PowerSourceError) {
        self.counter = counter
        self.files = files
        self.idleWatts = idleWatts
        self.activeCoreWatts = activeCoreWatts
        self.clock = clock
        label = "estimate: \(idleWatts) W idle + \(activeCoreWatts) W per busy core (\(counter))"
        do { _ = try counter.nanoseconds(files: files) } catch { throw PowerSourceError(error.description) }
    }

    /// Joules since the first reading: idle power over the wall time plus active power over the CPU time counted.
    public func read() throws(PowerSourceError) -> PowerReading {
        let cpu: Int64
        do { cpu = try counter.nanoseconds(files: files) } catch { throw PowerSourceError(error.description) }
        let now = clock()
        return .joules(state.withLock { s in
            var next = State(cpu: cpu, at: now, joules: 0)
            if let last = s {
                let seconds = max((now - last.at).seconds, 0)
                // A process counter steps back when one of its threads exits: that interval counts as idle.
                let busy = Double(max(cpu - last.cpu, 0)) / 1e9
                next.joules = last.joules + idleWatts * seconds + activeCoreWatts * busy
            }
            s = next
            return next.joules
        })
    }
}
