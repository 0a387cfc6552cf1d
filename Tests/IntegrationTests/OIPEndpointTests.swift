import Foundation
import QInferInputFormats
import QInferProtocol
import QInferTestSupport
import Testing

extension Integration {
    /// The Open Inference Protocol on the built qinferd, against what `qinfer run` says of the same frames.
    @Suite("Open Inference Protocol") struct OpenInferenceProtocol {
        static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

        @Test("/v2 health, metadata and UINT8 inference of IR-Net test frames: the test set's labels, `qinfer run`'s classes and scores")
        func framesAgreeWithRun() throws {
            let s = try Scratch()
            let qpack = "\(Self.root)/models/irnet/irnet.qpack"
            try s.write("embedded/irnet.qpack", [UInt8](Data(contentsOf: URL(fileURLWithPath: qpack))))
            let d = try startDaemon(s)

            var r = try HTTP.get(d.socket, "/v2/health/live")
            #expect(r.status == 200 && r.text == #"{"live":true}"#, "\(r.text)")
            r = try HTTP.get(d.socket, "/v2/health/ready")
            #expect(r.status == 200 && r.text == #"{"ready":true}"#, "\(r.text)")
            let server = try HTTP.get(d.socket, "/v2").decode(OIPServerMetadata.self)
            #expect(server.name == "qinferd" && !server.version.isEmpty && server.extensions == ["classification"])
            let metadata = try HTTP.get(d.socket, "/v2/models/irnet").decode(OIPModelMetadata.self)
            #expect(metadata.inputs == [OIPTensorMetadata(name: "image", datatype: "FP32", shape: [28, 28, 1])], "\(metadata)")
            r = try HTTP.get(d.socket, "/v2/models/irnet/versions/1/ready")
            #expect(r.status == 200 && r.text == #"{"name":"irnet","ready":true}"#, "\(r.text)")

            let imagesFile = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(Self.root)/models/irnet/testset_images.npy")))
            let labelsFile = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(Self.root)/models/irnet/testset_labels.npy")))
            guard case .tensor(let images) = try decodeInput(imagesFile, format: .npy, name: "testset_images.npy"),
                  case .uint8(let pixels) = images.storage,
                  case .tensor(let labelTensor) = try decodeInput(labelsFile, format: .npy, name: "testset_labels.npy"),
                  case .float32(let labels) = labelTensor.storage else {
                throw HarnessError("the IR-Net test set is not u8 images and int labels")
            }
            let names = try String(contentsOfFile: "\(Self.root)/models/irnet/labels.txt", encoding: .utf8).split(separator: "\n").map(String.init)
            for i in 0..<4 {
                let frame = Array(pixels[i * 784 ..< (i + 1) * 784])
                let file = try s.write("frame\(i).npy", InputFileWriters.npy(shape: [28, 28], u8: frame))
                let run = try runQInfer(["run", qpack, file, "--json"])
                try #require(run.status == 0, "\(run.err)")
                let expected = try (jsonObject(run.out)["top"] as? [[String: Any]] ?? []).map {
                    guard let index = $0["index"] as? Int, let score = ($0["score"] as? NSNumber)?.floatValue else { throw HarnessError(run.out) }
                    return (index, score)
                }
                let body = try HTTP.json(["id": "frame-\(i)",
                                          "inputs": [["name": "image", "shape": [28, 28], "datatype": "UINT8", "data": frame.map(Int.init)]],
                                          "outputs": [["name": "logits", "parameters": ["classification": expected.count]]]])
                r = try HTTP.request(d.socket, "POST", "/v2/models/irnet/infer", headers: ["Content-Type": "application/json"], body: body)
                #expect(r.status == 200, "\(r.text)")
                let response = try r.decode(OIPInferenceResponse.self)
                #expect(response.id == "frame-\(i)" && response.modelVersion == "1")
                #expect(response.parameters?["top_label"] == .string(names[Int(labels[i])]), "frame \(i): \(r.text)")
                guard case .strings(let classes)? = response.outputs.first?.data else { Issue.record("no classes: \(r.text)"); continue }
                let got = classes.map { $0.split(separator: ":") }.map { (Int($0[1]) ?? -1, Float($0[0]) ?? .nan) }
                #expect(got.map(\.0) == expected.map(\.0), "frame \(i): /v2 \(classes) vs qinfer run \(run.out)")
                #expect(zip(got, expected).allSatisfy { abs($0.1 - $1.1) <= 1e-5 * max(1, abs($1.1)) }, "frame \(i): \(classes) vs \(run.out)")
            }

            // The spec's example request, as written there: a model with other inputs is refused in the spec's error form.
            let example = try HTTP.json(["id": "42", "inputs": [
                ["name": "input0", "shape": [2, 2], "datatype": "UINT32", "data": [1, 2, 3, 4]],
                ["name": "input1", "shape": [3], "datatype": "BOOL", "data": [true]],
            ], "outputs": [["name": "output0"]]])
            r = try HTTP.request(d.socket, "POST", "/v2/models/irnet/infer", headers: ["Content-Type": "application/json"], body: example)
            var error = try r.json()
            #expect(r.status == 400 && error.count == 1 && (error["error"] as? String)?.contains("takes one input, 'image'") == true, "\(r.text)")
            r = try HTTP.request(d.socket, "POST", "/v2/models/missing/infer", headers: ["Content-Type": "application/json"], body: example)
            error = try r.json()
            #expect(r.status == 404 && error.count == 1 && (error["error"] as? String)?.contains("no model named 'missing'") == true, "\(r.text)")
            try expectHealthy(d, after: "the /v2 requests")
        }
    }
}
