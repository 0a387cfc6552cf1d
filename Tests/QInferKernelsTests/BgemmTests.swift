import QInferKernels
import Testing
import QInferRandom

/// Shapes over 1…1100 with the sizes that straddle word and panel edges (1, 63, 64, 65, 127, 129, 1000).
let gemmShapes: [(m: Int, n: Int, k: Int)] = {
    var shapes: [(Int, Int, Int)] = [
        (1, 1, 1), (1, 63, 64), (63, 64, 65), (64, 65, 127), (65, 127, 129), (127, 129, 1000), (129, 1000, 63),
        (1000, 1, 1100), (1000, 65, 129), (3, 1100, 200), (17, 9, 1), (5, 8, 64), (1100, 33, 7), (2, 7, 1024),
        (9, 16, 1100), (4, 64, 2047), (1024, 64, 64),
    ]
    var rng = SplitMix64(seed: 2)
    for _ in 0..<12 { shapes.append((rng.int(1...300), rng.int(1...300), rng.int(1...1100))) }
    return shapes
}()

let outputKinds: [qk_out_kind] = [QK_OUT_INT32, QK_OUT_FLOAT, QK_OUT_BITS]

private func kindName(_ kind: qk_out_kind) -> String {
    kind == QK_OUT_INT32 ? "int32" : kind == QK_OUT_FLOAT ? "float" : "bits"
}

/// Index of the first differing byte, for a readable failure.
func firstDifference(_ x: [UInt8], _ y: [UInt8]) -> Int? { zip(x, y).enumerated().first { $0.element.0 != $0.element.1 }?.offset }

@Suite struct BgemmTests {
    @Test("every ISA equals the scalar reference bit for bit", arguments: Array(gemmShapes.indices))
    func variantsMatchReference(shapeIndex: Int) {
        let s = gemmShapes[shapeIndex]
        for (variant, (padStrides, correction)) in [(false, false), (true, true)].enumerated() {
            let f = GemmFixture(m: s.m, n: s.n, k: s.k, seed: UInt64(shapeIndex * 10 + variant),
                                padStrides: padStrides, withCorrection: correction)
            for kind in outputKinds {
                let reference = f.run(isa: QK_ISA_SCALAR, kind: kind)
                for isa in KernelISAs.optimized {
                    let got = f.run(isa: isa, kind: kind)
                    let diff = firstDifference(reference, got)
                    #expect(diff == nil, "\(KernelISAs.name(isa)) \(kindName(kind)) M=\(s.m) N=\(s.n) K=\(s.k) strides=\(padStrides) corr=\(correction): first difference at byte \(diff ?? -1)")
                }
            }
        }
    }

    @Test("the reference's int32 output is the ±1 dot product", arguments: [(1, 1, 1), (5, 9, 65), (63, 17, 129), (7, 130, 1000), (33, 64, 64)])
    func referenceIsTheDotProduct(m: Int, n: Int, k: Int) {
        let f = GemmFixture(m: m, n: n, k: k, seed: 77, padStrides: true, withCorrection: true)
        let out = f.run(isa: QK_ISA_SCALAR, kind: QK_OUT_INT32)
        out.withUnsafeBytes { raw in
            let acc = raw.bindMemory(to: Int32.self)
            for r in 0..<m {
                for c in 0..<n {
                    #expect(acc[r * f.ldo + c] == f.naiveAccumulator(row: r, channel: c), "m=\(r) n=\(c)")
                }
                for c in n..<f.ldo { #expect(acc[r * f.ldo + c] == Int32(bitPattern: 0xA5A5_A5A5), "padding written at m=\(r) n=\(c)") }
            }
        }
    }

    @Test("packed-bit output is the sign of the float output, with zero tail bits", arguments: Array(gemmShapes.indices))
    func bitsAreSignOfAffine(shapeIndex: Int) {
        let s = gemmShapes[shapeIndex]
        let f = GemmFixture(m: s.m, n: s.n, k: s.k, seed: UInt64(500 + shapeIndex), withCorrection: shapeIndex % 2 == 0)
        let floats = f.run(isa: QK_ISA_SCALAR, kind: QK_OUT_FLOAT)
        let bits = f.run(isa: QK_ISA_SCALAR, kind: QK_OUT_BITS)
        let words = f.outputStride(QK_OUT_BITS)
        floats.withUnsafeBytes { fr in
            bits.withUnsafeBytes { br in
                let y = fr.bindMemory(to: Float.self), b = br.bindMemory(to: UInt64.self)
                for r in 0..<s.m {
                    let row = b.baseAddress! + r * words
                    var mismatches = 0
                    for c in 0..<s.n where bit(row, c) != !(y[r * f.ldo + c] >= 0) { mismatches += 1 }
                    #expect(mismatches == 0, "row \(r): \(mismatches) channels whose bit is not the sign of the affine output")
                    for i in s.n..<(wordsFor(bits: s.n) * 64) where bit(row, i) { Issue.record("tail bit \(i) set in row \(r)") }
                }
            }
        }
    }
}
