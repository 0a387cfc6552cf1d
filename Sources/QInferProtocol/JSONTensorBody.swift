import Foundation
import QInferInputFormats

/// The /v1 JSON input body, `{"input": [numbers], "shape": [ints]?}`, as a float32 tensor.
enum JSONTensorBody {
    static func decode(_ bytes: [UInt8], modelShape: [Int]) throws(APIFailure) -> Tensor {
        let request: InferRequest
        do { request = try JSONDecoder().decode(InferRequest.self, from: Data(bytes)) } catch {
            throw APIFailure(.badInput, "the JSON body is not {\"input\": [numbers], \"shape\": [ints]?}: \(error)")
        }
        let shape = request.shape ?? modelShape
        guard !shape.isEmpty, shape.allSatisfy({ $0 > 0 }), TensorShapeText.elementCount(shape) == request.input.count else {
            throw APIFailure(.badInput, "\(request.input.count) values do not fill shape \(shape)")
        }
        return Tensor(shape: shape, storage: .float32(request.input))
    }
}
