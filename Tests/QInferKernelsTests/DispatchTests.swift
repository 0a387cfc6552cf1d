import QInferKernels
import Testing

private func errorText(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

@Suite struct DispatchTests {
    @Test("names round-trip and unknown names are refused")
    func names() {
        for raw in 0..<QK_ISA_COUNT.rawValue {
            let isa = qk_isa(rawValue: raw)
            var parsed = QK_ISA_COUNT
            #expect(qk_isa_parse(qk_isa_name(isa), &parsed) == 0 && parsed == isa)
        }
        var parsed = QK_ISA_SCALAR
        #expect(qk_isa_parse("sse9", &parsed) == -1)
    }

    // The override is tested through qk_isa_select_from so no test mutates the process environment
    // (suites run in parallel and KernelISAs reads QINFER_ISA).
    @Test("QINFER_ISA selects, and an unknown or unsupported value is a clear error")
    func override() {
        var isa = QK_ISA_COUNT
        var err = [CChar](repeating: 0, count: 200)
        // No override: the fastest variant this machine runs, in the kernels' documented order.
        let best = [QK_ISA_AVX512, QK_ISA_AVX2, QK_ISA_NEON, QK_ISA_POPCNT, QK_ISA_SCALAR].first { qk_isa_supported($0) != 0 }
        #expect(qk_isa_select_from(nil, &isa, &err, err.count) == 0 && isa == best)
        #expect(qk_isa_select_from("", &isa, &err, err.count) == 0 && isa == best)
        #expect(qk_isa_select_from("scalar", &isa, &err, err.count) == 0 && isa == QK_ISA_SCALAR)

        #expect(qk_isa_select_from("mmx", &isa, &err, err.count) == -1)
        #expect(errorText(err).contains("QINFER_ISA=mmx is not an ISA"))

        #if arch(x86_64)
        #expect(qk_isa_select_from("neon", &isa, &err, err.count) == -1)
        #expect(errorText(err).contains("QINFER_ISA=neon is not supported"))
        #endif
    }

    @Test("this x86-64 machine runs popcnt and AVX2 (the variants the suite must exercise)",
          .enabled(if: KernelISAs.override == nil, "QINFER_ISA restricts the suite to one ISA"))
    func expectedVariantsPresent() {
        #if arch(x86_64)
        #expect(KernelISAs.optimized.contains(QK_ISA_POPCNT))
        #expect(KernelISAs.optimized.contains(QK_ISA_AVX2))
        #endif
    }
}
