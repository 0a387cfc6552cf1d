// `qinfer run`: one inference on this machine, no daemon.
import ArgumentParser
import Foundation
import QInferEngine
import QInferInputFormats
import QInferKernels
import QInferModel
import QInferProtocol

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a packed model on one input file and print the top classes with timing.",
        discussion: """
        INPUT may be .npy (f32/u8), raw .f32 (with --shape), a point cloud (.xyz, .pts, .ply, .pcd) or an image \
        (.pgm, .ppm, .png). Point clouds are centred, scaled to the unit sphere and sampled to the model's point \
        count; images are resized and normalized as the model's metadata says. An array is taken in the model's input \
        layout or its ONNX one; a u8 frame as [H, W], [H, W, C] or channels first [C, H, W] (a batch of 1 may lead), a \
        point cloud as [N, 3] or [3, N]. Any other shape exits 1 naming the accepted layouts (docs/API.md, Tensor layouts).
        """
    )

    @Argument(help: "The .qpack model.") var model: String
    @Argument(help: "The input file.") var input: String
    @Option(help: "Shape of a raw .f32 input, e.g. 1024,3.") var shape: String?
    @Option(name: .customLong("top-k"), help: "How many classes to print.") var topK = 5
    @Option(help: "Worker threads for the binary layers.") var threads = 1
    @Option(help: "Kernel ISA (scalar, popcnt, avx2, avx512, neon); default: QINFER_ISA or the best supported.") var isa: String?
    @Flag(help: "Print one JSON object instead of a table.") var json = false

    func run() throws {
        let clock = ContinuousClock()
        let loadStart = clock.now
        let file = try ModelFile(model)
        let packed = file.packed
        let engine = try file.engine(threads: threads, isa: try KernelISA.option(isa))
        let loadTime = clock.now - loadStart

        let bytes = try readFileBytes(input)
        let shapeValues: [Int]?
        do { shapeValues = try shape.map { (text) throws(APIFailure) in try TensorShapeText.parse(text, what: "--shape") } } catch {
            throw CLIError(error.message)
        }
        let prepStart = clock.now
        let prepared: [Float]
        do {
            let decoded = try decodeInput(bytes, name: input, shape: shapeValues)
            prepared = try InputPreparer(metadata: packed.metadata).prepare(decoded)
        } catch let error as InputError {
            throw CLIError(error.description)
        } catch let error as EngineError {
            throw CLIError("\(input): \(error.message)")
        }
        let prepTime = clock.now - prepStart
        let runStart = clock.now
        let scores: [Float]
        do { scores = try engine.run(prepared) } catch { throw CLIError("\(input): \(error.message)") }
        let runTime = clock.now - runStart

        let best = QInferEngine.topK(scores, k: topK)
        if json {
            let object: [String: Any] = [
                "model": packed.metadata.name, "version": packed.metadata.version, "isa": String(cString: qk_isa_name(engine.isa)),
                "threads": threads,
                "top": best.map { ["index": $0.index, "label": packed.metadata.label(at: $0.index), "score": Double($0.score)] as [String: Any] },
                "timing_us": ["load": loadTime.wholeMicroseconds, "preprocess": prepTime.wholeMicroseconds, "compute": runTime.wholeMicroseconds],
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("\(packed.metadata.name) v\(packed.metadata.version) on \(input) (\(String(cString: qk_isa_name(engine.isa))), \(threads) thread\(threads == 1 ? "" : "s"))")
            let width = max(5, best.map { packed.metadata.label(at: $0.index).count }.max() ?? 0)
            for (rank, entry) in best.enumerated() {
                let label = packed.metadata.label(at: entry.index).padding(toLength: width, withPad: " ", startingAt: 0)
                print("  \(rank + 1). \(label)  \(String(format: "%.5f", entry.score))")
            }
            print("  load \(String(format: "%.1f", Double(loadTime.wholeMicroseconds) / 1000)) ms, preprocess \(prepTime.wholeMicroseconds) µs, "
                  + "compute \(runTime.wholeMicroseconds) µs")
        }
    }
}
