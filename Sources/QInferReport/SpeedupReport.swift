// What `qinfer bench speedup` measured: per model, every way of running it (the packed model in the engine, the FP32
// twin in onnxruntime and in the engine, the binary ONNX as a float graph), with latency, memory and energy, and the
// ratios against the packed model. One value, written as JSON, report.md and an SVG chart, so all three hold the same
// numbers. Public with explicit initializers (same labels and order as the memberwise ones) because it lives in a
// library the CLI and the tests both import.
import Foundation

/// Latency of back-to-back inferences of one variant.
public struct LatencyStats: Codable, Equatable, Sendable {
    public var medianMicros: Double
    public var p99Micros: Double
    public var runs: Int

    public init(medianMicros: Double, p99Micros: Double, runs: Int) {
        self.medianMicros = medianMicros
        self.p99Micros = p99Micros
        self.runs = runs
    }
}

/// Energy per inference over a window of back-to-back inferences, with the board's idle power measured before it.
public struct EnergyStats: Codable, Equatable, Sendable {
    public var joulesPerInference: Double
    /// Above the idle power measured just before the window.
    public var joulesAboveIdlePerInference: Double
    public var averageWatts: Double
    public var idleWatts: Double
    public var windowSeconds: Double
    public var inferences: Int
    /// True when the power source is the CPU-time model, not a sensor.
    public var estimated: Bool
    /// The power source's label, e.g. "rapl package-0" or the estimate's formula.
    public var source: String

    public init(joulesPerInference: Double, joulesAboveIdlePerInference: Double, averageWatts: Double, idleWatts: Double,
                windowSeconds: Double, inferences: Int, estimated: Bool, source: String) {
        self.joulesPerInference = joulesPerInference
        self.joulesAboveIdlePerInference = joulesAboveIdlePerInference
        self.averageWatts = averageWatts
        self.idleWatts = idleWatts
        self.windowSeconds = windowSeconds
        self.inferences = inferences
        self.estimated = estimated
        self.source = source
    }
}

/// One way of running a model.
public struct SpeedupVariant: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// The .qpack in qinfer's engine: the plan qinferd runs.
        case packed
        /// The FP32 twin (*-fp32.onnx) in onnxruntime's CPU provider.
        case onnxruntimeTwin = "onnxruntime_twin"
        /// The binary ONNX run by onnxruntime as a float graph: what a user without qinferd would run.
        case onnxruntimeBinary = "onnxruntime_binary"
        /// The FP32 twin imported into the engine's own FP32 path (same runtime, the paper's way of counting).
        case engineTwin = "engine_twin"
    }

    public var kind: Kind
    /// Human-readable, e.g. "FP32 twin in onnxruntime 1.32.0".
    public var name: String
    public var model: String
    public var threads: Int
    /// The kernels' ISA for the engine variants; nil for onnxruntime.
    public var isa: String?
    public var latency: LatencyStats
    public var inferencesPerSecond: Double
    /// Peak resident memory of the process that ran the variant (the runner for onnxruntime), nil when unknown.
    public var peakRSSBytes: Int?
    public var energy: EnergyStats?

    public init(kind: Kind, name: String, model: String, threads: Int, isa: String? = nil, latency: LatencyStats,
                inferencesPerSecond: Double, peakRSSBytes: Int? = nil, energy: EnergyStats? = nil) {
        self.kind = kind
        self.name = name
        self.model = model
        self.threads = threads
        self.isa = isa
        self.latency = latency
        self.inferencesPerSecond = inferencesPerSecond
        self.peakRSSBytes = peakRSSBytes
        self.energy = energy
    }
}

/// How much faster and how much less energy the packed model is than a baseline (> 1: the packed model wins).
public struct SpeedupRatio: Codable, Equatable, Sendable {
    public var baseline: SpeedupVariant.Kind
    public var latency: Double
    public var energy: Double?
    public var energyAboveIdle: Double?

    public init(baseline: SpeedupVariant.Kind, latency: Double, energy: Double? = nil, energyAboveIdle: Double? = nil) {
        self.baseline = baseline
        self.latency = latency
        self.energy = energy
        self.energyAboveIdle = energyAboveIdle
    }
}

/// One model's variants and ratios.
public struct SpeedupRun: Codable, Equatable, Sendable {
    public var model: String
    public var variants: [SpeedupVariant]
    public var ratios: [SpeedupRatio]
    /// Baselines that could not run, each with why and how to add it (e.g. onnxruntime not importable).
    public var missing: [String]

    public init(model: String, variants: [SpeedupVariant], ratios: [SpeedupRatio], missing: [String]) {
        self.model = model
        self.variants = variants
        self.ratios = ratios
        self.missing = missing
    }
}

/// The board's state, read before and after the runs: a Pi that throttles mid-run halves its numbers.
public struct BoardSnapshot: Codable, Equatable, Sendable {
    public var board: String
    public var cpu: String
    public var kernel: String
    public var governor: String?
    public var temperatureCelsius: Double?
    public var throttled: Bool?

    public init(board: String, cpu: String, kernel: String, governor: String? = nil, temperatureCelsius: Double? = nil,
                throttled: Bool? = nil) {
        self.board = board
        self.cpu = cpu
        self.kernel = kernel
        self.governor = governor
        self.temperatureCelsius = temperatureCelsius
        self.throttled = throttled
    }
}

/// Everything one `qinfer bench speedup` invocation measured, with the board's state around it.
public struct SpeedupReport: Codable, Equatable, Sendable {
    public var createdAt: Date
    public var before: BoardSnapshot
    public var after: BoardSnapshot
    /// The command lines that produced the report.
    public var commands: [String]
    public var runs: [SpeedupRun]

    public init(createdAt: Date, before: BoardSnapshot, after: BoardSnapshot, commands: [String], runs: [SpeedupRun]) {
        self.createdAt = createdAt
        self.before = before
        self.after = after
        self.commands = commands
        self.runs = runs
    }
}
