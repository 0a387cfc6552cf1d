// qinferd on another machine, the way `docker -H ssh://…` reaches dockerd: every connection is one
// `ssh [options] -- host qinfer dial-stdio` whose stdin and stdout carry the HTTP bytes, and dial-stdio on the board
// connects them to qinferd's socket as the ssh login user (whose groups then decide what the daemon allows). The
// user's ssh setup — keys, agent, ~/.ssh/config, known_hosts — is used as it is.
import Foundation
import NIOCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

/// Connections through an ssh child running `qinfer dial-stdio` on the board.
public struct SshTransport: DaemonTransport {
    public let destination: SshDestination
    /// The board's socket (`--socket`), passed on to dial-stdio; nil leaves the board's default.
    public let remoteSocket: String?
    /// Extra ssh arguments, put before the destination (from $QINFER_SSH_OPTIONS).
    public let sshOptions: [String]

    /// The environment variable whose whitespace-separated words are added to ssh's options, e.g.
    /// `-o ConnectTimeout=5 -i ~/.ssh/board_ed25519`.
    public static let optionsEnvironment = "QINFER_SSH_OPTIONS"

    public var endpoint: String { destination.description }

    private let sessions = SshSessions()
    /// The program and arguments run instead of ssh: only QInferClientTests set it, to run the board's side
    /// (`qinfer dial-stdio`) directly and test the pipes, the exit statuses and the reaping without an ssh server.
    let commandOverride: [String]?

    public init(destination: SshDestination, remoteSocket: String? = nil, sshOptions: [String] = []) {
        self.destination = destination
        self.remoteSocket = remoteSocket
        self.sshOptions = sshOptions
        commandOverride = nil
    }

    init(destination: SshDestination, running command: [String]) {
        self.destination = destination
        remoteSocket = nil
        sshOptions = []
        commandOverride = command
    }

    /// With the ssh options of `environment`.
    public init(destination: SshDestination, remoteSocket: String?, environment: [String: String]) {
        let words = environment[Self.optionsEnvironment]?.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init)
        self.init(destination: destination, remoteSocket: remoteSocket, sshOptions: words ?? [])
    }

    /// ssh's arguments after the program name. `-T` because a terminal on the remote side (RequestTTY in someone's
    /// ssh config) would translate bytes of the HTTP stream; `--` so that nothing after it is read as an option.
    public var sshArguments: [String] {
        var arguments = sshOptions + ["-T"]
        if let port = destination.port { arguments += ["-p", "\(port)"] }
        if let user = destination.user { arguments += ["-l", user] }
        return arguments + ["--", destination.host, remoteCommand]
    }

    /// The command line the board's login shell runs; the socket path is single-quoted for that shell.
    public var remoteCommand: String {
        var command = "qinfer dial-stdio"
        if let remoteSocket { command += " --socket " + Self.shellQuoted(remoteSocket) }
        return command
    }

    static func shellQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    public func connect(on loop: EventLoop, initialize: @escaping @Sendable (Channel) -> EventLoopFuture<Void>) -> EventLoopFuture<Channel> {
        if let remoteSocket, remoteSocket.contains(where: { $0 == "\n" || $0 == "\0" }) {
            return loop.makeFailedFuture(ClientError("--socket '\(remoteSocket)' contains a line break or NUL, which no socket path on \(endpoint) has"))
        }
        let process: SshProcess
        do { process = try SshProcess(command: commandOverride ?? ["ssh"] + sshArguments, loop: loop) } catch { return loop.makeFailedFuture(error) }
        sessions.add(process)
        let destination = self.destination
        return NIOPipeBootstrap(group: loop)
            .channelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            .channelInitializer { channel in
                channel.closeFuture.whenComplete { _ in process.channelClosed(on: channel.eventLoop) }
                do {
                    try channel.pipeline.syncOperations.addHandler(SshSessionHandler(process: process, destination: destination))
                } catch {
                    return channel.eventLoop.makeFailedFuture(error)
                }
                return initialize(channel)
            }
            .takingOwnershipOfDescriptors(input: process.input, output: process.output)
            .flatMapErrorThrowing { error in
                process.channelClosed(on: loop, grace: .zero)
                throw ClientError("cannot use the pipes of ssh to \(destination): \(error)")
            }
    }

    /// Waits until every ssh started for this transport has exited, terminating those that outlive their connections.
    public func finish() {
        sessions.waitForAll(timeout: .seconds(3))
    }
}
