// `qinfer eval`: accuracy of a packed model over a labelled test set, with the engine and the model's preprocessing.
import ArgumentParser
import Foundation
import QInferEngine
import QInferInputFormats
import QInferKernels
import QInferModel

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure a .qpack's top-1 accuracy on a test set (.npy batch of u8 images or f32 point clouds + .npy labels).",
        discussion: "Each sample goes through the model's preprocessing, as a request to the daemon would. Labels are class indices (int or float .npy)."
    )

    @Argument(help: "The .qpack model.") var model: String
    @Option(help: "Samples: [T, H, W] / [T, H, W, C] u8 images or [T, N, 3] f32 point clouds (.npy).") var samples: String
    @Option(help: "Labels: [T] class indices (.npy).") var labels: String
    @Option(help: "Worker threads for the binary layers.") var threads = 1
    @Option(help: "Kernel ISA (default: the best supported).") var isa: String?
    @Flag(help: "Print one JSON object.") var json = false

    func run() throws {
        let file = try ModelFile(model)
        let packed = file.packed
        let engine = try file.engine(threads: threads, isa: try KernelISA.option(isa))
        let sampleTensor = try Self.npy(samples), labelTensor = try Self.npy(labels)
        guard case .float32(let labelValues) = labelTensor.storage else { throw CLIError("\(labels): labels must be integers") }
        let clock = ContinuousClock()
        let start = clock.now
        let result: DatasetEvaluation
        do { result = try DatasetEvaluation.run(engine: engine, samples: sampleTensor, labels: labelValues) } catch {
            throw CLIError("\(samples): \(error.message)")
        }
        let elapsed = clock.now - start
        let perSample = elapsed.seconds * 1e6
        let m = packed.metadata
        if json {
            let object: [String: Any] = ["model": m.name, "version": m.version, "sha256": packed.sha256, "correct": result.correct,
                                         "total": result.total, "accuracy": result.accuracy, "confusion": result.confusion,
                                         "isa": String(cString: qk_isa_name(engine.isa)),
                                         "us_per_sample": perSample / Double(result.total)]
            print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
            return
        }
        print("\(m.name) v\(m.version): \(result.correct)/\(result.total) correct, top-1 accuracy \(String(format: "%.2f", result.accuracy * 100)) % "
              + "(\(String(cString: qk_isa_name(engine.isa))), \(String(format: "%.0f", perSample / Double(result.total))) µs per sample incl. preprocessing)")
        for (i, row) in result.confusion.enumerated() {
            let n = row.reduce(0, +)
            guard n > 0 else { continue }
            let label = m.label(at: i)
            print("  \(label.padding(toLength: 20, withPad: " ", startingAt: 0)) \(String(format: "%6.2f", Double(row[i]) / Double(n) * 100)) %  (\(row[i])/\(n))")
        }
    }

    static func npy(_ path: String) throws -> Tensor {
        let bytes = try readFileBytes(path)
        do {
            guard case .tensor(let t) = try decodeInput(bytes, format: .npy, name: path) else { throw CLIError("\(path) is not a tensor") }
            return t
        } catch let e as InputError { throw CLIError(e.description) }
    }
}
