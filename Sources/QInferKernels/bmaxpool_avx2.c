/* bmaxpool_avx2.c — AVX2 fused binary layer + max over rows. AVX2 has no vector popcount: bytes are counted with a
 * 16-entry nibble table (vpshufb), added over the words, and vpsadbw sums each 64-bit lane's 8 byte counts, which in
 * the panel layout is one channel's popcount. AVX2 has no 64-bit unsigned min either, but the lane sums are < 2^32
 * and their upper halves 0, so vpminud on the 32-bit halves is the 64-bit minimum.
 *
 * kw ≤ 2: blocks of 4 panels (32 channels) with nibble-split weights (see block_split), which measured ~20 % faster
 * than splitting XOR results per panel with the weights in registers. Larger kw: one panel at a time, byte counts
 * summed over runs of 31 words (31·8 = 248 < 256) between vpsadbw flushes, weights loaded from L1. */
#include "bmaxpool_internal.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define QK_TARGET_AVX2 __attribute__((target("avx2,popcnt")))
#define QK_BMP_AVX2_PANELS 4    /* panels per block (kw ≤ 2): 8 minima + the split row + constants fill 16 ymm */
#define QK_BMP_AVX2_BYTE_RUN 31 /* words summed in byte lanes before they could overflow */

static inline QK_TARGET_AVX2 __attribute__((always_inline)) __m256i popcount_bytes(__m256i x, __m256i table,
                                                                                   __m256i low_nibble) {
    const __m256i lo = _mm256_and_si256(x, low_nibble);
    const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(x, 4), low_nibble);
    return _mm256_add_epi8(_mm256_shuffle_epi8(table, lo), _mm256_shuffle_epi8(table, hi));
}

static inline QK_TARGET_AVX2 __attribute__((always_inline)) void finish_panel(const qk_bmaxpool_args *g, size_t p,
                                                                              __m256i best_lo, __m256i best_hi) {
    uint64_t lanes[QK_NR];
    _mm256_storeu_si256((__m256i *)lanes, best_lo);
    _mm256_storeu_si256((__m256i *)(lanes + 4), best_hi);
    uint32_t min_pop[QK_NR];
    for (int j = 0; j < QK_NR; j++) min_pop[j] = (uint32_t)lanes[j];
    qk_bmaxpool_finish(g, p, min_pop);
}

#define QK_BMP_AVX2_CONSTANTS                                                                                          \
    const __m256i table = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2, 1, 2, 2, 3, 1, \
                                           2, 2, 3, 2, 3, 3, 4);                                                       \
    const __m256i low_nibble = _mm256_set1_epi8(0x0f);                                                                 \
    const __m256i zero = _mm256_setzero_si256()

/* kw = 1 or 2, np ≤ 4 panels. (a XOR w) & 0x0f = (a & 0x0f) XOR (w & 0x0f), and likewise for the high nibbles, so
 * the weights are split into nibbles once per block (kept on the stack and read as XOR memory operands: 16 ymm hold
 * no more) and each activation word once per row for all np panels. Per 4 channels × 64 bits that leaves XOR +
 * vpshufb per nibble and one byte add, instead of XOR, AND, shift, AND, 2 vpshufb and an add. */
static inline QK_TARGET_AVX2 __attribute__((always_inline)) void block_split(const qk_bmaxpool_args *g, size_t p,
                                                                             const int np, const int kw) {
    QK_BMP_AVX2_CONSTANTS;
    __m256i wsplit[QK_BMP_AVX2_PANELS][2][2][2]; /* [panel][word][half of the panel][low/high nibble] */
    for (int q = 0; q < np; q++) {
        const uint64_t *panel = g->w + (p + (size_t)q) * (size_t)kw * QK_NR;
        for (int k = 0; k < kw; k++)
            for (int h = 0; h < 2; h++) {
                const __m256i w = _mm256_loadu_si256((const __m256i *)(panel + (size_t)k * QK_NR + (size_t)h * 4));
                wsplit[q][k][h][0] = _mm256_and_si256(w, low_nibble);
                wsplit[q][k][h][1] = _mm256_and_si256(_mm256_srli_epi16(w, 4), low_nibble);
                /* opaque, or clang folds (a & 15) ^ (w & 15) back into (a ^ w) & 15 inside the row loop */
                __asm__("" : "+x"(wsplit[q][k][h][0]), "+x"(wsplit[q][k][h][1]));
            }
    }
    __m256i best[QK_BMP_AVX2_PANELS][2];
    for (int q = 0; q < np; q++) best[q][0] = best[q][1] = _mm256_set1_epi32(-1);
    const uint64_t *a = g->a;
    for (size_t m = 0; m < g->m; m++, a += g->lda) {
        __m256i x[2][2];
        for (int k = 0; k < kw; k++) {
            const __m256i v = _mm256_set1_epi64x((long long)a[k]);
            x[k][0] = _mm256_and_si256(v, low_nibble);
            x[k][1] = _mm256_and_si256(_mm256_srli_epi16(v, 4), low_nibble);
        }
        for (int q = 0; q < np; q++)
            for (int h = 0; h < 2; h++) {
                __m256i bytes = _mm256_shuffle_epi8(table, _mm256_xor_si256(x[0][0], wsplit[q][0][h][0]));
                bytes = _mm256_add_epi8(bytes, _mm256_shuffle_epi8(table, _mm256_xor_si256(x[0][1], wsplit[q][0][h][1])));
                if (kw == 2) {
                    bytes = _mm256_add_epi8(bytes, _mm256_shuffle_epi8(table, _mm256_xor_si256(x[1][0], wsplit[q][1][h][0])));
                    bytes = _mm256_add_epi8(bytes, _mm256_shuffle_epi8(table, _mm256_xor_si256(x[1][1], wsplit[q][1][h][1])));
                }
                best[q][h] = _mm256_min_epu32(best[q][h], _mm256_sad_epu8(bytes, zero));
            }
    }
    for (int q = 0; q < np; q++) finish_panel(g, p + (size_t)q, best[q][0], best[q][1]);
}

