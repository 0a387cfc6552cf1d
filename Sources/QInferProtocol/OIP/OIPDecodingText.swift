/// A JSON decoding error said the way a person reads a request: which field, what was expected.
enum OIPDecodingText {
    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, let context):
            return "\(where_(context.codingPath + [key])) is missing"
        case .typeMismatch(let type, let context):
            return "\(where_(context.codingPath)) is not \(expected(type))"
        case .valueNotFound(let type, let context):
            return "\(where_(context.codingPath)) is null where \(expected(type)) is required"
        case .dataCorrupted(let context):
            let underlying = context.underlyingError.map { " (\($0))" } ?? ""
            return context.codingPath.isEmpty ? "it is not valid JSON\(underlying)"
                : "\(where_(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }

    /// `inputs[0].shape[1]`, or "the body" at the top.
    static func where_(_ path: [any CodingKey]) -> String {
        guard !path.isEmpty else { return "the body" }
        var text = ""
        for key in path {
            if let i = key.intValue { text += "[\(i)]" } else { text += text.isEmpty ? key.stringValue : ".\(key.stringValue)" }
        }
        return text
    }

    private static func expected(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type: "an integer"
        case is Double.Type, is Float.Type: "a number"
        case is Bool.Type: "a boolean"
        case is [Int].Type: "an array of integers"
        default:
            "\(type)".hasPrefix("Array") ? "an array" : "an object"
        }
    }
}
