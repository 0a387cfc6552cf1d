/* bmaxpool_finish.c — the float side of the fused binary layer + max over rows, shared by every ISA so the
 * semantics live in one place: each channel's best popcount becomes y through the same two roundings as the
 * QK_OUT_FLOAT store, and the channels where that shortcut is not exact get the reference loop itself.
 *
 * Why the shortcut is bit-exact. For mul finite and nonzero and bias finite, v(acc) = fl(fl((float)acc·mul) + bias)
 * is a composition of monotone roundings, so it is non-decreasing in acc for mul > 0 and non-increasing for
 * mul < 0, and never NaN (a finite product can only overflow to ±inf, and ±inf + finite is ±inf). The reference
 * keeps the first row whose v is largest under `>`; every row that attains the largest value has the same bits,
 * because equal floats differ in bits only as +0 and −0, and one channel cannot produce both: v = −0 needs
 * fl(acc·mul) = −0 (acc = 0, mul < 0; |acc| ≥ 1 times a nonzero float cannot round to zero) and bias = −0, and with
 * bias = −0 a +0 would need fl(acc·mul) = ±0 again, i.e. acc = 0, which gives −0. So the max is v at the extreme
 * acc: acc_max = K − 2·min pop for mul > 0, acc_min = K − 2·max pop for mul < 0, and the prepared weights turn the
 * latter into a minimum too (pop' = K − pop). */
#include "bmaxpool_internal.h"

/* Multiply and add round separately on every ISA; GCC ignores this pragma and gets -ffp-contract=off instead. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

/* v(acc) exactly as qk_store_panel_scalar computes QK_OUT_FLOAT. */
static float affine(int32_t acc, float mul, float bias) {
    const float scaled = (float)acc * mul;
    return scaled + bias;
}

/* The reference running max for one channel whose map is not monotone or may be NaN (rare: dead or broken BN
 * channels), popcounts recomputed from the prepared weights with the inversion undone. With mul = ±0 or NaN every
 * row's v has the same value (±0 + bias, or a NaN whose payload does not depend on acc), so `v > best` never holds
 * and v[0] is the answer: a dead channel (BatchNorm scale 0) costs one row, not M. */
static float exact_max(const qk_bmaxpool_args *g, size_t ch) {
    const uint64_t *panel = g->w + ch / QK_NR * g->kw * QK_NR + ch % QK_NR;
    const float mul = g->mul[ch], bias = g->bias[ch];
    const int inverted = qk_bmaxpool_inverted(mul);
    const size_t rows = mul == 0.0f || isnan(mul) ? 1 : g->m;
    float best = 0.0f;
    for (size_t m = 0; m < rows; m++) {
        const uint64_t *a = g->a + m * g->lda;
        uint32_t pop = 0;
        for (size_t k = 0; k < g->kw; k++) pop += qk_bmaxpool_popcount64(a[k] ^ panel[k * QK_NR]);
        if (inverted) pop = (uint32_t)g->k_bits - pop;
        const float v = affine(g->k_bits - 2 * (int32_t)pop, mul, bias);
        if (m == 0 || v > best) best = v;
    }
    return best;
}

void qk_bmaxpool_finish(const qk_bmaxpool_args *g, size_t p, const uint32_t min_pop[QK_NR]) {
    const size_t n0 = p * QK_NR;
    const size_t live = g->n - n0 < QK_NR ? g->n - n0 : QK_NR;
    const float *mul = g->mul + n0, *bias = g->bias + n0;
    /* All 8 lanes without branches, so the compiler vectorizes it (the per-channel arrays have qk_round_nr(n)
     * entries); lanes of dead or exact-path channels compute garbage that is never stored. */
    float fast[QK_NR];
    for (size_t j = 0; j < QK_NR; j++) {
        const uint32_t pop = mul[j] < 0.0f ? (uint32_t)g->k_bits - min_pop[j] : min_pop[j];
        fast[j] = affine(g->k_bits - 2 * (int32_t)pop, mul[j], bias[j]) + g->offset;
    }
    for (size_t j = 0; j < live; j++) {
        g->y[n0 + j] = qk_bmaxpool_monotone(mul[j], bias[j]) ? fast[j] : exact_max(g, n0 + j) + g->offset;
    }
}
