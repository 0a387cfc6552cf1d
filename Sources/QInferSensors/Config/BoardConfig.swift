// A board's description for qinferd (board-configs/<name>.toml, schema in docs/BOARDS.md): where its workers run,
// how its power is measured, where its temperatures and clocks are read, and which GPIO lines it drives.

public struct BoardConfig: Sendable, Equatable, Decodable {
    /// The file's name without .toml, e.g. "rpi4".
    public var name: String
    public var description: String
    /// Prefixes of /proc/device-tree/model that select this board when none is named.
    public var detect: [String]
    public var cpu: CPU
    public var power: Power
    public var gpio: GPIO?

    public struct CPU: Sendable, Equatable, Decodable {
        /// Cores the inference workers are pinned to, round-robin; empty leaves them to the scheduler.
        public var cores: [Int]
        /// Inference worker threads.
        public var threads: Int
        /// A cpufreq policy directory (scaling_cur_freq, cpuinfo_max_freq in kHz).
        public var cpufreq: String?
        /// thermal_zone directories (temp in m°C); the hottest is reported.
        public var thermal_zones: [String]
        /// The Raspberry Pi firmware's throttled bits (a hex number), where the kernel exposes them.
        public var throttled: String?
    }

    public struct Power: Sendable, Equatable, Decodable {
        /// The board's power with no inference running, W: "above idle" energy subtracts it.
        public var idle_w: Double
        /// One fully busy core's power above idle, W, for the CPU-time estimate.
        public var active_core_w: Double
        /// Sampler rate while inferences run, Hz.
        public var sample_hz: Double
        /// Sampler rate otherwise, Hz (default 2): enough for /v1/stats' current power, few wake-ups on an idle board.
        public var idle_sample_hz: Double
        /// Tried in order; the first that reads is used. "estimate" always reads.
        public var sources: [Source]

        enum CodingKeys: String, CodingKey { case idle_w, active_core_w, sample_hz, idle_sample_hz, sources }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            // TOML tells 100 from 100.0; a rate or a wattage may be written either way.
            func number(_ key: CodingKeys) throws -> Double {
                if let i = try? c.decode(Int.self, forKey: key) { return Double(i) }
                return try c.decode(Double.self, forKey: key)
            }
            idle_w = try number(.idle_w)
            active_core_w = try number(.active_core_w)
            sample_hz = try number(.sample_hz)
            idle_sample_hz = c.contains(.idle_sample_hz) ? try number(.idle_sample_hz) : 2
            sources = try c.decode([Source].self, forKey: .sources)
        }
    }

    public struct Source: Sendable, Equatable, Decodable {
        /// ina3221-hwmon | ina3221-iio | ina2xx-hwmon | rpi5-pmic | rapl | estimate
        public var kind: String
        /// The device directory (hwmon, iio or powercap zone), if fixed.
        public var path: String?
        /// Else the device is found by its `name` file under /sys/class/hwmon or /sys/bus/iio/devices.
        public var device_name: String?
        /// Rails (INA3221 channel labels, PMIC rail names) whose power is summed; empty = every rail.
        public var rails: [String]?
        /// rpi5-pmic: the command printing the PMIC's ADC readings.
        public var command: [String]?
    }

    public struct GPIO: Sendable, Equatable, Decodable {
        /// gpiochip name, path, label or number.
        public var chip: String
        /// Held high around each inference.
        public var busy_line: UInt32?
        /// A rising edge runs an inference on the latest input.
        public var trigger_line: UInt32?
        /// One line per class index, high for the predicted class.
        public var result_lines: [UInt32]?
    }
}
