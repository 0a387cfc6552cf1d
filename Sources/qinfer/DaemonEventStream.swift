// GET /v1/events as a stream: qinferd answers with a chunked body of newline-delimited JSON that never ends on its
// own; each complete line is handed over as it arrives.
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import QInferProtocol

extension DaemonClient {
    /// Follows `uri` and calls `onLine` (on a client thread) for every line; returns when qinferd closes the stream
    /// or `onLine` returns false. A non-2xx answer throws `Failure`.
    func follow(_ uri: String, onLine: @escaping @Sendable (String) -> Bool) throws {
        try checkSocket()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let promise = group.next().makePromise(of: Response?.self)
        let bootstrap = ClientBootstrap(group: group).channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHTTPClientHandlers()
                try channel.pipeline.syncOperations.addHandler(LineFollower(promise: promise, onLine: onLine))
            }
        }
        let channel: Channel
        do { channel = try bootstrap.connect(unixDomainSocketPath: socketPath).wait() } catch {
            promise.fail(error)
            throw connectFailure(error)
        }
        var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: uri)
        head.headers.add(name: "host", value: "localhost")
        head.headers.add(name: "user-agent", value: "qinfer")
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        defer { channel.close(promise: nil) }
        let refused: Response?
        do { refused = try promise.futureResult.wait() } catch {
            throw CLIError("the connection to qinferd at \(socketPath) failed: \(error)")
        }
        if let refused { throw Failure(response: refused) }
    }
}

/// Splits a streamed body into lines. Completes with nil when the stream ends (or the consumer stops it), with the
/// whole response when qinferd refused the request.
private final class LineFollower: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let promise: EventLoopPromise<DaemonClient.Response?>
    private let onLine: @Sendable (String) -> Bool
    private var head: HTTPResponseHead?
    private var pending: [UInt8] = []
    private var done = false

    init(promise: EventLoopPromise<DaemonClient.Response?>, onLine: @escaping @Sendable (String) -> Bool) {
        self.promise = promise
        self.onLine = onLine
    }

    private var accepted: Bool { head.map { (200..<300).contains(Int($0.status.code)) } ?? false }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !done else { return }
        switch unwrapInboundIn(data) {
        case .head(let h):
            if h.status.code >= 200 { head = h }
        case .body(let chunk):
            pending += chunk.readableBytesView
            guard accepted else { return } // an error body is collected whole
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: pending[..<newline], as: UTF8.self)
                pending.removeSubrange(...newline)
                if !line.isEmpty && !onLine(line) { return finish(context, nil) }
            }
        case .end:
            guard let head else { return }
            finish(context, accepted ? nil : DaemonClient.Response(status: Int(head.status.code), headers: head.headers, body: pending))
        }
    }

    private func finish(_ context: ChannelHandlerContext, _ refused: DaemonClient.Response?) {
        done = true
        promise.succeed(refused)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !done {
            done = true
            if head == nil { promise.fail(CLIError("qinferd closed the connection before answering")) } else { promise.succeed(nil) }
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if !done {
            done = true
            promise.fail(error)
        }
        context.close(promise: nil)
    }
}
