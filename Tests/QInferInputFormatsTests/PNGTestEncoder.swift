import CPNG

/// Two ways to make PNG fixtures inside the tests: libpng's simplified write API for ordinary images, and
/// a minimal hand-rolled encoder (stored, uncompressed deflate blocks) for what that API cannot write:
/// 16-bit sRGB files without gamma chunks, palettes, and deliberately broken chunks.
enum PNGTestEncoder {
    /// Encodes 8-bit pixels with libpng; `format` is a libpng PNG_FORMAT_* value.
    static func libpng(width: Int, height: Int, format: UInt32, pixels: [UInt8]) -> [UInt8] {
        var image = png_image()
        image.version = cpng_image_version()
        image.width = UInt32(width)
        image.height = UInt32(height)
        image.format = format
        var size: png_alloc_size_t = 0
        // First call with no buffer reports the size needed.
        guard png_image_write_to_memory(&image, nil, &size, 0, pixels, 0, nil) != 0 else { return [] }
        var out = [UInt8](repeating: 0, count: Int(size))
        let ok = out.withUnsafeMutableBytes { buffer in
            png_image_write_to_memory(&image, buffer.baseAddress, &size, 0, pixels, 0, nil)
        }
        return ok != 0 ? Array(out.prefix(Int(size))) : []
    }

    struct Chunk {
        var type: String
        var data: [UInt8]
    }

    /// A PNG with one IHDR, optional extra chunks before IDAT, and raw scanlines (filter byte 0 prepended).
    static func handmade(width: Int, height: Int, bitDepth: UInt8, colorType: UInt8, rows: [[UInt8]],
                         extra: [Chunk] = [], corruptIDATCRC: Bool = false) -> [UInt8] {
        var ihdr: [UInt8] = []
        ihdr.appendBE(UInt32(width))
        ihdr.appendBE(UInt32(height))
        ihdr += [bitDepth, colorType, 0, 0, 0]
        var raw: [UInt8] = []
        for row in rows { raw += [0] + row }
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        append(Chunk(type: "IHDR", data: ihdr), to: &png)
        for chunk in extra { append(chunk, to: &png) }
        append(Chunk(type: "IDAT", data: zlibStored(raw)), to: &png, corruptCRC: corruptIDATCRC)
        append(Chunk(type: "IEND", data: []), to: &png)
        return png
    }

    static func append(_ chunk: Chunk, to png: inout [UInt8], corruptCRC: Bool = false) {
        png.appendBE(UInt32(chunk.data.count))
        let typed = Array(chunk.type.utf8) + chunk.data
        png += typed
        png.appendBE(crc32(typed) ^ (corruptCRC ? 1 : 0))
    }

    /// zlib stream of stored (uncompressed) deflate blocks, each at most 65535 bytes.
    static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let length = min(65535, data.count - offset)
            let final: UInt8 = offset + length == data.count ? 1 : 0
            out.append(final)
            out.appendLE(UInt16(length))
            out.appendLE(~UInt16(length))
            out += data[offset..<(offset + length)]
            offset += length
        } while offset < data.count
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in data {
            a = (a + UInt32(byte)) % 65521
            b = (b + a) % 65521
        }
        out.appendBE(b << 16 | a)
        return out
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}
