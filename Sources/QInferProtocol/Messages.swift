/// Response bodies of the API (JSON, snake_case keys). docs/API.md shows each with an example.

public struct Health: Codable, Sendable, Equatable {
    public var live: Bool
    public var ready: Bool
    public var models: Int
    public var uptimeSeconds: Double
    public var version: String

    enum CodingKeys: String, CodingKey { case live, ready, models, version, uptimeSeconds = "uptime_s" }

    public init(live: Bool, ready: Bool, models: Int, uptimeSeconds: Double, version: String) {
        self.live = live; self.ready = ready; self.models = models; self.uptimeSeconds = uptimeSeconds; self.version = version
    }
}

public struct ModelVersionInfo: Codable, Sendable, Equatable {
    public var version: String
    public var sha256: String
    public var bytes: Int
    public var task: String
    public var labels: Int
    public var inputShape: [Int]
    public var active: Bool
    public var source: String
    /// The key id (16 hex digits) in the file's signature section; absent when the file is unsigned.
    public var signer: String?

    enum CodingKeys: String, CodingKey { case version, sha256, bytes, task, labels, active, source, signer, inputShape = "input_shape" }

    public init(version: String, sha256: String, bytes: Int, task: String, labels: Int, inputShape: [Int], active: Bool, source: String,
                signer: String? = nil) {
        self.version = version; self.sha256 = sha256; self.bytes = bytes; self.task = task; self.labels = labels
        self.inputShape = inputShape; self.active = active; self.source = source; self.signer = signer
    }
}

public struct ModelInfo: Codable, Sendable, Equatable {
    public var name: String
    public var activeVersion: String?
    public var previousVersion: String?
    public var versions: [ModelVersionInfo]

    enum CodingKeys: String, CodingKey { case name, versions, activeVersion = "active_version", previousVersion = "previous_version" }

    public init(name: String, activeVersion: String?, previousVersion: String?, versions: [ModelVersionInfo]) {
        self.name = name; self.activeVersion = activeVersion; self.previousVersion = previousVersion; self.versions = versions
    }
}

public struct ModelList: Codable, Sendable, Equatable {
    public var models: [ModelInfo]
    public init(models: [ModelInfo]) { self.models = models }
}

public struct ActivateRequest: Codable, Sendable, Equatable {
    public var version: String
    public init(version: String) { self.version = version }
}

/// JSON inference input for small tensors: the values, and the shape when it is not the model's.
public struct InferRequest: Codable, Sendable, Equatable {
    public var input: [Float]
    public var shape: [Int]?
    public init(input: [Float], shape: [Int]? = nil) { self.input = input; self.shape = shape }
}

public struct Prediction: Codable, Sendable, Equatable {
    public var index: Int
    public var label: String
    public var score: Float
    public init(index: Int, label: String, score: Float) { self.index = index; self.label = label; self.score = score }
}

public struct Telemetry: Codable, Sendable, Equatable {
    public var queueMicros: Int
    public var preprocessMicros: Int
    public var computeMicros: Int
    public var totalMicros: Int
    /// The compute window's energy; absent when qinferd runs without a board's power source.
    public var energy: EnergyTelemetry?
    /// Temperature, clock and throttling at the end of the compute window.
    public var board: BoardState?

    enum CodingKeys: String, CodingKey {
        case queueMicros = "queue_us", preprocessMicros = "preprocess_us", computeMicros = "compute_us", totalMicros = "total_us"
        case energy, board
    }

    public init(queueMicros: Int, preprocessMicros: Int, computeMicros: Int, totalMicros: Int, energy: EnergyTelemetry? = nil,
                board: BoardState? = nil) {
        self.queueMicros = queueMicros; self.preprocessMicros = preprocessMicros; self.computeMicros = computeMicros; self.totalMicros = totalMicros
        self.energy = energy; self.board = board
    }
}

/// ∫P dt over one inference's compute window.
public struct EnergyTelemetry: Codable, Sendable, Equatable {
    public var joules: Double
    /// Minus the board's idle power over the window.
    public var joulesAboveIdle: Double
    public var averageWatts: Double
    /// Where the power numbers come from, e.g. "ina3221-hwmon VDD_IN (/sys/class/hwmon/hwmon1)".
    public var source: String
    /// True when the numbers are the CPU-time model, not a sensor.
    public var estimated: Bool

    enum CodingKeys: String, CodingKey {
        case joules, source, estimated, joulesAboveIdle = "joules_above_idle", averageWatts = "average_w"
    }

    public init(joules: Double, joulesAboveIdle: Double, averageWatts: Double, source: String, estimated: Bool) {
        self.joules = joules; self.joulesAboveIdle = joulesAboveIdle; self.averageWatts = averageWatts; self.source = source
        self.estimated = estimated
    }
}

