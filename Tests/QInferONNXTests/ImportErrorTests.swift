import Foundation
import QInferModel
import QInferONNX
import SwiftProtobuf
import Testing
import QInferRandom

/// Models the importer must refuse, each with an error that says which node, op, opset, tensor or input is at fault
/// and why; and damaged models, which must end in an error or an import, never in a crash.
@Suite struct ImportErrorTests {
    /// The error importing `model` ends with (nil, recording an issue, when it imports or fails otherwise).
    static func importError(_ model: Onnx_ModelProto, sourceLocation: SourceLocation = #_sourceLocation) -> ImportError? {
        do {
            let file = try ONNXModelFile(bytes: try model.serializedBytes(), source: "bad.onnx")
            _ = try ONNXImporter.importModel(file)
            Issue.record("the model imported", sourceLocation: sourceLocation)
        } catch let error as ImportError {
            return error
        } catch {
            Issue.record("expected an ImportError, got \(error)", sourceLocation: sourceLocation)
        }
        return nil
    }

    /// x [1, 3, 4, 4] → op → y.
    static func oneNode(_ op: String, inputs: [String] = ["x"], name: String = "n0", domain: String = "",
                        opsets: [(String, Int64)] = [("", 17)]) -> Onnx_ModelProto {
        var g = GraphBuilder(input: "x", shape: [1, 3, 4, 4])
        g.node(op, inputs, "y", name: name, domain: domain)
        var m = g.model(output: "y")
        m.opsetImport = opsets.map { d, v in
            var o = Onnx_OperatorSetIdProto()
            o.domain = d; o.version = v
            return o
        }
        return m
    }

    // MARK: - ops, opsets, domains, data types

    @Test func unsupportedOpNamesNodeOpTypeAndOpset() {
        let error = Self.importError(Self.oneNode("Erf", name: "erf_1"))
        #expect(error == .unsupportedOp(name: "erf_1", opType: "Erf", domain: "", opset: 17))
        #expect(error?.description == "node 'erf_1': op Erf (opset 17) is not supported")
    }

    @Test func unnamedNodeIsNamedByIndexAndOutput() {
        let error = Self.importError(Self.oneNode("Tanh", name: ""))
        #expect(error == .unsupportedOp(name: "#0 (y)", opType: "Tanh", domain: "", opset: 17))
    }

    @Test func opTheInterpreterFoldsButTheEngineCannotRun() {
        // Exp is known for constant folding (Libra-PB's weight transforms) but has no engine op for activations.
        guard case let .node(name, opType, opset, message)? = Self.importError(Self.oneNode("Exp", name: "e")) else {
            Issue.record("expected a node error")
            return
        }
        #expect(name == "e" && opType == "Exp" && opset == 17)
        #expect(message.contains("activations computed at run time"))
    }

    @Test(arguments: [Int64(5), 6, 26, 99])
    func unsupportedOpset(version: Int64) {
        let error = Self.importError(Self.oneNode("Relu", opsets: [("", version)]))
        #expect(error == .unsupportedOpset(domain: "", version: version, supported: 7...25))
        #expect(error?.description == "opset \(version) of domain 'ai.onnx' is not supported (supported: 7…25)")
    }

    @Test func modelWithoutDefaultOpsetIsRefused() {
        guard case .graph(let message)? = Self.importError(Self.oneNode("Relu", opsets: [("com.example", 1)])) else {
            Issue.record("expected a graph error")
            return
        }
        #expect(message.contains("no default-domain opset"))
    }

    @Test func opOfAnotherDomainNamesDomainAndItsOpset() {
        let m = Self.oneNode("FusedConv", name: "fc", domain: "com.microsoft", opsets: [("", 17), ("com.microsoft", 1)])
        let error = Self.importError(m)
        #expect(error == .unsupportedOp(name: "fc", opType: "FusedConv", domain: "com.microsoft", opset: 1))
        #expect(error?.description == "node 'fc': op com.microsoft.FusedConv (opset 1) is not supported")
    }

