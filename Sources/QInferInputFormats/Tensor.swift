/// A dense C-order (row-major) array of float32 or uint8 values with its shape.
public struct Tensor: Equatable, Sendable {
    /// Element storage; other on-disk element types are converted to float32 when decoded.
    public enum Storage: Equatable, Sendable {
        case float32([Float])
        case uint8([UInt8])
    }

    public var shape: [Int]
    public var storage: Storage

    public init(shape: [Int], storage: Storage) {
        self.shape = shape
        self.storage = storage
    }

    /// Number of elements; equals the product of `shape` (1 for a scalar, whose shape is []).
    public var count: Int {
        switch storage {
        case .float32(let values): values.count
        case .uint8(let values): values.count
        }
    }
}
