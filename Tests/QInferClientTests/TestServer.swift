// A small HTTP/1.1 server on a Unix socket in the test process, answering by path the way qinferd answers
// (JSON bodies, the API's error body, a chunked newline-delimited stream), so the client is tested on real sockets
// without a daemon build.
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import QInferProtocol

final class TestServer: @unchecked Sendable {
    let directory: String
    let socketPath: String
    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private var channel: Channel?

    init() throws {
        directory = "/tmp/qct-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        socketPath = directory + "/s.sock"
        channel = try ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(TestRoutes())
                }
            }
            .bind(unixDomainSocketPath: socketPath).wait()
    }

    deinit {
        try? channel?.close().wait()
        try? group.syncShutdownGracefully()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// What each path answers.
private final class TestRoutes: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    /// Requests served on this connection, so a test can tell a kept-alive connection from new ones.
    private var served = 0

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h): head = h; body = []
        case .body(let chunk): body += chunk.readableBytesView
        case .end:
            guard let head else { return }
            served += 1
            answer(context, head)
        }
    }

    private func answer(_ context: ChannelHandlerContext, _ head: HTTPRequestHead) {
        let path = String(head.uri.split(separator: "?", maxSplits: 1).first ?? "")
        switch path {
        case "/health":
            let health = Health(live: true, ready: true, models: 2, uptimeSeconds: 1, version: "test")
            send(context, .ok, [UInt8](try! JSONEncoder().encode(health)), head)
        case "/refuse":
            let error = APIErrorBody(status: 404, code: .modelNotFound, message: "no model named 'x'")
            send(context, .notFound, [UInt8](try! JSONEncoder().encode(error)), head)
        case "/plain-error":
            send(context, .internalServerError, Array("boom".utf8), head)
        case "/echo":
            var headers: [String: String] = [:]
            for (name, value) in head.headers { headers[name.lowercased()] = value }
            let echo: [String: Any] = ["method": head.method.rawValue, "uri": head.uri, "headers": headers, "body_bytes": body.count,
                                       "served": served]
            send(context, .ok, [UInt8](try! JSONSerialization.data(withJSONObject: echo)), head)
        case "/hang-up":
            context.close(promise: nil)
        case "/stream":
            // Lines split across chunks, an empty line between, then the end of the stream.
            stream(context, ["{\"n\":", "1}\n{\"n\":2}\n\n", "{\"n\":3}\n"], end: true)
        case "/endless":
            stream(context, (1...50).map { "line \($0)\n" }, end: false)
        case "/stream-refused":
            let error = APIErrorBody(status: 503, code: .notReady, message: "not ready yet")
            send(context, .serviceUnavailable, [UInt8](try! JSONEncoder().encode(error)), head)
        default:
            send(context, .notFound, Array("no route \(path)".utf8), head)
        }
    }

    private func send(_ context: ChannelHandlerContext, _ status: HTTPResponseStatus, _ body: [UInt8], _ request: HTTPRequestHead) {
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "application/json")
        headers.add(name: "content-length", value: "\(body.count)")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        let keepAlive = request.isKeepAlive, channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in if !keepAlive { channel.close(promise: nil) } }
    }

    private func stream(_ context: ChannelHandlerContext, _ parts: [String], end: Bool) {
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "application/x-ndjson")
        context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
        for part in parts {
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: part)))), promise: nil)
        }
        let channel = context.channel
        if end { context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) } }
    }
}
