import Foundation
import QInferProtocol
import Testing

extension Integration {
    @Suite("hot swap") struct HotSwap {
        /// What one client request saw.
        struct Outcome {
            let start: Double, end: Double
            let status: Int
            let version: String?
            let outputs: [Float]?
            let text: String
        }

        /// Shared between the client threads and the swapping thread.
        final class Board: @unchecked Sendable {
            private let lock = NSLock()
            private var claimed = 0
            private(set) var outcomes: [Outcome] = []
            private var seen: Set<String> = []
            let total: Int
            let tickets = DispatchSemaphore(value: 0)

            init(total: Int) { self.total = total }

            func claim() -> Bool {
                lock.withLock {
                    guard claimed < total else { return false }
                    claimed += 1
                    return true
                }
            }
            func record(_ o: Outcome) {
                lock.withLock {
                    outcomes.append(o)
                    if let v = o.version { seen.insert(v) }
                }
            }
            func hasSeen(_ v: String) -> Bool { lock.withLock { seen.contains(v) } }
            func release(_ n: Int) { for _ in 0..<n { tickets.signal() } }
        }

        @Test("200 concurrent inferences from 20 clients across 20 version swaps: no failure, each served by a version active during it")
        func concurrentSwaps() throws {
            let s = try Scratch()
            let d = try startDaemon(s, extra: ["--workers", "2"])
            let sock = d.socket
            let expectA = try TestModels.expectedScores(TestModels.a), expectB = try TestModels.expectedScores(TestModels.b)
            // Odd versions carry model A's weights, even ones B's; version 0 (B) is active before the load starts.
            func weights(_ v: Int) -> [UInt8] { v % 2 == 1 ? TestModels.a : TestModels.b }
            func expected(_ v: Int) -> [Float] { v % 2 == 1 ? expectA : expectB }
            #expect(try HTTP.request(sock, "PUT", "/v1/models/swap?version=0", body: weights(0)).status == 201)

            let swaps = 20, clients = 20, perSwap = 10
            let board = Board(total: swaps * perSwap)
            let body = try HTTP.json(["input": TestModels.input.map(Double.init), "shape": [TestModels.points, 3]])
            let group = DispatchGroup()
            for _ in 0..<clients {
                group.enter()
                Thread.detachNewThread {
                    defer { group.leave() }
                    while board.claim() {
                        board.tickets.wait()
                        let start = monotonicNow()
                        do {
                            let r = try HTTP.request(sock, "POST", "/v1/models/swap/infer?outputs=1", headers: ["Content-Type": "application/json"],
                                                     body: body)
                            let j = try? r.json()
                            board.record(Outcome(start: start, end: monotonicNow(), status: r.status, version: j?["version"] as? String,
                                                 outputs: floats(j?["outputs"]), text: r.text))
                        } catch {
                            board.record(Outcome(start: start, end: monotonicNow(), status: -1, version: nil, outputs: nil, text: "\(error)"))
                        }
                    }
                }
            }

            // The swapper: upload v, let half a batch race the activation, activate, let the other half go, and move on
            // once some response names v (so every version serves, while older requests are still in flight).
            var activated: [Int: (sent: Double, done: Double)] = [:]
            var swapFailures: [String] = []
            for v in 1...swaps {
                let put = try HTTP.request(sock, "PUT", "/v1/models/swap?version=\(v)", body: weights(v))
                if put.status != 201 { swapFailures.append("upload \(v): \(put.status) \(put.text)") }
                board.release(perSwap / 2)
                let sent = monotonicNow()
                let r = try HTTP.request(sock, "POST", "/v1/models/swap/activate", headers: ["Content-Type": "application/json"],
                                         body: try HTTP.json(["version": "\(v)"]))
                activated[v] = (sent, monotonicNow())
                if r.status != 200 { swapFailures.append("activate \(v): \(r.status) \(r.text)") }
                board.release(perSwap - perSwap / 2)
                do {
                    try wait(timeout: 30, every: 0.001, "a response from version \(v)") { board.hasSeen("\(v)") }
                } catch {
                    swapFailures.append("\(error)")
                    break
                }
            }
            board.release(swaps * perSwap) // never leave a client waiting, even after a failure
            #expect(group.wait(timeout: .now() + 120) == .success, "clients did not finish")
            #expect(swapFailures.isEmpty, "\(swapFailures)")

            let outcomes = board.outcomes
            #expect(outcomes.count == swaps * perSwap)
            let failed = outcomes.filter { $0.status != 200 }
            #expect(failed.isEmpty, "\(failed.count) failed: \(failed.prefix(5).map { "\($0.status) \($0.text)" })")
            var overlapping = 0
            for o in outcomes where o.status == 200 {
                guard let text = o.version, let v = Int(text), (0...swaps).contains(v) else {
                    Issue.record("response names no known version: \(o.text)")
                    continue
                }
                // v could serve from when its activation was sent until the next activation's answer came back.
                let from = v == 0 ? -Double.infinity : activated[v]?.sent ?? .infinity
                let until = v == swaps ? Double.infinity : activated[v + 1]?.done ?? .infinity
                #expect(o.start <= until && o.end >= from,
                        "version \(v) served a request [\(o.start), \(o.end)] outside its active window [\(from), \(until)]")
                #expect(TestModels.close(o.outputs ?? [], expected(v)), "version \(v) answered with the other weights: \(o.text)")
                if activated.values.contains(where: { o.start < $0.done && o.end > $0.sent }) { overlapping += 1 }
            }
            let versions = Set(outcomes.compactMap(\.version))
            #expect(versions.isSuperset(of: (1...swaps).map(String.init)), "versions that served: \(versions.sorted { Int($0)! < Int($1)! })")
            #expect(overlapping > 0, "no request was in flight during an activation; the test did not exercise a swap")

            let stats = try HTTP.get(sock, "/v1/stats").decode(StatsResponse.self)
            #expect(stats.models.first { $0.name == "swap" }.map { $0.count == swaps * perSwap && $0.errors == 0 } == true, "\(stats)")

            // Deleted versions are unmapped once nothing uses them.
            for v in 0..<(swaps - 1) {
                #expect(try HTTP.request(sock, "DELETE", "/v1/models/swap/versions/\(v)").status == 200)
            }
            let maps = try readWholeFile("/proc/\(d.pid)/maps")
            let stale = maps.split(separator: "\n").filter { $0.contains("/models/swap/") && $0.contains("(deleted)") }
            #expect(stale.isEmpty, "deleted versions still mapped: \(stale.prefix(3))")
            #expect(maps.contains("/models/swap/\(swaps).qpack"), "the active version is mapped")
            try expectHealthy(d, after: "swaps")
            #expect(!d.log.contains(" error "), "\(d.log)")
        }
    }
}
