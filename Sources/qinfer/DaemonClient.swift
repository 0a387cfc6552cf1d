// A blocking HTTP/1.1 client for qinferd's Unix socket (swift-nio underneath), one connection per request.
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import QInferProtocol

struct DaemonClient {
    struct Response {
        let status: Int
        let headers: HTTPHeaders
        let body: [UInt8]

        var text: String { String(decoding: body, as: UTF8.self) }
        var isSuccess: Bool { (200..<300).contains(status) }
    }

    /// A request the daemon refused: its JSON error body, or whatever it sent instead.
    struct Failure: Error, CustomStringConvertible {
        let response: Response

        var description: String {
            if let e = try? JSONDecoder().decode(APIErrorBody.self, from: Data(response.body)) {
                return "qinferd: \(e.error.message) (\(e.error.status) \(e.error.code))"
            }
            let text = response.text.trimmingCharacters(in: .whitespacesAndNewlines)
            return "qinferd answered HTTP \(response.status)" + (text.isEmpty ? "" : ": \(text.prefix(500))")
        }
    }

    let socketPath: String

    /// `--socket`, else $QINFERD_SOCKET, else the system socket.
    init(socket: String?) {
        let env = ProcessInfo.processInfo.environment[APIPaths.socketEnvironment].flatMap { $0.isEmpty ? nil : $0 }
        socketPath = socket ?? env ?? APIPaths.defaultSocket
    }

    /// Sends one request and waits for the whole response (any status).
    func send(_ method: HTTPMethod, _ uri: String, headers: [(String, String)] = [], body: [UInt8]? = nil) throws -> Response {
        try checkSocket()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let promise = group.next().makePromise(of: Response.self)
        let bootstrap = ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(ResponseCollector(promise: promise))
                }
            }
        let channel: Channel
        do { channel = try bootstrap.connect(unixDomainSocketPath: socketPath).wait() } catch {
            promise.fail(error)
            throw connectFailure(error)
        }
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: uri)
        head.headers.add(name: "host", value: "localhost")
        head.headers.add(name: "user-agent", value: "qinfer")
        head.headers.add(name: "connection", value: "close")
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        if let body { head.headers.add(name: "content-length", value: "\(body.count)") }
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        if let body, !body.isEmpty {
            channel.write(HTTPClientRequestPart.body(.byteBuffer(channel.allocator.buffer(bytes: body))), promise: nil)
        }
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        defer { channel.close(promise: nil) }
        do { return try promise.futureResult.wait() } catch {
            throw CLIError("the connection to qinferd at \(socketPath) failed: \(error)")
        }
    }

    /// Sends a request; a non-2xx answer throws `Failure`.
    func call(_ method: HTTPMethod, _ uri: String, headers: [(String, String)] = [], body: [UInt8]? = nil) throws -> Response {
        let response = try send(method, uri, headers: headers, body: body)
        guard response.isSuccess else { throw Failure(response: response) }
        return response
    }

    /// Sends a request and decodes a 2xx JSON answer.
    func call<T: Decodable>(_ type: T.Type, _ method: HTTPMethod, _ uri: String, headers: [(String, String)] = [],
                            body: [UInt8]? = nil) throws -> (T, Response) {
        let response = try call(method, uri, headers: headers, body: body)
        do { return (try JSONDecoder().decode(T.self, from: Data(response.body)), response) } catch {
            throw CLIError("qinferd sent a \(T.self) this qinfer cannot read (\(error)): \(response.text.prefix(500))")
        }
    }

    private var startHint: String {
        "start qinferd (e.g. `qinferd --socket \(socketPath)`) or point --socket / \(APIPaths.socketEnvironment) at its socket"
    }

    /// A missing path gets a clearer message than ENOENT from connect.
    func checkSocket() throws {
        var st = stat()
        guard stat(socketPath, &st) == 0 else {
            let reason = errno == ENOENT ? "there is no socket at \(socketPath)" : "cannot reach \(socketPath): \(String(cString: strerror(errno)))"
            throw CLIError("\(reason); \(startHint)")
        }
        guard (st.st_mode & S_IFMT) == S_IFSOCK else { throw CLIError("\(socketPath) is not a socket; \(startHint)") }
    }

    func connectFailure(_ error: Error) -> CLIError {
        switch (error as? IOError)?.errnoCode {
        case ECONNREFUSED?:
            return CLIError("nothing listens on \(socketPath) (a socket left by a stopped qinferd?); \(startHint)")
        case EACCES?, EPERM?:
            return CLIError("permission denied on \(socketPath): qinferd's socket is for its group (see socket_group / --socket-group)")
        case ENOENT?:
            return CLIError("there is no socket at \(socketPath); \(startHint)")
        default:
            return CLIError("cannot connect to qinferd at \(socketPath): \(error)")
        }
    }
}

/// Collects one response and completes the promise at its end (or fails it when the connection ends first).
private final class ResponseCollector: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let promise: EventLoopPromise<DaemonClient.Response>
    private var head: HTTPResponseHead?
    private var body: [UInt8] = []
    private var done = false

    init(promise: EventLoopPromise<DaemonClient.Response>) { self.promise = promise }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            // An informational 1xx head is followed by the real one.
            if h.status.code >= 200 || h.status.code == 101 { head = h }
        case .body(let chunk):
            body += chunk.readableBytesView
        case .end:
            guard let head, !done else { return }
            done = true
            promise.succeed(DaemonClient.Response(status: Int(head.status.code), headers: head.headers, body: body))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !done {
            done = true
            promise.fail(CLIError("qinferd closed the connection before answering"))
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
