// `qinfer pack`: an ONNX model to a .qpack, with metadata from flags or the ONNX file's metadata_props.
import ArgumentParser
import Foundation
import QInferModel
import QInferONNX

struct Pack: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Convert an ONNX model to a .qpack: binarized layers recognized and packed, BatchNorms folded.",
        discussion: """
        A Sign on an activation feeding a Conv/Gemm/MatMul whose weights are ±α per output channel (an exported \
        initializer, Sign(W), or IR-Net's Libra-PB computed in the graph) becomes a binary layer; see docs/ONNX.md. \
        Metadata comes from the flags, else from the ONNX metadata_props qinfer.name, qinfer.version, qinfer.task, \
        qinfer.labels, qinfer.points, qinfer.normalization, qinfer.channel_order, qinfer.mean, qinfer.std, \
        qinfer.description.
        """
    )

    @Argument(help: "The ONNX model.") var onnx: String
    @Option(name: .shortAndLong, help: "Where to write the .qpack (written atomically).") var output: String
    @Flag(help: "Refuse the model if a Sign-fed Conv/Gemm/MatMul could not be binarized.") var strict = false
    @Flag(help: "Replace an existing output file.") var force = false
    @OptionGroup var metadata: MetadataOptions

    func run() throws {
        let file: ONNXModelFile
        do { file = try ONNXModelFile(path: onnx) } catch { throw CLIError(error.description) }
        let imported: ImportedModel
        do { imported = try ONNXImporter.importModel(file, options: ImportOptions(strict: strict)) } catch {
            throw CLIError("\(onnx): \(error.description)")
        }
        let meta = try metadata.resolve(for: imported, onnxPath: onnx)
        let bytes: [UInt8]
        do { bytes = try imported.pack(metadata: meta) } catch { throw CLIError("\(onnx): \(error.message)") }
        if !force && FileManager.default.fileExists(atPath: output) {
            throw CLIError("\(output) exists; pass --force to replace it")
        }
        do { try AtomicFile.install(bytes, at: output) } catch { throw CLIError(error.message) }
        let model: PackedModel
        do { model = try PackedModel(path: output) } catch { throw CLIError("\(output): written but does not load: \(error.message)") }

        let binary = imported.layers.filter(\.binary).count
        let onnxBytes = (try? FileManager.default.attributesOfItem(atPath: onnx)[.size] as? Int) ?? 0
        print("\(meta.name) v\(meta.version) (\(meta.task.rawValue)): \(binary) binary layer\(binary == 1 ? "" : "s"), "
              + "\(imported.layers.count - binary) other ops")
        for layer in imported.layers { print("  \(layer.binary ? "B" : " ") \(layer.node) (\(layer.opType)): \(layer.lowering)") }
        for note in imported.unmatchedSigns { print("  warning: Sign-fed layer kept FP32: \(note)") }
        print("input \(meta.input.name) \(meta.input.shape) (ONNX \(imported.inputLayout.onnxShape)), \(meta.labels.count) labels")
        print("wrote \(output): \(bytes.count) bytes (ONNX file \(onnxBytes) bytes, \(ratio(onnxBytes, bytes.count)) smaller), sha256 \(model.sha256)")
    }

    private func ratio(_ a: Int, _ b: Int) -> String { b > 0 ? String(format: "%.1f×", Double(a) / Double(b)) : "-" }
}
