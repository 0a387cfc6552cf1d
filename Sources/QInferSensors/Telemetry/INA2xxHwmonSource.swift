// INA219 / INA226 through hwmon (the Pi power-monitor add-on boards): power1_input in µW.
public final class INA2xxHwmonSource: PowerSource {
    public let label: String
    public let isEstimate = false
    private let files: SysfsFiles
    private let file: String

    public init(files: SysfsFiles, directory: String) throws(PowerSourceError) {
        self.files = files
        file = "\(directory)/power1_input"
        guard files.exists(file) else { throw PowerSourceError("\(files.path(file)) does not exist (not an INA219/INA226 hwmon device)") }
        label = "ina2xx-hwmon power1 (\(directory))"
    }

    public func read() throws(PowerSourceError) -> PowerReading {
        guard let microwatts = files.integer(file) else { throw PowerSourceError("cannot read \(files.path(file))") }
        return .watts(Double(microwatts) / 1e6)
    }
}
