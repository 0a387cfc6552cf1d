/// Little-endian reads from an untrusted byte range: every read is bounds-checked and reports its offset.
struct ByteReader {
    let bytes: UnsafeRawBufferPointer

    func u16(_ offset: Int) throws(ModelError) -> UInt16 { UInt16(littleEndian: try load(offset, UInt16.self)) }
    func u32(_ offset: Int) throws(ModelError) -> UInt32 { UInt32(littleEndian: try load(offset, UInt32.self)) }
    func u64(_ offset: Int) throws(ModelError) -> UInt64 { UInt64(littleEndian: try load(offset, UInt64.self)) }

    /// A u64 that must also fit an Int (offsets and lengths), named for the error.
    func length(_ offset: Int, _ field: String) throws(ModelError) -> Int {
        let value = try u64(offset)
        guard value <= UInt64(Int.max / 2) else { throw .at(offset, "\(field) \(value) is out of range") }
        return Int(value)
    }

    private func load<T: FixedWidthInteger>(_ offset: Int, _: T.Type) throws(ModelError) -> T {
        guard offset >= 0, offset <= bytes.count - MemoryLayout<T>.size else {
            throw .at(offset, "read of \(MemoryLayout<T>.size) bytes past the end (\(bytes.count) bytes)")
        }
        return bytes.loadUnaligned(fromByteOffset: offset, as: T.self)
    }
}

/// Little-endian appends for the writer.
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func u16(_ v: UInt16) { append(v.littleEndian) }
    mutating func u32(_ v: UInt32) { append(v.littleEndian) }
    mutating func u64(_ v: UInt64) { append(v.littleEndian) }
    mutating func zeros(_ count: Int) { bytes.append(contentsOf: repeatElement(0, count: count)) }
    mutating func padTo(_ size: Int) { if bytes.count < size { zeros(size - bytes.count) } }

    private mutating func append<T: FixedWidthInteger>(_ v: T) {
        withUnsafeBytes(of: v) { bytes.append(contentsOf: $0) }
    }
}
