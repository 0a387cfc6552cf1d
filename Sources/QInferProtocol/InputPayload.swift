import Foundation
import QInferInputFormats

/// An inference input as it arrived, with how to decode it. Cheap to build (no parsing), so the transport can make
/// one on its event loop and leave the decoding to the worker.
public enum InputPayload: Sendable {
    /// `{"input": [numbers], "shape": [ints]?}` for small tensors; the shape defaults to the model's.
    case json([UInt8])
    /// A file in one of the input formats. `shape` is required for raw .f32 and checked against an .npy header.
    case file(InputFormat, [UInt8], shape: [Int]?)
    /// Already a tensor (the Open Inference Protocol's JSON tensors are parsed with the request).
    case tensor(Tensor)
    /// Already decoded by its transport: a live point-cloud source's frame, whose points came as float32.
    case decoded(DecodedInput)

    /// The decoded input. `modelShape` is the shape a JSON body without one fills.
    public func decode(modelShape: [Int]) throws(APIFailure) -> DecodedInput {
        switch self {
        case .tensor(let tensor):
            return .tensor(tensor)
        case .decoded(let input):
            return input
        case .json(let bytes):
            return .tensor(try JSONTensorBody.decode(bytes, modelShape: modelShape))
        case .file(let format, let bytes, let shape):
            do { return try decodeInput(bytes, format: format, name: "request body", shape: shape) } catch {
                throw APIFailure(.badInput, error.description)
            }
        }
    }

    /// The payload for a file's bytes, its format from `format` (when given), else the name's extension, else the
    /// content's signature, else raw .f32 when a shape is given. `.json` is the JSON tensor body. Used by `qinfer
    /// infer` and by qinferd's GPIO trigger, so a file means the same wherever it comes from.
    public static func file(named name: String, bytes: [UInt8], format: String? = nil, shape: [Int]? = nil) throws(APIFailure) -> InputPayload {
        let chosen = format?.lowercased() ?? InputFormat.fileExtension(name)
        if chosen == "json" {
            guard shape == nil else { throw APIFailure(.badRequest, "a shape does not apply to a JSON input: put \"shape\" in the file") }
            return .json(bytes)
        }
        let inputFormat: InputFormat
        if let format {
            guard let f = InputFormat(rawValue: format.lowercased()) else {
                throw APIFailure(.unsupportedMediaType, "format '\(format)' is not one of json, " + InputMediaType.formatNames)
            }
            inputFormat = f
        } else if let f = InputFormat.detect(name: name, bytes: bytes, shape: shape) {
            inputFormat = f
        } else {
            throw APIFailure(.unsupportedMediaType, "cannot tell the format of \(name) from its name or content; name the format "
                             + "(one of json, \(InputMediaType.formatNames)) or give the shape of a raw float32 file")
        }
        try Self.checkShape(shape, for: inputFormat)
        return .file(inputFormat, bytes, shape: shape)
    }

    /// The payload of the file at `path`, read now (a GPIO trigger's input: whatever a camera or lidar process last
    /// wrote there). Its format comes from the extension, else the content.
    public static func file(at path: String) throws(APIFailure) -> InputPayload {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw APIFailure(.badInput, "cannot read the input file \(path)")
        }
        return try file(named: path, bytes: [UInt8](data))
    }

    /// `InputFormat.shapeProblem` as the API's error: a missing raw float32 shape is the input's fault, a shape for a
    /// format that carries its own size the request's.
    static func checkShape(_ shape: [Int]?, for format: InputFormat) throws(APIFailure) {
        switch format.shapeProblem(shape) {
        case nil: return
        case .missing?: throw APIFailure(.badInput, InputFormat.ShapeProblem.missing.message)
        case let problem?: throw APIFailure(.badRequest, problem.message)
        }
    }
}
