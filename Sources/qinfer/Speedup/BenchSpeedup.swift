// `qinfer bench speedup`: how much faster (and, with a power source, how much less energy) the packed model is than
// the FP32 model on this board — the FP32 twin in onnxruntime, the twin in the engine's own FP32 path, and the binary
// ONNX as a float graph — all timed in one run, alternating, on the same input, each variant in a process of its own.
import ArgumentParser
import Foundation
import QInferReport
import QInferModel
import QInferSensors

struct BenchSpeedup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "speedup",
        abstract: "Packed model against its FP32 twin on this board: latency, memory, energy, ratios.",
        discussion: """
            For each model, in --rounds alternating rounds of --seconds each, on one input tensor (fixed \
            pseudo-random values of the input's shape; latency does not depend on them): the .qpack \
            in qinfer's engine (the plan qinferd runs); the FP32 twin (the *-fp32.onnx beside the model, or --twin) \
            in onnxruntime, when the Python given by --python (default: python3 on PATH) imports it; the binary \
            ONNX as onnxruntime runs it as a float graph, with --binary-onnx; and the FP32 twin imported into the \
            engine's own FP32 path. Each variant runs in a process of its own (qinfer's hidden `bench runner`, or \
            tools/bench/ort_runner.py), so its peak memory and CPU time are its own.

            Reported per variant: median and p99 latency, inferences/s, peak resident memory, energy per inference \
            (J and J above idle) over each run's whole window of back-to-back inferences from the board's power \
            source (--board-configs/--board, as qinferd; a sensor is sampled through the run with the idle power \
            measured just before it; where there is none, the config's CPU-time model is applied to the runner's \
            own CPU time and marked estimated), and the ratios of the packed model against each baseline. A \
            baseline that cannot run is listed with what to install. --report DIR writes report.md, chart.svg and \
            report.json (the same numbers as --json), with the board's temperature and throttling before and after.
            """
    )

    @Argument(help: "The .qpack models (or none, with --all).") var models: [String] = []
    @Option(help: "Every model directory under this folder (one .qpack each).") var all: String?
    @Option(help: "The FP32 twin (default: the *-fp32.onnx beside the model).") var twin: String?
    @Option(name: .customLong("binary-onnx"), help: "The binary ONNX, run by onnxruntime as a float graph.") var binaryONNX: String?
    @Option(help: "The Python whose onnxruntime runs the ONNX baselines (default: python3 on PATH).") var python: String?
    @Option(name: .customLong("ort-runner"), help: "tools/bench/ort_runner.py (default: found beside this build or installed).")
    var ortRunner: String?
    @Option(help: "Threads for every variant (engine threads, onnxruntime intra-op threads).") var threads: Int = 1
    @Option(help: "The engine's ISA (default: the one the kernels choose).") var isa: String?
    @Option(help: "Seconds per variant and round.") var seconds: Double = 1.0
    @Option(help: "Alternating rounds.") var rounds: Int = 3
    @Option(help: "Seconds of untimed inferences before each variant's window (caches, clocks, threads).") var warmup: Double = 0.2
    @Option(name: .customLong("board-configs"), help: "Directory of board configs (default: beside this build, else /usr/share/qinferd/board-configs).")
    var boardConfigs: String?
    @Option(help: "The board config to use (default: detected from the device tree; generic-x86 on x86-64).") var board: String?
    @Option(help: "Write report.md, chart.svg and report.json into this directory.") var report: String?
    @Flag(help: "Print the report as JSON instead of tables.") var json = false

    func validate() throws {
        guard !models.isEmpty || all != nil else { throw ValidationError("give one or more .qpack models, or --all DIR") }
        guard (1...ThreadCounts.maximum).contains(threads) else { throw ValidationError("--threads must be 1…\(ThreadCounts.maximum)") }
        guard seconds.isFinite, seconds >= 0.05, seconds <= 60 else { throw ValidationError("--seconds must be 0.05…60") }
        guard (1...50).contains(rounds) else { throw ValidationError("--rounds must be 1…50") }
        guard warmup.isFinite, warmup >= 0, warmup <= 60 else { throw ValidationError("--warmup must be 0…60 seconds") }
        if models.count + (all == nil ? 0 : 1) > 1 && (twin != nil || binaryONNX != nil) {
            throw ValidationError("--twin and --binary-onnx name one model's files: give one model with them")
        }
        _ = try KernelISA.option(isa)
    }

    func run() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("qinfer-speedup-\(getpid())").path
        do { try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true) } catch {
            throw CLIError("cannot create \(scratch): \(error.localizedDescription)")
        }
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let (config, configNote) = try boardConfig()
        let (meter, meterNote) = config.map { EnergyMeter.make(config: $0, idleSeconds: min(1, seconds)) } ?? (nil, configNote)
        let before = BoardSnapshotReader.read(config)
        let onnxRuntime = ONNXRuntimeProbe(python: python, runner: ortRunner).probe()
        var runs: [SpeedupRun] = []
        for (index, target) in try targets().enumerated() {
            let plan = try SpeedupPlan(target: target, scratch: "\(scratch)/\(index)", onnxRuntime: onnxRuntime,
                                       threads: threads, isa: isa, seconds: seconds, warmup: warmup)
            var run = try plan.measure(rounds: rounds, meter: meter)
            if let meterNote { run.missing.append(meterNote) }
            runs.append(run)
        }
        let result = SpeedupReport(createdAt: Date(), before: before, after: BoardSnapshotReader.read(config),
                                   commands: [CommandLine.arguments.joined(separator: " ")], runs: runs)
        if let report {
            do { _ = try SpeedupReportWriter.write(result, to: report) } catch { throw CLIError(error.description) }
        }
        if json {
            print(String(decoding: try SpeedupReportJSON.encode(result), as: UTF8.self), terminator: "")
        } else {
            for run in runs { print(SpeedupTable.render(run)) }
            if let report { print("report: \(report)/\(SpeedupReportWriter.markdownFile)") }
        }
    }

    /// The board config as qinferd would pick it; nil with why when there is none (energy is then left out).
    private func boardConfig() throws -> (BoardConfig?, String?) {
        let exe = SpeedupPlan.selfExecutable()
        let beside = ((exe as NSString).deletingLastPathComponent as NSString).appendingPathComponent("../../../board-configs")
        let directory = boardConfigs ?? [beside, BoardConfigLoader.installedDirectory].first {
            FileManager.default.fileExists(atPath: $0)
        }.map { ($0 as NSString).standardizingPath }
        guard let directory else {
            return (nil, "energy: no board configs beside this qinfer or in \(BoardConfigLoader.installedDirectory); pass --board-configs DIR")
        }
        do {
            return (try BoardConfigLoader.choose(name: board, directory: directory,
                                                 deviceTreeModel: BoardConfigLoader.deviceTreeModel()), nil)
        } catch {
            // A board named on the command line that is not there is an error; an undetectable one only costs energy.
            if board != nil || boardConfigs != nil { throw CLIError(error.description) }
            return (nil, "energy: \(error.description)")
        }
    }

    /// Each model with its twin and binary ONNX, from the arguments or from --all's directories.
    private func targets() throws -> [SpeedupTarget] {
        var list = try models.map { try SpeedupTarget(qpack: $0, twin: twin, binaryONNX: binaryONNX) }
        if let all {
            let dirs: [String]
            do { dirs = try FileManager.default.contentsOfDirectory(atPath: all).sorted() } catch {
                throw CLIError("--all \(all): cannot list the directory (\(error.localizedDescription))")
            }
            for dir in dirs {
                let path = "\(all)/\(dir)"
                let qpacks = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter { $0.hasSuffix(".qpack") }
                guard qpacks.count == 1 else { continue }
                let stem = (qpacks[0] as NSString).deletingPathExtension
                let binary = "\(path)/\(stem).onnx"
                list.append(try SpeedupTarget(qpack: "\(path)/\(qpacks[0])", twin: nil,
                                              binaryONNX: FileManager.default.fileExists(atPath: binary) ? binary : nil))
            }
            guard !list.isEmpty else { throw CLIError("--all \(all): no directory holds exactly one .qpack") }
        }
        return list
    }
}
