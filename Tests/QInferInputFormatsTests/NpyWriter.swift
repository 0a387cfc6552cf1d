/// Writes .npy files by hand the way numpy lays them out (header padded with spaces to a 64-byte boundary
/// and ended by '\n'), with every field overridable so tests can produce both valid and broken files.
enum NpyWriter {
    static func header(descr: String = "<f4", fortranOrder: String = "False", shape: String) -> String {
        "{'descr': '\(descr)', 'fortran_order': \(fortranOrder), 'shape': \(shape), }"
    }

    static func file(header: String, data: [UInt8], version: UInt8 = 1, pad: Bool = true) -> [UInt8] {
        let lengthSize = version == 1 ? 2 : 4
        var text = Array(header.utf8)
        if pad {
            let unpadded = 6 + 2 + lengthSize + text.count + 1
            text += Array(repeating: 0x20, count: (64 - unpadded % 64) % 64)
            text.append(0x0A)
        }
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [version, 0]
        if version == 1 { bytes.appendLE(UInt16(text.count)) } else { bytes.appendLE(UInt32(text.count)) }
        return bytes + text + data
    }

    static func float32(_ values: [Float], shape: String, version: UInt8 = 1) -> [UInt8] {
        var data: [UInt8] = []
        for value in values { data.appendLE(value) }
        return file(header: header(shape: shape), data: data, version: version)
    }
}
