// What every daemon subcommand takes (--host, --socket, --json) and how its failures reach the user.
import ArgumentParser
import QInferClient
import QInferProtocol

/// Options every daemon subcommand takes.
struct DaemonOptions: ParsableArguments {
    @OptionGroup var remote: HostOption

    @Option(help: ArgumentHelp("qinferd's socket (default: $\(APIPaths.socketEnvironment), else \(APIPaths.defaultSocket)); "
                               + "with an ssh:// host, the socket on that host.",
                               valueName: "path"))
    var socket: String?

    @Flag(help: "Print the daemon's JSON answer as it is (errors too, on stdout) instead of a table.")
    var json = false

    /// Runs `body` with a client whose requests share one connection (one ssh session for a remote board); a daemon
    /// error becomes "Error: <its message>" and exit status 1 (with --json, its JSON body is printed on stdout
    /// first), as does a daemon that cannot be reached or a --host that is not a valid URL.
    func perform(_ body: (DaemonClient) throws -> Void) throws {
        let client: DaemonClient
        do { client = try DaemonClient(host: remote.host, socket: socket, keepAlive: true) } catch { throw CLIError(error.message) }
        defer { client.close() }
        do { try body(client) } catch let refusal as DaemonErrorResponse {
            if json { print(refusal.response.text) }
            throw CLIError(refusal.description)
        } catch let failure as ClientError {
            throw CLIError(failure.message)
        }
    }
}