/// The board's condition: hottest thermal zone, CPU clock against its maximum, throttling.
public struct BoardState: Codable, Sendable, Equatable {
    public var temperatureC: Double?
    public var cpuMHz: Double?
    public var cpuMaxMHz: Double?
    public var throttled: Bool?
    public var throttleReason: String?

    enum CodingKeys: String, CodingKey {
        case throttled, temperatureC = "temperature_c", cpuMHz = "cpu_mhz", cpuMaxMHz = "cpu_max_mhz", throttleReason = "throttle_reason"
    }

    public init(temperatureC: Double? = nil, cpuMHz: Double? = nil, cpuMaxMHz: Double? = nil, throttled: Bool? = nil,
                throttleReason: String? = nil) {
        self.temperatureC = temperatureC; self.cpuMHz = cpuMHz; self.cpuMaxMHz = cpuMaxMHz; self.throttled = throttled
        self.throttleReason = throttleReason
    }
}

/// Board-wide telemetry for /v1/stats: which board config, the power source and its latest reading, the board state.
public struct BoardStatus: Codable, Sendable, Equatable {
    public var board: String
    public var powerSource: String?
    public var estimated: Bool
    public var powerWatts: Double?
    public var idleWatts: Double
    public var state: BoardState

    enum CodingKeys: String, CodingKey {
        case board, estimated, state, powerSource = "power_source", powerWatts = "power_w", idleWatts = "idle_w"
    }

    public init(board: String, powerSource: String?, estimated: Bool, powerWatts: Double?, idleWatts: Double, state: BoardState) {
        self.board = board; self.powerSource = powerSource; self.estimated = estimated; self.powerWatts = powerWatts
        self.idleWatts = idleWatts; self.state = state
    }
}

public struct InferResponse: Codable, Sendable, Equatable {
    public var model: String
    public var version: String
    public var top: [Prediction]
    public var outputs: [Float]?
    public var telemetry: Telemetry
    /// The live source whose frame this answers; only on /v1/events lines (docs/SOURCES.md).
    public var source: SourceMark?

    public init(model: String, version: String, top: [Prediction], outputs: [Float]?, telemetry: Telemetry, source: SourceMark? = nil) {
        self.model = model; self.version = version; self.top = top; self.outputs = outputs; self.telemetry = telemetry
        self.source = source
    }
}

public struct LatencySummary: Codable, Sendable, Equatable {
    public var p50: Int
    public var p90: Int
    public var p99: Int
    public var max: Int
    public init(p50: Int, p90: Int, p99: Int, max: Int) { self.p50 = p50; self.p90 = p90; self.p99 = p99; self.max = max }
}

/// Mean time per phase of the successful requests, µs.
public struct LatencyBreakdown: Codable, Sendable, Equatable {
    public var queue: Int
    public var preprocess: Int
    public var compute: Int
    public init(queue: Int, preprocess: Int, compute: Int) { self.queue = queue; self.preprocess = preprocess; self.compute = compute }
}

/// Energy per inference over the requests that had a measurement.
public struct EnergyStats: Codable, Sendable, Equatable {
    public var count: Int
    public var meanJoules: Double
    public var p50Joules: Double
    public var meanJoulesAboveIdle: Double
    /// Total joules over total compute time.
    public var averageWatts: Double
    public var source: String
    public var estimated: Bool

    enum CodingKeys: String, CodingKey {
        case count, source, estimated, meanJoules = "mean_j", p50Joules = "p50_j", meanJoulesAboveIdle = "mean_above_idle_j",
             averageWatts = "average_w"
    }

    public init(count: Int, meanJoules: Double, p50Joules: Double, meanJoulesAboveIdle: Double, averageWatts: Double, source: String,
                estimated: Bool) {
        self.count = count; self.meanJoules = meanJoules; self.p50Joules = p50Joules; self.meanJoulesAboveIdle = meanJoulesAboveIdle
        self.averageWatts = averageWatts; self.source = source; self.estimated = estimated
    }
}

public struct ModelStats: Codable, Sendable, Equatable {
    public var name: String
    public var count: Int
    public var errors: Int
    public var latencyMicros: LatencySummary
    public var breakdownMicros: LatencyBreakdown?
    public var energy: EnergyStats?

    enum CodingKeys: String, CodingKey { case name, count, errors, energy, latencyMicros = "latency_us", breakdownMicros = "breakdown_us" }

    public init(name: String, count: Int, errors: Int, latencyMicros: LatencySummary, breakdownMicros: LatencyBreakdown? = nil,
                energy: EnergyStats? = nil) {
        self.name = name; self.count = count; self.errors = errors; self.latencyMicros = latencyMicros
        self.breakdownMicros = breakdownMicros; self.energy = energy
    }
}

public struct StatsResponse: Codable, Sendable, Equatable {
    public var models: [ModelStats]
    public var rejected: Int
    public var board: BoardStatus?
    public init(models: [ModelStats], rejected: Int, board: BoardStatus? = nil) { self.models = models; self.rejected = rejected; self.board = board }
}
