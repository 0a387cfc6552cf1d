/* bmaxpool_popcnt.c — fused binary layer + max over rows with the popcnt instruction on general registers. One panel
 * (8 channels) at a time, rows streaming: the 8 running minima and the row's words fit the register file, the
 * panel's weights are XOR memory operands from L1. A constant kw of 1 or 2 unrolls the word loop. */
#include "bmaxpool_internal.h"

#if defined(__x86_64__)

#define QK_TARGET_POPCNT __attribute__((target("popcnt")))

static inline QK_TARGET_POPCNT __attribute__((always_inline)) void panel_min(const qk_bmaxpool_args *g, size_t p,
                                                                            const size_t kw) {
    const uint64_t *panel = g->w + p * kw * QK_NR;
    uint32_t best[QK_NR];
    for (size_t j = 0; j < QK_NR; j++) best[j] = UINT32_MAX;
    const uint64_t *a = g->a;
    for (size_t m = 0; m < g->m; m++, a += g->lda) {
        for (size_t j = 0; j < QK_NR; j++) {
            uint32_t count = 0;
            for (size_t k = 0; k < kw; k++) count += (uint32_t)__builtin_popcountll(a[k] ^ panel[k * QK_NR + j]);
            best[j] = count < best[j] ? count : best[j];
        }
    }
    qk_bmaxpool_finish(g, p, best);
}

static QK_TARGET_POPCNT void bmaxpool_popcnt(const qk_bmaxpool_args *g, size_t p0, size_t p1) {
    for (size_t p = p0; p < p1; p++) {
        switch (g->kw) {
        case 1: panel_min(g, p, 1); break;
        case 2: panel_min(g, p, 2); break;
        default: panel_min(g, p, g->kw); break;
        }
    }
}

const qk_bmaxpool_variant qk_bmaxpool_popcnt = {.run = bmaxpool_popcnt, .panel_block = 1};

#endif
