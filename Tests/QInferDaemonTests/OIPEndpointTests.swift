// The Open Inference Protocol (KServe v2) on the API socket, one test per route with the spec's examples adapted to
// the shipped models: server metadata and health, model metadata and readiness, inference with FP32 and UINT8 JSON
// tensors checked against the test sets' labels and against /v1, a named inactive version, and the spec's error form.
import Foundation
import QInferDaemon
import QInferEngine
import QInferInputFormats
import QInferModel
import QInferProtocol
import QInferTestSupport
import Testing

@Suite("Open Inference Protocol endpoints", .serialized)
struct OIPEndpointTests {
    /// Asserts `r` is the spec's error body with this status, and returns the message.
    @discardableResult
    func expectError(_ r: HTTPReply, _ status: Int, _ contains: String, sourceLocation: SourceLocation = #_sourceLocation) -> String {
        #expect(r.status == status, "HTTP \(r.status) \(r.text)", sourceLocation: sourceLocation)
        #expect(r.headers["content-type"] == "application/json", "\(r.headers)", sourceLocation: sourceLocation)
        let message = r.oipError
        #expect(message?.contains(contains) == true, "expected {\"error\": \"…\(contains)…\"}, got \(r.text)", sourceLocation: sourceLocation)
        return message ?? ""
    }

    static func input(_ name: String, _ shape: [Int], _ datatype: String, _ data: Any, parameters: [String: Any]? = nil) -> [String: Any] {
        var input: [String: Any] = ["name": name, "shape": shape, "datatype": datatype, "data": data]
        if let parameters { input["parameters"] = parameters }
        return input
    }

    static func nested(_ values: [Float], rows: Int) -> [[Float]] {
        let width = values.count / rows
        return (0..<rows).map { Array(values[$0 * width ..< ($0 + 1) * width]) }
    }

    func scores(_ r: HTTPReply) throws -> [Float] {
        let response = try r.decode(OIPInferenceResponse.self)
        guard case .fp32(let scores)? = response.outputs.first?.data else { throw TestFailure("no FP32 output: \(r.text)") }
        return scores
    }

    /// /v1's answer (scores included) for the same input as an .npy body, the reference the /v2 answers must equal.
    func v1Scores(_ api: APIServer, _ path: String, npy: [UInt8]) throws -> InferResponse {
        let r = try api.request("POST", path + "?outputs=1&top_k=1", headers: ["Content-Type": "application/x-npy"], body: npy)
        guard r.status == 200 else { throw TestFailure("/v1 \(path): HTTP \(r.status) \(r.text)") }
        return try r.decode(InferResponse.self)
    }

    @Test("GET /v2: server metadata — name, version, extensions")
    func serverMetadata() throws {
        let api = try APIServer()
        for path in ["/v2", "/v2/"] {
            let r = try api.get(path)
            #expect(r.status == 200 && r.headers["content-type"] == "application/json", "\(r.text)")
            #expect(try r.decode(OIPServerMetadata.self) == OIPServerMetadata(name: "qinferd", version: Daemon.version, extensions: ["classification"]))
        }
        expectError(try api.request("POST", "/v2", body: Array("{}".utf8)), 405, "POST is not allowed on /v2 (allowed: GET)")
    }

    @Test("GET /v2/health/live and /v2/health/ready: 200 when ready, 503 {\"ready\": false} while starting; live either way")
    func health() throws {
        let api = try APIServer()
        var r = try api.get("/v2/health/live")
        #expect(r.status == 200 && r.text == #"{"live":true}"#, "\(r.text)")
        r = try api.get("/v2/health/ready")
        #expect(r.status == 200 && r.text == #"{"ready":true}"#, "\(r.text)")
        let starting = try APIServer(ready: false)
        r = try starting.get("/v2/health/ready")
        #expect(r.status == 503 && r.text == #"{"ready":false}"#, "\(r.text)")
        r = try starting.get("/v2/health/live")
        #expect(r.status == 200 && r.text == #"{"live":true}"#, "\(r.text)")
        r = try starting.get("/v2/models/irnet/ready")
        #expect(r.status == 503 && r.text == #"{"name":"irnet","ready":false}"#, "\(r.text)")
    }

