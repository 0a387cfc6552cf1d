import NIOCore

/// First in an ssh connection's pipeline: turns the end of the ssh child into the end of the connection. The pipe
/// channel runs with remote half-closure allowed, so ssh's stdout reaching its end does not close the channel at once;
/// once ssh has also exited (and only then, so no byte still in the pipe is lost), a failed ssh becomes a ClientError
/// saying what to check, and the channel closes. qinferd's own answers are untouched.
final class SshSessionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    private let process: SshProcess
    private let destination: SshDestination
    private var received = false
    private var inputEnded = false
    private var exit: SshExit?
    private var settled = false
    /// Something (a ControlPersist master, a ProxyCommand) may keep ssh's stdout open after ssh itself exited.
    static let outputGrace = TimeAmount.seconds(2)

    init(process: SshProcess, destination: SshDestination) {
        self.process = process
        self.destination = destination
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        process.exit.hop(to: context.eventLoop).whenSuccess { status in
            let (handler, context) = bound.value
            handler.exit = status
            if handler.inputEnded { return handler.settle(context) }
            context.eventLoop.scheduleTask(in: Self.outputGrace) {
                let (handler, context) = bound.value
                handler.settle(context)
            }
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        received = true
        context.fireChannelRead(data)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let event = event as? ChannelEvent, event == .inputClosed else { return context.fireUserInboundEventTriggered(event) }
        inputEnded = true
        if exit != nil { settle(context) }
    }

    /// ssh is gone and its output read: report a failure, then close.
    private func settle(_ context: ChannelHandlerContext) {
        guard !settled, context.channel.isActive, let exit else { return }
        settled = true
        if !exit.succeeded { context.fireErrorCaught(SshFailure.describe(exit, destination: destination, answered: received)) }
        context.close(promise: nil)
    }
}
