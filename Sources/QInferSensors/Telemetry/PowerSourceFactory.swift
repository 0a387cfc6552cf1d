// Board config → the power source to sample: the configured sources are tried in order and the first that can be
// read is used; why the others could not is kept for the start-up log.
public enum PowerSourceFactory {
    /// - Parameter estimateCounter: whose CPU time an "estimate" source counts (qinferd: `.thisProcess`; a benchmark
    ///   of another process: `.process(pid:)`); the board config names the model, the caller knows whose work it is.
    public static func make(_ config: BoardConfig, files: SysfsFiles,
                            estimateCounter: CPUTimeCounter) -> (source: (any PowerSource)?, skipped: [String]) {
        var skipped: [String] = []
        for s in config.power.sources {
            do { return (try make(s, config: config, files: files, estimateCounter: estimateCounter), skipped) } catch {
                skipped.append("\(s.kind): \(error.description)")
            }
        }
        return (nil, skipped)
    }

    static func make(_ s: BoardConfig.Source, config: BoardConfig, files: SysfsFiles,
                     estimateCounter: CPUTimeCounter) throws(PowerSourceError) -> any PowerSource {
        func device(_ classDir: String) throws(PowerSourceError) -> String {
            if let path = s.path { return path }
            guard let name = s.device_name, let dir = files.findDevice(in: classDir, named: name) else {
                throw PowerSourceError("no device named '\(s.device_name ?? "")' under \(files.path(classDir))")
            }
            return dir
        }
        switch s.kind {
        case "ina3221-hwmon": return try INA3221HwmonSource(files: files, directory: try device("/sys/class/hwmon"), rails: s.rails ?? [])
        case "ina3221-iio": return try INA3221IIOSource(files: files, directory: try device("/sys/bus/iio/devices"), rails: s.rails ?? [])
        case "ina2xx-hwmon": return try INA2xxHwmonSource(files: files, directory: try device("/sys/class/hwmon"))
        case "rpi5-pmic": return try RPi5PMICSource(command: s.command ?? ["vcgencmd", "pmic_read_adc"], rails: s.rails ?? [])
        case "rapl": return try RAPLSource(files: files, directory: try device("/sys/class/powercap"))
        case "estimate":
            return try CPUTimeEstimateSource(counter: estimateCounter, files: files, idleWatts: config.power.idle_w,
                                             activeCoreWatts: config.power.active_core_w)
        default: throw PowerSourceError("unknown kind '\(s.kind)'")
        }
    }
}
