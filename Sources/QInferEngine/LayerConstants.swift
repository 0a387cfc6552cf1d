import QInferKernels
import QInferModel

/// Per-channel arrays a binary layer's kernel reads, prepared once at load: padded to whole panels (the kernels
/// read them with vector loads), flip bits packed, zero-padding tap sums computed. Weights stay in the mapping.
final class LayerConstants {
    let storage: AlignedBuffer
    let mul: UnsafeMutablePointer<Float>?
    let bias: UnsafeMutablePointer<Float>?
    let thresh: UnsafeMutablePointer<Int32>?
    let flip: UnsafeMutablePointer<UInt64>?
    let tapSums: UnsafeMutablePointer<Int32>?

    init(model: PackedModel, output: BinaryOutput, channels n: Int, weights: UnsafePointer<UInt64>, tapsForZeroPad: Int?,
         inputChannels: Int) {
        let nr = qk_round_nr(n)
        var layout = BumpLayout()
        let mulAt = layout.reserve(nr * 4), biasAt = layout.reserve(nr * 4)
        let threshAt = layout.reserve(nr * 4), flipAt = layout.reserve(qk_words(nr) * 8)
        let tapsAt = layout.reserve((tapsForZeroPad ?? 0) * nr * 4)
        storage = AlignedBuffer(bytes: layout.size)
        let base = storage.base
        switch output {
        case .affine(let mulName, let biasName):
            let m = (base + mulAt).bindMemory(to: Float.self, capacity: nr)
            let b = (base + biasAt).bindMemory(to: Float.self, capacity: nr)
            Self.copy(model, mulName, into: UnsafeMutableRawPointer(m), count: n)
            Self.copy(model, biasName, into: UnsafeMutableRawPointer(b), count: n)
            mul = m; bias = b; thresh = nil; flip = nil
        case .threshold(let threshName, let flipName):
            let t = (base + threshAt).bindMemory(to: Int32.self, capacity: nr)
            Self.copy(model, threshName, into: UnsafeMutableRawPointer(t), count: n)
            let f = (base + flipAt).bindMemory(to: UInt64.self, capacity: qk_words(nr))
            let flips = model.tensor(flipName)!.bytes
            for j in 0..<n where flips.loadUnaligned(fromByteOffset: j * 4, as: Int32.self) != 0 {
                f[j / 64] |= UInt64(1) << UInt64(j % 64)
            }
            mul = nil; bias = nil; thresh = t; flip = f
        }
        if let taps = tapsForZeroPad {
            let sums = (base + tapsAt).bindMemory(to: Int32.self, capacity: taps * nr)
            qk_conv_tap_sums(weights, n, inputChannels, taps, sums)
            tapSums = sums
        } else {
            tapSums = nil
        }
    }

    private static func copy(_ model: PackedModel, _ name: String, into dst: UnsafeMutableRawPointer, count: Int) {
        let src = model.tensor(name)!.bytes
        dst.copyMemory(from: src.baseAddress!, byteCount: count * 4)
    }
}
