/* bgemm_avx512.c — AVX-512 binary GEMM with VPOPCNTDQ. One zmm is one panel step (8 channels × 64 bits), so
 * XOR + vpopcntq + vpaddq yields per-channel counts directly in 64-bit lanes. Tile: 4 rows × 2 panels = 8
 * independent accumulators, enough to cover vpopcntq latency; each k step loads 2 weight vectors and broadcasts
 * 4 activation words.
 *
 * Test builds on CPUs without AVX-512 define QK_AVX512_VIA_SIMDE: the same source is then compiled against
 * SIMDe's portable implementations of these intrinsics (tools/kernel-selftest/run-x86.sh). */
#if defined(QK_AVX512_VIA_SIMDE)
#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/x86/avx512.h>
#define QK_TARGET_AVX512
#else
#define QK_TARGET_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512vpopcntdq,avx2,popcnt")))
#endif

#include "bgemm_smallk.h"
#include "qk_store_avx2.h"

#if defined(__x86_64__)

#define QK_AVX512_MR 4
#define QK_AVX512_NP 2

static inline QK_TARGET_AVX512 __attribute__((always_inline)) void tile(const qk_bgemm_args *g, size_t m, size_t p,
                                                                        const int mr, const int np) {
    const uint64_t *panel[QK_AVX512_NP];
    for (int q = 0; q < np; q++) panel[q] = g->w + (p + (size_t)q) * g->kw * QK_NR;
    const uint64_t *a[QK_AVX512_MR];
    for (int r = 0; r < mr; r++) a[r] = g->a + (m + (size_t)r) * g->lda;
    __m512i sum[QK_AVX512_MR][QK_AVX512_NP];
    for (int r = 0; r < mr; r++)
        for (int q = 0; q < np; q++) sum[r][q] = _mm512_setzero_si512();
    for (size_t k = 0; k < g->kw; k++) {
        __m512i w[QK_AVX512_NP];
        for (int q = 0; q < np; q++) w[q] = _mm512_loadu_si512((const void *)(panel[q] + k * QK_NR));
        for (int r = 0; r < mr; r++) {
            const __m512i x = _mm512_set1_epi64((long long)a[r][k]);
            for (int q = 0; q < np; q++) {
                sum[r][q] = _mm512_add_epi64(sum[r][q], _mm512_popcnt_epi64(_mm512_xor_si512(x, w[q])));
            }
        }
    }
    for (int q = 0; q < np; q++) {
        const int vector_store = qk_panel_vector_storable(g, p + (size_t)q);
        /* Packed bits compare in the popcount domain, once per panel for all rows of the tile:
         * K − 2·pop < t  ⇔  pop > ⌊(K − t)/2⌋ (64-bit, so t = INT32_MIN cannot overflow). */
        __m512i pop_limit = _mm512_setzero_si512();
        uint8_t flip = 0;
        if (vector_store && g->out.kind == QK_OUT_BITS) {
            /* 8 scalar ops per tile and panel, amortized over the tile's rows */
            int64_t limit[QK_NR];
            const int32_t *t = g->out.thresh + (p + (size_t)q) * QK_NR;
            for (int j = 0; j < QK_NR; j++) limit[j] = ((int64_t)g->k_bits - t[j]) >> 1; /* arithmetic: floor */
            pop_limit = _mm512_loadu_si512((const void *)limit);
            flip = ((const uint8_t *)g->out.flip)[p + (size_t)q];
        }
        for (int r = 0; r < mr; r++) {
            const size_t row = m + (size_t)r;
            if (vector_store && g->out.kind == QK_OUT_BITS && !(g->row_corr && g->row_corr[row])) {
                uint8_t *bits = (uint8_t *)((uint64_t *)g->out.out + row * g->out.ldo);
                bits[p + (size_t)q] = (uint8_t)(_mm512_cmpgt_epi64_mask(sum[r][q], pop_limit) ^ flip);
                qk_zero_bits_tail(g, bits, p + (size_t)q);
                continue;
            }
            const __m256i pops = _mm512_cvtepi64_epi32(sum[r][q]);
            if (vector_store) {
                qk_store_panel_avx2(g, row, p + (size_t)q, pops);
            } else {
                uint32_t pop[QK_NR];
                _mm256_storeu_si256((__m256i *)pop, pops);
                qk_store_panel_scalar(g, row, p + (size_t)q, pop);
            }
        }
    }
}

/* Constant (mr, np) per call site so the accumulators stay in registers. */
static inline QK_TARGET_AVX512 __attribute__((always_inline)) void tile_rows(const qk_bgemm_args *g, size_t m,
                                                                             size_t p, int mr, const int np) {
    switch (mr) {
    case 4: tile(g, m, p, 4, np); break;
    case 3: tile(g, m, p, 3, np); break;
    case 2: tile(g, m, p, 2, np); break;
    case 1: tile(g, m, p, 1, np); break;
    default: break;
    }
}

static QK_TARGET_AVX512 void bgemm_avx512(const qk_bgemm_args *g, size_t m0, size_t m1, size_t p0, size_t p1) {
    if (qk_smallk_applies(g, m0, m1)) {
        qk_bgemm_smallk_avx512(g, m0, m1, p0, p1);
        return;
    }
    for (size_t p = p0; p < p1; p += QK_AVX512_NP) {
        const int np = p + QK_AVX512_NP <= p1 ? QK_AVX512_NP : (int)(p1 - p);
        for (size_t m = m0; m < m1; m += QK_AVX512_MR) {
            const int mr = m + QK_AVX512_MR <= m1 ? QK_AVX512_MR : (int)(m1 - m);
            if (np == 2) tile_rows(g, m, p, mr, 2);
            else tile_rows(g, m, p, mr, 1);
        }
    }
}

/* ---- bit-packing: mask compares produce the bit rows directly ---------------------------------------------- */

static QK_TARGET_AVX512 void bitpack_f32_avx512(const float *x, size_t rows, size_t k, size_t ldx, uint64_t *out,
                                                size_t ldo) {
    const size_t whole = k / 64;
    for (size_t r = 0; r < rows; r++) {
        const float *src = x + r * ldx;
        uint64_t *dst = out + r * ldo;
        for (size_t w = 0; w < whole; w++) {
            uint64_t word = 0;
            for (int i = 0; i < 4; i++) {
                const __m512 v = _mm512_loadu_ps(src + w * 64 + (size_t)i * 16);
                word |= (uint64_t)_mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_LT_OQ) << (i * 16);
            }
            dst[w] = word;
        }
        if (whole * 64 < k) qk_bitpack_f32_scalar(src + whole * 64, 1, k - whole * 64, ldx, dst + whole, ldo);
    }
}

const qk_isa_kernels qk_kernels_avx512 = {
    .bitpack_f32 = bitpack_f32_avx512,
    .bgemm = bgemm_avx512,
};

#endif
