/// NumPy .npy version 1.0 of float32 ("<f4") or uint8 ("|u1") data, C order: the files `qinfer bench speedup` hands
/// its runners, and the fixtures the tests write. The decoder's twin (NpyDecoder).
public enum NpyEncoder {
    public static func float32(shape: [Int], values: [Float]) -> [UInt8] {
        encode(descr: "<f4", shape: shape, body: RawF32Encoder.encode(values))
    }

    public static func uint8(shape: [Int], values: [UInt8]) -> [UInt8] { encode(descr: "|u1", shape: shape, body: values) }

    private static func encode(descr: String, shape: [Int], body: [UInt8]) -> [UInt8] {
        let dims = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        // Magic (6) + version (2) + length (2) + header, padded with spaces to a multiple of 64 and ended by "\n".
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(dims), }"
        header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
        let length = UInt16(header.utf8.count)
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(length & 0xff), UInt8(length >> 8)] + Array(header.utf8) + body
    }
}
