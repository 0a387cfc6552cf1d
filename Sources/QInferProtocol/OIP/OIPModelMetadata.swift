/// GET /v2/models/{name}[/versions/{version}]: `$metadata_model_response`.
public struct OIPModelMetadata: Codable, Sendable, Equatable {
    public var name: String
    /// Every stored version, each of which can be asked for by name (active or not).
    public var versions: [String]
    public var platform: String
    public var inputs: [OIPTensorMetadata]
    public var outputs: [OIPTensorMetadata]

    /// "<project>_<format>", as the spec's platform names go.
    public static let platform = "qinferd_qpack"

    public init(name: String, versions: [String], platform: String = Self.platform, inputs: [OIPTensorMetadata], outputs: [OIPTensorMetadata]) {
        self.name = name; self.versions = versions; self.platform = platform; self.inputs = inputs; self.outputs = outputs
    }
}

/// `$metadata_tensor`: a tensor's name, datatype and shape, -1 for a size the request chooses.
public struct OIPTensorMetadata: Codable, Sendable, Equatable {
    public var name: String
    public var datatype: String
    public var shape: [Int]
    public init(name: String, datatype: String, shape: [Int]) { self.name = name; self.datatype = datatype; self.shape = shape }
}
