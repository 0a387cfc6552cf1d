/* bmaxpool_neon.c — aarch64 Advanced SIMD fused binary layer + max over rows. A q register is 2 channels × 64 bits of
 * a panel step, so vcntq_u8 of the XOR gives 8 byte counts per channel. Instead of widening every row's counts to
 * 64-bit lanes (3 pairwise widening adds per register, as the GEMM does), three levels of vpaddq_u8 fold the 16 count
 * registers of two panels into one register whose byte j is channel j's popcount — 1 op per 128 weight bits, the
 * same as the roofline loop's accumulate — and a single vminq_u8 keeps all 16 running minima. Bytes suffice while a
 * popcount fits 8 bits: kw ≤ 2 (≤ 128, kw ≤ 3 would also fit but its 24 weight registers crowd out the rest).
 *
 * kw ≤ 2: two panels' weights (8·kw q registers) stay in registers for the whole row stream; a row costs kw
 * replicating loads, and per 128 weight bits one veor, one vcnt and one add (vaddq_u8 over the words or vpaddq_u8 in
 * the tree). Other kw: counts run in byte lanes over ≤ 31 words (31·8 = 248 < 256), fold through vpaddlq_u8 and two
 * vpaddq_u16 levels to one 16-bit lane per channel, widen into 32-bit row sums, then vminq_u32. */
#include "bmaxpool_internal.h"

#if defined(__aarch64__)
#include <arm_neon.h>

#define QK_BMP_NEON_PANELS 2
/* GCC at -O2 keeps small constant loops over vector arrays as loops over stack memory; unrolled, the arrays become
 * registers (clang unrolls them anyway). */
#define QK_BMP_UNROLL _Pragma("GCC unroll 8")
#define QK_BMP_NEON_BYTE_RUN 31

/* c[v] holds the byte counts of channels 2v and 2v+1 of the panel pair (8 bytes each, the panel layout's order).
 * Each vpaddq_u8 level halves the bytes per channel and keeps channel order: 8 → 4 → 2 → 1 byte. */
static inline uint8x16_t channel_bytes(const uint8x16_t c[8]) {
    const uint8x16_t l0 = vpaddq_u8(c[0], c[1]), l1 = vpaddq_u8(c[2], c[3]);
    const uint8x16_t l2 = vpaddq_u8(c[4], c[5]), l3 = vpaddq_u8(c[6], c[7]);
    return vpaddq_u8(vpaddq_u8(l0, l1), vpaddq_u8(l2, l3));
}

static inline uint8x16_t load_step(const uint64_t *p) { return vreinterpretq_u8_u64(vld1q_u64(p)); }
static inline uint8x16_t load_word(const uint64_t *p) { return vreinterpretq_u8_u64(vld1q_dup_u64(p)); }

static inline void finish_bytes(const qk_bmaxpool_args *g, size_t p, int np, uint8x16_t best) {
    uint8_t bytes[2 * QK_NR];
    vst1q_u8(bytes, best);
    for (int q = 0; q < np; q++) {
        uint32_t min_pop[QK_NR];
        for (int j = 0; j < QK_NR; j++) min_pop[j] = bytes[q * QK_NR + j];
        qk_bmaxpool_finish(g, p + (size_t)q, min_pop);
    }
}

/* np (1 or 2) panels of kw (1 or 2) words held in registers while every row streams past. */
static inline __attribute__((always_inline)) void pair_in_registers(const qk_bmaxpool_args *g, size_t p, const int np,
                                                                    const int kw) {
    uint8x16_t w[QK_BMP_NEON_PANELS][2][4];
    QK_BMP_UNROLL
    for (int q = 0; q < np; q++) {
        const uint64_t *panel = g->w + (p + (size_t)q) * (size_t)kw * QK_NR;
        QK_BMP_UNROLL
        for (int k = 0; k < kw; k++) {
            QK_BMP_UNROLL
            for (int v = 0; v < 4; v++) w[q][k][v] = load_step(panel + (size_t)k * QK_NR + (size_t)v * 2);
        }
    }
    uint8x16_t best = vdupq_n_u8(0xff);
    const uint64_t *a = g->a;
    for (size_t m = 0; m < g->m; m++, a += g->lda) {
        const uint8x16_t x0 = load_word(a);
        const uint8x16_t x1 = kw == 2 ? load_word(a + 1) : x0;
        uint8x16_t c[8];
        QK_BMP_UNROLL
        for (int q = 0; q < QK_BMP_NEON_PANELS; q++) {
            QK_BMP_UNROLL
            for (int v = 0; v < 4; v++) {
                if (q >= np) { /* a lone last panel: zeros for the missing one, constant-folded away */
                    c[q * 4 + v] = vdupq_n_u8(0);
                    continue;
                }
                uint8x16_t count = vcntq_u8(veorq_u8(x0, w[q][0][v]));
                if (kw == 2) count = vaddq_u8(count, vcntq_u8(veorq_u8(x1, w[q][1][v])));
                c[q * 4 + v] = count;
            }
        }
        best = vminq_u8(best, channel_bytes(c));
    }
    finish_bytes(g, p, np, best);
}

