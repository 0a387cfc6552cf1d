/// A constant tensor resolved from an ONNX TensorProto: its shape and its elements in row-major order.
public struct ONNXTensor: Equatable, Sendable {
    public var name: String
    public var shape: [Int]
    public var data: ONNXTensorData

    public init(name: String, shape: [Int], data: ONNXTensorData) {
        self.name = name
        self.shape = shape
        self.data = data
    }

    public var elementCount: Int { data.count }
}

/// The element types the importer works with; anything else is refused when the tensor is resolved.
public enum ONNXTensorData: Equatable, Sendable {
    case float32([Float])
    case int64([Int64])
    case int32([Int32])

    public var count: Int {
        switch self {
        case let .float32(values): return values.count
        case let .int64(values): return values.count
        case let .int32(values): return values.count
        }
    }

    public var float32: [Float]? {
        if case let .float32(values) = self { return values }
        return nil
    }

    public var int64: [Int64]? {
        if case let .int64(values) = self { return values }
        return nil
    }

    public var int32: [Int32]? {
        if case let .int32(values) = self { return values }
        return nil
    }
}
