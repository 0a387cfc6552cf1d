/// Decodes Netpbm gray (PGM: P2 plain, P5 raw) and colour (PPM: P3 plain, P6 raw) images into 8-bit frames.
///
/// maxval may be 1…65535. Samples are rescaled to 0…255 (rounded) whenever maxval ≠ 255, including
/// 16-bit files (maxval > 255, two big-endian bytes per sample in P5/P6), so the engine always sees one
/// 8-bit range, as it does for 16-bit PNGs. A sample above maxval is an error, not clamped.
/// Refused: PBM (P1/P4) and PAM (P7); a PPM given as .pgm or the reverse (the channel count would be wrong);
/// more than one image per file.
enum NetpbmDecoder {
    /// Walks the header (and plain rasters) token by token, tracking lines for error messages.
    private struct Scanner {
        let bytes: [UInt8]
        let format: InputFormat
        var offset: Int
        var line = 1

        /// Skips whitespace and '#' comments; comments run to the end of the line.
        mutating func skipSeparators() {
            while offset < bytes.count {
                let byte = bytes[offset]
                if byte == UInt8(ascii: "#") {
                    while offset < bytes.count, bytes[offset] != 0x0A, bytes[offset] != 0x0D { offset += 1 }
                } else if byte == 0x0A || (byte == 0x0D && !(offset + 1 < bytes.count && bytes[offset + 1] == 0x0A)) {
                    line += 1
                    offset += 1
                } else if isTextWhitespace(byte) || byte == 0x0D {
                    offset += 1
                } else {
                    return
                }
            }
        }

        /// The next decimal number; `what` names it in errors.
        mutating func number(_ what: String) throws(InputError) -> Int {
            skipSeparators()
            guard offset < bytes.count else {
                throw InputError(format: format, kind: .truncated, location: .line(line), field: what,
                                 message: "file ends before the \(what)")
            }
            let start = offset
            while offset < bytes.count, bytes[offset] >= 0x30, bytes[offset] <= 0x39 { offset += 1 }
            let atSeparator = offset == bytes.count || isTextWhitespace(bytes[offset]) || bytes[offset] == 0x0A
                || bytes[offset] == 0x0D || bytes[offset] == UInt8(ascii: "#")
            // More than 9 digits cannot be a valid Netpbm value and would risk overflow.
            guard offset > start, offset - start <= 9, atSeparator else {
                var stop = offset
                while stop < bytes.count, !isTextWhitespace(bytes[stop]), bytes[stop] != 0x0A, bytes[stop] != 0x0D { stop += 1 }
                throw InputError(format: format, kind: .badNumber, location: .line(line), field: what,
                                 message: "\(what) \(tokenText(bytes, start..<max(stop, start + 1))) is not a decimal number")
            }
            return NumberParser.int(bytes, start..<offset)!
        }
    }

    static func decode(_ bytes: [UInt8], format: InputFormat) throws(InputError) -> Frame {
        guard bytes.count >= 2, bytes[0] == UInt8(ascii: "P") else {
            throw InputError(format: format, kind: .badMagic, location: .byteOffset(0),
                             message: "does not start with a Netpbm magic (P2/P5 for PGM, P3/P6 for PPM)")
        }
        let plain: Bool
        let channels: Int
        switch bytes[1] {
        case UInt8(ascii: "2"): (plain, channels) = (true, 1)
        case UInt8(ascii: "5"): (plain, channels) = (false, 1)
        case UInt8(ascii: "3"): (plain, channels) = (true, 3)
        case UInt8(ascii: "6"): (plain, channels) = (false, 3)
        case UInt8(ascii: "1"), UInt8(ascii: "4"), UInt8(ascii: "7"):
            throw InputError(format: format, kind: .unsupported, location: .byteOffset(0),
                             message: "P\(Character(Unicode.Scalar(bytes[1]))) (PBM bitmap or PAM) is not supported; use PGM or PPM")
        default:
            throw InputError(format: format, kind: .badMagic, location: .byteOffset(0),
                             message: "\(tokenText(bytes, 0..<2)) is not a PGM or PPM magic")
        }
        let expectedChannels = format == .ppm ? 3 : 1
        guard channels == expectedChannels else {
            throw InputError(format: format, kind: .badMagic, location: .byteOffset(0),
                             message: "magic P\(Character(Unicode.Scalar(bytes[1]))) is a \(channels == 3 ? "PPM (RGB)" : "PGM (gray)") image, the file is decoded as \(format.rawValue.uppercased())")
        }

        var scanner = Scanner(bytes: bytes, format: format, offset: 2)
        guard scanner.offset == bytes.count || isTextWhitespace(bytes[2]) || bytes[2] == 0x0A || bytes[2] == 0x0D
            || bytes[2] == UInt8(ascii: "#") else {
            throw InputError(format: format, kind: .badMagic, location: .byteOffset(2), message: "no whitespace after the magic")
        }
        let width = try scanner.number("width")
        let height = try scanner.number("height")
        let maxval = try scanner.number("maxval")
        guard width > 0, height > 0 else {
            throw InputError(format: format, kind: .badValue, location: .line(scanner.line), field: width > 0 ? "height" : "width",
                             message: "image is \(width)×\(height); both must be positive")
        }
        guard maxval >= 1, maxval <= 65535 else {
            throw InputError(format: format, kind: .badValue, location: .line(scanner.line), field: "maxval",
                             message: "maxval \(maxval) is outside 1…65535")
        }
        // width, height < 10^9 each, so the product fits in Int64; the cap keeps the allocation sane.
        let samples = width * height * channels
        guard samples <= DecodeLimits.maxFrameBytes else {
            throw InputError(format: format, kind: .tooLarge, location: .line(scanner.line), field: "width",
                             message: "\(width)×\(height) image exceeds the \(DecodeLimits.maxFrameBytes)-byte frame limit")
        }
        let pixels = plain
            ? try plainRaster(&scanner, samples: samples, maxval: maxval)
            : try rawRaster(bytes, scanner: scanner, samples: samples, maxval: maxval, format: format)
        return Frame(width: width, height: height, channels: channels, pixels: pixels)
    }

