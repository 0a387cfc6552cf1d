/// An activation of the ONNX graph as the engine holds it. ONNX describes it by a shape in its own axis order
/// (NCHW, NCL…); the engine keeps channels innermost. `order` says which ONNX axes are laid out from outermost to
/// innermost, so a Transpose, Squeeze or Unsqueeze is free: only this description changes, never the data.
struct RuntimeValue {
    /// The ONNX value it stands for, and the IR value that holds it.
    var onnx: String
    var ir: String
    var irShape: [Int]
    /// ONNX shape (batch axis included) and the memory order of its axes, outermost first.
    var shape: [Int]
    var order: [Int]
    /// Packed signs instead of floats.
    var bits = false
    /// Known ≥ 0 (after a Relu…): a Sign of it is 0 or +1, which the importer binarizes exactly (see LowerLayers).
    var nonNegative = false
    /// Set after a Flatten/Reshape that no axis order describes (NCHW flattened while held as HWC): memory
    /// position p holds ONNX flat index `flatIndex[p]`.
    var flatIndex: [Int]?

    var count: Int { shape.reduce(1, *) }
    /// Memory order of the axes longer than 1 (unit axes do not affect where anything is).
    var nonUnitOrder: [Int] { order.filter { shape[$0] != 1 } }
    /// Memory order equals ONNX's row-major order.
    var isRowMajor: Bool { flatIndex == nil && nonUnitOrder == nonUnitOrder.sorted() }

    /// For every memory position, the ONNX (row-major) flat index of the element stored there.
    func memoryToONNX() -> [Int] {
        if let flatIndex { return flatIndex }
        let strides = NDArray.strides(shape)
        let memShape = order.map { shape[$0] }
        return ShapeOps.gatherIndices(shape: memShape) { coord in
            var s = 0
            for (i, axis) in order.enumerated() { s += coord[i] * strides[axis] }
            return s
        }
    }

    /// Channels-last view of an [1, C, spatial…] value: channel innermost, spatial axes in order before it.
    /// Returns the IR shape (spatial…, C), or nil when the memory is laid out otherwise.
    func channelsLastShape() -> [Int]? {
        guard shape.count >= 2, shape[0] == 1, flatIndex == nil else { return nil }
        let spatial = Array(2..<shape.count)
        let wanted = (spatial + [1]).filter { shape[$0] != 1 }
        guard nonUnitOrder == wanted else { return nil }
        return spatial.map { shape[$0] } + [shape[1]]
    }

    /// A value in ONNX's own row-major order, without the leading batch axis in the IR shape.
    static func rowMajor(onnx: String, ir: String, shape: [Int]) -> RuntimeValue {
        RuntimeValue(onnx: onnx, ir: ir, irShape: defaultIRShape(shape), shape: shape, order: Array(shape.indices))
    }

    static func defaultIRShape(_ shape: [Int]) -> [Int] {
        let s = shape.count >= 2 && shape[0] == 1 ? Array(shape.dropFirst()) : shape
        return s.isEmpty ? [1] : s
    }
}

/// How a graph input or output is laid out in the engine's buffer, and the conversions from and to ONNX layout.
public struct TensorLayout: Sendable, Equatable {
    public let onnxShape: [Int]
    public let irShape: [Int]
    /// ONNX axes from outermost to innermost in the engine's buffer.
    public let order: [Int]
    /// When no axis order describes the buffer: the ONNX flat index held at each position.
    public let flatIndex: [Int]?

    init(_ v: RuntimeValue) {
        onnxShape = v.shape; irShape = v.irShape; order = v.order; flatIndex = v.flatIndex
    }

    /// For each position of the engine's buffer, the ONNX (row-major) flat index it holds.
    public func engineToONNX() -> [Int] {
        RuntimeValue(onnx: "", ir: "", irShape: irShape, shape: onnxShape, order: order, bits: false, nonNegative: false,
                     flatIndex: flatIndex).memoryToONNX()
    }

    /// A tensor in ONNX layout (row-major over `onnxShape`) reordered into the engine's layout.
    public func toEngine(_ values: [Float]) -> [Float] { engineToONNX().map { values[$0] } }

    /// A tensor in the engine's layout reordered into ONNX layout.
    public func toONNX(_ values: [Float]) -> [Float] {
        var out = [Float](repeating: 0, count: values.count)
        for (p, i) in engineToONNX().enumerated() { out[i] = values[p] }
        return out
    }
}
