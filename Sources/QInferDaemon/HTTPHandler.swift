import Foundation
import NIOCore
import NIOHTTP1
import QInferProtocol

/// One connection: collects a request (bounded body), routes it, writes JSON responses. Every failure — malformed
/// HTTP included — is answered with the API's JSON error body; nothing a client sends stops the daemon.
final class HTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let daemon: Daemon
    let peer: PeerCredentials?
    let overLimit: Bool
    private var head: HTTPRequestHead?
    private var body: ByteBuffer?
    private var discarding = false
    private var streaming = false
    /// A request of this connection is counted in `daemon.inFlightRequests` until its response is written.
    private var pending = false
    /// While qinferd waits for the client — idle between requests, or mid-request — one timer runs: the idle
    /// timeout closes the connection, the request timeout answers 408. None runs while qinferd works on a request.
    private var clientTimer: Scheduled<Void>?
    /// The current request is the Open Inference Protocol's (/v2): its errors take that spec's `{"error": "…"}` form.
    private var openInferenceErrors = false
    /// How long this connection's last deferred reply took; the loop waits for the next one only while that fits.
    private var lastDeferred = Duration.zero
    /// The longest the loop waits for a deferred reply: a small model's queue, preprocessing and compute fit.
    static let replyWait = Duration.microseconds(250)

    /// No request head has arrived on this connection yet (counted in `daemon.connectionsAwaitingRequest`).
    private var awaitingFirstRequest = true
    /// The client shut its sending side down (`printf request | qinfer dial-stdio`, `curl` with a body from a pipe):
    /// it still reads, so the request in flight is answered and then the connection closed.
    private var inputClosed = false

    func handlerAdded(context: ChannelHandlerContext) {
        daemon.requestConnectionOpened()
        daemon.connectionAccepted()
        armIdleTimer(context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        clientTimer?.cancel()
        if !streaming { daemon.requestConnectionClosed() }
        firstRequestArrived()
    }

    private func firstRequestArrived() {
        guard awaitingFirstRequest else { return }
        awaitingFirstRequest = false
        daemon.connectionSentFirstRequest()
    }

    private func armIdleTimer(_ context: ChannelHandlerContext) {
        arm(context, millis: daemon.config.idleTimeoutMillis) { handler, context in
            context.close(promise: nil)
        }
    }

    private func arm(_ context: ChannelHandlerContext, millis: Int, _ fire: @escaping (HTTPHandler, ChannelHandlerContext) -> Void) {
        clientTimer?.cancel()
        let bound = NIOLoopBound((self, context, fire), eventLoop: context.eventLoop)
        clientTimer = context.eventLoop.scheduleTask(in: .milliseconds(Int64(millis))) {
            let (handler, context, fire) = bound.value
            handler.clientTimer = nil
            guard !handler.streaming else { return }
            fire(handler, context)
        }
    }

    init(daemon: Daemon, peer: PeerCredentials?, overLimit: Bool) {
        self.daemon = daemon
        self.peer = peer
        self.overLimit = overLimit
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h
            openInferenceErrors = OIPPaths.covers(h.uri)
            let timeout = daemon.config.requestTimeoutMillis
            arm(context, millis: timeout) { handler, context in
                handler.discarding = true
                handler.fail(context, APIFailure(.requestTimeout, "the request did not arrive whole within \(timeout) ms"), close: true)
            }
            body = context.channel.allocator.buffer(capacity: 0)
            discarding = false
            if !pending {
                pending = true
                daemon.requestStarted()
            }
            firstRequestArrived() // after requestStarted: the drain never sees the request in neither count
            let limit = daemon.config.maxBodyBytes
            if let length = h.headers.first(name: "content-length").flatMap(Int.init), length > limit {
                discarding = true
                fail(context, APIFailure(.payloadTooLarge, "the body has \(length) bytes; the limit is \(limit)"), close: true)
            } else if h.headers[canonicalForm: "expect"].contains(where: { $0.lowercased() == "100-continue" }) {
                // curl sends this for bodies over 1 MB and waits a second for it before sending the body.
                context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: h.version, status: .continue))), promise: nil)
            }
        case .body(var chunk):
            guard !discarding else { return }
            let limit = daemon.config.maxBodyBytes
            if (body?.readableBytes ?? 0) + chunk.readableBytes > limit {
                discarding = true
                fail(context, APIFailure(.payloadTooLarge, "the body is larger than the \(limit)-byte limit"), close: true)
                return
            }
            body?.writeBuffer(&chunk)
        case .end:
            clientTimer?.cancel()
            clientTimer = nil
            guard !discarding, let head else { return }
            let bytes = body.map { Array($0.readableBytesView) } ?? []
            self.head = nil
            body = nil
            if overLimit {
                daemon.stats.recordRejected()
                fail(context, APIFailure(.overloaded, "too many connections (limit \(daemon.config.maxConnections))"), close: true)
                return
            }
            route(context, head, bytes)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard case ChannelEvent.inputClosed = event else { return context.fireUserInboundEventTriggered(event) }
        inputClosed = true
        // Nothing left to answer (idle, or an event stream, whose client has gone), or half a request that can no
        // longer be finished (an upload cut off: never installed, since only a whole body reaches the router).
        if !pending || head != nil { context.close(promise: nil) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        finished()
        context.fireChannelInactive()
    }

    private func finished() {
        if pending {
            pending = false
            daemon.requestFinished()
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if error is HTTPParserError {
            openInferenceErrors = false
            fail(context, APIFailure(.malformedHTTP, "malformed HTTP request: \(error)"), close: true)
        } else {
            context.close(promise: nil)
        }
    }

    // MARK: routing

    private func route(_ context: ChannelHandlerContext, _ head: HTTPRequestHead, _ body: [UInt8]) {
        let (path, query) = Self.split(head.uri)
        let route: Route, parameters: [String: String]
        do {
            switch try daemon.router.match(head.method, path) {
            case .found(let r, let p): (route, parameters) = (r, p)
            case .methodNotAllowed(let allowed):
                return fail(context, APIFailure(.methodNotAllowed, "\(head.method) is not allowed on \(path) (allowed: "
                                                + allowed.map(\.rawValue).joined(separator: ", ") + ")"))
            case .notFound:
                return fail(context, APIFailure(.notFound, "no route \(path)" + (path.hasPrefix("/v1/") || path.hasPrefix("/v2/") ? "" : "; the API lives under /v1 and /v2")))
            }
        } catch {
            return fail(context, error)
        }
        if route.access == .admin && !(peer?.isAdmin(adminGroup: daemon.config.adminGroup) ?? false) {
            return fail(context, APIFailure(.forbidden, "\(head.method) \(path) needs an admin peer (root, the daemon's user, or group "
                                            + "\(daemon.config.adminGroup ?? "none")); you are uid \(peer?.uid ?? 0)"))
        }
        let request = APIRequest(parameters: parameters, query: query, headers: head.headers, body: body, peer: peer)
        let reply: APIReply
        do { reply = try route.handle(daemon, request) } catch { reply = .failure(error) }
        deliver(context, reply)
    }

    /// Writes a reply: now, or when a deferred one completes (back on this connection's event loop).
    private func deliver(_ context: ChannelHandlerContext, _ reply: APIReply) {
        switch reply {
        case .json(let status, let value): respond(context, status: status, json: value)
        case .bytes(let status, let contentType, let bytes): respond(context, status: status, contentType: contentType, bytes: bytes)
        case .failure(let failure): fail(context, failure)
        case .eventStream: startEvents(context)
        case .later(let start):
            let loop = context.eventLoop
            let boxed = NIOLoopBound((self, context), eventLoop: loop)
            let handoff = ReplyHandoff(), started = ContinuousClock.now
            start { reply in
                guard !handoff.offer(reply) else { return }
                loop.execute {
                    let (handler, context) = boxed.value
                    handler.lastDeferred = ContinuousClock.now - started
                    handler.deliver(context, reply)
                }
            }
            // The only client, nothing else in flight, and its last deferred reply came in time: wait for this one
            // here (ReplyHandoff says why). With more clients the loop must stay free to read their requests.
            let wait = daemon.openRequestConnections == 1 && daemon.inFlightRequests <= 1 && lastDeferred <= Self.replyWait
            if let reply = handoff.take(by: wait ? started + Self.replyWait : started) {
                lastDeferred = ContinuousClock.now - started
                deliver(context, reply)
            }
        }
    }

    private func startEvents(_ context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "application/x-ndjson")
        headers.add(name: "cache-control", value: "no-store")
        // Subscribed before the head is written: a line published meanwhile is queued behind the head on this loop.
        daemon.events.add(context.channel)
        context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
        if !streaming { daemon.requestConnectionClosed() } // a stream sends no requests
        streaming = true
        finished() // a stream is not a request to wait for when draining
    }

    // MARK: responses

    /// Foundation's percent-decoding, skipped when there is no '%' (it returns the text unchanged then), since on
    /// Linux it goes through CFString and costs several µs per query item.
    static func percentDecoded(_ text: String) -> String {
        text.utf8.contains(UInt8(ascii: "%")) ? text.removingPercentEncoding ?? text : text
    }

    static func split(_ uri: String) -> (String, [String: String]) {
        guard let q = uri.firstIndex(of: "?") else { return (uri, [:]) }
        var query: [String: String] = [:]
        for pair in uri[uri.index(after: q)...].split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1).map { Self.percentDecoded(String($0)) }
            query[kv[0]] = kv.count > 1 ? kv[1] : ""
        }
        return (String(uri[..<q]), query)
    }

    func respond(_ context: ChannelHandlerContext, status: HTTPResponseStatus = .ok, json: any Encodable, close: Bool = false) {
        // An inference answer, the body written once per inference, has its own writer (JSONEncoder's bytes, faster).
        let bytes = (json as? InferResponse)?.jsonBytes() ?? (try? JSONCoder.encode(json)).map { [UInt8]($0) } ?? Array("{}".utf8)
        respond(context, status: status, contentType: "application/json", bytes: bytes, close: close)
    }

    func fail(_ context: ChannelHandlerContext, _ failure: APIFailure, close: Bool = false) {
        var extra: [(String, String)] = []
        if failure.code == .overloaded { extra.append(("retry-after", "1")) }
        let body: any Encodable = openInferenceErrors ? OIPErrorBody(error: failure.message)
            : APIErrorBody(status: failure.code.status, code: failure.code, message: failure.message)
        let bytes = (try? JSONCoder.encode(body)).map { [UInt8]($0) } ?? []
        respond(context, status: HTTPResponseStatus(statusCode: failure.code.status), contentType: "application/json", bytes: bytes,
                close: close, extraHeaders: extra)
    }

    func respond(_ context: ChannelHandlerContext, status: HTTPResponseStatus, contentType: String, bytes: [UInt8], close: Bool = false,
                 extraHeaders: [(String, String)] = []) {
        guard context.channel.isActive, !streaming else { return finished() }
        let close = close || daemon.isStopping || inputClosed
        let done = context.writeWholeResponse(status: status, contentType: contentType, body: bytes, close: close,
                                              extraHeaders: extraHeaders)
        let counted = pending
        pending = false
        let channel = context.channel, daemon = daemon
        if !close && head == nil { armIdleTimer(context) }
        done.whenComplete { _ in
            if counted { daemon.requestFinished() }
            if close { channel.close(promise: nil) }
        }
    }
}
