/// A parameter value: the spec allows a string, a number or a boolean, nothing nested. Integers stay integers on the
/// wire (a count such as `classification` must be one).
public enum OIPParameter: Codable, Sendable, Equatable {
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let i = try? c.decode(Int.self) {
            self = .int(i)
        } else if let d = try? c.decode(Double.self) {
            self = .double(d)
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else {
            throw DecodingError.typeMismatch(OIPParameter.self, .init(codingPath: decoder.codingPath,
                                                                      debugDescription: "a parameter is a string, a number or a boolean"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .string(let s): try c.encode(s)
        case .int(let i): try c.encode(i)
        case .double(let d): try c.encode(d)
        case .bool(let b): try c.encode(b)
        }
    }
}

/// `parameters` of a request, an input, an output or a response.
public typealias OIPParameters = [String: OIPParameter]
