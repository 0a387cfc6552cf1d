/* f32_epilogue_avx512.h — the epilogue (qk_f32.h) over a block of up to 4 rows × 4 zmm (64 channels: one word of
 * sign bits per row), shared by the AVX-512 tile and the AVX-512 elementwise pass. Include after the intrinsics
 * (native or SIMDe) and f32_internal.h.
 *
 * Each stage is one loop over the whole block behind one test of its option, not one test per vector: with
 * k = 3 (BiPointNet's first layer) per-vector option tests cost more than the sums. */
#ifndef QK_F32_EPILOGUE_AVX512_H
#define QK_F32_EPILOGUE_AVX512_H

#if defined(QK_AVX512_VIA_SIMDE)
#define QK_F32_TARGET_AVX512
#else
#define QK_F32_TARGET_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx2")))
#endif
#define QK_F32_INLINE_AVX512 static inline QK_F32_TARGET_AVX512 __attribute__((always_inline))

#define QK_F32_NV16 4 /* zmm per block row */

QK_F32_INLINE_AVX512 __mmask16 qk_f32_live16(size_t live) {
    return (__mmask16)(live >= 16 ? 0xffffu : (1u << live) - 1u);
}

/* The `live` leading floats of p (1..16; lanes past them +0), touching no memory past them. SIMDe 0.7 (the
 * self-test's AVX-512 on CPUs without it) has no masked float loads and stores, so that build copies lane by lane. */
QK_F32_INLINE_AVX512 __m512 qk_f32_load_part16(const float *p, size_t live) {
#if defined(QK_AVX512_VIA_SIMDE)
    float tmp[16] = {0};
    for (size_t i = 0; i < live && i < 16; i++) tmp[i] = p[i];
    return _mm512_loadu_ps(tmp);
#else
    return _mm512_maskz_loadu_ps(qk_f32_live16(live), p);
#endif
}

QK_F32_INLINE_AVX512 void qk_f32_store_part16(float *p, size_t live, __m512 v) {
#if defined(QK_AVX512_VIA_SIMDE)
    float tmp[16];
    _mm512_storeu_ps(tmp, v);
    for (size_t i = 0; i < live && i < 16; i++) p[i] = tmp[i];
#else
    _mm512_mask_storeu_ps(p, qk_f32_live16(live), v);
#endif
}

/* Vector v of a block with nv vectors: all but the last are full; the last has `live_last` lanes (1..16). */
#define QK_F32_LD16(p, v) ((v) < nv - 1 ? _mm512_loadu_ps(p) : qk_f32_load_part16((p), live_last))
#define QK_F32_ST16(p, v, x)                                                                                       \
    do {                                                                                                           \
        if ((v) < nv - 1) _mm512_storeu_ps((p), (x));                                                              \
        else qk_f32_store_part16((p), live_last, (x));                                                             \
    } while (0)

/* acc → + bias → + residual → clamp → y and sign bits, for rows row0.. (mr of them) and channels j0 + 16v (nv
 * vectors) of n-channel rows. Sign bits of the block are ORed into word[r] at bit 16v (lanes past n give 0). Clamp
 * compares and blends: vmaxps answers differently from Swift's max for NaN and for equal zeros of either sign. */
QK_F32_INLINE_AVX512 void qk_f32_epilogue16(__m512 acc[QK_F32_MR][QK_F32_NV16], const int mr, const int nv,
                                            size_t row0, size_t j0, size_t n, const float *bias,
                                            const qk_f32_epilogue *o, uint64_t word[QK_F32_MR]) {
    const size_t live_last = n - j0 - 16 * (size_t)(nv - 1) < 16 ? n - j0 - 16 * (size_t)(nv - 1) : 16;
    if (bias) {
        QK_F32_UNROLL
        for (int v = 0; v < nv; v++) {
            const __m512 b = QK_F32_LD16(bias + j0 + 16 * v, v); /* once per block, shared by its rows */
            QK_F32_UNROLL
            for (int r = 0; r < mr; r++) acc[r][v] = _mm512_add_ps(acc[r][v], b);
        }
    }
    if (o->residual) {
        QK_F32_UNROLL
        for (int r = 0; r < mr; r++)
            QK_F32_UNROLL
            for (int v = 0; v < nv; v++)
                acc[r][v] = _mm512_add_ps(acc[r][v], QK_F32_LD16(o->residual + (row0 + r) * n + j0 + 16 * v, v));
    }
    if (o->clamp) {
        const __m512 lo = _mm512_set1_ps(o->lo), hi = _mm512_set1_ps(o->hi);
        QK_F32_UNROLL
        for (int r = 0; r < mr; r++)
            QK_F32_UNROLL
            for (int v = 0; v < nv; v++) {
                __m512 x = acc[r][v];
                x = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(lo, x, _CMP_GE_OQ), x, lo); /* lo >= x ? lo : x */
                acc[r][v] = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(hi, x, _CMP_LT_OQ), x, hi); /* hi < x ? hi : x */
            }
    }
    if (o->y) {
        QK_F32_UNROLL
        for (int r = 0; r < mr; r++)
            QK_F32_UNROLL
            for (int v = 0; v < nv; v++) QK_F32_ST16(o->y + (row0 + r) * n + j0 + 16 * v, v, acc[r][v]);
    }
    if (o->bits) {
        const __mmask16 last = qk_f32_live16(live_last);
        QK_F32_UNROLL
        for (int r = 0; r < mr; r++)
            QK_F32_UNROLL
            for (int v = 0; v < nv; v++) {
                const __mmask16 neg = _mm512_cmp_ps_mask(acc[r][v], _mm512_setzero_ps(), _CMP_LT_OQ);
                word[r] |= (uint64_t)(uint16_t)(v < nv - 1 ? neg : neg & last) << (16 * v);
            }
    }
}

#endif
