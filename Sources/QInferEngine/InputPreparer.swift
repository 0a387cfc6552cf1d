import QInferInputFormats
import QInferModel

/// Turns any decoded input file into the model's input tensor, according to the model's task and preprocessing.
/// A tensor is taken in the packed input's layout or in the ONNX graph's (rearranged here); any other shape is
/// refused, even with the right element count, since that count alone cannot tell [N, 3] from [3, N].
public struct InputPreparer: Sendable {
    public let metadata: ModelMetadata

    public init(metadata: ModelMetadata) { self.metadata = metadata }

    public func prepare(_ input: DecodedInput) throws(EngineError) -> [Float] {
        switch (metadata.task, input) {
        case (.pointCloudClassification, .pointCloud(let cloud)):
            return try pointCloud(cloud.points)
        case (.pointCloudClassification, .tensor(let t)):
            return try pointCloud(try PointCloudTensor(metadata: metadata).points(of: t))
        case (.imageClassification, .frame(let f)):
            return try frame(f.pixels, width: f.width, height: f.height, channels: f.channels)
        case (.imageClassification, .tensor(let t)):
            guard let config = metadata.preprocessing.frame else { throw EngineError("model '\(metadata.name)' has no frame preprocessing") }
            switch t.storage {
            case .uint8(let bytes):
                let f = try FrameTensor(metadata: metadata, frame: config).frame(of: t.shape, bytes)
                return try frame(f.pixels, width: f.width, height: f.height, channels: f.channels)
            case .float32(let values):
                // Already preprocessed: exactly the graph's input, in its packed or ONNX layout or as a frame of its size.
                if let layout = try match(t) { return layout.arrange(values) }
                if let frame = FrameTensor.preprocessed(values, shape: t.shape, input: metadata.input.shape) { return frame }
                throw EngineError(FrameTensor.refusal(metadata: metadata, frame: config, given: "\(t.shape) f32"))
            }
        case (.tensor, .tensor(let t)):
            guard case .float32(let values) = t.storage, let layout = try match(t) else {
                throw EngineError("model '\(metadata.name)' takes an f32 tensor of shape \(acceptedShapes); got \(t.shape) \(t.storage.typeName)")
            }
            return layout.arrange(values)
        case (.tensor, _):
            throw EngineError("model '\(metadata.name)' takes an f32 tensor of shape \(acceptedShapes), not a point cloud or image")
        case (.pointCloudClassification, .frame):
            throw EngineError("model '\(metadata.name)' classifies point clouds; the input is an image")
        case (.imageClassification, .pointCloud):
            throw EngineError("model '\(metadata.name)' classifies images; the input is a point cloud")
        }
    }

    /// The layout an f32 tensor is in, or nil when it is in neither.
    private func match(_ t: Tensor) throws(EngineError) -> TensorLayoutMatch? {
        guard t.shape.checkedElementCount == t.count else { throw EngineError("tensor shape \(t.shape) does not hold its \(t.count) values") }
        return try TensorLayoutMatch.match(t.shape, packed: metadata.input.shape, onnx: metadata.onnxInput)
    }

    /// "[8, 3]", or "[8, 3] or, in the ONNX model's layout, [1, 3, 8]" where that is another layout.
    private var acceptedShapes: String {
        guard let onnx = metadata.onnxInput, !onnx.isIdentity else { return "\(metadata.input.shape)" }
        return "\(metadata.input.shape) or, in the ONNX model's layout, \(onnx.shape)"
    }

    private func pointCloud(_ points: [Float]) throws(EngineError) -> [Float] {
        guard let config = metadata.preprocessing.pointCloud else { throw EngineError("model '\(metadata.name)' has no point_cloud preprocessing") }
        return try PointCloudPreprocessor(config: config).prepare(points)
    }

    private func frame(_ pixels: [UInt8], width: Int, height: Int, channels: Int) throws(EngineError) -> [Float] {
        guard let config = metadata.preprocessing.frame else { throw EngineError("model '\(metadata.name)' has no frame preprocessing") }
        return try FramePreprocessor(config: config).prepare(pixels: pixels, width: width, height: height, channels: channels)
    }
}

extension Tensor.Storage {
    var typeName: String {
        switch self {
        case .float32: "f32"
        case .uint8: "u8"
        }
    }
}
