/// Everything that can be wrong with an ONNX file or one of its tensors, each naming the file, tensor or key at fault.
public enum ONNXError: Error, Equatable, CustomStringConvertible {
    case unreadableFile(path: String, reason: String)
    case malformedProtobuf(source: String, reason: String)
    case notAModel(source: String, reason: String)
    case duplicateInitializer(source: String, name: String)
    case unnamedInitializer(source: String, index: Int)
    case noSuchInitializer(name: String)
    case unsupportedDataType(tensor: String, dataType: String)
    case unsupportedStorage(tensor: String, reason: String)
    case invalidShape(tensor: String, dims: [Int64], reason: String)
    case conflictingData(tensor: String, fields: [String])
    case missingData(tensor: String, elements: Int)
    case sizeMismatch(tensor: String, field: String, expected: Int, actual: Int)
    case invalidExternalData(tensor: String, reason: String)
    case externalPathEscapes(tensor: String, location: String)
    case externalDataWithoutDirectory(tensor: String)
    case externalFileUnreadable(tensor: String, path: String, reason: String)
    case externalRangePastEnd(tensor: String, path: String, offset: Int, length: Int, fileSize: Int)

    public var description: String {
        switch self {
        case let .unreadableFile(path, reason):
            return "\(path): cannot read: \(reason)"
        case let .malformedProtobuf(source, reason):
            return "\(source): not a valid ONNX protobuf: \(reason)"
        case let .notAModel(source, reason):
            return "\(source): not an ONNX model: \(reason)"
        case let .duplicateInitializer(source, name):
            return "\(source): initializer '\(name)' is defined more than once"
        case let .unnamedInitializer(source, index):
            return "\(source): initializer #\(index) has no name"
        case let .noSuchInitializer(name):
            return "no initializer named '\(name)'"
        case let .unsupportedDataType(tensor, dataType):
            return "tensor '\(tensor)': data type \(dataType) is not supported (float32, int64 and int32 are)"
        case let .unsupportedStorage(tensor, reason):
            return "tensor '\(tensor)': \(reason)"
        case let .invalidShape(tensor, dims, reason):
            return "tensor '\(tensor)': invalid shape \(dims): \(reason)"
        case let .conflictingData(tensor, fields):
            return "tensor '\(tensor)': data is given more than once (\(fields.joined(separator: ", ")))"
        case let .missingData(tensor, elements):
            return "tensor '\(tensor)': shape has \(elements) elements but the tensor carries no data"
        case let .sizeMismatch(tensor, field, expected, actual):
            return "tensor '\(tensor)': \(field) holds \(actual) but the shape and data type need \(expected)"
        case let .invalidExternalData(tensor, reason):
            return "tensor '\(tensor)': invalid external data: \(reason)"
        case let .externalPathEscapes(tensor, location):
            return "tensor '\(tensor)': external data location '\(location)' is outside the model's directory"
        case let .externalDataWithoutDirectory(tensor):
            return "tensor '\(tensor)': stored in external data, but the model was not loaded from a directory"
        case let .externalFileUnreadable(tensor, path, reason):
            return "tensor '\(tensor)': cannot read external data file \(path): \(reason)"
        case let .externalRangePastEnd(tensor, path, offset, length, fileSize):
            return "tensor '\(tensor)': external data at offset \(offset), length \(length) runs past the end of "
                + "\(path) (\(fileSize) bytes)"
        }
    }
}
