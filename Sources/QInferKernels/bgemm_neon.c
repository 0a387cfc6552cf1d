/* bgemm_neon.c — aarch64 Advanced SIMD binary GEMM. vcntq_u8 counts bits per byte; byte counts add up for 31
 * words (31·8 = 248 < 256), then pairwise widening adds (u8→u16→u32→u64) fold each 64-bit lane, which is one
 * channel's word. A panel step is 4 q registers; tile: 2 rows × 1 panel (8 byte and 8 lane accumulators). */
#include "bgemm_smallk.h"
#include "qk_store_panel.h"

#if defined(__aarch64__)
#include <arm_neon.h>

#define QK_NEON_MR 2
#define QK_NEON_BYTE_RUN 31

static inline uint8_t bits_from_lanes(uint32x4_t lo, uint32x4_t hi) {
    static const uint32_t weights_lo[4] = {1, 2, 4, 8}, weights_hi[4] = {16, 32, 64, 128};
    const uint32x4_t sel = vorrq_u32(vandq_u32(lo, vld1q_u32(weights_lo)), vandq_u32(hi, vld1q_u32(weights_hi)));
    return (uint8_t)vaddvq_u32(sel);
}

/* Full-panel output stage: the same integer acc and separately rounded multiply/add as qk_store_panel_scalar. */
static inline void store_panel_neon(const qk_bgemm_args *g, size_t m, size_t p, uint32x4_t pop_lo, uint32x4_t pop_hi) {
    const size_t n0 = p * QK_NR;
    const int32x4_t k = vdupq_n_s32(g->k_bits);
    int32x4_t acc_lo = vsubq_s32(k, vreinterpretq_s32_u32(vshlq_n_u32(pop_lo, 1)));
    int32x4_t acc_hi = vsubq_s32(k, vreinterpretq_s32_u32(vshlq_n_u32(pop_hi, 1)));
    if (g->row_corr && g->row_corr[m]) {
        acc_lo = vsubq_s32(acc_lo, vld1q_s32(g->row_corr[m] + n0));
        acc_hi = vsubq_s32(acc_hi, vld1q_s32(g->row_corr[m] + n0 + 4));
    }
    switch (g->out.kind) {
    case QK_OUT_INT32: {
        int32_t *row = (int32_t *)g->out.out + m * g->out.ldo + n0;
        vst1q_s32(row, acc_lo);
        vst1q_s32(row + 4, acc_hi);
        break;
    }
    case QK_OUT_FLOAT: {
        float *row = (float *)g->out.out + m * g->out.ldo + n0;
        const float32x4_t s_lo = vmulq_f32(vcvtq_f32_s32(acc_lo), vld1q_f32(g->out.mul + n0));
        const float32x4_t s_hi = vmulq_f32(vcvtq_f32_s32(acc_hi), vld1q_f32(g->out.mul + n0 + 4));
        vst1q_f32(row, vaddq_f32(s_lo, vld1q_f32(g->out.bias + n0)));
        vst1q_f32(row + 4, vaddq_f32(s_hi, vld1q_f32(g->out.bias + n0 + 4)));
        break;
    }
    case QK_OUT_BITS: {
        const uint32x4_t below_lo = vcltq_s32(acc_lo, vld1q_s32(g->out.thresh + n0));
        const uint32x4_t below_hi = vcltq_s32(acc_hi, vld1q_s32(g->out.thresh + n0 + 4));
        uint8_t *row = (uint8_t *)((uint64_t *)g->out.out + m * g->out.ldo);
        row[p] = bits_from_lanes(below_lo, below_hi) ^ ((const uint8_t *)g->out.flip)[p];
        qk_zero_bits_tail(g, row, p);
        break;
    }
    }
}

static inline uint64x2_t widen_add(uint64x2_t sum, uint8x16_t bytes) {
    return vpadalq_u32(sum, vpaddlq_u16(vpaddlq_u8(bytes)));
}

