/// A tensor's `data` as the request wrote it: a JSON array, flat in row-major order or nested in the tensor's natural
/// shape (the spec allows both). Kept as written until the datatype is known, so a `true` or a string can be named
/// in the error rather than lost in a generic decoding failure.
public indirect enum OIPTensorData: Codable, Sendable, Equatable {
    case number(Double)
    case bool(Bool)
    case string(String)
    case null
    case array([OIPTensorData])
    /// An array of numbers only: the flat data, or the innermost rows of nested data, decoded in one go (an enum
    /// value per element would cost several times the parsing itself).
    case numbers([Double])

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        // The common shapes first, since every failed attempt costs an error value.
        if let flat = try? c.decode([Double].self) {
            self = .numbers(flat)
        } else if let d = try? c.decode(Double.self) {
            self = .number(d)
        } else if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else {
            self = .array(try c.decode([OIPTensorData].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .number(let d): try c.encode(d)
        case .bool(let b): try c.encode(b)
        case .string(let s): try c.encode(s)
        case .null: try c.encodeNil()
        case .array(let a): try c.encode(a)
        case .numbers(let n): try c.encode(n)
        }
    }

    /// The numbers in row-major order, and the nesting when the data is nested (nil when flat). Ragged or mixed
    /// nesting and anything that is not a number are refused with the position named.
    func flattened(input: String) throws(APIFailure) -> (values: [Double], nesting: [Int]?) {
        if case .numbers(let flat) = self { return (flat, nil) }
        guard case .array(let top) = self else {
            throw APIFailure(.badInput, "input '\(input)': data must be a JSON array of numbers (flat or nested), not \(describe)")
        }
        var walker = Walker(input: input)
        var path: [Int] = []
        try walker.visit(top, path: &path)
        return (walker.values, walker.dims.count > 1 ? walker.dims : nil)
    }

    var describe: String {
        switch self {
        case .number(let d): OIPDatatype.text(d)
        case .bool(let b): "\(b)"
        case .string(let s): "the string \"\(s.prefix(40))\""
        case .null: "null"
        case .array(let a): "an array of \(a.count)"
        case .numbers(let n): "an array of \(n.count)"
        }
    }

    /// Depth-first over the nested arrays: every array at one depth must have the same length (the tensor is a box),
    /// and numbers must all sit at the same depth.
    private struct Walker {
        let input: String
        var values: [Double] = []
        var dims: [Int] = []
        var leafDepth: Int?

        /// `path` holds the indices down to `items`; it is rendered only for an error message.
        mutating func visit(_ items: [OIPTensorData], path: inout [Int]) throws(APIFailure) {
            let depth = path.count
            if depth == dims.count {
                dims.append(items.count)
            } else if dims[depth] != items.count {
                throw APIFailure(.badInput, "input '\(input)': \(Self.render(path)) has \(items.count) elements where the arrays before it "
                                 + "at that depth have \(dims[depth]); nested data must be a regular box")
            }
            if depth == 0 { values.reserveCapacity(items.count) }
            for (i, item) in items.enumerated() {
                switch item {
                case .number(let v):
                    if leafDepth == nil { leafDepth = depth }
                    guard leafDepth == depth, depth == dims.count - 1 else {
                        throw APIFailure(.badInput, "input '\(input)': \(Self.render(path + [i])) is a number where other elements at "
                                         + "that depth are arrays; nested data must be a regular box")
                    }
                    values.append(v)
                case .numbers(let row):
                    try visitRow(row, at: i, path: &path)
                case .array(let inner):
                    guard depth < 8 else { throw APIFailure(.badInput, "input '\(input)': data is nested deeper than 8 levels") }
                    try visit(inner, at: i, path: &path)
                case .bool, .string, .null:
                    throw APIFailure(.badInput, "input '\(input)': \(Self.render(path + [i])) is \(item.describe), not a number")
                }
            }
        }

        /// An innermost array decoded as numbers in one go: the same checks as element by element.
        private mutating func visitRow(_ row: [Double], at index: Int, path: inout [Int]) throws(APIFailure) {
            path.append(index)
            defer { path.removeLast() }
            let depth = path.count
            guard depth <= 8 else { throw APIFailure(.badInput, "input '\(input)': data is nested deeper than 8 levels") }
            if depth == dims.count {
                dims.append(row.count)
            } else if dims[depth] != row.count {
                throw APIFailure(.badInput, "input '\(input)': \(Self.render(path)) has \(row.count) elements where the arrays before it "
                                 + "at that depth have \(dims[depth]); nested data must be a regular box")
            }
            guard !row.isEmpty else { return }
            if leafDepth == nil { leafDepth = depth }
            guard leafDepth == depth, depth == dims.count - 1 else {
                throw APIFailure(.badInput, "input '\(input)': \(Self.render(path + [0])) is a number where other elements at that depth "
                                 + "are arrays; nested data must be a regular box")
            }
            values.append(contentsOf: row)
        }

        private mutating func visit(_ items: [OIPTensorData], at index: Int, path: inout [Int]) throws(APIFailure) {
            path.append(index)
            try visit(items, path: &path)
            path.removeLast()
        }

        static func render(_ path: [Int]) -> String { "data" + path.map { "[\($0)]" }.joined() }
    }
}
