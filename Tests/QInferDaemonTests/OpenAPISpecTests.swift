// docs/openapi.yaml against the real thing: a valid OpenAPI 3.1 document by openapi-spec-validator (pinned in the
// repository's venv, tools/openapi/requirements.txt), its operations exactly the routes Router.api declares with the
// same admin marking, and real responses of every route valid against its schemas (field names, types, required).
import Crypto
import Foundation
import NIOHTTP1
@testable import QInferDaemon
import QInferSigning
import QInferTestSupport
import Testing

@Suite("OpenAPI description (docs/openapi.yaml)", .serialized)
struct OpenAPISpecTests {
    static let spec = APIServer.repository + "/docs/openapi.yaml"
    static let checker = APIServer.repository + "/tools/openapi/check_openapi.py"
    static let python = APIServer.repository + "/.venv/bin/python"

    struct Checked: Decodable {
        struct Operation: Decodable, Hashable { var method: String; var path: String; var access: String }
        var operations: [Operation]
        var samples: Int
    }

    /// Runs the checker; stdout and stderr are small, so reading one after the other cannot block the child.
    static func check(_ spec: String = spec, samples: String? = nil) throws -> (status: Int32, out: String, err: String) {
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw TestFailure("no \(python): run `make python-deps` (bash tools/onnx/setup-venv.sh) first")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [checker, spec] + (samples.map { ["--samples", $0] } ?? [])
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }

    @Test("valid OpenAPI 3.1, and its operations are exactly Router.api's routes, admin ones marked admin")
    func matchesRouter() throws {
        let r = try Self.check()
        #expect(r.status == 0, "\(r.err)")
        let documented = Set(try JSONDecoder().decode(Checked.self, from: Data(r.out.utf8)).operations)
        let declared = Set(Router.api.routes.map {
            Checked.Operation(method: $0.method.rawValue, path: $0.template, access: $0.access == .admin ? "admin" : "anyone")
        })
        let undocumented = declared.subtracting(documented).map { "\($0.method) \($0.path) (\($0.access))" }.sorted()
        let stale = documented.subtracting(declared).map { "\($0.method) \($0.path) (\($0.access))" }.sorted()
        #expect(undocumented.isEmpty, "routes qinferd declares that docs/openapi.yaml lacks or marks otherwise: \(undocumented)")
        #expect(stale.isEmpty, "operations in docs/openapi.yaml that qinferd does not declare (so): \(stale)")
        #expect(declared.count == Router.api.routes.count && declared.contains { $0.path.hasPrefix("/v2") })
    }

    @Test("the checker fails broken documents: a missing info, a $ref to nothing, a value lost to a YAML comma", arguments: [
        ("info:", "infos:", "'info' is a required property"),
        ("{$ref: '#/components/schemas/Stats'}", "{$ref: '#/components/schemas/Statz'}", "PointerToNowhere"),
        ("description: 'The HTTP status, repeated.'", "description: The HTTP status, repeated.", "has no value"),
        ("      x-qinferd-access: admin\n      responses:\n        '200':\n          description: Reloaded",
         "      responses:\n        '200':\n          description: Reloaded", "POST /v1/reload: x-qinferd-access is None"),
    ])
    func rejectsBroken(_ find: String, _ replace: String, _ expected: String) throws {
        let text = try String(contentsOfFile: Self.spec, encoding: .utf8)
        try #require(text.contains(find), "docs/openapi.yaml no longer contains \(find.debugDescription); update this test")
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broken = directory.path + "/openapi.yaml"
        try text.replacingOccurrences(of: find, with: replace).write(toFile: broken, atomically: true, encoding: .utf8)
        let r = try Self.check(broken)
        #expect(r.status == 1 && r.err.contains(expected), "status \(r.status): \(r.err.prefix(600))")
    }

    /// A response as the checker wants it: the route's template, the status, the content type and the parsed body.
    static func sample(_ method: String, _ template: String, _ reply: HTTPReply) -> [String: Any] {
        let contentType = reply.headers["content-type"] ?? ""
        let body: Any = contentType.hasPrefix("application/json")
            ? ((try? JSONSerialization.jsonObject(with: Data(reply.body))) ?? reply.text) : reply.text
        return ["method": method, "path": template, "status": reply.status, "content_type": contentType, "body": body]
    }

