/* dispatch.c — which variants this build has, which this CPU runs, and the QINFER_ISA override. */
#define _GNU_SOURCE
#include "qk_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const isa_names[QK_ISA_COUNT] = {"scalar", "popcnt", "avx2", "avx512", "neon"};

const char *qk_isa_name(qk_isa isa) { return (unsigned)isa < QK_ISA_COUNT ? isa_names[isa] : "unknown"; }

int qk_isa_parse(const char *name, qk_isa *out) {
    for (int i = 0; i < QK_ISA_COUNT; i++) {
        if (strcmp(name, isa_names[i]) == 0) {
            *out = (qk_isa)i;
            return 0;
        }
    }
    return -1;
}

int qk_isa_supported(qk_isa isa) {
    switch (isa) {
    case QK_ISA_SCALAR:
        return 1;
#if defined(__x86_64__)
    case QK_ISA_POPCNT:
        return __builtin_cpu_supports("popcnt") != 0;
    case QK_ISA_AVX2:
        return __builtin_cpu_supports("avx2") != 0;
    case QK_ISA_AVX512:
#if defined(QK_AVX512_VIA_SIMDE)
        return 1; /* test builds emulate the AVX-512 intrinsics with SIMDe on CPUs without them */
#else
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vpopcntdq");
#endif
#endif
#if defined(__aarch64__)
    case QK_ISA_NEON:
        return 1; /* Advanced SIMD is mandatory on aarch64 */
#endif
    default:
        return 0;
    }
}

static qk_isa best_supported(void) {
    static const qk_isa order[] = {QK_ISA_AVX512, QK_ISA_AVX2, QK_ISA_NEON, QK_ISA_POPCNT, QK_ISA_SCALAR};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        if (qk_isa_supported(order[i])) return order[i];
    }
    return QK_ISA_SCALAR;
}

int qk_isa_select(qk_isa *out, char *err, size_t errlen) {
    return qk_isa_select_from(getenv("QINFER_ISA"), out, err, errlen);
}

int qk_isa_select_from(const char *want, qk_isa *out, char *err, size_t errlen) {
    if (!want || !*want) {
        *out = best_supported();
        return 0;
    }
    qk_isa isa;
    if (qk_isa_parse(want, &isa) != 0) {
        if (err) snprintf(err, errlen, "QINFER_ISA=%s is not an ISA (use scalar, popcnt, avx2, avx512 or neon)", want);
        return -1;
    }
    if (!qk_isa_supported(isa)) {
        if (err) snprintf(err, errlen, "QINFER_ISA=%s is not supported by this CPU or build", want);
        return -1;
    }
    *out = isa;
    return 0;
}

const qk_isa_kernels *qk_kernels_for(qk_isa isa) {
    switch (isa) {
#if defined(__x86_64__)
    case QK_ISA_POPCNT:
        return &qk_kernels_popcnt;
    case QK_ISA_AVX2:
        return &qk_kernels_avx2;
    case QK_ISA_AVX512:
        return &qk_kernels_avx512;
#endif
#if defined(__aarch64__)
    case QK_ISA_NEON:
        return &qk_kernels_neon;
#endif
    default:
        return &qk_kernels_scalar;
    }
}