    @Test func opOfADomainTheModelDoesNotImport() {
        let error = Self.importError(Self.oneNode("Relu", name: "r", domain: "org.example"))
        guard case let .unsupportedOp(name, opType, domain, _)? = error else {
            Issue.record("expected unsupportedOp, got \(String(describing: error))")
            return
        }
        #expect(name == "r" && opType == "Relu" && domain == "org.example")
        #expect(error?.description.contains("org.example.Relu") == true)
        #expect(error?.description == "node 'r': op org.example.Relu (domain 'org.example' not imported by the model) is not supported")
    }

    @Test func float16InitializerNamesTensorAndType() {
        var g = GraphBuilder(input: "x", shape: [1, 3, 4, 4])
        var w = TestModels.tensor("scale16", dims: [1], type: .float16)
        w.rawData = Data([0x00, 0x3C]) // 1.0 in binary16
        g.graph.initializer.append(w)
        g.node("Mul", ["x", "scale16"], "y", name: "m")
        let error = Self.importError(g.model(output: "y"))
        #expect(error == .file(.unsupportedDataType(tensor: "scale16", dataType: "FLOAT16 (10)")))
        #expect(error?.description == "tensor 'scale16': data type FLOAT16 (10) is not supported (float32, int64 and int32 are)")
    }

    @Test func int8InputNamesInputAndType() {
        var g = GraphBuilder(input: "x", shape: [1, 3, 4, 4])
        g.graph.input[0].type.tensorType.elemType = Int32(Onnx_TensorProto.DataType.int8.rawValue)
        g.node("Relu", ["x"], "y")
        let error = Self.importError(g.model(output: "y"))
        #expect(error == .tensor(name: "x", message: "the graph input has data type INT8 (3); FLOAT (1) is required"))
    }

    // MARK: - graphs whose shapes do not resolve

    @Test func reshapeToAnIncompatibleShape() {
        var g = GraphBuilder(input: "x", shape: [1, 2, 3])
        g.intInitializer("shape", [4, 2])
        g.node("Reshape", ["x", "shape"], "y", name: "r")
        guard case let .node(name, opType, opset, message)? = Self.importError(g.model(output: "y")) else {
            Issue.record("expected a node error")
            return
        }
        #expect(name == "r" && opType == "Reshape" && opset == 17)
        #expect(message == "cannot reshape 'x' [1, 2, 3] (6 elements) to [4, 2] (8 elements)")
    }

    @Test func reshapeWithOverflowingDimensions() {
        var g = GraphBuilder(input: "x", shape: [1, 2, 3])
        g.intInitializer("shape", [1 << 40, 1 << 40, -1])
        g.node("Reshape", ["x", "shape"], "y", name: "r")
        guard case let .node(name, _, _, message)? = Self.importError(g.model(output: "y")) else {
            Issue.record("expected a node error")
            return
        }
        #expect(name == "r")
        #expect(message.contains("cannot reshape"))
    }

    @Test func emptyInitializerWithHugeAxes() {
        // Zero elements, so the file needs no data; Flatten would multiply 2⁴⁰ · 2⁴⁰.
        var g = GraphBuilder(input: "x", shape: [1, 4])
        g.graph.initializer.append(TestModels.tensor("e", dims: [0, 1 << 40, 1 << 40], type: .float))
        g.node("Flatten", ["e"], "f", int: ["axis": 1])
        g.node("Relu", ["x"], "y")
        guard case let .tensor(name, message)? = Self.importError(g.model(output: "y")) else {
            Issue.record("expected a tensor error")
            return
        }
        #expect(name == "e" && message.contains("larger than"))
    }

    @Test func convWithMismatchedChannels() {
        var g = GraphBuilder(input: "x", shape: [1, 3, 8, 8])
        g.initializer("W", [4, 2, 3, 3], [Float](repeating: 0.5, count: 72))
        g.node("Conv", ["x", "W"], "y", name: "conv1")
        guard case let .node(name, opType, _, message)? = Self.importError(g.model(output: "y")) else {
            Issue.record("expected a node error")
            return
        }
        #expect(name == "conv1" && opType == "Conv")
        #expect(message == "weights 'W' [4, 2, 3, 3] (group 1) do not fit the 3 channels of 'x' [1, 3, 8, 8]")
    }