/* Any kw: 32-bit per-row sums of 16 channels, then their minima. */
static inline __attribute__((always_inline)) void pair_any_kw(const qk_bmaxpool_args *g, size_t p, const int np) {
    const uint64_t *panel[QK_BMP_NEON_PANELS];
    for (int q = 0; q < np; q++) panel[q] = g->w + (p + (size_t)q) * g->kw * QK_NR;
    uint32x4_t best[4];
    for (int i = 0; i < 4; i++) best[i] = vdupq_n_u32(UINT32_MAX);
    const uint64_t *a = g->a;
    for (size_t m = 0; m < g->m; m++, a += g->lda) {
        uint32x4_t sum[4];
        for (int i = 0; i < 4; i++) sum[i] = vdupq_n_u32(0);
        for (size_t k0 = 0; k0 < g->kw; k0 += QK_BMP_NEON_BYTE_RUN) {
            const size_t k1 = k0 + QK_BMP_NEON_BYTE_RUN < g->kw ? k0 + QK_BMP_NEON_BYTE_RUN : g->kw;
            uint8x16_t bytes[8];
            for (int i = 0; i < 8; i++) bytes[i] = vdupq_n_u8(0);
            for (size_t k = k0; k < k1; k++) {
                const uint8x16_t x = load_word(a + k);
                for (int q = 0; q < np; q++)
                    for (int v = 0; v < 4; v++) {
                        const uint8x16_t wv = load_step(panel[q] + k * QK_NR + (size_t)v * 2);
                        bytes[q * 4 + v] = vaddq_u8(bytes[q * 4 + v], vcntq_u8(veorq_u8(x, wv)));
                    }
            }
            uint16x8_t h[8];
            for (int i = 0; i < 8; i++) h[i] = vpaddlq_u8(bytes[i]); /* 4 lanes per channel */
            const uint16x8_t g0 = vpaddq_u16(h[0], h[1]), g1 = vpaddq_u16(h[2], h[3]);
            const uint16x8_t g2 = vpaddq_u16(h[4], h[5]), g3 = vpaddq_u16(h[6], h[7]);
            const uint16x8_t f0 = vpaddq_u16(g0, g1), f1 = vpaddq_u16(g2, g3); /* lane j = channel j (of 8) */
            sum[0] = vaddw_u16(sum[0], vget_low_u16(f0));
            sum[1] = vaddw_high_u16(sum[1], f0);
            sum[2] = vaddw_u16(sum[2], vget_low_u16(f1));
            sum[3] = vaddw_high_u16(sum[3], f1);
        }
        for (int i = 0; i < 4; i++) best[i] = vminq_u32(best[i], sum[i]);
    }
    for (int q = 0; q < np; q++) {
        uint32_t min_pop[QK_NR];
        vst1q_u32(min_pop, best[2 * q]);
        vst1q_u32(min_pop + 4, best[2 * q + 1]);
        qk_bmaxpool_finish(g, p + (size_t)q, min_pop);
    }
}

static void bmaxpool_neon(const qk_bmaxpool_args *g, size_t p0, size_t p1) {
    for (size_t p = p0; p < p1; p += QK_BMP_NEON_PANELS) {
        const int pair = p + QK_BMP_NEON_PANELS <= p1;
        switch (g->kw) {
        case 1:
            if (pair) pair_in_registers(g, p, 2, 1);
            else pair_in_registers(g, p, 1, 1);
            break;
        case 2:
            if (pair) pair_in_registers(g, p, 2, 2);
            else pair_in_registers(g, p, 1, 2);
            break;
        default:
            if (pair) pair_any_kw(g, p, 2);
            else pair_any_kw(g, p, 1);
            break;
        }
    }
}

const qk_bmaxpool_variant qk_bmaxpool_neon = {.run = bmaxpool_neon, .panel_block = QK_BMP_NEON_PANELS};

#endif
