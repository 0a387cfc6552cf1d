import QInferEngine
import QInferModel

/// The plain definitions of point-cloud and frame preprocessing, as the engine computed them before its passes were
/// made lean (issue 18). PreprocessingTests hold the engine's preprocessors to these bit for bit.
enum PreprocessingReference {
    static func pointCloud(_ points: [Float], config: PointCloudPreprocessing) throws(EngineError) -> [Float] {
        guard points.count % 3 == 0 else { throw EngineError("point data has \(points.count) values, not a multiple of 3") }
        let n = points.count / 3
        guard n > 0 else { throw EngineError("the point cloud has no points") }
        if let bad = points.firstIndex(where: { !$0.isFinite }) {
            throw EngineError("point \(bad / 3) has a non-finite coordinate (\(points[bad]))")
        }
        var centered = points
        if config.normalization == .unitSphere {
            var sum = (0.0, 0.0, 0.0)
            for i in 0..<n { sum.0 += Double(points[3 * i]); sum.1 += Double(points[3 * i + 1]); sum.2 += Double(points[3 * i + 2]) }
            let mean = (sum.0 / Double(n), sum.1 / Double(n), sum.2 / Double(n))
            var radius = 0.0
            for i in 0..<n {
                let d = (Double(points[3 * i]) - mean.0, Double(points[3 * i + 1]) - mean.1, Double(points[3 * i + 2]) - mean.2)
                radius = max(radius, (d.0 * d.0 + d.1 * d.1 + d.2 * d.2).squareRoot())
            }
            let scale = radius > 0 ? 1 / radius : 1
            for i in 0..<n {
                centered[3 * i] = Float((Double(points[3 * i]) - mean.0) * scale)
                centered[3 * i + 1] = Float((Double(points[3 * i + 1]) - mean.1) * scale)
                centered[3 * i + 2] = Float((Double(points[3 * i + 2]) - mean.2) * scale)
            }
        }
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

    static func frame(_ pixels: [UInt8], width: Int, height: Int, channels: Int, config: FramePreprocessing) -> [Float] {
        let outC = config.channels
        var converted = [Float](repeating: 0, count: width * height * outC)
        for p in 0..<(width * height) {
            if channels == 1 {
                for c in 0..<outC { converted[p * outC + c] = Float(pixels[p]) }
            } else if outC == 1 {
                let r = Float(pixels[3 * p]), g = Float(pixels[3 * p + 1]), b = Float(pixels[3 * p + 2])
                converted[p] = 0.299 * r + 0.587 * g + 0.114 * b
            } else {
                let order = config.channelOrder == .bgr ? [2, 1, 0] : [0, 1, 2]
                for c in 0..<3 { converted[p * 3 + c] = Float(pixels[3 * p + order[c]]) }
            }
        }
        let ow = config.width, oh = config.height
        var out = [Float](repeating: 0, count: ow * oh * outC)
        let sx = Float(width) / Float(ow), sy = Float(height) / Float(oh)
        for y in 0..<oh {
            let fy = min(max((Float(y) + 0.5) * sy - 0.5, 0), Float(height - 1))
            let y0 = Int(fy), y1 = min(y0 + 1, height - 1), wy = fy - Float(y0)
            for x in 0..<ow {
                let fx = min(max((Float(x) + 0.5) * sx - 0.5, 0), Float(width - 1))
                let x0 = Int(fx), x1 = min(x0 + 1, width - 1), wx = fx - Float(x0)
                for c in 0..<outC {
                    let top = converted[(y0 * width + x0) * outC + c] * (1 - wx) + converted[(y0 * width + x1) * outC + c] * wx
                    let bottom = converted[(y1 * width + x0) * outC + c] * (1 - wx) + converted[(y1 * width + x1) * outC + c] * wx
                    let value = top * (1 - wy) + bottom * wy
                    out[(y * ow + x) * outC + c] = (value / 255 - config.mean[c]) / config.std[c]
                }
            }
        }
        return out
    }
}
