#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QInferEngine
import QInferModel

/// The same graph in plain FP32, slow and obviously correct: binary weights are unpacked to ±1 floats, a `bits`
/// value is held as ±1 floats (sign(x), with sign(0) = +1), and binary layers are ordinary float dot products over
/// them (exact: the sums are small integers). It shares no code with the kernels, and is the yardstick the engine
/// is tested against; test support holds it because nothing shipped runs it.
public struct ReferenceExecutor {
    public let model: PackedModel

    public init(model: PackedModel) { self.model = model }

    public func run(_ input: [Float]) throws(EngineError) -> [Float] {
        var values: [String: [Float]] = [model.graph.input: input]
        guard input.count == model.values[model.graph.input]!.elementCount else {
            throw EngineError("input has \(input.count) values, needs \(model.values[model.graph.input]!.elementCount)")
        }
        for node in model.graph.nodes {
            let x = values[node.inputs[0]]!, xi = model.values[node.inputs[0]]!, yi = model.values[node.output]!
            if case .concat(let c) = node.op {
                values[node.output] = concat(node.inputs.map { (values[$0]!, model.values[$0]!) }, axis: c.axis, outer: yi.shape[..<c.axis].reduce(1, *))
                continue
            }
            values[node.output] = evaluate(node, x, xi, yi, second: node.inputs.count > 1 ? values[node.inputs[1]] : nil)
        }
        return values[model.graph.output]!
    }

    private func concat(_ parts: [([Float], ValueInfo)], axis: Int, outer: Int) -> [Float] {
        var out: [Float] = []
        for o in 0..<outer {
            for (v, info) in parts {
                let n = info.shape[axis...].reduce(1, *)
                out += v[(o * n)..<((o + 1) * n)]
            }
        }
        return out
    }

