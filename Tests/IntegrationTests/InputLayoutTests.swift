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
    }
}
