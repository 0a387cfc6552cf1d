// CPU temperature, clock and throttling, read where the board config says: thermal_zone*/temp (m°C, the hottest zone
// is reported), the cpufreq policy's scaling_cur_freq against cpuinfo_max_freq (kHz), and on a Raspberry Pi the
// firmware's throttled bits (bit 0 under-voltage, 1 ARM clock capped, 2 throttled, 3 soft temperature limit — the
// "now" bits; 16–19 are the same since boot).

public struct ThermalState: Sendable, Equatable {
    public var temperatureC: Double?
    public var frequencyMHz: Double?
    public var maxFrequencyMHz: Double?
    /// nil when nothing on this board says.
    public var throttled: Bool?
    /// Why, when throttled: "cpufreq 600 of 1800 MHz", "firmware: under-voltage, throttled".
    public var reason: String?
}

public struct ThermalReader: Sendable {
    let files: SysfsFiles
    let zones: [String]
    let cpufreq: String?
    let throttledFile: String?

    public init(files: SysfsFiles, cpu: BoardConfig.CPU) {
        self.files = files
        zones = cpu.thermal_zones
        cpufreq = cpu.cpufreq
        throttledFile = cpu.throttled
    }

    public func read() -> ThermalState {
        var s = ThermalState()
        let temps = zones.compactMap { files.integer("\($0)/temp") }.map { Double($0) / 1000 }
        s.temperatureC = temps.max()
        if let cpufreq {
            s.frequencyMHz = files.integer("\(cpufreq)/scaling_cur_freq").map { Double($0) / 1000 }
            s.maxFrequencyMHz = files.integer("\(cpufreq)/cpuinfo_max_freq").map { Double($0) / 1000 }
        }
        var reasons: [String] = []
        if let f = throttledFile, let text = files.text(f) {
            let digits = text.hasPrefix("0x") ? String(text.dropFirst(2)) : text
            if let bits = UInt32(digits, radix: 16) {
                let names = [(0, "under-voltage"), (1, "ARM clock capped"), (2, "throttled"), (3, "soft temperature limit")]
                let now = names.filter { bits & (1 << UInt32($0.0)) != 0 }.map(\.1)
                if !now.isEmpty { reasons.append("firmware: " + now.joined(separator: ", ")) }
                s.throttled = !now.isEmpty
            }
        }
        if let cur = s.frequencyMHz, let max = s.maxFrequencyMHz {
            if cur < max {
                reasons.append("cpufreq \(Int(cur.rounded())) of \(Int(max.rounded())) MHz")
                s.throttled = true
            } else if s.throttled == nil {
                s.throttled = false
            }
        }
        s.reason = reasons.isEmpty ? nil : reasons.joined(separator: "; ")
        return s
    }
}
