// How `bench kernels` results are shown: a table for people, JSON lines for scripts.
import Foundation
import QInferKernelBench

enum KernelBenchReport {
    static func header(minTime: Double) -> String {
        var model = [CChar](repeating: 0, count: 256)
        let cpu = String(cString: qkb_cpu_model(&model, model.count))
        let blas = String(cString: qkb_sgemm_library())
        return """
            qinfer bench kernels — \(cpu), \(ThreadCounts.usableCPUs) usable CPUs
            FP32 peer: \(blas)
            fastest of ≥5 repetitions over \(fixed(minTime, digits: 2)) s per measurement; \
            binary layers write packed bits (thresholds)

            """
    }

    static func table(_ results: [KernelBenchResult]) -> String {
        // A status column only when there is something to say: a kernel that disagrees with the reference.
        let anyWrong = results.contains { !$0.matchesScalar }
        var table = TextTable([
            .init(title: "shape", alignment: .left),
            .init(title: "isa", alignment: .left),
            .init(title: "threads", alignment: .right),
            .init(title: "GMAC/s", alignment: .right),
            .init(title: "roofline GMAC/s", alignment: .right),
            .init(title: "roofline ratio", alignment: .right),
            .init(title: "FP32 GMAC/s", alignment: .right),
            .init(title: "×FP32", alignment: .right),
            .init(title: "im2col", alignment: .right),
        ] + (anyWrong ? [.init(title: "output", alignment: .left)] : []))
        for r in results {
            table.append([
                r.shape.name,
                r.isa.name,
                String(r.threads),
                fixed(r.gmacs, digits: 1),
                r.rooflineGmacs.map { fixed($0, digits: 1) } ?? "-",
                r.rooflineRatio.map { fixed($0, digits: 2) } ?? "-",
                fixed(r.fp32Gmacs, digits: 1),
                fixed(r.fp32Ratio, digits: 1) + "×",
                r.im2colShare.map { fixed($0 * 100, digits: 1) + "%" } ?? "",
            ] + (anyWrong ? [r.matchesScalar ? "ok" : "WRONG"] : []))
        }
        return table.render()
    }

    static func footnotes(_ results: [KernelBenchResult]) -> String {
        var notes = [
            "",
            "GMAC/s: M·N·K binary multiply-accumulates per second "
                + "(K in bits; convolutions: M = output pixels, K = 9·C).",
            "roofline: the ISA's tightest XOR+popcount+accumulate loop over 4 KB in L1, on every thread at once.",
            "×FP32: against OpenBLAS sgemm of the same M×K·K×N at the same thread count.",
        ]
        if results.contains(where: { $0.im2colShare != nil }) {
            notes.append(
                "im2col: share of the convolution's time outside its GEMM (the im2col copy; border corrections are prepared at load, as in the engine).")
        }
        return notes.joined(separator: "\n")
    }

    static func jsonLine(_ r: KernelBenchResult) -> String {
        var line = JSONLine()
        line.add("shape", .string(r.shape.name))
        line.add("kind", .string(r.shape.kindName))
        line.add("m", .int(r.m))
        line.add("n", .int(r.n))
        line.add("k", .int(r.k))
        line.add("isa", .string(r.isa.name))
        line.add("threads", .int(r.threads))
        line.add("gmacs", .number(r.gmacs, digits: 3))
        line.add("roofline_gmacs", r.rooflineGmacs.map { .number($0, digits: 3) } ?? .null)
        line.add("roofline_ratio", r.rooflineRatio.map { .number($0, digits: 4) } ?? .null)
        line.add("fp32_gmacs", .number(r.fp32Gmacs, digits: 3))
        line.add("fp32_ratio", .number(r.fp32Ratio, digits: 3))
        line.add("im2col_share", r.im2colShare.map { .number($0, digits: 4) } ?? .null)
        line.add("seconds_per_call", .number(r.secondsPerCall, digits: 9))
        line.add("matches_scalar", .bool(r.matchesScalar))
        return line.text
    }
}
