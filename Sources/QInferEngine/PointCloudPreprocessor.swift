import QInferModel

/// N×3 points → the model's [points, 3] input: subtract the centroid, scale into the unit sphere, then sample or
/// pad deterministically to the model's point count (the same cloud always gives the same input).
///
/// The result is bit-identical to the plain three-pass definition the tests keep as their reference (Double sums in
/// point order, radius = the largest distance, each value Float((Double(x) − mean) × (1 / radius)), the same source
/// point per output point): every value goes through the same floating-point operations in the same order. Only
/// the work around them differs — one output array instead of a centred copy, only sampled points normalized, four
/// points per SIMD step after the sums, and the radius as one square root of the largest squared distance (sqrt is
/// correctly rounded and monotonic, so sqrt(max q) = max sqrt(q)).
public struct PointCloudPreprocessor: Sendable {
    public let config: PointCloudPreprocessing

    public init(config: PointCloudPreprocessing) { self.config = config }

    /// - Parameter points: xyz interleaved, `points.count / 3` points, all finite.
    public func prepare(_ points: [Float]) throws(EngineError) -> [Float] {
        guard points.count % 3 == 0 else { throw EngineError("point data has \(points.count) values, not a multiple of 3") }
        let n = points.count / 3
        guard n > 0 else { throw EngineError("the point cloud has no points") }
        if !points.withUnsafeBufferPointer({ PointCloudPasses.allFinite($0) }), let bad = points.firstIndex(where: { !$0.isFinite }) {
            throw EngineError("point \(bad / 3) has a non-finite coordinate (\(points[bad]))")
        }
        let target = max(config.points, 0)
        let normalize = config.normalization == .unitSphere
        return [Float](unsafeUninitializedCapacity: target * 3) { out, written in
            points.withUnsafeBufferPointer { src in
                let p = src.baseAddress!, o = out.baseAddress!
                if normalize {
                    let mean = PointCloudPasses.sums(p, n) / Double(n)
                    let radius = PointCloudPasses.largestSquaredDistance(p, n, mean: mean).squareRoot()
                    let scale = radius > 0 ? 1 / radius : 1 // a single point (or all identical) stays at the origin
                    if n == target {
                        PointCloudPasses.normalize(p, n, mean: mean, scale: scale, into: o)
                    } else {
                        Self.writeNormalized(p, n, into: o, target, mean: mean, scale: scale)
                    }
                } else {
                    Self.writeSampled(p, n, into: o, target)
                }
            }
            written = target * 3
        }
    }

    /// Uniform stride when there are more points than the model takes; cyclic repetition when fewer (repeating
    /// points leaves max-pooled features unchanged). The same source index for output point i as the definition.
    @inline(__always)
    private static func source(_ i: Int, _ n: Int, _ target: Int) -> Int { n >= target ? i * n / target : i % n }

    private static func writeNormalized(_ p: UnsafePointer<Float>, _ n: Int, into o: UnsafeMutablePointer<Float>, _ target: Int,
                                        mean: SIMD3<Double>, scale: Double) {
        let m0 = mean.x, m1 = mean.y, m2 = mean.z
        for i in 0..<target {
            let s = source(i, n, target)
            o[3 * i] = Float((Double(p[3 * s]) - m0) * scale)
            o[3 * i + 1] = Float((Double(p[3 * s + 1]) - m1) * scale)
            o[3 * i + 2] = Float((Double(p[3 * s + 2]) - m2) * scale)
        }
    }

    private static func writeSampled(_ p: UnsafePointer<Float>, _ n: Int, into o: UnsafeMutablePointer<Float>, _ target: Int) {
        for i in 0..<target {
            let s = source(i, n, target)
            o[3 * i] = p[3 * s]; o[3 * i + 1] = p[3 * s + 1]; o[3 * i + 2] = p[3 * s + 2]
        }
    }
}
