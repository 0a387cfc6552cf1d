/// Element type of a constant tensor.
public enum TensorType: String, Codable, Sendable {
    case f32
    case i32
    /// ±1 weights in the kernels' bit convention: shape [channels, d1, …, dk, c]; each (channel, d1…dk) row packs
    /// the last axis into ⌈c/64⌉ words, the rows of a channel follow each other, and channels are stored in
    /// QInferKernels' panel layout (groups of 8, padded with zero channels).
    case bits
}

/// A constant tensor in the tensor-data section.
public struct TensorEntry: Codable, Sendable, Equatable {
    public var name: String
    public var type: TensorType
    public var shape: [Int]
    /// Bytes from the start of the tensor-data section; a multiple of 64.
    public var offset: Int
    /// Bytes; must equal `TensorEntry.byteCount(type:shape:)`.
    public var length: Int

    public init(name: String, type: TensorType, shape: [Int], offset: Int, length: Int) {
        self.name = name; self.type = type; self.shape = shape; self.offset = offset; self.length = length
    }

    /// Words per channel of a bits tensor: the rows of one channel, each ⌈c/64⌉ words.
    public static func wordsPerChannel(shape: [Int]) -> Int {
        guard let c = shape.last, shape.count >= 2 else { return 0 }
        return shape.dropFirst().dropLast().reduce(1, *) * ((c + 63) / 64)
    }

    /// The byte size implied by type and shape, or nil when a dimension is negative or the size overflows.
    public static func byteCount(type: TensorType, shape: [Int]) -> Int? {
        // Bounded axes keep the rounding below (c + 63, channels + 7) from overflowing on hostile shapes.
        guard shape.allSatisfy({ $0 >= 0 && $0 <= GraphLimits.maxDimension }) else { return nil }
        var elements = 1
        switch type {
        case .f32, .i32:
            for d in shape {
                let (p, overflow) = elements.multipliedReportingOverflow(by: d)
                guard !overflow else { return nil }
                elements = p
            }
            let (bytes, overflow) = elements.multipliedReportingOverflow(by: 4)
            return overflow ? nil : bytes
        case .bits:
            guard shape.count >= 2 else { return nil }
            for d in shape.dropFirst().dropLast() {
                let (p, overflow) = elements.multipliedReportingOverflow(by: d)
                guard !overflow else { return nil }
                elements = p
            }
            let words = (shape[shape.count - 1] + 63) / 64
            let channels = (shape[0] + 7) / 8 * 8
            let (perChannel, o1) = elements.multipliedReportingOverflow(by: words)
            let (total, o2) = perChannel.multipliedReportingOverflow(by: channels)
            let (bytes, o3) = total.multipliedReportingOverflow(by: 8)
            return o1 || o2 || o3 ? nil : bytes
        }
    }
}
