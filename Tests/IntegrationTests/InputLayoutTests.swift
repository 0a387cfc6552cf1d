import Foundation
import QInferInputFormats
import QInferProtocol
import QInferTestSupport
import Testing

extension Integration {
    /// Issue 18: a PointNet exported from PyTorch as [1, 3, N], packed to run on [N, 3], served by qinferd.
    @Suite("input layouts") struct InputLayouts {
        @Test("the ONNX layout and the packed one answer alike; a cloud in neither is 400 bad_input naming both")
        func layouts() throws {
            let s = try Scratch()
            let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            let fixture = root.appendingPathComponent("Tests/QInferONNXTests/Fixtures/models/torch_bipointnet_folded").path
            try FileManager.default.createDirectory(atPath: s.sub("embedded"), withIntermediateDirectories: true)
            let pack = try runQInfer(["pack", "\(fixture)/model.onnx", "-o", s.sub("embedded/pn.qpack"), "--name", "pn",
                                      "--normalization", "none"])
            try #require(pack.status == 0, "\(pack.err)")
            let d = try startDaemon(s)

            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(fixture)/inputs.npy")))
            guard case .tensor(let t) = try decodeInput(bytes, format: .npy, name: "inputs.npy"), case .float32(let all) = t.storage else {
                throw HarnessError("inputs.npy is not an f32 tensor")
            }
            let n = 160
            let channelsFirst = Array(all[0..<(3 * n)])
            let pointsMajor = (0..<n).flatMap { p in (0..<3).map { c in channelsFirst[c * n + p] } }
            func infer(_ shape: [Int], _ values: [Float]) throws -> HTTPResult {
                try HTTP.request(d.socket, "POST", "/v1/models/pn/infer?outputs=1", headers: ["Content-Type": "application/x-npy"],
                                 body: InputFileWriters.npy(shape: shape, f32: values))
            }
            let onnx = try infer([1, 3, n], channelsFirst), packed = try infer([n, 3], pointsMajor)
            #expect(onnx.status == 200 && packed.status == 200, "\(onnx.text) \(packed.text)")
            let a = try onnx.decode(InferResponse.self).outputs, b = try packed.decode(InferResponse.self).outputs
            #expect(a != nil && a == b, "\(onnx.text) vs \(packed.text)")

            let json = try HTTP.inferJSON(d.socket, model: "pn", points: channelsFirst, shape: [3, n])
            #expect(json.status == 200, "\(json.text)")
            #expect(try json.decode(InferResponse.self).outputs == a, "\(json.text)")

            for (shape, values) in [([20, 24], channelsFirst), ([n, 1, 3], pointsMajor)] {
                let message = try expectAPIError(try infer(shape, values), 400, "bad_input", "\(shape)")
                for part in ["[N, 3]", "[3, N]", "[160, 3]", "[1, 3, 160]", "got \(shape)"] {
                    #expect(message.contains(part), "\(shape): '\(part)' missing from: \(message)")
                }
            }
            try expectHealthy(d, after: "refused layouts")
        }

        /// The shipped IR-Net's ONNX twin takes [N, 1, 28, 28]: its frames channels first were refused as "28 channels".
        @Test("a u8 frame channels first answers as [28, 28] on /v1 and /v2; a shape no layout reads is 400 naming both")
        func frameLayouts() throws {
            let s = try Scratch()
            let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            let models = root.appendingPathComponent("models/irnet").path
            try s.write("embedded/irnet.qpack", [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(models)/irnet.qpack"))))
            let d = try startDaemon(s)
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(models)/testset_images.npy")))
            guard case .tensor(let t) = try decodeInput(bytes, format: .npy, name: "testset_images.npy"), case .uint8(let all) = t.storage,
                  all.count >= 784 else {
                throw HarnessError("testset_images.npy is not u8 frames")
            }
            let frame = Array(all[0..<784])
            func v1(_ shape: [Int]) throws -> HTTPResult {
                try HTTP.request(d.socket, "POST", "/v1/models/irnet/infer?outputs=1", headers: ["Content-Type": "application/x-npy"],
                                 body: InputFileWriters.npy(shape: shape, u8: frame))
            }
            func v2(_ shape: [Int]) throws -> HTTPResult {
                let body = try HTTP.json(["inputs": [["name": "image", "shape": shape, "datatype": "UINT8", "data": frame.map(Int.init)]]])
                return try HTTP.request(d.socket, "POST", "/v2/models/irnet/infer", headers: ["Content-Type": "application/json"], body: body)
            }
            let reference = try v1([28, 28])
            try #require(reference.status == 200, "\(reference.text)")
            let expected = try reference.decode(InferResponse.self).outputs
            for shape in [[1, 28, 28], [1, 1, 28, 28], [1, 28, 28, 1]] {
                let r = try v1(shape)
                #expect(r.status == 200, "/v1 \(shape): \(r.text)")
                #expect(try r.decode(InferResponse.self).outputs == expected, "/v1 \(shape): \(r.text)")
                let oip = try v2(shape)
                #expect(oip.status == 200, "/v2 \(shape): \(oip.text)")
                guard case .fp32(let scores)? = try oip.decode(OIPInferenceResponse.self).outputs.first?.data else {
                    Issue.record("/v2 \(shape): no scores in \(oip.text)"); continue
                }
                #expect(scores == expected, "/v2 \(shape): \(oip.text)")
            }
            let parts = ["[H, W, C]", "[C, H, W]", "28×28", "[28, 28, 1]", "[1, 28, 28]"]
            for shape in [[4, 28, 7], [28, 28, 1, 1]] {
                let message = try expectAPIError(try v1(shape), 400, "bad_input", "/v1 \(shape)")
                for part in parts + ["got \(shape) u8"] { #expect(message.contains(part), "/v1 \(shape): '\(part)' missing from: \(message)") }
                let oip = try v2(shape)
                let text = try oip.json()["error"] as? String ?? ""
                #expect(oip.status == 400, "/v2 \(shape): \(oip.text)")
                for part in parts + ["got \(shape) u8"] { #expect(text.contains(part), "/v2 \(shape): '\(part)' missing from: \(oip.text)") }
            }
            try expectHealthy(d, after: "frame layouts")
        }
    }
}