    @Test("a response of every route (but the endless event stream), errors included, is valid against the document's schema")
    func responsesMatch() throws {
        let api = try APIServer()
        var samples: [[String: Any]] = []
        func record(_ method: String, _ template: String, _ path: String, headers: [String: String] = [:], body: [UInt8] = [],
                    expect status: Int) throws {
            let r = try api.request(method, path, headers: headers, body: body)
            #expect(r.status == status, "\(method) \(path): \(r.status) \(r.text)")
            samples.append(Self.sample(method, template, r))
        }
        let json = ["Content-Type": "application/json"]
        let points = (0..<APIServer.randomPoints * 3).map { Float($0 % 17) / 8 - 1 }
        let npy = InputFileWriters.npy(shape: [APIServer.randomPoints, 3], f32: points)
        let upload = try randomPointNet(seed: 303, points: APIServer.randomPoints, widths: [32, 64, 65], classes: 6)
        let oip = try JSONSerialization.data(withJSONObject: ["id": "7", "inputs": [
            ["name": "points", "shape": [APIServer.randomPoints, 3], "datatype": "FP32", "data": points],
        ]])
        let output = try api.get("/v2/models/pn/versions/2").json()["outputs"] as? [[String: Any]]
        let classify = try JSONSerialization.data(withJSONObject: [
            "inputs": [["name": "points", "shape": [1, APIServer.randomPoints, 3], "datatype": "FP32", "data": points]],
            "outputs": [["name": output?.first?["name"] ?? "", "parameters": ["classification": 2]]],
        ])

        try record("GET", "/v1/health", "/v1/health", expect: 200)
        try record("GET", "/v1/models", "/v1/models", expect: 200)
        try record("GET", "/v1/models/{name}", "/v1/models/pn", expect: 200)
        try record("GET", "/v1/models/{name}", "/v1/models/nope", expect: 404)
        try record("POST", "/v1/models/{name}/infer", "/v1/models/pn/infer?outputs=1&top_k=3", headers: ["Content-Type": "application/x-npy"],
                   body: npy, expect: 200)
        try record("POST", "/v1/models/{name}/infer", "/v1/models/pn/infer", headers: json, body: Array("{\"input\": [1]}".utf8), expect: 400)
        try record("POST", "/v1/models/{name}/versions/{version}/infer", "/v1/models/pn/versions/2/infer",
                   headers: ["Content-Type": "application/x-npy"], body: npy, expect: 200)
        try record("PUT", "/v1/models/{name}", "/v1/models/pn?version=3", body: upload, expect: 201)
        try record("PUT", "/v1/models/{name}", "/v1/models/pn?version=3", body: upload, expect: 409)
        try record("POST", "/v1/models/{name}/activate", "/v1/models/pn/activate", headers: json, body: Array(#"{"version": "3"}"#.utf8), expect: 200)
        try record("POST", "/v1/models/{name}/rollback", "/v1/models/pn/rollback", expect: 200)
        try record("DELETE", "/v1/models/{name}/versions/{version}", "/v1/models/pn/versions/3", expect: 200)
        // Signed (by a key this daemon does not trust, accepted since none is required): the answer names the signer.
        let directory0 = try TemporaryDirectory()
        defer { directory0.remove() }
        let unsignedPath = directory0.path + "/unsigned.qpack"
        try Data(upload).write(to: URL(fileURLWithPath: unsignedPath))
        let signed = try ModelSigner.signedBytes(of: unsignedPath, key: Curve25519.Signing.PrivateKey())
        try record("PUT", "/v1/models/{name}", "/v1/models/pn?version=4", body: signed, expect: 201)
        #expect((samples.last?["body"] as? [String: Any])?["signer"] is String, "\(samples.last ?? [:])")
        var malformed = signed
        malformed[malformed.count - 128] = 0x58 // magic "XSIG"
        try record("PUT", "/v1/models/{name}", "/v1/models/pn?version=5", body: malformed, expect: 400)
        #expect("\(samples.last?["body"] ?? "")".contains("bad_signature"), "\(samples.last ?? [:])")
        try record("PUT", "/v1/models/{name}", "/v1/models/scratch?version=1", body: upload, expect: 201)
        try record("DELETE", "/v1/models/{name}", "/v1/models/scratch", expect: 200)
        // Live sources: a directory source that answered a frame, and a socket source retrying after a failed start.
        let watched = try TemporaryDirectory()
        defer { watched.remove() }
        var withSources = api.daemon.config
        withSources.sources = [
            SourceConfig(name: "drop", model: "pn", maxRate: 30, input: .directory(path: watched.path)),
            SourceConfig(name: "lidar", model: "pn", onOverrun: .dropNewest, results: .both,
                         input: .pointCloudSocket(SourceSocket(path: watched.path + "/lidar.sock"))),
        ]
        api.daemon.sources.start(daemon: api.daemon) { path, _, _ in throw TestFailure("no socket binder in this test (\(path))") }
        defer { api.daemon.sources.stop() }
        api.daemon.reload(withSources)
        let staged = watched.path + "/.frame.npy"
        try Data(npy).write(to: URL(fileURLWithPath: staged))
        let end = ContinuousClock.now + .seconds(20)
        var listed = api.daemon.sources.list()
        // Renamed in once the watch is in place (the runner starts it on its own queue), as an atomic writer would.
        while listed.sources.first?.inferred != 1 && ContinuousClock.now < end {
            if listed.sources.first?.state == "running" && FileManager.default.fileExists(atPath: staged) {
                rename(staged, watched.path + "/frame.npy")
            }
            usleep(20_000)
            listed = api.daemon.sources.list()
        }
        #expect(listed.sources.map(\.inferred) == [1, 0] && listed.sources.last?.state == "retrying", "\(listed)")
        try record("GET", "/v1/sources", "/v1/sources", expect: 200)
        try record("GET", "/v1/stats", "/v1/stats", expect: 200)
        try record("GET", "/v1/metrics", "/v1/metrics", expect: 200)
        try record("POST", "/v1/reload", "/v1/reload", expect: 200)
        try record("GET", "/v2", "/v2", expect: 200)
        try record("GET", "/v2/health/live", "/v2/health/live", expect: 200)
        try record("GET", "/v2/health/ready", "/v2/health/ready", expect: 200)
        try record("GET", "/v2/models/{name}", "/v2/models/irnet", expect: 200)
        try record("GET", "/v2/models/{name}", "/v2/models/nope", expect: 404)
        try record("GET", "/v2/models/{name}/versions/{version}", "/v2/models/pn/versions/2", expect: 200)
        try record("GET", "/v2/models/{name}/ready", "/v2/models/pn/ready", expect: 200)
        try record("GET", "/v2/models/{name}/versions/{version}/ready", "/v2/models/pn/versions/2/ready", expect: 200)
        try record("POST", "/v2/models/{name}/infer", "/v2/models/pn/infer", headers: json, body: [UInt8](oip), expect: 200)
        try record("POST", "/v2/models/{name}/infer", "/v2/models/pn/infer", headers: json, body: Array("{}".utf8), expect: 400)
        try record("POST", "/v2/models/{name}/versions/{version}/infer", "/v2/models/pn/versions/2/infer", headers: json,
                   body: [UInt8](classify), expect: 200)

        let covered = Set(samples.map { "\($0["method"] ?? "") \($0["path"] ?? "")" })
        let all = Set(Router.api.routes.map { "\($0.method.rawValue) \($0.template)" })
        #expect(all.subtracting(covered) == ["GET /v1/events"], "routes without a sample: \(all.subtracting(covered).sorted())")

        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = directory.path + "/samples.json"
        try JSONSerialization.data(withJSONObject: samples).write(to: URL(fileURLWithPath: file))
        let r = try Self.check(samples: file)
        #expect(r.status == 0, "\(r.err)")
        #expect(try JSONDecoder().decode(Checked.self, from: Data(r.out.utf8)).samples == samples.count, "\(r.out)")

        // The same check refuses a body that strays from the schema, so the pass above means something.
        var strayed = samples
        for i in strayed.indices where strayed[i]["path"] as? String == "/v1/health" {
            var body = strayed[i]["body"] as? [String: Any] ?? [:]
            body["uptime"] = body.removeValue(forKey: "uptime_s")
            strayed[i]["body"] = body
        }
        try JSONSerialization.data(withJSONObject: strayed).write(to: URL(fileURLWithPath: file))
        let refused = try Self.check(samples: file)
        #expect(refused.status == 1 && refused.err.contains("GET /v1/health 200") && refused.err.contains("uptime"), "\(refused.err)")
    }
}
