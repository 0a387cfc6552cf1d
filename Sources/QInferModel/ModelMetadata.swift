/// What the model is and what it expects: everything the daemon needs besides the graph.
public struct ModelMetadata: Codable, Sendable, Equatable {
    public enum Task: String, Codable, Sendable {
        case pointCloudClassification = "pointcloud-classification"
        case imageClassification = "image-classification"
        /// Any other graph: the input is given as an f32 tensor of the input shape, no preprocessing, and the
        /// output vector is returned as is (labels may be empty).
        case tensor = "tensor"
    }

    public var name: String
    public var version: String
    public var task: Task
    public var labels: [String]
    public var input: InputSignature
    public var preprocessing: Preprocessing
    public var description: String?
    public var producer: String?
    /// The ONNX graph input this model was packed from, so an input in ONNX's layout can be accepted and rearranged
    /// (absent in files packed before 1.1 and in models not packed from ONNX).
    public var onnxInput: ONNXInputLayout?

    enum CodingKeys: String, CodingKey {
        case name, version, task, labels, input, preprocessing, description, producer, onnxInput = "onnx_input"
    }

    public init(name: String, version: String, task: Task, labels: [String], input: InputSignature,
                preprocessing: Preprocessing, description: String? = nil, producer: String? = nil) {
        self.name = name; self.version = version; self.task = task; self.labels = labels
        self.input = input; self.preprocessing = preprocessing; self.description = description; self.producer = producer
    }
}

/// The tensor the graph consumes after preprocessing (float32, shape without a batch axis).
public struct InputSignature: Codable, Sendable, Equatable {
    public var name: String
    public var shape: [Int]

    public init(name: String, shape: [Int]) { self.name = name; self.shape = shape }
}

/// Where the ONNX input's axes went: the packed input is the ONNX tensor transposed by `axisOrder`
/// (`numpy.transpose(x, axis_order)`), read in row-major order. A [1, 3, N] PointNet input held as [N, 3] has
/// axis order [0, 2, 1]; an input the importer kept as it was has [0, 1, …].
public struct ONNXInputLayout: Codable, Sendable, Equatable {
    /// The ONNX graph input's shape, batch axis included.
    public var shape: [Int]
    public var axisOrder: [Int]

    enum CodingKeys: String, CodingKey { case shape, axisOrder = "axis_order" }

    public init(shape: [Int], axisOrder: [Int]) { self.shape = shape; self.axisOrder = axisOrder }

    /// Moving the axes changes no element's position when only axes of length 1 move: the layouts are then the same.
    public var isIdentity: Bool {
        let real = axisOrder.filter { !shape.indices.contains($0) || shape[$0] != 1 }
        return real == real.sorted()
    }

    /// Why this layout cannot describe a packed input of `packedShape`, or nil when it does: the rearrangement
    /// indexes with these numbers, so a file's values are checked before anything reads through them.
    public func problem(packedShape: [Int]) -> String? {
        guard shape.allSatisfy({ $0 >= 1 }) else { return "onnx_input shape \(shape) has an axis shorter than 1" }
        guard axisOrder.sorted() == Array(shape.indices) else {
            return "onnx_input axis_order \(axisOrder) is not an order of the \(shape.count) axes of \(shape)"
        }
        let moved = axisOrder.map { shape[$0] }.filter { $0 != 1 }
        guard moved == packedShape.filter({ $0 != 1 }) else {
            return "onnx_input \(shape) in axis_order \(axisOrder) is not the input shape \(packedShape)"
        }
        return nil
    }
}

/// How a raw input becomes the graph's input tensor. Exactly one of the two is set, matching the task.
public struct Preprocessing: Codable, Sendable, Equatable {
    public var pointCloud: PointCloudPreprocessing?
    public var frame: FramePreprocessing?

    enum CodingKeys: String, CodingKey { case pointCloud = "point_cloud", frame }

    public init(pointCloud: PointCloudPreprocessing? = nil, frame: FramePreprocessing? = nil) {
        self.pointCloud = pointCloud; self.frame = frame
    }
}

/// N×3 points: subtract the centroid, divide by the largest distance (unit sphere), then sample or pad to `points`.
public struct PointCloudPreprocessing: Codable, Sendable, Equatable {
    public enum Normalization: String, Codable, Sendable { case unitSphere = "unit_sphere", none }
    public var points: Int
    public var normalization: Normalization

    public init(points: Int, normalization: Normalization = .unitSphere) {
        self.points = points; self.normalization = normalization
    }
}

/// u8 HWC frames: resize (bilinear) to width×height, convert to `channelOrder`, x/255 − mean, then ÷ std per channel.
public struct FramePreprocessing: Codable, Sendable, Equatable {
    public enum ChannelOrder: String, Codable, Sendable { case gray, rgb, bgr }
    public var width: Int
    public var height: Int
    public var channelOrder: ChannelOrder
    public var mean: [Float]
    public var std: [Float]

    enum CodingKeys: String, CodingKey { case width, height, channelOrder = "channel_order", mean, std }

    public init(width: Int, height: Int, channelOrder: ChannelOrder, mean: [Float], std: [Float]) {
        self.width = width; self.height = height; self.channelOrder = channelOrder; self.mean = mean; self.std = std
    }

    public var channels: Int { channelOrder == .gray ? 1 : 3 }
}
