import Foundation
import QInferONNX
import SwiftProtobuf
import Testing

/// `qinfer pack` reads labels, task and preprocessing from the ONNX metadata_props, and imports models whose
/// initializers live in external data files.
@Suite struct ONNXMetadataTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../QInferONNXTests/Fixtures/models").standardized.path

    func loadFixture(_ name: String) throws -> Onnx_ModelProto {
        try Onnx_ModelProto(serializedBytes: try Data(contentsOf: URL(fileURLWithPath: "\(Self.fixtures)/\(name)/model.onnx")))
    }

    @Test func metadataPropsFillTheModelMetadata() throws {
        var model = try loadFixture("irnet_s2_fpshortcut")
        let props = ["qinfer.name": "fashion", "qinfer.version": "7", "qinfer.task": "image-classification",
                     "qinfer.labels": "[\"t-shirt\",\"trouser\",\"pullover\",\"dress\",\"coat\",\"sandal\",\"shirt\",\"sneaker\",\"bag\",\"boot\"]",
                     "qinfer.channel_order": "bgr", "qinfer.mean": "0.1,0.2,0.3", "qinfer.std": "0.5",
                     "qinfer.description": "from props"]
        model.metadataProps = props.sorted { $0.key < $1.key }.map { k, v in
            var e = Onnx_StringStringEntryProto(); e.key = k; e.value = v; return e
        }
        let dir = try ScratchDirectory()
        let onnx = try dir.write("m.onnx", [UInt8](try model.serializedData()))
        let out = "\(dir.path)/m.qpack"
        let pack = try runQInfer(["pack", onnx, "-o", out, "--version", "8"]) // a flag wins over the props
        #expect(pack.status == 0, "\(pack.err)")
        let inspect = try runQInfer(["inspect", out])
        #expect(inspect.out.contains("fashion v8 — image-classification, 10 labels"), "\(inspect.out)")
        #expect(inspect.out.contains("frame 16×16 bgr, mean [0.1, 0.2, 0.3], std [0.5, 0.5, 0.5]"), "\(inspect.out)")
        #expect(inspect.out.contains("description: from props"))
        let json = try runQInfer(["inspect", out, "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any])
        #expect((object["labels"] as? [String])?.first == "t-shirt")

        // A bad value in the props is named.
        model.metadataProps = [{ var e = Onnx_StringStringEntryProto(); e.key = "qinfer.task"; e.value = "segmentation"; return e }()]
        let bad = try dir.write("bad.onnx", [UInt8](try model.serializedData()))
        let r = try runQInfer(["pack", bad, "-o", "\(dir.path)/bad.qpack"])
        #expect(r.status != 0 && r.err.contains("segmentation"), "\(r.err)")
    }

    @Test func externalDataModelsPackAndVerify() throws {
        var model = try loadFixture("pointnet_hardtanh_alpha")
        let dir = try ScratchDirectory()
        // Move every initializer's bytes into one external file, as onnx.save(..., save_as_external_data=True) does.
        var blob = Data()
        for i in model.graph.initializer.indices {
            var t = model.graph.initializer[i]
            guard !t.rawData.isEmpty else { continue }
            let offset = blob.count
            blob.append(t.rawData)
            t.clearRawData()
            t.dataLocation = .external
            t.externalData = [("location", "weights.bin"), ("offset", "\(offset)"), ("length", "\(blob.count - offset)")].map { k, v in
                var e = Onnx_StringStringEntryProto(); e.key = k; e.value = v; return e
            }
            model.graph.initializer[i] = t
        }
        #expect(blob.count > 1000)
        _ = try dir.write("weights.bin", [UInt8](blob))
        let onnx = try dir.write("ext.onnx", [UInt8](try model.serializedData()))
        let out = "\(dir.path)/ext.qpack"
        let pack = try runQInfer(["pack", onnx, "-o", out, "--strict"])
        #expect(pack.status == 0, "\(pack.err)")
        let verify = try runQInfer(["verify", onnx, out, "--inputs", "\(Self.fixtures)/pointnet_hardtanh_alpha/inputs.npy"])
        #expect(verify.status == 0 && verify.out.contains("top-1 agreement 6/6"), "\(verify.out)\(verify.err)")
        // Without the data file the error names the tensor and the file.
        try FileManager.default.removeItem(atPath: "\(dir.path)/weights.bin")
        let missing = try runQInfer(["pack", onnx, "-o", "\(dir.path)/x.qpack"])
        #expect(missing.status != 0 && missing.err.contains("weights.bin"), "\(missing.err)")
    }

    /// Issue 18: the help said labels default to class_0…, but a `--task tensor` model is packed with none.
    @Test("pack --help says what a tensor model's labels are, and pack does that")
    func tensorLabelsHelp() throws {
        let help = try runQInfer(["pack", "--help"])
        #expect(help.status == 0, "\(help.err)")
        // The help is wrapped to the terminal's width: compare with the whitespace collapsed.
        let text = help.out.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(text.contains("class_0, class_1, … for a classifier; a --task tensor model gets none, and answers name its outputs by index"),
                "\(help.out)")
        let dir = try ScratchDirectory()
        let out = "\(dir.path)/t.qpack"
        let pack = try runQInfer(["pack", "\(Self.fixtures)/irnet_s2_fpshortcut/model.onnx", "-o", out, "--task", "tensor"])
        #expect(pack.status == 0, "\(pack.err)")
        #expect(try runQInfer(["inspect", out]).out.contains("tensor, 0 labels"))
    }
}
