import Foundation
import QInferTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension Integration {
    @Suite("metrics scrape") struct MetricsScrape {
        /// Debian's Prometheus server on 127.0.0.1, scraping `target` every second, storing in `directory`.
        final class PrometheusServer {
            let port: UInt16
            let logPath: String
            private let process = Process()

            init(scraping target: String, directory: String) throws {
                let binary = try PrometheusTools.binary("prometheus")
                port = try freeLoopbackPort()
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                logPath = directory + "/prometheus.log"
                let config = directory + "/prometheus.yml"
                try """
                    global:
                      scrape_interval: 1s
                      scrape_timeout: 1s
                    scrape_configs:
                      - job_name: qinferd
                        static_configs:
                          - targets: ["\(target)"]

                    """.write(toFile: config, atomically: true, encoding: .utf8)
                FileManager.default.createFile(atPath: logPath, contents: nil)
                let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
                process.executableURL = URL(fileURLWithPath: binary)
                process.arguments = ["--config.file=\(config)", "--storage.tsdb.path=\(directory)/tsdb",
                                     "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn"]
                process.standardInput = FileHandle.nullDevice
                process.standardOutput = log
                process.standardError = log
                try process.run()
            }

            /// SIGTERM, then SIGKILL if it has not exited within 10 s.
            deinit {
                guard process.isRunning else { return }
                process.terminate()
                let end = Date().addingTimeInterval(10)
                while process.isRunning && Date() < end { usleep(20_000) }
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
                process.waitUntilExit()
            }

            var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

            /// The instant vector of a PromQL query (GET /api/v1/query) as (labels, value) pairs.
            func query(_ promQL: String) throws -> [(labels: [String: String], value: Double)] {
                let reply = try curl(["-G", "http://127.0.0.1:\(port)/api/v1/query", "--data-urlencode", "query=\(promQL)"])
                guard reply.status == 200, let object = try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any],
                      object["status"] as? String == "success", let data = object["data"] as? [String: Any],
                      let result = data["result"] as? [[String: Any]] else {
                    throw HarnessError("query \(promQL): HTTP \(reply.status) \(reply.body)")
                }
                return result.compactMap { entry in
                    guard let pair = entry["value"] as? [Any], pair.count == 2, let text = pair[1] as? String,
                          let value = Double(text) else { return nil }
                    return ((entry["metric"] as? [String: String]) ?? [:], value)
                }
            }
        }

        @Test("qinferd socket-activated with an API socket and a TCP socket named metrics: a real Prometheus scrapes it, PromQL sees every request and a latency quantile in seconds; the metrics socket serves nothing else")
        func prometheusScrapes() throws {
            let s = try Scratch()
            let apiPath = s.sub("api.sock")
            let api = try listeningSocket(at: apiPath)
            let (metrics, port) = try loopbackListener()
            defer { close(api); close(metrics) }
            let d = try DaemonProcess(arguments: ["--state-dir", s.sub("state"), "--models-dir", s.sub("embedded")],
                                      socket: apiPath, log: s.sub("d.log"),
                                      namedListenFDs: [(fd: metrics, name: "metrics"), (fd: api, name: "api")])
            defer {
                if d.isRunning {
                    d.signal(SIGTERM)
                    _ = try? d.waitExit(timeout: 20)
                }
            }
            try d.waitReady()
            // Logged as the metrics server starts, which can be just after the API answers: waited for, bounded.
            let line = "metrics (GET /metrics only) on 127.0.0.1:\(port) (socket-activated)"
            try wait(timeout: 10, "qinferd to log \(line)") { d.log.contains(line) }
            #expect(try HTTP.request(apiPath, "PUT", "/v1/models/m?version=3", body: TestModels.a).status == 201)
            func infer(_ count: Int) throws {
                for _ in 0..<count {
                    let r = try HTTP.inferJSON(apiPath, model: "m", points: TestModels.input, shape: [TestModels.points, 3])
                    #expect(r.status == 200, "\(r.text)")
                }
            }
            try infer(7)

            // The metrics socket answers GET /metrics and refuses everything else, with the API's JSON errors.
            let base = "http://127.0.0.1:\(port)"
            let scrape = try curl([base + "/metrics"])
            #expect(scrape.status == 200 && scrape.body.contains("\nqinferd_requests_total{model=\"m\",version=\"3\"} 7\n"), "\(scrape.body)")
            for (arguments, status) in [(["-X", "POST", base + "/metrics"], 405), (["-X", "DELETE", base + "/metrics"], 405),
                                        ([base + "/v1/models"], 404), ([base + "/v1/health"], 404),
                                        (["-X", "POST", "--data-binary", "{}", base + "/v1/models/m/infer"], 404),
                                        (["-X", "POST", base + "/v1/reload"], 404)] {
                let r = try curl(arguments)
                let code = status == 405 ? "\"method_not_allowed\"" : "\"not_found\""
                #expect(r.status == status && r.body.contains(code), "\(arguments): \(r.status) \(r.body)")
            }

            let prometheus = try PrometheusServer(scraping: "127.0.0.1:\(port)", directory: s.sub("prometheus"))
            func waitForTotal(_ expected: Double) throws {
                try wait(timeout: 30, every: 0.25, "sum(qinferd_requests_total) == \(expected); Prometheus log:\n\(prometheus.log)") {
                    (try? prometheus.query("sum(qinferd_requests_total)"))?.first?.value == expected
                }
            }
            try waitForTotal(7)
            // More requests between scrapes, so the buckets' rate is not zero over the window.
            try infer(5)
            try waitForTotal(12)
            let byVersion = try prometheus.query("qinferd_requests_total")
            #expect(byVersion.count == 1 && byVersion.first?.labels["version"] == "3" && byVersion.first?.labels["job"] == "qinferd",
                    "\(byVersion)")
            let p90 = try prometheus.query(
                "histogram_quantile(0.9, sum by (le) (rate(qinferd_request_duration_seconds_bucket[15s])))")
            let seconds = try #require(p90.first?.value, "no quantile: \(p90)")
            #expect(seconds > 0 && seconds < 10, "p90 latency \(seconds) s")
            let build = try prometheus.query("qinferd_build_info")
            #expect(build.first?.labels["board"] == "none" && build.first?.labels["isa"]?.isEmpty == false, "\(build)")
            let up = try prometheus.query("up{job=\"qinferd\"}")
            #expect(up.first?.value == 1, "\(up)")

            // SIGTERM stops the metrics listener with the API's and drains as before: a clean exit.
            d.signal(SIGTERM)
            try d.waitExit(timeout: 20)
            #expect(d.exitedNormally && d.exitCode == 0, "\(d.describeStatus())\n\(d.log)")
        }
    }
}

/// One request with curl (a client Prometheus users also reach for): status and body.
func curl(_ arguments: [String]) throws -> (status: Int, body: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
    process.arguments = ["-sS", "--max-time", "5", "-w", "\n%{http_code}"] + arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    let errors = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    var text = String(decoding: data, as: UTF8.self)
    guard process.terminationStatus == 0, let newline = text.lastIndex(of: "\n"), let status = Int(text[text.index(after: newline)...]) else {
        throw HarnessError("curl \(arguments.joined(separator: " ")): exit \(process.terminationStatus) "
                           + String(decoding: errors, as: UTF8.self) + text)
    }
    text.removeSubrange(newline...)
    return (status, text)
}
