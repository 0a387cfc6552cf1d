// Where `qinfer` finds qinferd, Docker-style: `--host` / $QINFERD_HOST name either a local socket (unix:///path) or a
// board reached over ssh (ssh://[user@]host[:port]). Parsed once here so every daemon command says the same things
// about a bad URL.

/// The daemon a command talks to, as `--host` or $QINFERD_HOST name it.
public enum DaemonHost: Sendable, Equatable {
    /// qinferd's Unix socket on this machine.
    case unix(path: String)
    /// qinferd on another machine, through `ssh … qinfer dial-stdio`.
    case ssh(SshDestination)

    /// The environment variable read when --host is not given.
    public static let environmentVariable = "QINFERD_HOST"

    /// Parses `text`; `source` names where it came from (`--host`, `$QINFERD_HOST`) for the error message.
    public static func parse(_ text: String, source: String) throws(ClientError) -> DaemonHost {
        let usage = "use ssh://[user@]host[:port] or unix:///path/to/qinferd.sock"
        if text.hasPrefix("unix://") {
            let path = String(text.dropFirst("unix://".count))
            guard path.hasPrefix("/"), path.count > 1 else {
                throw ClientError("\(source) '\(text)': a unix:// host needs an absolute socket path after the scheme, as in unix:///run/qinferd/qinferd.sock")
            }
            return .unix(path: path)
        }
        if text.hasPrefix("ssh://") {
            do throws(SshDestination.ParseError) {
                return .ssh(try SshDestination(url: text))
            } catch {
                throw ClientError("\(source) '\(text)': \(error.reason); \(usage)")
            }
        }
        if let colon = text.firstIndex(of: ":"), text[colon...].hasPrefix("://") {
            let scheme = text[..<colon]
            throw ClientError("\(source) '\(text)': qinferd listens only on a Unix socket, so '\(scheme)://' cannot reach it; \(usage)")
        }
        throw ClientError("\(source) '\(text)' is not a URL; \(usage)")
    }
}

extension DaemonHost {
    /// The transport for `host` (--host), else $QINFERD_HOST, else the local socket of `socket` (--socket),
    /// $QINFERD_SOCKET or the default. With an ssh host, `socket` is the board's socket and is passed on to it
    /// (the local $QINFERD_SOCKET is not); with unix:///path, a different --socket is refused as ambiguous.
    public static func transport(host: String?, socket: String?,
                                 environment: [String: String]) throws(ClientError) -> any DaemonTransport {
        let named: (text: String, source: String)?
        if let host {
            named = (host, "--host")
        } else if let fromEnvironment = environment[environmentVariable], !fromEnvironment.isEmpty {
            named = (fromEnvironment, "$\(environmentVariable)")
        } else {
            named = nil
        }
        guard let named else { return UnixSocketTransport(option: socket, environment: environment) }
        switch try parse(named.text, source: named.source) {
        case .unix(let path):
            if let socket, socket != path {
                throw ClientError("\(named.source) '\(named.text)' and --socket \(socket) name two different sockets; give one of them")
            }
            return UnixSocketTransport(path: path)
        case .ssh(let destination):
            return SshTransport(destination: destination, remoteSocket: socket, environment: environment)
        }
    }
}
