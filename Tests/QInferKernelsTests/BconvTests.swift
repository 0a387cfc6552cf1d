import QInferKernels
import Testing
import QInferRandom

/// One random binary convolution: ±1 input and weights kept both as floats (for the plain reference) and packed.
final class ConvFixture {
    let h: Int, w: Int, c: Int, n: Int, kernel: Int, stride: Int, pad: Int, oh: Int, ow: Int
    let padding: qk_padding
    let input: [Float], weights: [Float] // [h][w][c], [n][ky][kx][c]
    let packedInput: UnsafeMutablePointer<UInt64>, panels: UnsafeMutablePointer<UInt64>
    let tapSums: UnsafeMutablePointer<Int32>
    let inner: GemmFixture // reuses its per-channel transform arrays

    init(h: Int, w: Int, c: Int, n: Int, kernel: Int, stride: Int, padding: qk_padding, seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        self.h = h; self.w = w; self.c = c; self.n = n; self.kernel = kernel; self.stride = stride
        self.padding = padding
        pad = kernel / 2
        oh = (h + 2 * pad - kernel) / stride + 1
        ow = (w + 2 * pad - kernel) / stride + 1
        input = (0..<(h * w * c)).map { _ in rng.next() & 1 == 0 ? 1 : -1 }
        weights = (0..<(n * kernel * kernel * c)).map { _ in rng.next() & 1 == 0 ? 1 : -1 }
        let cw = wordsFor(bits: c), taps = kernel * kernel, rowWords = taps * cw
        let packed = UnsafeMutablePointer<UInt64>.allocate(capacity: h * w * cw)
        input.withUnsafeBufferPointer { qk_bitpack_f32(QK_ISA_SCALAR, $0.baseAddress!, h * w, c, c, packed, cw) }
        packedInput = packed
        let rows = UnsafeMutablePointer<UInt64>.allocate(capacity: n * rowWords)
        defer { rows.deallocate() }
        // Each tap's channels start on a word boundary: pack per (channel, tap).
        weights.withUnsafeBufferPointer { qk_bitpack_f32(QK_ISA_SCALAR, $0.baseAddress!, n * taps, c, c, rows, cw) }
        panels = .allocate(capacity: Int(qk_panel_words(n, rowWords)))
        qk_pack_panels(rows, n, rowWords, panels)
        tapSums = .allocate(capacity: taps * roundToPanels(n))
        qk_conv_tap_sums(panels, n, c, taps, tapSums)
        inner = GemmFixture(m: 1, n: n, k: taps * c, seed: seed)
    }

    deinit { packedInput.deallocate(); panels.deallocate(); tapSums.deallocate() }

    /// The convolution in plain floats: padded pixels are +1 (one-padding) or 0 (zero-padding).
    func reference() -> [Int32] {
        var out = [Int32](repeating: 0, count: oh * ow * n)
        let padValue: Float = padding == QK_PAD_ONE ? 1 : 0
        for oy in 0..<oh {
            for ox in 0..<ow {
                for o in 0..<n {
                    var sum: Float = 0
                    for ky in 0..<kernel {
                        for kx in 0..<kernel {
                            let iy = oy * stride + ky - pad, ix = ox * stride + kx - pad
                            let inside = iy >= 0 && iy < h && ix >= 0 && ix < w
                            for ch in 0..<c {
                                let x = inside ? input[(iy * w + ix) * c + ch] : padValue
                                sum += x * weights[((o * kernel + ky) * kernel + kx) * c + ch]
                            }
                        }
                    }
                    out[(oy * ow + ox) * n + o] = Int32(sum)
                }
            }
        }
        return out
    }

