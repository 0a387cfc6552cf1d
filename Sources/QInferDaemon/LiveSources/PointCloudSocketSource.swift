import NIOCore
import NIOPosix
import QInferInputFormats
import QInferProtocol
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A pointcloud-socket source: listens on a Unix socket of its own; every connected client writes QPC1 frames
/// (``PointCloudFrameDecoder``), and frames from all clients share the source's one pending slot.
final class PointCloudSocketSource: FrameSource {
    let socket: SourceSocket
    let maxFrameBytes: Int
    let group: MultiThreadedEventLoopGroup
    let binder: LiveSources.SocketBinder
    private let listener = Mutex<Channel?>(nil)
    private let clients = Mutex<[ObjectIdentifier: Channel]>([:])

    init(socket: SourceSocket, maxFrameBytes: Int, group: MultiThreadedEventLoopGroup, binder: @escaping LiveSources.SocketBinder) {
        self.socket = socket
        self.maxFrameBytes = maxFrameBytes
        self.group = group
        self.binder = binder
    }

    func start(_ sink: FrameSink) throws(SourceFailure) {
        let fd: Int32
        do { fd = try binder(socket.path, socket.mode, socket.group) } catch {
            throw SourceFailure("cannot listen on \(socket.path): \(error)")
        }
        let limit = maxFrameBytes, path = socket.path
        do {
            let channel = try ServerBootstrap(group: group)
                .childChannelInitializer { [weak self] channel in
                    self?.clients.withLock { $0[ObjectIdentifier(channel)] = channel }
                    channel.closeFuture.whenComplete { _ in _ = self?.clients.withLock { $0.removeValue(forKey: ObjectIdentifier(channel)) } }
                    return channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(PointCloudFrameDecoder(maxFrameBytes: limit)))
                        try channel.pipeline.syncOperations.addHandler(PointCloudClientHandler(sink: sink, path: path))
                    }
                }
                .withBoundSocket(fd).wait()
            listener.withLock { $0 = channel }
        } catch {
            close(fd)
            unlink(socket.path)
            throw SourceFailure("cannot serve \(socket.path): \(error)")
        }
    }

    func stop() {
        let channel = listener.withLock { l -> Channel? in defer { l = nil }; return l }
        guard let channel else { return }
        try? channel.close().wait()
        for client in clients.withLock({ Array($0.values) }) { try? client.close().wait() }
        unlink(socket.path)
    }
}

/// Hands decoded frames to the sink; a framing error is reported once and closes only this client.
final class PointCloudClientHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = PointCloud

    let sink: FrameSink
    let path: String

    init(sink: FrameSink, path: String) { self.sink = sink; self.path = path }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        sink.deliver(.decoded(.pointCloud(unwrapInboundIn(data))))
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        sink.reject("a client of \(path) was disconnected: \(error)")
        context.close(promise: nil)
    }
}
