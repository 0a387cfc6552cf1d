/* f32_epilogue_neon.h — the epilogue (qk_f32.h) for 4 channels in one q register, shared by the NEON tile and the
 * NEON elementwise pass. */
#ifndef QK_F32_EPILOGUE_NEON_H
#define QK_F32_EPILOGUE_NEON_H

#if defined(__aarch64__)
#include <arm_neon.h>

#include "f32_internal.h"

/* `live` (1..4) leading floats of p, lane by lane for a partial vector (NEON has no masked loads); the lanes past
 * them are +0 and never stored. Explicit lane moves rather than a stack copy: a variable-length copy becomes a
 * memcpy call, around which every accumulator would be spilled. */
static inline __attribute__((always_inline)) float32x4_t qk_f32_load4(const float *p, size_t live) {
    if (live == 4) return vld1q_f32(p);
    float32x4_t v = vdupq_n_f32(0.0f);
    v = vld1q_lane_f32(p, v, 0);
    if (live > 1) v = vld1q_lane_f32(p + 1, v, 1);
    if (live > 2) v = vld1q_lane_f32(p + 2, v, 2);
    return v;
}

static inline __attribute__((always_inline)) void qk_f32_store4(float *p, size_t live, float32x4_t v) {
    if (live == 4) {
        vst1q_f32(p, v);
        return;
    }
    vst1q_lane_f32(p, v, 0);
    if (live > 1) vst1q_lane_f32(p + 1, v, 1);
    if (live > 2) vst1q_lane_f32(p + 2, v, 2);
}

/* v (bias already added) → + residual → clamp → y; returns the sign bits of the live lanes. Compare and select,
 * not vmaxq/vminq, which propagate NaN and order −0 below +0 where Swift's max/min do neither. */
static inline __attribute__((always_inline)) uint32_t qk_f32_finish4(const qk_f32_epilogue *o, size_t row, size_t n,
                                                                     size_t j, size_t live, float32x4_t v) {
    if (o->residual) v = vaddq_f32(v, qk_f32_load4(o->residual + row * n + j, live));
    if (o->clamp) {
        const float32x4_t lo = vdupq_n_f32(o->lo), hi = vdupq_n_f32(o->hi);
        v = vbslq_f32(vcgeq_f32(lo, v), lo, v); /* lo >= v ? lo : v */
        v = vbslq_f32(vcltq_f32(hi, v), hi, v); /* hi < v ? hi : v */
    }
    if (o->y) qk_f32_store4(o->y + row * n + j, live, v);
    static const uint32_t lane_bits[4] = {1, 2, 4, 8};
    const uint32x4_t neg = vcltq_f32(v, vdupq_n_f32(0.0f)); /* false for −0 and NaN, as the convention wants */
    return vaddvq_u32(vandq_u32(neg, vld1q_u32(lane_bits))) & ((1u << live) - 1u);
}

#endif
#endif