    private func floats(_ name: String) -> [Float] {
        let b = model.tensor(name)!.bytes
        return (0..<(b.count / 4)).map { b.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self) }
    }

    private func ints(_ name: String) -> [Int32] {
        let b = model.tensor(name)!.bytes
        return (0..<(b.count / 4)).map { b.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self) }
    }

    /// Weights of a bits tensor as ±1 floats, shape [channels, …, c] row-major, read back from the panel layout.
    private func signs(_ name: String) -> [Float] {
        let (entry, bytes) = model.tensor(name)!
        let c = entry.shape.last!, rowsPerChannel = entry.shape.dropFirst().dropLast().reduce(1, *)
        let cw = (c + 63) / 64, kw = rowsPerChannel * cw
        var out: [Float] = []
        out.reserveCapacity(entry.shape.reduce(1, *))
        for ch in 0..<entry.shape[0] {
            for row in 0..<rowsPerChannel {
                for i in 0..<c {
                    let k = row * cw + i / 64
                    let word = bytes.loadUnaligned(fromByteOffset: ((ch / 8 * kw + k) * 8 + ch % 8) * 8, as: UInt64.self)
                    out.append((word >> UInt64(i % 64)) & 1 == 1 ? -1 : 1)
                }
            }
        }
        return out
    }

    private func evaluate(_ node: Node, _ x: [Float], _ xi: ValueInfo, _ yi: ValueInfo, second: [Float]?) -> [Float] {
        switch node.op {
        case .dense(let a):
            let w = floats(a.weights), bias = a.bias.map(floats)
            let k = xi.shape.last!, n = yi.shape.last!, rows = xi.elementCount / k
            var y = [Float](repeating: 0, count: rows * n)
            for r in 0..<rows {
                for j in 0..<n {
                    var acc: Float = 0
                    for i in 0..<k { acc += x[r * k + i] * w[j * k + i] }
                    y[r * n + j] = bias.map { acc + $0[j] } ?? acc
                }
            }
            return y
        case .conv2d(let a):
            let shape = model.tensor(a.weights)!.entry.shape
            return convolve(x, xi, weights: floats(a.weights), shape: shape, stride: a.stride, pad: a.pad, padValue: nil,
                            bias: a.bias.map(floats), yi: yi)
        case .signPack:
            return x.map { $0 < 0 ? -1 : 1 }
        case .binaryDense(let a):
            let w = signs(a.weights)
            let k = xi.shape.last!, n = yi.shape.last!, rows = xi.elementCount / k
            var acc = [Float](repeating: 0, count: rows * n)
            for r in 0..<rows {
                for j in 0..<n {
                    var sum: Float = 0
                    for i in 0..<k { sum += x[r * k + i] * w[j * k + i] }
                    acc[r * n + j] = sum
                }
            }
            return binaryOutput(acc, a.output, n: n)
        case .binaryConv2d(let a):
            let shape = model.tensor(a.weights)!.entry.shape
            let acc = convolve(x, xi, weights: signs(a.weights), shape: shape, stride: a.stride, pad: a.pad,
                               padValue: a.padValue == .one ? 1 : 0, bias: nil, yi: yi)
            return binaryOutput(acc, a.output, n: shape[0])
        case .affine(let a):
            let mul = floats(a.mul), add = floats(a.add), c = mul.count
            return x.enumerated().map { i, v in
                let scaled = v * mul[i % c]
                return scaled + add[i % c]
            }
        case .scale(let s): return x.map { $0 * s.value }
        case .hardtanh(let clip): return x.map { min(max($0, clip.min), clip.max) }
        case .relu: return x.map { $0 > 0 ? $0 : 0 }
        case .pointMaxPool(let p):
            let c = xi.shape[1]
            return (0..<c).map { j in (0..<xi.shape[0]).map { x[$0 * c + j] }.max()! + p.offset }
        case .maxPool2d(let p), .avgPool2d(let p):
            let isMax: Bool
            if case .maxPool2d = node.op { isMax = true } else { isMax = false }
            let (h, w, c) = (xi.shape[0], xi.shape[1], xi.shape[2])
            var y: [Float] = []
            for oy in 0..<yi.shape[0] {
                for ox in 0..<yi.shape[1] {
                    for j in 0..<c {
                        var window: [Float] = []
                        for ky in 0..<p.kernel {
                            for kx in 0..<p.kernel {
                                let iy = oy * p.stride + ky - p.pad.top, ix = ox * p.stride + kx - p.pad.left
                                if iy >= 0 && iy < h && ix >= 0 && ix < w { window.append(x[(iy * w + ix) * c + j]) }
                            }
                        }
                        if isMax {
                            y.append(window.max() ?? -.infinity)
                        } else {
                            let sum = window.reduce(Float(0), +)
                            y.append(sum / Float(p.countIncludePad ? p.kernel * p.kernel : max(window.count, 1)))
                        }
                    }
                }
            }
            return y
        case .globalAvgPool:
            let c = xi.shape.last!, pixels = xi.elementCount / c
            return (0..<c).map { j in (0..<pixels).reduce(Float(0)) { $0 + x[$1 * c + j] } / Float(pixels) }
        case .add: return zip(x, second!).map { $0 + $1 }
        case .shortcutA(let s):
            let (w, c) = (xi.shape[1], xi.shape[2])
            let oc = yi.shape[2], before = (oc - c) / 2
            var y: [Float] = []
            for oy in 0..<yi.shape[0] {
                for ox in 0..<yi.shape[1] {
                    for j in 0..<oc {
                        y.append(j >= before && j < before + c ? x[(oy * s.stride * w + ox * s.stride) * c + j - before] : 0)
                    }
                }
            }
            return y
        case .flatten, .reshape: return x
        case .concat: return [] // handled in run()
        case .sign: return x.map { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) }
        case .softmax:
            let peak = x.max()!
            let e = x.map { expf($0 - peak) }
            let total = e.reduce(Float(0), +)
            return e.map { $0 / total }
        }
    }

    /// Plain NHWC convolution; `padValue` nil skips padded taps (FP32 zero padding), else they read that value.
    private func convolve(_ x: [Float], _ xi: ValueInfo, weights: [Float], shape: [Int], stride: Int, pad: Padding2D,
                          padValue: Float?, bias: [Float]?, yi: ValueInfo) -> [Float] {
        let (h, w, c) = (xi.shape[0], xi.shape[1], xi.shape[2])
        let (n, kh, kw) = (shape[0], shape[1], shape[2])
        var y: [Float] = []
        for oy in 0..<yi.shape[0] {
            for ox in 0..<yi.shape[1] {
                for o in 0..<n {
                    var acc: Float = 0
                    for ky in 0..<kh {
                        for kx in 0..<kw {
                            let iy = oy * stride + ky - pad.top, ix = ox * stride + kx - pad.left
                            let inside = iy >= 0 && iy < h && ix >= 0 && ix < w
                            if !inside && padValue == nil { continue }
                            for ch in 0..<c {
                                let v = inside ? x[(iy * w + ix) * c + ch] : padValue!
                                acc += v * weights[((o * kh + ky) * kw + kx) * c + ch]
                            }
                        }
                    }
                    y.append(bias.map { acc + $0[o] } ?? acc)
                }
            }
        }
        return y
    }

    /// Affine: acc·mul + bias (two roundings). Threshold: the ±1 sign the kernels' integer compare defines.
    private func binaryOutput(_ acc: [Float], _ output: BinaryOutput, n: Int) -> [Float] {
        switch output {
        case .affine(let mulName, let biasName):
            let mul = floats(mulName), bias = floats(biasName)
            return acc.enumerated().map { i, a in
                let scaled = a * mul[i % n]
                return scaled + bias[i % n]
            }
        case .threshold(let threshName, let flipName):
            let thresh = ints(threshName), flip = ints(flipName)
            return acc.enumerated().map { i, a in
                let negative = (Int32(a) < thresh[i % n]) != (flip[i % n] != 0)
                return negative ? -1 : 1
            }
        }
    }
}
