import QInferInputFormats

/// What the protocol layer needs to know of a model to read a request for it (the protocol knows no engine).
public struct OIPModelSignature: Sendable, Equatable {
    public var model: String
    public var inputName: String
    /// The packed input's rank: a request tensor with more axes and a leading 1 is a batch of one, answered as one.
    public var inputRank: Int
    public var outputName: String

    public init(model: String, inputName: String, inputRank: Int, outputName: String) {
        self.model = model; self.inputName = inputName; self.inputRank = inputRank; self.outputName = outputName
    }
}

/// An inference request checked against a model: the tensor for the daemon, the options, and what the answer must
/// carry (the id, the output's name, a batch axis, classification strings instead of scores).
public struct OIPInferencePlan: Sendable {
    public let tensor: Tensor
    public let id: String?
    public let outputName: String
    /// Triton's classification extension: the top `n` classes as "score:index:label" strings instead of the scores.
    public let classification: Int?
    /// The input came as a batch of one, so the output gets the batch axis too.
    public let batched: Bool

    public init(_ request: OIPInferenceRequest, for model: OIPModelSignature) throws(APIFailure) {
        let names = request.inputs.map { "'\($0.name)'" }.joined(separator: ", ")
        guard request.inputs.count == 1 else {
            throw APIFailure(.badInput, "model '\(model.model)' takes one input, '\(model.inputName)'; the request has "
                             + "\(request.inputs.count)\(names.isEmpty ? "" : " (\(names))")")
        }
        let input = request.inputs[0]
        guard input.name == model.inputName else {
            throw APIFailure(.badInput, "model '\(model.model)' has no input '\(input.name)'; its input is '\(model.inputName)'")
        }
        if input.parameters?["binary_data_size"] != nil {
            throw APIFailure(.badInput, "input '\(input.name)': the binary tensor data extension is not supported; send the data as JSON")
        }
        let (shape, storage) = try Self.values(of: input)
        batched = shape.count > model.inputRank && shape.first == 1
        // A UINT8 input is an image's pixels, which the engine takes as [H, W], [H, W, C] or [C, H, W]: a batch of one drops its axis.
        let tensorShape = batched && storage.isBytes ? Array(shape.dropFirst()) : shape
        tensor = Tensor(shape: tensorShape, storage: storage)
        classification = try Self.classification(request.outputs ?? [], model: model)
        id = request.id
        outputName = model.outputName
    }

    /// The top class is always looked up (it goes into the answer's parameters); the scores only when they are sent.
    public var options: InferenceOptions {
        classification.map { InferenceOptions(topK: $0, includeOutputs: false) } ?? InferenceOptions(topK: 1, includeOutputs: true)
    }

    private static func values(of input: OIPRequestInput) throws(APIFailure) -> ([Int], Tensor.Storage) {
        let name = input.name, shape = input.shape
        let datatype = try OIPDatatype.named(input.datatype, input: name)
        try datatype.requireNumeric(input: name)
        guard (1...8).contains(shape.count) else {
            throw APIFailure(.badInput, "input '\(name)': shape \(shape) has \(shape.count) axes; 1 to 8 are accepted")
        }
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw APIFailure(.badInput, "input '\(name)': shape \(shape) has a negative dimension; a request gives the actual sizes "
                             + "(-1 only appears in model metadata)")
        }
        guard let count = TensorShapeText.elementCount(shape), count > 0 else {
            throw APIFailure(.badInput, "input '\(name)': shape \(shape) holds no values or more than fit in memory")
        }
        let (values, nesting) = try input.data.flattened(input: name)
        if let nesting, nesting != shape {
            throw APIFailure(.badInput, "input '\(name)': data is nested as \(nesting) but the shape is \(shape); nest it as the shape "
                             + "or send it flat")
        }
        guard values.count == count else {
            throw APIFailure(.badInput, "input '\(name)': shape \(shape) holds \(count) values; data has \(values.count)")
        }
        return (shape, try datatype.storage(values, input: name))
    }

    private static func classification(_ outputs: [OIPRequestOutput], model: OIPModelSignature) throws(APIFailure) -> Int? {
        guard outputs.count <= 1 else {
            throw APIFailure(.badInput, "model '\(model.model)' has one output, '\(model.outputName)'; the request asks for \(outputs.count)")
        }
        guard let output = outputs.first else { return nil }
        guard output.name == model.outputName else {
            throw APIFailure(.badInput, "model '\(model.model)' has no output '\(output.name)'; its output is '\(model.outputName)'")
        }
        switch output.parameters?["classification"] {
        case nil: return nil
        case .int(let n) where n >= 1: return n
        case let other?:
            throw APIFailure(.badInput, "output '\(output.name)': parameter classification must be a positive integer (the number of "
                             + "classes to return); got \(other.text)")
        }
    }
}

extension Tensor.Storage {
    var isBytes: Bool {
        if case .uint8 = self { return true }
        return false
    }
}

extension OIPParameter {
    /// The value as JSON writes it, for messages.
    var text: String {
        switch self {
        case .string(let s): "\"\(s)\""
        case .int(let i): "\(i)"
        case .double(let d): "\(d)"
        case .bool(let b): "\(b)"
        }
    }
}
