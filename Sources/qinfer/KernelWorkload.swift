// One benchmark layer's C objects (binary layer and its FP32 peer), owned for the length of a run.
import QInferKernelBench
import QInferKernels

final class KernelWorkload {
    let shape: KernelShape
    /// The GEMM the layer is (a convolution: its im2col lowering), for MAC counts and the FP32 peer.
    let m: Int, n: Int, k: Int
    private let gemm: OpaquePointer?
    private let maxPool: OpaquePointer?
    private let conv: OpaquePointer?
    private let sgemm: OpaquePointer

    var macs: Double { Double(m) * Double(n) * Double(k) }

    init(shape: KernelShape, seed: UInt64) throws {
        self.shape = shape
        switch shape.kind {
        case let .gemm(m, n, k):
            guard let g = qkb_bgemm_case_create(m, n, k, seed) else { throw KernelBenchError.setup(shape.name) }
            gemm = g
            maxPool = nil
            conv = nil
            (self.m, self.n, self.k) = (m, n, k)
        case let .gemmMaxPool(m, n, k):
            guard let g = qkb_bmaxpool_case_create(m, n, k, seed) else { throw KernelBenchError.setup(shape.name) }
            gemm = nil
            maxPool = g
            conv = nil
            (self.m, self.n, self.k) = (m, n, k)
        case let .conv3x3(h, w, c, n, stride):
            guard let cv = qkb_bconv_case_create(h, w, c, n, stride, seed) else {
                throw KernelBenchError.setup(shape.name)
            }
            gemm = nil
            maxPool = nil
            conv = cv
            var (gm, gn, gk) = (0, 0, 0)
            qkb_bconv_case_gemm_shape(cv, &gm, &gn, &gk)
            (self.m, self.n, self.k) = (gm, gn, gk)
        }
        guard let s = qkb_sgemm_case_create(m, n, k, seed ^ 0xF32) else {
            qkb_bgemm_case_destroy(gemm)
            qkb_bmaxpool_case_destroy(maxPool)
            qkb_bconv_case_destroy(conv)
            throw KernelBenchError.setup(shape.name)
        }
        sgemm = s
    }

    deinit {
        qkb_bgemm_case_destroy(gemm)
        qkb_bmaxpool_case_destroy(maxPool)
        qkb_bconv_case_destroy(conv)
        qkb_sgemm_case_destroy(sgemm)
    }

    /// The whole layer: for a convolution, im2col + GEMM through qk_bconv2d; for a fused max, qk_bmaxpool.
    func run(_ isa: KernelISA, pool: OpaquePointer?, threads: Int) {
        if let gemm {
            qkb_bgemm_case_run(gemm, isa.raw, pool, Int32(threads))
        } else if let maxPool {
            qkb_bmaxpool_case_run(maxPool, isa.raw, pool, Int32(threads))
        } else if let conv {
            // The geometry is fixed at creation and checked once by `check`; the hot loop ignores the status.
            _ = qkb_bconv_case_run(conv, isa.raw, pool, Int32(threads))
        }
    }

    /// Runs once and reports whether the kernel accepted the layer.
    func check(_ isa: KernelISA, pool: OpaquePointer?, threads: Int) -> Bool {
        if let conv { return qkb_bconv_case_run(conv, isa.raw, pool, Int32(threads)) == 0 }
        run(isa, pool: pool, threads: threads)
        return true
    }

    /// A convolution's GEMM alone, on an already-lowered matrix of the same shape (convolution layers only).
    func runGemmOnly(_ isa: KernelISA, pool: OpaquePointer?, threads: Int) {
        guard let conv else { preconditionFailure("\(shape.name) is not a convolution") }
        qkb_bconv_case_run_gemm_only(conv, isa.raw, pool, Int32(threads))
    }

    /// Hash of the packed output of the last `run`.
    var digest: UInt64 {
        if let gemm { return qkb_bgemm_case_digest(gemm) }
        if let maxPool { return qkb_bmaxpool_case_digest(maxPool) }
        if let conv { return qkb_bconv_case_digest(conv) }
        return 0
    }

    /// The FP32 peer, with whatever thread count the BLAS was last given.
    func runFP32() { qkb_sgemm_case_run(sgemm) }
}
