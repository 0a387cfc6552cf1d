/// `$inference_response`: the output tensor, and qinferd's extras as parameters (the spec's place for a server's own
/// information): the best class with its label, and the request's timing and energy.
public struct OIPInferenceResponse: Codable, Sendable, Equatable {
    public var modelName: String
    public var modelVersion: String
    public var id: String?
    public var parameters: OIPParameters?
    public var outputs: [OIPResponseOutput]

    enum CodingKeys: String, CodingKey { case id, parameters, outputs, modelName = "model_name", modelVersion = "model_version" }

    public init(modelName: String, modelVersion: String, id: String?, parameters: OIPParameters?, outputs: [OIPResponseOutput]) {
        self.modelName = modelName; self.modelVersion = modelVersion; self.id = id; self.parameters = parameters; self.outputs = outputs
    }
}

/// `$response_output`: one output tensor; FP32 scores, or BYTES classification strings.
public struct OIPResponseOutput: Codable, Sendable, Equatable {
    public var name: String
    public var shape: [Int]
    public var datatype: String
    public var parameters: OIPParameters?
    public var data: OIPOutputData

    public init(name: String, shape: [Int], datatype: String, parameters: OIPParameters? = nil, data: OIPOutputData) {
        self.name = name; self.shape = shape; self.datatype = datatype; self.parameters = parameters; self.data = data
    }
}

/// An output's data, flat: float32 scores (written as the shortest decimals that read back to the same floats) or
/// strings.
public enum OIPOutputData: Codable, Sendable, Equatable {
    case fp32([Float])
    case strings([String])

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let floats = try? c.decode([Float].self) { self = .fp32(floats) } else { self = .strings(try c.decode([String].self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .fp32(let floats): try c.encode(floats)
        case .strings(let strings): try c.encode(strings)
        }
    }
}

extension Float {
    /// The double whose shortest decimal is this float's ("7.91", not "7.909999847412109").
    var shortestDouble: Double { Double("\(self)") ?? Double(self) }
}

extension OIPInferencePlan {
    /// The answer to this request from the daemon's. The scores are float32 and encode exactly as the JSON numbers
    /// that read back to the same floats; a BYTES output holds Triton's "score:index:label" strings, best first.
    /// - Parameter decodeMicros: how long the request's JSON took to parse and check, answered as `decode_us`.
    public func response(_ answer: InferResponse, decodeMicros: Int? = nil) -> OIPInferenceResponse {
        let output: OIPResponseOutput
        if classification != nil {
            let classes = answer.top.map { "\($0.score):\($0.index):\($0.label)" }
            output = OIPResponseOutput(name: outputName, shape: axes(classes.count), datatype: OIPDatatype.bytes.rawValue,
                                       data: .strings(classes))
        } else {
            let scores = answer.outputs ?? []
            output = OIPResponseOutput(name: outputName, shape: axes(scores.count), datatype: OIPDatatype.fp32.rawValue,
                                       data: .fp32(scores))
        }
        return OIPInferenceResponse(modelName: answer.model, modelVersion: answer.version, id: id,
                                    parameters: Self.parameters(answer, decodeMicros: decodeMicros), outputs: [output])
    }

    private func axes(_ count: Int) -> [Int] { batched ? [1, count] : [count] }

    /// Flat values only: the spec's parameters are strings, numbers or booleans.
    static func parameters(_ answer: InferResponse, decodeMicros: Int?) -> OIPParameters {
        var p: OIPParameters = [:]
        if let best = answer.top.first {
            p["top_label"] = .string(best.label)
            p["top_index"] = .int(best.index)
            p["top_score"] = .double(best.score.shortestDouble)
        }
        let t = answer.telemetry
        if let decodeMicros { p["decode_us"] = .int(decodeMicros) }
        p["queue_us"] = .int(t.queueMicros)
        p["preprocess_us"] = .int(t.preprocessMicros)
        p["compute_us"] = .int(t.computeMicros)
        p["total_us"] = .int(t.totalMicros)
        if let energy = t.energy {
            p["energy_j"] = .double(energy.joules)
            p["energy_estimated"] = .bool(energy.estimated)
        }
        return p
    }
}
