/// The subset of TensorProto.DataType that resolves to arrays; the importer has no use for the others yet.
enum ONNXElementType {
    case float32, int64, int32

    var byteSize: Int {
        switch self {
        case .float32, .int32: return 4
        case .int64: return 8
        }
    }

    /// The TensorProto field that holds this type's values when they are not in raw_data.
    var typedField: String {
        switch self {
        case .float32: return "float_data"
        case .int64: return "int64_data"
        case .int32: return "int32_data"
        }
    }

    init?(onnxDataType raw: Int32) {
        switch Onnx_TensorProto.DataType(rawValue: Int(raw)) {
        case .float?: self = .float32
        case .int64?: self = .int64
        case .int32?: self = .int32
        default: return nil
        }
    }

    /// ONNX's own spelling (FLOAT16, BFLOAT16, …) so messages match what exporters and Netron show.
    static func onnxName(of raw: Int32) -> String {
        guard let known = Onnx_TensorProto.DataType(rawValue: Int(raw)) else { return "unknown data type \(raw)" }
        if known == .float { return "FLOAT (\(raw))" }
        return "\(String(describing: known).uppercased()) (\(raw))"
    }
}
