/* f32_epilogue_neon.h — the epilogue (qk_f32.h) over a block of up to 4 rows × 4 q registers (16 channels), shared
 * by the NEON tile and the NEON elementwise pass.
 *
 * Each stage is one loop over the whole block behind one test of its option, not one test per vector: with
 * k = 3 (BiPointNet's first layer) per-vector option tests cost more than the sums. */
#ifndef QK_F32_EPILOGUE_NEON_H
#define QK_F32_EPILOGUE_NEON_H

#if defined(__aarch64__)
#include <arm_neon.h>

#include "f32_internal.h"

#define QK_F32_NV4 4 /* q registers per block row */
#define QK_F32_INLINE_NEON static inline __attribute__((always_inline))

/* The `live` (1..4) leading floats of p, lane by lane (NEON has no masked loads); lanes past them are +0 and never
 * stored. Lane moves rather than a stack copy: a variable-length copy becomes a memcpy call, around which every
 * accumulator would be spilled. */
QK_F32_INLINE_NEON float32x4_t qk_f32_load_part4(const float *p, size_t live) {
    if (live >= 4) return vld1q_f32(p);
    float32x4_t v = vld1q_lane_f32(p, vdupq_n_f32(0.0f), 0);
    if (live > 1) v = vld1q_lane_f32(p + 1, v, 1);
    if (live > 2) v = vld1q_lane_f32(p + 2, v, 2);
    return v;
}

QK_F32_INLINE_NEON void qk_f32_store_part4(float *p, size_t live, float32x4_t v) {
    if (live >= 4) {
        vst1q_f32(p, v);
        return;
    }
    vst1q_lane_f32(p, v, 0);
    if (live > 1) vst1q_lane_f32(p + 1, v, 1);
    if (live > 2) vst1q_lane_f32(p + 2, v, 2);
}

/* Vector v of a block with nv vectors: all but the last are full; the last has `live_last` lanes (1..4). */
#define QK_F32_LD4(p, v) ((v) < nv - 1 ? vld1q_f32(p) : qk_f32_load_part4((p), live_last))
#define QK_F32_ST4(p, v, x)                                                                                        \
    do {                                                                                                           \
        if ((v) < nv - 1) vst1q_f32((p), (x));                                                                     \
        else qk_f32_store_part4((p), live_last, (x));                                                              \
    } while (0)

/* acc → + bias → + residual → clamp → y and sign bits, for rows row0.. (mr of them) and channels jb + 4v (nv
 * vectors) of n-channel rows. Sign bits are ORed into word[r] at bit shift + 4v (lanes past n give 0). Clamp
 * compares and selects: vmaxq/vminq propagate NaN and order −0 below +0, where Swift's max/min do neither. */
QK_F32_INLINE_NEON void qk_f32_epilogue4(float32x4_t acc[QK_F32_MR][QK_F32_NV4], const int mr, const int nv,
                                         size_t row0, size_t jb, size_t n, const float *bias,
                                         const qk_f32_epilogue *o, uint64_t word[QK_F32_MR], unsigned shift) {
    const size_t live_last = n - jb - 4 * (size_t)(nv - 1) < 4 ? n - jb - 4 * (size_t)(nv - 1) : 4;
    if (bias) {
        QK_F32_UNROLL
        for (int v = 0; v < nv; v++) {
            const float32x4_t b = QK_F32_LD4(bias + jb + 4 * v, v); /* once per block, shared by its rows */
            QK_F32_UNROLL
            for (int r = 0; r < mr; r++) acc[r][v] = vaddq_f32(acc[r][v], b);
        }
    }
    if (o->residual) {
        QK_F32_UNROLL
        for (int r = 0; r < mr; r++)
            QK_F32_UNROLL
            for (int v = 0; v < nv; v++)
                acc[r][v] = vaddq_f32(acc[r][v], QK_F32_LD4(o->residual + (row0 + r) * n + jb + 4 * v, v));
    }
    if (o->clamp) {
        const float32x4_t lo = vdupq_n_f32(o->lo), hi = vdupq_n_f32(o->hi);
        QK_F32_UNROLL
        for (int r = 0; r < mr; r++)
            QK_F32_UNROLL
            for (int v = 0; v < nv; v++) {
                float32x4_t x = acc[r][v];
                x = vbslq_f32(vcgeq_f32(lo, x), lo, x);         /* lo >= x ? lo : x */
                acc[r][v] = vbslq_f32(vcltq_f32(hi, x), hi, x); /* hi < x ? hi : x */
            }
    }
    if (o->y) {
        QK_F32_UNROLL
        for (int r = 0; r < mr; r++)
            QK_F32_UNROLL
            for (int v = 0; v < nv; v++) QK_F32_ST4(o->y + (row0 + r) * n + jb + 4 * v, v, acc[r][v]);
    }
    if (o->bits) {
        /* lane i of vector v weighs 2^(4v + i); the weights of the negative lanes (false for −0 and NaN) are
         * disjoint bits, so one horizontal add per row collects the block's 16 sign bits */
        static const uint32_t lane_bits[4] = {1, 2, 4, 8};
        const uint32x4_t weights = vld1q_u32(lane_bits);
        const uint32_t last_bits = (1u << live_last) - 1u;
        const float32x4_t zero = vdupq_n_f32(0.0f);
        QK_F32_UNROLL
        for (int r = 0; r < mr; r++) {
            uint32x4_t sum = vdupq_n_u32(0);
            QK_F32_UNROLL
            for (int v = 0; v < nv; v++) {
                uint32x4_t neg = vandq_u32(vcltq_f32(acc[r][v], zero), weights);
                if (v == nv - 1) neg = vandq_u32(neg, vdupq_n_u32(last_bits));
                sum = vorrq_u32(sum, vshlq_u32(neg, vdupq_n_s32(4 * v)));
            }
            word[r] |= (uint64_t)vaddvq_u32(sum) << shift;
        }
    }
}

#endif
#endif
