/// Decodes headerless little-endian float32 data. The file carries no shape, so the caller's shape is
/// required and the byte count must match it exactly: a mismatch almost always means the wrong file or
/// the wrong --shape, and guessing would feed the model garbage. NaN/Inf pass through (it is a tensor).
enum RawF32Decoder {
    static func decode(_ bytes: [UInt8], shape: [Int]?) throws(InputError) -> Tensor {
        guard let shape else {
            throw InputFormat.ShapeProblem.missing.inputError
        }
        let count = try ShapeArgument.elementCount(shape, format: .f32)
        guard bytes.count % 4 == 0 else {
            throw InputError(format: .f32, kind: .sizeMismatch, location: .byteOffset(bytes.count - bytes.count % 4),
                             message: "\(bytes.count) bytes is not a whole number of float32 values")
        }
        guard bytes.count / 4 == count else {
            throw InputError(format: .f32, kind: .sizeMismatch, field: "shape",
                             message: "file holds \(bytes.count / 4) float32 values, shape \(shape) needs \(count)")
        }
        return Tensor(shape: shape, storage: .float32(BinaryScalars.float32Array(bytes, at: 0, count: count, bigEndian: false)))
    }
}
