// The `qinfer` command tree. Each subcommand lives in its own file; this root only lists the groups.
import ArgumentParser

@main
struct QInfer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qinfer",
        abstract: "Companion CLI of qinferd: measures the binarized-network kernels on this machine.",
        subcommands: [Bench.self]
    )
}
