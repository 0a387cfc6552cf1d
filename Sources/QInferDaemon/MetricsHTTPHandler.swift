import Foundation
import NIOCore
import NIOHTTP1
import QInferProtocol

/// Bounds of the metrics-only listener, which may face a network (qinferd-metrics.socket listens on a TCP port).
public struct MetricsServerLimits: Sendable {
    /// Connections beyond this are answered 503 and closed; Prometheus keeps one per target.
    public var maxConnections = 16
    /// A connection is closed when no whole request arrived within this since it opened or got its last answer, so
    /// neither an idle keep-alive connection nor a request trickled in byte by byte holds it for long.
    public var idleTimeout: TimeAmount = .seconds(30)
    /// Request line plus headers (Prometheus sends about 300 bytes).
    public var maxHeadBytes = 8192
    /// A scrape has no body.
    public var maxBodyBytes = 1024

    public init() {}
}

/// One connection of the metrics-only socket: GET /metrics (and /v1/metrics, the API socket's path) answers the
/// exposition; every other request gets the API's JSON error. Deliberately no other route: no inference, no admin,
/// nothing that reads a request body.
final class MetricsHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    static let paths: Set<String> = ["/metrics", APIPaths.metrics]

    private let exposition: @Sendable () -> String
    private let limits: MetricsServerLimits
    private let overLimit: Bool
    private var head: HTTPRequestHead?
    private var bodyBytes = 0
    /// The current request was answered before its end arrived (refused); the connection closes after that answer.
    private var answered = false
    private var idleTimer: Scheduled<Void>?

    init(exposition: @escaping @Sendable () -> String, limits: MetricsServerLimits, overLimit: Bool) {
        self.exposition = exposition
        self.limits = limits
        self.overLimit = overLimit
    }

    func handlerAdded(context: ChannelHandlerContext) { armIdleTimer(context) }

    func handlerRemoved(context: ChannelHandlerContext) { idleTimer?.cancel() }

    private func armIdleTimer(_ context: ChannelHandlerContext) {
        idleTimer?.cancel()
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        idleTimer = context.eventLoop.scheduleTask(in: limits.idleTimeout) { bound.value.close(promise: nil) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h
            bodyBytes = 0
            answered = false
            let headBytes = h.uri.utf8.count + h.headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 4 }
            if overLimit {
                refuse(context, .overloaded,
                       "too many connections to the metrics socket (at most \(limits.maxConnections)); retry shortly")
            } else if headBytes > limits.maxHeadBytes {
                refuse(context, .payloadTooLarge,
                       "the request line and headers have \(headBytes) bytes; the metrics socket accepts \(limits.maxHeadBytes)")
            } else if let length = h.headers.first(name: "content-length").flatMap(Int.init), length > limits.maxBodyBytes {
                refuse(context, .payloadTooLarge, "the body has \(length) bytes; the metrics socket accepts \(limits.maxBodyBytes)")
            }
        case .body(let chunk):
            guard !answered else { return }
            bodyBytes += chunk.readableBytes
            if bodyBytes > limits.maxBodyBytes {
                refuse(context, .payloadTooLarge, "the body is larger than the \(limits.maxBodyBytes) bytes the metrics socket accepts")
            }
        case .end:
            guard !answered, let head else { return }
            answer(context, head)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if error is HTTPParserError, !answered {
            refuse(context, .malformedHTTP, "malformed HTTP request: \(error)")
        } else {
            context.close(promise: nil)
        }
    }

    private func answer(_ context: ChannelHandlerContext, _ head: HTTPRequestHead) {
        let path = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        guard Self.paths.contains(path) else {
            return error(context, .notFound, "the metrics socket serves only GET /metrics; \(path) is not here", close: !head.isKeepAlive)
        }
        guard head.method == .GET else {
            return error(context, .methodNotAllowed, "\(path) answers only GET, not \(head.method.rawValue)", close: !head.isKeepAlive,
                         extraHeaders: [("allow", "GET")])
        }
        respond(context, status: .ok, contentType: PrometheusText.contentType, body: Array(exposition().utf8), close: !head.isKeepAlive)
    }

    /// Answers now and closes: what is left of the request is not read.
    private func refuse(_ context: ChannelHandlerContext, _ code: ErrorCode, _ message: String) {
        answered = true
        error(context, code, message, close: true)
    }

    private func error(_ context: ChannelHandlerContext, _ code: ErrorCode, _ message: String, close: Bool,
                       extraHeaders: [(String, String)] = []) {
        let body = (try? JSONEncoder().encode(APIErrorBody(status: code.status, code: code, message: message))).map { [UInt8]($0) } ?? []
        respond(context, status: HTTPResponseStatus(statusCode: code.status), contentType: "application/json", body: body,
                close: close, extraHeaders: extraHeaders)
    }

    private func respond(_ context: ChannelHandlerContext, status: HTTPResponseStatus, contentType: String, body: [UInt8],
                         close: Bool, extraHeaders: [(String, String)] = []) {
        let written = context.writeWholeResponse(status: status, contentType: contentType, body: body, close: close,
                                                 extraHeaders: extraHeaders)
        if close {
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            written.whenComplete { _ in bound.value.close(promise: nil) }
        } else {
            armIdleTimer(context)
        }
    }
}
