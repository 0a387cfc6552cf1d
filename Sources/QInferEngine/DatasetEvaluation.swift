import QInferInputFormats

/// Accuracy of a model over a labelled test set held as one batch tensor ([T, …] images or point clouds): every
/// sample goes through the model's own preprocessing, exactly as a single request would.
public struct DatasetEvaluation: Sendable {
    public var correct: Int
    public var total: Int
    /// confusion[label][predicted]
    public var confusion: [[Int]]

    public var accuracy: Double { total > 0 ? Double(correct) / Double(total) : 0 }

    public static func run(engine: Engine, samples: Tensor, labels: [Float]) throws(EngineError) -> DatasetEvaluation {
        guard let t = samples.shape.first, t > 0 else { throw EngineError("the test set has no samples (shape \(samples.shape))") }
        guard labels.count == t else { throw EngineError("\(labels.count) labels for \(t) samples") }
        let classes = engine.outputCount
        var result = DatasetEvaluation(correct: 0, total: 0, confusion: Array(repeating: Array(repeating: 0, count: classes), count: classes))
        let preparer = InputPreparer(metadata: engine.model.metadata)
        let sampleShape = Array(samples.shape.dropFirst())
        let per = sampleShape.reduce(1, *)
        var scores = [Float](repeating: 0, count: classes)
        for i in 0..<t {
            guard let label = Int(exactly: labels[i]), (0..<classes).contains(label) else {
                throw EngineError("label \(i) = \(labels[i]) is not a class index below \(classes)")
            }
            let storage: Tensor.Storage
            switch samples.storage {
            case .float32(let v): storage = .float32(Array(v[(i * per)..<((i + 1) * per)]))
            case .uint8(let v): storage = .uint8(Array(v[(i * per)..<((i + 1) * per)]))
            }
            let input = try preparer.prepare(.tensor(Tensor(shape: sampleShape, storage: storage)))
            try input.withUnsafeBufferPointer { (x) throws(EngineError) in
                try scores.withUnsafeMutableBufferPointer { (y) throws(EngineError) in try engine.run(input: x, output: y) }
            }
            let predicted = topK(scores, k: 1)[0].index
            result.confusion[label][predicted] += 1
            result.total += 1
            if predicted == label { result.correct += 1 }
        }
        return result
    }
}
