import Foundation

/// The Open Inference Protocol's inference request (`$inference_request`): the request's JSON as sent, before it is
/// checked against a model (OIPInferencePlan does that).
public struct OIPInferenceRequest: Codable, Sendable, Equatable {
    public var id: String?
    public var parameters: OIPParameters?
    public var inputs: [OIPRequestInput]
    public var outputs: [OIPRequestOutput]?

    public init(id: String? = nil, parameters: OIPParameters? = nil, inputs: [OIPRequestInput], outputs: [OIPRequestOutput]? = nil) {
        self.id = id; self.parameters = parameters; self.inputs = inputs; self.outputs = outputs
    }

    /// Triton's binary tensor data extension announces the JSON part's length in this header; qinferd reads JSON only.
    public static let binaryHeader = "Inference-Header-Content-Length"

    /// The request an HTTP body carries, or a failure that says where it departs from the spec's form.
    /// - Parameters:
    ///   - contentType: the Content-Type header; JSON or none.
    ///   - binaryHeaderLength: the `Inference-Header-Content-Length` header, refused when present.
    public static func decode(_ body: [UInt8], contentType: String?, binaryHeaderLength: String?) throws(APIFailure) -> OIPInferenceRequest {
        if let binaryHeaderLength {
            throw APIFailure(.unsupportedMediaType, "the binary tensor data extension (\(binaryHeader): \(binaryHeaderLength)) is not "
                             + "supported; send the tensors as JSON (tritonclient: binary_data=False)")
        }
        let type = InputMediaType.essence(contentType)
        guard type.isEmpty || type == InputMediaType.json else {
            throw APIFailure(.unsupportedMediaType, "an inference request is JSON (\(InputMediaType.json)); the content type is '\(type)'")
        }
        return try decode(body)
    }

    /// The request in `body`, or a failure that says where the JSON departs from the spec's form.
    public static func decode(_ body: [UInt8]) throws(APIFailure) -> OIPInferenceRequest {
        guard !body.isEmpty else {
            throw APIFailure(.badRequest, "the body is empty; an inference request is JSON: {\"inputs\": [{\"name\", \"shape\", \"datatype\", \"data\"}]}")
        }
        do { return try JSONDecoder().decode(OIPInferenceRequest.self, from: Data(body)) } catch let error as DecodingError {
            throw APIFailure(.badRequest, "the body is not an Open Inference Protocol inference request: \(OIPDecodingText.describe(error))")
        } catch {
            throw APIFailure(.badRequest, "the body is not JSON: \(error)")
        }
    }
}

/// `$request_input`: one input tensor.
public struct OIPRequestInput: Codable, Sendable, Equatable {
    public var name: String
    public var shape: [Int]
    public var datatype: String
    public var parameters: OIPParameters?
    public var data: OIPTensorData

    public init(name: String, shape: [Int], datatype: String, parameters: OIPParameters? = nil, data: OIPTensorData) {
        self.name = name; self.shape = shape; self.datatype = datatype; self.parameters = parameters; self.data = data
    }
}

/// `$request_output`: an output asked for by name, with its parameters (`classification`, `binary_data`).
public struct OIPRequestOutput: Codable, Sendable, Equatable {
    public var name: String
    public var parameters: OIPParameters?

    public init(name: String, parameters: OIPParameters? = nil) { self.name = name; self.parameters = parameters }
}
