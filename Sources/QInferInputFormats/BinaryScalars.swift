/// Reading fixed-size scalars out of a byte array at a checked offset. Callers check bounds first (and
/// report a `truncated` error with the offset); the array subscript is only the last line of defence.
enum BinaryScalars {
    @inline(__always)
    static func uint16(_ bytes: [UInt8], at offset: Int, bigEndian: Bool) -> UInt16 {
        let a = UInt16(bytes[offset]), b = UInt16(bytes[offset + 1])
        return bigEndian ? a << 8 | b : b << 8 | a
    }

    @inline(__always)
    static func uint32(_ bytes: [UInt8], at offset: Int, bigEndian: Bool) -> UInt32 {
        var value: UInt32 = 0
        for i in 0..<4 {
            let byte = UInt32(bytes[offset + (bigEndian ? i : 3 - i)])
            value = value << 8 | byte
        }
        return value
    }

    @inline(__always)
    static func uint64(_ bytes: [UInt8], at offset: Int, bigEndian: Bool) -> UInt64 {
        var value: UInt64 = 0
        for i in 0..<8 {
            let byte = UInt64(bytes[offset + (bigEndian ? i : 7 - i)])
            value = value << 8 | byte
        }
        return value
    }

    /// `count` consecutive float32 values starting at `offset`.
    static func float32Array(_ bytes: [UInt8], at offset: Int, count: Int, bigEndian: Bool) -> [Float] {
        #if _endian(little)
        if !bigEndian {
            // Same byte order as the host: one bulk copy instead of a per-element loop.
            return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                bytes.withUnsafeBytes { raw in
                    UnsafeMutableRawBufferPointer(buffer).copyMemory(
                        from: UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + count * 4)]))
                }
                initialized = count
            }
        }
        #endif
        return (0..<count).map { Float(bitPattern: uint32(bytes, at: offset + $0 * 4, bigEndian: bigEndian)) }
    }
}
