// `qinfer inspect`: what a .qpack holds, layer by layer, and what packing saved.
import ArgumentParser
import Foundation
import QInferModel

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a .qpack's metadata and a per-layer table: op, shapes, binary or FP32, bytes, MACs.",
        discussion: "Binary layers count XNOR-popcount bit operations as MACs. \"FP32 size\" is what the same weights take as float32."
    )

    @Argument(help: "The .qpack model.") var model: String
    @Flag(help: "Print one JSON object instead of tables.") var json = false

    struct Row {
        var node: String, op: String, inputs: String, output: String, kind: String
        var bytes: Int, fp32Bytes: Int, macs: Int, binary: Bool
    }

    func run() throws {
        let packed = try ModelFile(model).packed
        let rows = Self.rows(packed)
        let weightBytes = rows.reduce(0) { $0 + $1.bytes }, fp32Bytes = rows.reduce(0) { $0 + $1.fp32Bytes }
        let macs = rows.reduce(0) { $0 + $1.macs }, binaryMacs = rows.filter(\.binary).reduce(0) { $0 + $1.macs }
        let m = packed.metadata
        let share = macs > 0 ? Double(binaryMacs) / Double(macs) : 0
        // The reader has checked the slot's layout; whether the signature verifies needs the signer's public key.
        let signer = packed.signer?.keyIDHex
        if json {
            // The metadata's own coding, so a script can redo the preprocessing (tools/bench does, to feed a peer runtime).
            let preprocessing = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(m.preprocessing))
            let object: [String: Any] = [
                "preprocessing": preprocessing,
                "name": m.name, "version": m.version, "task": m.task.rawValue, "labels": m.labels,
                "input": ["name": m.input.name, "shape": m.input.shape] as [String: Any], "sha256": packed.sha256, "signed": signer != nil, "signer": signer ?? NSNull(),
                "file_bytes": packed.fileSize, "weight_bytes": weightBytes, "fp32_weight_bytes": fp32Bytes,
                "macs": macs, "binary_macs": binaryMacs, "binary_mac_share": share,
                "layers": rows.map { ["node": $0.node, "op": $0.op, "inputs": $0.inputs, "output": $0.output, "kind": $0.kind,
                                      "bytes": $0.bytes, "fp32_bytes": $0.fp32Bytes, "macs": $0.macs] as [String: Any] },
            ]
            var described = object
            // Also accepted as input (qinfer run, the daemon): the ONNX graph's own layout, rearranged on the way in.
            if let onnx = m.onnxInput { described["onnx_input"] = ["shape": onnx.shape, "axis_order": onnx.axisOrder] }
            print(String(decoding: try JSONSerialization.data(withJSONObject: described, options: [.sortedKeys]), as: UTF8.self))
            return
        }
        print("\(m.name) v\(m.version) — \(m.task.rawValue), \(m.labels.count) labels, input \(m.input.name) \(m.input.shape)")
        if let onnx = m.onnxInput, !onnx.isIdentity {
            print("also accepts the ONNX layout \(onnx.shape) (axis order \(onnx.axisOrder) into the packed input)")
        }
        if let p = m.preprocessing.pointCloud { print("preprocessing: point cloud, \(p.points) points, \(p.normalization.rawValue)") }
        if let f = m.preprocessing.frame {
            print("preprocessing: frame \(f.width)×\(f.height) \(f.channelOrder.rawValue), mean \(f.mean), std \(f.std)")
        }
        if let d = m.description { print("description: \(d)") }
        print("sha256 \(packed.sha256), \(signer.map { "signed by key \($0)" } ?? "unsigned"), \(packed.fileSize) bytes\n")
        var table = TextTable([.init(title: "#", alignment: .right), .init(title: "node", alignment: .left),
                               .init(title: "op", alignment: .left), .init(title: "input", alignment: .left),
                               .init(title: "output", alignment: .left), .init(title: "kind", alignment: .left),
                               .init(title: "bytes", alignment: .right), .init(title: "MACs", alignment: .right)])
        for (i, r) in rows.enumerated() {
            table.append(["\(i)", r.node, r.op, r.inputs, r.output, r.kind, r.bytes > 0 ? "\(r.bytes)" : "-", r.macs > 0 ? "\(r.macs)" : "-"])
        }
        print(table.render())
        print("")
        print("weights: \(weightBytes) bytes packed vs \(fp32Bytes) bytes as FP32 (\(String(format: "%.1f", Double(fp32Bytes) / Double(max(weightBytes, 1))))× smaller)")
        print("MACs: \(macs) per inference, \(binaryMacs) binary (\(String(format: "%.1f", share * 100)) %)")
    }

    static func rows(_ packed: PackedModel) -> [Row] {
        packed.graph.nodes.enumerated().map { index, node in
            let names = node.op.tensorNames
            var bytes = 0, fp32 = 0
            for n in names {
                guard let t = packed.tensor(n) else { continue }
                bytes += t.entry.length
                fp32 += t.entry.type == .bits ? t.entry.shape.reduce(1, *) * 4 : t.entry.length
            }
            let output = packed.values[node.output]!
            let macs = packed.macs(ofNode: index)
            let kind = node.op.isBinary ? "binary" : (macs > 0 ? "fp32" : "-")
            return Row(node: node.name, op: node.op.kind.rawValue,
                       inputs: node.inputs.map { "\(packed.values[$0]!)" }.joined(separator: " + "), output: "\(output)",
                       kind: kind, bytes: bytes, fp32Bytes: fp32, macs: macs, binary: node.op.isBinary)
        }
    }
}
