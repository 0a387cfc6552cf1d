import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// An HTTP/1.1 server on an already listening socket (from socket activation or bound by qinferd itself): the API
/// on its Unix socket, or the metrics-only listener.
public final class HTTPServer: Sendable {
    public let channel: Channel
    let group: MultiThreadedEventLoopGroup
    /// False when the event loops belong to another server (the API's), which shuts them down.
    private let ownsGroup: Bool
    private let connections = ManagedAtomic()

    /// Serves `daemon`'s API on an already bound and listening socket descriptor.
    public init(daemon: Daemon, listeningSocket fd: CInt, eventLoopThreads: Int = 1) throws {
        group = MultiThreadedEventLoopGroup(numberOfThreads: eventLoopThreads)
        ownsGroup = true
        let counter = connections
        channel = try Self.serve(fd, group: group, halfClosure: true) { channel in
            let count = counter.increment()
            channel.closeFuture.whenComplete { _ in counter.decrement() }
            let over = count > daemon.config.maxConnections
            return Self.peer(of: channel).flatMap { peer in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: false)
                    try channel.pipeline.syncOperations.addHandler(HTTPHandler(daemon: daemon, peer: peer, overLimit: over))
                }
            }
        }
    }

    /// Serves only `daemon`'s Prometheus exposition (GET /metrics) on a listening socket of any family, e.g. the TCP
    /// port of qinferd-metrics.socket. With `api`, runs on its event loops instead of starting a thread of its own.
    public init(metricsOf daemon: Daemon, listeningSocket fd: CInt, limits: MetricsServerLimits = MetricsServerLimits(),
                sharingEventLoopsWith api: HTTPServer? = nil) throws {
        group = api?.group ?? MultiThreadedEventLoopGroup(numberOfThreads: 1)
        ownsGroup = api == nil
        let counter = connections
        channel = try Self.serve(fd, group: group, halfClosure: false) { channel in
            let count = counter.increment()
            channel.closeFuture.whenComplete { _ in counter.decrement() }
            let handler = MetricsHTTPHandler(exposition: { daemon.metricsExposition() }, limits: limits,
                                             overLimit: count > limits.maxConnections)
            return channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: false)
                try channel.pipeline.syncOperations.addHandler(handler)
            }
        }
    }

    private static func serve(_ fd: CInt, group: MultiThreadedEventLoopGroup, halfClosure: Bool,
                              _ initializer: @escaping @Sendable (Channel) -> EventLoopFuture<Void>) throws -> Channel {
        try ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .childChannelInitializer(initializer)
            // A client that half-closes after its request still gets the answer: HTTPHandler closes after it. The
            // metrics handler does not wait for one, so its connections close at EOF as before.
            .childChannelOption(ChannelOptions.allowRemoteHalfClosure, value: halfClosure)
            .withBoundSocket(fd).wait()
    }

    /// SO_PEERCRED of a connected Unix socket; nil when the platform does not say.
    static func peer(of channel: Channel) -> EventLoopFuture<PeerCredentials?> {
        guard let provider = channel as? SocketOptionProvider else { return channel.eventLoop.makeSucceededFuture(nil) }
        let f: EventLoopFuture<PeerCred> = provider.unsafeGetSocketOption(level: SocketOptionLevel(SOL_SOCKET),
                                                                           name: SocketOptionName(SO_PEERCRED))
        return f.map { Optional(PeerCredentials(pid: $0.pid, uid: $0.uid, gid: $0.gid)) }.recover { _ in nil }
    }

    public var activeConnections: Int { connections.value }

    /// Stops accepting connections; open ones finish their current request.
    public func close() throws {
        try channel.close().wait()
        if ownsGroup { try group.syncShutdownGracefully() }
    }
}

/// Linux's `struct ucred` (pid, uid, gid), which Glibc's Swift module does not export without _GNU_SOURCE.
struct PeerCred: Sendable {
    var pid: Int32
    var uid: UInt32
    var gid: UInt32
}

/// A connection counter shared with the child channel initializer.
final class ManagedAtomic: Sendable {
    private let count = Atomic<Int>(0)
    func increment() -> Int { count.add(1, ordering: .relaxed).newValue }
    func decrement() { count.subtract(1, ordering: .relaxed) }
    var value: Int { count.load(ordering: .relaxed) }
}
