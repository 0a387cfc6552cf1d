import QInferEngine
import QInferInputFormats
import QInferModel
import QInferONNX
import Testing

/// The packed model records the ONNX input's shape and where its axes went, so an input shaped for onnxruntime can
/// be taken as it is (issue 18).
@Suite struct ONNXInputLayoutTests {
    @Test("the importer records the ONNX input's layout", arguments: [
        ("torch_bipointnet_folded", [1, 3, 160], [0, 2, 1]),
        ("pointnet_nwc_matmul", [1, 200, 3], [0, 1, 2]),
        ("irnet_s2_fpshortcut", [1, 3, 16, 16], [0, 2, 3, 1]),
    ])
    func recorded(_ name: String, _ shape: [Int], _ order: [Int]) throws {
        let fx = try FixtureModel(name)
        let imported = try ONNXImporter.importModel(try ONNXModelFile(path: fx.modelPath))
        #expect(imported.onnxInput == ONNXInputLayout(shape: shape, axisOrder: order))
        let model = try packAndLoad(imported, name: name)
        #expect(model.metadata.onnxInput == imported.onnxInput, "the .qpack carries it")
    }

    @Test("an ONNX-layout input prepared from the packed file's metadata is what the importer feeds the engine",
          arguments: ["torch_bipointnet_folded", "irnet_s2_fpshortcut", "irnet_onepad_librapb"])
    func preparedLikeTheImporter(_ name: String) throws {
        let fx = try FixtureModel(name)
        let imported = try ONNXImporter.importModel(try ONNXModelFile(path: fx.modelPath))
        let model = try packAndLoad(imported, name: name)
        let preparer = InputPreparer(metadata: model.metadata)
        for input in fx.inputs {
            let given = DecodedInput.tensor(Tensor(shape: imported.inputLayout.onnxShape, storage: .float32(input)))
            #expect(try preparer.prepare(given) == imported.inputLayout.toEngine(input))
        }
    }

    @Test("a layout that does not describe the packed input is refused when writing and reading")
    func inconsistentLayoutsRefused() throws {
        let imported = try ONNXImporter.importModel(try ONNXModelFile(path: try FixtureModel("torch_bipointnet_folded").modelPath))
        let bad: [(ONNXInputLayout, String)] = [
            (ONNXInputLayout(shape: [1, 3, 160], axisOrder: [0, 0, 1]), "is not an order of the 3 axes"),
            (ONNXInputLayout(shape: [1, 3, 160], axisOrder: [0, 1]), "is not an order of the 3 axes"),
            (ONNXInputLayout(shape: [1, 3, 160], axisOrder: [0, 1, 2]), "is not the input shape [160, 3]"),
            (ONNXInputLayout(shape: [1, 3, 161], axisOrder: [0, 2, 1]), "is not the input shape [160, 3]"),
            (ONNXInputLayout(shape: [0, 3, 160], axisOrder: [0, 2, 1]), "has an axis shorter than 1"),
        ]
        for (layout, expected) in bad {
            #expect(layout.problem(packedShape: [160, 3])?.contains(expected) == true, "\(layout)")
        }
        #expect(imported.onnxInput?.problem(packedShape: [160, 3]) == nil)
        // The builder checks metadata as the reader does, so a hand-built model with a wrong layout is not written.
        var metadata = ModelMetadata(name: "m", version: "1", task: .tensor, labels: [],
                                     input: InputSignature(name: imported.inputName, shape: [160, 3]), preprocessing: Preprocessing())
        metadata.onnxInput = bad[0].0
        var builder = QPackBuilder(metadata: metadata)
        builder.addF32("w", shape: [8, 480], [Float](repeating: 0, count: 8 * 480))
        #expect {
            _ = try builder.build(input: imported.inputName, output: "y", nodes: [
                Node(name: "flat", inputs: [imported.inputName], output: "f", op: .reshape(Reshape(shape: [480]))),
                Node(name: "fc", inputs: ["f"], output: "y", op: .dense(Dense(weights: "w", bias: nil))),
            ])
        } throws: { error in
            (error as? ModelError)?.message.contains("metadata: onnx_input axis_order [0, 0, 1]") == true
        }
    }
}
