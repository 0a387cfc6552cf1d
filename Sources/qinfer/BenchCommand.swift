// `qinfer bench`: the group for measurements. Kernels today; whole models and on-device runs join it later.
import ArgumentParser

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure inference performance on this machine.",
        subcommands: [BenchKernels.self]
    )
}
