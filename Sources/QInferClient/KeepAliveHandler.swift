import NIOCore
import NIOHTTP1

/// One answer at a time on a kept-alive connection: the request's writer hands over the promise of its answer
/// (`expect`), the next whole answer completes it. A connection that closes or fails fails the answer waited for.
/// Runs on its connection's event loop.
final class KeepAliveHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let endpoint: String
    private var assembler = ResponseAssembler()
    private var waiting: EventLoopPromise<DaemonResponse>?
    /// Why the connection can take no more requests; a request sent afterwards fails with it at once.
    private var ended: ClientError?

    init(endpoint: String) { self.endpoint = endpoint }

    func expect(_ promise: EventLoopPromise<DaemonResponse>) {
        if let ended { return promise.fail(ended) }
        waiting = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let answer = assembler.take(unwrapInboundIn(data)) else { return }
        waiting?.succeed(answer)
        waiting = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        end(ClientError("qinferd at \(endpoint) closed the connection before answering"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        end(error as? ClientError ?? ClientError("the connection to qinferd at \(endpoint) failed: \(error)"))
        context.close(promise: nil)
    }

    private func end(_ error: ClientError) {
        if ended == nil { ended = error }
        waiting?.fail(error)
        waiting = nil
    }
}
