import Foundation
import QInferProtocol
import QInferTestSupport
import Testing

extension Integration {
    @Suite("model store") struct Store {
        /// The store as the daemon should leave it: m with versions 1 (A) and 2 (B, active), nothing else on disk.
        func expectIntact(_ d: DaemonProcess, state: String) throws {
            let info = try HTTP.get(d.socket, "/v1/models/m").decode(ModelInfo.self)
            #expect(info.activeVersion == "2" && info.previousVersion == "1", "\(info)")
            #expect(info.versions.map(\.version) == ["1", "2"], "\(info)")
            let r = try HTTP.inferJSON(d.socket, model: "m", points: TestModels.input, shape: [TestModels.points, 3])
            #expect(r.status == 200, "\(r.text)")
            let inferred = try r.decode(InferResponse.self)
            try #expect(inferred.version == "2" && TestModels.close(inferred.outputs ?? [], try TestModels.expectedScores(TestModels.b)))
            let files = filesUnder(state)
            let expected = ["models", "models/m", "models/m/1.qpack", "models/m/2.qpack", "quarantine", "state.json"]
            #expect(files == expected, "no temporary or stray files: \(files)")
            #expect(!d.log.contains("quarantined"), "\(d.log)")
        }

        /// Back to versions 1 and 2 with 2 active and 1 previous, from a store that also has version 3.
        func restore(_ d: DaemonProcess) throws {
            for (method, path, body) in [("POST", "activate", "2"), ("DELETE", "versions/3", nil), ("POST", "activate", "1"), ("POST", "activate", "2")] {
                let r = try HTTP.request(d.socket, method, "/v1/models/m/\(path)", body: try body.map { try HTTP.json(["version": $0]) })
                #expect(r.status == 200, "\(method) \(path): \(r.text)")
            }
        }

