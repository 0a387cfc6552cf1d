/// One node as the interpreter and the importer see it: its attributes by name and the opset it follows, with
/// errors that name the node, op type and opset.
struct NodeContext {
    let node: Onnx_NodeProto
    let opset: Int64
    let index: Int
    private let attributes: [String: Onnx_AttributeProto]

    init(node: Onnx_NodeProto, opset: Int64, index: Int) {
        self.node = node
        self.opset = opset
        self.index = index
        var table: [String: Onnx_AttributeProto] = [:]
        for a in node.attribute { table[a.name] = a }
        attributes = table
    }

    var opType: String { node.opType }
    var displayName: String { node.name.isEmpty ? "#\(index) (\(node.output.first ?? "?"))" : node.name }

    func error(_ message: String) -> ImportError {
        .node(name: displayName, opType: opType, opset: opset, message: message)
    }

    func has(_ name: String) -> Bool { attributes[name] != nil }

    /// The ONNX name of input `i` (for messages).
    func inputName(_ i: Int) -> String { i < node.input.count ? node.input[i] : "?" }

    /// Refuses an output shape with a negative axis or more than NDArray.maxElements elements, before anything of
    /// that size is allocated or multiplied out.
    func checkShape(_ shape: [Int]) throws(ImportError) {
        guard NDArray.elementCount(shape) != nil else {
            throw error("output shape \(shape) is negative or has more than \(NDArray.maxElements) elements")
        }
    }

    func int(_ name: String, default value: Int? = nil) throws(ImportError) -> Int {
        guard let a = attributes[name] else {
            if let value { return value }
            throw error("attribute '\(name)' is required")
        }
        guard a.type == .int || (a.type == .undefined && a.hasI) else { throw error("attribute '\(name)' must be an int") }
        guard let v = Int(exactly: a.i) else { throw error("attribute '\(name)' = \(a.i) is out of range") }
        return v
    }

    func ints(_ name: String) throws(ImportError) -> [Int]? {
        guard let a = attributes[name] else { return nil }
        guard a.type == .ints || a.type == .undefined else { throw error("attribute '\(name)' must be a list of ints") }
        var out: [Int] = []
        for v in a.ints {
            guard let i = Int(exactly: v), i > -(1 << 40), i < 1 << 40 else { throw error("attribute '\(name)' holds \(v), out of range") }
            out.append(i)
        }
        return out
    }

    func float(_ name: String, default value: Float) throws(ImportError) -> Float {
        guard let a = attributes[name] else { return value }
        guard a.type == .float || (a.type == .undefined && a.hasF) else { throw error("attribute '\(name)' must be a float") }
        return a.f
    }

    func string(_ name: String, default value: String) throws(ImportError) -> String {
        guard let a = attributes[name] else { return value }
        guard a.type == .string || a.type == .undefined else { throw error("attribute '\(name)' must be a string") }
        return String(decoding: a.s, as: UTF8.self)
    }

    func tensor(_ name: String) -> Onnx_TensorProto? {
        guard let a = attributes[name], a.type == .tensor || a.hasT else { return nil }
        return a.t
    }

    /// Attribute names this op does not know are refused: silently ignoring one could change the math.
    func allowOnly(_ names: Set<String>) throws(ImportError) {
        for a in node.attribute where !names.contains(a.name) {
            throw error("attribute '\(a.name)' is not supported")
        }
    }
}
