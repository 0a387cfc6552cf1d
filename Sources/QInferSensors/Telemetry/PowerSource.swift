// Where a board's power comes from. A source gives either the instantaneous power (INA sensors, the Pi 5 PMIC) or a
// cumulative energy counter (RAPL, the CPU-time estimate); the sampler turns both into one cumulative energy series,
// so the energy of any window is a difference of two interpolated values.

public enum PowerReading: Sendable, Equatable {
    /// Watts at the moment of reading.
    case watts(Double)
    /// A monotonically increasing energy counter in joules (already unwrapped).
    case joules(Double)
}

public struct PowerSourceError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

public protocol PowerSource: AnyObject, Sendable {
    /// What the numbers come from, e.g. "ina3221-hwmon VDD_IN (/sys/class/hwmon/hwmon1)".
    var label: String { get }
    /// True for the CPU-time model: its numbers are never presented as measured.
    var isEstimate: Bool { get }
    /// Called from the sampler thread only.
    func read() throws(PowerSourceError) -> PowerReading
}
