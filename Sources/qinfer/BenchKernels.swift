// `qinfer bench kernels`: binary GEMM and convolution throughput per ISA and thread count, against each ISA's
// roofline and an FP32 BLAS GEMM of the same shape.
import ArgumentParser
import Foundation
import QInferKernelBench

struct BenchKernels: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernels",
        abstract: "Measure the binary kernels on BiPointNet and IR-Net layer shapes.",
        discussion: """
            For each layer × ISA × thread count: binary MACs per second (M·N·K, K in real bits; a convolution \
            counts its im2col GEMM, M = output pixels, K = 9·C), the ratio to that ISA's roofline (its tightest \
            XOR + popcount + accumulate loop over L1-resident data, on as many threads, measured in this run), and \
            the ratio to an FP32 OpenBLAS sgemm of the same shape and thread count. Convolutions also report the \
            share of their time spent outside the GEMM (the im2col copy; their border corrections are prepared once, as the engine does). Layers write packed \
            bits through per-channel thresholds, the path between binary layers.

            All ISAs this CPU supports are measured unless --isa selects some; QINFER_ISA does not apply here.
            """
    )

    @Option(name: .long, help: ArgumentHelp(
        "ISAs to measure, repeated or comma-separated (default: every ISA this CPU supports).",
        valueName: "scalar|popcnt|avx2|avx512|neon"))
    var isa: [String] = []

    @Option(name: .long, help: ArgumentHelp(
        "Thread counts, repeated or comma-separated (default: 1 and the number of usable CPUs).", valueName: "n"))
    var threads: [String] = []

    @Option(name: .long, help: ArgumentHelp(
        "Only layers whose name contains this, repeated or comma-separated. Layers: "
            + KernelShape.catalogue.map(\.name).joined(separator: ", ") + ".",
        valueName: "name"))
    var shape: [String] = []

    @Option(name: .customLong("min-time"), help: ArgumentHelp(
        "Seconds to spend timing each measurement after calibration; the fastest of at least 5 repetitions counts.",
        valueName: "seconds"))
    var minTime: Double = 0.3

    @Flag(name: .long, help: "Print one JSON object per measurement and line instead of a table.")
    var json = false

    private struct Plan {
        let isas: [KernelISA]
        let threads: [Int]
        let shapes: [KernelShape]
    }

    private func plan() throws -> Plan {
        let isas = isa.isEmpty ? KernelISA.supported : try KernelISA.parseList(isa)
        let counts = threads.isEmpty ? ThreadCounts.defaults : try ThreadCounts.parse(threads)
        return Plan(isas: isas, threads: counts, shapes: try KernelShape.select(shape))
    }

    func validate() throws {
        do {
            _ = try plan()
        } catch let error as CustomStringConvertible & Error {
            throw ValidationError(error.description)
        }
        try Stopwatch.validate(minTime: minTime)
    }

    func run() throws {
        let plan = try plan()
        var bench = KernelBench(isas: plan.isas, threadCounts: plan.threads, shapes: plan.shapes,
                                stopwatch: Stopwatch(minTime: minTime))
        if isatty(STDERR_FILENO) != 0 {
            bench.progress = { step in Self.writeStderr("\r\u{1B}[2Kmeasuring \(step)") }
        }
        let results = try bench.run()
        if isatty(STDERR_FILENO) != 0 { Self.writeStderr("\r\u{1B}[2K") }

        if json {
            for r in results { print(KernelBenchReport.jsonLine(r)) }
        } else {
            print(KernelBenchReport.header(minTime: minTime))
            print(KernelBenchReport.table(results))
            print(KernelBenchReport.footnotes(results))
        }

        let wrong = results.filter { !$0.matchesScalar }
        for r in wrong {
            Self.writeStderr("error: \(r.isa.name) × \(r.threads) output of \(r.shape.name) differs from scalar\n")
        }
        if !wrong.isEmpty { throw ExitCode.failure }
    }

    private static func writeStderr(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
