/* bgemm_smallk_popcnt.c — the small-K binary GEMM (bgemm_smallk.h) on general registers with popcnt. A block is
 * 64 channels: their weights are copied once into a small channel-major array (both words of a channel side by
 * side) with a popcount bound each, then every row runs XOR + popcnt per channel and turns the 64 threshold
 * decisions into the row's output word (eight at a time in one word for kw = 1), one 64-bit store per row. */
#include "bgemm_smallk.h"
#include "qk_store_panel.h" /* FP_CONTRACT OFF: the FLOAT output rounds after the multiply and after the add */

#if defined(__x86_64__)

#define QK_TARGET_POPCNT __attribute__((target("popcnt")))
#define SK_WIDTH 64

#define SK_INLINE static inline QK_TARGET_POPCNT __attribute__((always_inline))

SK_INLINE uint32_t channel_count(const uint64_t *a, const uint64_t *w, const int kw) {
    uint32_t pop = (uint32_t)__builtin_popcountll(a[0] ^ w[0]);
    if (kw == 2) pop += (uint32_t)__builtin_popcountll(a[1] ^ w[1]);
    return pop;
}

/* kw = 2: eight channels' decisions per byte, each byte built on its own (one running word through all 64
 * channels would chain every decision behind the previous one). */
SK_INLINE uint64_t row_bits(const uint64_t *a, const uint64_t *w, const uint32_t *bound) {
    uint64_t below = 0;
    QK_SK_UNROLL
    for (int byte = 0; byte < SK_WIDTH / 8; byte++) {
        uint32_t bits = 0;
        QK_SK_UNROLL
        for (int j = 0; j < 8; j++) {
            const int i = 8 * byte + j;
            bits |= (uint32_t)(channel_count(a, w + 2 * i, 2) >= bound[i]) << j;
        }
        below |= (uint64_t)bits << (8 * byte);
    }
    return below;
}

/* kw = 1: a count ≤ 64 leaves its byte's top bit free, so eight channels compare at once in one word: with
 * bounds clamped to 65 ("never"), each byte of (counts | 0x80…) − bounds is 128 + pop − bound ∈ [63, 192], no
 * borrow crosses bytes, and its top bit is pop ≥ bound. A multiply gathers the eight top bits into one byte. */
SK_INLINE uint64_t row_bits_swar(const uint64_t *a, const uint64_t *w, const uint64_t *bound_lanes) {
    const uint64_t x = a[0], top = 0x8080808080808080ull;
    uint64_t below = 0;
    QK_SK_UNROLL
    for (int byte = 0; byte < SK_WIDTH / 8; byte++) {
        uint64_t counts = 0;
        QK_SK_UNROLL
        for (int j = 0; j < 8; j++) counts |= (uint64_t)__builtin_popcountll(x ^ w[8 * byte + j]) << (8 * j);
        const uint64_t ge = ((counts | top) - bound_lanes[byte]) & top;
        below |= (ge * 0x0002040810204081ull >> 56) << (8 * byte); /* bit 8j + 7 lands on bit 56 + j */
    }
    return below;
}

/* All 64 channels even in a ragged last block (zero weights past the panels, masked off): constant indices keep
 * weights and bounds as immediate-offset memory operands. */
SK_INLINE void block_bits(const qk_bgemm_args *g, const qk_smallk_block *b, const uint64_t *w, const int kw,
                          size_t m0, size_t m1) {
    uint8_t bound8[SK_WIDTH];
    qk_smallk_pop_bounds(g, b->c0, SK_WIDTH, bound8);
    uint32_t bound[SK_WIDTH];       /* kw = 2: as wide as the counts, so the compares take it as a memory operand */
    uint64_t bound_lanes[SK_WIDTH / 8] = {0}; /* kw = 1: eight bytes per word, clamped to 65 */
    for (size_t i = 0; i < SK_WIDTH; i++) {
        bound[i] = bound8[i];
        bound_lanes[i / 8] |= (uint64_t)(bound8[i] < 65 ? bound8[i] : 65) << (8 * (i % 8));
    }
    const uint64_t flip = qk_smallk_flip(g, b->c0, SK_WIDTH), live = b->live;
    const size_t ldo = g->out.ldo;
    uint8_t *out = (uint8_t *)((uint64_t *)g->out.out + m0 * ldo) + b->c0 / 8;
    const uint64_t *a = g->a + m0 * g->lda; /* locals: the output stores may alias *g for all the compiler knows */
    const size_t lda = g->lda;
    for (size_t m = m0; m < m1; m++, a += lda, out += ldo * 8) {
        const uint64_t below = kw == 1 ? row_bits_swar(a, w, bound_lanes) : row_bits(a, w, bound);
        qk_smallk_store_bits(out, (below ^ flip) & live, b->byte_lo, b->byte_hi);
    }
}

SK_INLINE void block_values(const qk_bgemm_args *g, const qk_smallk_block *b, const uint64_t *w, const int kw,
                            const int as_float, size_t m0, size_t m1) {
    /* locals: the output stores may alias *g for all the compiler knows */
    const size_t lo = b->ch_lo, hi = b->ch_hi, c0 = b->c0, lda = g->lda, ldo = g->out.ldo;
    const int32_t k = g->k_bits;
    const float *mul = g->out.mul + c0, *bias = g->out.bias + c0;
    const uint64_t *a = g->a + m0 * lda;
    for (size_t m = m0; m < m1; m++, a += lda) {
        if (as_float) {
            float *row = (float *)g->out.out + m * ldo + c0;
            for (size_t i = lo; i < hi; i++) {
                const float scaled = (float)(k - 2 * (int32_t)channel_count(a, w + i * (size_t)kw, kw)) * mul[i];
                row[i] = scaled + bias[i];
            }
        } else {
            int32_t *row = (int32_t *)g->out.out + m * ldo + c0;
            for (size_t i = lo; i < hi; i++) row[i] = k - 2 * (int32_t)channel_count(a, w + i * (size_t)kw, kw);
        }
    }
}

SK_INLINE void run_blocks(const qk_bgemm_args *g, const int kw, size_t m0, size_t m1, size_t p0, size_t p1) {
    for (size_t pb = p0 / (SK_WIDTH / QK_NR) * (SK_WIDTH / QK_NR); pb < p1; pb += SK_WIDTH / QK_NR) {
        const qk_smallk_block b = qk_smallk_block_at(g, pb, SK_WIDTH, p0, p1);
        const size_t real = qk_smallk_real(g, b.c0, SK_WIDTH);
        const uint64_t *pw = g->w + pb * (size_t)kw * QK_NR;
        uint64_t w[SK_WIDTH * 2];
        if (real < SK_WIDTH) memset(w, 0, sizeof w);
        for (size_t i = 0; i < real; i++)
            for (int k = 0; k < kw; k++) w[i * (size_t)kw + (size_t)k] = qk_smallk_weight(pw, (size_t)kw, i, (size_t)k);
        switch (g->out.kind) {
        case QK_OUT_BITS: block_bits(g, &b, w, kw, m0, m1); break;
        case QK_OUT_INT32: block_values(g, &b, w, kw, 0, m0, m1); break;
        case QK_OUT_FLOAT: block_values(g, &b, w, kw, 1, m0, m1); break;
        }
    }
}

QK_TARGET_POPCNT void qk_bgemm_smallk_popcnt(const qk_bgemm_args *g, size_t m0, size_t m1, size_t p0, size_t p1) {
    if (g->kw == 1) run_blocks(g, 1, m0, m1, p0, p1);
    else run_blocks(g, 2, m0, m1, p0, p1);
}

#endif