        @Test("kill -9 in the middle of an upload body, and again while the upload is being installed: the store stays valid")
        func killDuringUpload() throws {
            let s = try Scratch()
            let state = s.sub("state")
            var d = try startDaemon(s, name: "d1", state: state)
            #expect(try HTTP.request(d.socket, "PUT", "/v1/models/m?version=1", body: TestModels.a).status == 201)
            #expect(try HTTP.request(d.socket, "PUT", "/v1/models/m?version=2&activate=1", body: TestModels.b).status == 201)
            // Big enough (~6 MB: an FP32 classifier over 1500 classes) that writing, syncing and validating take a while.
            let big = try randomPointNet(seed: 9, points: TestModels.points, widths: [32, 64, 1024], classes: 1500)
            #expect(big.count > 4 << 20)

            // 1. SIGKILL while the body is still arriving, slowly.
            do {
                let c = try Connection(d.socket, timeout: 10)
                try c.send(Array("PUT /v1/models/m?version=3&activate=1 HTTP/1.1\r\nHost: x\r\nContent-Length: \(big.count)\r\n\r\n".utf8))
                for offset in stride(from: 0, to: big.count / 2, by: 64 << 10) {
                    try c.send(Array(big[offset..<min(offset + (64 << 10), big.count)]))
                    usleep(2000)
                }
                usleep(100_000)
                #expect(d.isRunning, "still receiving the body")
                d.signal(SIGKILL)
                try d.waitExit()
                #expect(d.termSignal == SIGKILL)
            }
            d = try startDaemon(s, name: "d2", state: state)
            try expectIntact(d, state: state)
            #expect(d.log.contains("model store \(state): 1 model(s), 2 version(s)"), "the log says what the store holds: \(d.log)")

            // 2. SIGKILL as soon as the upload's temporary file appears (written, synced, validated, not yet renamed).
            var caught = false
            var attempts: [String] = []
            for attempt in 1...4 where !caught {
                let sock = d.socket
                final class Result: @unchecked Sendable { var status = 0 }
                let result = Result()
                let sender = Thread {
                    if let r = try? HTTP.request(sock, "PUT", "/v1/models/m?version=3&activate=1", body: big, timeout: 30) { result.status = r.status }
                }
                sender.start()
                let dir = "\(state)/models/m"
                let end = Date().addingTimeInterval(20)
                var temp: String?
                while temp == nil && Date() < end && result.status == 0 {
                    temp = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).first { $0.hasPrefix(".") }
                    if temp == nil { usleep(100) }
                }
                if temp != nil {
                    d.signal(SIGKILL)
                    try d.waitExit()
                }
                let leftovers = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasPrefix(".") }
                attempts.append("attempt \(attempt): saw \(temp ?? "no temporary file"), left \(leftovers), upload status \(result.status)")
                if temp != nil {
                    let installed = FileManager.default.fileExists(atPath: "\(dir)/3.qpack")
                    d = try startDaemon(s, name: "d\(attempt + 2)", state: state)
                    if !leftovers.isEmpty {
                        caught = true
                        #expect(d.log.contains("removed unfinished upload \(dir)/\(leftovers[0])"), "\(d.log)")
                        #expect(d.log.contains("removed 1 unfinished write(s)"), "\(d.log)")
                    }
                    if installed {
                        // The kill came after the rename: version 3 is whole (active or not, as state.json says).
                        #expect(try HTTP.get(d.socket, "/v1/models/m").decode(ModelInfo.self).versions.map(\.version) == ["1", "2", "3"])
                        try restore(d)
                    }
                    try expectIntact(d, state: state)
                } else {
                    // The upload finished before the poll saw its temporary file: undo it and try again.
                    #expect(result.status == 201, "upload answered \(result.status)")
                    try restore(d)
                }
            }
            #expect(caught, "never killed qinferd while an upload's temporary file existed: \(attempts)")
            try expectHealthy(d, after: "restarts")
        }

        @Test("a corrupt .qpack in the store is quarantined at start with a log line; the rest is served")
        func quarantine() throws {
            let s = try Scratch()
            let state = s.sub("state")
            try s.write("state/models/good/1.qpack", TestModels.a)
            var flipped = TestModels.b
            flipped[flipped.count / 2] ^= 0x40 // checksum mismatch
            try s.write("state/models/good/2.qpack", flipped)
            try s.write("state/models/bad/1.qpack", Array("definitely not a qpack".utf8))
            var truncated = TestModels.b
            truncated.removeLast(truncated.count / 3)
            try s.write("state/models/cut/5.qpack", truncated)
            try s.write("state/state.json", try HTTP.json(["models": ["good": ["active": "2", "previous": "1"], "bad": ["active": "1"]]]))

            let d = try startDaemon(s, state: state)
            let quarantined = filesUnder("\(state)/quarantine")
            #expect(quarantined.count == 3, "\(quarantined)")
            for prefix in ["good-2-", "bad-1-", "cut-5-"] {
                #expect(quarantined.contains { $0.hasPrefix(prefix) && $0.hasSuffix(".qpack") }, "\(prefix)*: \(quarantined)")
            }
            for path in ["models/good/2.qpack", "models/bad/1.qpack", "models/cut/5.qpack"] {
                #expect(d.log.contains("quarantined \(state)/\(path) → \(state)/quarantine/"), "log line for \(path): \(d.log)")
                #expect(!FileManager.default.fileExists(atPath: "\(state)/\(path)"))
            }
            #expect(d.log.contains("active version 2 is gone"), "\(d.log)")
            #expect(d.log.contains("quarantined 3 corrupt file(s)"), "\(d.log)")
            // The quarantined bytes are kept as they were, for a look later.
            let kept = try #require(quarantined.first { $0.hasPrefix("good-2-") })
            #expect([UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(state)/quarantine/\(kept)"))) == flipped)

            let list = try HTTP.get(d.socket, "/v1/models").decode(ModelList.self)
            #expect(list.models.map(\.name) == ["good"], "\(list)")
            #expect(list.models.first?.activeVersion == "1" && list.models.first?.versions.map(\.version) == ["1"], "\(list)")
            let r = try HTTP.inferJSON(d.socket, model: "good", points: TestModels.input, shape: [TestModels.points, 3])
            try #expect(r.status == 200 && (try r.decode(InferResponse.self)).version == "1", "\(r.text)")
            try expectAPIError(try HTTP.inferJSON(d.socket, model: "bad", points: TestModels.input, shape: [TestModels.points, 3]), 404,
                               "model_not_found", "quarantined model")
            let health = try HTTP.get(d.socket, "/v1/health").json()
            #expect(health["models"] as? Int == 1, "\(health)")
            try expectHealthy(d, after: "quarantine")
        }
    }
}