/* Any kw: per row, byte counts over runs of words, flushed into 64-bit lane sums, then into the minima. */
static inline QK_TARGET_AVX2 __attribute__((always_inline)) void panel_any_kw(const qk_bmaxpool_args *g, size_t p) {
    QK_BMP_AVX2_CONSTANTS;
    const uint64_t *panel = g->w + p * g->kw * QK_NR;
    __m256i best_lo = _mm256_set1_epi32(-1), best_hi = best_lo;
    const uint64_t *a = g->a;
    for (size_t m = 0; m < g->m; m++, a += g->lda) {
        __m256i sum_lo = zero, sum_hi = zero;
        for (size_t k0 = 0; k0 < g->kw; k0 += QK_BMP_AVX2_BYTE_RUN) {
            const size_t k1 = k0 + QK_BMP_AVX2_BYTE_RUN < g->kw ? k0 + QK_BMP_AVX2_BYTE_RUN : g->kw;
            __m256i bytes_lo = zero, bytes_hi = zero;
            for (size_t k = k0; k < k1; k++) {
                const __m256i x = _mm256_set1_epi64x((long long)a[k]);
                const __m256i wl = _mm256_loadu_si256((const __m256i *)(panel + k * QK_NR));
                const __m256i wh = _mm256_loadu_si256((const __m256i *)(panel + k * QK_NR + 4));
                bytes_lo = _mm256_add_epi8(bytes_lo, popcount_bytes(_mm256_xor_si256(x, wl), table, low_nibble));
                bytes_hi = _mm256_add_epi8(bytes_hi, popcount_bytes(_mm256_xor_si256(x, wh), table, low_nibble));
            }
            sum_lo = _mm256_add_epi64(sum_lo, _mm256_sad_epu8(bytes_lo, zero));
            sum_hi = _mm256_add_epi64(sum_hi, _mm256_sad_epu8(bytes_hi, zero));
        }
        best_lo = _mm256_min_epu32(best_lo, sum_lo);
        best_hi = _mm256_min_epu32(best_hi, sum_hi);
    }
    finish_panel(g, p, best_lo, best_hi);
}

/* Constant (np, kw) per call so the minima stay in registers. */
#define QK_BMP_SPLIT_CASE(np)                                                                                          \
    case np:                                                                                                           \
        if (g->kw == 2) block_split(g, p, np, 2);                                                                      \
        else block_split(g, p, np, 1);                                                                                 \
        break;

static QK_TARGET_AVX2 void bmaxpool_avx2(const qk_bmaxpool_args *g, size_t p0, size_t p1) {
    if (g->kw == 1 || g->kw == 2) {
        for (size_t p = p0; p < p1; p += QK_BMP_AVX2_PANELS) {
            switch (p1 - p < QK_BMP_AVX2_PANELS ? p1 - p : QK_BMP_AVX2_PANELS) {
                QK_BMP_SPLIT_CASE(4)
                QK_BMP_SPLIT_CASE(3)
                QK_BMP_SPLIT_CASE(2)
                QK_BMP_SPLIT_CASE(1)
            default: break;
            }
        }
        return;
    }
    for (size_t p = p0; p < p1; p++) panel_any_kw(g, p);
}

const qk_bmaxpool_variant qk_bmaxpool_avx2 = {.run = bmaxpool_avx2, .panel_block = QK_BMP_AVX2_PANELS};

#endif
