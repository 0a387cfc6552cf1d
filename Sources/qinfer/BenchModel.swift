// `qinfer bench model`: a packed model's compute time with the engine's fused plan against the plain plan of the
// same model, timed alternately in one run, with the outputs compared bit for bit; `--layers` adds the time of
// every step of the plan.
import ArgumentParser
import Foundation
import QInferEngine
import QInferInputFormats
import QInferModel
import QInferRandom

struct BenchModel: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Time whole models: the fused plan the daemon runs against the plain plan, and per step with --layers.",
        discussion: """
            For each model × ISA × thread count: microseconds per inference (the engine's compute on a prepared \
            input, no decoding or preprocessing) with the plan the daemon runs, where nodes a kernel computes \
            together run as one step (a binary layer read only by the max over points with that max, an FP32 layer \
            or add with the hardtanh and sign-pack after it), and with the plain plan of one step per node. The \
            two run alternately (paired repetitions), so the ratio compares them under \
            the same machine conditions; it is the median over pairs. Their outputs must be identical bit for bit, \
            or the command fails. A model with nothing to fuse is timed once.

            --layers then profiles the fused plan step by step (the way onnxruntime's and TFLite's op profilers \
            do): microseconds per inference, share of the whole, multiply-accumulates and GMAC/s per step. A step \
            is one kernel call and may compute several graph nodes (a fused chain); the nodes column names them.

            The input is a fixed pseudo-random tensor of the model's input shape, or --input: a .npy float32 \
            tensor holding exactly the graph's input (after preprocessing), so a peer can be timed on the same values.
            """
    )

    @Argument(help: "The .qpack models.") var models: [String]

    @Option(name: .long, help: ArgumentHelp(
        "ISAs to measure, repeated or comma-separated (default: the one the kernels choose).",
        valueName: "scalar|popcnt|avx2|avx512|neon"))
    var isa: [String] = []

    @Option(name: .long, help: ArgumentHelp(
        "Thread counts, repeated or comma-separated (default: 1 and the number of usable CPUs).", valueName: "n"))
    var threads: [String] = []

    @Option(name: .customLong("min-time"), help: ArgumentHelp(
        "Seconds to spend timing each measurement after calibration; at least 5 repetitions.", valueName: "seconds"))
    var minTime: Double = 1.0

    @Option(name: .long, help: ArgumentHelp(
        "A .npy float32 tensor to run instead of random values: the model's input after preprocessing.", valueName: "file"))
    var input: String?

    @Flag(name: .long, help: "Also time every step of the plan (µs, share, MACs, GMAC/s).")
    var layers = false

    @Flag(name: .long, help: "Print one JSON object per measurement and line instead of a table.")
    var json = false

    func validate() throws {
        do {
            _ = try isas()
            _ = try threadCounts()
        } catch let error as CustomStringConvertible & Error {
            throw ValidationError(error.description)
        }
        try Stopwatch.validate(minTime: minTime)
        if input != nil && models.count > 1 { throw ValidationError("--input is one model's input: give one model with it") }
    }

    private func isas() throws -> [KernelISA?] { isa.isEmpty ? [nil] : try KernelISA.parseList(isa) }
    private func threadCounts() throws -> [Int] { threads.isEmpty ? ThreadCounts.defaults : try ThreadCounts.parse(threads) }

    func run() throws {
        let stopwatch = Stopwatch(minTime: minTime)
        let chosenISAs = try isas(), counts = try threadCounts()
        var table = TextTable([
            .init(title: "model", alignment: .left), .init(title: "isa", alignment: .left),
            .init(title: "threads", alignment: .right), .init(title: "fused steps", alignment: .right),
            .init(title: "fused µs", alignment: .right), .init(title: "median µs", alignment: .right),
            .init(title: "plain µs", alignment: .right), .init(title: "plain/fused", alignment: .right),
        ])
        var profiles: [String] = []
        for path in models {
            let file = try ModelFile(path)
            let packed = file.packed
            let values = try input.map { try Self.loadInput($0, for: packed) } ?? Self.randomInput(for: packed)
            for isa in chosenISAs {
                for n in counts {
                    let m = try ModelTiming.measure(file, input: values, isa: isa, threads: n, stopwatch: stopwatch)
                    if json {
                        print(try m.jsonLine(path: path))
                    } else {
                        table.append([packed.metadata.name, m.isa, "\(n)", "\(m.fusedSteps)", micros(m.fusedSeconds),
                                      micros(m.fusedMedianSeconds), m.plainSeconds.map(micros) ?? "-",
                                      m.plainOverFused.map { String(format: "%.2f×", $0) } ?? "-"])
                    }
                    guard layers else { continue }
                    let profile = try LayerProfile.measure(file, input: values, isa: isa, threads: n, stopwatch: stopwatch)
                    if json {
                        for line in try profile.jsonLines(path: path) { print(line) }
                    } else {
                        profiles.append(profile.render())
                    }
                }
            }
        }
        if !json {
            print("Compute per inference, fastest and median of ≥ 5 repetitions over \(minTime) s; plain/fused = median of paired repetitions.")
            print(table.render())
            for profile in profiles { print("\n" + profile) }
        }
    }

    private func micros(_ seconds: Double) -> String { String(format: "%.0f", seconds * 1e6) }

    static func randomInput(for packed: PackedModel) -> [Float] {
        var rng = SplitMix64(seed: 0x5eed)
        return (0..<packed.values[packed.graph.input]!.elementCount).map { _ in rng.normal() }
    }

    /// A .npy float32 tensor with exactly the graph input's element count (the layout is the graph's: [points, 3],
    /// [height, width, channels]); anything else is an error that says what the model needs.
    static func loadInput(_ path: String, for packed: PackedModel) throws -> [Float] {
        let needed = packed.values[packed.graph.input]!
        let bytes: [UInt8]
        do { bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) } catch {
            throw CLIError("--input \(path): cannot read the file (\(error.localizedDescription))")
        }
        let decoded: DecodedInput
        do { decoded = try decodeInput(bytes, format: .npy, name: path) } catch { throw CLIError(error.description) }
        guard case .tensor(let t) = decoded, case .float32(let values) = t.storage, values.count == needed.elementCount else {
            throw CLIError("--input \(path): model '\(packed.metadata.name)' needs a float32 tensor of \(needed.elementCount) values (shape \(needed.shape), after preprocessing)")
        }
        guard values.allSatisfy(\.isFinite) else { throw CLIError("--input \(path): the tensor holds a value that is not finite") }
        return values
    }
}

