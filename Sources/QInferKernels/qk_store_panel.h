/* qk_store_panel.h — the scalar output stage for one row × one panel of 8 channels. Every ISA uses it for
 * the panels its vector store does not cover (the last, partial panel; corrected border rows), so the
 * transform semantics live in exactly one place. */
#ifndef QK_STORE_PANEL_H
#define QK_STORE_PANEL_H

#include "qk_internal.h"

/* Multiply and add round separately on every ISA; GCC ignores this pragma and gets -ffp-contract=off instead. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

/** After the last panel's byte of a packed row: zero the rest of the row's last word (tail bits are +1 = 0). */
static inline void qk_zero_bits_tail(const qk_bgemm_args *g, uint8_t *row, size_t p) {
    if ((p + 1) * QK_NR < g->n) return;
    for (size_t b = p + 1; b < qk_words(g->n) * 8; b++) row[b] = 0;
}

/** Writes channels 8p..8p+7 (those < n) of row m from their popcounts. */
static inline void qk_store_panel_scalar(const qk_bgemm_args *g, size_t m, size_t p, const uint32_t pop[QK_NR]) {
    const size_t n0 = p * QK_NR;
    const size_t live = g->n - n0 < QK_NR ? g->n - n0 : QK_NR;
    const int32_t *corr = g->row_corr ? g->row_corr[m] : NULL;
    int32_t acc[QK_NR];
    for (size_t j = 0; j < live; j++) {
        acc[j] = g->k_bits - 2 * (int32_t)pop[j] - (corr ? corr[n0 + j] : 0);
    }
    switch (g->out.kind) {
    case QK_OUT_INT32: {
        int32_t *row = (int32_t *)g->out.out + m * g->out.ldo;
        for (size_t j = 0; j < live; j++) row[n0 + j] = acc[j];
        break;
    }
    case QK_OUT_FLOAT: {
        float *row = (float *)g->out.out + m * g->out.ldo;
        for (size_t j = 0; j < live; j++) {
            float scaled = (float)acc[j] * g->out.mul[n0 + j];
            row[n0 + j] = scaled + g->out.bias[n0 + j];
        }
        break;
    }
    case QK_OUT_BITS: {
        uint8_t *row = (uint8_t *)((uint64_t *)g->out.out + m * g->out.ldo);
        const uint8_t flip = ((const uint8_t *)g->out.flip)[p];
        uint8_t bits = 0;
        for (size_t j = 0; j < live; j++) bits |= (uint8_t)((acc[j] < g->out.thresh[n0 + j]) << j);
        bits ^= flip;
        bits &= (uint8_t)((1u << live) - 1u); /* tail channels stay 0 (+1) */
        row[p] = bits;
        qk_zero_bits_tail(g, row, p);
        break;
    }
    }
}

#endif
