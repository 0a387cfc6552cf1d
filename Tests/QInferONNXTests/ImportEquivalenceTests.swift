import QInferEngine
import QInferKernels
import QInferModel
import QInferONNX
import Testing

/// The committed BiPointNet-/IR-Net-like ONNX models, imported and packed, against onnxruntime's outputs.
@Suite struct ImportEquivalenceTests {
    static let binaryModels = FixtureModel.all().filter { $0 != "unmatched_sign" }

    /// Largest |a − b| relative to the largest reference logit, and whether the top-1 class agrees.
    static func compare(_ got: [Float], _ ref: [Float]) -> (relative: Float, top1: Bool) {
        let scale = max(ref.map { abs($0) }.max() ?? 1, 1e-6)
        let diff = zip(got, ref).map { abs($0 - $1) }.max() ?? 0
        let argmax = { (v: [Float]) in v.indices.max { v[$0] < v[$1] }! }
        return (diff / scale, argmax(got) == argmax(ref))
    }

    @Test func fixturesArePresent() {
        #expect(Self.binaryModels.filter { $0.hasPrefix("pointnet") }.count >= 3)
        #expect(Self.binaryModels.filter { $0.hasPrefix("irnet") }.count >= 3)
    }

    @Test(arguments: binaryModels)
    func packedEngineMatchesOnnxruntime(_ name: String) throws {
        let fx = try FixtureModel(name)
        let refs = try #require(fx.outputs, "run tools/onnx/reference_outputs.py")
        let file = try ONNXModelFile(path: fx.modelPath)
        let imported = try ONNXImporter.importModel(file, options: ImportOptions(strict: true))
        #expect(imported.unmatchedSigns.isEmpty)
        #expect(imported.layers.contains { $0.binary }, "no layer of \(name) was binarized")
        let model = try packAndLoad(imported, name: name)
        for isa in [QK_ISA_SCALAR, nil] as [qk_isa?] { // the reference kernels and the best this CPU runs
            let engine = try Engine(model: model, threads: 1, isa: isa)
            for (i, input) in fx.inputs.enumerated() {
                let got = imported.outputLayout.toONNX(try engine.run(imported.inputLayout.toEngine(input)))
                let (rel, top1) = Self.compare(got, refs[i])
                #expect(top1, "\(name) input \(i) isa \(isa): top-1 differs: \(got) vs \(refs[i])")
                #expect(rel <= 1e-3, "\(name) input \(i) isa \(isa): max error \(rel) of the largest logit")
            }
        }
    }

    @Test(arguments: binaryModels + ["unmatched_sign"])
    func interpreterMatchesOnnxruntime(_ name: String) throws {
        let fx = try FixtureModel(name)
        let refs = try #require(fx.outputs)
        let interpreter = try ONNXInterpreter(file: try ONNXModelFile(path: fx.modelPath))
        for (i, input) in fx.inputs.enumerated() {
            let (rel, top1) = Self.compare(try interpreter.run(input), refs[i])
            #expect(top1 && rel <= 1e-4, "\(name) input \(i): interpreter error \(rel)")
        }
    }

    @Test func strictRefusesAnUnmatchedSign() throws {
        let fx = try FixtureModel("unmatched_sign")
        let file = try ONNXModelFile(path: fx.modelPath)
        #expect {
            try ONNXImporter.importModel(file, options: ImportOptions(strict: true))
        } throws: { error in
            guard case .strict(_, let op, let reason) = error as? ImportError else { return false }
            return op == "Conv" && reason.contains("output channel")
        }
        // Without --strict the layer stays FP32 (a float Sign feeding a float Conv) and still matches.
        let imported = try ONNXImporter.importModel(file)
        #expect(imported.unmatchedSigns.count == 1)
        let model = try packAndLoad(imported, name: "unmatched")
        let engine = try Engine(model: model)
        for (i, input) in fx.inputs.enumerated() {
            let got = imported.outputLayout.toONNX(try engine.run(imported.inputLayout.toEngine(input)))
            let (rel, top1) = Self.compare(got, fx.outputs![i])
            #expect(top1 && rel <= 1e-4, "input \(i): error \(rel)")
        }
    }
}
