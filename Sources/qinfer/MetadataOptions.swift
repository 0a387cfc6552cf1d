// Model metadata for `qinfer pack`: flags first, then the ONNX metadata_props (qinfer.*), then what the graph implies.
import ArgumentParser
import Foundation
import QInferModel
import QInferONNX

struct MetadataOptions: ParsableArguments {
    @Option(help: "Model name (default: qinfer.name, else the file name).") var name: String?
    @Option(help: "Model version (default: qinfer.version, else 1).") var version: String?
    @Option(help: "pointcloud-classification, image-classification or tensor (default: qinfer.task, else from the input shape).")
    var task: String?
    // A tensor model's outputs need not be classes, so none are invented for it; answers then name outputs by index.
    @Option(help: """
        Class labels, comma-separated, one per output (default: qinfer.labels, else class_0, class_1, … for a classifier; \
        a --task tensor model gets none, and answers name its outputs by index: 0, 1, …).
        """) var labels: String?
    @Option(name: .customLong("labels-file"), help: "A file with one label per line.") var labelsFile: String?
    @Option(help: "Point clouds: unit_sphere or none (default unit_sphere).") var normalization: String?
    @Option(name: .customLong("channel-order"), help: "Frames: gray, rgb or bgr (default gray for 1 channel, else rgb).")
    var channelOrder: String?
    @Option(help: "Frames: per-channel mean after x/255, comma-separated (default 0).") var mean: String?
    @Option(help: "Frames: per-channel std after x/255, comma-separated (default 1).") var std: String?
    @Option(help: "Free text stored with the model.") var description: String?

    func resolve(for imported: ImportedModel, onnxPath: String) throws -> ModelMetadata {
        let props = imported.metadataProps
        func pick(_ flag: String?, _ key: String) -> String? { flag ?? props["qinfer.\(key)"] }
        let shape = imported.inputLayout.irShape
        let stem = ((onnxPath as NSString).lastPathComponent as NSString).deletingPathExtension

        let taskName = pick(task, "task") ?? Self.guessTask(shape).rawValue
        guard let task = ModelMetadata.Task(rawValue: taskName) else {
            throw ValidationError("task '\(taskName)' is not pointcloud-classification, image-classification or tensor")
        }
        var labelList: [String]
        if let labelsFile {
            guard let text = try? String(contentsOfFile: labelsFile, encoding: .utf8) else { throw CLIError("cannot read \(labelsFile)") }
            labelList = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        } else if let text = pick(labels, "labels") {
            labelList = Self.parseList(text)
        } else {
            labelList = task == .tensor ? [] : (0..<imported.outputCount).map { "class_\($0)" }
        }
        if task != .tensor || !labelList.isEmpty {
            guard labelList.count == imported.outputCount else {
                throw CLIError("\(labelList.count) labels given, the model outputs \(imported.outputCount) scores")
            }
        }

        var preprocessing = Preprocessing()
        switch task {
        case .pointCloudClassification:
            guard shape.count == 2, shape[1] == 3 else { throw CLIError("a point-cloud model needs an [N, 3] input; this one is \(shape)") }
            let normName = pick(normalization, "normalization") ?? "unit_sphere"
            guard let norm = PointCloudPreprocessing.Normalization(rawValue: normName) else {
                throw ValidationError("normalization '\(normName)' is not unit_sphere or none")
            }
            preprocessing.pointCloud = PointCloudPreprocessing(points: shape[0], normalization: norm)
        case .imageClassification:
            guard shape.count == 3, shape[2] == 1 || shape[2] == 3 else {
                throw CLIError("an image model needs an [H, W, 1 or 3] input (ONNX [1, C, H, W]); this one is \(shape)")
            }
            let orderName = pick(channelOrder, "channel_order") ?? (shape[2] == 1 ? "gray" : "rgb")
            guard let order = FramePreprocessing.ChannelOrder(rawValue: orderName) else {
                throw ValidationError("channel order '\(orderName)' is not gray, rgb or bgr")
            }
            let channels = order == .gray ? 1 : 3
            guard channels == shape[2] else { throw CLIError("channel order \(orderName) has \(channels) channels, the input has \(shape[2])") }
            let m = try Self.floats(pick(mean, "mean"), what: "mean", count: channels, default: 0)
            let s = try Self.floats(pick(std, "std"), what: "std", count: channels, default: 1)
            preprocessing.frame = FramePreprocessing(width: shape[1], height: shape[0], channelOrder: order, mean: m, std: s)
        case .tensor:
            break
        }
        return ModelMetadata(name: pick(name, "name") ?? stem, version: pick(version, "version") ?? "1", task: task,
                             labels: labelList, input: InputSignature(name: imported.inputName, shape: shape),
                             preprocessing: preprocessing, description: pick(description, "description"),
                             producer: "qinfer pack")
    }

    static func guessTask(_ shape: [Int]) -> ModelMetadata.Task {
        if shape.count == 2 && shape[1] == 3 { return .pointCloudClassification }
        if shape.count == 3 && (shape[2] == 1 || shape[2] == 3) { return .imageClassification }
        return .tensor
    }

    /// A JSON array of strings, or comma-separated text.
    static func parseList(_ text: String) -> [String] {
        if let data = text.data(using: .utf8), let array = try? JSONSerialization.jsonObject(with: data) as? [String] { return array }
        return text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    }

    static func floats(_ text: String?, what: String, count: Int, default value: Float) throws -> [Float] {
        guard let text else { return [Float](repeating: value, count: count) }
        let parts = parseList(text).map { Float($0) }
        guard parts.allSatisfy({ $0 != nil && $0!.isFinite }) else { throw ValidationError("--\(what) \(text) is not a list of numbers") }
        let values = parts.map { $0! }
        if values.count == 1 { return [Float](repeating: values[0], count: count) }
        guard values.count == count else { throw ValidationError("--\(what) has \(values.count) values, the input has \(count) channels") }
        return values
    }
}
