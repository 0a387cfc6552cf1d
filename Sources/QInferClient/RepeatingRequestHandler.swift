import NIOCore
import NIOHTTP1

/// A keep-alive connection that sends `request` again as soon as each answer has ended (or `interval` after it),
/// `count` times, then closes: one request in flight per connection (a closed loop). The head and body are encoded
/// once and re-sent as they are, and each answer is handed over with its round trip, so a load generator adds little
/// work of its own to the CPUs it shares with the daemon it measures. Runs on its connection's event loop; so do the
/// callbacks.
public final class RepeatingRequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    public typealias InboundIn = HTTPClientResponsePart
    public typealias OutboundOut = HTTPClientRequestPart

    private let head: HTTPRequestHead
    private let body: [UInt8]
    private var bodyBuffer: ByteBuffer?
    private var remaining: Int
    private let interval: Duration
    private let onAnswer: (DaemonResponse, Duration) -> Void
    private let onEnd: (ClientError?) -> Void
    private var assembler = ResponseAssembler()
    private var answered = 0
    private var sentAt = ContinuousClock.now
    private var done = false

    /// - Parameters:
    ///   - onAnswer: each answer (any status) with the time from sending the request to its last byte.
    ///   - interval: the pause between an answer and the next request; zero sends at once. A pause lets the server go
    ///     idle in between, as it does when a sensor or camera sends a frame every few ms.
    ///   - onEnd: once, after the last answer (nil) or when the connection failed or closed early.
    public init(request: DaemonRequest, count: Int, interval: Duration = .zero, onAnswer: @escaping (DaemonResponse, Duration) -> Void,
                onEnd: @escaping (ClientError?) -> Void) {
        var keptAlive = request
        // An explicit length, also for an empty body: the answer's end must not depend on the connection closing.
        keptAlive.body = request.body ?? []
        head = keptAlive.head(closing: false)
        body = keptAlive.body ?? []
        remaining = count
        self.interval = max(interval, .zero)
        self.onAnswer = onAnswer
        self.onEnd = onEnd
    }

    public func channelActive(context: ChannelHandlerContext) {
        bodyBuffer = body.isEmpty ? nil : context.channel.allocator.buffer(bytes: body)
        if remaining > 0 { send(context: context) } else { finish(context: context, nil) }
        context.fireChannelActive()
    }

    private func send(context: ChannelHandlerContext) {
        sentAt = .now
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if let bodyBuffer { context.write(wrapOutboundOut(.body(.byteBuffer(bodyBuffer))), promise: nil) }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !done, let answer = assembler.take(unwrapInboundIn(data)) else { return }
        onAnswer(answer, ContinuousClock.now - sentAt)
        answered += 1
        remaining -= 1
        guard remaining > 0 else { return finish(context: context, nil) }
        if interval == .zero { return send(context: context) }
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: .nanoseconds(Self.nanoseconds(interval))) {
            let (handler, context) = bound.value
            // The connection may have failed or closed while waiting.
            if !handler.done { handler.send(context: context) }
        }
    }

    private static func nanoseconds(_ d: Duration) -> Int64 {
        d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000
    }

    private func finish(context: ChannelHandlerContext, _ error: ClientError?) {
        done = true
        onEnd(error)
        context.close(promise: nil)
    }

    public func errorCaught(context: ChannelHandlerContext, error: Error) {
        if !done {
            let reason = (error as? ClientError)?.message ?? "\(error)"
            finish(context: context, ClientError("the connection failed after \(answered) answers: \(reason)"))
        }
    }

    public func channelInactive(context: ChannelHandlerContext) {
        if !done {
            done = true
            onEnd(ClientError("qinferd closed the connection after \(answered) answers"))
        }
        context.fireChannelInactive()
    }
}
