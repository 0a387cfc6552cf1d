// One model's variants for `bench speedup`, prepared once (input files, the twin packed for the engine's FP32 path)
// and then timed in alternating rounds, each run a child process.
import Foundation
import QInferReport
import QInferModel
import QInferONNX
import QInferRandom

struct SpeedupPlan {
    struct Variant {
        var kind: SpeedupVariant.Kind
        var name: String
        var model: String
        var executable: String
        var arguments: [String]
    }

    let target: SpeedupTarget
    let variants: [Variant]
    let missing: [String]
    let threads: Int
    let seconds: Double
    let warmup: Double

    init(target: SpeedupTarget, scratch: String, onnxRuntime: ONNXRuntimeProbe.Outcome, threads: Int, isa: String?,
         seconds: Double, warmup: Double) throws {
        self.target = target
        self.threads = threads
        self.seconds = seconds
        self.warmup = warmup
        do { try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true) } catch {
            throw CLIError("cannot create \(scratch): \(error.localizedDescription)")
        }
        let packed = try ModelFile(target.qpack).packed
        // Latency does not depend on the values; one fixed pseudo-random tensor serves every variant.
        let input = BenchModel.randomInput(for: packed)
        let shape = packed.values[packed.graph.input]!.shape
        let engineInput = "\(scratch)/input.npy"
        try NpyFile.write(engineInput, shape: shape, values: input)

        let qinfer = Self.selfExecutable()
        var common = ["--threads", "\(threads)", "--seconds", "\(seconds)", "--warmup", "\(warmup)", "--events"]
        var engineArgs = common
        if let isa { engineArgs += ["--isa", isa] }
        var variants = [Variant(kind: .packed, name: "packed model in qinfer", model: target.qpack, executable: qinfer,
                                arguments: ["bench", "runner", target.qpack, "--input", engineInput] + engineArgs)]
        var missing: [String] = []
        if let note = target.twinNote { missing.append(note) }