    @Test func convWindowLargerThanTheInput() {
        var g = GraphBuilder(input: "x", shape: [1, 3, 2, 2])
        g.initializer("W", [4, 3, 3, 3], [Float](repeating: 0.5, count: 108))
        g.node("Conv", ["x", "W"], "y", name: "conv1")
        guard case let .node(name, _, _, message)? = Self.importError(g.model(output: "y")) else {
            Issue.record("expected a node error")
            return
        }
        #expect(name == "conv1")
        #expect(message.contains("does not fit input size 2"))
    }

    @Test func addOfShapesThatDoNotBroadcast() {
        var g = GraphBuilder(input: "x", shape: [1, 3, 4, 4])
        g.initializer("b", [5], [1, 2, 3, 4, 5])
        g.node("Add", ["x", "b"], "y", name: "add")
        guard case let .node(name, _, _, message)? = Self.importError(g.model(output: "y")) else {
            Issue.record("expected a node error")
            return
        }
        #expect(name == "add")
        #expect(message == "'x' [1, 3, 4, 4] and 'b' [5] do not broadcast")
    }

    @Test func inputNoNodeProduces() {
        var g = GraphBuilder(input: "x", shape: [1, 3, 4, 4])
        g.node("Relu", ["x"], "r")
        g.node("Add", ["r", "ghost"], "y", name: "add")
        guard case let .node(name, opType, _, message)? = Self.importError(g.model(output: "y")) else {
            Issue.record("expected a node error")
            return
        }
        #expect(name == "add" && opType == "Add")
        #expect(message.contains("'ghost'") && message.contains("not produced"))
    }

    @Test func nodesOutOfOrder() {
        var g = GraphBuilder(input: "x", shape: [1, 3, 4, 4])
        g.node("Relu", ["r"], "y", name: "second")
        g.node("Relu", ["x"], "r", name: "first")
        guard case let .node(name, _, _, message)? = Self.importError(g.model(output: "y")) else {
            Issue.record("expected a node error")
            return
        }
        #expect(name == "second")
        #expect(message.contains("'r'") && message.contains("topologically sorted"))
    }

    @Test func outputNoNodeProduces() {
        var g = GraphBuilder(input: "x", shape: [1, 3, 4, 4])
        g.node("Relu", ["x"], "r")
        #expect(Self.importError(g.model(output: "nowhere")) == .graph("graph output 'nowhere' is not produced by any node"))
    }

    @Test func missingRequiredInput() {
        var g = GraphBuilder(input: "x", shape: [1, 3, 4, 4])
        g.node("Conv", ["x"], "y", name: "conv1")
        guard case let .node(name, _, _, message)? = Self.importError(g.model(output: "y")) else {
            Issue.record("expected a node error")
            return
        }
        #expect(name == "conv1")
        #expect(message.contains("needs X and W"))
    }

    // MARK: - graph inputs

