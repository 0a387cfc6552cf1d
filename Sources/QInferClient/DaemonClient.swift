// A blocking client for qinferd's HTTP/1.1 API (swift-nio underneath): a connection per request, or one kept alive for
// all of a command's requests; an answer whole or followed line by line. The callers are command-line tools, so
// blocking on a shared event loop is the simplest correct shape.
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// Requests to one qinferd.
public struct DaemonClient: Sendable {
    public let transport: any DaemonTransport
    /// The connection `send` and `call` reuse; nil when every request has a connection of its own.
    private let kept: KeepAliveConnection?

    /// With `keepAlive`, `send` and `call` share one connection (`follow` keeps its own: a stream does not end).
    public init(transport: any DaemonTransport, keepAlive: Bool = false) {
        self.transport = transport
        kept = keepAlive ? KeepAliveConnection(transport: transport) : nil
    }

    /// The transport `--host`, `--socket` and the environment name: `host` (else $QINFERD_HOST) when given —
    /// ssh://… reaches a board's socket (`socket` then names that board's socket), unix:///path a local one — else
    /// the local socket as `init(socket:)` finds it.
    public init(host: String?, socket: String?, keepAlive: Bool = false,
                environment: [String: String] = ProcessInfo.processInfo.environment) throws(ClientError) {
        self.init(transport: try DaemonHost.transport(host: host, socket: socket, environment: environment), keepAlive: keepAlive)
    }

    /// Closes the kept connection and lets the transport end what it started (ssh children); for the end of a command.
    public func close() {
        kept?.close()
        transport.finish()
    }

    /// Over the Unix socket: `socket` (--socket), else $QINFERD_SOCKET, else the system socket.
    public init(socket: String?) { self.init(transport: UnixSocketTransport(option: socket)) }

    /// Where the requests go, for messages.
    public var endpoint: String { transport.endpoint }

    /// Opens a connection on `loop` with the HTTP/1.1 client codec and the handler `makeHandler` builds (on the
    /// connection's loop) behind it. The pieces of a caller with its own protocol over keep-alive connections.
    public func openConnection(on loop: EventLoop, _ makeHandler: @escaping @Sendable () -> any ChannelHandler) -> EventLoopFuture<Channel> {
        transport.connect(on: loop) { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHTTPClientHandlers()
                try channel.pipeline.syncOperations.addHandler(makeHandler())
            }
        }
    }

    /// Sends `request` and waits for the whole answer, whatever its status. Throws ClientError when there is none.
    public func send(_ request: DaemonRequest) throws(ClientError) -> DaemonResponse {
        if let kept { return try kept.send(request) }
        return try exchange(request, onLine: nil)
    }

    /// Sends `request` and calls `onLine` (on a client thread) for every non-empty line of the answer's body as it
    /// arrives (GET /v1/events: newline-delimited JSON that does not end on its own); returns when qinferd ends the
    /// stream or `onLine` returns false. An answer outside 2xx throws DaemonErrorResponse.
    public func follow(_ request: DaemonRequest, onLine: @escaping @Sendable (String) -> Bool) throws {
        let answer = try exchange(request, onLine: onLine)
        guard answer.isSuccess else { throw DaemonErrorResponse(answer) }
    }

    /// One request on a connection of its own.
    private func exchange(_ request: DaemonRequest, onLine: (@Sendable (String) -> Bool)?) throws(ClientError) -> DaemonResponse {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let promise = loop.makePromise(of: DaemonResponse.self)
        let endpoint = self.endpoint
        openConnection(on: loop) { ExchangeHandler(promise: promise, endpoint: endpoint, onLine: onLine) }
            .whenComplete { result in
                switch result {
                case .success(let channel): request.write(to: channel, closing: true)
                case .failure(let error): promise.fail(error)
                }
            }
        do { return try promise.futureResult.wait() } catch let error as ClientError { throw error } catch {
            throw ClientError("the connection to qinferd at \(endpoint) failed: \(error)")
        }
    }

    /// Sends `request`; an answer outside 2xx throws DaemonErrorResponse.
    public func call(_ request: DaemonRequest) throws -> DaemonResponse {
        let response = try send(request)
        guard response.isSuccess else { throw DaemonErrorResponse(response) }
        return response
    }

    /// Sends `request` and decodes its 2xx JSON answer; returns the raw answer too (for --json).
    public func call<T: Decodable>(_ type: T.Type, _ request: DaemonRequest) throws -> (T, DaemonResponse) {
        let response = try call(request)
        return (try response.decode(T.self), response)
    }
}
