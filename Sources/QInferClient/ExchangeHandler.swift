import NIOCore
import NIOHTTP1

/// The one answer of a one-request connection, completing `promise` and closing the connection. Collected whole,
/// or, with `onLine`, a 2xx body handed over line by line as it arrives (a stream that may never end: the promise
/// then completes when qinferd ends or closes it, or `onLine` returns false). A refusal is always collected whole,
/// since its body is the API's error.
final class ExchangeHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let promise: EventLoopPromise<DaemonResponse>
    private let endpoint: String
    private let onLine: (@Sendable (String) -> Bool)?
    private var assembler = ResponseAssembler()
    private var done = false

    init(promise: EventLoopPromise<DaemonResponse>, endpoint: String, onLine: (@Sendable (String) -> Bool)?) {
        self.promise = promise
        self.endpoint = endpoint
        self.onLine = onLine
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !done else { return }
        if let answer = assembler.take(unwrapInboundIn(data)) { return finish(context, answer) }
        guard let onLine, let head = assembler.answerSoFar, head.isSuccess else { return }
        while let line = assembler.nextLine() {
            if !line.isEmpty && !onLine(line) { return finish(context, head) }
        }
    }

    private func finish(_ context: ChannelHandlerContext, _ answer: DaemonResponse) {
        done = true
        promise.succeed(answer)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !done {
            done = true
            // A followed stream ends when qinferd closes it (it stops); any other answer cut short is a failure.
            if onLine != nil, let answer = assembler.answerSoFar, answer.isSuccess {
                promise.succeed(answer)
            } else {
                promise.fail(ClientError("qinferd at \(endpoint) closed the connection before answering"))
            }
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if !done {
            done = true
            // A transport's own explanation (an ssh exit status) is already a ClientError that says what to check.
            promise.fail(error as? ClientError ?? ClientError("the connection to qinferd at \(endpoint) failed: \(error)"))
        }
        context.close(promise: nil)
    }
}
