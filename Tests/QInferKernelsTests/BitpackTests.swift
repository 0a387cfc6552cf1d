import QInferKernels
import Testing
import QInferRandom

@Suite struct BitpackTests {
    static let widths = [1, 7, 31, 63, 64, 65, 127, 128, 129, 200, 1000, 1100]

    /// Packs with every ISA into rows wider than needed, and checks each against the element-by-element rule.
    private func check<T>(_ values: [T], rows: Int, k: Int, ldx: Int, isNegative: (T) -> Bool,
                          pack: (qk_isa, UnsafePointer<T>, UnsafeMutablePointer<UInt64>, Int) -> Void) {
        let ldo = wordsFor(bits: k) + 2
        for isa in [QK_ISA_SCALAR] + KernelISAs.optimized {
            var out = [UInt64](repeating: 0x5A5A_5A5A_5A5A_5A5A, count: rows * ldo)
            values.withUnsafeBufferPointer { src in
                out.withUnsafeMutableBufferPointer { dst in pack(isa, src.baseAddress!, dst.baseAddress!, ldo) }
            }
            out.withUnsafeBufferPointer { o in
                for r in 0..<rows {
                    let row = o.baseAddress! + r * ldo
                    var wrong = 0
                    for i in 0..<(wordsFor(bits: k) * 64) {
                        let expected = i < k && isNegative(values[r * ldx + i])
                        if bit(row, i) != expected { wrong += 1 }
                    }
                    #expect(wrong == 0, "\(KernelISAs.name(isa)) K=\(k) row \(r): \(wrong) wrong bits")
                    #expect(row[wordsFor(bits: k)] == 0x5A5A_5A5A_5A5A_5A5A && row[wordsFor(bits: k) + 1] == 0x5A5A_5A5A_5A5A_5A5A,
                            "\(KernelISAs.name(isa)) K=\(k): wrote past the row")
                }
            }
        }
    }

    @Test("float rows: bit = x < 0 (−0.0 and NaN pack as +1)", arguments: widths)
    func floats(k: Int) {
        var rng = SplitMix64(seed: UInt64(k))
        let rows = 3, ldx = k + 5
        let specials: [Float] = [0, -0.0, .nan, -.infinity, .infinity, -Float.leastNonzeroMagnitude, Float.leastNonzeroMagnitude]
        let values = (0..<(rows * ldx)).map { i -> Float in
            i % 5 == 0 ? specials[i / 5 % specials.count] : rng.float(-1...1)
        }
        check(values, rows: rows, k: k, ldx: ldx, isNegative: { $0 < 0 }) { isa, x, out, ldo in
            qk_bitpack_f32(isa, x, rows, k, ldx, out, ldo)
        }
    }
}