        var onnxVariants: [Variant] = []
        if let twin = target.twin {
            let imported = try Self.importONNX(twin, expecting: shape, of: target.qpack)
            // The twin in the engine's FP32 path: the same runtime, the paper's way of counting.
            var meta = packed.metadata
            meta.name += "-fp32"
            meta.input = InputSignature(name: imported.inputName, shape: imported.inputLayout.irShape)
            let twinPack = "\(scratch)/twin-fp32.qpack"
            do { try AtomicFile.install(try imported.pack(metadata: meta), at: twinPack) } catch {
                throw CLIError("\(twin): cannot pack for the engine: \(error)")
            }
            let onnxInput = "\(scratch)/twin-input.npy"
            try NpyFile.write(onnxInput, shape: imported.inputLayout.onnxShape, values: imported.inputLayout.toONNX(input))
            onnxVariants.append(Variant(kind: .onnxruntimeTwin, name: "FP32 twin in onnxruntime", model: twin, executable: "",
                                        arguments: [twin, onnxInput]))
            variants.append(Variant(kind: .engineTwin, name: "FP32 twin in qinfer's FP32 path", model: twin, executable: qinfer,
                                    arguments: ["bench", "runner", twinPack, "--input", engineInput] + engineArgs))
        }
        if let binary = target.binaryONNX {
            let imported = try Self.importONNX(binary, expecting: shape, of: target.qpack)
            let onnxInput = "\(scratch)/binary-input.npy"
            try NpyFile.write(onnxInput, shape: imported.inputLayout.onnxShape, values: imported.inputLayout.toONNX(input))
            onnxVariants.append(Variant(kind: .onnxruntimeBinary, name: "binary ONNX as a float graph in onnxruntime", model: binary,
                                        executable: "", arguments: [binary, onnxInput]))
        }
        switch onnxRuntime {
        case let .available(python, runner, version):
            common.removeAll { $0 == "--events" }
            for var v in onnxVariants {
                v.name += " \(version)"
                v.executable = python
                v.arguments = [runner] + v.arguments + common + ["--events"]
                variants.insert(v, at: variants.firstIndex { $0.kind == .engineTwin } ?? variants.count)
            }
        case let .missing(why):
            if !onnxVariants.isEmpty { missing.append(why) }
        }
        self.variants = variants
        self.missing = missing
    }

    /// Every variant once per round, in the same order each round, so slow drifts (heat, other tenants) hit all alike.
    func measure(rounds: Int, meter: EnergyMeter?) throws -> SpeedupRun {
        var results = [[RunnerResult]](repeating: [], count: variants.count)
        var energy = [[EnergyStats]](repeating: [], count: variants.count)
        let timeout = 120 + 4 * (seconds + warmup)
        for _ in 0..<rounds {
            for (i, v) in variants.enumerated() {
                let idle = meter?.idleWatts()
                let r = try VariantProcess(executable: v.executable, arguments: v.arguments, timeout: timeout).run()
                results[i].append(r)
                if let meter, let idle, let e = meter.window(r, idleWatts: idle) { energy[i].append(e) }
            }
        }
        let measured = zip(zip(variants, results), energy).map { vr, e in
            let (v, r) = vr
            return SpeedupVariant(
                kind: v.kind, name: v.name, model: v.model, threads: threads, isa: r.first?.isa,
                latency: LatencyStats(medianMicros: Stopwatch.median(r.map(\.medianMicros)),
                                      p99Micros: Stopwatch.median(r.map(\.p99Micros)), runs: r.reduce(0) { $0 + $1.runs }),
                inferencesPerSecond: Double(r.reduce(0) { $0 + $1.runs }) / max(r.reduce(0) { $0 + $1.wallSeconds }, 1e-9),
                peakRSSBytes: r.compactMap(\.peakRSSBytes).max(), energy: e.count == r.count ? Self.combine(e) : nil)
        }
        return SpeedupRun(model: target.qpack, variants: measured, ratios: Self.ratios(measured), missing: missing)
    }

    /// One variant's rounds as one window: joules and inferences summed, so each round weighs by its inferences.
    static func combine(_ windows: [EnergyStats]) -> EnergyStats? {
        guard let first = windows.first else { return nil }
        let n = windows.reduce(0) { $0 + $1.inferences }, seconds = windows.reduce(0) { $0 + $1.windowSeconds }
        let joules = windows.reduce(0) { $0 + $1.joulesPerInference * Double($1.inferences) }
        let above = windows.reduce(0) { $0 + $1.joulesAboveIdlePerInference * Double($1.inferences) }
        guard n > 0, seconds > 0 else { return nil }
        return EnergyStats(joulesPerInference: joules / Double(n), joulesAboveIdlePerInference: above / Double(n),
                           averageWatts: joules / seconds, idleWatts: windows.reduce(0) { $0 + $1.idleWatts } / Double(windows.count),
                           windowSeconds: seconds, inferences: n, estimated: first.estimated, source: first.source)
    }

    static func ratios(_ variants: [SpeedupVariant]) -> [SpeedupRatio] {
        guard let packed = variants.first(where: { $0.kind == .packed }) else { return [] }
        return variants.filter { $0.kind != .packed }.map { b in
            func ratio(_ f: (EnergyStats) -> Double) -> Double? {
                guard let x = b.energy.map(f), let y = packed.energy.map(f), y > 0 else { return nil }
                return x / y
            }
            return SpeedupRatio(baseline: b.kind, latency: b.latency.medianMicros / packed.latency.medianMicros,
                                energy: ratio(\.joulesPerInference), energyAboveIdle: ratio(\.joulesAboveIdlePerInference))
        }
    }

    private static func importONNX(_ path: String, expecting shape: [Int], of qpack: String) throws -> ImportedModel {
        let file: ONNXModelFile
        do { file = try ONNXModelFile(path: path) } catch { throw CLIError(error.description) }
        let imported: ImportedModel
        do { imported = try ONNXImporter.importModel(file, options: ImportOptions(strict: false)) } catch {
            throw CLIError("\(path): \(error.description)")
        }
        guard imported.inputLayout.irShape == shape else {
            throw CLIError("\(path): its input \(imported.inputLayout.irShape) is not \(qpack)'s \(shape)")
        }
        return imported
    }

    static func selfExecutable() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}
