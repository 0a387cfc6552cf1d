/// The computation: constant tensors, one input value, nodes in execution order, and the output value.
///
/// Values are named. A value is float32 (`f32`) or packed bits (`bits`, the sign of a float tensor packed along its
/// last axis). Shapes carry no batch axis: points are [N, C], frames [H, W, C] (NHWC), vectors [C].
public struct Graph: Codable, Sendable, Equatable {
    public var tensors: [TensorEntry]
    public var input: String
    public var output: String
    public var nodes: [Node]

    public init(tensors: [TensorEntry], input: String, output: String, nodes: [Node]) {
        self.tensors = tensors; self.input = input; self.output = output; self.nodes = nodes
    }
}

/// One operation: reads `inputs` (values), writes `output`, and names its constant tensors in `op`.
public struct Node: Codable, Sendable, Equatable {
    public var name: String
    public var inputs: [String]
    public var output: String
    public var op: Op

    public init(name: String, inputs: [String], output: String, op: Op) {
        self.name = name; self.inputs = inputs; self.output = output; self.op = op
    }

    enum CodingKeys: String, CodingKey { case name, inputs, output, op, attributes }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        inputs = try c.decode([String].self, forKey: .inputs)
        output = try c.decode(String.self, forKey: .output)
        let kind = try c.decode(String.self, forKey: .op)
        guard let opKind = Op.Kind(rawValue: kind) else {
            throw DecodingError.dataCorruptedError(forKey: .op, in: c, debugDescription: "node '\(name)': unknown op '\(kind)'")
        }
        op = try Op.decode(opKind, from: c, key: .attributes)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(inputs, forKey: .inputs)
        try c.encode(output, forKey: .output)
        try c.encode(op.kind.rawValue, forKey: .op)
        try op.encodeAttributes(to: &c, key: .attributes)
    }
}
