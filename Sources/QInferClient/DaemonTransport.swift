// How the client reaches qinferd: a Unix socket (UnixSocketTransport) or an ssh `dial-stdio` pipe (SshTransport).
// Each only has to open a byte stream: HTTP, requests, streams and the load generator's keep-alive connections all
// run on top of this one function.
import NIOCore

/// A way to open connections to qinferd.
public protocol DaemonTransport: Sendable {
    /// Where the connections lead, as messages name it (a socket path, a host).
    var endpoint: String { get }

    /// Opens one connection on `loop`; `initialize` sets up the channel's pipeline before anything is sent. A failure
    /// is a ClientError that names the endpoint and says what to do about it.
    func connect(on loop: EventLoop, initialize: @escaping @Sendable (Channel) -> EventLoopFuture<Void>) -> EventLoopFuture<Channel>

    /// Called once a command is done with the transport, after its connections closed: ends what they left running
    /// (the ssh children of SshTransport). Blocks, briefly.
    func finish()
}

extension DaemonTransport {
    public func finish() {}
}
