import Foundation
import QInferReport

/// Reports for the report tests: every kind of variant, estimated and missing energy, missing baselines, a model name
/// that is XML and markdown syntax, tiny, zero and huge values, a long name, a single-variant model.
enum SpeedupReportFixtures {
    static let estimate = "cpu-time estimate: 15 W × busy fraction"
    static let twinMissing = "binary ONNX as float graph: not given; pass `--binary-onnx bipointnet.onnx` to add it"
    static let ortMissing = "onnxruntime is not importable by python3 (No module named 'onnxruntime'); add it with "
        + "`python3 -m venv .venv && .venv/bin/pip install onnxruntime`, then pass `--python .venv/bin/python`"
    static let oddName = "a<b&\"c\""
    static let longName = "FP32 twin in onnxruntime 1.23.2 with a very long description that cannot fit the column"

    static func energy(_ joules: Double, above: Double, estimated: Bool = true) -> EnergyStats {
        EnergyStats(joulesPerInference: joules, joulesAboveIdlePerInference: above, averageWatts: 9.2512,
                    idleWatts: 5.5, windowSeconds: 1.0234, inferences: 7650, estimated: estimated,
                    source: estimated ? estimate : "rapl package-0")
    }

    static func report(throttledAfter: Bool = true, afterCelsius: Double = 71.34, runs: [SpeedupRun]? = nil) -> SpeedupReport {
        SpeedupReport(
            createdAt: Date(timeIntervalSince1970: 1_796_640_000),
            before: BoardSnapshot(board: "Raspberry Pi 4 Model B Rev 1.4", cpu: "Cortex-A72 × 4", kernel: "6.6.51+rpt-rpi-v8",
                                  governor: "performance", temperatureCelsius: 45.0, throttled: false),
            after: BoardSnapshot(board: "Raspberry Pi 4 Model B Rev 1.4", cpu: "Cortex-A72 × 4", kernel: "6.6.51+rpt-rpi-v8",
                                 governor: "performance", temperatureCelsius: afterCelsius, throttled: throttledAfter),
            commands: ["qinfer bench speedup models/bipointnet/bipointnet.qpack --report out"],
            runs: runs ?? [bipointnet, odd, solo])
    }

    static let bipointnet = SpeedupRun(
        model: "bipointnet",
        variants: [
            SpeedupVariant(kind: .packed, name: "packed bipointnet.qpack", model: "models/bipointnet/bipointnet.qpack",
                           threads: 1, isa: "avx512", latency: LatencyStats(medianMicros: 133.44, p99Micros: 171.2, runs: 9000),
                           inferencesPerSecond: 7494.0, peakRSSBytes: 23_456_789, energy: energy(0.0012345, above: 0.00045678)),
            SpeedupVariant(kind: .onnxruntimeTwin, name: "FP32 twin in onnxruntime 1.23.2", model: "models/bipointnet/bipointnet-fp32.onnx",
                           threads: 1, latency: LatencyStats(medianMicros: 2921.7, p99Micros: 3550.25, runs: 340),
                           inferencesPerSecond: 342.27, peakRSSBytes: 187_000_000, energy: energy(0.0271, above: 0.0118)),
            SpeedupVariant(kind: .engineTwin, name: "FP32 twin in qinfer_fp32 path", model: "models/bipointnet/bipointnet-fp32.onnx",
                           threads: 2, isa: "avx512", latency: LatencyStats(medianMicros: 1800.06, p99Micros: 2001.9, runs: 555),
                           inferencesPerSecond: 555.5),
        ],
        ratios: [SpeedupRatio(baseline: .onnxruntimeTwin, latency: 21.8953, energy: 21.95, energyAboveIdle: 25.83),
                 SpeedupRatio(baseline: .engineTwin, latency: 13.49),
                 SpeedupRatio(baseline: .onnxruntimeBinary, latency: 0.8123, energy: 0.5)],
        missing: [twinMissing])

    static let odd = SpeedupRun(
        model: oddName,
        variants: [
            SpeedupVariant(kind: .packed, name: "packed \(oddName)", model: "/tmp/\(oddName).qpack", threads: 4, isa: "neon",
                           latency: LatencyStats(medianMicros: 0.25, p99Micros: 1.5e10, runs: 3),
                           inferencesPerSecond: 4_000_000, peakRSSBytes: 0,
                           energy: energy(3e-9, above: -7e-15, estimated: false)),
            SpeedupVariant(kind: .onnxruntimeBinary, name: longName, model: "/tmp/x.onnx", threads: 1,
                           latency: LatencyStats(medianMicros: 2.5e12, p99Micros: 3e12, runs: 1),
                           inferencesPerSecond: 0, energy: energy(0, above: 0)),
        ],
        ratios: [SpeedupRatio(baseline: .onnxruntimeBinary, latency: 1e13, energy: 0)],
        missing: [ortMissing])

    static let solo = SpeedupRun(
        model: "solo",
        variants: [SpeedupVariant(kind: .packed, name: "packed solo", model: "solo.qpack", threads: 1, isa: "scalar",
                                  latency: LatencyStats(medianMicros: 61.0, p99Micros: 70.0, runs: 100),
                                  inferencesPerSecond: 16393.4)],
        ratios: [], missing: [])
}
