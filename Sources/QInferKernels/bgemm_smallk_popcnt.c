/* bgemm_smallk_popcnt.c — the small-K binary GEMM (bgemm_smallk.h) on general registers with popcnt. A block is
 * 64 channels: their weights are copied once into a small channel-major array (both words of a channel side by
 * side) with a popcount bound each, then every row runs XOR + popcnt + compare per channel and sets the decisions
 * straight into the row's output word, one 64-bit store per row. */
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

/* Eight channels' decisions per byte, each byte built on its own: one running word through all 64 channels
 * would chain every decision behind the previous one. */
SK_INLINE uint64_t row_bits(const uint64_t *a, const uint64_t *w, const uint32_t *bound, const int kw) {
    uint64_t below = 0;
    QK_SK_UNROLL
    for (int byte = 0; byte < SK_WIDTH / 8; byte++) {
        uint32_t bits = 0;
        QK_SK_UNROLL
        for (int j = 0; j < 8; j++) {
            const int i = 8 * byte + j;
            bits |= (uint32_t)(channel_count(a, w + i * kw, kw) >= bound[i]) << j;
        }
        below |= (uint64_t)bits << (8 * byte);
    }
    return below;
}

/* All 64 channels even in a ragged last block (zero weights past the panels, masked off): constant indices keep
 * weights and bounds as immediate-offset memory operands. */
SK_INLINE void block_bits(const qk_bgemm_args *g, const qk_smallk_block *b, const uint64_t *w, const int kw,
                          size_t m0, size_t m1) {
    uint32_t bound[SK_WIDTH];
    for (size_t i = 0; i < SK_WIDTH; i++) bound[i] = qk_smallk_pop_bound(g, b->c0 + i);
    const uint64_t flip = qk_smallk_flip(g, b->c0, SK_WIDTH), live = b->live;
    const size_t ldo = g->out.ldo;
    uint8_t *out = (uint8_t *)((uint64_t *)g->out.out + m0 * ldo) + b->c0 / 8;
    const uint64_t *a = g->a + m0 * g->lda; /* locals: the output stores may alias *g for all the compiler knows */
    const size_t lda = g->lda;
    for (size_t m = m0; m < m1; m++, a += lda, out += ldo * 8) {
        qk_smallk_store_bits(out, (row_bits(a, w, bound, kw) ^ flip) & live, b->byte_lo, b->byte_hi);
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
        uint64_t w[SK_WIDTH * 2];
        for (size_t i = 0; i < SK_WIDTH; i++)
            for (int k = 0; k < kw; k++) w[i * (size_t)kw + (size_t)k] = qk_smallk_weight(g, b.c0 + i, (size_t)k);
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
