// `qinfer bench model`: a packed model's compute time with the engine's fused plan against the plain plan of the
// same model, timed alternately in one run, with the outputs compared bit for bit.
import ArgumentParser
import Foundation
import QInferEngine
import QInferModel
import QInferRandom

struct BenchModel: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Time whole models: the fused plan the daemon runs against the plain plan.",
        discussion: """
            For each model × ISA × thread count: microseconds per inference (the engine's compute on a prepared \
            input, no decoding or preprocessing) with the plan the daemon runs, where a binary layer read only by \
            the max over points runs fused with it a tile of points at a time, and with the plain plan that writes \
            the layer's whole output and then takes the max. The two run alternately (paired repetitions), so the \
            ratio compares them under the same machine conditions; it is the median over pairs. Their outputs must \
            be identical bit for bit, or the command fails. A model with nothing to fuse is timed once.

            The input is a fixed pseudo-random tensor of the model's input shape (the kernels' time does not depend \
            on the values).
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
    }

    private func isas() throws -> [KernelISA?] { isa.isEmpty ? [nil] : try KernelISA.parseList(isa) }
    private func threadCounts() throws -> [Int] { threads.isEmpty ? ThreadCounts.defaults : try ThreadCounts.parse(threads) }

    func run() throws {
        let stopwatch = Stopwatch(minTime: minTime)
        let chosenISAs = try isas(), counts = try threadCounts()
        var table = TextTable([
            .init(title: "model", alignment: .left), .init(title: "isa", alignment: .left),
            .init(title: "threads", alignment: .right), .init(title: "fused layers", alignment: .right),
            .init(title: "fused µs", alignment: .right), .init(title: "plain µs", alignment: .right),
            .init(title: "plain/fused", alignment: .right),
        ])
        for path in models {
            let packed: PackedModel
            do { packed = try PackedModel(path: path) } catch { throw CLIError(error.message) }
            for isa in chosenISAs {
                for n in counts {
                    let m = try ModelTiming.measure(packed, isa: isa, threads: n, stopwatch: stopwatch)
                    if json {
                        print(try m.jsonLine(path: path))
                    } else {
                        table.append([packed.metadata.name, m.isa, "\(n)", "\(m.fusedLayers)", micros(m.fusedSeconds),
                                      m.plainSeconds.map(micros) ?? "-", m.plainOverFused.map { String(format: "%.2f×", $0) } ?? "-"])
                    }
                }
            }
        }
        if !json {
            print("Compute per inference, fastest of ≥ 5 repetitions over \(minTime) s; plain/fused = median of paired repetitions.")
            print(table.render())
        }
    }

    private func micros(_ seconds: Double) -> String { String(format: "%.0f", seconds * 1e6) }
}

/// One model × ISA × thread count: the fused plan timed against the plain plan, outputs compared.
struct ModelTiming {
    let isa: String
    let threads: Int
    let fusedLayers: Int
    let fusedSeconds: Double
    /// nil when the model has nothing to fuse (the two plans are the same).
    let plainSeconds: Double?
    let plainOverFused: Double?

    static func measure(_ packed: PackedModel, isa: KernelISA?, threads: Int, stopwatch: Stopwatch) throws -> ModelTiming {
        let fused: Engine, plain: Engine
        do {
            fused = try Engine(model: packed, threads: threads, isa: isa?.raw)
            plain = try Engine(model: packed, threads: threads, isa: isa?.raw, fuseMaxPool: false)
        } catch { throw CLIError("\(packed.metadata.name): \(error.message)") }
        var rng = SplitMix64(seed: 0x5eed)
        let input = (0..<fused.inputCount).map { _ in rng.normal() }
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
        guard fused.fusedMaxPoolLayers > 0 else {
            return ModelTiming(isa: name, threads: threads, fusedLayers: 0, fusedSeconds: stopwatch.bestSecondsPerUnit(body(fused)),
                               plainSeconds: nil, plainOverFused: nil)
        }
        let t = stopwatch.pairedSecondsPerUnit(body(fused), body(plain))
        return ModelTiming(isa: name, threads: threads, fusedLayers: fused.fusedMaxPoolLayers, fusedSeconds: t.a,
                           plainSeconds: t.b, plainOverFused: t.medianRatio)
    }

    private static func run(_ engine: Engine, _ input: [Float], _ output: inout [Float]) throws {
        do {
            try input.withUnsafeBufferPointer { (i) throws(EngineError) in
                try output.withUnsafeMutableBufferPointer { (o) throws(EngineError) in try engine.run(input: i, output: o) }
            }
        } catch { throw CLIError(error.message) }
    }

    func jsonLine(path: String) throws -> String {
        var object: [String: Any] = ["model": path, "isa": isa, "threads": threads, "fused_layers": fusedLayers,
                                     "fused_us": fusedSeconds * 1e6]
        if let plainSeconds, let plainOverFused {
            object["plain_us"] = plainSeconds * 1e6
            object["plain_over_fused"] = plainOverFused
        }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}
