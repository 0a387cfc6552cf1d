/* bgemm_smallk.h — the small-K binary GEMM shared by every ISA's variant (one or two words per row: BiPointNet's
 * 64- and 128-channel layers, M = 1,024 points).
 *
 * With K that small a general tile does a handful of popcounts and then pays its set-up (pointers, threshold
 * limits) and one store per 8 channels, which is most of the time. These kernels turn the loops around: a block
 * of channels' weights is loaded into registers once, every row of the range streams past it with one broadcast
 * per activation word, and the counts of the whole block leave as one store per row (a 64-bit word of packed
 * bits, or whole vectors of int32/float). Thresholds, flip bits and the live-channel mask are prepared once per
 * block, outside the row loop.
 *
 * Not covered (the general kernel runs instead): kw > 2, row_corr (zero-padding corrections, a convolution's
 * business, whose K is 9 taps × channels anyway), and calls of fewer than QK_SMALLK_MIN_ROWS rows. */
#ifndef BGEMM_SMALLK_H
#define BGEMM_SMALLK_H

#include <string.h>

#include "qk_internal.h"

/* The kernels' loops over registers have small constant trip counts and must be unrolled for the registers to
 * stay registers; clang does that at -O2 on its own, GCC (the cross-compiled self-test) needs telling. */
#define QK_SK_UNROLL _Pragma("GCC unroll 16")

/* Below this many rows a call's per-block set-up (weights into registers, 64 threshold bounds) costs about what
 * the general tile spends on the whole call; from here on the row loop wins. */
#define QK_SMALLK_MIN_ROWS 4

/** Whether the small-K kernels compute rows [m0, m1) of this GEMM. */
static inline int qk_smallk_applies(const qk_bgemm_args *g, size_t m0, size_t m1) {
    return (g->kw == 1 || g->kw == 2) && !g->row_corr && m1 - m0 >= QK_SMALLK_MIN_ROWS;
}

/* The small-K entry points, one per ISA (same contract as qk_bgemm_fn; callers check qk_smallk_applies). */
#if defined(__x86_64__)
void qk_bgemm_smallk_popcnt(const qk_bgemm_args *g, size_t m0, size_t m1, size_t p0, size_t p1);
void qk_bgemm_smallk_avx2(const qk_bgemm_args *g, size_t m0, size_t m1, size_t p0, size_t p1);
void qk_bgemm_smallk_avx512(const qk_bgemm_args *g, size_t m0, size_t m1, size_t p0, size_t p1);
#endif
#if defined(__aarch64__)
void qk_bgemm_smallk_neon(const qk_bgemm_args *g, size_t m0, size_t m1, size_t p0, size_t p1);
#endif

/* What a call owns of one block of channels. A call computes whole blocks but writes only its panels
 * [p0, p1), so threads that split the panels never write each other's bytes; the call owning the last panel
 * also owns the zero tail of each row's last packed word. */
typedef struct {
    size_t c0;                 /* first channel of the block (a multiple of the block width) */
    unsigned ch_lo, ch_hi;     /* INT32/FLOAT: channels [c0 + ch_lo, c0 + ch_hi) are written */
    unsigned byte_lo, byte_hi; /* BITS: bytes [byte_lo, byte_hi) from packed byte c0/8 are written (≤ 8) */
    uint64_t live;             /* BITS: bit i set iff channel c0 + i < n (a dead channel's bit must stay 0) */
    int whole;                 /* INT32/FLOAT: every channel of the block is written, so full-width stores */
} qk_smallk_block;

