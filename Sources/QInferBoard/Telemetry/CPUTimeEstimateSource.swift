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

    /// user + nice + system + irq + softirq + steal of the "cpu " line, the first of /proc/stat. Read from the file's
    /// first bytes and parsed as bytes: this runs at the sampler's rate, and reading the whole file (a line per CPU,
    /// interrupt counts) into a String to split it made the sampler the busiest thread of an idle qinferd.
    static func busyTicks(_ files: SysfsFiles) -> Int64? {
        guard let head = files.bytes("/proc/stat", limit: 512), head.starts(with: "cpu ".utf8) else { return nil }
        var v: [Int64] = []
        var value: Int64 = 0
        var digits = 0
        for byte in head.dropFirst(4) {
            if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") && digits < 18 {
                value = value * 10 + Int64(byte - UInt8(ascii: "0"))
                digits += 1
            } else if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") {
                if digits > 0 { v.append(value) }
                value = 0
                digits = 0
                if byte == UInt8(ascii: "\n") { break }
            } else {
                return nil // not a counter line
            }
        }
        if digits > 0 { v.append(value) }
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
