// The measurement plan of `bench kernels`: every layer × ISA × thread count, with the ISA's roofline and the FP32
// peer measured in the same process, at the same thread count, so the ratios compare like with like.
import Foundation
import QInferKernelBench
import QInferKernels

struct KernelBenchResult {
    let shape: KernelShape
    let m: Int, n: Int, k: Int
    let isa: KernelISA
    let threads: Int
    let secondsPerCall: Double
    let gmacs: Double
    let rooflineGmacs: Double?
    let fp32Gmacs: Double
    /// Convolutions: the share of qk_bconv2d's time outside its GEMM (im2col and the zero-padding corrections).
    let im2colShare: Double?
    /// The packed output equals the scalar reference's, bit for bit.
    let matchesScalar: Bool

    var rooflineRatio: Double? { rooflineGmacs.map { gmacs / $0 } }
    var fp32Ratio: Double { gmacs / fp32Gmacs }
}

enum KernelBenchError: Error, CustomStringConvertible {
    case setup(String)
    case pool(Int)
    case rooflineCheck(String)
    case rejected(String)

    var description: String {
        switch self {
        case .setup(let shape): return "cannot allocate the benchmark layer \(shape)"
        case .pool(let threads): return "cannot start a pool of \(threads) threads"
        case .rooflineCheck(let isa): return "the \(isa) roofline loop miscounts (internal error)"
        case .rejected(let shape): return "the kernels rejected the geometry of \(shape) (internal error)"
        }
    }
}

struct KernelBench {
    let isas: [KernelISA]
    let threadCounts: [Int]
    let shapes: [KernelShape]
    let stopwatch: Stopwatch
    var progress: (String) -> Void = { _ in }

    /// Roofline passes per timed unit: enough work (256 KB per thread) that a unit dwarfs the pool wake-up.
    private static let rooflinePassesPerUnit: UInt64 = 64

    func run() throws -> [KernelBenchResult] {
        let workloads = try shapes.enumerated().map { try KernelWorkload(shape: $1, seed: UInt64($0) + 1) }
        let scalar = KernelISA(raw: QK_ISA_SCALAR)
        let reference = try workloads.map { w in
            guard w.check(scalar, pool: nil, threads: 1) else { throw KernelBenchError.rejected(w.shape.name) }
            return w.digest
        }

        guard let roofline = qkb_roofline_create(Int32(threadCounts.max() ?? 1)) else {
            throw KernelBenchError.setup("roofline buffers")
        }
        defer { qkb_roofline_destroy(roofline) }
        for isa in isas where qkb_roofline_available(isa.raw) != 0 {
            guard qkb_roofline_check(roofline, isa.raw) == 0 else { throw KernelBenchError.rooflineCheck(isa.name) }
        }

        var results: [KernelBenchResult] = []
        for threads in threadCounts {
            let pool: OpaquePointer? = threads > 1 ? qk_pool_create(Int32(threads)) : nil
            if threads > 1, pool == nil { throw KernelBenchError.pool(threads) }
            defer { qk_pool_destroy(pool) }

            // The ceiling is sampled between layers and the highest kept: on a shared host a single sample can land
            // in a slow spell and make a kernel look faster than its own ISA's loop.
            var ceilings: [KernelISA: Double] = [:]
            func sampleCeilings() {
                for isa in isas where qkb_roofline_available(isa.raw) != 0 {
                    progress("roofline \(isa.name) × \(threads)")
                    let gmacs = rooflineGmacs(roofline, isa, pool: pool, threads: threads)
                    ceilings[isa] = max(ceilings[isa] ?? 0, gmacs)
                }
            }
            // FP32 first in the group, then a pause: OpenBLAS workers spin for a while after a call and would
            // steal cycles from the binary kernels measured next.
            var fp32: [Double] = []
            qkb_sgemm_set_threads(Int32(threads))
            for w in workloads {
                progress("\(w.shape.name) fp32 × \(threads)")
                fp32.append(w.macs / stopwatch.bestSecondsPerUnit { units in
                    for _ in 0..<units { w.runFP32() }
                } / 1e9)
            }
            qkb_sgemm_set_threads(1)
            Thread.sleep(forTimeInterval: 0.3)

            var measured: [(index: Int, isa: KernelISA, seconds: Double, share: Double?, matches: Bool)] = []
            for (index, w) in workloads.enumerated() {
                sampleCeilings()
                for isa in isas {
                    progress("\(w.shape.name) \(isa.name) × \(threads)")
                    let layer = { (units: Int) in
                        for _ in 0..<units { w.run(isa, pool: pool, threads: threads) }
                    }
                    let seconds: Double
                    var share: Double?
                    if w.shape.isConv {
                        let gemmOnly = { (units: Int) in
                            for _ in 0..<units { w.runGemmOnly(isa, pool: pool, threads: threads) }
                        }
                        let paired = stopwatch.pairedSecondsPerUnit(layer, gemmOnly)
                        seconds = paired.a
                        share = min(max(1 - paired.medianRatio, 0), 1)
                    } else {
                        seconds = stopwatch.bestSecondsPerUnit(layer)
                    }
                    measured.append((index, isa, seconds, share, w.digest == reference[index]))
                }
            }

            sampleCeilings()
            for (index, isa, seconds, share, matches) in measured {
                let w = workloads[index]
                results.append(KernelBenchResult(
                    shape: w.shape, m: w.m, n: w.n, k: w.k, isa: isa, threads: threads,
                    secondsPerCall: seconds, gmacs: w.macs / seconds / 1e9, rooflineGmacs: ceilings[isa],
                    fp32Gmacs: fp32[index], im2colShare: share, matchesScalar: matches))
            }
        }
        return order(results)
    }

    /// Aggregate GMAC/s of isa's roofline loop on `threads` threads.
    private func rooflineGmacs(_ roofline: OpaquePointer, _ isa: KernelISA, pool: OpaquePointer?,
                               threads: Int) -> Double {
        let macsPerUnit = Double(qkb_roofline_macs_per_pass() * Self.rooflinePassesPerUnit) * Double(threads)
        var sink: UInt64 = 0
        let seconds = stopwatch.bestSecondsPerUnit { units in
            let passes = UInt64(units) * Self.rooflinePassesPerUnit
            sink &+= qkb_roofline_run(roofline, isa.raw, pool, Int32(threads), passes)
        }
        precondition(sink != 0, "the roofline loop counted nothing")
        return macsPerUnit / seconds / 1e9
    }

    /// Table order: layer, then ISA, then thread count, each in the order asked for.
    private func order(_ results: [KernelBenchResult]) -> [KernelBenchResult] {
        func rank(_ r: KernelBenchResult) -> (Int, Int, Int) {
            (shapes.firstIndex { $0.name == r.shape.name } ?? 0, isas.firstIndex(of: r.isa) ?? 0,
             threadCounts.firstIndex(of: r.threads) ?? 0)
        }
        return results.sorted { rank($0) < rank($1) }
    }
}
