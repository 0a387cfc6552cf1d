/// Weights that are ±α per output channel: what a Sign(W), a Libra-PB (W − mean)/std → Sign → × 2^k, or an
/// exported ±α initializer folds to. Such a layer computes α_o · (sign(x) ⊛ sign(W)) exactly.
struct BinaryWeights {
    /// Per output channel magnitude.
    var alpha: [Float]
    /// ±1 per weight, in the same order as the input weights.
    var signs: [Float]

    /// Checks ONNX weights whose output channel is axis `channelAxis` (0 for Conv and transB Gemm, 1 for B[K, N]).
    /// Returns nil with the reason when some channel is not ±α (zero, NaN, or more than one magnitude).
    static func match(_ w: [Float], shape: [Int], channelAxis: Int) -> (BinaryWeights?, reason: String) {
        guard shape.count >= 2, (0..<shape.count).contains(channelAxis) else { return (nil, "weights \(shape) are not a matrix or filter bank") }
        let n = shape[channelAxis]
        let inner = shape[(channelAxis + 1)...].reduce(1, *)
        var alpha = [Float](repeating: -1, count: n)
        var signs = [Float](repeating: 0, count: w.count)
        for (i, v) in w.enumerated() {
            let o = (i / inner) % n
            let m = abs(v)
            guard m > 0, m.isFinite else {
                return (nil, "output channel \(o) holds \(v): binary weights are ±α with α > 0 and finite")
            }
            if alpha[o] < 0 { alpha[o] = m } else if alpha[o] != m {
                return (nil, "output channel \(o) holds magnitudes \(alpha[o]) and \(m): not ±α per channel")
            }
            signs[i] = v < 0 ? -1 : 1
        }
        return (BinaryWeights(alpha: alpha, signs: signs), "")
    }
}
