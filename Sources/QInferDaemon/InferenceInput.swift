import Foundation
import QInferInputFormats
import QInferModel
import QInferProtocol

/// Decodes an inference request body by its content type: JSON for small tensors, a raw little-endian float32
/// tensor with its shape in a header, or any file format `qinfer run` reads.
enum InferenceInput {
    static let formatsByContentType: [String: InputFormat] = [
        "application/x-npy": .npy, "image/png": .png, "image/x-portable-graymap": .pgm, "image/x-portable-pixmap": .ppm,
    ]

    static func decode(body: [UInt8], contentType: String?, formatHeader: String?, shapeHeader: String?,
                       metadata: ModelMetadata) throws(APIFailure) -> DecodedInput {
        let type = (contentType ?? "").split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        if type == "application/json" {
            let request: InferRequest
            do { request = try JSONDecoder().decode(InferRequest.self, from: Data(body)) } catch {
                throw APIFailure(.badInput, "the JSON body is not {\"input\": [numbers], \"shape\": [ints]?}: \(error)")
            }
            let shape = request.shape ?? metadata.input.shape
            guard shape.allSatisfy({ $0 > 0 }), shape.reduce(1, *) == request.input.count else {
                throw APIFailure(.badInput, "\(request.input.count) values do not fill shape \(shape)")
            }
            return .tensor(Tensor(shape: shape, storage: .float32(request.input)))
        }
        var format: InputFormat?
        if let formatHeader {
            guard let f = InputFormat(rawValue: formatHeader.lowercased()) else {
                throw APIFailure(.unsupportedMediaType, "\(APIHeaders.inputFormat) '\(formatHeader)' is not one of "
                                 + InputFormat.allCases.map(\.rawValue).joined(separator: ", "))
            }
            format = f
        } else if let f = formatsByContentType[type] {
            format = f
        } else if type == "application/octet-stream" {
            guard shapeHeader != nil else {
                throw APIFailure(.badInput, "a raw float32 body needs its shape in \(APIHeaders.tensorShape), e.g. 1024,3")
            }
            format = .f32
        } else {
            throw APIFailure(.unsupportedMediaType, "content type '\(type.isEmpty ? "(none)" : type)' is not accepted: use application/json, "
                             + "application/octet-stream with \(APIHeaders.tensorShape), application/x-npy, image/png, image/x-portable-graymap/pixmap, or set \(APIHeaders.inputFormat)")
        }
        var shape: [Int]?
        if let shapeHeader {
            let parts = shapeHeader.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !parts.isEmpty, parts.allSatisfy({ ($0 ?? 0) > 0 }) else {
                throw APIFailure(.badInput, "\(APIHeaders.tensorShape) '\(shapeHeader)' is not a list of positive integers")
            }
            shape = parts.map { $0! }
        }
        do { return try decodeInput(body, format: format, name: "request body", shape: format == .f32 || format == .npy ? shape : nil) } catch {
            throw APIFailure(.badInput, error.description)
        }
    }
}
