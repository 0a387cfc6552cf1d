import Foundation
import QInferProtocol
import Testing

extension Integration {
    /// A model packed with `--task tensor` and no labels (issue 18's report: `?top_k=3` answered one class of five).
    @Suite("a model without labels") struct UnlabelledModel {
        @Test("top_k ranks the model's outputs, named by index, however few labels it carries")
        func topKWithoutLabels() throws {
            let s = try Scratch()
            let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            let onnx = root.appendingPathComponent("Tests/QInferONNXTests/Fixtures/models/pointnet_relu_librapb/model.onnx").path
            try FileManager.default.createDirectory(atPath: s.sub("embedded"), withIntermediateDirectories: true)
            let pack = try runQInfer(["pack", onnx, "-o", s.sub("embedded/tensor.qpack"), "--task", "tensor", "--name", "tensor"])
            try #require(pack.status == 0, "\(pack.err)")
            let d = try startDaemon(s)
            let r = try HTTP.inferJSON(d.socket, model: "tensor", points: TestModels.input, shape: [TestModels.points, 3],
                                       query: "?top_k=3")
            #expect(r.status == 200, "\(r.text)")
            let top = try r.decode(InferResponse.self).top
            #expect(top.count == 3, "three of the five outputs: \(r.text)")
            #expect(top.allSatisfy { $0.label == "\($0.index)" }, "\(r.text)")
            let all = try HTTP.inferJSON(d.socket, model: "tensor", points: TestModels.input, shape: [TestModels.points, 3], query: "?top_k=99")
            #expect(try all.decode(InferResponse.self).top.count == 5, "top_k is capped by the outputs: \(all.text)")
        }
    }
}
