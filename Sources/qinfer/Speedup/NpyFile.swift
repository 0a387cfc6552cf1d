// A float32 tensor as a .npy file: how `bench speedup` hands the same input to its runners, qinfer's own and
// onnxruntime's.
import QInferInputFormats
import QInferModel

enum NpyFile {
    static func write(_ path: String, shape: [Int], values: [Float]) throws {
        do { try AtomicFile.install(NpyEncoder.float32(shape: shape, values: values), at: path) } catch {
            throw CLIError("cannot write \(path): \(error.message)")
        }
    }
}
