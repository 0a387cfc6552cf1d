// qinferd's Unix socket: which one (--socket, else $QINFERD_SOCKET, else the system path) and why it cannot be
// reached, said once for every command — connect(2)'s bare errno would not tell a user to start qinferd.
import Foundation
import NIOCore
import NIOPosix
import QInferProtocol

/// Connections over qinferd's AF_UNIX stream socket.
public struct UnixSocketTransport: DaemonTransport {
    public let path: String

    public var endpoint: String { path }

    public init(path: String) { self.path = path }

    /// `option` (--socket) when given, else $QINFERD_SOCKET when set and not empty, else the system socket.
    public init(option: String?, environment: [String: String] = ProcessInfo.processInfo.environment) {
        let fromEnvironment = environment[APIPaths.socketEnvironment].flatMap { $0.isEmpty ? nil : $0 }
        self.init(path: option ?? fromEnvironment ?? APIPaths.defaultSocket)
    }

    public func connect(on loop: EventLoop, initialize: @escaping @Sendable (Channel) -> EventLoopFuture<Void>) -> EventLoopFuture<Channel> {
        if let problem = checkPath() { return loop.makeFailedFuture(problem) }
        let transport = self
        return ClientBootstrap(group: loop)
            .channelInitializer(initialize)
            .connect(unixDomainSocketPath: path)
            .flatMapErrorThrowing { error in throw transport.connectFailure(error) }
    }

    private var startHint: String {
        "start qinferd (e.g. `qinferd --socket \(path)`) or point --socket / \(APIPaths.socketEnvironment) at its socket"
    }

    /// A missing path or a plain file, told apart before connecting (connect would say ENOENT or ECONNREFUSED).
    /// Public for `qinfer dial-stdio`, which connects with plain system calls and says the same things.
    public func checkPath() -> ClientError? {
        var st = stat()
        guard stat(path, &st) == 0 else {
            if errno == ENOENT { return ClientError("there is no socket at \(path); \(startHint)") }
            return ClientError("cannot reach \(path): \(String(cString: strerror(errno))); \(startHint)")
        }
        guard (st.st_mode & S_IFMT) == S_IFSOCK else { return ClientError("\(path) is not a socket; \(startHint)") }
        return nil
    }

    func connectFailure(_ error: Error) -> ClientError {
        connectFailure(errno: (error as? IOError)?.errnoCode, detail: "\(error)")
    }

    /// What connect(2) failing with `code` means here; `detail` is quoted for any other error.
    public func connectFailure(errno code: Int32?, detail: String) -> ClientError {
        switch code {
        case ECONNREFUSED?:
            return ClientError("nothing listens on \(path) (a socket left by a stopped qinferd?); \(startHint)")
        case EACCES?, EPERM?:
            return ClientError("permission denied on \(path): qinferd's socket is for its group (see socket_group / --socket-group)")
        case ENOENT?:
            return ClientError("there is no socket at \(path); \(startHint)")
        default:
            return ClientError("cannot connect to qinferd at \(path): \(detail)")
        }
    }
}
