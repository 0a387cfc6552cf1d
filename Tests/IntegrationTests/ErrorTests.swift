import Foundation
import QInferProtocol
import QInferTestSupport
import Testing
import QInferRandom

extension Integration {
    @Suite("bad requests") struct BadRequests {
        @Test("malformed HTTP, wrong content type, wrong shape, NaN, oversized body, unknown model: JSON errors, and the daemon keeps serving")
        func badRequests() throws {
            let s = try Scratch()
            let config = try s.write("qinferd.toml", Array("max_body_bytes = 4096\n".utf8))
            try s.write("state/models/m/1.qpack", TestModels.a) // found in the store at start
            let d = try startDaemon(s, extra: ["--config", config])
            let sock = d.socket
            let raw = InputFileWriters.rawF32(TestModels.input)
            let shape = "\(TestModels.points),3"
            #expect(try HTTP.request(sock, "POST", "/v1/models/m/infer", headers: ["Content-Type": "application/octet-stream", "X-Tensor-Shape": shape],
                                     body: raw).status == 200, "a good request first")

            // Malformed HTTP: raw bytes on the socket get a 400 JSON error and a closed connection.
            let junk: [(String, [UInt8])] = [
                ("garbage request line", Array("GARBAGE\r\n\r\n".utf8)),
                ("binary junk", [0x00, 0x01, 0xFF, 0xFE, 0x80, 0x0D, 0x0A, 0x0D, 0x0A]),
                ("bad content-length", Array("GET /v1/health HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n".utf8)),
                ("header without colon", Array("GET /v1/health HTTP/1.1\r\nHost x\r\n\r\n".utf8)),
                ("bad version", Array("GET /v1/health HTTP/9.Z\r\n\r\n".utf8)),
                ("huge header", Array(("GET /v1/health HTTP/1.1\r\nX-Big: " + String(repeating: "a", count: 200_000) + "\r\n\r\n").utf8)),
            ]
            for (what, bytes) in junk {
                let c = try Connection(sock, timeout: 10)
                try? c.send(bytes) // the daemon may close before reading everything
                let r = try c.readResponse()
                try expectAPIError(r, 400, "malformed_http", what)
                #expect(r.headers["connection"] == "close" || c.closedByPeer(), "\(what): the connection is closed")
                try expectHealthy(d, after: what)
            }
            // A client that connects and hangs up without a byte, or mid-request.
            do { _ = try Connection(sock) }
            do {
                let c = try Connection(sock)
                try c.send("POST /v1/models/m/infer HTTP/1.1\r\nContent-Length: 100\r\n\r\nabc")
            }
            try expectHealthy(d, after: "clients hanging up")

            // Wrong content type.
            func infer(_ headers: [String: String], _ body: [UInt8], query: String = "") throws -> HTTPResult {
                try HTTP.request(sock, "POST", "/v1/models/m/infer\(query)", headers: headers, body: body)
            }
            try expectAPIError(try infer(["Content-Type": "text/plain"], raw), 415, "unsupported_media_type", "text/plain")
            try expectAPIError(try infer([:], raw), 415, "unsupported_media_type", "no content type")
            try expectAPIError(try infer(["Content-Type": "application/octet-stream", "X-Input-Format": "docx"], raw), 415,
                               "unsupported_media_type", "unknown X-Input-Format")
            try expectHealthy(d, after: "wrong content types")

            // Wrong shape.
            var message = try expectAPIError(try infer(["Content-Type": "application/json"], try HTTP.json(["input": [1, 2, 3]])), 400, "bad_input",
                                             "3 values for a [64, 3] model")
            #expect(message.contains("3 values"), "\(message)")
            try expectAPIError(try infer(["Content-Type": "application/json"], try HTTP.json(["input": [1, 2, 3, 4], "shape": [3, 2]])), 400,
                               "bad_input", "values that do not fill their shape")
            try expectAPIError(try infer(["Content-Type": "application/octet-stream", "X-Tensor-Shape": "10,3"], raw), 400, "bad_input",
                               "raw body longer than its shape")
            try expectAPIError(try infer(["Content-Type": "application/octet-stream", "X-Tensor-Shape": "a,b"], raw), 400, "bad_input",
                               "unparsable shape header")
            try expectAPIError(try infer(["Content-Type": "application/octet-stream"], raw), 400, "bad_input", "raw body without a shape")
            try expectAPIError(try infer(["Content-Type": "application/json"], Array("{\"input\": [1, 2,".utf8)), 400, "bad_input", "broken JSON")
            try expectAPIError(try infer(["Content-Type": "application/x-npy"], Array("not npy".utf8)), 400, "bad_input", "broken npy")
            try expectHealthy(d, after: "wrong shapes")

            // NaN and infinity (JSON cannot carry them; a raw float32 body can).
            for (what, bad) in [("NaN", Float.nan), ("infinity", Float.infinity)] {
                var values = TestModels.input
                values[17] = bad
                message = try expectAPIError(try infer(["Content-Type": "application/octet-stream", "X-Tensor-Shape": shape],
                                                       InputFileWriters.rawF32(values)), 400, "bad_input", what)
                #expect(message.lowercased().contains("finite") || message.lowercased().contains("nan"), "\(what): \(message)")
            }
            try expectHealthy(d, after: "non-finite inputs")

