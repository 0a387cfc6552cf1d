// The `qinfer` command tree. Each subcommand lives in its own file; this root only lists the groups.
import ArgumentParser

@main
struct QInfer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qinfer",
        abstract: "Companion CLI of qinferd: runs packed binarized models and measures the kernels on this machine.",
        subcommands: [Run.self, Bench.self]
    )
}
