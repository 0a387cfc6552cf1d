/// The parsed header of a PCD v0.7 file (Point Cloud Library): fields with their byte size, type and
/// element count, the point count, the data encoding and where the body starts.
struct PCDHeader {
    enum Encoding: Equatable { case ascii, binary }

    enum FieldType: Equatable { case float, signed, unsigned }

    struct Field {
        var name: String
        var size: Int
        var type: FieldType
        var count: Int
        /// Byte offset of the field inside a binary point record.
        var offset: Int
    }

    var fields: [Field]
    var points: Int
    var encoding: Encoding
    /// Sum of size × count over the fields: the size of one binary point record.
    var recordSize: Int
    /// Sum of count over the fields: the number of values on one ascii point line.
    var valuesPerPoint: Int
    var bodyOffset: Int
    var bodyLine: Int

    /// Keys may come in any order (PCL itself writes them in the documented order but reads them in any),
    /// each at most once; DATA ends the header.
    static func parse(_ bytes: [UInt8]) throws(InputError) -> PCDHeader {
        var lines = LineReader(bytes)
        var tokens: [Range<Int>] = []
        var values: [String: (words: [String], line: Int)] = [:]
        var sawKey = false

        while let line = lines.next() {
            tokenize(bytes, line, into: &tokens, stripComment: false)
            guard let first = tokens.first else { continue }
            if bytes[first.lowerBound] == UInt8(ascii: "#") { continue }
            let key = String(decoding: bytes[first], as: UTF8.self)
            let known = ["VERSION", "FIELDS", "SIZE", "TYPE", "COUNT", "WIDTH", "HEIGHT", "VIEWPOINT", "POINTS", "DATA"]
            guard known.contains(key) else {
                throw InputError(format: .pcd, kind: sawKey ? .malformedHeader : .badMagic, location: .line(line.number),
                                 message: "unknown header key \(tokenText(bytes, first))" + (sawKey ? "" : "; not a PCD file"))
            }
            sawKey = true
            guard values[key] == nil else {
                throw InputError(format: .pcd, kind: .malformedHeader, location: .line(line.number), field: key,
                                 message: "\(key) appears twice")
            }
            let words = tokens.dropFirst().map { String(decoding: bytes[$0], as: UTF8.self) }
            values[key] = (words, line.number)
            if key == "DATA" {
                return try interpret(values, bytes: bytes, bodyOffset: line.next, bodyLine: line.number + 1)
            }
        }
        throw InputError(format: .pcd, kind: sawKey ? .truncated : .badMagic, location: .line(lines.lineNumber), field: "DATA",
                         message: sawKey ? "header has no DATA line" : "no PCD header found")
    }

