/* bgemm_smallk_neon.c — the small-K binary GEMM (bgemm_smallk.h) for aarch64 Advanced SIMD, the product's target.
 *
 * A q register is one panel step of two channels (8 bytes each), straight from the panel layout. A block is as
 * many channels as 16 registers of weights hold — 32 channels for kw = 1, 16 for kw = 2 — leaving the other 16
 * registers for the row's counts. Per row: one broadcast load per activation word, EOR + CNT per weight
 * register (byte counts, ≤ 16 per byte after adding both words), then a tree of pairwise byte adds (ADDP) that
 * halves the bytes per channel at each level: 8 → 4 → 2 → 1, merging two registers into one each time, so three
 * levels turn 8 registers (16 channels × 8 bytes) into one register of 16 per-channel counts, in channel order.
 * Counts ≤ 128 fit a byte, so no widening is needed at all: BITS compares the bytes against byte bounds (CMHS),
 * keeps one weight bit per channel and folds the bits together with three more pairwise adds; INT32/FLOAT widen
 * the 16 counts once. (Larq Compute Engine's arm64 kernels reduce their byte counts with the same ADDP tree
 * before widening into 32-bit accumulators, which large K needs and K ≤ 128 does not.) */
#include "bgemm_smallk.h"
#include "qk_store_panel.h" /* FP_CONTRACT OFF: the FLOAT output rounds after the multiply and after the add */

#if defined(__aarch64__)
#include <arm_neon.h>

#define SK_REGS 16 /* weight registers per block */

#define SK_INLINE static inline __attribute__((always_inline))

/* Sums each channel's 8 byte counts: `regs` registers of 2 channels × 8 bytes → regs/8 registers of 16 channels
 * × 1 byte, channel order kept. */
SK_INLINE void reduce_counts(uint8x16_t c[SK_REGS], const int regs, uint8x16_t out[2]) {
    QK_SK_UNROLL
    for (int live = regs; live > regs / 8; live /= 2) {
        QK_SK_UNROLL
        for (int i = 0; i < live / 2; i++) c[i] = vpaddq_u8(c[2 * i], c[2 * i + 1]);
    }
    QK_SK_UNROLL
    for (int i = 0; i < regs / 8; i++) out[i] = c[i];
}

/* One row: per-channel popcounts of the block, 16 channels per register. */
SK_INLINE void row_counts(const uint64_t *a, const uint8x16_t *w, const int kw, uint8x16_t out[2]) {
    const int regs = SK_REGS / kw;
    uint8x16_t c[SK_REGS];
    const uint8x16_t x0 = vreinterpretq_u8_u64(vld1q_dup_u64(a));
    QK_SK_UNROLL
    for (int v = 0; v < regs; v++) c[v] = vcntq_u8(veorq_u8(x0, w[v * kw]));
    if (kw == 2) {
        const uint8x16_t x1 = vreinterpretq_u8_u64(vld1q_dup_u64(a + 1));
        QK_SK_UNROLL
        for (int v = 0; v < regs; v++) c[v] = vaddq_u8(c[v], vcntq_u8(veorq_u8(x1, w[v * kw + 1])));
    }
    reduce_counts(c, regs, out);
}

/* 0xff/0x00 per channel → packed bits, channel i at bit i: each byte keeps its bit's weight, and pairwise adds
 * (the weights of a group are distinct bits, so adding is OR-ing) fold 8 bytes into one. */
SK_INLINE uint64_t bits_of(const uint8x16_t ge[2], const int vecs) {
    static const uint8_t weights[16] = {1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128};
    const uint8x16_t wv = vld1q_u8(weights);
    const uint8x16_t lo = vandq_u8(ge[0], wv), hi = vecs == 2 ? vandq_u8(ge[1], wv) : lo;
    const uint8x16_t pairs = vpaddq_u8(lo, hi);
    const uint8x8_t quads = vpadd_u8(vget_low_u8(pairs), vget_high_u8(pairs));
    const uint8x8_t octets = vpadd_u8(quads, quads);
    const uint64_t packed = vget_lane_u64(vreinterpret_u64_u8(octets), 0);
    return vecs == 2 ? (uint32_t)packed : (uint16_t)packed;
}

SK_INLINE void block_bits(const qk_bgemm_args *g, const qk_smallk_block *b, const uint8x16_t *w, const int kw,
                          size_t m0, size_t m1) {
    const int width = 32 / kw, vecs = width / 16;
    uint8_t bound[32] = {0};
    qk_smallk_pop_bounds(g, b->c0, (size_t)width, bound);
    const uint8x16_t bound0 = vld1q_u8(bound), bound1 = vld1q_u8(bound + 16);
    const uint64_t flip = qk_smallk_flip(g, b->c0, (size_t)width), live = b->live;
    const size_t ldo = g->out.ldo;
    uint8_t *out = (uint8_t *)((uint64_t *)g->out.out + m0 * ldo) + b->c0 / 8;
    const uint64_t *a = g->a + m0 * g->lda; /* locals: the output stores may alias *g for all the compiler knows */
    const size_t lda = g->lda;
    for (size_t m = m0; m < m1; m++, a += lda, out += ldo * 8) {
        uint8x16_t pop[2], ge[2];
        row_counts(a, w, kw, pop);
        ge[0] = vcgeq_u8(pop[0], bound0);
        if (vecs == 2) ge[1] = vcgeq_u8(pop[1], bound1);
        qk_smallk_store_bits(out, (bits_of(ge, vecs) ^ flip) & live, b->byte_lo, b->byte_hi);
    }
}

