// The Open Inference Protocol's wire types in QInferProtocol, without a daemon: a request's JSON → a checked plan
// (tensor, options) and an answer → the response JSON, with every malformed request refused by a message that names
// the field and what was expected.
import Foundation
import QInferInputFormats
import QInferProtocol
import Testing

@Suite("Open Inference Protocol wire types")
struct OIPWireTests {
    static let cloud = OIPModelSignature(model: "bipointnet", inputName: "points", inputRank: 2, outputName: "logits")
    static let image = OIPModelSignature(model: "irnet", inputName: "image", inputRank: 3, outputName: "logits")

    func plan(_ json: String, for model: OIPModelSignature = cloud) throws(APIFailure) -> OIPInferencePlan {
        try OIPInferencePlan(try OIPInferenceRequest.decode(Array(json.utf8), contentType: "application/json", binaryHeaderLength: nil),
                             for: model)
    }

    func refusal(_ json: String, for model: OIPModelSignature = cloud, contentType: String? = "application/json",
                 binary: String? = nil) -> APIFailure? {
        do {
            let request = try OIPInferenceRequest.decode(Array(json.utf8), contentType: contentType, binaryHeaderLength: binary)
            let p = try OIPInferencePlan(request, for: model)
            Issue.record("accepted: \(p.tensor)")
            return nil
        } catch { return error }
    }

