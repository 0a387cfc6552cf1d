import Foundation
import QInferEngine
import QInferKernels
import QInferModel
import QInferONNX
import SwiftProtobuf
import Testing

/// The ONNX project's backend node tests for the ops the importer supports, through import, packing and the engine's
/// FP32 path, and through the ONNX interpreter (the reference `qinfer verify` uses). Every selected test's outcome
/// must equal its entry in `NodeTestExpectations`: a regression and a newly passing test both fail the suite.
///
/// The tests are read from $QINFER_ONNX_NODE_TESTS, else from the repository venv's onnx package
/// (.venv/lib/python3*/site-packages/onnx/backend/test/data/node, where older wheels shipped them and where
/// tools/onnx/generate_node_tests.py writes them). Nothing is written to the repository while the tests run.
/// A missing directory fails the test, saying how to make it.
///
///   QINFER_NODE_TESTS_PRINT=table   prints the outcomes as NodeTestExpectations.text lines (to paste after a change)
///   QINFER_NODE_TESTS_PRINT=ops     prints pass/skip counts per tested op and skip reason
@Suite struct NodeTests {
    @Test func backendNodeTestsMatchTheExpectationTable() throws {
        let started = Date()
        let root: String
        switch NodeTestData.locate() {
        case .success(let d): root = d
        case .failure(let missing):
            Issue.record(Comment(rawValue: missing.description))
            return
        }
        let selected = try NodeTestData.select(root)
        try #require(selected.count > 100, "only \(selected.count) node tests selected in \(root): is the directory complete?")
        let expected = NodeTestExpectations.table

        var results: [(test: SelectedNodeTest, engine: NodeOutcome, interpreter: NodeOutcome)] = []
        for test in selected {
            let (engine, interpreter) = NodeTestRun.outcomes(test)
            results.append((test, engine, interpreter))
            for (path, outcome) in [("engine", engine), ("interpreter", interpreter)] {
                if case .fail(let why) = outcome { Issue.record("\(test.name) (\(path)): \(why)") }
            }
            guard let want = expected[test.name] else {
                Issue.record("\(test.name): no expectation; outcome: \(engine) | \(interpreter)")
                continue
            }
            if case .fail = engine {} else if engine.tableText != want.engine {
                Issue.record("\(test.name) (engine): expected '\(want.engine)', got '\(engine.tableText)'")
            }
            if case .fail = interpreter {} else if interpreter.tableText != want.interpreter {
                Issue.record("\(test.name) (interpreter): expected '\(want.interpreter)', got '\(interpreter.tableText)'")
            }
        }
        let names = Set(selected.map(\.name))
        for stale in expected.keys.sorted() where !names.contains(stale) {
            Issue.record("\(stale): in the expectation table but not selected (renamed or gone from the onnx wheel?)")
        }

        let env = ProcessInfo.processInfo.environment["QINFER_NODE_TESTS_PRINT"] ?? ""
        if env.contains("table") { print(NodeTestReport.table(results.map { ($0.test.name, $0.engine, $0.interpreter) })) }
        if env.contains("ops") { print(NodeTestReport.byOp(results.map { ($0.test, $0.engine, $0.interpreter) })) }
        let seconds = Date().timeIntervalSince(started)
        print(NodeTestReport.summary(engine: results.map(\.engine), interpreter: results.map(\.interpreter),
                                     seconds: seconds))
    }
}

/// Where the node tests are and which of them concern the supported ops.
enum NodeTestData {
    /// The ops of issue 4's list.
    static let listedOps: Set<String> = [
        "Conv", "Gemm", "MatMul", "BatchNormalization", "Relu", "Clip", "Sign", "Add", "Sub", "Mul", "Div", "MaxPool",
        "AveragePool", "GlobalAveragePool", "ReduceMax", "ReduceMean", "Flatten", "Reshape", "Transpose", "Squeeze",
        "Unsqueeze", "Concat", "Pad", "Softmax", "Identity",
    ]

    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    static let missingMessage = "ONNX backend node tests not found: run `bash tools/onnx/setup-venv.sh` (it installs onnx "
        + "into .venv) and `.venv/bin/python tools/onnx/generate_node_tests.py` (onnx 1.23's wheel ships the node test "
        + "generators, not their data), or set QINFER_ONNX_NODE_TESTS to a directory of node tests"

