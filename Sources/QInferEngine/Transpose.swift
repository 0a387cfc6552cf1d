/// Axis reordering of a row-major tensor, as `numpy.transpose(x, axisOrder)` followed by a row-major read.
enum Transpose {
    /// Generic so u8 frames given channels first are rearranged by the same walk as f32 tensors.
    ///
    /// - Precondition: `values.count` is the product of `shape` and `axisOrder` is an order of its axes (the model
    ///   reader checks a file's layout, the preparer the tensor's count).
    static func apply<Element>(_ values: [Element], shape: [Int], axisOrder: [Int]) -> [Element] {
        guard !values.isEmpty else { return values }
        var strides = [Int](repeating: 1, count: shape.count)
        for i in stride(from: shape.count - 2, through: 0, by: -1) { strides[i] = strides[i + 1] * shape[i + 1] }
        let outShape = axisOrder.map { shape[$0] }, outStrides = axisOrder.map { strides[$0] }
        guard let inner = outShape.last, let innerStride = outStrides.last else { return values }
        // An odometer over every output axis but the innermost, whose run is one strided gather.
        var index = [Int](repeating: 0, count: outShape.count - 1)
        return [Element](unsafeUninitializedCapacity: values.count) { out, written in
            values.withUnsafeBufferPointer { src in
                var at = 0, base = 0
                while at < values.count {
                    for j in 0..<inner { out[at + j] = src[base + j * innerStride] }
                    at += inner
                    var axis = index.count - 1
                    while axis >= 0 {
                        index[axis] += 1
                        base += outStrides[axis]
                        if index[axis] < outShape[axis] { break }
                        base -= outStrides[axis] * outShape[axis]
                        index[axis] = 0
                        axis -= 1
                    }
                }
            }
            written = values.count
        }
    }
}
