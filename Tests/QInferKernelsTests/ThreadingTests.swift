import QInferKernels
import Testing

@Suite struct ThreadingTests {
    @Test("1–4 threads give identical GEMM results (row and panel splits)",
          arguments: [(1000, 65, 129), (3, 1100, 200), (1, 1000, 64), (64, 9, 1024), (7, 7, 7)])
    func gemmThreads(m: Int, n: Int, k: Int) throws {
        let pool = try #require(qk_pool_create(4))
        defer { qk_pool_destroy(pool) }
        let f = GemmFixture(m: m, n: n, k: k, seed: UInt64(m + n + k), withCorrection: true)
        for isa in [QK_ISA_SCALAR] + KernelISAs.optimized {
            for kind in outputKinds {
                let single = f.run(isa: isa, kind: kind)
                for threads: Int32 in 1...4 {
                    #expect(f.run(isa: isa, kind: kind, pool: pool, threads: threads) == single,
                            "\(KernelISAs.name(isa)) kind=\(kind.rawValue) threads=\(threads)")
                }
            }
        }
    }

    @Test("1–4 threads give identical convolution results")
    func convThreads() throws {
        let pool = try #require(qk_pool_create(4))
        defer { qk_pool_destroy(pool) }
        let f = ConvFixture(h: 14, w: 14, c: 65, n: 33, kernel: 3, stride: 1, padding: QK_PAD_ZERO, seed: 9)
        for isa in [QK_ISA_SCALAR] + KernelISAs.optimized {
            let single = f.run(isa: isa, kind: QK_OUT_BITS)
            for threads: Int32 in 2...4 {
                #expect(f.run(isa: isa, kind: QK_OUT_BITS, pool: pool, threads: threads) == single)
            }
        }
    }

    @Test("a pool runs every index exactly once, many times over")
    func poolCoversEveryIndex() throws {
        let pool = try #require(qk_pool_create(3))
        defer { qk_pool_destroy(pool) }
        #expect(qk_pool_size(pool) == 3)
        let hits = UnsafeMutablePointer<Int32>.allocate(capacity: 3)
        defer { hits.deallocate() }
        for round in 0..<500 {
            hits.initialize(repeating: 0, count: 3)
            let count = Int32(round % 3 + 1)
            qk_pool_run(pool, count, { ctx, index, _ in
                ctx!.assumingMemoryBound(to: Int32.self)[Int(index)] += 1
            }, hits)
            for i in 0..<3 { #expect(hits[i] == (i < count ? 1 : 0), "round \(round) index \(i)") }
        }
    }
}