static inline __attribute__((always_inline)) void tile(const qk_bgemm_args *g, size_t m, size_t p, const int mr) {
    const uint64_t *panel = g->w + p * g->kw * QK_NR;
    const uint64_t *a[QK_NEON_MR];
    for (int r = 0; r < mr; r++) a[r] = g->a + (m + (size_t)r) * g->lda;
    uint64x2_t sum[QK_NEON_MR][4];
    for (int r = 0; r < mr; r++)
        for (int v = 0; v < 4; v++) sum[r][v] = vdupq_n_u64(0);
    for (size_t k0 = 0; k0 < g->kw; k0 += QK_NEON_BYTE_RUN) {
        const size_t k1 = k0 + QK_NEON_BYTE_RUN < g->kw ? k0 + QK_NEON_BYTE_RUN : g->kw;
        uint8x16_t bytes[QK_NEON_MR][4];
        for (int r = 0; r < mr; r++)
            for (int v = 0; v < 4; v++) bytes[r][v] = vdupq_n_u8(0);
        for (size_t k = k0; k < k1; k++) {
            uint8x16_t w[4];
            for (int v = 0; v < 4; v++) w[v] = vreinterpretq_u8_u64(vld1q_u64(panel + k * QK_NR + (size_t)v * 2));
            for (int r = 0; r < mr; r++) {
                const uint8x16_t x = vreinterpretq_u8_u64(vdupq_n_u64(a[r][k]));
                for (int v = 0; v < 4; v++) bytes[r][v] = vaddq_u8(bytes[r][v], vcntq_u8(veorq_u8(x, w[v])));
            }
        }
        for (int r = 0; r < mr; r++)
            for (int v = 0; v < 4; v++) sum[r][v] = widen_add(sum[r][v], bytes[r][v]);
    }
    const int vector_store = (p + 1) * QK_NR <= g->n; /* partial panels: the scalar store masks dead channels */
    for (int r = 0; r < mr; r++) {
        const uint32x4_t pop_lo = vcombine_u32(vmovn_u64(sum[r][0]), vmovn_u64(sum[r][1]));
        const uint32x4_t pop_hi = vcombine_u32(vmovn_u64(sum[r][2]), vmovn_u64(sum[r][3]));
        if (vector_store) {
            store_panel_neon(g, m + (size_t)r, p, pop_lo, pop_hi);
        } else {
            uint32_t pop[QK_NR];
            vst1q_u32(pop, pop_lo);
            vst1q_u32(pop + 4, pop_hi);
            qk_store_panel_scalar(g, m + (size_t)r, p, pop);
        }
    }
}

static void bgemm_neon(const qk_bgemm_args *g, size_t m0, size_t m1, size_t p0, size_t p1) {
    if (qk_smallk_applies(g, m0, m1)) {
        qk_bgemm_smallk_neon(g, m0, m1, p0, p1);
        return;
    }
    for (size_t p = p0; p < p1; p++) {
        size_t m = m0;
        for (; m + QK_NEON_MR <= m1; m += QK_NEON_MR) tile(g, m, p, QK_NEON_MR);
        if (m < m1) tile(g, m, p, 1);
    }
}

/* ---- bit-packing: lane masks AND a bit weight per lane, then a horizontal add assembles the bits ----------- */

static void bitpack_f32_neon(const float *x, size_t rows, size_t k, size_t ldx, uint64_t *out, size_t ldo) {
    static const uint32_t weights[4] = {1, 2, 4, 8};
    const uint32x4_t wv = vld1q_u32(weights);
    const size_t whole = k / 64;
    for (size_t r = 0; r < rows; r++) {
        const float *src = x + r * ldx;
        uint64_t *dst = out + r * ldo;
        for (size_t w = 0; w < whole; w++) {
            uint64_t word = 0;
            for (int i = 0; i < 16; i++) {
                const uint32x4_t neg = vcltq_f32(vld1q_f32(src + w * 64 + (size_t)i * 4), vdupq_n_f32(0.0f));
                word |= (uint64_t)vaddvq_u32(vandq_u32(neg, wv)) << (i * 4);
            }
            dst[w] = word;
        }
        if (whole * 64 < k) qk_bitpack_f32_scalar(src + whole * 64, 1, k - whole * 64, ldx, dst + whole, ldo);
    }
}

const qk_isa_kernels qk_kernels_neon = {
    .bitpack_f32 = bitpack_f32_neon,
    .bgemm = bgemm_neon,
};

#endif
