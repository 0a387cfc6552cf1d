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
 * Not covered (the general kernel runs instead): kw > 2, and row_corr (zero-padding corrections, a convolution's
 * business, whose K is 9 taps × channels anyway). */
#ifndef BGEMM_SMALLK_H
#define BGEMM_SMALLK_H

#include <string.h>

#include "qk_internal.h"

/* The kernels' loops over registers have small constant trip counts and must be unrolled for the registers to
 * stay registers; clang does that at -O2 on its own, GCC (the cross-compiled self-test) needs telling. */
#define QK_SK_UNROLL _Pragma("GCC unroll 16")

/** Whether the small-K kernels compute this GEMM. */
static inline int qk_smallk_applies(const qk_bgemm_args *g) { return (g->kw == 1 || g->kw == 2) && !g->row_corr; }

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

/** Word k of channel c's weights; channels past the padded panels read as zero (never loaded). */
static inline uint64_t qk_smallk_weight(const qk_bgemm_args *g, size_t c, size_t k) {
    if (c >= qk_round_nr(g->n)) return 0;
    return g->w[((c / QK_NR) * g->kw + k) * QK_NR + c % QK_NR];
}

/** Channel c's threshold as a popcount bound that fits a byte: bit = (acc < t) ⇔ pop ≥ ⌊(K − t)/2⌋ + 1, clamped to
 *  [0, 255] (pop ≤ 128 here, so 0 means always and 255 never). 64-bit so t = INT32_MIN cannot overflow. */
static inline uint8_t qk_smallk_pop_bound(const qk_bgemm_args *g, size_t c) {
    if (c >= qk_round_nr(g->n)) return 255; /* no threshold entry; the bit is masked off anyway */
    const int64_t bound = (((int64_t)g->k_bits - g->out.thresh[c]) >> 1) + 1; /* arithmetic shift: floor */
    return (uint8_t)(bound < 0 ? 0 : bound > 255 ? 255 : bound);
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
