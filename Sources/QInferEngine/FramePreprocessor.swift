import QInferModel

/// u8 HWC frames → the model's [height, width, channels] input: channel conversion, bilinear resize with
/// half-pixel centres, then (x/255 − mean) / std per channel.
///
/// Bit-identical to the plain definition (kept in the tests as the reference): every output value goes through
/// the same Float operations in the same order. The work around them is what is lighter: no per-pixel arrays, the
/// column and row interpolation weights computed once instead of once per pixel, and a frame already at the
/// model's size skipping the resize, which is exact there (see `sameSize`).
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
        let mean = config.mean, std = config.std
        guard mean.count >= outC, std.count >= outC else {
            throw EngineError("frame preprocessing has \(config.mean.count) means and \(config.std.count) stds for \(outC) channels")
        }
        // Which source channel feeds output channel c when no luma is computed (BGR reverses RGB).
        let order = config.channelOrder == .bgr ? SIMD3(2, 1, 0) : SIMD3(0, 1, 2)
        let ow = config.width, oh = config.height
        return pixels.withUnsafeBufferPointer { src in
            if width == ow && height == oh && width < 1 << 22 && height < 1 << 22 {
                return Self.sameSize(src.baseAddress!, count: width * height, channels: channels, outC: outC, order: order,
                                     mean: mean, std: std)
            }
            return Self.resized(src.baseAddress!, width: width, height: height, channels: channels, outC: outC, order: order,
                                ow: ow, oh: oh, mean: mean, std: std)
        }
    }

    /// The value of output channel `c` of pixel `p` before resizing: gray replicated, BT.601 luma ((0.299 r + 0.587 g)
    /// + 0.114 b, what most grayscale datasets were made with), or one of the RGB bytes.
    @inline(__always)
    private static func converted(_ px: UnsafePointer<UInt8>, _ p: Int, _ c: Int, channels: Int, outC: Int, order: SIMD3<Int>) -> Float {
        if channels == 1 { return Float(px[p]) }
        if outC == 1 {
            let r = Float(px[3 * p]), g = Float(px[3 * p + 1]), b = Float(px[3 * p + 2])
            return 0.299 * r + 0.587 * g + 0.114 * b
        }
        return Float(px[3 * p + order[c]])
    }

    /// A frame at the model's size. The bilinear sample is exact there, so only the normalization remains: with
    /// sx = Float(w) / Float(w) = 1, fx = (Float(x) + 0.5) × 1 − 0.5 = x exactly (x < 2²²), so wx = 0 and the sample is
    /// c₀ × (1 − 0) + c₁ × 0 = c₀ + (+0) = c₀ for the finite, non-negative channel values c (the same for rows).
    private static func sameSize(_ px: UnsafePointer<UInt8>, count: Int, channels: Int, outC: Int, order: SIMD3<Int>,
                                 mean: [Float], std: [Float]) -> [Float] {
        [Float](unsafeUninitializedCapacity: count * outC) { out, written in
            let o = out.baseAddress!
            if channels == 1 && outC == 1 {
                // The common gray case: one loop the compiler vectorizes (same operations per lane).
                let m = mean[0], s = std[0]
                for p in 0..<count { o[p] = (Float(px[p]) / 255 - m) / s }
            } else {
                for c in 0..<outC {
                    let m = mean[c], s = std[c]
                    for p in 0..<count {
                        o[p * outC + c] = (converted(px, p, c, channels: channels, outC: outC, order: order) / 255 - m) / s
                    }
                }
            }
            written = count * outC
        }
    }

    /// Bilinear resize with half-pixel centres after the channel conversion at the source resolution (cheaper for
    /// downscaling, identical for gray↔gray).
    private static func resized(_ px: UnsafePointer<UInt8>, width: Int, height: Int, channels: Int, outC: Int, order: SIMD3<Int>,
                                ow: Int, oh: Int, mean: [Float], std: [Float]) -> [Float] {
        let conv = [Float](unsafeUninitializedCapacity: width * height * outC) { buffer, written in
            for p in 0..<(width * height) {
                for c in 0..<outC { buffer[p * outC + c] = converted(px, p, c, channels: channels, outC: outC, order: order) }
            }
            written = width * height * outC
        }
        let sx = Float(width) / Float(ow), sy = Float(height) / Float(oh)
        // Per column: the two source columns and the weight, with the same expressions as per pixel.
        var x0s = [Int](repeating: 0, count: ow), x1s = [Int](repeating: 0, count: ow), wxs = [Float](repeating: 0, count: ow)
        for x in 0..<ow {
            let fx = min(max((Float(x) + 0.5) * sx - 0.5, 0), Float(width - 1))
            let x0 = Int(fx)
            x0s[x] = x0; x1s[x] = min(x0 + 1, width - 1); wxs[x] = fx - Float(x0)
        }
        return [Float](unsafeUninitializedCapacity: ow * oh * outC) { out, written in
            conv.withUnsafeBufferPointer { cb in
                let cv = cb.baseAddress!
                for y in 0..<oh {
                    let fy = min(max((Float(y) + 0.5) * sy - 0.5, 0), Float(height - 1))
                    let y0 = Int(fy), y1 = min(y0 + 1, height - 1), wy = fy - Float(y0)
                    let row0 = cv + y0 * width * outC, row1 = cv + y1 * width * outC
                    for x in 0..<ow {
                        let a = x0s[x] * outC, b = x1s[x] * outC, wx = wxs[x]
                        for c in 0..<outC {
                            let top = row0[a + c] * (1 - wx) + row0[b + c] * wx
                            let bottom = row1[a + c] * (1 - wx) + row1[b + c] * wx
                            let value = top * (1 - wy) + bottom * wy
                            out[(y * ow + x) * outC + c] = (value / 255 - mean[c]) / std[c]
                        }
                    }
                }
            }
            written = ow * oh * outC
        }
    }
}
