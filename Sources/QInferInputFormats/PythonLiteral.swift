/// The subset of Python literal syntax a .npy header is written in (numpy writes `repr()` of a dict).
indirect enum PythonLiteral: Equatable {
    case string(String)
    case int(Int)
    case bool(Bool)
    case none
    case tuple([PythonLiteral])
    case list([PythonLiteral])
    /// Keys in file order; duplicate keys are rejected by the parser.
    case dict([(key: String, value: PythonLiteral)])

    static func == (lhs: PythonLiteral, rhs: PythonLiteral) -> Bool {
        switch (lhs, rhs) {
        case (.string(let a), .string(let b)): a == b
        case (.int(let a), .int(let b)): a == b
        case (.bool(let a), .bool(let b)): a == b
        case (.none, .none): true
        case (.tuple(let a), .tuple(let b)), (.list(let a), .list(let b)): a == b
        case (.dict(let a), .dict(let b)): a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: false
        }
    }

    /// How the value reads in an error message.
    var summary: String {
        switch self {
        case .string(let s): "'\(s)'"
        case .int(let n): String(n)
        case .bool(let b): b ? "True" : "False"
        case .none: "None"
        case .tuple(let items): "(" + items.map(\.summary).joined(separator: ", ") + (items.count == 1 ? ",)" : ")")
        case .list(let items): "[" + items.map(\.summary).joined(separator: ", ") + "]"
        case .dict(let items): "{" + items.map { "'\($0.key)': \($0.value.summary)" }.joined(separator: ", ") + "}"
        }
    }
}

/// A strict recursive-descent parser for PythonLiteral. Strict on purpose: numpy's header is generated
/// text, so anything outside this grammar means a corrupt or hostile file, and a regex that "mostly"
/// finds 'shape' would accept headers numpy itself rejects. Errors carry absolute byte offsets.
struct PythonLiteralParser {
    private let bytes: [UInt8]
    private let end: Int
    private var position: Int

    /// Parses bytes[range] as exactly one literal surrounded by optional whitespace.
    static func parse(_ bytes: [UInt8], _ range: Range<Int>) throws(InputError) -> PythonLiteral {
        var parser = PythonLiteralParser(bytes: bytes, end: range.upperBound, position: range.lowerBound)
        parser.skipWhitespace()
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.position == parser.end else {
            throw parser.error("unexpected \(parser.describeCurrent()) after the header dictionary")
        }
        return value
    }

    private init(bytes: [UInt8], end: Int, position: Int) {
        self.bytes = bytes
        self.end = end
        self.position = position
    }

    private mutating func value(depth: Int) throws(InputError) -> PythonLiteral {
        guard depth < DecodeLimits.maxLiteralDepth else { throw error("header literal nested too deeply") }
        guard position < end else { throw error("header ends where a value was expected") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try dict(depth: depth)
        case UInt8(ascii: "("): return try parenthesized(depth: depth)
        case UInt8(ascii: "["): return .list(try sequence(closing: UInt8(ascii: "]"), depth: depth).items)
        case UInt8(ascii: "'"), UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .int(try integer())
        default: return try keyword()
        }
    }

    private mutating func dict(depth: Int) throws(InputError) -> PythonLiteral {
        position += 1  // {
        var items: [(key: String, value: PythonLiteral)] = []
        skipWhitespace()
        while position < end, bytes[position] != UInt8(ascii: "}") {
            let keyOffset = position
            guard bytes[position] == UInt8(ascii: "'") || bytes[position] == UInt8(ascii: "\"") else {
                throw error("dictionary keys must be strings, found \(describeCurrent())")
            }
            let key = try string()
            if items.contains(where: { $0.key == key }) {
                throw InputError(format: .npy, kind: .malformedHeader, location: .byteOffset(keyOffset), field: key,
                                 message: "duplicate key '\(key)' in header")
            }
            skipWhitespace()
            try expect(UInt8(ascii: ":"))
            skipWhitespace()
            items.append((key, try value(depth: depth + 1)))
            skipWhitespace()
            if position < end, bytes[position] == UInt8(ascii: ",") {
                position += 1
                skipWhitespace()
            } else {
                break
            }
        }
        try expect(UInt8(ascii: "}"))
        return .dict(items)
    }

