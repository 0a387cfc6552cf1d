import Foundation
import QInferProtocol
import QInferTestSupport
import Testing
#if canImport(Glibc)
import Glibc
import QInferRandom
#endif

extension Integration {
    @Suite("endpoints") struct Endpoints {
        @Test("every endpoint: health, models, upload, activate, rollback, infer (json, npy, raw+shape, xyz, ply, png, pgm), delete, stats, metrics")
        func everyEndpoint() throws {
            let s = try Scratch()
            try s.write("embedded/shipped.qpack", TestModels.a) // metadata: pointnet-101 v1
            let d = try startDaemon(s)
            let sock = d.socket
            let expectA = try TestModels.expectedScores(TestModels.a), expectB = try TestModels.expectedScores(TestModels.b)
            #expect(!TestModels.close(expectA, expectB), "the two test models must differ")

            var st = stat()
            #expect(stat(sock, &st) == 0 && (st.st_mode & S_IFMT) == S_IFSOCK && (st.st_mode & 0o777) == 0o660, "socket mode \(String(st.st_mode, radix: 8))")

            // Health.
            var r = try HTTP.get(sock, "/v1/health")
            #expect(r.status == 200)
            var j = try r.json()
            #expect(j["live"] as? Bool == true && j["ready"] as? Bool == true && j["models"] as? Int == 1, "\(r.text)")
            #expect((j["version"] as? String)?.isEmpty == false && (j["uptime_s"] as? Double ?? -1) >= 0, "\(r.text)")

            // The embedded default while the store is empty.
            let list0 = try HTTP.get(sock, "/v1/models").decode(ModelList.self)
            #expect(list0.models.map(\.name) == ["pointnet-101"])
            #expect(list0.models.first?.versions.first?.source == "embedded" && list0.models.first?.activeVersion == "1")
            #expect(list0.models.first?.versions.first?.inputShape == [TestModels.points, 3])
            r = try HTTP.inferJSON(sock, model: "pointnet-101", points: TestModels.input, shape: [TestModels.points, 3])
            #expect(r.status == 200, "\(r.text)")
            #expect(TestModels.close(floats(try r.json()["outputs"]) ?? [], expectA), "\(r.text)")

            // Upload: the first version becomes active, later ones only when asked.
            r = try HTTP.request(sock, "PUT", "/v1/models/m?version=1", body: TestModels.a)
            #expect(r.status == 201, "\(r.text)")
            var v = try r.decode(ModelVersionInfo.self)
            #expect(v.version == "1" && v.active && v.bytes == TestModels.a.count && v.source == "store" && v.sha256.count == 64)
            #expect(v.task == "pointcloud-classification" && v.labels == 6 && v.inputShape == [TestModels.points, 3])
            r = try HTTP.request(sock, "PUT", "/v1/models/m?version=2", body: TestModels.b)
            #expect(r.status == 201, "\(r.text)")
            v = try r.decode(ModelVersionInfo.self)
            #expect(v.version == "2" && !v.active)
            try expectAPIError(try HTTP.request(sock, "PUT", "/v1/models/m?version=2", body: TestModels.a), 409, "conflict", "duplicate version")
            try expectAPIError(try HTTP.request(sock, "PUT", "/v1/models/m?version=3", body: Array("not a model".utf8)), 400, "bad_model",
                               "garbage upload")
            var truncated = TestModels.a
            truncated.removeLast(100)
            try expectAPIError(try HTTP.request(sock, "PUT", "/v1/models/m?version=3", body: truncated), 400, "bad_model", "truncated upload")
            try expectAPIError(try HTTP.request(sock, "PUT", "/v1/models/.hidden?version=1", body: TestModels.a), 400, "bad_request", "bad name")
            try expectAPIError(try HTTP.request(sock, "PUT", "/v1/models/m?version=..", body: TestModels.a), 400, "bad_request", "bad version")
            #expect(filesUnder(s.sub("state/models/m")) == ["1.qpack", "2.qpack"], "refused uploads leave no files")

            // One model.
            var info = try HTTP.get(sock, "/v1/models/m").decode(ModelInfo.self)
            #expect(info.name == "m" && info.activeVersion == "1" && info.previousVersion == nil)
            #expect(info.versions.map(\.version) == ["1", "2"] && info.versions.map(\.active) == [true, false])
            try expectAPIError(try HTTP.get(sock, "/v1/models/nope"), 404, "model_not_found", "unknown model")

            // Inference: JSON, top_k and outputs.
            var okCount = 0
            r = try HTTP.inferJSON(sock, model: "m", points: TestModels.input, shape: [TestModels.points, 3], query: "?top_k=3&outputs=1")
            #expect(r.status == 200, "\(r.text)")
            okCount += 1
            var inferred = try r.decode(InferResponse.self)
            #expect(inferred.model == "m" && inferred.version == "1")
            #expect(TestModels.close(inferred.outputs ?? [], expectA))
            #expect(inferred.top.count == 3 && zip(inferred.top, inferred.top.dropFirst()).allSatisfy { $0.score >= $1.score })
            let best = expectA.indices.max { expectA[$0] < expectA[$1] }!
            #expect(inferred.top.first?.index == best && inferred.top.first?.label == "c\(best)")
            let t = inferred.telemetry
            #expect(t.queueMicros >= 0 && t.preprocessMicros >= 0 && t.computeMicros > 0 && t.totalMicros >= t.computeMicros)
            j = try r.json()
            #expect(Set((j["telemetry"] as? [String: Any] ?? [:]).keys) == ["queue_us", "preprocess_us", "compute_us", "total_us"])
            r = try HTTP.inferJSON(sock, model: "m", points: TestModels.input, shape: [TestModels.points, 3], query: "")
            try #expect(r.status == 200 && (try r.json())["outputs"] == nil, "outputs only on request: \(r.text)")
            #expect(try r.decode(InferResponse.self).top.count == 5, "default top_k is 5")
            okCount += 1

            // Activate another version: inference follows.
            r = try HTTP.request(sock, "POST", "/v1/models/m/activate", headers: ["Content-Type": "application/json"],
                                 body: try HTTP.json(["version": "2"]))
            #expect(r.status == 200, "\(r.text)")
            info = try r.decode(ModelInfo.self)
            #expect(info.activeVersion == "2" && info.previousVersion == "1")
            try expectAPIError(try HTTP.request(sock, "POST", "/v1/models/m/activate", body: try HTTP.json(["version": "9"])), 404,
                               "version_not_found", "activate a missing version")

            // Every body kind reaches the same model.
            let shape = "\(TestModels.points),3"
            let bodies: [(String, [String: String], [UInt8])] = [
                ("npy", ["Content-Type": "application/x-npy"], InputFileWriters.npy(shape: [TestModels.points, 3], f32: TestModels.input)),
                ("raw+shape", ["Content-Type": "application/octet-stream", "X-Tensor-Shape": shape], InputFileWriters.rawF32(TestModels.input)),
                ("ply", ["Content-Type": "application/octet-stream", "X-Input-Format": "ply"], InputFileWriters.plyBinary(TestModels.input)),
                ("pcd", ["Content-Type": "application/octet-stream", "X-Input-Format": "pcd"], InputFileWriters.pcdBinary(TestModels.input)),
            ]
            for (what, headers, body) in bodies {
                r = try HTTP.request(sock, "POST", "/v1/models/m/infer?outputs=1", headers: headers, body: body)
                #expect(r.status == 200, "\(what): \(r.text)")
                inferred = try r.decode(InferResponse.self)
                #expect(inferred.version == "2" && TestModels.close(inferred.outputs ?? [], expectB), "\(what): \(r.text)")
                okCount += 1
            }
            // Text point clouds round their numbers: only the served version is compared.
            r = try HTTP.request(sock, "POST", "/v1/models/m/infer", headers: ["Content-Type": "application/octet-stream", "X-Input-Format": "xyz"],
                                 body: InputFileWriters.xyz(TestModels.input))
            try #expect(r.status == 200 && (try r.decode(InferResponse.self)).version == "2", "xyz: \(r.text)")
            okCount += 1

            // Rollback.
            r = try HTTP.request(sock, "POST", "/v1/models/m/rollback")
            #expect(r.status == 200, "\(r.text)")
            info = try r.decode(ModelInfo.self)
            #expect(info.activeVersion == "1" && info.previousVersion == "2")
            r = try HTTP.inferJSON(sock, model: "m", points: TestModels.input, shape: [TestModels.points, 3])
            try #expect(r.status == 200 && (try r.decode(InferResponse.self)).version == "1", "\(r.text)")
            okCount += 1

            // An image model: PNG and PGM bodies.
            let image = try randomResNet(seed: 5, size: 8, inChannels: 1, widths: [16, 32], classes: 4, padValue: .zero)
            r = try HTTP.request(sock, "PUT", "/v1/models/img?version=a", body: image)
            #expect(r.status == 201, "\(r.text)")
            var rng = SplitMix64(seed: 3)
            let pixels = (0..<(12 * 10)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            for (type, body) in [("image/png", InputFileWriters.png(width: 12, height: 10, channels: 1, pixels)),
                                 ("image/x-portable-graymap", InputFileWriters.pgm(width: 12, height: 10, pixels))] {
                r = try HTTP.request(sock, "POST", "/v1/models/img/infer?top_k=2", headers: ["Content-Type": type], body: body)
                #expect(r.status == 200, "\(type): \(r.text)")
                let ir = try r.decode(InferResponse.self)
                #expect(ir.model == "img" && ir.version == "a" && ir.top.count == 2, "\(type): \(r.text)")
            }

            // Delete a version: not the active one.
            try expectAPIError(try HTTP.request(sock, "DELETE", "/v1/models/m/versions/1"), 409, "conflict", "delete the active version")
            r = try HTTP.request(sock, "DELETE", "/v1/models/m/versions/2")
            #expect(r.status == 200, "\(r.text)")
            info = try r.decode(ModelInfo.self)
            #expect(info.versions.map(\.version) == ["1"] && info.previousVersion == nil)
            #expect(filesUnder(s.sub("state/models/m")) == ["1.qpack"])
            try expectAPIError(try HTTP.request(sock, "DELETE", "/v1/models/m/versions/9"), 404, "version_not_found", "delete a missing version")
            try expectAPIError(try HTTP.request(sock, "POST", "/v1/models/m/rollback"), 409, "conflict", "rollback without a previous version")

            // Errors on m count in its statistics; an unknown model does not create an entry.
            r = try HTTP.request(sock, "POST", "/v1/models/m/infer", headers: ["Content-Type": "application/json"], body: Array("{\"input\":[1]}".utf8))
            try expectAPIError(r, 400, "bad_input", "wrong size")

            // Stats.
            r = try HTTP.get(sock, "/v1/stats")
            #expect(r.status == 200, "\(r.text)")
            let stats = try r.decode(StatsResponse.self)
            let m = try #require(stats.models.first { $0.name == "m" }, "\(r.text)")
            #expect(m.count == okCount && m.errors == 1, "\(r.text)")
            #expect(m.latencyMicros.p50 > 0 && m.latencyMicros.p50 <= m.latencyMicros.p90 && m.latencyMicros.p90 <= m.latencyMicros.p99
                    && m.latencyMicros.p99 <= m.latencyMicros.max, "\(r.text)")
            #expect(stats.models.map(\.name).sorted() == ["img", "m", "pointnet-101"] && stats.rejected == 0, "\(r.text)")
            j = try r.json()
            #expect(Set(((j["models"] as? [[String: Any]])?.first ?? [:]).keys) == ["name", "count", "errors", "latency_us", "breakdown_us"], "\(r.text)")

            // Metrics: Prometheus text agreeing with the stats.
            r = try HTTP.get(sock, "/v1/metrics")
            #expect(r.status == 200 && r.headers["content-type"]?.hasPrefix("text/plain") == true, "\(r.headers)")
            let lines = r.text.split(separator: "\n").map(String.init)
            // Per-model series are split by the version that served each request; summed they match the stats.
            func total(_ prefix: String) -> Double {
                lines.filter { $0.hasPrefix(prefix) }.compactMap { Double($0.split(separator: " ").last!) }.reduce(0, +)
            }
            #expect(total("qinferd_requests_total{model=\"m\",version=") == Double(okCount), "\(r.text)")
            #expect(lines.contains("qinferd_request_errors_total{model=\"m\"} 1"), "\(r.text)")
            #expect(total("qinferd_request_duration_seconds_count{model=\"m\",version=") == Double(okCount), "\(r.text)")
            #expect(lines.contains { $0.hasPrefix("qinferd_request_duration_seconds_bucket{model=\"m\",version=") && $0.contains(",le=\"+Inf\"} ") },
                    "\(r.text)")
            #expect(total("qinferd_request_duration_seconds_sum{model=\"m\",version=") * 1e6 >= Double(m.latencyMicros.p50), "\(r.text)")
            #expect(lines.contains("qinferd_rejected_total 0"), "\(r.text)")
            for line in lines where !line.hasPrefix("#") {
                #expect(line.split(separator: " ").count == 2 && Double(line.split(separator: " ").last!) != nil, "metric line: \(line)")
            }
            for name in ["qinferd_requests_total", "qinferd_request_errors_total", "qinferd_request_duration_seconds", "qinferd_rejected_total"] {
                #expect(lines.contains { $0.hasPrefix("# TYPE \(name) ") } && lines.contains { $0.hasPrefix("# HELP \(name) ") }, "\(name)")
            }

