import QInferInputFormats
import QInferModel

/// A point cloud given as an f32 tensor: N points as [N, 3], or channels first as [3, N] (PyTorch PointNet's
/// layout, which its ONNX export takes as [1, 3, N]); a batch axis of 1 may lead either. Any N is taken, since
/// preprocessing samples or pads to the model's point count.
struct PointCloudTensor {
    let metadata: ModelMetadata

    /// xyz interleaved, point after point.
    func points(of t: Tensor) throws(EngineError) -> [Float] {
        guard case .float32(let values) = t.storage, t.shape.checkedElementCount == values.count else { throw wrongLayout(t) }
        let s = t.shape.droppingLeadingOnes(keepingRank: 2)
        guard s.count == 2 else { throw wrongLayout(t) }
        switch (s[0], s[1]) {
        case (3, 3):
            throw EngineError("a \(t.shape) tensor is ambiguous for a point-cloud model: 3 points as [N, 3] or 3 points channels "
                              + "first as [3, N]; send them in a point-cloud file (.xyz, .ply, .pcd) instead")
        case (_, 3): return values
        case (3, let n): return Transpose.apply(values, shape: [3, n], axisOrder: [1, 0])
        default: throw wrongLayout(t)
        }
    }

    private func wrongLayout(_ t: Tensor) -> EngineError {
        let onnx = metadata.onnxInput.map { ", its ONNX input \($0.shape)" } ?? ""
        return EngineError("a point-cloud model takes an f32 tensor of N points as [N, 3] or channels first as [3, N] (this "
                           + "model's packed input is \(metadata.input.shape)\(onnx)); got \(t.shape) \(t.storage.typeName)")
    }
}
