import Foundation
import SwiftProtobuf

/// One opset_import entry of a model: the operator domain and the opset version its nodes follow.
public struct ONNXOpsetImport: Equatable, Sendable {
    public var domain: String
    public var version: Int64

    public init(domain: String, version: Int64) {
        self.domain = domain
        self.version = version
    }

    /// ONNX spells its default operator domain both "" and "ai.onnx".
    public var isDefaultDomain: Bool { domain.isEmpty || domain == "ai.onnx" }
}

/// A parsed ONNX model plus where it came from, which external data locations are resolved against.
public struct ONNXModelFile: Sendable {
    /// The path it was loaded from, or the name given with the bytes; used to name the model in errors.
    public let source: String
    /// External data locations are relative to this; nil for models given as bytes without one.
    public let directory: String?
    public let model: Onnx_ModelProto
    public let opsetImports: [ONNXOpsetImport]
    /// Initializer names in file order.
    public let initializerNames: [String]
    private let initializerIndex: [String: Int]

    /// Loads a model file; external data is looked up next to it.
    public init(path: String) throws(ONNXError) {
        let bytes: Data
        do { bytes = try FileBytes.readAll(path: path) } catch {
            throw .unreadableFile(path: path, reason: error.reason)
        }
        let directory = (path as NSString).deletingLastPathComponent
        try self.init(bytes: bytes, source: path, directory: directory.isEmpty ? "." : directory)
    }

    public init(bytes: Data, source: String = "<in-memory model>", directory: String? = nil) throws(ONNXError) {
        guard !bytes.isEmpty else { throw .notAModel(source: source, reason: "no bytes (empty file)") }
        let model: Onnx_ModelProto
        do {
            model = try Onnx_ModelProto(serializedBytes: bytes)
        } catch {
            throw .malformedProtobuf(source: source, reason: Self.explain(error, byteCount: bytes.count))
        }
        // Protobuf parses many non-ONNX byte strings as a message of unknown fields; a graph is what makes a model.
        guard model.hasGraph else {
            throw .notAModel(source: source, reason: "no graph (ModelProto field 7) in \(bytes.count) bytes")
        }
        var opsets: [ONNXOpsetImport] = []
        for entry in model.opsetImport {
            let opset = ONNXOpsetImport(domain: entry.domain, version: entry.version)
            if opsets.contains(where: { $0.domain == opset.domain || ($0.isDefaultDomain && opset.isDefaultDomain) }) {
                throw .notAModel(source: source, reason: "opset domain '\(opset.domain)' is imported more than once")
            }
            opsets.append(opset)
        }
        var names: [String] = []
        var index: [String: Int] = [:]
        for (i, tensor) in model.graph.initializer.enumerated() {
            guard !tensor.name.isEmpty else { throw .unnamedInitializer(source: source, index: i) }
            guard index.updateValue(i, forKey: tensor.name) == nil else {
                throw .duplicateInitializer(source: source, name: tensor.name)
            }
            names.append(tensor.name)
        }
        self.source = source
        self.directory = directory
        self.model = model
        self.opsetImports = opsets
        self.initializerNames = names
        self.initializerIndex = index
    }

    public var irVersion: Int64 { model.irVersion }

    /// The version imported for `domain`, treating "" and "ai.onnx" as the same default domain.
    public func opsetVersion(domain: String) -> Int64? {
        let wantsDefault = domain.isEmpty || domain == "ai.onnx"
        return opsetImports.first { wantsDefault ? $0.isDefaultDomain : $0.domain == domain }?.version
    }

    public func initializer(named name: String) throws(ONNXError) -> ONNXTensor {
        guard let i = initializerIndex[name] else { throw .noSuchInitializer(name: name) }
        return try resolve(model.graph.initializer[i])
    }

    /// Every dense initializer, in file order. Sparse initializers are refused rather than skipped, so a caller
    /// never works from a partial set of weights.
    public func initializers() throws(ONNXError) -> [ONNXTensor] {
        if let sparse = model.graph.sparseInitializer.first {
            let name = sparse.values.name.isEmpty ? "<unnamed sparse initializer>" : sparse.values.name
            throw .unsupportedStorage(tensor: name, reason: "sparse initializers are not supported")
        }
        var tensors: [ONNXTensor] = []
        tensors.reserveCapacity(model.graph.initializer.count)
        for proto in model.graph.initializer { tensors.append(try resolve(proto)) }
        return tensors
    }

    /// Resolves any TensorProto of this model (an initializer, a Constant node's value) to values and a shape.
    public func resolve(_ proto: Onnx_TensorProto) throws(ONNXError) -> ONNXTensor {
        let name = TensorDecoding.displayName(proto)
        if proto.hasSegment {
            throw .unsupportedStorage(tensor: name, reason: "segmented tensors are not supported")
        }
        let type = try TensorDecoding.elementType(of: proto)
        let (shape, count) = try TensorDecoding.shape(of: proto)
        let data: ONNXTensorData
        if proto.hasDataLocation && proto.dataLocation == .external {
            let embedded = TensorDecoding.embeddedFields(of: proto)
            guard embedded.isEmpty else { throw .conflictingData(tensor: name, fields: ["external_data"] + embedded) }
            guard let directory else { throw .externalDataWithoutDirectory(tensor: name) }
            let reference = try ExternalDataReference(entries: proto.externalData, tensor: name)
            let expected = try TensorDecoding.byteCount(count, of: type, tensor: name, dims: proto.dims)
            let bytes = try reference.read(in: directory, tensor: name, expectedBytes: expected)
            data = TensorDecoding.littleEndian(bytes, type: type, count: count)
        } else {
            // Keys without data_location EXTERNAL would be silently ignored by ONNX; a writer that sets them
            // meant something, so say so rather than read whatever the embedded fields hold.
            guard proto.externalData.isEmpty else {
                throw .invalidExternalData(tensor: name, reason: "external_data keys are set but data_location is not EXTERNAL")
            }
            data = try TensorDecoding.decodeEmbedded(proto, type: type, count: count)
        }
        return ONNXTensor(name: proto.name, shape: shape, data: data)
    }

    private static func explain(_ error: Error, byteCount: Int) -> String {
        guard let decoding = error as? BinaryDecodingError else { return "\(error) (\(byteCount) bytes)" }
        let what: String
        switch decoding {
        case .truncated: what = "the data ends in the middle of a field (truncated file?)"
        case .malformedProtobuf: what = "invalid wire format or field tag"
        case .invalidUTF8: what = "a string field is not valid UTF-8"
        case .trailingGarbage: what = "unexpected bytes after the end of the message"
        case .messageDepthLimit: what = "messages are nested deeper than the decoder allows"
        case .missingRequiredFields: what = "required fields are missing"
        default: what = "\(decoding)"
        }
        return "\(what) (\(byteCount) bytes)"
    }
}