    private static func interpret(_ values: [String: (words: [String], line: Int)], bytes: [UInt8], bodyOffset: Int,
                                  bodyLine: Int) throws(InputError) -> PCDHeader {
        func fail(_ kind: InputError.Kind, _ key: String, _ message: String) -> InputError {
            InputError(format: .pcd, kind: kind, location: values[key].map { .line($0.line) }, field: key, message: message)
        }
        func required(_ key: String) throws(InputError) -> [String] {
            guard let entry = values[key] else { throw fail(.missingField, key, "header has no \(key) line") }
            return entry.words
        }
        func integers(_ key: String, _ words: [String], minimum: Int) throws(InputError) -> [Int] {
            var result: [Int] = []
            for word in words {
                let utf8 = Array(word.utf8)
                guard let value = NumberParser.int(utf8, 0..<utf8.count), value >= minimum else {
                    throw fail(.badNumber, key, "\(key) value \"\(word)\" is not an integer ≥ \(minimum)")
                }
                result.append(value)
            }
            return result
        }

        let version = try required("VERSION")
        guard version == ["0.7"] || version == [".7"] else {
            throw fail(.unsupported, "VERSION", "version \(version.joined(separator: " ")) is not supported (0.7 is)")
        }
        let names = try required("FIELDS")
        guard !names.isEmpty else { throw fail(.malformedHeader, "FIELDS", "FIELDS lists no fields") }
        let sizes = try integers("SIZE", try required("SIZE"), minimum: 1)
        let types = try required("TYPE")
        let counts = values["COUNT"] == nil ? Array(repeating: 1, count: names.count)
            : try integers("COUNT", values["COUNT"]!.words, minimum: 1)
        for (key, count) in [("SIZE", sizes.count), ("TYPE", types.count), ("COUNT", counts.count)] where count != names.count {
            throw fail(.wrongValueCount, key, "\(key) has \(count) entries for \(names.count) fields")
        }

        var fields: [Field] = []
        var recordSize = 0
        var valuesPerPoint = 0
        for index in names.indices {
            let type: FieldType
            switch (types[index], sizes[index]) {
            case ("F", 4), ("F", 8): type = .float
            case ("I", 1), ("I", 2), ("I", 4), ("I", 8): type = .signed
            case ("U", 1), ("U", 2), ("U", 4), ("U", 8): type = .unsigned
            default:
                throw fail(.malformedHeader, "TYPE", "field '\(names[index])' has TYPE \(types[index]) with SIZE \(sizes[index])")
            }
            guard counts[index] <= bytes.count else {
                throw fail(.tooLarge, "COUNT", "field '\(names[index])' COUNT \(counts[index]) exceeds the file size")
            }
            fields.append(Field(name: names[index], size: sizes[index], type: type, count: counts[index], offset: recordSize))
            recordSize += sizes[index] * counts[index]
            valuesPerPoint += counts[index]
            guard recordSize <= bytes.count else {
                throw fail(.tooLarge, "SIZE", "one point record is larger than the whole file")
            }
        }
        for axis in ["x", "y", "z"] {
            guard let field = fields.first(where: { $0.name == axis }) else {
                throw fail(.missingField, "FIELDS", "no '\(axis)' field")
            }
            guard field.count == 1 else {
                throw fail(.malformedHeader, "COUNT", "field '\(axis)' has COUNT \(field.count), expected 1")
            }
            guard fields.filter({ $0.name == axis }).count == 1 else {
                throw fail(.malformedHeader, "FIELDS", "field '\(axis)' appears twice")
            }
        }

        let width = try integers("WIDTH", try required("WIDTH"), minimum: 0)
        let height = try integers("HEIGHT", try required("HEIGHT"), minimum: 0)
        guard width.count == 1 else { throw fail(.malformedHeader, "WIDTH", "WIDTH takes one value") }
        guard height.count == 1 else { throw fail(.malformedHeader, "HEIGHT", "HEIGHT takes one value") }
        let (product, overflow) = width[0].multipliedReportingOverflow(by: height[0])
        guard !overflow else { throw fail(.tooLarge, "WIDTH", "WIDTH × HEIGHT overflows") }
        var points = product
        if let entry = values["POINTS"] {
            let declared = try integers("POINTS", entry.words, minimum: 0)
            guard declared.count == 1 else { throw fail(.malformedHeader, "POINTS", "POINTS takes one value") }
            guard declared[0] == product else {
                throw fail(.malformedHeader, "POINTS", "POINTS \(declared[0]) differs from WIDTH × HEIGHT = \(product)")
            }
            points = declared[0]
        }
        if let viewpoint = values["VIEWPOINT"], viewpoint.words.count != 7 {
            throw fail(.wrongValueCount, "VIEWPOINT", "VIEWPOINT takes 7 values, found \(viewpoint.words.count)")
        }

        let encoding: Encoding
        switch try required("DATA") {
        case ["ascii"]: encoding = .ascii
        case ["binary"]: encoding = .binary
        case ["binary_compressed"]:
            throw fail(.unsupported, "DATA", "DATA binary_compressed is not supported; re-save as binary or ascii")
        case let other:
            throw fail(.malformedHeader, "DATA", "unknown DATA encoding \"\(other.joined(separator: " "))\"")
        }
        return PCDHeader(fields: fields, points: points, encoding: encoding, recordSize: recordSize,
                         valuesPerPoint: valuesPerPoint, bodyOffset: bodyOffset, bodyLine: bodyLine)
    }
}
