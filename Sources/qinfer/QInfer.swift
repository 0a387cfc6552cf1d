// The `qinfer` command tree. Each subcommand lives in its own file; this root only lists the groups.
import ArgumentParser

@main
struct QInfer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qinfer",
        abstract: "Companion CLI of qinferd: packs ONNX models, inspects and verifies them, runs them, measures the kernels on this machine, and manages a running qinferd.",
        subcommands: [Pack.self, Inspect.self, Verify.self, Keygen.self, Sign.self, Run.self, Eval.self, Bench.self,
                      DaemonHealth.self, DaemonModels.self, DaemonInfer.self, DaemonStats.self, DaemonTop.self, DaemonEvents.self, DaemonWatch.self, DaemonPush.self, DaemonActivate.self,
                      DaemonRollback.self, DaemonRemove.self, DaemonReload.self, DialStdio.self]
    )

    /// `qinfer --host URL <daemon command>`: decoded here and handed to the daemon command's own --host.
    @OptionGroup var remote: HostOption
}
