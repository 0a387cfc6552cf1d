import QInferModel

public struct ImportOptions: Sendable {
    /// Refuse a model in which a Sign feeds a Conv/Gemm/MatMul that could not be binarized.
    public var strict: Bool

    public init(strict: Bool = false) { self.strict = strict }
}

/// What one ONNX node became in the engine graph (for `qinfer pack`'s report).
public struct ImportedLayer: Sendable, Equatable {
    public var node: String
    public var opType: String
    public var lowering: String
    public var binary: Bool
}

/// An ONNX model lowered to the engine's graph, ready to be written as a .qpack.
public struct ImportedModel {
    public let inputName: String
    public let outputName: String
    public let inputLayout: TensorLayout
    public let outputLayout: TensorLayout
    public var outputCount: Int { outputLayout.onnxShape.reduce(1, *) }
    public let nodes: [Node]
    public let layers: [ImportedLayer]
    /// Sign-fed layers that stayed FP32, with the reason.
    public let unmatchedSigns: [String]
    /// The model's metadata_props (labels, task, preprocessing may come from here).
    public let metadataProps: [String: String]
    let tensors: [(String, IRGraphBuilder.PendingTensor)]

    /// Where the ONNX input's axes went in the packed input (nil if no axis order says it, which the importer never
    /// lays an input out as).
    public var onnxInput: ONNXInputLayout? {
        inputLayout.flatIndex == nil ? ONNXInputLayout(shape: inputLayout.onnxShape, axisOrder: inputLayout.order) : nil
    }

    /// The .qpack bytes; `metadata.input` must be `inputName` with `inputLayout.irShape`. The metadata records the
    /// ONNX input's layout whatever the caller set, so a file always says how to take an input shaped for onnxruntime.
    public func pack(metadata: ModelMetadata) throws(ModelError) -> [UInt8] {
        var metadata = metadata
        metadata.onnxInput = onnxInput
        var b = QPackBuilder(metadata: metadata)
        for (name, t) in tensors {
            switch t {
            case let .f32(shape, values): b.addF32(name, shape: shape, values)
            case let .i32(shape, values): b.addI32(name, shape: shape, values)
            case let .bits(shape, signs): b.addBits(name, shape: shape, signsOf: signs)
            }
        }
        return try b.build(input: inputName, output: outputName, nodes: nodes)
    }

    /// Bytes of the constants as stored (bits packed) — for reports.
    public var tensorBytes: Int {
        tensors.reduce(0) { total, t in
            switch t.1 {
            case .f32(_, let v): return total + v.count * 4
            case .i32(_, let v): return total + v.count * 4
            case .bits(let shape, _): return total + shape.dropLast().reduce(1, *) * ((shape.last! + 63) / 64) * 8
            }
        }
    }
}

public enum ONNXImporter {
    /// Imports a loaded ONNX model: shape inference and constant folding over the whole graph, then lowering with
    /// binarization recognition and BatchNorm/scale folding. Errors name the node, op type and opset.
    public static func importModel(_ file: ONNXModelFile, options: ImportOptions = ImportOptions()) throws(ImportError) -> ImportedModel {
        let interpreter = try ONNXInterpreter(file: file)
        var lowerer = try Lowerer(interpreter: interpreter, options: options)
        do {
            try lowerer.run()
        } catch {
            // The input went channels-last, which a graph without Conv or pooling may not want (a Reduce or MatMul
            // over its last axis): such a graph gets a second chance with the input row-major.
            guard let layout = lowerer.inputLayout, layout.flatIndex == nil, layout.order != layout.order.sorted() else { throw error }
            var retry = Lowerer(rowMajorInputFrom: lowerer)
            guard (try? retry.run()) != nil else { throw error }
            lowerer = retry
        }
        let (nodes, tensors) = lowerer.ir.finish()
        var props: [String: String] = [:]
        for p in file.model.metadataProps { props[p.key] = p.value }
        return ImportedModel(inputName: interpreter.inputName, outputName: interpreter.outputName, inputLayout: lowerer.inputLayout, outputLayout: lowerer.outputLayout,
                             nodes: nodes, layers: lowerer.layers,
                             unmatchedSigns: lowerer.unmatched.map { "\($0.node) (\($0.opType)): \($0.reason)" },
                             metadataProps: props, tensors: tensors)
    }
}
