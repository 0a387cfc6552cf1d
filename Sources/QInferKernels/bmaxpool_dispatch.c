/* bmaxpool_dispatch.c — which variant of the fused binary layer + max over rows runs for an ISA. Its own table
 * rather than a field of qk_isa_kernels, so this family can grow without touching the GEMM's dispatch. */
#include "bmaxpool_internal.h"

extern const qk_bmaxpool_variant qk_bmaxpool_scalar;
#if defined(__x86_64__)
extern const qk_bmaxpool_variant qk_bmaxpool_popcnt;
extern const qk_bmaxpool_variant qk_bmaxpool_avx2;
extern const qk_bmaxpool_variant qk_bmaxpool_avx512;
#endif
#if defined(__aarch64__)
extern const qk_bmaxpool_variant qk_bmaxpool_neon;
#endif

const qk_bmaxpool_variant *qk_bmaxpool_variant_for(qk_isa isa) {
    switch (isa) {
#if defined(__x86_64__)
    case QK_ISA_POPCNT:
        return &qk_bmaxpool_popcnt;
    case QK_ISA_AVX2:
        return &qk_bmaxpool_avx2;
    case QK_ISA_AVX512:
        return &qk_bmaxpool_avx512;
#endif
#if defined(__aarch64__)
    case QK_ISA_NEON:
        return &qk_bmaxpool_neon;
#endif
    default:
        return &qk_bmaxpool_scalar;
    }
}