            // Delete the model: the store is empty again and the embedded default is back.
            r = try HTTP.request(sock, "DELETE", "/v1/models/m")
            try #expect(r.status == 200 && (try r.json())["deleted"] as? String == "m", "\(r.text)")
            try expectAPIError(try HTTP.get(sock, "/v1/models/m"), 404, "model_not_found", "deleted model")
            #expect(!FileManager.default.fileExists(atPath: s.sub("state/models/m")))
            r = try HTTP.request(sock, "DELETE", "/v1/models/img")
            #expect(r.status == 200, "\(r.text)")
            #expect(try HTTP.get(sock, "/v1/models").decode(ModelList.self).models.map(\.name) == ["pointnet-101"])

            // Routes that do not exist.
            try expectAPIError(try HTTP.get(sock, "/v3/health"), 404, "not_found", "outside /v1 and /v2")
            try expectAPIError(try HTTP.get(sock, "/v1/nothing"), 404, "not_found", "unknown route")
            try expectAPIError(try HTTP.request(sock, "POST", "/v1/health"), 405, "method_not_allowed", "wrong method")
            try expectHealthy(d, after: "the endpoint walk")
            #expect(!d.log.contains(" error "), "no error lines: \(d.log)")
        }

        @Test("GET /v1/events streams one NDJSON line per inference")
        func events() throws {
            let s = try Scratch()
            let d = try startDaemon(s)
            #expect(try HTTP.request(d.socket, "PUT", "/v1/models/ev?version=1", body: TestModels.b).status == 201)
            let stream = try Connection(d.socket, timeout: 20)
            try stream.send(HTTP.requestBytes("GET", "/v1/events", close: false))
            let (status, headers) = try stream.readHead()
            #expect(status == 200 && headers["content-type"] == "application/x-ndjson", "\(status) \(headers)")
            // A second subscriber on its own connection sees the same lines.
            let second = try Connection(d.socket, timeout: 20)
            try second.send(HTTP.requestBytes("GET", "/v1/events", close: false))
            _ = try second.readHead()
            let expectB = try TestModels.expectedScores(TestModels.b)
            for i in 0..<3 {
                let r = try HTTP.inferJSON(d.socket, model: "ev", points: TestModels.input, shape: [TestModels.points, 3], query: "?top_k=\(i + 1)")
                #expect(r.status == 200, "\(r.text)")
            }
            for connection in [stream, second] {
                var lines: [String] = []
                var pending: [UInt8] = []
                while lines.count < 3 {
                    let chunk = headers["transfer-encoding"] == "chunked" ? try connection.readChunk() : Array(try connection.readLine().utf8) + [10]
                    pending += chunk
                    while let nl = pending.firstIndex(of: 10) {
                        lines.append(String(decoding: pending[..<nl], as: UTF8.self))
                        pending.removeSubrange(...nl)
                    }
                }
                for (i, line) in lines.enumerated() {
                    let event = try JSONDecoder().decode(InferResponse.self, from: Data(line.utf8))
                    #expect(event.model == "ev" && event.version == "1" && event.top.count == i + 1, "\(line)")
                    #expect(event.top.first?.index == expectB.indices.max { expectB[$0] < expectB[$1] }, "\(line)")
                    #expect(event.telemetry.computeMicros > 0, "\(line)")
                }
            }
            try expectHealthy(d, after: "streaming events")
        }

