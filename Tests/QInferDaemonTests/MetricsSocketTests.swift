import Foundation
import Glibc
import Logging
import NIOCore
import QInferDaemon
import QInferTestSupport
import Testing

/// The metrics-only listener on a TCP loopback socket, as qinferd-metrics.socket passes it.
@Suite("metrics-only socket")
struct MetricsSocketTests {
    /// A daemon without models or board and a metrics server for it on 127.0.0.1:<port>.
    final class Fixture {
        let directory: TemporaryDir
        let daemon: Daemon
        let server: HTTPServer
        let port: UInt16

        init(limits: MetricsServerLimits = MetricsServerLimits()) throws {
            directory = try TemporaryDir()
            var settings = DaemonConfig()
            settings.stateDirectory = directory.path + "/state"
            settings.embeddedModelDirectories = []
            settings.workers = 1
            daemon = try Daemon(config: settings, logger: Logger(label: "test"))
            let (fd, port) = try loopbackListener()
            self.port = port
            server = try HTTPServer(metricsOf: daemon, listeningSocket: fd, limits: limits)
        }

        deinit {
            try? server.close()
            daemon.drain(timeout: .seconds(5))
        }

        func connect() throws -> TestConnection { try TestConnection(port: port) }
    }

    @Test("GET /metrics and /v1/metrics answer the exposition, also twice on one keep-alive connection")
    func scrape() throws {
        let f = try Fixture()
        f.daemon.stats.recordRejected()
        let c = try f.connect()
        for path in ["/metrics", "/v1/metrics?x=1"] {
            let r = try c.request("GET", path, keepAlive: true)
            #expect(r.status == 200 && r.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8", "\(r.headers)")
            #expect(r.headers["connection"] == nil, "kept alive: \(r.headers)")
            #expect(r.text.contains("\nqinferd_rejected_total 1\n") && r.text.hasPrefix("# HELP qinferd_build_info "), "\(r.text)")
        }
        let last = try c.request("GET", "/metrics")
        #expect(last.status == 200 && last.headers["connection"] == "close")
        #expect(c.closedByPeer(within: 5))
    }

    @Test("anything but GET /metrics: 405 with Allow for other methods, 404 for other paths, JSON errors; no API route")
    func refusals() throws {
        let f = try Fixture()
        for method in ["POST", "PUT", "DELETE", "HEAD"] {
            let r = try f.connect().request(method, "/metrics", body: method == "POST" ? Array("x".utf8) : [])
            #expect(r.status == 405 && r.headers["allow"] == "GET", "\(method): \(r.status) \(r.text)")
            #expect(method == "HEAD" || r.errorCode == "method_not_allowed", "\(method): \(r.text)")
        }
        for path in ["/", "/metricsx", "/v1/health", "/v1/models", "/v1/stats", "/v1/models/m/infer", "/v1/reload"] {
            let r = try f.connect().request("GET", path)
            #expect(r.status == 404 && r.errorCode == "not_found" && r.headers["content-type"] == "application/json", "\(path): \(r.text)")
        }
        let infer = try f.connect().request("POST", "/v1/models/m/infer", body: Array("{}".utf8))
        #expect(infer.status == 404 && infer.errorCode == "not_found", "\(infer.text)")
    }

    @Test("bounded requests: an oversized head or body is refused with 413 and the connection closed; malformed HTTP gets 400")
    func bounds() throws {
        var limits = MetricsServerLimits()
        limits.maxHeadBytes = 512
        limits.maxBodyBytes = 16
        let f = try Fixture(limits: limits)
        let c1 = try f.connect()
        let head = try c1.request("GET", "/metrics", headers: ["X-Filler": String(repeating: "a", count: 600)], keepAlive: true)
        #expect(head.status == 413 && head.errorCode == "payload_too_large" && head.text.contains("512"), "\(head.text)")
        #expect(c1.closedByPeer(within: 5))
        let c2 = try f.connect()
        let declared = try c2.request("GET", "/metrics", body: [UInt8](repeating: 1, count: 17), keepAlive: true)
        #expect(declared.status == 413 && declared.errorCode == "payload_too_large", "\(declared.text)")
        #expect(c2.closedByPeer(within: 5))
        let c3 = try f.connect()
        try c3.send("GET /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n" + String(repeating: "b", count: 64) + "\r\n")
        let chunked = try c3.readResponse()
        #expect(chunked.status == 413 && chunked.errorCode == "payload_too_large", "\(chunked.text)")
        let c4 = try f.connect()
        try c4.send("GARBAGE\0\r\n\r\n")
        let malformed = try c4.readResponse()
        #expect(malformed.status == 400 && malformed.errorCode == "malformed_http", "\(malformed.text)")
        #expect(c4.closedByPeer(within: 5))
    }

    @Test("idle timeout: a connection without a whole request is closed, a trickled request too")
    func idleTimeout() throws {
        var limits = MetricsServerLimits()
        limits.idleTimeout = .milliseconds(300)
        let f = try Fixture(limits: limits)
        let idle = try f.connect()
        #expect(idle.closedByPeer(within: 5))
        // One byte every 50 ms: each read would reset a plain read timeout, but the request never completes in time.
        let trickle = try f.connect()
        let bytes = Array("GET /metrics HTTP/1.1\r\nHost: x\r\nUser-Agent: slow\r\n".utf8)
        var sent = 0
        while sent < bytes.count, !trickle.closedByPeer(within: 0.05), (try? trickle.send([bytes[sent]])) != nil { sent += 1 }
        #expect(sent < bytes.count / 2, "closed after \(sent) of \(bytes.count) bytes")
        #expect(trickle.closedByPeer(within: 5))
        // After an answer the timer starts again: a kept-alive connection closes once idle.
        let kept = try f.connect()
        #expect(try kept.request("GET", "/metrics", keepAlive: true).status == 200)
        #expect(kept.closedByPeer(within: 5))
    }

    @Test("connections beyond the limit are answered 503 and closed; the others keep working")
    func connectionLimit() throws {
        var limits = MetricsServerLimits()
        limits.maxConnections = 2
        let f = try Fixture(limits: limits)
        let first = try f.connect(), second = try f.connect()
        #expect(try first.request("GET", "/metrics", keepAlive: true).status == 200)
        #expect(try second.request("GET", "/metrics", keepAlive: true).status == 200)
        let third = try f.connect().request("GET", "/metrics")
        #expect(third.status == 503 && third.errorCode == "overloaded", "\(third.text)")
        #expect(try first.request("GET", "/metrics").status == 200)
    }
}
