/* bmaxpool_avx512.c — AVX-512 VPOPCNTDQ fused binary layer + max over rows. One zmm is one panel step (8 channels ×
 * 64 bits), so XOR + vpopcntq (+ vpaddq over the words) gives 8 channels' popcounts in 64-bit lanes and vpminuq keeps
 * their running minimum: no float and no store per row.
 *
 * kw ≤ 2 (BiPointNet's 128-bit rows): 8 panels = 64 channels stay in 8·kw zmm for the whole row stream, with 8
 * running minima; a row costs kw broadcasts from memory and 3 vector ops per 512 weight bits, the XOR + popcount +
 * add of the roofline loop with the add replaced half by the word sum and half by the min. Fewer panels per block
 * spread the broadcasts and the loop overhead over fewer channels (DESIGN.md: 4 panels 0.69 of the roofline, 8 0.84).
 * Larger kw: weights cannot stay in registers, so a 4-row × 2-panel tile sums popcounts over the words (loads
 * from L1) and folds the 4 row sums into the minima afterwards.
 *
 * Test builds on CPUs without AVX-512 define QK_AVX512_VIA_SIMDE: the same source then compiles against SIMDe's
 * portable implementations of these intrinsics (tools/kernel-selftest/run-x86.sh). */
#if defined(QK_AVX512_VIA_SIMDE)
#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/x86/avx512.h>
#define QK_TARGET_AVX512
#else
#define QK_TARGET_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512vpopcntdq,avx2,popcnt")))
#endif

#include "bmaxpool_internal.h"

#if defined(__x86_64__)
#if !defined(QK_AVX512_VIA_SIMDE)
#include <immintrin.h>
#endif

#define QK_BMP_AVX512_PANELS 8 /* panels per register block (kw ≤ 2) */
#define QK_BMP_AVX512_MR 4     /* rows per tile (kw > 2) */
#define QK_BMP_AVX512_NP 2     /* panels per tile (kw > 2) */

static inline QK_TARGET_AVX512 __attribute__((always_inline)) void finish_panel(const qk_bmaxpool_args *g, size_t p,
                                                                               __m512i best) {
    uint32_t min_pop[QK_NR]; /* popcounts are ≤ 64·kw, far below 2^32 */
    _mm256_storeu_si256((__m256i *)min_pop, _mm512_cvtepi64_epi32(best));
    qk_bmaxpool_finish(g, p, min_pop);
}

/* One row's popcounts against one panel of kw (1 or 2) words; the row's words come broadcast. */
static inline QK_TARGET_AVX512 __attribute__((always_inline)) __m512i row_pop(__m512i x0, __m512i x1,
                                                                             const __m512i w[2], const int kw) {
    __m512i pop = _mm512_popcnt_epi64(_mm512_xor_si512(x0, w[0]));
    if (kw == 2) pop = _mm512_add_epi64(pop, _mm512_popcnt_epi64(_mm512_xor_si512(x1, w[1])));
    return pop;
}

/* np panels (≤ 8) of kw (1 or 2) words each held in registers while every row streams past, two rows per step:
 * their minimum first, then into the running one (measured ~9 % faster than one row per step here). */
static inline QK_TARGET_AVX512 __attribute__((always_inline)) void block_in_registers(const qk_bmaxpool_args *g,
                                                                                     size_t p, const int np,
                                                                                     const int kw) {
    __m512i w[QK_BMP_AVX512_PANELS][2], best[QK_BMP_AVX512_PANELS];
    for (int q = 0; q < np; q++) {
        const uint64_t *panel = g->w + (p + (size_t)q) * g->kw * QK_NR;
        for (int k = 0; k < kw; k++) w[q][k] = _mm512_loadu_si512((const void *)(panel + (size_t)k * QK_NR));
        best[q] = _mm512_set1_epi64(-1);
    }
    const uint64_t *a = g->a;
    size_t m = 0;
    for (; m + 2 <= g->m; m += 2, a += 2 * g->lda) {
        const uint64_t *b = a + g->lda;
        const __m512i a0 = _mm512_set1_epi64((long long)a[0]), b0 = _mm512_set1_epi64((long long)b[0]);
        const __m512i a1 = kw == 2 ? _mm512_set1_epi64((long long)a[1]) : a0;
        const __m512i b1 = kw == 2 ? _mm512_set1_epi64((long long)b[1]) : b0;
        for (int q = 0; q < np; q++) {
            const __m512i pair = _mm512_min_epu64(row_pop(a0, a1, w[q], kw), row_pop(b0, b1, w[q], kw));
            best[q] = _mm512_min_epu64(best[q], pair);
        }
    }
    if (m < g->m) {
        const __m512i a0 = _mm512_set1_epi64((long long)a[0]);
        const __m512i a1 = kw == 2 ? _mm512_set1_epi64((long long)a[1]) : a0;
        for (int q = 0; q < np; q++) best[q] = _mm512_min_epu64(best[q], row_pop(a0, a1, w[q], kw));
    }
    for (int q = 0; q < np; q++) finish_panel(g, p + (size_t)q, best[q]);
}