            // Oversized bodies (max_body_bytes = 4096 from the config file), declared or chunked.
            let big = [UInt8](repeating: 0x20, count: 10_000)
            message = try expectAPIError(try infer(["Content-Type": "application/json"], big), 413, "payload_too_large", "declared oversized body")
            #expect(message.contains("4096"), "\(message)")
            do {
                let c = try Connection(sock, timeout: 10)
                var request = Array("POST /v1/models/m/infer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)
                for _ in 0..<5 { request += Array("800\r\n".utf8) + [UInt8](repeating: 0x20, count: 0x800) + Array("\r\n".utf8) }
                request += Array("0\r\n\r\n".utf8)
                try? c.send(request)
                try expectAPIError(try c.readResponse(), 413, "payload_too_large", "chunked oversized body")
            }
            try expectAPIError(try HTTP.request(sock, "PUT", "/v1/models/m?version=2", body: TestModels.a), 413, "payload_too_large",
                               "an upload over the limit")
            try expectHealthy(d, after: "oversized bodies")

            // Unknown model, version, route.
            message = try expectAPIError(try HTTP.request(sock, "POST", "/v1/models/nope/infer", headers: ["Content-Type": "application/octet-stream",
                                                                                                          "X-Tensor-Shape": shape], body: raw),
                                         404, "model_not_found", "unknown model")
            #expect(message.contains("nope"), "\(message)")
            try expectAPIError(try HTTP.request(sock, "POST", "/v1/models/m/activate", body: try HTTP.json(["version": "7"])), 404,
                               "version_not_found", "unknown version")
            try expectAPIError(try HTTP.request(sock, "POST", "/v1/models/m/activate", body: Array("7".utf8)), 400, "bad_request",
                               "activate without {\"version\"}")
            try expectAPIError(try HTTP.request(sock, "POST", "/v1/models/m/infer/extra"), 404, "not_found", "unknown sub-route")
            try expectAPIError(try HTTP.request(sock, "POST", "/v1/models/m/versions"), 404, "not_found", "unknown sub-route")
            try expectAPIError(try HTTP.get(sock, "/v1/models/m/infer"), 405, "method_not_allowed", "GET on the infer route")
            try expectAPIError(try HTTP.request(sock, "PUT", "/v1/models/m/versions/1"), 405, "method_not_allowed", "PUT on a version")
            try expectHealthy(d, after: "unknown names")

            // Keep-alive: several requests on one connection, an error in the middle does not end it.
            do {
                let c = try Connection(sock, timeout: 10)
                try c.send(HTTP.requestBytes("GET", "/v1/health", close: false))
                #expect(try c.readResponse().status == 200)
                try c.send(HTTP.requestBytes("POST", "/v1/models/m/infer", headers: ["Content-Type": "text/plain"], body: raw, close: false))
                try expectAPIError(try c.readResponse(), 415, "unsupported_media_type", "error on a kept-alive connection")
                try c.send(HTTP.requestBytes("POST", "/v1/models/m/infer", headers: ["Content-Type": "application/octet-stream", "X-Tensor-Shape": shape],
                                             body: raw, close: false))
                #expect(try c.readResponse().status == 200)
            }

            let stats = try HTTP.get(sock, "/v1/stats").json()
            let m = (stats["models"] as? [[String: Any]])?.first { $0["name"] as? String == "m" }
            // The model's errors are the requests it was handed and failed (7 above: bad bodies, shapes, NaN, infinity);
            // a request refused at the edge for its headers (content type, X-Tensor-Shape) never reached a model.
            #expect(m?["count"] as? Int == 2 && m?["errors"] as? Int == 7, "\(stats)")
            try expectHealthy(d, after: "everything")
        }

