// INA3221 through hwmon (Jetson, JetPack 5 and later): per channel N, inN_label (rail name, e.g. VDD_IN), inN_input
// (bus voltage, mV) and currN_input (mA). Power of a rail = V × I; the listed rails are summed (VDD_IN alone is the
// module's total input; summing VDD_CPU_GPU_CV + VDD_SOC gives the compute rails).
public final class INA3221HwmonSource: PowerSource {
    public let label: String
    public let isEstimate = false
    private let files: SysfsFiles
    private let channels: [(voltage: String, current: String)]

    public init(files: SysfsFiles, directory: String, rails: [String]) throws(PowerSourceError) {
        self.files = files
        var found: [String: Int] = [:]
        for entry in files.list(directory) where entry.hasPrefix("in") && entry.hasSuffix("_label") {
            if let n = Int(entry.dropFirst(2).dropLast(6)), let name = files.text("\(directory)/\(entry)") { found[name] = n }
        }
        guard !found.isEmpty else { throw PowerSourceError("\(files.path(directory)): no inN_label files (not an INA3221 hwmon device)") }
        let wanted = rails.isEmpty ? found.keys.sorted() : rails
        var channels: [(String, String)] = []
        for rail in wanted {
            guard let n = found[rail] else {
                throw PowerSourceError("\(files.path(directory)): no rail '\(rail)' (there: \(found.keys.sorted().joined(separator: ", ")))")
            }
            channels.append(("\(directory)/in\(n)_input", "\(directory)/curr\(n)_input"))
        }
        self.channels = channels
        label = "ina3221-hwmon \(wanted.joined(separator: "+")) (\(directory))"
    }

    public func read() throws(PowerSourceError) -> PowerReading {
        var watts = 0.0
        for c in channels {
            guard let mV = files.integer(c.voltage), let mA = files.integer(c.current) else {
                throw PowerSourceError("cannot read \(files.path(c.voltage)) / \(files.path(c.current))")
            }
            watts += Double(mV) * Double(mA) / 1e6
        }
        return .watts(watts)
    }
}
