import Foundation
import Testing

/// `qinfer pack`, `inspect` and `verify` on the committed ONNX fixtures, through the built binary.
@Suite struct ONNXCommandTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../QInferONNXTests/Fixtures/models").standardized.path

    func fixture(_ name: String) -> (onnx: String, inputs: String) {
        ("\(Self.fixtures)/\(name)/model.onnx", "\(Self.fixtures)/\(name)/inputs.npy")
    }

    @Test func packInspectVerifyAnIRNet() throws {
        let dir = try ScratchDirectory()
        let (onnx, inputs) = fixture("irnet_s2_fpshortcut")
        let out = "\(dir.path)/irnet.qpack"
        let labels = (0..<10).map { "c\($0)" }.joined(separator: ",")
        let pack = try runQInfer(["pack", onnx, "-o", out, "--strict", "--name", "irnet-test", "--labels", labels,
                                  "--mean", "0.5", "--std", "0.25"])
        #expect(pack.status == 0, "\(pack.err)")
        #expect(pack.out.contains("2 binary layers"))

        let inspect = try runQInfer(["inspect", out, "--json"])
        #expect(inspect.status == 0, "\(inspect.err)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(inspect.out.utf8)) as? [String: Any])
        #expect(object["name"] as? String == "irnet-test")
        #expect(object["task"] as? String == "image-classification")
        #expect((object["labels"] as? [String])?.count == 10)
        let share = try #require(object["binary_mac_share"] as? Double)
        #expect(share > 0.8 && share < 1)
        let packedBytes = try #require(object["weight_bytes"] as? Int), fp32 = try #require(object["fp32_weight_bytes"] as? Int)
        #expect(fp32 > 3 * packedBytes)
        let layers = try #require(object["layers"] as? [[String: Any]])
        #expect(layers.filter { $0["kind"] as? String == "binary" }.count == 2)

        let table = try runQInfer(["inspect", out])
        #expect(table.status == 0 && table.out.contains("binary_conv2d") && table.out.contains("MACs"))

        let verify = try runQInfer(["verify", onnx, out, "--inputs", inputs, "--random", "2"])
        #expect(verify.status == 0, "\(verify.out)\(verify.err)")
        #expect(verify.out.contains("top-1 agreement 8/8"))
    }

    @Test func packAPointNetGuessesThePointCloudTask() throws {
        let dir = try ScratchDirectory()
        let (onnx, inputs) = fixture("pointnet_hardtanh_alpha")
        let out = "\(dir.path)/pn.qpack"
        let pack = try runQInfer(["pack", onnx, "-o", out, "--strict"])
        #expect(pack.status == 0, "\(pack.err)")
        let inspect = try runQInfer(["inspect", out, "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(inspect.out.utf8)) as? [String: Any])
        #expect(object["task"] as? String == "pointcloud-classification")
        let verify = try runQInfer(["verify", onnx, out, "--inputs", inputs])
        #expect(verify.status == 0, "\(verify.out)\(verify.err)")
    }

    @Test func strictRefusesAnUnmatchedSignAndWritesNothing() throws {
        let dir = try ScratchDirectory()
        let out = "\(dir.path)/x.qpack"
        let r = try runQInfer(["pack", fixture("unmatched_sign").onnx, "-o", out, "--strict"])
        #expect(r.status != 0)
        #expect(r.err.contains("--strict") && r.err.contains("not binarized"), "\(r.err)")
        #expect(!FileManager.default.fileExists(atPath: out))
        // Without --strict it packs, with a warning.
        let loose = try runQInfer(["pack", fixture("unmatched_sign").onnx, "-o", out])
        #expect(loose.status == 0 && loose.out.contains("warning: Sign-fed layer kept FP32"), "\(loose.err)")
    }

    @Test func badInputsGetClearErrorsAndLeaveFilesAlone() throws {
        let dir = try ScratchDirectory()
        let onnx = fixture("irnet_s2_fpshortcut").onnx
        let out = "\(dir.path)/m.qpack"
        // Wrong label count.
        let labels = try runQInfer(["pack", onnx, "-o", out, "--labels", "a,b"])
        #expect(labels.status != 0 && labels.err.contains("2 labels given, the model outputs 10"), "\(labels.err)")
        #expect(!FileManager.default.fileExists(atPath: out))
        // Not an ONNX file.
        let garbage = try dir.write("garbage.onnx", Array("this is not a protobuf at all".utf8))
        let bad = try runQInfer(["pack", garbage, "-o", out])
        #expect(bad.status != 0 && bad.err.contains("garbage.onnx"), "\(bad.err)")
        #expect(!FileManager.default.fileExists(atPath: out))
        // An existing file is kept unless --force.
        let keep = try dir.write("m.qpack", [1, 2, 3])
        let exists = try runQInfer(["pack", onnx, "-o", keep])
        #expect(exists.status != 0 && exists.err.contains("--force"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: keep)) == Data([1, 2, 3]))
        #expect(try runQInfer(["pack", onnx, "-o", keep, "--force"]).status == 0)
        // A .qpack from another model is refused by verify.
        let other = "\(dir.path)/other.qpack"
        #expect(try runQInfer(["pack", fixture("pointnet_hardtanh_alpha").onnx, "-o", other]).status == 0)
        let mismatch = try runQInfer(["verify", onnx, other, "--random", "1"])
        #expect(mismatch.status != 0 && mismatch.err.contains("not packed from this model"), "\(mismatch.err)")
        // An input of the wrong shape.
        let wrong = try runQInfer(["verify", onnx, keep, "--inputs", fixture("pointnet_hardtanh_alpha").inputs])
        #expect(wrong.status != 0 && wrong.err.contains("neither the model's input"), "\(wrong.err)")
    }
}
