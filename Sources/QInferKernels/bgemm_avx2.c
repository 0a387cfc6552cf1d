/* bgemm_avx2.c — AVX2 binary GEMM. AVX2 has no vector popcount, so each byte is counted with two 16-entry
 * nibble tables (vpshufb); byte counts add up for 31 words (31·8 = 248 < 256) before vpsadbw widens them into
 * the 64-bit lane sums, which are exactly the per-channel popcounts of the panel layout. Tile: 4 rows × 1 panel. */
#include "bgemm_smallk.h"
#include "qk_store_avx2.h"

#if defined(__x86_64__)

#define QK_AVX2_MR 4
#define QK_AVX2_BYTE_RUN 31 /* words summed in byte lanes before they could overflow */

static inline QK_TARGET_AVX2 __attribute__((always_inline)) __m256i popcount_bytes(__m256i x, __m256i table,
                                                                                   __m256i low_nibble) {
    const __m256i lo = _mm256_and_si256(x, low_nibble);
    const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(x, 4), low_nibble);
    return _mm256_add_epi8(_mm256_shuffle_epi8(table, lo), _mm256_shuffle_epi8(table, hi));
}

/* Two vectors of 4×u64 lane sums → 8×i32 in channel order (sums are < 2^31). */
static inline QK_TARGET_AVX2 __attribute__((always_inline)) __m256i narrow_pops(__m256i lo4, __m256i hi4) {
    const __m256 even = _mm256_shuffle_ps(_mm256_castsi256_ps(lo4), _mm256_castsi256_ps(hi4), _MM_SHUFFLE(2, 0, 2, 0));
    return _mm256_permute4x64_epi64(_mm256_castps_si256(even), _MM_SHUFFLE(3, 1, 2, 0));
}

static inline QK_TARGET_AVX2 __attribute__((always_inline)) void tile(const qk_bgemm_args *g, size_t m, size_t p,
                                                                      const int mr) {
    const __m256i table = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2, 1, 2, 2, 3, 1,
                                           2, 2, 3, 2, 3, 3, 4);
    const __m256i low_nibble = _mm256_set1_epi8(0x0f);
    const uint64_t *panel = g->w + p * g->kw * QK_NR;
    const uint64_t *a[QK_AVX2_MR];
    for (int r = 0; r < mr; r++) a[r] = g->a + (m + (size_t)r) * g->lda;
    __m256i sum_lo[QK_AVX2_MR], sum_hi[QK_AVX2_MR];
    for (int r = 0; r < mr; r++) sum_lo[r] = sum_hi[r] = _mm256_setzero_si256();
    for (size_t k0 = 0; k0 < g->kw; k0 += QK_AVX2_BYTE_RUN) {
        const size_t k1 = k0 + QK_AVX2_BYTE_RUN < g->kw ? k0 + QK_AVX2_BYTE_RUN : g->kw;
        __m256i bytes_lo[QK_AVX2_MR], bytes_hi[QK_AVX2_MR];
        for (int r = 0; r < mr; r++) bytes_lo[r] = bytes_hi[r] = _mm256_setzero_si256();
        for (size_t k = k0; k < k1; k++) {
            const __m256i w_lo = _mm256_loadu_si256((const __m256i *)(panel + k * QK_NR));
            const __m256i w_hi = _mm256_loadu_si256((const __m256i *)(panel + k * QK_NR + 4));
            for (int r = 0; r < mr; r++) {
                const __m256i x = _mm256_set1_epi64x((long long)a[r][k]);
                bytes_lo[r] = _mm256_add_epi8(bytes_lo[r], popcount_bytes(_mm256_xor_si256(x, w_lo), table, low_nibble));
                bytes_hi[r] = _mm256_add_epi8(bytes_hi[r], popcount_bytes(_mm256_xor_si256(x, w_hi), table, low_nibble));
            }
        }
        for (int r = 0; r < mr; r++) {
            sum_lo[r] = _mm256_add_epi64(sum_lo[r], _mm256_sad_epu8(bytes_lo[r], _mm256_setzero_si256()));
            sum_hi[r] = _mm256_add_epi64(sum_hi[r], _mm256_sad_epu8(bytes_hi[r], _mm256_setzero_si256()));
        }
    }
    const int vector_store = qk_panel_vector_storable(g, p);
    for (int r = 0; r < mr; r++) {
        const __m256i pops = narrow_pops(sum_lo[r], sum_hi[r]);
        if (vector_store) {
            qk_store_panel_avx2(g, m + (size_t)r, p, pops);
        } else {
            uint32_t pop[QK_NR];
            _mm256_storeu_si256((__m256i *)pop, pops);
            qk_store_panel_scalar(g, m + (size_t)r, p, pop);
        }
    }
}

static QK_TARGET_AVX2 void bgemm_avx2(const qk_bgemm_args *g, size_t m0, size_t m1, size_t p0, size_t p1) {
    if (qk_smallk_applies(g, m0, m1)) {
        qk_bgemm_smallk_avx2(g, m0, m1, p0, p1);
        return;
    }
    for (size_t p = p0; p < p1; p++) {
        size_t m = m0;
        for (; m + QK_AVX2_MR <= m1; m += QK_AVX2_MR) tile(g, m, p, QK_AVX2_MR);
        switch (m1 - m) { /* constant row counts let the compiler keep the accumulators in registers */
        case 3: tile(g, m, p, 3); break;
        case 2: tile(g, m, p, 2); break;
        case 1: tile(g, m, p, 1); break;
        default: break;
        }
    }
}

/* ---- bit-packing: compare 8 floats / 32 bytes at a time, movemask gathers the sign bits in element order ---- */

static QK_TARGET_AVX2 void bitpack_f32_avx2(const float *x, size_t rows, size_t k, size_t ldx, uint64_t *out,
                                            size_t ldo) {
    const size_t whole = k / 64;
    for (size_t r = 0; r < rows; r++) {
        const float *src = x + r * ldx;
        uint64_t *dst = out + r * ldo;
        for (size_t w = 0; w < whole; w++) {
            uint64_t word = 0;
            for (int i = 0; i < 8; i++) {
                const __m256 v = _mm256_loadu_ps(src + w * 64 + (size_t)i * 8);
                const unsigned bits = (unsigned)_mm256_movemask_ps(_mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_LT_OQ));
                word |= (uint64_t)bits << (i * 8);
            }
            dst[w] = word;
        }
        if (whole * 64 < k) qk_bitpack_f32_scalar(src + whole * 64, 1, k - whole * 64, ldx, dst + whole, ldo);
    }
}

const qk_isa_kernels qk_kernels_avx2 = {
    .bitpack_f32 = bitpack_f32_avx2,
    .bgemm = bgemm_avx2,
};

#endif