        @Test("limits: a full queue answers 503 overloaded with Retry-After, a request past deadline_ms 504, connections over max_connections 503")
        func limits() throws {
            let s = try Scratch()
            let config = try s.write("qinferd.toml", Array("workers = 1\nqueue_capacity = 1\n".utf8))
            let d = try startDaemon(s, extra: ["--config", config])
            let sock = d.socket
            let slow = try randomPointNet(seed: 31, points: 1024, widths: [64, 256, 512], classes: 10)
            #expect(try HTTP.request(sock, "PUT", "/v1/models/slow?version=1", body: slow).status == 201)
            var rng = SplitMix64(seed: 5)
            let cloud = InputFileWriters.rawF32(rng.floats(1024 * 3, -1, 1))
            let headers = ["Content-Type": "application/octet-stream", "X-Tensor-Shape": "1024,3"]
            let probe = try HTTP.request(sock, "POST", "/v1/models/slow/infer", headers: headers, body: cloud)
            #expect(probe.status == 200, "\(probe.text)")
            let each = try probe.decode(InferResponse.self).telemetry.computeMicros
            #expect(each > 5_000, "the slow model must take a while for this test to mean anything (\(each) µs)")

            /// Sends `n` inferences on `n` connections before reading any answer.
            func burst(_ n: Int) throws -> [HTTPResult] {
                let connections = try (0..<n).map { _ in try Connection(sock, timeout: 60) }
                for c in connections { try c.send(HTTP.requestBytes("POST", "/v1/models/slow/infer", headers: headers, body: cloud)) }
                return try connections.map { try $0.readResponse() }
            }

            // One running, one queued, the rest refused.
            var results = try burst(8)
            let refused = results.filter { $0.status == 503 }
            #expect(results.filter { $0.status == 200 }.count >= 2 && !refused.isEmpty && results.allSatisfy { [200, 503].contains($0.status) },
                    "\(results.map(\.status))")
            for r in refused {
                try expectAPIError(r, 503, "overloaded", "a full queue")
                #expect(r.headers["retry-after"] == "1", "\(r.headers)")
            }
            let stats = try HTTP.get(sock, "/v1/stats").decode(StatsResponse.self)
            #expect(stats.rejected == refused.count, "\(stats)")
            #expect(try HTTP.get(sock, "/v1/metrics").text.contains("qinferd_rejected_total \(refused.count)\n"))
            try expectHealthy(d, after: "a full queue")

            // A queued request that waits past the deadline is answered 504 without running.
            try s.write("qinferd.toml", Array("workers = 1\nqueue_capacity = 1\ndeadline_ms = 1\n".utf8))
            #expect(try HTTP.request(sock, "POST", "/v1/reload").status == 200)
            results = try burst(3)
            #expect(results.allSatisfy { [200, 503, 504].contains($0.status) }, "\(results.map(\.status))")
            let late = try #require(results.first { $0.status == 504 }, "no 504 among \(results.map(\.status))")
            let message = try expectAPIError(late, 504, "deadline_exceeded", "a request past its deadline")
            #expect(message.contains("1 ms deadline"), "\(message)")
            try expectHealthy(d, after: "deadlines")

            // Connections: two open ones fill max_connections = 2; a third is answered 503 and closed.
            try s.write("qinferd.toml", Array("workers = 1\nqueue_capacity = 1\nmax_connections = 2\n".utf8))
            #expect(try HTTP.request(sock, "POST", "/v1/reload").status == 200)
            do {
                let held = try (0..<2).map { _ in try Connection(sock) }
                try expectAPIError(try HTTP.get(sock, "/v1/health"), 503, "overloaded", "a connection over the limit")
                #expect(held.count == 2)
            }
            try wait(timeout: 10, "the held connections to be counted as closed") { (try? HTTP.get(sock, "/v1/health"))?.status == 200 }
            try expectHealthy(d, after: "the connection limit")
        }

        @Test("timeouts: a stalled request is answered 408 request_timeout and closed, an idle keep-alive connection is closed, an event stream is not, and the daemon keeps serving")
        func timeouts() throws {
            let s = try Scratch()
            let config = try s.write("qinferd.toml", Array("idle_timeout_ms = 400\nrequest_timeout_ms = 300\n".utf8))
            let d = try startDaemon(s, extra: ["--config", config])
            let sock = d.socket

            // Head sent, body promised but never sent: 408 after request_timeout_ms, then the connection ends.
            let stalled = try Connection(sock, timeout: 10)
            let started = monotonicNow()
            try stalled.send("POST /v1/models/x/infer HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\nabc")
            let r = try stalled.readResponse()
            let waited = monotonicNow() - started
            try expectAPIError(r, 408, "request_timeout", "a body that never arrives")
            #expect(waited >= 0.25 && waited < 5, "answered after \(waited) s")
            #expect(stalled.closedByPeer(), "the stalled connection stays open")

            // Half a request head, then nothing: the request timer starts once a head has been parsed, so the idle
            // timer (running since the connection opened) closes this one.
            let halfHead = try Connection(sock, timeout: 10)
            try halfHead.send("GET /v1/hea")
            #expect(halfHead.closedByPeer(timeout: 5), "a never-finished head keeps its connection")

            // A keep-alive connection serves requests, then is closed after idle_timeout_ms without one.
            let idle = try Connection(sock, timeout: 10)
            for _ in 0..<3 {
                try idle.send(HTTP.requestBytes("GET", "/v1/health", close: false))
                #expect(try idle.readResponse().status == 200)
                usleep(150_000) // busy enough: under the idle timeout each time
            }
            let idleStart = monotonicNow()
            #expect(idle.closedByPeer(timeout: 5), "the idle connection stays open")
            #expect(monotonicNow() - idleStart >= 0.2, "closed too early")

            // An event stream is quiet but not idle: it outlives several idle timeouts and still gets lines.
            let events = try Connection(sock, timeout: 10)
            try events.send(HTTP.requestBytes("GET", "/v1/events", close: false))
            #expect(try events.readHead().status == 200)
            #expect(!events.closedByPeer(timeout: 1.2), "the event stream was closed as idle")
            try expectHealthy(d, after: "timeouts")
        }
    }
}
