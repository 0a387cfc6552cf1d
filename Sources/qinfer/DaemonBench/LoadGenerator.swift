// Closed-loop load against qinferd: C keep-alive connections, each sending its next request as soon as the previous
// answer has ended (so C is also the number of requests in flight). The connections are QInferClient's; this file
// only counts. The client is kept thin — one event loop thread per core at most, the request encoded once, each
// answer parsed only for its status and the daemon's telemetry — because on a small board it shares the cores with
// the daemon it measures.
import Foundation
import NIOCore
import NIOPosix
import QInferClient
import QInferProtocol

struct LoadGenerator {
    let client: DaemonClient

    /// Runs `perConnection` requests on each of `connections` connections at once; returns when all have ended.
    /// `readsTelemetry` decodes 2xx answers as InferResponse and records the daemon's own times. `interval` is the
    /// pause on each connection between an answer and its next request (zero: back to back).
    func run(_ request: DaemonRequest, readsTelemetry: Bool, connections: Int, perConnection: Int,
             interval: Duration = .zero) throws -> LoadResult {
        let threads = min(connections, max(1, ProcessInfo.processInfo.activeProcessorCount))
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        defer { try? group.syncShutdownGracefully() }
        let start = ContinuousClock.now
        var futures: [EventLoopFuture<LoadResult>] = []
        for _ in 0..<connections {
            let loop = group.next()
            let promise = loop.makePromise(of: LoadResult.self)
            client.openConnection(on: loop) {
                // Created on the connection's loop, which alone touches it.
                let recorder = LoadRecorder(readsTelemetry: readsTelemetry)
                return RepeatingRequestHandler(request: request, count: perConnection, interval: interval,
                                               onAnswer: { recorder.record($0, roundTrip: $1) },
                                               onEnd: { error in
                                                   if let error { promise.fail(error) } else { promise.succeed(recorder.result) }
                                               })
            }.whenFailure { promise.fail($0) }
            futures.append(promise.futureResult)
        }
        var total = LoadResult()
        var firstError: Error?
        for f in futures {
            do { total.add(try f.wait()) } catch { firstError = firstError ?? error }
        }
        total.seconds = (ContinuousClock.now - start).seconds
        if let firstError { throw CLIError("a benchmark connection to \(client.endpoint) failed: \(firstError)") }
        return total
    }
}

/// One connection's counts.
private final class LoadRecorder {
    private let readsTelemetry: Bool
    private let decoder = JSONDecoder()
    private(set) var result = LoadResult()

    init(readsTelemetry: Bool) { self.readsTelemetry = readsTelemetry }

    func record(_ answer: DaemonResponse, roundTrip: Duration) {
        result.requests += 1
        _ = result.roundTrip.record(UInt64(max(roundTrip.wholeMicroseconds, 0)))
        guard answer.isSuccess else {
            result.failures += 1
            if result.firstFailure == nil { result.firstFailure = "HTTP \(answer.status): \(answer.text.prefix(300))" }
            return
        }
        guard readsTelemetry, let decoded = try? decoder.decode(InferResponse.self, from: Data(answer.body)) else { return }
        result.record(decoded.telemetry, roundTrip: roundTrip)
    }
}
