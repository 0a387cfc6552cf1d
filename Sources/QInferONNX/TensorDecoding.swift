import Foundation

/// Turns a TensorProto into an ONNXTensor. Every count is checked against the shape before anything is allocated
/// from it, since the shape comes from an untrusted file.
enum TensorDecoding {
    static func displayName(_ proto: Onnx_TensorProto) -> String {
        proto.name.isEmpty ? "<unnamed>" : proto.name
    }

    static func shape(of proto: Onnx_TensorProto) throws(ONNXError) -> (shape: [Int], count: Int) {
        let name = displayName(proto)
        var shape: [Int] = []
        shape.reserveCapacity(proto.dims.count)
        var count = 1
        for dim in proto.dims {
            guard dim >= 0 else { throw .invalidShape(tensor: name, dims: proto.dims, reason: "negative dimension") }
            guard let d = Int(exactly: dim) else {
                throw .invalidShape(tensor: name, dims: proto.dims, reason: "dimension too large")
            }
            let (product, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow else {
                throw .invalidShape(tensor: name, dims: proto.dims, reason: "element count overflows")
            }
            shape.append(d)
            count = product
        }
        return (shape, count)
    }

    static func elementType(of proto: Onnx_TensorProto) throws(ONNXError) -> ONNXElementType {
        guard let type = ONNXElementType(onnxDataType: proto.dataType) else {
            throw .unsupportedDataType(tensor: displayName(proto),
                                       dataType: ONNXElementType.onnxName(of: proto.dataType))
        }
        return type
    }

    static func byteCount(_ count: Int, of type: ONNXElementType, tensor: String, dims: [Int64]) throws(ONNXError) -> Int {
        let (bytes, overflow) = count.multipliedReportingOverflow(by: type.byteSize)
        guard !overflow else { throw .invalidShape(tensor: tensor, dims: dims, reason: "byte size overflows") }
        return bytes
    }

    /// The embedded fields that carry values, by their ONNX names; more than one means the file is ambiguous.
    static func embeddedFields(of proto: Onnx_TensorProto) -> [String] {
        var fields: [String] = []
        if proto.hasRawData { fields.append("raw_data") }
        if !proto.floatData.isEmpty { fields.append("float_data") }
        if !proto.int32Data.isEmpty { fields.append("int32_data") }
        if !proto.int64Data.isEmpty { fields.append("int64_data") }
        if !proto.doubleData.isEmpty { fields.append("double_data") }
        if !proto.uint64Data.isEmpty { fields.append("uint64_data") }
        if !proto.stringData.isEmpty { fields.append("string_data") }
        return fields
    }

    static func decodeEmbedded(_ proto: Onnx_TensorProto, type: ONNXElementType, count: Int) throws(ONNXError) -> ONNXTensorData {
        let name = displayName(proto)
        let fields = embeddedFields(of: proto)
        guard fields.count <= 1 else { throw .conflictingData(tensor: name, fields: fields) }
        guard let field = fields.first else {
            // An empty tensor legitimately has no data field at all.
            guard count == 0 else { throw .missingData(tensor: name, elements: count) }
            return empty(type)
        }
        if field == "raw_data" {
            let expected = try byteCount(count, of: type, tensor: name, dims: proto.dims)
            guard proto.rawData.count == expected else {
                throw .sizeMismatch(tensor: name, field: "raw_data (bytes)", expected: expected, actual: proto.rawData.count)
            }
            return littleEndian(proto.rawData, type: type, count: count)
        }
        guard field == type.typedField else {
            throw .unsupportedStorage(tensor: name, reason: "a \(ONNXElementType.onnxName(of: proto.dataType)) tensor "
                                      + "cannot take its values from \(field)")
        }
        let actual: Int
        let data: ONNXTensorData
        switch type {
        case .float32: actual = proto.floatData.count; data = .float32(proto.floatData)
        case .int64: actual = proto.int64Data.count; data = .int64(proto.int64Data)
        case .int32: actual = proto.int32Data.count; data = .int32(proto.int32Data)
        }
        guard actual == count else {
            throw .sizeMismatch(tensor: name, field: "\(field) (elements)", expected: count, actual: actual)
        }
        return data
    }

    static func empty(_ type: ONNXElementType) -> ONNXTensorData {
        switch type {
        case .float32: return .float32([])
        case .int64: return .int64([])
        case .int32: return .int32([])
        }
    }

    /// raw_data and external files are little-endian by the ONNX spec, whatever the host is.
    static func littleEndian(_ bytes: Data, type: ONNXElementType, count: Int) -> ONNXTensorData {
        precondition(bytes.count == count * type.byteSize, "callers check the byte count first")
        return bytes.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> ONNXTensorData in
            switch type {
            case .float32:
                return .float32((0..<count).map {
                    Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)))
                })
            case .int32:
                return .int32((0..<count).map {
                    Int32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self))
                })
            case .int64:
                return .int64((0..<count).map {
                    Int64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self))
                })
            }
        }
    }
}
