/// One line of a text file: byte range without its terminator, and its 1-based number for error messages.
struct TextLine {
    var number: Int
    var start: Int
    var end: Int
    /// Offset of the first byte after the terminator (where a binary body would begin).
    var next: Int
}

/// Splits bytes into lines. "\n", "\r\n" and a lone "\r" all end a line: a lone "\r" file (old Mac
/// exports) must not turn into one giant line, which the xyz decoder would silently read as one point.
struct LineReader {
    let bytes: [UInt8]
    private(set) var offset: Int
    private(set) var lineNumber: Int

    init(_ bytes: [UInt8], offset: Int = 0, firstLineNumber: Int = 1) {
        self.bytes = bytes
        self.offset = offset
        self.lineNumber = firstLineNumber - 1
    }

    mutating func next() -> TextLine? {
        guard offset < bytes.count else { return nil }
        let start = offset
        var index = start
        while index < bytes.count, bytes[index] != 0x0A, bytes[index] != 0x0D { index += 1 }
        var next = index
        if next < bytes.count {
            next += (bytes[next] == 0x0D && next + 1 < bytes.count && bytes[next + 1] == 0x0A) ? 2 : 1
        }
        offset = next
        lineNumber += 1
        return TextLine(number: lineNumber, start: start, end: index, next: next)
    }
}

/// Space, tab, vertical tab and form feed separate tokens; line terminators are handled by LineReader.
@inline(__always)
func isTextWhitespace(_ byte: UInt8) -> Bool {
    byte == 0x20 || byte == 0x09 || byte == 0x0B || byte == 0x0C
}

/// Splits a line into whitespace-separated token ranges (reusing `tokens`' storage); with `stripComment`
/// everything from the first '#' on is ignored.
func tokenize(_ bytes: [UInt8], _ line: TextLine, into tokens: inout [Range<Int>], stripComment: Bool) {
    tokens.removeAll(keepingCapacity: true)
    var index = line.start
    while index < line.end {
        let byte = bytes[index]
        if stripComment, byte == UInt8(ascii: "#") { return }
        if isTextWhitespace(byte) {
            index += 1
            continue
        }
        let start = index
        while index < line.end, !isTextWhitespace(bytes[index]), !(stripComment && bytes[index] == UInt8(ascii: "#")) {
            index += 1
        }
        tokens.append(start..<index)
    }
}

/// The token's text for error messages, shortened and with non-printable bytes escaped.
func tokenText(_ bytes: [UInt8], _ range: Range<Int>) -> String {
    let limit = 32
    var text = ""
    for byte in bytes[range].prefix(limit) {
        if byte >= 0x20, byte < 0x7F {
            text.unicodeScalars.append(Unicode.Scalar(byte))
        } else {
            let hex = String(byte, radix: 16, uppercase: true)
            text += "\\x" + (hex.count == 1 ? "0" + hex : hex)
        }
    }
    if range.count > limit { text += "…" }
    return "\"" + text + "\""
}
