import QInferModel

/// Which of a model's two accepted layouts an f32 tensor is in: the packed input's, or the ONNX graph input's it
/// was packed from. Only the shape decides, since an element count alone cannot tell [N, 3] from [3, N].
enum TensorLayoutMatch: Equatable {
    case packed
    case onnx(ONNXInputLayout)

    /// nil when the shape is neither layout. Leading axes of length 1 (a batch of one) do not count, unless only
    /// they tell the layouts apart: then the exact shape decides, and a shape that is neither exactly is refused.
    static func match(_ shape: [Int], packed: [Int], onnx: ONNXInputLayout?) throws(EngineError) -> TensorLayoutMatch? {
        let given = shape.droppingLeadingOnes(keepingRank: 0)
        let isPacked = given == packed.droppingLeadingOnes(keepingRank: 0)
        let isONNX = onnx.map { given == $0.shape.droppingLeadingOnes(keepingRank: 0) } ?? false
        guard let onnx, !onnx.isIdentity else { return isPacked || isONNX ? .packed : nil }
        switch (isPacked, isONNX) {
        case (true, false): return .packed
        case (false, true): return .onnx(onnx)
        case (false, false): return nil
        case (true, true):
            if shape == packed { return .packed }
            if shape == onnx.shape { return .onnx(onnx) }
            throw EngineError("a tensor of shape \(shape) could be the packed input \(packed) or the ONNX input \(onnx.shape), "
                              + "whose axes are in another order; give exactly one of those two shapes")
        }
    }

    /// The values in the packed input's order.
    func arrange(_ values: [Float]) -> [Float] {
        switch self {
        case .packed: values
        case .onnx(let layout): Transpose.apply(values, shape: layout.shape, axisOrder: layout.axisOrder)
        }
    }
}

extension Array where Element == Int {
    /// The shape without its leading axes of length 1, keeping at least `rank` axes.
    func droppingLeadingOnes(keepingRank rank: Int) -> [Int] {
        var s = self[...]
        while s.count > rank, s.first == 1 { s = s.dropFirst() }
        return Array(s)
    }

    /// The element count, or nil when the product does not fit an Int (a shape from a request is untrusted).
    var checkedElementCount: Int? {
        var n = 1
        for d in self {
            guard d >= 0 else { return nil }
            let (p, overflow) = n.multipliedReportingOverflow(by: d)
            if overflow { return nil }
            n = p
        }
        return n
    }
}
