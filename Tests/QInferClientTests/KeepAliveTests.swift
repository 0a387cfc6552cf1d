import Foundation
import NIOCore
import NIOPosix
import QInferClient
import QInferProtocol
import Synchronization
import Testing

@Suite("keep-alive connections for load")
struct KeepAliveTests {
    @Test("RepeatingRequestHandler sends the request count times on one connection, each answer with its round trip")
    func repeats() throws {
        let server = try TestServer()
        let client = DaemonClient(socket: server.socketPath)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let loop = group.next()
        let ended = loop.makePromise(of: Void.self)
        let answers = Mutex<[(Int, Duration)]>([])
        client.openConnection(on: loop) {
            RepeatingRequestHandler(request: DaemonRequest(.GET, "/echo"), count: 5,
                                    onAnswer: { response, roundTrip in
                                        let served = (try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])?["served"]
                                        answers.withLock { $0.append((served as? Int ?? -1, roundTrip)) }
                                    },
                                    onEnd: { error in if let error { ended.fail(error) } else { ended.succeed() } })
        }.whenFailure { ended.fail($0) }
        try ended.futureResult.wait()
        let got = answers.withLock { $0 }
        // 1…5 from one server connection: kept alive, not reconnected.
        #expect(got.map(\.0) == [1, 2, 3, 4, 5])
        #expect(got.allSatisfy { $0.1 > .zero })
    }

    @Test("RepeatingRequestHandler with an interval waits that long after each answer, on the same connection")
    func spaced() throws {
        let server = try TestServer()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let loop = group.next()
        let ended = loop.makePromise(of: Void.self)
        // When each answer arrived, and the round trip it came with.
        let answers = Mutex<[(Int, ContinuousClock.Instant, Duration)]>([])
        DaemonClient(socket: server.socketPath).openConnection(on: loop) {
            RepeatingRequestHandler(request: DaemonRequest(.GET, "/echo"), count: 4, interval: .milliseconds(20),
                                    onAnswer: { response, roundTrip in
                                        let served = (try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])?["served"]
                                        answers.withLock { $0.append((served as? Int ?? -1, .now, roundTrip)) }
                                    },
                                    onEnd: { error in if let error { ended.fail(error) } else { ended.succeed() } })
        }.whenFailure { ended.fail($0) }
        try ended.futureResult.wait()
        let got = answers.withLock { $0 }
        #expect(got.map(\.0) == [1, 2, 3, 4])
        // Answer i+1 arrived one pause plus its own round trip after answer i: the pause is not in the round trip.
        for (a, b) in zip(got, got.dropFirst()) {
            #expect(b.1 - a.1 - b.2 >= .milliseconds(20), "\(b.1 - a.1) between answers, round trip \(b.2)")
        }
    }

    @Test("a connection the daemon closes early ends the loop with an error that counts the answers")
    func closedEarly() throws {
        let server = try TestServer()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let loop = group.next()
        let ended = loop.makePromise(of: Void.self)
        DaemonClient(socket: server.socketPath).openConnection(on: loop) {
            RepeatingRequestHandler(request: DaemonRequest(.GET, "/hang-up"), count: 3, onAnswer: { _, _ in },
                                    onEnd: { error in if let error { ended.fail(error) } else { ended.succeed() } })
        }.whenFailure { ended.fail($0) }
        #expect { try ended.futureResult.wait() } throws: { error in
            (error as? ClientError)?.message == "qinferd closed the connection after 0 answers"
        }
    }
}