    static func locate() -> Result<String, FixtureError> {
        let fm = FileManager.default
        if let env = ProcessInfo.processInfo.environment["QINFER_ONNX_NODE_TESTS"], !env.isEmpty {
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: env, isDirectory: &isDirectory), isDirectory.boolValue else {
                return .failure(FixtureError("QINFER_ONNX_NODE_TESTS=\(env) is not a directory. \(missingMessage)"))
            }
            return .success(env)
        }
        let lib = repositoryRoot + "/.venv/lib"
        let pythons = ((try? fm.contentsOfDirectory(atPath: lib)) ?? []).filter { $0.hasPrefix("python3") }.sorted()
        for python in pythons.reversed() {
            let dir = "\(lib)/\(python)/site-packages/onnx/backend/test/data/node"
            if fm.fileExists(atPath: dir + "/test_relu/model.onnx") { return .success(dir) }
        }
        return .failure(FixtureError("\(missingMessage) (looked in \(lib)/python3*/site-packages/onnx/backend/test/data/node)"))
    }

    /// Every test whose model uses only listed ops, and every test of a listed op (its non-expanded model's op) that
    /// uses other ops too — those are skipped, naming the ops.
    static func select(_ root: String) throws -> [SelectedNodeTest] {
        let names = try FileManager.default.contentsOfDirectory(atPath: root).filter {
            FileManager.default.fileExists(atPath: "\(root)/\($0)/model.onnx")
        }.sorted()
        var ops: [String: [String]] = [:]
        func opsOf(_ name: String) throws -> [String] {
            if let known = ops[name] { return known }
            let model = try Onnx_ModelProto(serializedBytes: try Data(contentsOf: URL(fileURLWithPath: "\(root)/\(name)/model.onnx")))
            let list = Set(model.graph.node.map { $0.domain.isEmpty || $0.domain == "ai.onnx" ? $0.opType : "\($0.domain).\($0.opType)" })
            ops[name] = list.sorted()
            return list.sorted()
        }
        var selected: [SelectedNodeTest] = []
        for name in names {
            let own = try opsOf(name)
            let base = name.range(of: "_expanded").map { String(name[..<$0.lowerBound]) } ?? name
            let tested = names.contains(base) ? try opsOf(base) : own
            let outside = own.filter { !listedOps.contains($0) }
            if outside.isEmpty || tested.contains(where: listedOps.contains) {
                selected.append(SelectedNodeTest(name: name, directory: "\(root)/\(name)", testedOps: tested, outsideOps: outside))
            }
        }
        return selected
    }
}

struct SelectedNodeTest {
    let name: String
    let directory: String
    /// Ops of the test's non-expanded model: what the test is about.
    let testedOps: [String]
    /// Ops of this model that are not in the list.
    let outsideOps: [String]
}

/// What became of one node test on one path. Only pass and skip can be expected; a failure is always an issue.
enum NodeOutcome: Equatable, CustomStringConvertible {
    case pass
    case skip(String)
    case fail(String)

    var tableText: String {
        switch self {
        case .pass: "pass"
        case .skip(let why): "skip: \(why)"
        case .fail(let why): "FAIL: \(why)"
        }
    }

    var description: String { tableText }

    /// The reason's category: its text up to the first colon.
    var category: String? {
        guard case .skip(let why) = self else { return nil }
        return String(why.split(separator: ":", maxSplits: 1).first ?? Substring(why))
    }
}

/// One node test, loaded: its model with inputs 1… made initializers, the runtime input and the expected output.
struct NodeTestRun {
    let name: String
    let model: Onnx_ModelProto
    let input: [Float]?
    let inputShape: [Int]
    let expected: [Float]?
    let expectedShape: [Int]
    /// Axis 0 of the runtime input (1 for a scalar).
    var batch: Int { inputShape.first ?? 1 }

    static func outcomes(_ test: SelectedNodeTest) -> (engine: NodeOutcome, interpreter: NodeOutcome) {
        if !test.outsideOps.isEmpty {
            let why = NodeOutcome.skip("uses ops outside the list: \(test.outsideOps.joined(separator: ", "))")
            return (why, why)
        }
        let run: NodeTestRun
        do { run = try NodeTestRun(test) } catch {
            let why = NodeOutcome.fail("cannot load the test: \(error)")
            return (why, why)
        }
        return (run.engineOutcome(), run.interpreterOutcome())
    }

