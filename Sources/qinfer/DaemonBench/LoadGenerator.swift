// Closed-loop load against qinferd's socket: C keep-alive connections, each sending its next request as soon as the
// previous answer has ended (so C is also the number of requests in flight). The client side is kept thin — one
// event loop thread per core at most, the request pre-encoded once, each answer parsed only for its status and the
// daemon's compute time — because on a small board the client shares the cores with the daemon it measures.
import Foundation
import Histogram
import NIOCore
import NIOHTTP1
import NIOPosix
import QInferProtocol

/// One request, encoded once and re-sent as is.
struct LoadRequest: Sendable {
    let method: HTTPMethod
    let uri: String
    let headers: [(String, String)]
    let body: [UInt8]
    /// Decode the body as an InferResponse and record its compute time.
    let readsTelemetry: Bool
}

struct LoadResult {
    var requests = 0
    var failures = 0
    /// The first failure's status and body, for the error message.
    var firstFailure: String?
    var seconds = 0.0
    /// Client-side round trip, µs.
    var roundTrip = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
    /// The daemon's own telemetry per answer (infer requests only), µs.
    var compute = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
    var serverTotal = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)

    var requestsPerSecond: Double { seconds > 0 ? Double(requests) / seconds : 0 }

    mutating func add(_ other: LoadResult) {
        requests += other.requests
        failures += other.failures
        firstFailure = firstFailure ?? other.firstFailure
        roundTrip.add(other.roundTrip)
        compute.add(other.compute)
        serverTotal.add(other.serverTotal)
    }
}

struct LoadGenerator {
    let socketPath: String

    /// Runs `perConnection` requests on each of `connections` connections at once; returns when all have ended.
    func run(_ request: LoadRequest, connections: Int, perConnection: Int) throws -> LoadResult {
        let threads = min(connections, max(1, ProcessInfo.processInfo.activeProcessorCount))
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        defer { try? group.syncShutdownGracefully() }
        let start = ContinuousClock.now
        var futures: [EventLoopFuture<LoadResult>] = []
        for _ in 0..<connections {
            let loop = group.next()
            let promise = loop.makePromise(of: LoadResult.self)
            let bootstrap = ClientBootstrap(group: loop).channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(
                        LoadConnection(request: request, count: perConnection, promise: promise))
                }
            }
            bootstrap.connect(unixDomainSocketPath: socketPath).whenFailure { promise.fail($0) }
            futures.append(promise.futureResult)
        }
        var total = LoadResult()
        var firstError: Error?
        for f in futures {
            do { total.add(try f.wait()) } catch { firstError = firstError ?? error }
        }
        total.seconds = (ContinuousClock.now - start).seconds
        if let firstError { throw CLIError("a benchmark connection to \(socketPath) failed: \(firstError)") }
        return total
    }
}

/// Sends `count` requests one after another on its connection, then closes it and completes the promise.
private final class LoadConnection: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let request: LoadRequest
    private var remaining: Int
    private let promise: EventLoopPromise<LoadResult>
    private var result = LoadResult()
    private var sentAt = ContinuousClock.now
    private var status = 0
    private var body: ByteBuffer?
    private var done = false
    private var head: HTTPRequestHead
    private var bodyBuffer: ByteBuffer?
    private let decoder = JSONDecoder()

    init(request: LoadRequest, count: Int, promise: EventLoopPromise<LoadResult>) {
        self.request = request
        remaining = count
        self.promise = promise
        head = HTTPRequestHead(version: .http1_1, method: request.method, uri: request.uri)
        head.headers.add(name: "host", value: "localhost")
        for (name, value) in request.headers { head.headers.add(name: name, value: value) }
        head.headers.add(name: "content-length", value: "\(request.body.count)")
    }

    func channelActive(context: ChannelHandlerContext) {
        bodyBuffer = request.body.isEmpty ? nil : context.channel.allocator.buffer(bytes: request.body)
        send(context: context)
    }

    private func send(context: ChannelHandlerContext) {
        sentAt = .now
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if let bodyBuffer { context.write(wrapOutboundOut(.body(.byteBuffer(bodyBuffer))), promise: nil) }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            status = Int(h.status.code)
            body = nil
        case .body(var part):
            if body == nil { body = part } else { body!.writeBuffer(&part) }
        case .end:
            record()
            remaining -= 1
            if remaining > 0 { send(context: context) } else { finish(context: context) }
        }
    }

    private func record() {
        let micros = (ContinuousClock.now - sentAt).seconds * 1e6
        result.requests += 1
        _ = result.roundTrip.record(UInt64(max(micros, 0).rounded()))
        let bytes = body.map { Array($0.readableBytesView) } ?? []
        guard (200..<300).contains(status) else {
            result.failures += 1
            if result.firstFailure == nil { result.firstFailure = "HTTP \(status): \(String(decoding: bytes.prefix(300), as: UTF8.self))" }
            return
        }
        if request.readsTelemetry, let answer = try? decoder.decode(InferResponse.self, from: Data(bytes)) {
            _ = result.compute.record(UInt64(max(answer.telemetry.computeMicros, 0)))
            _ = result.serverTotal.record(UInt64(max(answer.telemetry.totalMicros, 0)))
        }
    }

    private func finish(context: ChannelHandlerContext) {
        done = true
        promise.succeed(result)
        context.close(promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if !done { done = true; promise.fail(error) }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !done {
            done = true
            promise.fail(CLIError("qinferd closed the connection after \(result.requests) answers"))
        }
    }
}
