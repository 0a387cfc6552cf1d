/// A tensor in ONNX's own layout (row-major over its shape, batch axis included): what the ONNX interpreter
/// computes with, and what constant folding produces. `elements` is nil for a value only known by its shape
/// (a runtime activation during shape inference).
public struct NDArray: Sendable, Equatable {
    public enum Elements: Sendable, Equatable {
        case f32([Float])
        case i64([Int64])
    }

    public var shape: [Int]
    public var elements: Elements?

    public init(shape: [Int], elements: Elements?) {
        self.shape = shape
        self.elements = elements
    }

    public init(shape: [Int], floats: [Float]) { self.init(shape: shape, elements: .f32(floats)) }
    public init(shape: [Int], ints: [Int64]) { self.init(shape: shape, elements: .i64(ints)) }
    public static func shapeOnly(_ shape: [Int], isFloat: Bool = true) -> NDArray { NDArray(shape: shape, elements: nil) }

    public var count: Int { shape.reduce(1, *) }

    /// Largest element count of any value the interpreter computes (1 GiB of f32, the engine's limit too).
    static let maxElements = 1 << 28

    /// The element count of `shape`, or nil when an axis is negative or the product of its nonzero axes passes
    /// `maxElements` (checked arithmetic: shapes come from untrusted files). Bounding the nonzero axes too means a
    /// product of any of a checked shape's axes fits an Int, even for an empty tensor like [0, 2⁴⁰, 2⁴⁰].
    static func elementCount(_ shape: [Int]) -> Int? {
        var n = 1
        for d in shape {
            guard d >= 0 else { return nil }
            let (p, overflow) = n.multipliedReportingOverflow(by: max(d, 1))
            guard !overflow, p <= maxElements else { return nil }
            n = p
        }
        return shape.contains(0) ? 0 : n
    }
    public var isConstant: Bool { elements != nil }

    public var floats: [Float]? {
        switch elements {
        case .f32(let v): return v
        case .i64(let v): return v.map { Float($0) }
        case nil: return nil
        }
    }

    public var ints: [Int64]? {
        switch elements {
        case .i64(let v): return v
        case .f32(let v): return v.allSatisfy({ $0 == $0.rounded() && abs($0) < 9e15 }) ? v.map { Int64($0) } : nil
        case nil: return nil
        }
    }

    public var isFloat: Bool {
        if case .i64 = elements { return false }
        return true
    }

    /// Row-major strides of `shape`.
    public static func strides(_ shape: [Int]) -> [Int] {
        var s = [Int](repeating: 1, count: shape.count)
        var acc = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) { s[i] = acc; acc *= shape[i] }
        return s
    }
}

extension ONNXTensor {
    /// The constant as an interpreter value (int32 widened to int64, as ONNX shape inputs are int64 anyway).
    var ndarray: NDArray {
        switch data {
        case .float32(let v): return NDArray(shape: shape, floats: v)
        case .int64(let v): return NDArray(shape: shape, ints: v)
        case .int32(let v): return NDArray(shape: shape, ints: v.map { Int64($0) })
        }
    }
}
