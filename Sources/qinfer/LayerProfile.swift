// The per-step profile of `qinfer bench model --layers`: where one inference's time goes, step by step of the plan
// the daemon runs, with each step's multiply-accumulates so a slow step and a cheap step are told apart.
import Foundation
import QInferEngine
import QInferModel

struct LayerProfile {
    struct Row {
        let kernel: String
        let nodes: [Int]
        /// Threads the step ran on (fewer than asked when it has too little work to split).
        let threads: Int
        let ops: [String]
        let seconds: Double
        let macs: Int
    }

    let model: String
    let isa: String
    let threads: Int
    let rows: [Row]
    /// Inferences the profile averages over.
    let runs: Int

    var totalSeconds: Double { rows.reduce(0) { $0 + $1.seconds } }

    static func measure(_ file: ModelFile, input: [Float], isa: KernelISA?, threads: Int, stopwatch: Stopwatch) throws -> LayerProfile {
        let packed = file.packed
        let engine = try file.engine(threads: threads, isa: isa)
        let steps = engine.steps
        var nanos = [UInt64](repeating: 0, count: steps.count)
        var output = [Float](repeating: 0, count: engine.outputCount)
        func profile(_ times: Int) throws {
            do {
                try input.withUnsafeBufferPointer { (i) throws(EngineError) in
                    try output.withUnsafeMutableBufferPointer { (o) throws(EngineError) in
                        try nanos.withUnsafeMutableBufferPointer { (n) throws(EngineError) in
                            for _ in 0..<times { try engine.profile(input: i, output: o, stepNanoseconds: n) }
                        }
                    }
                }
            } catch { throw CLIError(error.message) }
        }
        // Warm-up (caches, the pool's threads), then as many inferences as fill the time budget.
        try profile(3)
        let once = Double(nanos.reduce(0, +)) / 3 * 1e-9
        let runs = max(stopwatch.minRepetitions * 10, Int(stopwatch.minTime / max(once, 1e-7)))
        nanos = nanos.map { _ in 0 }
        try profile(runs)

        let graph = packed.graph
        let rows = zip(steps, nanos).map { step, ns in
            let macs = step.nodes.reduce(0) { $0 + packed.macs(ofNode: $1) }
            return Row(kernel: step.kernel, nodes: step.nodes, threads: step.threads, ops: step.nodes.map { graph.nodes[$0].op.kind.rawValue },
                       seconds: Double(ns) / Double(runs) * 1e-9, macs: macs)
        }
        return LayerProfile(model: packed.metadata.name, isa: KernelISA(raw: engine.isa).name, threads: threads, rows: rows, runs: runs)
    }

    func render() -> String {
        var table = TextTable([
            .init(title: "step", alignment: .right), .init(title: "kernel", alignment: .left),
            .init(title: "nodes", alignment: .left), .init(title: "ops", alignment: .left),
            .init(title: "threads", alignment: .right), .init(title: "µs", alignment: .right), .init(title: "share", alignment: .right),
            .init(title: "MACs", alignment: .right), .init(title: "GMAC/s", alignment: .right),
        ])
        let total = totalSeconds
        for (i, r) in rows.enumerated() {
            table.append(["\(i)", r.kernel, Self.nodeList(r.nodes), r.ops.joined(separator: "+"), "\(r.threads)",
                          String(format: "%.1f", r.seconds * 1e6),
                          String(format: "%.1f %%", total > 0 ? r.seconds / total * 100 : 0), r.macs > 0 ? "\(r.macs)" : "-",
                          r.macs > 0 && r.seconds > 0 ? String(format: "%.1f", Double(r.macs) / r.seconds * 1e-9) : "-"])
        }
        let macs = rows.reduce(0) { $0 + $1.macs }
        table.append(["", "total", "", "", "", String(format: "%.1f", total * 1e6), "100.0 %", "\(macs)",
                      total > 0 ? String(format: "%.1f", Double(macs) / total * 1e-9) : "-"])
        return "\(model) — \(isa), \(threads) thread\(threads == 1 ? "" : "s"): time per step, mean of \(runs) inferences " +
            "(nodes are the rows of `qinfer inspect`)\n" + table.render()
    }

    /// "3" or "4-6": a fused step's nodes are consecutive in the graph's order.
    static func nodeList(_ nodes: [Int]) -> String {
        guard let first = nodes.first, let last = nodes.last, nodes.count > 1 else { return nodes.first.map { "\($0)" } ?? "" }
        return nodes == Array(first...last) ? "\(first)-\(last)" : nodes.map(String.init).joined(separator: ",")
    }

    func jsonLines(path: String) throws -> [String] {
        let total = totalSeconds
        return try rows.enumerated().map { i, r in
            let object: [String: Any] = [
                "model": path, "isa": isa, "threads": threads, "step_threads": r.threads, "step": i, "kernel": r.kernel, "nodes": r.nodes, "ops": r.ops,
                "us": r.seconds * 1e6, "share": total > 0 ? r.seconds / total : 0, "macs": r.macs,
                "gmacs": r.macs > 0 && r.seconds > 0 ? Double(r.macs) / r.seconds * 1e-9 : 0, "runs": runs,
            ]
            return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
        }
    }
}
