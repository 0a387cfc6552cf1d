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

    enum CodingKeys: String, CodingKey { case version, sha256, bytes, task, labels, active, source, inputShape = "input_shape" }

    public init(version: String, sha256: String, bytes: Int, task: String, labels: Int, inputShape: [Int], active: Bool, source: String) {
        self.version = version; self.sha256 = sha256; self.bytes = bytes; self.task = task; self.labels = labels
        self.inputShape = inputShape; self.active = active; self.source = source
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

    enum CodingKeys: String, CodingKey {
        case queueMicros = "queue_us", preprocessMicros = "preprocess_us", computeMicros = "compute_us", totalMicros = "total_us"
    }

    public init(queueMicros: Int, preprocessMicros: Int, computeMicros: Int, totalMicros: Int) {
        self.queueMicros = queueMicros; self.preprocessMicros = preprocessMicros; self.computeMicros = computeMicros; self.totalMicros = totalMicros
    }
}

public struct InferResponse: Codable, Sendable, Equatable {
    public var model: String
    public var version: String
    public var top: [Prediction]
    public var outputs: [Float]?
    public var telemetry: Telemetry

    public init(model: String, version: String, top: [Prediction], outputs: [Float]?, telemetry: Telemetry) {
        self.model = model; self.version = version; self.top = top; self.outputs = outputs; self.telemetry = telemetry
    }
}

public struct LatencySummary: Codable, Sendable, Equatable {
    public var p50: Int
    public var p90: Int
    public var p99: Int
    public var max: Int
    public init(p50: Int, p90: Int, p99: Int, max: Int) { self.p50 = p50; self.p90 = p90; self.p99 = p99; self.max = max }
}

public struct ModelStats: Codable, Sendable, Equatable {
    public var name: String
    public var count: Int
    public var errors: Int
    public var latencyMicros: LatencySummary

    enum CodingKeys: String, CodingKey { case name, count, errors, latencyMicros = "latency_us" }

    public init(name: String, count: Int, errors: Int, latencyMicros: LatencySummary) {
        self.name = name; self.count = count; self.errors = errors; self.latencyMicros = latencyMicros
    }
}

public struct StatsResponse: Codable, Sendable, Equatable {
    public var models: [ModelStats]
    public var rejected: Int
    public init(models: [ModelStats], rejected: Int) { self.models = models; self.rejected = rejected }
}
