import QInferModel

/// u8 HWC frames → the model's [height, width, channels] input: channel conversion, bilinear resize with
/// half-pixel centres, then (x/255 − mean) / std per channel.
public struct FramePreprocessor: Sendable {
    public let config: FramePreprocessing

    public init(config: FramePreprocessing) { self.config = config }

    /// - Parameters:
    ///   - pixels: height × width × channels bytes, row-major.
    ///   - channels: 1 (gray) or 3 (RGB order).
    public func prepare(pixels: [UInt8], width: Int, height: Int, channels: Int) throws(EngineError) -> [Float] {
        guard width > 0, height > 0 else { throw EngineError("frame is \(width)×\(height); both sides must be positive") }
        guard channels == 1 || channels == 3 else { throw EngineError("frame has \(channels) channels; 1 (gray) or 3 (RGB) are accepted") }
        guard pixels.count == width * height * channels else {
            throw EngineError("frame data has \(pixels.count) bytes, \(width)×\(height)×\(channels) needs \(width * height * channels)")
        }
        let outC = config.channels
        // Convert channels first (at the source resolution): cheaper for downscaling, identical for gray↔gray.
        var converted = [Float](repeating: 0, count: width * height * outC)
        for p in 0..<(width * height) {
            if channels == 1 {
                for c in 0..<outC { converted[p * outC + c] = Float(pixels[p]) }
            } else if outC == 1 {
                // ITU-R BT.601 luma, what most grayscale datasets were made with
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