        @Test("reload: POST /v1/reload and SIGHUP apply a changed config file; a broken one is refused and the running one kept")
        func reload() throws {
            let s = try Scratch()
            let config = try s.write("qinferd.toml", Array("max_body_bytes = 1048576\n".utf8))
            let d = try startDaemon(s, extra: ["--config", config])
            #expect(try HTTP.request(d.socket, "PUT", "/v1/models/m?version=1", body: TestModels.a).status == 201)
            let body = try HTTP.json(["input": TestModels.input.map(Double.init), "shape": [TestModels.points, 3]])
            #expect(body.count > 2048)
            func infer() throws -> HTTPResult {
                try HTTP.request(d.socket, "POST", "/v1/models/m/infer", headers: ["Content-Type": "application/json"], body: body)
            }
            #expect(try infer().status == 200)

            try s.write("qinferd.toml", Array("max_body_bytes = 2048\n".utf8))
            var r = try HTTP.request(d.socket, "POST", "/v1/reload")
            #expect(r.status == 200, "\(r.text)")
            #expect((try r.json())["live"] as? Bool == true, "reload answers with the health: \(r.text)")
            try expectAPIError(try infer(), 413, "payload_too_large", "body over the reloaded limit")

            try s.write("qinferd.toml", Array("max_body_bytes = 2048\nno_such_key = 1\n".utf8))
            r = try HTTP.request(d.socket, "POST", "/v1/reload")
            let message = try expectAPIError(r, 400, "bad_request", "broken config")
            #expect(message.contains("no_such_key"), "\(message)")
            try expectAPIError(try infer(), 413, "payload_too_large", "the running config stays")

            try s.write("qinferd.toml", Array("max_body_bytes = 1048576\n".utf8))
            d.signal(SIGHUP)
            try wait(timeout: 10, "SIGHUP to apply the new limit") { try infer().status == 200 }
            #expect(d.log.contains("configuration reloaded"), "\(d.log)")
            try expectHealthy(d, after: "reloads")
        }
    }
}
