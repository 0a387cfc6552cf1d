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

    func handlerAdded(context: ChannelHandlerContext) { armIdleTimer(context) }

    func handlerRemoved(context: ChannelHandlerContext) { clientTimer?.cancel() }

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
            fail(context, APIFailure(.malformedHTTP, "malformed HTTP request: \(error)"), close: true)
        } else {
            context.close(promise: nil)
        }
    }

    // MARK: routing

    private func route(_ context: ChannelHandlerContext, _ head: HTTPRequestHead, _ body: [UInt8]) {
        let (path, query) = Self.split(head.uri)
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard parts.first == "v1" else { return fail(context, APIFailure(.notFound, "no route \(path); the API lives under /v1")) }
        let rest = Array(parts.dropFirst())
        let method = head.method
        func admin() -> Bool {
            guard peer?.isAdmin(adminGroup: daemon.config.adminGroup) ?? false else {
                fail(context, APIFailure(.forbidden, "\(method) \(path) needs an admin peer (root, the daemon's user, or group \(daemon.config.adminGroup ?? "none")); you are uid \(peer?.uid ?? 0)"))
                return false
            }
            return true
        }
        switch (method, rest.count, rest.first) {
        case (.GET, 1, "health"):
            let h = daemon.health()
            respond(context, status: h.ready ? .ok : .serviceUnavailable, json: h)
        case (.GET, 1, "models"):
            respond(context, json: ModelList(models: daemon.store.list()))
        case (.GET, 1, "stats"):
            respond(context, json: daemon.stats.snapshot(board: daemon.board?.status()))
        case (.GET, 1, "metrics"):
            respond(context, status: .ok, contentType: "text/plain; version=0.0.4", bytes: Array(daemon.stats.prometheus(board: daemon.board?.status()).utf8))
        case (.GET, 1, "events"):
            startEvents(context)
        case (.POST, 1, "reload"):
            guard admin() else { return }
            offload(context) { [daemon] in
                try daemon.reloadFromDisk()
                return daemon.health()
            }
        case (_, 2, "models") where method == .GET || method == .PUT || method == .DELETE:
            let name = rest[1]
            guard APIPaths.isValidName(name) else { return fail(context, APIFailure(.badRequest, "'\(name)' is not a valid model name")) }
            switch method {
            case .GET:
                do { respond(context, json: try daemon.store.info(name)) } catch { fail(context, error, close: false) }
            case .PUT:
                guard admin() else { return }
                let version = query["version"], activate = query["activate"].map { $0 == "1" || $0 == "true" }
                offload(context, status: .created) { [daemon] in
                    try daemon.store.install(name: name, version: version, bytes: body, activate: activate)
                }
            default:
                guard admin() else { return }
                offload(context) { [daemon] in
                    try daemon.store.remove(name: name, version: nil)
                    return ["deleted": name]
                }
            }
        case (.POST, 3, "models") where rest[2] == "infer":
            let topK = query["top_k"].flatMap(Int.init)
            let outputs = query["outputs"].map { $0 == "1" || $0 == "true" } ?? false
            let loop = context.eventLoop
            let boxed = NIOLoopBound((self, context), eventLoop: loop)
            daemon.infer(model: rest[1], body: body, contentType: head.headers.first(name: "content-type"),
                         formatHeader: head.headers.first(name: APIHeaders.inputFormat),
                         shapeHeader: head.headers.first(name: APIHeaders.tensorShape), topK: topK, includeOutputs: outputs) { result in
                loop.execute {
                    let (handler, context) = boxed.value
                    switch result {
                    case .success(let r): handler.respond(context, json: r)
                    case .failure(let f): handler.fail(context, f)
                    }
                }
            }
        case (.POST, 3, "models") where rest[2] == "activate":
            guard admin() else { return }
            let name = rest[1]
            let request: ActivateRequest
            do { request = try JSONDecoder().decode(ActivateRequest.self, from: Data(body)) } catch {
                return fail(context, APIFailure(.badRequest, "the body must be {\"version\": \"…\"}"))
            }
            offload(context) { [daemon] in
                try daemon.store.activate(name: name, version: request.version)
                return try daemon.store.info(name)
            }
        case (.POST, 3, "models") where rest[2] == "rollback":
            guard admin() else { return }
            let name = rest[1]
            offload(context) { [daemon] in
                try daemon.store.rollback(name: name)
                return try daemon.store.info(name)
            }
        case (.DELETE, 4, "models") where rest[2] == "versions":
            guard admin() else { return }
            let (name, version) = (rest[1], rest[3])
            offload(context) { [daemon] in
                try daemon.store.remove(name: name, version: version)
                return try daemon.store.info(name)
            }
        default:
            let known = Self.isRoute(rest)
            fail(context, APIFailure(known ? .methodNotAllowed : .notFound, known ? "\(method) is not allowed on \(path)" : "no route \(path)"))
        }
    }

    /// Whether some method serves this path (under /v1): 405 for the others, 404 for paths nothing serves.
    static func isRoute(_ rest: [String]) -> Bool {
        switch (rest.count, rest.first) {
        case (1, let first?): ["health", "models", "stats", "metrics", "events", "reload"].contains(first)
        case (2, "models"): true
        case (3, "models"): ["infer", "activate", "rollback"].contains(rest[2])
        case (4, "models"): rest[2] == "versions"
        default: false
        }
    }

    /// Runs blocking store work (file writes, fsync, validation) off the event loop, then answers.
    private func offload<T: Encodable & Sendable>(_ context: ChannelHandlerContext, status: HTTPResponseStatus = .ok,
                                                  _ work: @escaping @Sendable () throws -> T) {
        let loop = context.eventLoop
        let boxed = NIOLoopBound((self, context), eventLoop: loop)
        Self.adminQueue.async {
            let result: Result<T, APIFailure>
            do { result = .success(try work()) } catch let f as APIFailure { result = .failure(f) } catch {
                result = .failure(APIFailure(.internalError, "\(error)"))
            }
            loop.execute {
                let (handler, context) = boxed.value
                switch result {
                case .success(let v): handler.respond(context, status: status, json: v)
                case .failure(let f): handler.fail(context, f)
                }
            }
        }
    }

    private static let adminQueue = DispatchQueue(label: "qinferd.admin")

    private func startEvents(_ context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "application/x-ndjson")
        headers.add(name: "cache-control", value: "no-store")
        // Subscribed before the head is written: a line published meanwhile is queued behind the head on this loop.
        daemon.events.add(context.channel)
        context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
        streaming = true
        finished() // a stream is not a request to wait for when draining
    }

    // MARK: responses

    static func split(_ uri: String) -> (String, [String: String]) {
        guard let q = uri.firstIndex(of: "?") else { return (uri, [:]) }
        var query: [String: String] = [:]
        for pair in uri[uri.index(after: q)...].split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
            query[kv[0]] = kv.count > 1 ? kv[1] : ""
        }
        return (String(uri[..<q]), query)
    }

    func respond<T: Encodable>(_ context: ChannelHandlerContext, status: HTTPResponseStatus = .ok, json: T, close: Bool = false) {
        let bytes = (try? JSONCoder.encode(json)).map { [UInt8]($0) } ?? Array("{}".utf8)
        respond(context, status: status, contentType: "application/json", bytes: bytes, close: close)
    }

    func fail(_ context: ChannelHandlerContext, _ failure: APIFailure, close: Bool = false) {
        var extra: [(String, String)] = []
        if failure.code == .overloaded { extra.append(("retry-after", "1")) }
        let body = APIErrorBody(status: failure.code.status, code: failure.code, message: failure.message)
        let bytes = (try? JSONCoder.encode(body)).map { [UInt8]($0) } ?? []
        respond(context, status: HTTPResponseStatus(statusCode: failure.code.status), contentType: "application/json", bytes: bytes,
                close: close, extraHeaders: extra)
    }

    func respond(_ context: ChannelHandlerContext, status: HTTPResponseStatus, contentType: String, bytes: [UInt8], close: Bool = false,
                 extraHeaders: [(String, String)] = []) {
        guard context.channel.isActive, !streaming else { return finished() }
        let close = close || daemon.isStopping
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: contentType)
        headers.add(name: "content-length", value: "\(bytes.count)")
        for (k, v) in extraHeaders { headers.add(name: k, value: v) }
        if close { headers.add(name: "connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        var buffer = context.channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
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
