/* bmaxpool_scalar.c — the reference fused binary layer + max over rows: one channel at a time, portable popcount,
 * a plain running minimum over the rows. Slow and obviously correct; every other variant is tested bit for bit
 * against it (and it against bgemm's float output followed by the reference max). */
#include "bmaxpool_internal.h"

static void bmaxpool_scalar(const qk_bmaxpool_args *g, size_t p0, size_t p1) {
    for (size_t p = p0; p < p1; p++) {
        const uint64_t *panel = g->w + p * g->kw * QK_NR;
        uint32_t min_pop[QK_NR];
        for (size_t j = 0; j < QK_NR; j++) {
            uint32_t best = UINT32_MAX;
            for (size_t m = 0; m < g->m; m++) {
                const uint64_t *a = g->a + m * g->lda;
                uint32_t count = 0;
                for (size_t k = 0; k < g->kw; k++) count += qk_bmaxpool_popcount64(a[k] ^ panel[k * QK_NR + j]);
                if (count < best) best = count;
            }
            min_pop[j] = best;
        }
        qk_bmaxpool_finish(g, p, min_pop);
    }
}

const qk_bmaxpool_variant qk_bmaxpool_scalar = {.run = bmaxpool_scalar, .panel_block = 1};