/// One model × ISA × thread count: the fused plan timed against the plain plan, outputs compared.
struct ModelTiming {
    let isa: String
    let threads: Int
    /// Steps of the fused plan that compute more than one node.
    let fusedSteps: Int
    let fusedSeconds: Double
    let fusedMedianSeconds: Double
    /// nil when the model has nothing to fuse (the two plans are the same).
    let plainSeconds: Double?
    let plainOverFused: Double?

    static func measure(_ file: ModelFile, input: [Float], isa: KernelISA?, threads: Int, stopwatch: Stopwatch) throws -> ModelTiming {
        let packed = file.packed
        let fused = try file.engine(threads: threads, isa: isa)
        let plain = try file.engine(threads: threads, isa: isa, fuse: false)
        var outFused = [Float](repeating: 0, count: fused.outputCount), outPlain = outFused
        try run(fused, input, &outFused)
        try run(plain, input, &outPlain)
        guard outFused.map(\.bitPattern) == outPlain.map(\.bitPattern) else {
            throw CLIError("\(packed.metadata.name): the fused plan's output differs from the plain plan's")
        }
        let name = KernelISA(raw: fused.isa).name
        // Both engines have just run this input, so a timed run cannot fail; `try?` keeps the timed loop bare.
        let body = { (engine: Engine) -> (Int) -> Void in
            { units in for _ in 0..<units { try? run(engine, input, &outFused) } }
        }
        guard fused.fusedSteps > 0 else {
            let t = stopwatch.secondsPerUnit(body(fused))
            return ModelTiming(isa: name, threads: threads, fusedSteps: 0, fusedSeconds: t.best, fusedMedianSeconds: t.median,
                               plainSeconds: nil, plainOverFused: nil)
        }
        let t = stopwatch.pairedSecondsPerUnit(body(fused), body(plain))
        return ModelTiming(isa: name, threads: threads, fusedSteps: fused.fusedSteps, fusedSeconds: t.a,
                           fusedMedianSeconds: t.medianA, plainSeconds: t.b, plainOverFused: t.medianRatio)
    }

    static func run(_ engine: Engine, _ input: [Float], _ output: inout [Float]) throws {
        do {
            try input.withUnsafeBufferPointer { (i) throws(EngineError) in
                try output.withUnsafeMutableBufferPointer { (o) throws(EngineError) in try engine.run(input: i, output: o) }
            }
        } catch { throw CLIError(error.message) }
    }

    func jsonLine(path: String) throws -> String {
        var object: [String: Any] = ["model": path, "isa": isa, "threads": threads, "fused_steps": fusedSteps,
                                     "fused_us": fusedSeconds * 1e6, "fused_median_us": fusedMedianSeconds * 1e6]
        if let plainSeconds, let plainOverFused {
            object["plain_us"] = plainSeconds * 1e6
            object["plain_over_fused"] = plainOverFused
        }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}
