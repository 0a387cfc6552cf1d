// `qinfer bench`: the group for measurements: the kernels, and the daemon over its socket.
import ArgumentParser

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure inference performance on this machine.",
        subcommands: [BenchKernels.self, BenchModel.self, BenchSpeedup.self, BenchDaemon.self, BenchRunner.self]
    )
}
