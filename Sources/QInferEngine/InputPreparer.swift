import QInferInputFormats
import QInferModel

/// Turns any decoded input file into the model's input tensor, according to the model's task and preprocessing.
public struct InputPreparer: Sendable {
    public let metadata: ModelMetadata

    public init(metadata: ModelMetadata) { self.metadata = metadata }

    public func prepare(_ input: DecodedInput) throws(EngineError) -> [Float] {
        switch (metadata.task, input) {
        case (.pointCloudClassification, .pointCloud(let cloud)):
            return try pointCloud(cloud.points)
        case (.pointCloudClassification, .tensor(let t)):
            guard t.shape.count == 2, t.shape[1] == 3, case .float32(let values) = t.storage else {
                throw EngineError("a point-cloud model takes an f32 tensor of shape [N, 3]; got \(t.shape) \(t.storage.typeName)")
            }
            return try pointCloud(values)
        case (.imageClassification, .frame(let f)):
            return try frame(f.pixels, width: f.width, height: f.height, channels: f.channels)
        case (.imageClassification, .tensor(let t)):
            switch t.storage {
            case .uint8(let bytes) where t.shape.count == 2:
                return try frame(bytes, width: t.shape[1], height: t.shape[0], channels: 1)
            case .uint8(let bytes) where t.shape.count == 3:
                return try frame(bytes, width: t.shape[1], height: t.shape[0], channels: t.shape[2])
            case .float32(let values) where t.shape == metadata.input.shape:
                return values // already preprocessed: exactly the graph's input
            default:
                throw EngineError("an image model takes a u8 [H, W] or [H, W, C] frame, or an f32 tensor of shape \(metadata.input.shape); got \(t.shape) \(t.storage.typeName)")
            }
        case (.tensor, .tensor(let t)):
            guard case .float32(let values) = t.storage, t.shape.reduce(1, *) == metadata.input.shape.reduce(1, *) else {
                throw EngineError("model '\(metadata.name)' takes an f32 tensor of shape \(metadata.input.shape); got \(t.shape) \(t.storage.typeName)")
            }
            return values
        case (.tensor, _):
            throw EngineError("model '\(metadata.name)' takes an f32 tensor of shape \(metadata.input.shape), not a point cloud or image")
        case (.pointCloudClassification, .frame):
            throw EngineError("model '\(metadata.name)' classifies point clouds; the input is an image")
        case (.imageClassification, .pointCloud):
            throw EngineError("model '\(metadata.name)' classifies images; the input is a point cloud")
        }
    }

    private func pointCloud(_ points: [Float]) throws(EngineError) -> [Float] {
        try PointCloudPreprocessor(config: metadata.preprocessing.pointCloud!).prepare(points)
    }

    private func frame(_ pixels: [UInt8], width: Int, height: Int, channels: Int) throws(EngineError) -> [Float] {
        try FramePreprocessor(config: metadata.preprocessing.frame!).prepare(pixels: pixels, width: width, height: height, channels: channels)
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