    /// "(x)" is just x in Python; only a comma (or "()") makes a tuple.
    private mutating func parenthesized(depth: Int) throws(InputError) -> PythonLiteral {
        let (items, sawComma) = try sequence(closing: UInt8(ascii: ")"), depth: depth)
        if items.count == 1 && !sawComma { return items[0] }
        return .tuple(items)
    }

    private mutating func sequence(closing: UInt8, depth: Int) throws(InputError) -> (items: [PythonLiteral], sawComma: Bool) {
        position += 1  // ( or [
        var items: [PythonLiteral] = []
        var sawComma = false
        skipWhitespace()
        while position < end, bytes[position] != closing {
            items.append(try value(depth: depth + 1))
            skipWhitespace()
            if position < end, bytes[position] == UInt8(ascii: ",") {
                sawComma = true
                position += 1
                skipWhitespace()
            } else {
                break
            }
        }
        try expect(closing)
        return (items, sawComma)
    }

    private mutating func string() throws(InputError) -> String {
        let start = position
        let quote = bytes[position]
        position += 1
        var utf8: [UInt8] = []
        while true {
            guard position < end else {
                throw InputError(format: .npy, kind: .malformedHeader, location: .byteOffset(start),
                                 message: "unterminated string in header")
            }
            let byte = bytes[position]
            position += 1
            if byte == quote { break }
            if byte == 0x0A || byte == 0x0D { throw error("line break inside a header string") }
            if byte == UInt8(ascii: "\\") {
                guard position < end else { continue }
                let escaped = bytes[position]
                position += 1
                switch escaped {
                case UInt8(ascii: "\\"), UInt8(ascii: "'"), UInt8(ascii: "\""): utf8.append(escaped)
                case UInt8(ascii: "n"): utf8.append(0x0A)
                case UInt8(ascii: "t"): utf8.append(0x09)
                default: throw error("unsupported escape '\\\(Character(Unicode.Scalar(escaped)))' in header string")
                }
            } else {
                utf8.append(byte)
            }
        }
        let text = String(decoding: utf8, as: UTF8.self)
        guard text.utf8.elementsEqual(utf8) else {
            throw InputError(format: .npy, kind: .malformedHeader, location: .byteOffset(start),
                             message: "header string is not valid UTF-8")
        }
        return text
    }

    /// Decimal integer; a trailing 'L' is accepted because numpy under Python 2 wrote shapes like (3L, 4L).
    private mutating func integer() throws(InputError) -> Int {
        let start = position
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        while position < end, bytes[position] >= 0x30, bytes[position] <= 0x39 { position += 1 }
        guard let value = NumberParser.int(bytes, start..<position) else {
            throw InputError(format: .npy, kind: .badNumber, location: .byteOffset(start),
                             message: "bad or overflowing integer \(tokenText(bytes, start..<position)) in header")
        }
        if position < end, bytes[position] == UInt8(ascii: "L") { position += 1 }
        return value
    }

    private mutating func keyword() throws(InputError) -> PythonLiteral {
        let start = position
        while position < end, isIdentifierByte(bytes[position]) { position += 1 }
        switch String(decoding: bytes[start..<position], as: UTF8.self) {
        case "True": return .bool(true)
        case "False": return .bool(false)
        case "None": return .none
        default:
            position = start
            throw error("expected a value, found \(describeCurrent())")
        }
    }

    private mutating func expect(_ byte: UInt8) throws(InputError) {
        guard position < end, bytes[position] == byte else {
            throw error("expected '\(Character(Unicode.Scalar(byte)))', found \(describeCurrent())")
        }
        position += 1
    }

    private mutating func skipWhitespace() {
        while position < end, bytes[position] == 0x20 || bytes[position] == 0x09 || bytes[position] == 0x0A || bytes[position] == 0x0D {
            position += 1
        }
    }

    private func isIdentifierByte(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == UInt8(ascii: "_")
    }

    private func describeCurrent() -> String {
        guard position < end else { return "end of header" }
        var stop = position
        while stop < end, stop - position < 12, !isTextWhitespace(bytes[stop]) { stop += 1 }
        return tokenText(bytes, position..<max(stop, position + 1))
    }

    private func error(_ message: String) -> InputError {
        InputError(format: .npy, kind: .malformedHeader, location: .byteOffset(position), message: message)
    }
}
