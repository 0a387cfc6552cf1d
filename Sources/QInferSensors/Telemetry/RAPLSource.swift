// Linux powercap RAPL (x86 development machines): energy_uj counts up and wraps to 0 after max_energy_range_uj.
// Reads are unwrapped into a monotonic joule counter; the sampler reads often enough that at most one wrap
// happens between two reads (a package at 100 W wraps a 262 J range every 2.6 s).
import Synchronization

public final class RAPLSource: PowerSource {
    public let label: String
    public let isEstimate = false
    private let files: SysfsFiles
    private let energyFile: String
    private let range: Int64
    private struct Unwrap { var last: Int64?; var total: Double = 0 }
    private let state = Mutex(Unwrap())

    public init(files: SysfsFiles, directory: String) throws(PowerSourceError) {
        self.files = files
        energyFile = "\(directory)/energy_uj"
        guard files.integer(energyFile) != nil else {
            throw PowerSourceError("\(files.path(energyFile)) cannot be read (no RAPL zone, or not readable by this user)")
        }
        guard let range = files.integer("\(directory)/max_energy_range_uj"), range > 0 else {
            throw PowerSourceError("\(files.path(directory))/max_energy_range_uj cannot be read")
        }
        self.range = range
        label = "rapl \(files.text("\(directory)/name") ?? "zone") (\(directory))"
    }

    public func read() throws(PowerSourceError) -> PowerReading {
        guard let raw = files.integer(energyFile) else { throw PowerSourceError("cannot read \(files.path(energyFile))") }
        let range = self.range
        return .joules(state.withLock { s in
            if let last = s.last {
                // The counter runs 0 … range and then starts again at 0.
                let delta = raw >= last ? raw - last : (range - last) + raw
                s.total += Double(delta) / 1e6
            }
            s.last = raw
            return s.total
        })
    }
}