    @Test("flat and nested data give the same row-major tensor; FP32 stays float, the id is kept, outputs by name")
    func flatAndNested() throws {
        let flat = try plan(#"{"id": "42", "inputs": [{"name": "points", "shape": [2, 3], "datatype": "FP32", "data": [1, 2, 3, 4.5, 5, 6]}],"#
                            + #" "outputs": [{"name": "logits"}]}"#)
        let nested = try plan(#"{"inputs": [{"name": "points", "shape": [2, 3], "datatype": "FP32", "data": [[1, 2, 3], [4.5, 5, 6]]}]}"#)
        #expect(flat.tensor == Tensor(shape: [2, 3], storage: .float32([1, 2, 3, 4.5, 5, 6])))
        #expect(nested.tensor == flat.tensor)
        #expect(flat.id == "42" && nested.id == nil && flat.outputName == "logits" && flat.classification == nil && !flat.batched)
        #expect(flat.options == InferenceOptions(topK: 1, includeOutputs: true))
    }

    @Test("every numeric datatype converts where float32 holds it exactly; UINT8 stays bytes", arguments: [
        ("INT8", "[-128, 127, 0]", Tensor.Storage.float32([-128, 127, 0])),
        ("INT16", "[-32768, 32767, 1]", .float32([-32768, 32767, 1])),
        ("INT32", "[16777216, -16777216, 7]", .float32([16_777_216, -16_777_216, 7])),
        ("INT64", "[3, 2, 1]", .float32([3, 2, 1])),
        ("UINT16", "[65535, 0, 9]", .float32([65535, 0, 9])),
        ("UINT32", "[1, 2, 3]", .float32([1, 2, 3])),
        ("UINT64", "[4, 5, 6]", .float32([4, 5, 6])),
        ("FP16", "[65504, -0.5, 0.25]", .float32([65504, -0.5, 0.25])),
        ("FP64", "[0.1, -2.5, 1e30]", .float32([0.1, -2.5, 1e30])),
        ("UINT8", "[0, 255, 17]", .uint8([0, 255, 17])),
    ] as [(String, String, Tensor.Storage)])
    func datatypes(_ datatype: String, _ data: String, _ expected: Tensor.Storage) throws {
        let p = try plan(#"{"inputs": [{"name": "points", "shape": [1, 3], "datatype": ""# + datatype + #"", "data": "# + data + "}]}")
        #expect(p.tensor.storage == expected, "\(datatype)")
    }

    @Test("values a datatype or float32 cannot hold are refused with the datatype, index and value", arguments: [
        ("UINT8", "[0, 256, 1]", "input 'points' (UINT8): data[1] is 256, not an integer in 0…255"),
        ("UINT8", "[0, 1.5, 1]", "data[1] is 1.5, not an integer in 0…255"),
        ("UINT8", "[-1, 1, 1]", "data[0] is -1, not an integer in 0…255"),
        ("INT8", "[0, 1, 128]", "input 'points' (INT8): data[2] is 128, not an integer in -128…127"),
        ("INT32", "[0, 16777217, 1]", "(INT32): data[1] is 16777217, which float32 cannot hold exactly"),
        ("INT64", "[0, 0.5, 1]", "(INT64): data[1] is 0.5, not an integer"),
        ("FP16", "[0, 70000, 1]", "(FP16): data[1] is 70000, not a finite FP16 value"),
        ("FP32", "[0, 1e39, 1]", "(FP32): data[1] is 1e+39, not a finite FP32 value"),
    ])
    func outOfRange(_ datatype: String, _ data: String, _ expected: String) {
        let e = refusal(#"{"inputs": [{"name": "points", "shape": [3], "datatype": ""# + datatype + #"", "data": "# + data + "}]}")
        #expect(e?.code == .badInput && e?.message.contains(expected) == true, "\(e?.message ?? "")")
    }

    @Test("BOOL, BYTES and unknown datatypes are refused by name, before their data is read", arguments: [
        ("BOOL", "[true, false, true]", "datatype BOOL is not supported"),
        ("BYTES", #"["a", "b", "c"]"#, "datatype BYTES is not supported"),
        ("FLOAT32", "[1, 2, 3]", "datatype 'FLOAT32' is not an Open Inference Protocol datatype (BOOL, BYTES, UINT8"),
        ("fp32", "[1, 2, 3]", "datatype 'fp32' is not an Open Inference Protocol datatype"),
    ])
    func unsupportedDatatypes(_ datatype: String, _ data: String, _ expected: String) {
        let e = refusal(#"{"inputs": [{"name": "points", "shape": [3], "datatype": ""# + datatype + #"", "data": "# + data + "}]}")
        #expect(e?.code == .badInput && e?.message.contains(expected) == true, "\(e?.message ?? "")")
    }

    @Test("shape and data must agree: the count, the nesting, the box; messages name both sides", arguments: [
        (#"[3, 3]"#, "[1, 2, 3, 4, 5, 6]", "shape [3, 3] holds 9 values; data has 6"),
        (#"[2, 3]"#, "[[1, 2], [3, 4], [5, 6]]", "data is nested as [3, 2] but the shape is [2, 3]"),
        (#"[2, 3]"#, "[[1, 2, 3], [4, 5]]", "data[1] has 2 elements where the arrays before it at that depth have 3"),
        (#"[2, 3]"#, "[[1, 2, 3], 4, 5, 6]", "data[1] is a number where other elements at that depth are arrays"),
        (#"[3]"#, "[1, 2, true]", "data[2] is true, not a number"),
        (#"[1, 2]"#, #"[[1, "x"]]"#, "data[0][1] is the string \"x\", not a number"),
        (#"[3]"#, "7", "data must be a JSON array of numbers (flat or nested), not 7"),
        (#"[-1, 3]"#, "[1, 2, 3]", "shape [-1, 3] has a negative dimension"),
        (#"[0, 3]"#, "[]", "shape [0, 3] holds no values"),
        (#"[]"#, "[1]", "shape [] has 0 axes; 1 to 8 are accepted"),
        (#"[4611686018427387904, 4]"#, "[1]", "holds no values or more than fit in memory"),
    ])
    func shapeAndData(_ shape: String, _ data: String, _ expected: String) {
        let e = refusal(#"{"inputs": [{"name": "points", "shape": "# + shape + #", "datatype": "FP32", "data": "# + data + "}]}")
        #expect(e?.code == .badInput && e?.message.contains(expected) == true, "\(e?.message ?? "")")
    }

    @Test("malformed requests name the field: not JSON, missing or mistyped members, wrong input and output names", arguments: [
        ("{\"inputs\": [", "is not an Open Inference Protocol inference request"),
        ("", "the body is empty"),
        ("{}", "inputs is missing"),
        (#"{"inputs": [{"name": "points", "datatype": "FP32", "data": [1, 2, 3]}]}"#, "inputs[0].shape is missing"),
        (#"{"inputs": [{"name": "points", "shape": [1, "3"], "datatype": "FP32", "data": [1, 2, 3]}]}"#, "inputs[0].shape[1] is not an integer"),
        (#"{"id": 42, "inputs": []}"#, "id is not a string"),
        (#"{"inputs": []}"#, "model 'bipointnet' takes one input, 'points'; the request has 0"),
        (#"{"inputs": [{"name": "input0", "shape": [3], "datatype": "FP32", "data": [1, 2, 3]}]}"#,
         "model 'bipointnet' has no input 'input0'; its input is 'points'"),
        (#"{"inputs": [{"name": "points", "shape": [3], "datatype": "FP32", "data": [1, 2, 3]}], "outputs": [{"name": "output0"}]}"#,
         "model 'bipointnet' has no output 'output0'; its output is 'logits'"),
        (#"{"inputs": [{"name": "points", "shape": [3], "datatype": "FP32", "data": [1, 2, 3]}], "outputs": [{"name": "logits", "#
            + #""parameters": {"classification": "3"}}]}"#, "parameter classification must be a positive integer (the number of classes to return); got \"3\""),
        (#"{"inputs": [{"name": "points", "shape": [3], "datatype": "FP32", "data": [1, 2, 3]}], "outputs": [{"name": "logits", "#
            + #""parameters": {"classification": 0}}]}"#, "got 0"),
        (#"{"inputs": [{"name": "points", "shape": [3], "datatype": "FP32", "parameters": {"binary_data_size": 12}}]}"#, "inputs[0].data is missing"),
        (#"{"inputs": [{"name": "points", "shape": [3], "datatype": "FP32", "parameters": {"binary_data_size": 12}, "data": []}]}"#,
         "the binary tensor data extension is not supported"),
    ])
    func malformed(_ json: String, _ expected: String) {
        let e = refusal(json)
        #expect(e.map { [400].contains($0.code.status) } == true && e?.message.contains(expected) == true, "\(e?.message ?? "")")
    }

    @Test("the binary extension's header and non-JSON content types are refused as 415, naming them")
    func contentTypes() {
        let ok = #"{"inputs": [{"name": "points", "shape": [3], "datatype": "FP32", "data": [1, 2, 3]}]}"#
        var e = refusal(ok, binary: "120")
        #expect(e?.code == .unsupportedMediaType && e?.message.contains("Inference-Header-Content-Length: 120") == true, "\(e?.message ?? "")")
        e = refusal(ok, contentType: "application/octet-stream")
        #expect(e?.code == .unsupportedMediaType && e?.message.contains("the content type is 'application/octet-stream'") == true)
        #expect((try? OIPInferenceRequest.decode(Array(ok.utf8), contentType: nil, binaryHeaderLength: nil)) != nil, "no content type is JSON")
        #expect((try? OIPInferenceRequest.decode(Array(ok.utf8), contentType: "Application/JSON; charset=utf-8", binaryHeaderLength: nil)) != nil)
    }

    @Test("a batch of one: the output gets the axis, UINT8 frames lose it (the engine takes [H, W, C])")
    func batchOfOne() throws {
        let frame = try plan(#"{"inputs": [{"name": "image", "shape": [1, 2, 2, 1], "datatype": "UINT8", "data": [[[[1], [2]], [[3], [4]]]]}]}"#,
                             for: Self.image)
        #expect(frame.batched && frame.tensor == Tensor(shape: [2, 2, 1], storage: .uint8([1, 2, 3, 4])))
        let single = try plan(#"{"inputs": [{"name": "image", "shape": [2, 2], "datatype": "UINT8", "data": [1, 2, 3, 4]}]}"#, for: Self.image)
        #expect(!single.batched && single.tensor.shape == [2, 2])
        let onnx = try plan(#"{"inputs": [{"name": "points", "shape": [1, 3, 2], "datatype": "FP32", "data": [1, 2, 3, 4, 5, 6]}]}"#)
        #expect(onnx.batched && onnx.tensor.shape == [1, 3, 2], "an FP32 tensor keeps its shape: the engine matches layouts")
    }

    static func answer(outputs: [Float]?, top: [Prediction]) -> InferResponse {
        InferResponse(model: "irnet", version: "3", top: top, outputs: outputs,
                      telemetry: Telemetry(queueMicros: 5, preprocessMicros: 6, computeMicros: 70, totalMicros: 90,
                                           energy: EnergyTelemetry(joules: 0.01, joulesAboveIdle: 0.005, averageWatts: 5, source: "x", estimated: true)))
    }

    @Test("the response: scores as FP32 with the shortest decimals, the best class and telemetry as flat parameters, the id echoed")
    func response() throws {
        let p = try plan(#"{"id": "a-1", "inputs": [{"name": "points", "shape": [1, 4, 3], "datatype": "FP32", "data": "#
                         + "[\(Array(repeating: "0.5", count: 12).joined(separator: ","))]}]}")
        let top = [Prediction(index: 1, label: "trouser", score: 7.91)]
        let encoded = try JSONEncoder().encode(p.response(Self.answer(outputs: [0.1, 7.91, -3], top: top)))
        let json = try #require(try JSONSerialization.jsonObject(with: encoded) as? [String: Any])
        #expect(json["model_name"] as? String == "irnet" && json["model_version"] as? String == "3" && json["id"] as? String == "a-1")
        let outputs = try #require(json["outputs"] as? [[String: Any]])
        #expect(outputs.count == 1 && outputs[0]["name"] as? String == "logits" && outputs[0]["datatype"] as? String == "FP32")
        #expect(outputs[0]["shape"] as? [Int] == [1, 3], "batch of one in, batch of one out")
        let text = String(decoding: encoded, as: UTF8.self)
        #expect(text.contains("[0.1,7.91,-3]") && text.contains("\"top_score\":7.91"), "\(text)")
        let parameters = try #require(json["parameters"] as? [String: Any])
        #expect(parameters["top_label"] as? String == "trouser" && parameters["top_index"] as? Int == 1)
        #expect(parameters["compute_us"] as? Int == 70 && parameters["total_us"] as? Int == 90 && parameters["energy_j"] as? Double == 0.01)
        #expect(parameters["energy_estimated"] as? Bool == true)
        #expect(parameters.values.allSatisfy { !($0 is [Any]) && !($0 is [String: Any]) }, "parameters are flat: \(parameters)")
        let decoded = try JSONDecoder().decode(OIPInferenceResponse.self, from: encoded)
        #expect(decoded.outputs.first?.data == .fp32([0.1, 7.91, -3]))
    }

    @Test("the classification extension: the top n as BYTES \"score:index:label\", no scores asked for")
    func classification() throws {
        let p = try plan(#"{"inputs": [{"name": "points", "shape": [3], "datatype": "FP32", "data": [1, 2, 3]}], "#
                         + #""outputs": [{"name": "logits", "parameters": {"classification": 2, "binary_data": true}}]}"#)
        #expect(p.classification == 2 && p.options == InferenceOptions(topK: 2, includeOutputs: false))
        let top = [Prediction(index: 7, label: "sneaker", score: 9.5), Prediction(index: 5, label: "sandal", score: 2.25)]
        let r = p.response(Self.answer(outputs: nil, top: top))
        #expect(r.outputs == [OIPResponseOutput(name: "logits", shape: [2], datatype: "BYTES", data: .strings(["9.5:7:sneaker", "2.25:5:sandal"]))])
        #expect(r.id == nil && r.parameters?["top_label"] == .string("sneaker"))
    }

    @Test("/v2 requests, and only they, take the spec's error form")
    func paths() {
        for uri in ["/v2", "/v2/", "/v2?x=1", "/v2/models/irnet/infer", "/v2/health/live"] { #expect(OIPPaths.covers(uri), "\(uri)") }
        for uri in ["/v1/models", "/v20", "/v2x/models", "/", "v2"] { #expect(!OIPPaths.covers(uri), "\(uri)") }
        let body = try? JSONEncoder().encode(OIPErrorBody(error: "no model named 'x'"))
        #expect(body.map { String(decoding: $0, as: UTF8.self) } == #"{"error":"no model named 'x'"}"#)
    }
}
