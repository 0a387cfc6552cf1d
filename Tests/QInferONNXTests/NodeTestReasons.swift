import QInferONNX

/// Turns the importer's and interpreter's errors into the skip reasons of the expectation table: a category (the
/// text before the first colon, what the summary counts), then the error's own words without the test's node and
/// tensor names.
enum NodeTestReasons {
    static func reason(_ error: any Error) -> String {
        if let e = error as? ImportError { return reason(e) }
        if let e = error as? ONNXError { return reason(e) }
        return "error: \(error)"
    }

    static func reason(_ error: ONNXError) -> String {
        switch error {
        case .unsupportedDataType(_, let type): return "data type: \(type) initializer"
        default: return "file: \(error.description)"
        }
    }

    static func reason(_ error: ImportError) -> String {
        switch error {
        case .file(let e): return reason(e)
        case .unsupportedOpset: return "opset: \(error.description)"
        case let .unsupportedOp(_, opType, domain, _): return "op: \(domain.isEmpty ? "" : domain + ".")\(opType) is not supported"
        case let .node(_, opType, _, message): return "\(opType): \(message)"
        case let .tensor(_, message):
            if message.hasPrefix("the graph input has data type "), let type = message.split(separator: ";").first {
                return "data type: \(type.dropFirst("the graph input has data type ".count)) input"
            }
            if message.contains("size 0") { return "empty tensor: \(message)" }
            return "tensor: \(message)"
        case .graph(let message):
            if let range = message.range(of: "the graph has ") { return "graph outputs: \(message[range.upperBound...])" }
            return "graph: \(message)"
        case let .strict(_, opType, reason): return "strict: \(opType): \(reason)"
        }
    }
}