    init(_ test: SelectedNodeTest) throws {
        name = test.name
        let data = "\(test.directory)/test_data_set_0"
        func tensor(_ file: String) throws -> Onnx_TensorProto? {
            let path = "\(data)/\(file)"
            guard FileManager.default.fileExists(atPath: path) else { return nil }
            return try Onnx_TensorProto(serializedBytes: try Data(contentsOf: URL(fileURLWithPath: path)))
        }
        var inputs: [Onnx_TensorProto] = []
        while let t = try tensor("input_\(inputs.count).pb") { inputs.append(t) }
        guard let output = try tensor("output_0.pb"), let first = inputs.first else { throw FixtureError("no input_0.pb or output_0.pb") }
        var model = try Onnx_ModelProto(serializedBytes: try Data(contentsOf: URL(fileURLWithPath: "\(test.directory)/model.onnx")))
        guard model.graph.input.count == inputs.count else {
            throw FixtureError("\(model.graph.input.count) graph inputs but \(inputs.count) input files")
        }
        // Inputs beyond the first become initializers, so the graph has one runtime input.
        for j in 1..<inputs.count {
            var t = inputs[j]
            t.name = model.graph.input[j].name
            model.graph.initializer.append(t)
        }
        self.model = model
        let file = try ONNXModelFile(bytes: try model.serializedBytes(), source: test.name)
        input = (try? file.resolve(first))?.data.float32
        inputShape = first.dims.map { Int($0) }
        expected = (try? file.resolve(output))?.data.float32
        expectedShape = output.dims.map { Int($0) }
    }

    // MARK: - the interpreter on the whole batch

    func interpreterOutcome() -> NodeOutcome {
        do {
            let file = try ONNXModelFile(bytes: try model.serializedBytes(), source: name)
            let interpreter = try ONNXInterpreter(file: file, batch: batch)
            guard let input, let expected else { return .fail("input_0 or output_0 is not float32, yet the interpreter accepted the model") }
            guard interpreter.inputShape == inputShape else {
                return .fail("the interpreter's input shape \(interpreter.inputShape) is not the test's \(inputShape)")
            }
            let value = try interpreter.evaluate(input: input)[interpreter.outputName]!
            guard value.shape == expectedShape else { return .fail("output shape \(value.shape), expected \(expectedShape)") }
            guard let got = value.floats else { return .fail("the output is not computed") }
            if let bad = NodeTestCompare.mismatch(got, expected) { return .fail(bad) }
            return .pass
        } catch {
            return .skip(NodeTestReasons.reason(error))
        }
    }

    // MARK: - import, pack and the engine, one sample at a time

    func engineOutcome() -> NodeOutcome {
        let plan: BatchPlan
        do {
            let file = try ONNXModelFile(bytes: try model.serializedBytes(), source: name)
            _ = try ONNXInterpreter(file: file) // what the importer checks first: data types, inputs, outputs, ops
            if batch > 1 {
                let full = try ONNXInterpreter(file: file, batch: batch)
                let known = try full.evaluate(input: nil)
                switch BatchPlan.make(model: model, known: known, inputName: full.inputName, outputName: full.outputName, batch: batch) {
                case .mixed(let why): return .skip("batch axis mixed: \(why)")
                case .split(let p): plan = p
                }
            } else {
                plan = BatchPlan()
            }
        } catch {
            return .skip(NodeTestReasons.reason(error))
        }
        guard let input, let expected else { return .fail("input_0 or output_0 is not float32, yet the importer accepted the model") }

        var current: (imported: ImportedModel, engines: [(String, Engine)], reference: ONNXInterpreter)?
        for i in 0..<batch {
            if current == nil || !plan.sliced.isEmpty {
                let imported: ImportedModel
                let reference: ONNXInterpreter
                do {
                    let file = try ONNXModelFile(bytes: try sampleModel(i, plan).serializedBytes(), source: name)
                    imported = try ONNXImporter.importModel(file)
                    reference = try ONNXInterpreter(file: file)
                } catch {
                    return .skip(NodeTestReasons.reason(error))
                }
                do {
                    let packed = try packAndLoad(imported, name: name)
                    current = (imported, try [("scalar", QK_ISA_SCALAR), ("default", nil)].map { isa in
                        (isa.0, try Engine(model: packed, threads: 1, isa: isa.1))
                    }, reference)
                } catch {
                    return .fail("the imported graph does not pack or load: \(error)")
                }
            }
            let (imported, engines, reference) = current!
            let x = batch == 1 ? input : Blocks.take(input, shape: inputShape, axis: 0, block: i, of: batch).values
            let want = batch == 1 ? (values: expected, shape: expectedShape)
                : Blocks.take(expected, shape: expectedShape, axis: plan.outputAxis, block: i, of: batch)
            guard imported.outputLayout.onnxShape == want.shape else {
                return .fail("sample \(i): output shape \(imported.outputLayout.onnxShape), expected \(want.shape)")
            }
            // The one-sample model must be what ONNX computes for that sample: the interpreter checks the plan.
            do {
                if let bad = NodeTestCompare.mismatch(try reference.run(x), want.values) {
                    return .fail("sample \(i): the batch plan is wrong, the interpreter on the one-sample model differs: \(bad)")
                }
            } catch {
                return .fail("sample \(i): the interpreter refuses the one-sample model: \(error)")
            }
            for (isa, engine) in engines {
                let got: [Float]
                do { got = imported.outputLayout.toONNX(try engine.run(imported.inputLayout.toEngine(x))) } catch {
                    return .fail("sample \(i), isa \(isa): the engine failed: \(error)")
                }
                if let bad = NodeTestCompare.mismatch(got, want.values) { return .fail("sample \(i), isa \(isa): \(bad)") }
            }
        }
        return .pass
    }

