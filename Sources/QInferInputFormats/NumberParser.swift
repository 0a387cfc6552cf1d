/// Strict parsing of ASCII number tokens. Swift's `Float(String)` also accepts hex floats and spellings
/// like "nan" or "infinity"; a point cloud must not, so the grammar is checked here first and only
/// plain decimal text reaches the standard-library conversion (which rounds correctly).
enum NumberParser {
    enum FloatToken: Equatable {
        case value(Float)
        /// NaN or infinity spelled out, or a decimal too large for float32.
        case nonFinite
        case invalid
    }

    static func float(_ bytes: [UInt8], _ range: Range<Int>) -> FloatToken {
        guard !range.isEmpty, range.count <= 400 else { return .invalid }
        guard isDecimal(bytes, range) else {
            return isNonFiniteSpelling(bytes, range) ? .nonFinite : .invalid
        }
        // Validated ASCII, so decoding cannot substitute anything; tokens up to 15 bytes need no allocation.
        guard let value = Float(String(decoding: bytes[range], as: UTF8.self)) else { return .invalid }
        return value.isFinite ? .value(value) : .nonFinite
    }

    /// An optionally signed decimal integer without exponent or fraction; nil on syntax error or Int overflow.
    static func int(_ bytes: [UInt8], _ range: Range<Int>) -> Int? {
        var index = range.lowerBound
        var negative = false
        if index < range.upperBound, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
            negative = bytes[index] == UInt8(ascii: "-")
            index += 1
        }
        guard index < range.upperBound else { return nil }
        var value = 0
        while index < range.upperBound {
            let digit = Int(bytes[index]) - 48
            guard digit >= 0, digit <= 9 else { return nil }
            let (shifted, o1) = value.multipliedReportingOverflow(by: 10)
            let (next, o2) = negative ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
            if o1 || o2 { return nil }
            value = next
            index += 1
        }
        return value
    }

    /// [+-] digits [. digits] [(e|E) [+-] digits], with at least one mantissa digit.
    private static func isDecimal(_ bytes: [UInt8], _ range: Range<Int>) -> Bool {
        var index = range.lowerBound
        let end = range.upperBound
        func digits() -> Int {
            let start = index
            while index < end, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 }
            return index - start
        }
        if bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
        var mantissaDigits = digits()
        if index < end, bytes[index] == UInt8(ascii: ".") {
            index += 1
            mantissaDigits += digits()
        }
        guard mantissaDigits > 0 else { return false }
        if index < end, bytes[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            if index < end, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { return false }
        }
        return index == end
    }

    private static func isNonFiniteSpelling(_ bytes: [UInt8], _ range: Range<Int>) -> Bool {
        var start = range.lowerBound
        if bytes[start] == UInt8(ascii: "+") || bytes[start] == UInt8(ascii: "-") { start += 1 }
        guard start < range.upperBound else { return false }
        var word = ""
        for index in start..<range.upperBound {
            let byte = bytes[index]
            guard byte < 0x80 else { return false }
            word.unicodeScalars.append(Unicode.Scalar(byte | 0x20))
        }
        return word == "nan" || word == "inf" || word == "infinity" || word.hasPrefix("nan(")
    }
}
