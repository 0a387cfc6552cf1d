/// The header numpy writes, read without the general literal parser: `{'descr': '<f4', 'fortran_order': False,
/// 'shape': (1024, 3), }` padded with spaces and a newline (numpy's `_write_array_header` format string). Every
/// .npy a client makes with np.save has exactly this form, and the daemon decodes one per request, so it is worth
/// a direct byte match (no literal tree, no strings, no dictionary).
///
/// Only a header in exactly this form is read here; anything else — other key order, quotes, spacing, a
/// Python 2 `L` suffix, a one-element shape without its comma — returns nil and goes to `PythonLiteralParser`,
/// which the tests check gives the same dtype and shape for every header read here.
enum NpyCanonicalHeader {
    /// descr and shape, or nil when the header is not in numpy's canonical form.
    static func parse(_ bytes: [UInt8], _ range: Range<Int>) -> (descr: String, shape: [Int])? {
        bytes.withUnsafeBufferPointer { buffer in
            var reader = Reader(bytes: buffer, position: range.lowerBound, end: range.upperBound)
            return reader.header()
        }
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var position: Int
        let end: Int

        mutating func header() -> (descr: String, shape: [Int])? {
            guard literal("{'descr': '") else { return nil }
            let descrStart = position
            // A dtype string is a few printable ASCII bytes; a quote or escape inside it is left to the general parser.
            while position < end, position - descrStart < 16, bytes[position] != UInt8(ascii: "'") {
                let b = bytes[position]
                guard b > 0x20, b < 0x7f, b != UInt8(ascii: "\\"), b != UInt8(ascii: "\"") else { return nil }
                position += 1
            }
            guard position < end, bytes[position] == UInt8(ascii: "'") else { return nil }
            let descr = String(decoding: UnsafeBufferPointer(rebasing: bytes[descrStart..<position]), as: UTF8.self)
            position += 1
            guard literal(", 'fortran_order': False, 'shape': (") else { return nil }
            var shape: [Int] = []
            shape.reserveCapacity(4)
            var sawComma = false
            while position < end, bytes[position] != UInt8(ascii: ")") {
                guard let n = integer() else { return nil }
                shape.append(n)
                if position < end, bytes[position] == UInt8(ascii: ",") {
                    sawComma = true
                    position += 1
                    if position < end, bytes[position] == UInt8(ascii: " ") { position += 1 }
                } else {
                    break
                }
            }
            // "(5)" is the integer 5 in Python, not a tuple: the general parser reports that.
            guard shape.count != 1 || sawComma, literal("), }") else { return nil }
            while position < end {
                let b = bytes[position]
                guard b == 0x20 || b == 0x0A || b == 0x09 || b == 0x0D else { return nil }
                position += 1
            }
            return (descr, shape)
        }

        /// A plain non-negative decimal of at most 18 digits (no overflow possible); nil otherwise.
        private mutating func integer() -> Int? {
            let start = position
            var value = 0
            while position < end, position - start < 18, bytes[position] >= 0x30, bytes[position] <= 0x39 {
                value = value * 10 + Int(bytes[position] - 0x30)
                position += 1
            }
            guard position > start, position < end, bytes[position] < 0x30 || bytes[position] > 0x39 else { return nil }
            return value
        }

        private mutating func literal(_ text: StaticString) -> Bool {
            let count = text.utf8CodeUnitCount
            guard end - position >= count else { return false }
            let expected = text.utf8Start
            for i in 0..<count where bytes[position + i] != expected[i] { return false }
            position += count
            return true
        }
    }
}
