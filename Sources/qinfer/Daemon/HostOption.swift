// `--host`, declared once for the root command and every daemon command: ArgumentParser hands the value decoded for
// the root to the subcommand's group of the same type, so `qinfer --host ssh://board push …` (Docker's order) and
// `qinfer push … --host ssh://board` mean the same.
import ArgumentParser
import QInferClient

/// Which qinferd the daemon commands manage.
struct HostOption: ParsableArguments {
    @Option(help: ArgumentHelp("The qinferd to manage: ssh://[user@]host[:port] (over ssh, running `qinfer dial-stdio` there) or "
                               + "unix:///path (default: $\(DaemonHost.environmentVariable), else the local socket); "
                               + "$\(SshTransport.optionsEnvironment) adds ssh arguments.",
                               valueName: "url"))
    var host: String?
}
