// What every daemon subcommand takes (--socket, --json) and how its failures reach the user.
import ArgumentParser
import QInferClient
import QInferProtocol

/// Options every daemon subcommand takes.
struct DaemonOptions: ParsableArguments {
    @Option(help: ArgumentHelp("qinferd's socket (default: $\(APIPaths.socketEnvironment), else \(APIPaths.defaultSocket)).",
                               valueName: "path"))
    var socket: String?

    @Flag(help: "Print the daemon's JSON answer as it is (errors too, on stdout) instead of a table.")
    var json = false

    /// Runs `body` with a client; a daemon error becomes "Error: <its message>" and exit status 1 (with --json, its
    /// JSON body is printed on stdout first), as does a daemon that cannot be reached.
    func perform(_ body: (DaemonClient) throws -> Void) throws {
        do { try body(DaemonClient(socket: socket)) } catch let refusal as DaemonErrorResponse {
            if json { print(refusal.response.text) }
            throw CLIError(refusal.description)
        } catch let failure as ClientError {
            throw CLIError(failure.message)
        }
    }
}