/** The block of `width` channels (a multiple of QK_NR dividing 64) starting at panel `pb`, for a call on [p0, p1). */
static inline qk_smallk_block qk_smallk_block_at(const qk_bgemm_args *g, size_t pb, size_t width, size_t p0,
                                                 size_t p1) {
    const size_t panels = qk_round_nr(g->n) / QK_NR, per_block = width / QK_NR;
    const size_t pa = p0 > pb ? p0 : pb, pz = p1 < pb + per_block ? p1 : pb + per_block;
    qk_smallk_block b;
    b.c0 = pb * QK_NR;
    b.ch_lo = (unsigned)((pa - pb) * QK_NR);
    b.ch_hi = (unsigned)((pz - pb) * QK_NR);
    if (b.c0 + b.ch_hi > g->n) b.ch_hi = (unsigned)(g->n - b.c0);
    b.byte_lo = (unsigned)(pa - pb);
    b.byte_hi = (unsigned)(pz - pb);
    if (pz == panels) b.byte_hi = 8 - (unsigned)(pb % 8); /* through the end of the row's last word */
    const size_t live = g->n - b.c0 < 64 ? g->n - b.c0 : 64;
    b.live = live == 64 ? ~0ull : (1ull << live) - 1;
    b.whole = b.ch_lo == 0 && b.ch_hi == width;
    return b;
}

/** How many of the block's channels have panel words and per-channel entries: a multiple of QK_NR, the rest of
 *  the block computes on zero weights and is masked off (no array is read past qk_round_nr(n)). */
static inline size_t qk_smallk_real(const qk_bgemm_args *g, size_t c0, size_t width) {
    const size_t nr = qk_round_nr(g->n);
    return nr - c0 < width ? nr - c0 : width;
}

/** Word k of the block's channel i (i < qk_smallk_real), from the panel layout; pw = g->w + first panel · kw · 8. */
static inline uint64_t qk_smallk_weight(const uint64_t *pw, size_t kw, size_t i, size_t k) {
    return pw[((i / QK_NR) * kw + k) * QK_NR + i % QK_NR];
}

/** The block's thresholds as popcount bounds that fit a byte: bit = (acc < t) ⇔ pop ≥ ⌊(K − t)/2⌋ + 1, clamped to
 *  [0, 255] (pop ≤ 128 here, so 0 means always and 255 never; the channels past the real ones get never).
 *  64-bit so t = INT32_MIN cannot overflow. */
static inline void qk_smallk_pop_bounds(const qk_bgemm_args *g, size_t c0, size_t width, uint8_t *bound) {
    const size_t real = qk_smallk_real(g, c0, width);
    const int32_t *t = g->out.thresh + c0;
    const int64_t k = g->k_bits;
    for (size_t i = 0; i < real; i++) {
        const int64_t b = ((k - t[i]) >> 1) + 1; /* arithmetic shift: floor */
        bound[i] = (uint8_t)(b < 0 ? 0 : b > 255 ? 255 : b);
    }
    for (size_t i = real; i < width; i++) bound[i] = 255;
}

/** The block's FLOAT scale and bias, zero past the real channels (the vector code reads whole blocks). */
static inline void qk_smallk_affine(const qk_bgemm_args *g, size_t c0, size_t width, float *mul, float *bias) {
    const size_t real = qk_smallk_real(g, c0, width);
    memcpy(mul, g->out.mul + c0, real * sizeof(float));
    memcpy(bias, g->out.bias + c0, real * sizeof(float));
    for (size_t i = real; i < width; i++) mul[i] = bias[i] = 0.0f;
}

/** Flip bits of channels c0..c0+63 (c0 a multiple of 8), as the bit layout of the output. */
static inline uint64_t qk_smallk_flip(const qk_bgemm_args *g, size_t c0, size_t width) {
    uint64_t flip = 0;
    memcpy(&flip, (const uint8_t *)g->out.flip + c0 / 8, width / 8); /* flip has qk_words(n) whole words */
    return flip;
}

/** Stores bytes [lo, hi) of the block's bits (little-endian: byte i holds channels 8i..8i+7) at dst. */
static inline void qk_smallk_store_bits(uint8_t *dst, uint64_t bits, unsigned lo, unsigned hi) {
    if (lo == 0 && hi == 8) {
        memcpy(dst, &bits, 8);
        return;
    }
    if (lo == 0 && hi == 4) {
        const uint32_t half = (uint32_t)bits;
        memcpy(dst, &half, 4);
        return;
    }
    if (lo == 0 && hi == 2) {
        const uint16_t quarter = (uint16_t)bits;
        memcpy(dst, &quarter, 2);
        return;
    }
    for (unsigned i = lo; i < hi; i++) dst[i] = (uint8_t)(bits >> (8 * i));
}

#endif
