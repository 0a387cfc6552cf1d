// One model of `bench speedup` and its baselines' files: the FP32 twin (named, or the one *-fp32.onnx beside the
// .qpack) and the binary ONNX (only when named, or found by --all as <stem>.onnx beside it).
import Foundation

struct SpeedupTarget {
    let qpack: String
    /// nil when the model has no twin beside it and none was named.
    let twin: String?
    let binaryONNX: String?
    /// Why there is no twin, for the report's missing baselines.
    let twinNote: String?

    init(qpack: String, twin: String?, binaryONNX: String?) throws {
        let fm = FileManager.default
        guard fm.fileExists(atPath: qpack) else { throw CLIError("\(qpack): no such file") }
        if let twin {
            guard fm.fileExists(atPath: twin) else { throw CLIError("--twin \(twin): no such file") }
            self.twin = twin
            twinNote = nil
        } else {
            let dir = (qpack as NSString).deletingLastPathComponent
            let siblings = ((try? fm.contentsOfDirectory(atPath: dir.isEmpty ? "." : dir)) ?? []).filter { $0.hasSuffix("-fp32.onnx") }.sorted()
            if siblings.count == 1 {
                self.twin = dir.isEmpty ? siblings[0] : "\(dir)/\(siblings[0])"
                twinNote = nil
            } else {
                self.twin = nil
                twinNote = siblings.isEmpty
                    ? "FP32 twin: no *-fp32.onnx beside \(qpack); name one with --twin"
                    : "FP32 twin: \(siblings.count) *-fp32.onnx files beside \(qpack) (\(siblings.joined(separator: ", "))); name one with --twin"
            }
        }
        if let binaryONNX, !fm.fileExists(atPath: binaryONNX) { throw CLIError("--binary-onnx \(binaryONNX): no such file") }
        self.binaryONNX = binaryONNX
        self.qpack = qpack
    }
}
