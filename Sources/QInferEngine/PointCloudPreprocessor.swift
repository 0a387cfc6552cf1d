import QInferModel

/// N×3 points → the model's [points, 3] input: subtract the centroid, scale into the unit sphere, then sample or
/// pad deterministically to the model's point count (the same cloud always gives the same input).
public struct PointCloudPreprocessor: Sendable {
    public let config: PointCloudPreprocessing

    public init(config: PointCloudPreprocessing) { self.config = config }

    /// - Parameter points: xyz interleaved, `points.count / 3` points, all finite.
    public func prepare(_ points: [Float]) throws(EngineError) -> [Float] {
        guard points.count % 3 == 0 else { throw EngineError("point data has \(points.count) values, not a multiple of 3") }
        let n = points.count / 3
        guard n > 0 else { throw EngineError("the point cloud has no points") }
        if let bad = points.firstIndex(where: { !$0.isFinite }) {
            throw EngineError("point \(bad / 3) has a non-finite coordinate (\(points[bad]))")
        }
        var centered = points
        if config.normalization == .unitSphere {
            // Double accumulators: a 100k-point cloud far from the origin would lose digits in Float.
            var sum = (0.0, 0.0, 0.0)
            for i in 0..<n { sum.0 += Double(points[3 * i]); sum.1 += Double(points[3 * i + 1]); sum.2 += Double(points[3 * i + 2]) }
            let mean = (sum.0 / Double(n), sum.1 / Double(n), sum.2 / Double(n))
            var radius = 0.0
            for i in 0..<n {
                let d = (Double(points[3 * i]) - mean.0, Double(points[3 * i + 1]) - mean.1, Double(points[3 * i + 2]) - mean.2)
                radius = max(radius, (d.0 * d.0 + d.1 * d.1 + d.2 * d.2).squareRoot())
            }
            let scale = radius > 0 ? 1 / radius : 1 // a single point (or all identical) stays at the origin
            for i in 0..<n {
                centered[3 * i] = Float((Double(points[3 * i]) - mean.0) * scale)
                centered[3 * i + 1] = Float((Double(points[3 * i + 1]) - mean.1) * scale)
                centered[3 * i + 2] = Float((Double(points[3 * i + 2]) - mean.2) * scale)
            }
        }
        // Uniform stride when there are more points than the model takes; cyclic repetition when fewer
        // (repeating points leaves max-pooled features unchanged).
        let target = config.points
        var out = [Float](repeating: 0, count: target * 3)
        for i in 0..<target {
            let src = n >= target ? i * n / target : i % n
            out[3 * i] = centered[3 * src]
            out[3 * i + 1] = centered[3 * src + 1]
            out[3 * i + 2] = centered[3 * src + 2]
        }
        return out
    }
}