/* INT32/FLOAT: the 16 byte counts of a register widen to 4 × 4 lanes; acc = K − 2·pop, then for floats the
 * multiply and the add as two roundings. */
SK_INLINE void block_values(const qk_bgemm_args *g, const qk_smallk_block *b, const uint8x16_t *w, const int kw,
                            const int as_float, size_t m0, size_t m1) {
    const int width = 32 / kw, vecs = width / 16;
    float mul[32], bias[32];
    if (as_float) qk_smallk_affine(g, b->c0, (size_t)width, mul, bias);
    const int32x4_t k = vdupq_n_s32(g->k_bits);
    const size_t ldo = g->out.ldo;
    uint32_t *out = (uint32_t *)g->out.out + m0 * ldo + b->c0;
    const uint64_t *a = g->a + m0 * g->lda; /* locals: the output stores may alias *g for all the compiler knows */
    const size_t lda = g->lda;
    for (size_t m = m0; m < m1; m++, a += lda, out += ldo) {
        uint8x16_t pop[2];
        row_counts(a, w, kw, pop);
        uint32_t tmp[32];
        uint32_t *dst = b->whole ? out : tmp; /* a shared or ragged block goes through tmp: write only what is ours */
        QK_SK_UNROLL
        for (int v = 0; v < vecs; v++) {
            const uint16x8_t half[2] = {vmovl_u8(vget_low_u8(pop[v])), vmovl_high_u8(pop[v])};
            QK_SK_UNROLL
            for (int q = 0; q < 4; q++) {
                const uint32x4_t p32 = q % 2 ? vmovl_high_u16(half[q / 2]) : vmovl_u16(vget_low_u16(half[q / 2]));
                const int32x4_t acc = vsubq_s32(k, vreinterpretq_s32_u32(vshlq_n_u32(p32, 1)));
                const int at = 16 * v + 4 * q;
                if (as_float) {
                    const float32x4_t scaled = vmulq_f32(vcvtq_f32_s32(acc), vld1q_f32(mul + at));
                    vst1q_f32((float *)(dst + at), vaddq_f32(scaled, vld1q_f32(bias + at)));
                } else {
                    vst1q_s32((int32_t *)(dst + at), acc);
                }
            }
        }
        if (!b->whole) memcpy(out + b->ch_lo, tmp + b->ch_lo, (b->ch_hi - b->ch_lo) * sizeof(uint32_t));
    }
}

/* kw is a constant per call site, so the 16 weight registers stay put across the row loop. */
SK_INLINE void run_blocks(const qk_bgemm_args *g, const int kw, size_t m0, size_t m1, size_t p0, size_t p1) {
    const size_t width = 32 / (size_t)kw, per_block = width / QK_NR, panels = qk_round_nr(g->n) / QK_NR;
    for (size_t pb = p0 / per_block * per_block; pb < p1; pb += per_block) {
        const qk_smallk_block b = qk_smallk_block_at(g, pb, width, p0, p1);
        uint8x16_t w[SK_REGS];
        /* register v·kw + k = word k of channels 2v, 2v+1 of the block: panel v/4, pair v%4 */
        QK_SK_UNROLL
        for (int v = 0; v < SK_REGS / kw; v++) {
            const size_t p = pb + (size_t)v / 4;
            QK_SK_UNROLL
            for (int k = 0; k < kw; k++) {
                w[v * kw + k] = p < panels ? vreinterpretq_u8_u64(vld1q_u64(g->w + (p * (size_t)kw + (size_t)k) * QK_NR + (size_t)(v % 4) * 2))
                                           : vdupq_n_u8(0);
            }
        }
        switch (g->out.kind) {
        case QK_OUT_BITS: block_bits(g, &b, w, kw, m0, m1); break;
        case QK_OUT_INT32: block_values(g, &b, w, kw, 0, m0, m1); break;
        case QK_OUT_FLOAT: block_values(g, &b, w, kw, 1, m0, m1); break;
        }
    }
}

void qk_bgemm_smallk_neon(const qk_bgemm_args *g, size_t m0, size_t m1, size_t p0, size_t p1) {
    if (g->kw == 1) run_blocks(g, 1, m0, m1, p0, p1);
    else run_blocks(g, 2, m0, m1, p0, p1);
}

#endif
