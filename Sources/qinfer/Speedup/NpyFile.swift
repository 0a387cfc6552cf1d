// A float32 tensor as a .npy file (format version 1.0, little-endian, C order): how `bench speedup` hands the same
// input to its runners, qinfer's own and onnxruntime's.
import Foundation
import QInferModel

enum NpyFile {
    static func bytes(shape: [Int], values: [Float]) -> [UInt8] {
        let dims = shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? "," : "")
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(dims)), }"
        // Magic (6) + version (2) + length (2) + header, padded with spaces to a multiple of 64 and ended by "\n".
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        let length = UInt16(header.utf8.count)
        out += [UInt8(length & 0xff), UInt8(length >> 8)]
        out += Array(header.utf8)
        out.reserveCapacity(out.count + values.count * 4)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { out += $0 } }
        return out
    }

    static func write(_ path: String, shape: [Int], values: [Float]) throws {
        do { try AtomicFile.install(bytes(shape: shape, values: values), at: path) } catch {
            throw CLIError("cannot write \(path): \(error.message)")
        }
    }
}