    @Test("GET /v2/models/{name}: the active version's input and output tensors, every version, the platform")
    func modelMetadata() throws {
        let api = try APIServer()
        let irnet = try api.get("/v2/models/irnet").decode(OIPModelMetadata.self)
        #expect(irnet == OIPModelMetadata(name: "irnet", versions: ["1"], platform: "qinferd_qpack",
                                          inputs: [OIPTensorMetadata(name: "image", datatype: "FP32", shape: [28, 28, 1])],
                                          outputs: [OIPTensorMetadata(name: "logits", datatype: "FP32", shape: [10])]))
        let cloud = try api.get("/v2/models/bipointnet").decode(OIPModelMetadata.self)
        #expect(cloud.inputs == [OIPTensorMetadata(name: "points", datatype: "FP32", shape: [-1, 3])], "any number of points")
        #expect(cloud.outputs == [OIPTensorMetadata(name: "logits", datatype: "FP32", shape: [14])])
        #expect(try api.get("/v2/models/pn").decode(OIPModelMetadata.self).versions == ["1", "2"])
        expectError(try api.get("/v2/models/nope"), 404, "no model named 'nope'")
        expectError(try api.get("/v2/models/..x"), 400, "'..x' is not a valid model name")
    }

    @Test("GET /v2/models/{name}/versions/{version}: an inactive version's metadata; an unknown version is 404")
    func versionMetadata() throws {
        let api = try APIServer()
        let v2 = try api.get("/v2/models/pn/versions/2")
        #expect(v2.status == 200, "\(v2.text)")
        let metadata = try v2.decode(OIPModelMetadata.self)
        #expect(metadata.name == "pn" && metadata.versions == ["1", "2"] && metadata.inputs.first?.shape == [-1, 3])
        expectError(try api.get("/v2/models/pn/versions/9"), 404, "model pn has no version 9")
        expectError(try api.get("/v2/models/nope/versions/1"), 404, "no model named 'nope'")
    }

    @Test("GET /v2/models/{name}/ready and …/versions/{version}/ready: {\"name\", \"ready\"}; unknown ones are 404")
    func modelReady() throws {
        let api = try APIServer()
        for path in ["/v2/models/irnet/ready", "/v2/models/pn/versions/2/ready", "/v2/models/pn/versions/1/ready"] {
            let r = try api.get(path)
            #expect(r.status == 200, "\(path): \(r.text)")
            #expect(try r.decode(OIPModelReady.self).ready, "\(path): \(r.text)")
        }
        #expect(try api.get("/v2/models/pn/versions/2/ready").decode(OIPModelReady.self).name == "pn")
        expectError(try api.get("/v2/models/nope/ready"), 404, "no model named 'nope'")
        expectError(try api.get("/v2/models/pn/versions/3/ready"), 404, "model pn has no version 3")
    }

    @Test("POST /v2/models/irnet/infer, UINT8: test-set frames flat, nested and as a batch of one give the labelled class and /v1's scores")
    func inferUInt8Frames() throws {
        let api = try APIServer()
        let labels = try ShippedTestSets.labels("irnet")
        for i in 0..<6 {
            let (pixels, label) = try ShippedTestSets.irnet(i)
            let reference = try v1Scores(api, "/v1/models/irnet/infer", npy: InputFileWriters.npy(shape: [28, 28], u8: pixels))
            #expect(reference.top.first?.label == labels[label], "image \(i): /v1 says \(reference.top), the test set \(labels[label])")
            let rows = (0..<28).map { Array(pixels[$0 * 28 ..< ($0 + 1) * 28]).map { [$0] } }
            let forms: [([Int], Any)] = [([28, 28], pixels), ([28, 28, 1], rows), ([1, 28, 28, 1], [rows])]
            for (shape, data) in forms {
                let body: [String: Any] = ["id": "frame-\(i)", "inputs": [Self.input("image", shape, "UINT8", data)]]
                let r = try api.post("/v2/models/irnet/infer", json: body)
                #expect(r.status == 200, "\(shape): \(r.text)")
                let response = try r.decode(OIPInferenceResponse.self)
                #expect(response.modelName == "irnet" && response.modelVersion == "1" && response.id == "frame-\(i)")
                #expect(response.parameters?["top_label"] == .string(labels[label]), "image \(i) \(shape): \(r.text)")
                #expect(response.parameters?["top_index"] == .int(label))
                #expect(response.outputs.first?.shape == (shape.count == 4 ? [1, 10] : [10]), "\(r.text)")
                let got = try scores(r)
                #expect(got == reference.outputs, "image \(i) \(shape)")
            }
        }
    }

    @Test("POST /v2/models/irnet/infer, FP32: a preprocessed frame, alone or as a batch of one, equals the UINT8 answer")
    func inferFP32Frame() throws {
        let api = try APIServer()
        let (pixels, label) = try ShippedTestSets.irnet(3)
        let model = try PackedModel(path: "\(APIServer.repository)/models/irnet/irnet.qpack")
        let prepared = try InputPreparer(metadata: model.metadata).prepare(.tensor(Tensor(shape: [28, 28], storage: .uint8(pixels))))
        let u8 = try api.post("/v2/models/irnet/infer", json: ["inputs": [Self.input("image", [28, 28], "UINT8", pixels)]])
        for shape in [[28, 28, 1], [1, 28, 28, 1]] {
            let r = try api.post("/v2/models/irnet/infer", json: ["inputs": [Self.input("image", shape, "FP32", prepared)],
                                                                  "outputs": [["name": "logits"]]])
            #expect(r.status == 200, "\(shape): \(r.text)")
            let (got, want) = (try scores(r), try scores(u8))
            #expect(got == want, "\(shape)")
            let response = try r.decode(OIPInferenceResponse.self)
            #expect(response.parameters?["top_index"] == .int(label) && response.outputs.first?.shape == (shape.count == 4 ? [1, 10] : [10]))
        }
    }

    @Test("POST /v2/models/bipointnet/infer, FP32 and FP64: a test-set cloud, nested [N, 3], gives its label and /v1's scores")
    func inferPointCloud() throws {
        let api = try APIServer()
        let labels = try ShippedTestSets.labels("bipointnet")
        let (points, label) = try ShippedTestSets.cloud(0)
        let reference = try v1Scores(api, "/v1/models/bipointnet/infer", npy: InputFileWriters.npy(shape: [1024, 3], f32: points))
        #expect(reference.top.first?.label == labels[label], "/v1 says \(reference.top), the test set \(labels[label])")
        for datatype in ["FP32", "FP64"] {
            let r = try api.post("/v2/models/bipointnet/infer", json: ["id": "42", "inputs": [
                Self.input("points", [1024, 3], datatype, Self.nested(points, rows: 1024)),
            ]])
            #expect(r.status == 200, "\(datatype): \(r.text)")
            let response = try r.decode(OIPInferenceResponse.self)
            #expect(response.id == "42" && response.parameters?["top_label"] == .string(labels[label]), "\(r.text)")
            #expect(response.outputs.map(\.name) == ["logits"] && response.outputs.first?.datatype == "FP32")
            for key in ["decode_us", "queue_us", "preprocess_us", "compute_us", "total_us"] {
                guard case .int(let micros)? = response.parameters?[key], micros >= 0 else { Issue.record("\(key): \(r.text)"); continue }
            }
            let got = try scores(r)
            #expect(got == reference.outputs, "\(datatype)")
        }
    }

    @Test("the classification extension: top classes as \"score:index:label\" strings, best first")
    func classification() throws {
        let api = try APIServer()
        let (pixels, label) = try ShippedTestSets.irnet(1)
        let r = try api.post("/v2/models/irnet/infer", json: [
            "inputs": [Self.input("image", [28, 28], "UINT8", pixels)],
            "outputs": [["name": "logits", "parameters": ["classification": 3]]],
        ])
        #expect(r.status == 200, "\(r.text)")
        let output = try #require(try r.decode(OIPInferenceResponse.self).outputs.first)
        guard case .strings(let classes) = output.data else { Issue.record("not strings: \(r.text)"); return }
        #expect(output.datatype == "BYTES" && output.shape == [3] && classes.count == 3, "\(r.text)")
        let parts = classes.map { $0.split(separator: ":") }
        #expect(parts.allSatisfy { $0.count == 3 && Float($0[0]) != nil } && parts.first?[1] == "\(label)", "\(classes)")
        let scores = parts.compactMap { Float($0[0]) }
        #expect(scores == scores.sorted(by: >), "best first: \(classes)")
    }

    @Test("POST /v2/models/pn/versions/2/infer: a named inactive version serves, as on /v1; the active one differs")
    func inferInactiveVersion() throws {
        let api = try APIServer()
        let points = (0..<APIServer.randomPoints * 3).map { Float(($0 * 37) % 101) / 50 - 1 }
        let npy = InputFileWriters.npy(shape: [APIServer.randomPoints, 3], f32: points)
        let body: [String: Any] = ["inputs": [Self.input("points", [APIServer.randomPoints, 3], "FP32", points)]]
        let v2 = try api.post("/v2/models/pn/versions/2/infer", json: body)
        #expect(v2.status == 200, "\(v2.text)")
        #expect(try v2.decode(OIPInferenceResponse.self).modelVersion == "2")
        let v1 = try api.post("/v2/models/pn/infer", json: body)
        #expect(try v1.decode(OIPInferenceResponse.self).modelVersion == "1")
        let reference2 = try v1Scores(api, "/v1/models/pn/versions/2/infer", npy: npy)
        let reference1 = try v1Scores(api, "/v1/models/pn/infer", npy: npy)
        #expect(reference2.version == "2" && reference1.version == "1")
        let (got2, got1) = (try scores(v2), try scores(v1))
        #expect(got2 == reference2.outputs && got1 == reference1.outputs)
        #expect(reference1.outputs != reference2.outputs, "the two versions must differ for this test to mean anything")
        expectError(try api.post("/v2/models/pn/versions/7/infer", json: body), 404, "model pn has no version 7")
    }

    @Test("errors take the spec's form {\"error\": \"…\"} with 400/404/405/415: datatype, shape, names, JSON, routes")
    func errors() throws {
        let api = try APIServer()
        let cloud = Array(repeating: Float(0.5), count: 30)
        func infer(_ inputs: [[String: Any]], model: String = "bipointnet", extra: [String: Any] = [:]) throws -> HTTPReply {
            try api.post("/v2/models/\(model)/infer", json: extra.merging(["inputs": inputs]) { a, _ in a })
        }
        // The spec's own example, adapted: UINT32 is converted, BOOL is not a tensor qinferd can take.
        expectError(try infer([Self.input("points", [2, 2], "UINT32", [1, 2, 3, 4]), Self.input("input1", [3], "BOOL", [true])], extra: ["id": "42"]),
                    400, "model 'bipointnet' takes one input, 'points'; the request has 2 ('points', 'input1')")
        expectError(try infer([Self.input("points", [3], "BOOL", [true, false, true])]), 400, "datatype BOOL is not supported")
        expectError(try infer([Self.input("points", [10, 3], "FP8", cloud)]), 400, "datatype 'FP8' is not an Open Inference Protocol datatype")
        expectError(try infer([Self.input("points", [10, 4], "FP32", cloud)]), 400, "shape [10, 4] holds 40 values; data has 30")
        expectError(try infer([Self.input("points", [5, 6], "FP32", cloud)]), 400, "got [5, 6] f32")
        expectError(try infer([Self.input("points", [10, 3], "FP32", cloud)], model: "nope"), 404, "no model named 'nope'")
        expectError(try infer([Self.input("image", [10, 3], "FP32", cloud)]), 400, "model 'bipointnet' has no input 'image'; its input is 'points'")
        expectError(try infer([Self.input("points", [10, 3], "FP32", cloud)], extra: ["outputs": [["name": "scores"]]]), 400,
                    "has no output 'scores'; its output is 'logits'")
        expectError(try api.request("POST", "/v2/models/bipointnet/infer", headers: ["Content-Type": "application/json"],
                                    body: Array(#"{"inputs": [{"name": "points", "shape": [1, 3], "datatype": "FP32", "data": [1, 2, 3]}"#.utf8)),
                    400, "the body is not an Open Inference Protocol inference request")
        expectError(try api.request("POST", "/v2/models/bipointnet/infer", headers: ["Content-Type": "application/json"],
                                    body: Array(#"{"inputs": [{"name": "points", "datatype": "FP32", "data": [1, 2, 3]}]}"#.utf8)),
                    400, "inputs[0].shape is missing")
        expectError(try api.request("POST", "/v2/models/bipointnet/infer", headers: ["Content-Type": "application/x-npy"], body: [1, 2]),
                    415, "an inference request is JSON")
        expectError(try api.request("POST", "/v2/models/bipointnet/infer", headers: ["Inference-Header-Content-Length": "80"], body: [1, 2]),
                    415, "the binary tensor data extension")
        expectError(try api.get("/v2/models/bipointnet/infer"), 405, "GET is not allowed on /v2/models/bipointnet/infer (allowed: POST)")
        expectError(try api.get("/v2/repository/index"), 404, "no route /v2/repository/index")
        // The /v1 error form is unchanged beside it.
        let v1 = try api.get("/v1/models/nope")
        #expect(v1.status == 404 && v1.oipError == nil && v1.errorCode == "model_not_found", "\(v1.text)")
    }
}
