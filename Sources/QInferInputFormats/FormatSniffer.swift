/// Identifies a format from content when the file name does not say, so that an upload without a
/// useful name (the daemon's infer endpoint) still decodes. Only signatures that are unambiguous are used.
enum FormatSniffer {
    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    static let npyMagic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY

    static func sniff(_ bytes: [UInt8]) -> InputFormat? {
        if hasPrefix(bytes, npyMagic) { return .npy }
        if hasPrefix(bytes, pngSignature) { return .png }
        if hasPrefix(bytes, Array("ply\n".utf8)) || hasPrefix(bytes, Array("ply\r\n".utf8)) { return .ply }
        if bytes.count >= 3, bytes[0] == UInt8(ascii: "P"), isWhitespaceOrComment(bytes[2]) {
            switch bytes[1] {
            case UInt8(ascii: "2"), UInt8(ascii: "5"): return .pgm
            case UInt8(ascii: "3"), UInt8(ascii: "6"): return .ppm
            default: break
            }
        }
        return sniffText(bytes)
    }

    /// PCD starts with a "# .PCD" comment or a VERSION line; xyz/pts start with a line of ≥3 numbers
    /// (pts possibly after a count line). Only the first few KiB are looked at.
    private static func sniffText(_ bytes: [UInt8]) -> InputFormat? {
        let window = Array(bytes.prefix(4096))
        var lines = LineReader(window)
        var tokens: [Range<Int>] = []
        var sawCount = false
        while let line = lines.next() {
            let raw = window[line.start..<line.end]
            if raw.starts(with: Array("# .PCD".utf8)) || raw.starts(with: Array("VERSION".utf8)) { return .pcd }
            tokenize(window, line, into: &tokens, stripComment: true)
            if tokens.isEmpty { continue }
            let numeric = tokens.allSatisfy { NumberParser.float(window, $0) != .invalid }
            if !numeric { return nil }
            if tokens.count >= 3 { return sawCount ? .pts : .xyz }
            if tokens.count == 1, !sawCount, NumberParser.int(window, tokens[0]) != nil {
                sawCount = true
                continue
            }
            return nil
        }
        return nil
    }

    private static func hasPrefix(_ bytes: [UInt8], _ prefix: [UInt8]) -> Bool {
        bytes.count >= prefix.count && bytes[0..<prefix.count].elementsEqual(prefix)
    }

    private static func isWhitespaceOrComment(_ byte: UInt8) -> Bool {
        isTextWhitespace(byte) || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "#")
    }
}
