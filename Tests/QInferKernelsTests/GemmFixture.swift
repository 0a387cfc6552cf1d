import QInferKernels
import QInferRandom

/// Random operands of one binary GEMM, owned for the fixture's lifetime so C sees stable pointers.
final class GemmFixture {
    let m: Int, n: Int, k: Int, kw: Int, lda: Int, ldo: Int
    let a: UnsafeMutablePointer<UInt64>
    let weightRows: UnsafeMutablePointer<UInt64>
    let panels: UnsafeMutablePointer<UInt64>
    let mul: UnsafeMutablePointer<Float>, bias: UnsafeMutablePointer<Float>
    let thresh: UnsafeMutablePointer<Int32>, flip: UnsafeMutablePointer<UInt64>
    let corrections: UnsafeMutablePointer<Int32>?
    let correctionRows: UnsafeMutablePointer<UnsafePointer<Int32>?>?
    private static let sentinel: UInt8 = 0xA5

    init(m: Int, n: Int, k: Int, seed: UInt64, padStrides: Bool = false, withCorrection: Bool = false) {
        var rng = SplitMix64(seed: seed)
        self.m = m; self.n = n; self.k = k
        kw = wordsFor(bits: k)
        lda = kw + (padStrides ? 3 : 0)
        ldo = n + (padStrides ? 5 : 0)
        let nr = roundToPanels(n)
        a = .allocate(capacity: m * lda)
        a.initialize(repeating: 0xDEAD_BEEF_DEAD_BEEF, count: m * lda) // garbage between rows must not matter
        for r in 0..<m { rng.packedRow(bits: k, into: a + r * lda) }
        weightRows = .allocate(capacity: n * kw)
        for c in 0..<n { rng.packedRow(bits: k, into: weightRows + c * kw) }
        panels = .allocate(capacity: Int(qk_panel_words(n, kw)))
        qk_pack_panels(weightRows, n, kw, panels)

        var maxCorrection = 0
        if withCorrection {
            let table = UnsafeMutablePointer<Int32>.allocate(capacity: m * nr)
            let rows = UnsafeMutablePointer<UnsafePointer<Int32>?>.allocate(capacity: m)
            for r in 0..<m {
                for c in 0..<nr { table[r * nr + c] = Int32(rng.int(-9...9)) }
                rows[r] = r % 3 == 1 ? nil : UnsafePointer(table + r * nr)
            }
            corrections = table
            correctionRows = rows
            maxCorrection = 9
        } else {
            corrections = nil
            correctionRows = nil
        }

        // Per-channel arrays have whole panels; the padding holds garbage that must be ignored.
        mul = .allocate(capacity: nr); bias = .allocate(capacity: nr)
        thresh = .allocate(capacity: nr); flip = .allocate(capacity: wordsFor(bits: nr))
        flip.initialize(repeating: 0, count: wordsFor(bits: nr))
        for c in 0..<nr {
            guard c < n else {
                mul[c] = .nan; bias[c] = .infinity; thresh[c] = Int32.min + 7
                flip[c / 64] |= UInt64(1) << UInt64(c % 64)
                continue
            }
            switch c % 7 {
            case 0: mul[c] = 0 // constant channel
            case 1: mul[c] = -rng.float(0.01...2) // a negative BatchNorm scale flips the direction
            default: mul[c] = rng.float(0.01...2)
            }
            bias[c] = rng.float(-1...1) * Float(k) * 0.3
            var t: Int32 = 0
            var f: Int32 = 0
            qk_threshold_from_affine(mul[c], bias[c], Int32(k + maxCorrection), &t, &f)
            thresh[c] = t
            if f != 0 { flip[c / 64] |= UInt64(1) << UInt64(c % 64) }
        }
    }

    deinit {
        a.deallocate(); weightRows.deallocate(); panels.deallocate()
        mul.deallocate(); bias.deallocate(); thresh.deallocate(); flip.deallocate()
        corrections?.deallocate(); correctionRows?.deallocate()
    }

    /// Row stride of the output: elements for int32/float, words for packed bits (padded when ldo > n).
    func outputStride(_ kind: qk_out_kind) -> Int {
        kind == QK_OUT_BITS ? wordsFor(bits: n) + (ldo - n) / 2 : ldo
    }

    func outputBytes(_ kind: qk_out_kind) -> Int {
        m * outputStride(kind) * (kind == QK_OUT_BITS ? 8 : 4)
    }

    /// Runs the GEMM and returns the whole output buffer, padding included (prefilled with a sentinel).
    func run(isa: qk_isa, kind: qk_out_kind, pool: OpaquePointer? = nil, threads: Int32 = 1) -> [UInt8] {
        var out = [UInt8](repeating: Self.sentinel, count: outputBytes(kind))
        out.withUnsafeMutableBytes { raw in
            var g = qk_bgemm_args()
            g.m = m; g.n = n; g.kw = kw; g.k_bits = Int32(k)
            g.a = UnsafePointer(a); g.lda = lda; g.w = UnsafePointer(panels)
            g.row_corr = correctionRows.map { UnsafePointer($0) }
            g.out.kind = kind
            g.out.mul = UnsafePointer(mul); g.out.bias = UnsafePointer(bias)
            g.out.thresh = UnsafePointer(thresh); g.out.flip = UnsafePointer(flip)
            g.out.out = raw.baseAddress
            g.out.ldo = outputStride(kind)
            if threads == 1 && pool == nil { qk_bgemm(isa, &g) } else { qk_bgemm_mt(isa, pool, threads, &g) }
        }
        return out
    }

    /// acc[m][n] from unpacked ±1 values, independent of every kernel.
    func naiveAccumulator(row: Int, channel: Int) -> Int32 {
        var acc: Int32 = 0
        for i in 0..<k { acc += bit(a + row * lda, i) == bit(weightRows + channel * kw, i) ? 1 : -1 }
        if let rows = correctionRows, let corr = rows[row] { acc -= corr[channel] }
        return acc
    }
}
