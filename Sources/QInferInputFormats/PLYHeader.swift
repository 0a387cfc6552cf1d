/// A numeric type a PLY property can have, under both its classic and its sized name.
enum PLYScalarType: Equatable {
    case int8, uint8, int16, uint16, int32, uint32, float32, float64

    init?(name: Substring) {
        switch name {
        case "char", "int8": self = .int8
        case "uchar", "uint8": self = .uint8
        case "short", "int16": self = .int16
        case "ushort", "uint16": self = .uint16
        case "int", "int32": self = .int32
        case "uint", "uint32": self = .uint32
        case "float", "float32": self = .float32
        case "double", "float64": self = .float64
        default: return nil
        }
    }

    var size: Int {
        switch self {
        case .int8, .uint8: 1
        case .int16, .uint16: 2
        case .int32, .uint32, .float32: 4
        case .float64: 8
        }
    }

    var isInteger: Bool { self != .float32 && self != .float64 }

    /// Range an integer value of this type can take, used to check ascii values.
    var integerRange: ClosedRange<Int> {
        switch self {
        case .int8: -128...127
        case .uint8: 0...255
        case .int16: -32768...32767
        case .uint16: 0...65535
        case .int32: Int(Int32.min)...Int(Int32.max)
        case .uint32: 0...Int(UInt32.max)
        case .float32, .float64: Int.min...Int.max
        }
    }

    /// The value at `offset` as a Double (exact for every PLY type). The caller has checked bounds.
    func read(_ bytes: [UInt8], at offset: Int, bigEndian: Bool) -> Double {
        switch self {
        case .int8: Double(Int8(bitPattern: bytes[offset]))
        case .uint8: Double(bytes[offset])
        case .int16: Double(Int16(bitPattern: BinaryScalars.uint16(bytes, at: offset, bigEndian: bigEndian)))
        case .uint16: Double(BinaryScalars.uint16(bytes, at: offset, bigEndian: bigEndian))
        case .int32: Double(Int32(bitPattern: BinaryScalars.uint32(bytes, at: offset, bigEndian: bigEndian)))
        case .uint32: Double(BinaryScalars.uint32(bytes, at: offset, bigEndian: bigEndian))
        case .float32: Double(Float(bitPattern: BinaryScalars.uint32(bytes, at: offset, bigEndian: bigEndian)))
        case .float64: Double(bitPattern: BinaryScalars.uint64(bytes, at: offset, bigEndian: bigEndian))
        }
    }
}

/// The parsed header of a PLY file: encoding, elements with their properties, and where the body starts.
struct PLYHeader {
    enum Encoding: Equatable { case ascii, binaryLittleEndian, binaryBigEndian }

    enum PropertyKind: Equatable {
        case scalar(PLYScalarType)
        case list(count: PLYScalarType, item: PLYScalarType)
    }

    struct Property {
        var name: String
        var kind: PropertyKind
    }

    struct Element {
        var name: String
        var count: Int
        var properties: [Property]
        var line: Int
    }

    var encoding: Encoding
    var elements: [Element]
    /// Byte offset just past the "end_header" line.
    var bodyOffset: Int
    /// Line number of the first body line (for ascii errors).
    var bodyLine: Int

    static func parse(_ bytes: [UInt8]) throws(InputError) -> PLYHeader {
        var lines = LineReader(bytes)
        guard let first = lines.next(), bytes[first.start..<first.end].elementsEqual("ply".utf8) else {
            throw InputError(format: .ply, kind: .badMagic, location: .line(1), message: "first line is not \"ply\"")
        }
        var encoding: Encoding?
        var elements: [Element] = []
        var tokens: [Range<Int>] = []

        while let line = lines.next() {
            tokenize(bytes, line, into: &tokens, stripComment: false)
            guard let keywordRange = tokens.first else { continue }
            let words = tokens.map { Substring(decoding: bytes[$0], as: UTF8.self) }
            func fail(_ kind: InputError.Kind = .malformedHeader, field: String? = nil, _ message: String) -> InputError {
                InputError(format: .ply, kind: kind, location: .line(line.number), field: field, message: message)
            }
            switch words[0] {
            case "comment", "obj_info":
                continue
            case "format":
                guard encoding == nil else { throw fail(field: "format", "second format line") }
                guard words.count == 3 else { throw fail(field: "format", "expected \"format <encoding> 1.0\"") }
                switch words[1] {
                case "ascii": encoding = .ascii
                case "binary_little_endian": encoding = .binaryLittleEndian
                case "binary_big_endian": encoding = .binaryBigEndian
                default: throw fail(.unsupported, field: "format", "unknown encoding \(tokenText(bytes, tokens[1]))")
                }
                guard words[2] == "1.0" else {
                    throw fail(.unsupported, field: "format", "PLY version \(tokenText(bytes, tokens[2])) (only 1.0 exists)")
                }
            case "element":
                guard encoding != nil else { throw fail(field: "format", "element before the format line") }
                guard words.count == 3 else { throw fail(field: "element", "expected \"element <name> <count>\"") }
                let name = String(words[1])
                guard let count = NumberParser.int(bytes, tokens[2]), count >= 0 else {
                    throw fail(.badNumber, field: name, "element count \(tokenText(bytes, tokens[2])) is not a non-negative integer")
                }
                guard !elements.contains(where: { $0.name == name }) else {
                    throw fail(field: name, "element '\(name)' declared twice")
                }
                elements.append(Element(name: name, count: count, properties: [], line: line.number))
            case "property":
                guard !elements.isEmpty else { throw fail(field: "property", "property before any element") }
                let property: Property
                if words.count == 5, words[1] == "list" {
                    guard let countType = PLYScalarType(name: words[2]), countType.isInteger else {
                        throw fail(field: String(words[4]), "list count type \(tokenText(bytes, tokens[2])) is not an integer type")
                    }
                    guard let itemType = PLYScalarType(name: words[3]) else {
                        throw fail(field: String(words[4]), "unknown list item type \(tokenText(bytes, tokens[3]))")
                    }
                    property = Property(name: String(words[4]), kind: .list(count: countType, item: itemType))
                } else if words.count == 3 {
                    guard let type = PLYScalarType(name: words[1]) else {
                        throw fail(field: String(words[2]), "unknown property type \(tokenText(bytes, tokens[1]))")
                    }
                    property = Property(name: String(words[2]), kind: .scalar(type))
                } else {
                    throw fail(field: "property", "expected \"property <type> <name>\" or \"property list <count type> <item type> <name>\"")
                }
                guard !elements[elements.count - 1].properties.contains(where: { $0.name == property.name }) else {
                    throw fail(field: property.name, "property '\(property.name)' declared twice")
                }
                elements[elements.count - 1].properties.append(property)
            case "end_header":
                guard words.count == 1 else { throw fail(.malformedHeader, "text after end_header") }
                guard let encoding else { throw fail(.missingField, field: "format", "header has no format line") }
                // An element without properties occupies no bytes, so its count could claim anything; refuse it.
                if let empty = elements.first(where: { $0.properties.isEmpty && $0.count > 0 }) {
                    throw InputError(format: .ply, kind: .malformedHeader, location: .line(empty.line), field: empty.name,
                                     message: "element '\(empty.name)' has no properties")
                }
                return PLYHeader(encoding: encoding, elements: elements, bodyOffset: line.next, bodyLine: line.number + 1)
            default:
                throw fail(.malformedHeader, "unknown header keyword \(tokenText(bytes, keywordRange))")
            }
        }
        throw InputError(format: .ply, kind: .truncated, location: .line(lines.lineNumber),
                         message: "header has no end_header line")
    }
}