/* One tile of mr rows × np panels for any kw: per-row sums over the words, then into the panels' minima. */
static inline QK_TARGET_AVX512 __attribute__((always_inline)) void tile_any_kw(const qk_bmaxpool_args *g, size_t m,
                                                                              size_t p, const int mr, const int np,
                                                                              __m512i best[QK_BMP_AVX512_NP]) {
    const uint64_t *a[QK_BMP_AVX512_MR];
    for (int r = 0; r < mr; r++) a[r] = g->a + (m + (size_t)r) * g->lda;
    const uint64_t *panel = g->w + p * g->kw * QK_NR;
    __m512i sum[QK_BMP_AVX512_MR][QK_BMP_AVX512_NP];
    for (int r = 0; r < mr; r++)
        for (int q = 0; q < np; q++) sum[r][q] = _mm512_setzero_si512();
    for (size_t k = 0; k < g->kw; k++) {
        __m512i w[QK_BMP_AVX512_NP];
        for (int q = 0; q < np; q++) {
            w[q] = _mm512_loadu_si512((const void *)(panel + ((size_t)q * g->kw + k) * QK_NR));
        }
        for (int r = 0; r < mr; r++) {
            const __m512i x = _mm512_set1_epi64((long long)a[r][k]);
            for (int q = 0; q < np; q++) {
                sum[r][q] = _mm512_add_epi64(sum[r][q], _mm512_popcnt_epi64(_mm512_xor_si512(x, w[q])));
            }
        }
    }
    for (int r = 0; r < mr; r++)
        for (int q = 0; q < np; q++) best[q] = _mm512_min_epu64(best[q], sum[r][q]);
}

static inline QK_TARGET_AVX512 __attribute__((always_inline)) void block_any_kw(const qk_bmaxpool_args *g, size_t p,
                                                                               const int np) {
    __m512i best[QK_BMP_AVX512_NP];
    for (int q = 0; q < np; q++) best[q] = _mm512_set1_epi64(-1);
    size_t m = 0;
    for (; m + QK_BMP_AVX512_MR <= g->m; m += QK_BMP_AVX512_MR) tile_any_kw(g, m, p, QK_BMP_AVX512_MR, np, best);
    switch (g->m - m) { /* constant row counts keep the sums in registers */
    case 3: tile_any_kw(g, m, p, 3, np, best); break;
    case 2: tile_any_kw(g, m, p, 2, np, best); break;
    case 1: tile_any_kw(g, m, p, 1, np, best); break;
    default: break;
    }
    for (int q = 0; q < np; q++) finish_panel(g, p + (size_t)q, best[q]);
}

/* Constant (np, kw) per call so the weights and minima are registers, not stack arrays. */
#define QK_BMP_BLOCK_CASE(np)                                                                                          \
    case np:                                                                                                           \
        if (g->kw == 2) block_in_registers(g, p, np, 2);                                                               \
        else block_in_registers(g, p, np, 1);                                                                          \
        break;

static QK_TARGET_AVX512 void bmaxpool_avx512(const qk_bmaxpool_args *g, size_t p0, size_t p1) {
    if (g->kw == 1 || g->kw == 2) {
        for (size_t p = p0; p < p1; p += QK_BMP_AVX512_PANELS) {
            switch (p1 - p < QK_BMP_AVX512_PANELS ? p1 - p : QK_BMP_AVX512_PANELS) {
                QK_BMP_BLOCK_CASE(8)
                QK_BMP_BLOCK_CASE(7)
                QK_BMP_BLOCK_CASE(6)
                QK_BMP_BLOCK_CASE(5)
                QK_BMP_BLOCK_CASE(4)
                QK_BMP_BLOCK_CASE(3)
                QK_BMP_BLOCK_CASE(2)
                QK_BMP_BLOCK_CASE(1)
            default: break;
            }
        }
        return;
    }
    for (size_t p = p0; p < p1; p += QK_BMP_AVX512_NP) {
        if (p + QK_BMP_AVX512_NP <= p1) block_any_kw(g, p, QK_BMP_AVX512_NP);
        else block_any_kw(g, p, 1);
    }
}

const qk_bmaxpool_variant qk_bmaxpool_avx512 = {.run = bmaxpool_avx512, .panel_block = QK_BMP_AVX512_PANELS};

#endif