    @Test func twoRuntimeInputs() {
        var g = GraphBuilder(input: "x", shape: [1, 4])
        g.graph.input.append(TestModels.valueInfo("z", dims: [1, 4]))
        g.node("Add", ["x", "z"], "y")
        #expect(Self.importError(g.model(output: "y"))
            == .graph("bad.onnx: the graph has 2 runtime inputs (x, z); exactly one is supported"))
    }

    @Test func symbolicNonBatchDimension() {
        var g = GraphBuilder(input: "x", shape: [1, 3, 4])
        g.graph.input[0].type.tensorType.shape.dim[0].dimParam = "batch"
        g.graph.input[0].type.tensorType.shape.dim[2].dimParam = "points"
        g.node("Relu", ["x"], "y")
        #expect(Self.importError(g.model(output: "y"))
            == .tensor(name: "x", message: "axis 2 of the graph input has no fixed size (points)"))
    }

    @Test func symbolicBatchDimensionImportsForOneSample() throws {
        var g = GraphBuilder(input: "x", shape: [1, 3, 4])
        g.graph.input[0].type.tensorType.shape.dim[0].dimParam = "batch"
        g.node("Relu", ["x"], "y")
        let imported = try ONNXImporter.importModel(try ONNXModelFile(bytes: try g.model(output: "y").serializedBytes()))
        #expect(imported.inputLayout.onnxShape == [1, 3, 4])
    }

    @Test func inputWithoutShape() {
        var g = GraphBuilder(input: "x", shape: [1, 3])
        g.graph.input[0].type.tensorType.clearShape()
        g.node("Relu", ["x"], "y")
        #expect(Self.importError(g.model(output: "y")) == .tensor(name: "x", message: "the graph input has no shape"))
    }

    // MARK: - damaged bytes

    /// Parses and imports; an import is packed too (in memory). Returns whether everything went through.
    @discardableResult
    static func survive(_ bytes: Data) -> Bool {
        let file: ONNXModelFile
        do { file = try ONNXModelFile(bytes: bytes, source: "damaged.onnx") } catch {
            _ = error.description
            return false
        }
        let imported: ImportedModel
        do { imported = try ONNXImporter.importModel(file) } catch {
            _ = error.description
            return false
        }
        let metadata = ModelMetadata(name: "damaged", version: "1", task: .tensor, labels: [],
                                     input: InputSignature(name: imported.inputName, shape: imported.inputLayout.irShape),
                                     preprocessing: Preprocessing())
        return (try? imported.pack(metadata: metadata)) != nil
    }

    @Test func garbageNeverParsesAsAModel() {
        var rng = SplitMix64(seed: 0x6A2B_A6E0)
        var parsed = 0
        for _ in 0..<2000 {
            let count = Int(rng.next() % 512)
            let bytes = Data((0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
            if (try? ONNXModelFile(bytes: bytes)) != nil { parsed += 1 }
            Self.survive(bytes)
        }
        // A random byte string is almost never a message with a graph field.
        #expect(parsed < 20)
    }

    @Test func malformedProtobufIsAClearError() throws {
        let good = try TestModels.bytes(Self.oneNode("Relu"))
        let cases: [(Data, String)] = [
            (Data([0x3A, 0x7F, 0x01]), "truncated"),                  // graph field claims 127 bytes, has 1
            (Data([0xFF, 0xFF, 0xFF, 0xFF, 0xFF]), "wire format"),     // a tag that is no field
            (good.prefix(good.count - 3), "truncated"),
            (Data([0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]), "wire format"), // 11-byte varint
        ]
        for (bytes, words) in cases {
            let error = onnxError { try ONNXModelFile(bytes: bytes, source: "m.onnx") }
            guard case let .malformedProtobuf(source, reason)? = error else {
                Issue.record("expected malformedProtobuf for \(Array(bytes.prefix(12))), got \(String(describing: error))")
                continue
            }
            #expect(source == "m.onnx")
            #expect(reason.contains(words), "\(reason)")
        }
    }

    /// Random byte damage to real exported models (the smallest fixtures, so the damage lands in the graph rather
    /// than in weight bytes): every outcome is an import or an error.
    @Test(arguments: [("unmatched_sign", 2500), ("pointnet_opset13_mean", 400), ("irnet_s2_fpshortcut", 300)])
    func byteMutationsOfAFixture(name: String, count: Int) throws {
        let original = try Data(contentsOf: URL(fileURLWithPath: "\(FixtureModel.root)/\(name)/model.onnx"))
        #expect(Self.survive(original))
        var rng = SplitMix64(seed: 0xB17E_0000 ^ UInt64(count) ^ Self.seed)
        var imported = 0
        for _ in 0..<(count * Self.scale) {
            var bytes = original
            for _ in 0...(rng.next() % 3) { Self.mutate(&bytes, &rng) }
            Self.dump(bytes, name)
            if Self.survive(bytes) { imported += 1 }
        }
        // Most single mutations land in weights or names and still import; some break the graph.
        #expect(imported > 0 && imported < count * Self.scale)
    }

    /// One random damage: a flipped bit, a random byte, a run of 0xFF, an insertion, a deletion or a truncation.
    static func mutate(_ bytes: inout Data, _ rng: inout SplitMix64) {
        guard !bytes.isEmpty else { return }
        let at = Int(rng.next() % UInt64(bytes.count))
        switch rng.next() % 6 {
        case 0: bytes[at] ^= UInt8(1 << (rng.next() % 8))
        case 1: bytes[at] = UInt8(truncatingIfNeeded: rng.next())
        case 2: for i in at..<min(at + 1 + Int(rng.next() % 8), bytes.count) { bytes[i] = 0xFF }
        case 3: bytes.insert(contentsOf: (0..<(1 + rng.next() % 8)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, at: at)
        case 4: bytes.removeSubrange(at..<min(at + 1 + Int(rng.next() % 16), bytes.count))
        default: bytes = bytes.prefix(at)
        }
    }

    /// Structural damage through the protobuf types (a node input dropped or renamed, attribute values replaced by
    /// extreme ones, dims rewritten, op types swapped, nodes deleted or duplicated, the opset changed): the kind a
    /// broken exporter produces, which byte damage rarely reaches because it mostly breaks the wire format first.
    @Test(arguments: ["unmatched_sign", "pointnet_nwc_matmul", "irnet_s2_fpshortcut", "torch_bipointnet_folded"])
    func structuralMutationsOfAFixture(name: String) throws {
        let file = try ONNXModelFile(path: "\(FixtureModel.root)/\(name)/model.onnx")
        var rng = SplitMix64(seed: 0x57C0_0000 ^ UInt64(name.count) ^ Self.seed)
        let names = Array(Set(file.model.graph.node.flatMap { $0.input + $0.output } + [""]))
        let ops = ["Conv", "Gemm", "MatMul", "BatchNormalization", "Relu", "Clip", "Sign", "Add", "Sub", "Mul", "Div",
                   "MaxPool", "AveragePool", "GlobalAveragePool", "ReduceMax", "ReduceMean", "Flatten", "Reshape",
                   "Transpose", "Squeeze", "Unsqueeze", "Concat", "Pad", "Softmax", "Identity", "Constant", "Shape",
                   "Gather", "Cast", "Dropout", "Pow", "Sqrt", "ReduceSum", "Abs"]
        let extremes: [Int64] = [0, -1, 1, 2, 3, -3, 7, 64, 4097, 1 << 20, 1 << 31, -(1 << 40), Int64.max, Int64.min]
        var imported = 0
        for _ in 0..<(150 * Self.scale) {
            var m = file.model
            for _ in 0...(rng.next() % 2) {
                var g = m.graph
                guard !g.node.isEmpty else { break }
                let n = Int(rng.next() % UInt64(g.node.count))
                switch rng.next() % 9 {
                case 0 where !g.node[n].input.isEmpty:
                    g.node[n].input[Int(rng.next() % UInt64(g.node[n].input.count))] = names[Int(rng.next() % UInt64(names.count))]
                case 1 where !g.node[n].input.isEmpty:
                    g.node[n].input.removeLast()
                case 2 where !g.node[n].attribute.isEmpty:
                    let a = Int(rng.next() % UInt64(g.node[n].attribute.count))
                    let v = extremes[Int(rng.next() % UInt64(extremes.count))]
                    if g.node[n].attribute[a].ints.isEmpty { g.node[n].attribute[a].i = v } else {
                        g.node[n].attribute[a].ints[Int(rng.next() % UInt64(g.node[n].attribute[a].ints.count))] = v
                    }
                case 3: g.node[n].opType = ops[Int(rng.next() % UInt64(ops.count))]
                case 4: g.node.remove(at: n)
                case 5: g.node.insert(g.node[n], at: Int(rng.next() % UInt64(g.node.count)))
                case 6 where !g.initializer.isEmpty:
                    let t = Int(rng.next() % UInt64(g.initializer.count))
                    if !g.initializer[t].dims.isEmpty {
                        g.initializer[t].dims[Int(rng.next() % UInt64(g.initializer[t].dims.count))] = extremes[Int(rng.next() % UInt64(extremes.count))]
                    }
                case 7:
                    if case .tensorType(var tt)? = g.input[0].type.value, !tt.shape.dim.isEmpty {
                        tt.shape.dim[Int(rng.next() % UInt64(tt.shape.dim.count))].dimValue = extremes[Int(rng.next() % UInt64(extremes.count))]
                        g.input[0].type.tensorType = tt
                    }
                default:
                    m.opsetImport = [Onnx_OperatorSetIdProto.with { $0.version = [7, 10, 11, 12, 13, 17, 18, 25][Int(rng.next() % 8)] }]
                }
                m.graph = g
            }
            let bytes = try m.serializedBytes() as Data
            Self.dump(bytes, "structural-" + name)
            if Self.survive(bytes) { imported += 1 }
        }
        #expect(imported < 150 * Self.scale)
    }

    /// Random small graphs of the known ops, wired at random to earlier values and to float or int64 constants,
    /// with attributes drawn from the names these ops read and values from the edges of their ranges: every one
    /// must import or fail with an error.
    @Test func randomGraphsOfKnownOps() throws {
        var rng = SplitMix64(seed: 0x6EA9_0000 ^ Self.seed)
        func pick<T>(_ xs: [T]) -> T { xs[Int(rng.next() % UInt64(xs.count))] }
        let ops = ["Conv", "Gemm", "MatMul", "BatchNormalization", "Relu", "Clip", "Sign", "Add", "Sub", "Mul", "Div",
                   "MaxPool", "AveragePool", "GlobalAveragePool", "ReduceMax", "ReduceMean", "Flatten", "Reshape",
                   "Transpose", "Squeeze", "Unsqueeze", "Concat", "Pad", "Softmax", "Identity", "Shape", "Gather",
                   "Cast", "Dropout", "Pow", "Sqrt", "ReduceSum", "Constant"]
        let intAttributes = ["axis", "group", "transA", "transB", "keepdims", "ceil_mode", "count_include_pad",
                             "allowzero", "to", "noop_with_empty_axes", "start", "end"]
        let listAttributes = ["axes", "perm", "pads", "kernel_shape", "strides", "dilations"]
        let small: [Int64] = [-3, -2, -1, 0, 1, 2, 3, 4, 7, 1 << 20, -(1 << 33)]
        var imported = 0
        let count = 1500 * Self.scale
        for _ in 0..<count {
            let inputShape: [Int64] = (0..<(1 + rng.next() % 4)).map { _ in Int64(1 + rng.next() % 5) }
            var g = GraphBuilder(input: "x", shape: inputShape)
            g.opset = pick([7, 9, 11, 12, 13, 17, 18, 25])
            var values = ["x"]
            for c in 0..<Int(rng.next() % 3) {
                let dims: [Int64] = (0..<(rng.next() % 4)).map { _ in Int64(1 + rng.next() % 4) }
                let n = dims.reduce(1, *)
                if rng.next() % 3 == 0 {
                    g.intInitializer("k\(c)", (0..<n).map { _ in pick(small) })
                    g.graph.initializer[g.graph.initializer.count - 1].dims = dims
                } else {
                    g.initializer("k\(c)", dims, (0..<n).map { _ in Float(Int(rng.next() % 9) - 4) / 2 })
                }
                values.append("k\(c)")
            }
            for i in 0..<Int(1 + rng.next() % 4) {
                let inputs = (0..<(1 + rng.next() % 3)).map { _ in rng.next() % 8 == 0 ? "" : pick(values) }
                var ints: [String: [Int64]] = [:], int: [String: Int64] = [:]
                for _ in 0..<(rng.next() % 3) {
                    if rng.next() % 2 == 0 { int[pick(intAttributes)] = pick(small) } else {
                        ints[pick(listAttributes)] = (0..<(rng.next() % 5)).map { _ in pick(small) }
                    }
                }
                g.node(pick(ops), inputs, "v\(i)", ints: ints, int: int)
                values.append("v\(i)")
            }
            if Self.survive(try g.model(output: values.last!).serializedBytes()) { imported += 1 }
        }
        #expect(imported > 0 && imported < count)
    }

    /// QINFER_FUZZ_SCALE=n runs n times the damaged models; QINFER_FUZZ_SEED=k varies them (for longer hunts).
    static let scale = max(Int(ProcessInfo.processInfo.environment["QINFER_FUZZ_SCALE"] ?? "") ?? 1, 1)
    static let seed = UInt64(ProcessInfo.processInfo.environment["QINFER_FUZZ_SEED"] ?? "") ?? 0

    /// QINFER_FUZZ_DUMP=dir writes each damaged model to dir/<test>.onnx before it is tried, so a crash leaves the
    /// model that caused it behind.
    static func dump(_ bytes: Data, _ name: String) {
        guard let dir = ProcessInfo.processInfo.environment["QINFER_FUZZ_DUMP"] else { return }
        FileManager.default.createFile(atPath: "\(dir)/\(name).onnx", contents: bytes)
    }
}