    func run(isa: qk_isa, kind: qk_out_kind, pool: OpaquePointer? = nil, threads: Int32 = 1) -> [UInt8] {
        let stride = kind == QK_OUT_BITS ? wordsFor(bits: n) : n
        var out = [UInt8](repeating: 0xA5, count: oh * ow * stride * (kind == QK_OUT_BITS ? 8 : 4))
        var args = qk_bconv2d_args()
        args.h = h; args.w = w; args.c = c; args.in = UnsafePointer(packedInput)
        args.kh = kernel; args.kwid = kernel; args.stride = self.stride
        args.pad_top = pad; args.pad_left = pad; args.oh = oh; args.ow = ow
        args.padding = padding; args.n = n; args.weights = UnsafePointer(panels)
        args.tap_sums = UnsafePointer(tapSums)
        args.out.kind = kind
        args.out.mul = UnsafePointer(inner.mul); args.out.bias = UnsafePointer(inner.bias)
        args.out.thresh = UnsafePointer(inner.thresh); args.out.flip = UnsafePointer(inner.flip)
        args.out.ldo = stride
        let bytes = Int(qk_bconv2d_workspace_bytes(&args))
        let workspace = UnsafeMutableRawPointer.allocate(byteCount: max(bytes, 64), alignment: 64)
        defer { workspace.deallocate() }
        let status = out.withUnsafeMutableBytes { raw -> Int32 in
            args.out.out = raw.baseAddress
            return qk_bconv2d(isa, pool, threads, &args, workspace)
        }
        #expect(status == 0)
        return out
    }
}

struct ConvCase: Sendable, CustomTestStringConvertible {
    let h: Int, w: Int, c: Int, n: Int, kernel: Int, stride: Int
    var testDescription: String { "\(h)×\(w)×\(c)→\(n) k\(kernel) s\(stride)" }
}

let convCases: [ConvCase] = [
    ConvCase(h: 1, w: 1, c: 1, n: 1, kernel: 3, stride: 1),
    ConvCase(h: 2, w: 5, c: 3, n: 13, kernel: 3, stride: 1),
    ConvCase(h: 5, w: 5, c: 64, n: 8, kernel: 3, stride: 2),
    ConvCase(h: 7, w: 8, c: 65, n: 64, kernel: 3, stride: 1),
    ConvCase(h: 8, w: 7, c: 130, n: 13, kernel: 3, stride: 2),
    ConvCase(h: 14, w: 14, c: 64, n: 9, kernel: 3, stride: 2),
    ConvCase(h: 5, w: 7, c: 3, n: 8, kernel: 5, stride: 1),
    ConvCase(h: 7, w: 7, c: 33, n: 5, kernel: 5, stride: 2),
    ConvCase(h: 6, w: 6, c: 129, n: 17, kernel: 1, stride: 1),
    ConvCase(h: 6, w: 5, c: 100, n: 16, kernel: 1, stride: 2),
]

@Suite struct BconvTests {
    @Test("both paddings equal a plain float convolution on ±1 data, for every ISA", arguments: convCases)
    func matchesFloatConvolution(_ cc: ConvCase) {
        for padding in [QK_PAD_ONE, QK_PAD_ZERO] {
            let f = ConvFixture(h: cc.h, w: cc.w, c: cc.c, n: cc.n, kernel: cc.kernel, stride: cc.stride,
                                padding: padding, seed: UInt64(cc.h * 1000 + cc.c))
            let expected = f.reference()
            for isa in [QK_ISA_SCALAR] + KernelISAs.optimized {
                let got = f.run(isa: isa, kind: QK_OUT_INT32).withUnsafeBytes { Array($0.bindMemory(to: Int32.self)) }
                let wrong = zip(expected, got).filter { $0 != $1 }.count
                #expect(wrong == 0, "\(KernelISAs.name(isa)) padding=\(padding.rawValue): \(wrong) of \(expected.count) outputs differ")
            }
        }
    }

    @Test("float and packed-bit transforms match the reference ISA", arguments: convCases)
    func transformsMatchReference(_ cc: ConvCase) {
        for padding in [QK_PAD_ONE, QK_PAD_ZERO] {
            let f = ConvFixture(h: cc.h, w: cc.w, c: cc.c, n: cc.n, kernel: cc.kernel, stride: cc.stride,
                                padding: padding, seed: UInt64(cc.w * 7 + cc.n))
            for kind in [QK_OUT_FLOAT, QK_OUT_BITS] {
                let reference = f.run(isa: QK_ISA_SCALAR, kind: kind)
                for isa in KernelISAs.optimized {
                    #expect(firstDifference(reference, f.run(isa: isa, kind: kind)) == nil,
                            "\(KernelISAs.name(isa)) kind=\(kind.rawValue) padding=\(padding.rawValue)")
                }
            }
        }
    }
}
