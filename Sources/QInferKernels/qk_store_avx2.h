/* qk_store_avx2.h — vectorized output stage for one row × one full panel (8 channels as 8 int32 popcounts),
 * shared by the AVX2 and AVX-512 GEMMs. Same arithmetic as qk_store_panel_scalar: integer acc, then mul and add
 * as two separately rounded operations, or a threshold compare. */
#ifndef QK_STORE_AVX2_H
#define QK_STORE_AVX2_H

#include "qk_store_panel.h"

#if defined(__x86_64__)
/* A SIMDe test build of bgemm_avx512.c has already included SIMDe's aliases, which clash with <immintrin.h>. */
#if !(defined(QK_AVX512_VIA_SIMDE) && defined(SIMDE_ENABLE_NATIVE_ALIASES))
#include <immintrin.h>
#endif

#define QK_TARGET_AVX2 __attribute__((target("avx2,popcnt")))

/* Whether the vector store may write this panel: all 8 channels live (partial panels go through the scalar
 * store, which masks the dead channels). */
static inline int qk_panel_vector_storable(const qk_bgemm_args *g, size_t p) { return (p + 1) * QK_NR <= g->n; }

static inline QK_TARGET_AVX2 __attribute__((always_inline)) void
qk_store_panel_avx2(const qk_bgemm_args *g, size_t m, size_t p, __m256i pop) {
    const size_t n0 = p * QK_NR;
    __m256i acc = _mm256_sub_epi32(_mm256_set1_epi32(g->k_bits), _mm256_add_epi32(pop, pop));
    if (g->row_corr && g->row_corr[m]) {
        acc = _mm256_sub_epi32(acc, _mm256_loadu_si256((const __m256i *)(g->row_corr[m] + n0)));
    }
    switch (g->out.kind) {
    case QK_OUT_INT32:
        _mm256_storeu_si256((__m256i *)((int32_t *)g->out.out + m * g->out.ldo + n0), acc);
        break;
    case QK_OUT_FLOAT: {
        const __m256 scaled = _mm256_mul_ps(_mm256_cvtepi32_ps(acc), _mm256_loadu_ps(g->out.mul + n0));
        _mm256_storeu_ps((float *)g->out.out + m * g->out.ldo + n0,
                         _mm256_add_ps(scaled, _mm256_loadu_ps(g->out.bias + n0)));
        break;
    }
    case QK_OUT_BITS: {
        const __m256i below = _mm256_cmpgt_epi32(_mm256_loadu_si256((const __m256i *)(g->out.thresh + n0)), acc);
        const unsigned bits = (unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(below));
        uint8_t *row = (uint8_t *)((uint64_t *)g->out.out + m * g->out.ldo);
        row[p] = (uint8_t)(bits ^ ((const uint8_t *)g->out.flip)[p]);
        qk_zero_bits_tail(g, row, p);
        break;
    }
    }
}

#endif
#endif
