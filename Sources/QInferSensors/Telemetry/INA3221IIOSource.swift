// INA3221 through iio (Jetson Nano/TX1/TX2, JetPack 4, driver ina3221x): rail_name_N and in_powerN_input (mW) per
// channel N in the iio device directory. The listed rails are summed (POM_5V_IN alone is the module's input).
public final class INA3221IIOSource: PowerSource {
    public let label: String
    public let isEstimate = false
    private let files: SysfsFiles
    private let powerFiles: [String]

    public init(files: SysfsFiles, directory: String, rails: [String]) throws(PowerSourceError) {
        self.files = files
        var found: [String: Int] = [:]
        for entry in files.list(directory) where entry.hasPrefix("rail_name_") {
            if let n = Int(entry.dropFirst(10)), let name = files.text("\(directory)/\(entry)") { found[name] = n }
        }
        guard !found.isEmpty else { throw PowerSourceError("\(files.path(directory)): no rail_name_N files (not an INA3221 iio device)") }
        let wanted = rails.isEmpty ? found.keys.sorted() : rails
        var powerFiles: [String] = []
        for rail in wanted {
            guard let n = found[rail] else {
                throw PowerSourceError("\(files.path(directory)): no rail '\(rail)' (there: \(found.keys.sorted().joined(separator: ", ")))")
            }
            powerFiles.append("\(directory)/in_power\(n)_input")
        }
        self.powerFiles = powerFiles
        label = "ina3221-iio \(wanted.joined(separator: "+")) (\(directory))"
    }

    public func read() throws(PowerSourceError) -> PowerReading {
        var watts = 0.0
        for f in powerFiles {
            guard let mW = files.integer(f) else { throw PowerSourceError("cannot read \(files.path(f))") }
            watts += Double(mW) / 1000
        }
        return .watts(watts)
    }
}
