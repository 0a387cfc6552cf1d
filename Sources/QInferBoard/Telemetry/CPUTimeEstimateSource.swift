// Where no sensor exists: power estimated as idle power + (busy CPU time per second) × one core's active power, both
// from the board config. Busy time comes from /proc/stat's aggregate line (USER_HZ ticks): everything but idle and
// iowait. Always labelled as an estimate.
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

public final class CPUTimeEstimateSource: PowerSource {
    public let label: String
    public let isEstimate = true
    private let files: SysfsFiles
    private let idleWatts: Double
    private let activeCoreWatts: Double
    private let ticksPerSecond: Double
    private struct Last { var busy: Int64; var at: ContinuousClock.Instant }
    private let last = Mutex<Last?>(nil)
    private let clock: @Sendable () -> ContinuousClock.Instant

    public init(files: SysfsFiles, idleWatts: Double, activeCoreWatts: Double,
                clock: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) throws(PowerSourceError) {
        self.files = files
        self.idleWatts = idleWatts
        self.activeCoreWatts = activeCoreWatts
        self.clock = clock
        ticksPerSecond = Double(max(sysconf(Int32(_SC_CLK_TCK)), 1))
        label = "estimate: \(idleWatts) W idle + \(activeCoreWatts) W per busy core (/proc/stat)"
        guard Self.busyTicks(files) != nil else { throw PowerSourceError("\(files.path("/proc/stat")): no aggregate cpu line") }
    }

    /// user + nice + system + irq + softirq + steal of the "cpu " line.
    static func busyTicks(_ files: SysfsFiles) -> Int64? {
        guard let text = files.text("/proc/stat"),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") }) else { return nil }
        let v = line.split(separator: " ").dropFirst().compactMap { Int64($0) }
        guard v.count >= 4 else { return nil }
        let field = { (i: Int) in i < v.count ? v[i] : 0 }
        return field(0) + field(1) + field(2) + field(5) + field(6) + field(7)
    }

    public func read() throws(PowerSourceError) -> PowerReading {
        guard let busy = Self.busyTicks(files) else { throw PowerSourceError("cannot read \(files.path("/proc/stat"))") }
        let now = clock()
        let previous = last.withLock { l in defer { l = Last(busy: busy, at: now) }; return l }
        guard let previous else { return .watts(idleWatts) }
        let seconds = (now - previous.at).seconds
        guard seconds > 0 else { return .watts(idleWatts) }
        let busyCores = Double(max(busy - previous.busy, 0)) / ticksPerSecond / seconds
        return .watts(idleWatts + activeCoreWatts * busyCores)
    }
}

extension Duration {
    var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) * 1e-18
    }
}
