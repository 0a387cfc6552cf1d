/* f32_epilogue_avx2.h — the epilogue (qk_f32.h) over a block of up to 4 rows × 2 ymm (16 channels), shared by the
 * AVX2 tile and the AVX2 elementwise pass.
 *
 * Each stage is one loop over the whole block behind one test of its option, not one test per vector: with
 * k = 3 (BiPointNet's first layer) per-vector option tests cost more than the sums. */
#ifndef QK_F32_EPILOGUE_AVX2_H
#define QK_F32_EPILOGUE_AVX2_H

#if defined(__x86_64__)
#include <immintrin.h>

#include "f32_internal.h"

#define QK_F32_TARGET_AVX2 __attribute__((target("avx2")))
#define QK_F32_INLINE_AVX2 static inline QK_F32_TARGET_AVX2 __attribute__((always_inline))

#define QK_F32_NV8 2 /* ymm per block row */

/* Lane mask of the `live` (1..8) leading lanes, for vmaskmovps: masked lanes neither fault nor get written. */
QK_F32_INLINE_AVX2 __m256i qk_f32_live8(size_t live) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)live), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/* Vector v of a block with nv vectors: all but the last are full; the last has `live_last` lanes (1..8), masked
 * by `last`. Full vectors avoid vmaskmovps, whose store form is microcoded and slow on AMD cores. */
#define QK_F32_LD8(p, v) ((v) < nv - 1 || live_last == 8 ? _mm256_loadu_ps(p) : _mm256_maskload_ps((p), last))
#define QK_F32_ST8(p, v, x)                                                                                        \
    do {                                                                                                           \
        if ((v) < nv - 1 || live_last == 8) _mm256_storeu_ps((p), (x));                                            \
        else _mm256_maskstore_ps((p), last, (x));                                                                  \
    } while (0)

/* acc → + bias → + residual → clamp → y and sign bits, for rows row0.. (mr of them) and channels jb + 8v (nv
 * vectors) of n-channel rows. Sign bits are ORed into word[r] at bit shift + 8v (lanes past n give 0). Clamp
 * compares and blends: vmaxps answers differently from Swift's max for NaN and for equal zeros of either sign. */
QK_F32_INLINE_AVX2 void qk_f32_epilogue8(__m256 acc[QK_F32_MR][QK_F32_NV8], const int mr, const int nv, size_t row0,
                                         size_t jb, size_t n, const float *bias, const qk_f32_epilogue *o,
                                         uint64_t word[QK_F32_MR], unsigned shift) {
    const size_t live_last = n - jb - 8 * (size_t)(nv - 1) < 8 ? n - jb - 8 * (size_t)(nv - 1) : 8;
    const __m256i last = qk_f32_live8(live_last);
    if (bias) {
        QK_F32_UNROLL
        for (int v = 0; v < nv; v++) {
            const __m256 b = QK_F32_LD8(bias + jb + 8 * v, v); /* once per block, shared by its rows */
            QK_F32_UNROLL
            for (int r = 0; r < mr; r++) acc[r][v] = _mm256_add_ps(acc[r][v], b);
        }
    }
    if (o->residual) {
        QK_F32_UNROLL
        for (int r = 0; r < mr; r++)
            QK_F32_UNROLL
            for (int v = 0; v < nv; v++)
                acc[r][v] = _mm256_add_ps(acc[r][v], QK_F32_LD8(o->residual + (row0 + r) * n + jb + 8 * v, v));
    }
    if (o->clamp) {
        const __m256 lo = _mm256_set1_ps(o->lo), hi = _mm256_set1_ps(o->hi);
        QK_F32_UNROLL
        for (int r = 0; r < mr; r++)
            QK_F32_UNROLL
            for (int v = 0; v < nv; v++) {
                __m256 x = acc[r][v];
                x = _mm256_blendv_ps(x, lo, _mm256_cmp_ps(lo, x, _CMP_GE_OQ));        /* lo >= x ? lo : x */
                acc[r][v] = _mm256_blendv_ps(x, hi, _mm256_cmp_ps(hi, x, _CMP_LT_OQ)); /* hi < x ? hi : x */
            }
    }
    if (o->y) {
        QK_F32_UNROLL
        for (int r = 0; r < mr; r++)
            QK_F32_UNROLL
            for (int v = 0; v < nv; v++) QK_F32_ST8(o->y + (row0 + r) * n + jb + 8 * v, v, acc[r][v]);
    }
    if (o->bits) {
        const unsigned last_bits = (1u << live_last) - 1u;
        QK_F32_UNROLL
        for (int r = 0; r < mr; r++)
            QK_F32_UNROLL
            for (int v = 0; v < nv; v++) {
                const unsigned neg =
                    (unsigned)_mm256_movemask_ps(_mm256_cmp_ps(acc[r][v], _mm256_setzero_ps(), _CMP_LT_OQ));
                word[r] |= (uint64_t)(v < nv - 1 ? neg : neg & last_bits) << (shift + 8 * (unsigned)v);
            }
    }
}

#endif
#endif
