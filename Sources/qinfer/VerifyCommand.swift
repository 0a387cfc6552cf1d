// `qinfer verify`: an ONNX model and the .qpack packed from it, run side by side on the same inputs.
import ArgumentParser
import Foundation
import QInferEngine
import QInferInputFormats
import QInferKernels
import QInferModel
import QInferONNX
import QInferRandom

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run an ONNX model and its .qpack on the same inputs; report logit errors and top-1 agreement.",
        discussion: """
        The ONNX side runs in qinfer's ONNX interpreter (plain FP32 in ONNX layout and semantics, checked against \
        onnxruntime in the test suite); the .qpack side runs in the engine with the binary kernels. Inputs are .npy \
        or raw .f32 tensors in the ONNX input's layout: one sample ([1, C, H, W] or [C, H, W]) or a batch ([K, C, H, W]). \
        Errors are relative to the largest |logit| of the ONNX output. Exits 1 when a top-1 differs or an error \
        exceeds --tolerance.
        """
    )

    @Argument(help: "The ONNX model.") var onnx: String
    @Argument(help: "The .qpack packed from it.") var qpack: String
    @Option(parsing: .upToNextOption, help: "Input tensors (.npy or .f32) in ONNX layout.") var inputs: [String] = []
    @Option(help: "Also check this many seeded random inputs (normal, mean 0, std 1).") var random = 0
    @Option(help: "Largest allowed error relative to the largest |logit|.") var tolerance: Float = 1e-3
    @Option(help: "Kernel ISA for the .qpack side (default: the best supported).") var isa: String?
    @Option(help: "Worker threads for the .qpack side.") var threads = 1

    func run() throws {
        guard !inputs.isEmpty || random > 0 else { throw ValidationError("give --inputs FILE… and/or --random N") }
        let file: ONNXModelFile
        do { file = try ONNXModelFile(path: onnx) } catch { throw CLIError(error.description) }
        let imported: ImportedModel, interpreter: ONNXInterpreter
        do {
            imported = try ONNXImporter.importModel(file)
            interpreter = try ONNXInterpreter(file: file)
        } catch { throw CLIError("\(onnx): \(error.description)") }
        let packedFile = try ModelFile(qpack)
        let packed = packedFile.packed
        guard packed.values[packed.graph.input]?.shape == imported.inputLayout.irShape else {
            throw CLIError("\(qpack) takes \(packed.metadata.input.shape), \(onnx) imports as \(imported.inputLayout.irShape): not packed from this model")
        }
        let engine = try packedFile.engine(threads: threads, isa: try KernelISA.option(isa))
        guard engine.outputCount == imported.outputCount else {
            throw CLIError("\(qpack) outputs \(engine.outputCount) values, \(onnx) \(imported.outputCount)")
        }

        var samples: [(String, [Float])] = []
        for path in inputs { samples += try Self.load(path, sampleShape: interpreter.inputShape) }
        var rng = SplitMix64(seed: 0x5eed)
        let per = interpreter.inputShape.reduce(1, *)
        for i in 0..<random { samples.append(("random #\(i)", (0..<per).map { _ in rng.normal() })) }

        var agree = 0, worstAbs: Float = 0, worstRel: Float = 0
        print("\(onnx) vs \(qpack) (\(String(cString: qk_isa_name(engine.isa))))")
        for (name, x) in samples {
            let ref: [Float], got: [Float]
            do {
                ref = try interpreter.run(x)
                got = imported.outputLayout.toONNX(try engine.run(imported.inputLayout.toEngine(x)))
            } catch let e as ImportError { throw CLIError("\(name): \(e.description)") } catch let e as EngineError {
                throw CLIError("\(name): \(e.message)")
            }
            let scale = max(ref.map { abs($0) }.max() ?? 0, .leastNormalMagnitude)
            let err = zip(ref, got).map { abs($0 - $1) }.max() ?? 0
            let top = Self.argmax(ref) == Self.argmax(got)
            agree += top ? 1 : 0
            worstAbs = max(worstAbs, err); worstRel = max(worstRel, err / scale)
            print("  \(name): top-1 \(top ? "same" : "DIFFERS") (\(Self.argmax(ref)) vs \(Self.argmax(got))), max abs error \(err), relative \(err / scale)")
        }
        print("top-1 agreement \(agree)/\(samples.count), max abs error \(worstAbs), max relative error \(worstRel) (tolerance \(tolerance))")
        if agree != samples.count || worstRel > tolerance { throw ExitCode(1) }
    }

    static func argmax(_ v: [Float]) -> Int { v.indices.max { v[$0] < v[$1] } ?? 0 }

    /// Samples of one file: its shape is the ONNX input's, that without the batch axis, or K of either.
    static func load(_ path: String, sampleShape: [Int]) throws -> [(String, [Float])] {
        let bytes = try readFileBytes(path)
        let decoded: DecodedInput
        do {
            decoded = try decodeInput(bytes, name: path, shape: path.hasSuffix(".f32") ? [bytes.count / 4] : nil)
        } catch { throw CLIError(error.description) }
        guard case .tensor(let t) = decoded, case .float32(let values) = t.storage else {
            throw CLIError("\(path): verify takes f32 tensors (.npy or .f32) in the ONNX input's layout")
        }
        let per = sampleShape.reduce(1, *)
        let unbatched = sampleShape.first == 1 ? Array(sampleShape.dropFirst()) : sampleShape
        let shapeOK = path.hasSuffix(".f32") || t.shape == sampleShape || t.shape == unbatched
            || Array(t.shape.dropFirst()) == sampleShape || Array(t.shape.dropFirst()) == unbatched
        guard shapeOK, per > 0, values.count % per == 0 else {
            throw CLIError("\(path): shape \(t.shape) is neither the model's input \(sampleShape) nor a batch of it")
        }
        let k = values.count / per
        return (0..<k).map { ("\(path)[\($0)]", Array(values[($0 * per)..<(($0 + 1) * per)])) }
    }
}
