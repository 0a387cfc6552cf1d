/// Headerless little-endian float32, the `.f32` input format (its shape travels beside it, as X-Tensor-Shape or
/// --shape): `bench daemon`'s raw request bodies and the data of an .npy "<f4" file. The decoder's twin (RawF32Decoder).
public enum RawF32Encoder {
    public static func encode(_ values: [Float]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(values.count * 4)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } }
        return bytes
    }
}
