import Foundation
import QInferClient
import QInferProtocol
import Synchronization
import Testing

@Suite("newline-delimited streams")
struct StreamTests {
    @Test("lines are handed over whole across chunk boundaries, empty lines skipped, until the stream ends")
    func lines() throws {
        let server = try TestServer()
        let seen = Mutex<[String]>([])
        try DaemonClient(socket: server.socketPath).follow(DaemonRequest(.GET, "/stream")) { line in
            seen.withLock { $0.append(line) }
            return true
        }
        #expect(seen.withLock { $0 } == ["{\"n\":1}", "{\"n\":2}", "{\"n\":3}"])
    }

    @Test("the consumer stops an endless stream by returning false")
    func stop() throws {
        let server = try TestServer()
        let seen = Mutex(0)
        try DaemonClient(socket: server.socketPath).follow(DaemonRequest(.GET, "/endless")) { _ in
            seen.withLock { n in n += 1; return n < 3 }
        }
        #expect(seen.withLock { $0 } == 3)
    }

    @Test("a stream refused with a non-2xx answer throws its message, and no line is handed over")
    func refused() throws {
        let server = try TestServer()
        let seen = Mutex(0)
        do {
            try DaemonClient(socket: server.socketPath).follow(DaemonRequest(.GET, "/stream-refused")) { _ in
                seen.withLock { $0 += 1 }
                return true
            }
            Issue.record("a 503 stream did not throw")
        } catch let e as DaemonErrorResponse {
            #expect(e.description == "qinferd: not ready yet (503 not_ready)")
        }
        #expect(seen.withLock { $0 } == 0)
    }
}
