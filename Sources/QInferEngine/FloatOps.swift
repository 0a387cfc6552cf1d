#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The float operations between binary layers. Each loop's arithmetic order is the one the reference executor (in
/// test support) uses, so the engine and the reference agree exactly.
enum FloatOps {
    static func affine(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int, c: Int,
                       mul: UnsafePointer<Float>, add: UnsafePointer<Float>) {
        for r in 0..<rows {
            for j in 0..<c {
                let scaled = x[r * c + j] * mul[j]
                y[r * c + j] = scaled + add[j]
            }
        }
    }

    static func pointMaxPool(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, points: Int, c: Int, offset: Float) {
        for j in 0..<c {
            var best = x[j]
            for p in 1..<max(points, 1) where x[p * c + j] > best { best = x[p * c + j] }
            y[j] = best + offset
        }
    }

    static func maxPool2d(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ g: PoolGeometry) {
        for oy in 0..<g.oh {
            for ox in 0..<g.ow {
                for j in 0..<g.c {
                    var best = -Float.infinity
                    for ky in 0..<g.kernel {
                        let iy = oy * g.stride + ky - g.padTop
                        guard iy >= 0 && iy < g.h else { continue }
                        for kx in 0..<g.kernel {
                            let ix = ox * g.stride + kx - g.padLeft
                            guard ix >= 0 && ix < g.w else { continue }
                            let v = x[(iy * g.w + ix) * g.c + j]
                            if v > best { best = v }
                        }
                    }
                    y[(oy * g.ow + ox) * g.c + j] = best
                }
            }
        }
    }

    static func avgPool2d(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ g: PoolGeometry, countIncludePad: Bool) {
        for oy in 0..<g.oh {
            for ox in 0..<g.ow {
                for j in 0..<g.c {
                    var sum: Float = 0
                    var count = 0
                    for ky in 0..<g.kernel {
                        let iy = oy * g.stride + ky - g.padTop
                        guard iy >= 0 && iy < g.h else { continue }
                        for kx in 0..<g.kernel {
                            let ix = ox * g.stride + kx - g.padLeft
                            guard ix >= 0 && ix < g.w else { continue }
                            sum += x[(iy * g.w + ix) * g.c + j]
                            count += 1
                        }
                    }
                    let divisor = countIncludePad ? g.kernel * g.kernel : max(count, 1)
                    y[(oy * g.ow + ox) * g.c + j] = sum / Float(divisor)
                }
            }
        }
    }

    /// Pixel-major so the rows are read in memory order (and the adds vectorize across channels); each channel
    /// still sums its pixels in ascending order, as the reference does.
    static func globalAvgPool(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, pixels: Int, c: Int) {
        y.update(repeating: 0, count: c)
        for p in 0..<pixels {
            let row = x + p * c
            for j in 0..<c { y[j] += row[j] }
        }
        let n = Float(pixels)
        for j in 0..<c { y[j] /= n }
    }

    static func shortcutA(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, h: Int, w: Int, c: Int, stride: Int,
                          oh: Int, ow: Int, oc: Int) {
        let before = (oc - c) / 2
        for oy in 0..<oh {
            for ox in 0..<ow {
                let out = y + (oy * ow + ox) * oc
                let src = x + (oy * stride * w + ox * stride) * c
                for j in 0..<oc { out[j] = j >= before && j < before + c ? src[j - before] : 0 }
            }
        }
    }

    /// Softmax with the maximum subtracted first, so large logits do not overflow exp.
    static func softmax(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        var peak = -Float.infinity
        for i in 0..<count where x[i] > peak { peak = x[i] }
        var total: Float = 0
        for i in 0..<count {
            y[i] = expf(x[i] - peak)
            total += y[i]
        }
        for i in 0..<count { y[i] /= total }
    }
}
