/// Why an ONNX model cannot be imported or run, naming the node (with its op type and opset) or tensor at fault.
public enum ImportError: Error, Equatable, CustomStringConvertible {
    case file(ONNXError)
    case unsupportedOpset(domain: String, version: Int64, supported: ClosedRange<Int64>)
    case unsupportedOp(name: String, opType: String, domain: String, opset: Int64)
    case node(name: String, opType: String, opset: Int64, message: String)
    case tensor(name: String, message: String)
    case graph(String)
    case strict(name: String, opType: String, reason: String)

    public var description: String {
        switch self {
        case .file(let e): return e.description
        case let .unsupportedOpset(domain, version, supported):
            return "opset \(version) of domain '\(domain.isEmpty ? "ai.onnx" : domain)' is not supported (supported: \(supported.lowerBound)…\(supported.upperBound))"
        case let .unsupportedOp(name, opType, domain, opset):
            let d = domain.isEmpty ? "" : "\(domain)."
            let version = opset == 0 && !domain.isEmpty ? "domain '\(domain)' not imported by the model" : "opset \(opset)"
            return "node '\(name)': op \(d)\(opType) (\(version)) is not supported"
        case let .node(name, opType, opset, message):
            return "node '\(name)' (\(opType), opset \(opset)): \(message)"
        case let .tensor(name, message):
            return "tensor '\(name)': \(message)"
        case .graph(let message):
            return message
        case let .strict(name, opType, reason):
            return "--strict: node '\(name)' (\(opType)) is fed by a Sign but was not binarized: \(reason)"
        }
    }
}