    /// P5/P6: exactly one whitespace byte after maxval, then samples, 1 byte each (2, big-endian, if maxval > 255).
    private static func rawRaster(_ bytes: [UInt8], scanner: Scanner, samples: Int, maxval: Int,
                                  format: InputFormat) throws(InputError) -> [UInt8] {
        var start = scanner.offset
        guard start < bytes.count else {
            throw InputError(format: format, kind: .truncated, location: .byteOffset(start), message: "file ends after the header")
        }
        // The single separator is mandatory; the first raster byte may itself look like whitespace.
        guard isTextWhitespace(bytes[start]) || bytes[start] == 0x0A || bytes[start] == 0x0D else {
            throw InputError(format: format, kind: .malformedHeader, location: .byteOffset(start), field: "maxval",
                             message: "maxval is not followed by whitespace")
        }
        start += 1
        let sampleSize = maxval > 255 ? 2 : 1
        let needed = samples * sampleSize
        let available = bytes.count - start
        if needed > available {
            throw InputError(format: format, kind: .truncated, location: .byteOffset(bytes.count),
                             message: "raster needs \(needed) bytes, \(available) follow the header")
        }
        if needed < available {
            throw InputError(format: format, kind: .trailingData, location: .byteOffset(start + needed),
                             message: "\(available - needed) bytes follow the raster (more than one image, or a wrong size)")
        }
        if maxval == 255 { return Array(bytes[start..<(start + needed)]) }
        var pixels = [UInt8](repeating: 0, count: samples)
        for index in 0..<samples {
            let offset = start + index * sampleSize
            let value = sampleSize == 2 ? Int(BinaryScalars.uint16(bytes, at: offset, bigEndian: true)) : Int(bytes[offset])
            guard value <= maxval else {
                throw InputError(format: format, kind: .badValue, location: .byteOffset(offset),
                                 message: "sample \(value) exceeds maxval \(maxval)")
            }
            pixels[index] = scale(value, maxval: maxval)
        }
        return pixels
    }

    /// P2/P3: decimal samples separated by whitespace (comments tolerated), nothing but whitespace after.
    private static func plainRaster(_ scanner: inout Scanner, samples: Int, maxval: Int) throws(InputError) -> [UInt8] {
        // Every plain sample needs a digit and a separator, so a header claiming more cannot be honest.
        let remaining = scanner.bytes.count - scanner.offset
        guard samples <= remaining / 2 + 1 else {
            throw InputError(format: scanner.format, kind: .truncated, location: .line(scanner.line),
                             message: "header promises \(samples) samples, only \(remaining) bytes follow")
        }
        var pixels = [UInt8](repeating: 0, count: samples)
        for index in 0..<samples {
            let value = try scanner.number("sample")
            guard value <= maxval else {
                throw InputError(format: scanner.format, kind: .badValue, location: .line(scanner.line),
                                 message: "sample \(index) = \(value) exceeds maxval \(maxval)")
            }
            pixels[index] = scale(value, maxval: maxval)
        }
        scanner.skipSeparators()
        guard scanner.offset == scanner.bytes.count else {
            throw InputError(format: scanner.format, kind: .trailingData, location: .line(scanner.line),
                             message: "data after the \(samples) samples the header declares")
        }
        return pixels
    }

    @inline(__always)
    private static func scale(_ value: Int, maxval: Int) -> UInt8 {
        maxval == 255 ? UInt8(value) : UInt8((value * 255 + maxval / 2) / maxval)
    }
}
