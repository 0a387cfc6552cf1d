// One label and one color per kind of variant, shared by report.md and the chart, so "orange" means the FP32 twin in
// onnxruntime in every model's panels and the legend can name each color once.
extension SpeedupVariant.Kind {
    /// Short description for legends and for ratios whose baseline variant is absent from the run.
    public var label: String {
        switch self {
        case .packed: "packed model, qinfer engine"
        case .onnxruntimeTwin: "FP32 twin, onnxruntime"
        case .onnxruntimeBinary: "binary ONNX as float, onnxruntime"
        case .engineTwin: "FP32 twin, qinfer FP32 path"
        }
    }

    /// Bar color (ColorBrewer Dark2: distinct for the common forms of color blindness, readable in print).
    var color: String {
        switch self {
        case .packed: "#1b9e77"
        case .onnxruntimeTwin: "#d95f02"
        case .onnxruntimeBinary: "#7570b3"
        case .engineTwin: "#e6ab02"
        }
    }
}

extension SpeedupRun {
    /// The variant a ratio was computed against: the first of its kind (nil when the run lacks it).
    public func variant(for baseline: SpeedupVariant.Kind) -> SpeedupVariant? {
        variants.first { $0.kind == baseline }
    }

    /// Labels for the run's variants: the name, plus the thread count where two variants share a name.
    func displayNames() -> [String] {
        variants.map { v in
            variants.filter { $0.name == v.name }.count > 1 ? "\(v.name) (\(v.threads) threads)" : v.name
        }
    }
}
