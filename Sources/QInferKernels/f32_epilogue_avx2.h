/* f32_epilogue_avx2.h — the epilogue (qk_f32.h) for 8 channels in one ymm, shared by the AVX2 tile and the AVX2
 * elementwise pass. */
#ifndef QK_F32_EPILOGUE_AVX2_H
#define QK_F32_EPILOGUE_AVX2_H

#if defined(__x86_64__)
#include <immintrin.h>

#include "f32_internal.h"

#define QK_F32_TARGET_AVX2 __attribute__((target("avx2")))
#define QK_F32_INLINE_AVX2 static inline QK_F32_TARGET_AVX2 __attribute__((always_inline))

/* Lane mask of the `live` (1..8) leading lanes, for vmaskmovps: masked lanes neither fault nor get written. */
QK_F32_INLINE_AVX2 __m256i qk_f32_live8(size_t live) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)live), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/* `live` (1..8) leading floats of p; the lanes past them are +0 and never stored. */
QK_F32_INLINE_AVX2 __m256 qk_f32_load8(const float *p, size_t live) {
    if (live == 8) return _mm256_loadu_ps(p);
    return _mm256_maskload_ps(p, qk_f32_live8(live));
}

QK_F32_INLINE_AVX2 void qk_f32_store8(float *p, size_t live, __m256 v) {
    if (live == 8) _mm256_storeu_ps(p, v);
    else _mm256_maskstore_ps(p, qk_f32_live8(live), v);
}

/* v (bias already added) → + residual → clamp → y; returns the sign bits of the live lanes. Compare and blend, not
 * vmaxps/vminps, which answer differently from Swift's max/min for NaN and for equal zeros of either sign. */
QK_F32_INLINE_AVX2 uint32_t qk_f32_finish8(const qk_f32_epilogue *o, size_t row, size_t n, size_t j, size_t live,
                                           __m256 v) {
    if (o->residual) v = _mm256_add_ps(v, qk_f32_load8(o->residual + row * n + j, live));
    if (o->clamp) {
        const __m256 lo = _mm256_set1_ps(o->lo), hi = _mm256_set1_ps(o->hi);
        v = _mm256_blendv_ps(v, lo, _mm256_cmp_ps(lo, v, _CMP_GE_OQ)); /* lo >= v ? lo : v */
        v = _mm256_blendv_ps(v, hi, _mm256_cmp_ps(hi, v, _CMP_LT_OQ)); /* hi < v ? hi : v */
    }
    if (o->y) qk_f32_store8(o->y + row * n + j, live, v);
    const uint32_t live_bits = (1u << live) - 1u; /* tail bits must be 0 */
    return (uint32_t)_mm256_movemask_ps(_mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_LT_OQ)) & live_bits;
}

#endif
#endif