    /// The model as exported for sample `i` alone: input axis 0 is 1, per-sample constants hold sample i's block.
    func sampleModel(_ i: Int, _ plan: BatchPlan) throws -> Onnx_ModelProto {
        var m = model
        guard batch > 1 else { return m }
        if case .tensorType(var tt)? = m.graph.input[0].type.value, !tt.shape.dim.isEmpty {
            tt.shape.dim[0].dimValue = 1
            m.graph.input[0].type.tensorType = tt
        }
        let file = try ONNXModelFile(bytes: try model.serializedBytes(), source: name)
        for k in m.graph.initializer.indices {
            let proto = m.graph.initializer[k]
            let axis = plan.sliced[proto.name]
            guard axis != nil || plan.reshapeSpecs.contains(proto.name) else { continue }
            let t = try file.resolve(proto)
            var out = Onnx_TensorProto()
            out.name = proto.name
            out.dataType = proto.dataType
            var shape = t.shape
            switch t.data {
            case .float32(let v):
                let b = axis.map { Blocks.take(v, shape: t.shape, axis: $0, block: i, of: batch) } ?? (values: v, shape: t.shape)
                shape = b.shape
                out.rawData = TestModels.littleEndianBytes(b.values)
            case .int64(var v):
                if plan.reshapeSpecs.contains(proto.name) { v[0] = 1 }
                out.rawData = TestModels.littleEndianBytes(v)
            case .int32(var v):
                if plan.reshapeSpecs.contains(proto.name) { v[0] = 1 }
                out.rawData = TestModels.littleEndianBytes(v)
            }
            out.dims = shape.map { Int64($0) }
            m.graph.initializer[k] = out
        }
        return m
    }
}

/// numpy.testing.assert_allclose with ONNX's backend tolerances: |got − want| ≤ atol + rtol·|want|; NaN matches NaN.
enum NodeTestCompare {
    static func mismatch(_ got: [Float], _ want: [Float], rtol: Double = 1e-3, atol: Double = 1e-7) -> String? {
        guard got.count == want.count else { return "\(got.count) values, expected \(want.count)" }
        var bad: [Int] = []
        for i in got.indices {
            let g = Double(got[i]), w = Double(want[i])
            let ok = w.isNaN ? g.isNaN : (w.isInfinite ? g == w : abs(g - w) <= atol + rtol * abs(w))
            if !ok { bad.append(i) }
        }
        guard let i = bad.first else { return nil }
        return "\(bad.count) of \(got.count) values differ beyond rtol \(rtol), atol \(atol); first at \(i): \(got[i]) vs \(want[i])"
    }
}

/// Tallies for the one-line summary and the per-op table.
enum NodeTestReport {
    static func counts(_ outcomes: [NodeOutcome]) -> String {
        let pass = outcomes.filter { $0 == .pass }.count
        let failed = outcomes.filter { if case .fail = $0 { true } else { false } }.count
        var categories: [String: Int] = [:]
        for o in outcomes { if let c = o.category { categories[c, default: 0] += 1 } }
        let skipped = categories.values.reduce(0, +)
        let list = categories.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { "\($0.key) \($0.value)" }
        return "\(pass) pass, \(skipped) skipped (\(list.joined(separator: "; ")))" + (failed > 0 ? ", \(failed) FAILED" : "")
    }

    static func summary(engine: [NodeOutcome], interpreter: [NodeOutcome], seconds: Double) -> String {
        "ONNX node tests: \(engine.count) selected; engine: \(counts(engine)); interpreter: \(counts(interpreter)); "
            + String(format: "%.1f s", seconds)
    }

    static func table(_ rows: [(String, NodeOutcome, NodeOutcome)]) -> String {
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { "    \($0.0.padding(toLength: width, withPad: " ", startingAt: 0)) | \($0.1.tableText) | \($0.2.tableText)" }
            .joined(separator: "\n")
    }

    static func byOp(_ rows: [(SelectedNodeTest, NodeOutcome, NodeOutcome)]) -> String {
        var lines: [String] = []
        let ops = Set(rows.flatMap { $0.0.testedOps }).sorted()
        for op in ops {
            let mine = rows.filter { $0.0.testedOps.contains(op) }
            lines.append("\(op): \(mine.count) tests; engine \(counts(mine.map(\.1))); interpreter \(counts(mine.map(\.2)))")
        }
        return lines.joined(separator: "\n")
    }
}
