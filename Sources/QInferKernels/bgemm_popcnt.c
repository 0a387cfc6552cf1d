/* bgemm_popcnt.c — x86-64 with the popcnt instruction on general registers: two rows × one panel per tile
 * (16 running counts fit the register file), panel outermost so its weights stay in L1 while rows stream. */
#include "bgemm_smallk.h"
#include "qk_store_panel.h"

#if defined(__x86_64__)

#define QK_TARGET_POPCNT __attribute__((target("popcnt")))

static QK_TARGET_POPCNT void bgemm_popcnt(const qk_bgemm_args *g, size_t m0, size_t m1, size_t p0, size_t p1) {
    if (qk_smallk_applies(g, m0, m1)) {
        qk_bgemm_smallk_popcnt(g, m0, m1, p0, p1);
        return;
    }
    for (size_t p = p0; p < p1; p++) {
        const uint64_t *panel = g->w + p * g->kw * QK_NR;
        size_t m = m0;
        for (; m + 2 <= m1; m += 2) {
            const uint64_t *a0 = g->a + m * g->lda, *a1 = a0 + g->lda;
            uint32_t c0[QK_NR] = {0}, c1[QK_NR] = {0};
            for (size_t k = 0; k < g->kw; k++) {
                const uint64_t x0 = a0[k], x1 = a1[k];
                const uint64_t *wk = panel + k * QK_NR;
                for (size_t j = 0; j < QK_NR; j++) {
                    c0[j] += (uint32_t)__builtin_popcountll(x0 ^ wk[j]);
                    c1[j] += (uint32_t)__builtin_popcountll(x1 ^ wk[j]);
                }
            }
            qk_store_panel_scalar(g, m, p, c0);
            qk_store_panel_scalar(g, m + 1, p, c1);
        }
        if (m < m1) {
            const uint64_t *a0 = g->a + m * g->lda;
            uint32_t c0[QK_NR] = {0};
            for (size_t k = 0; k < g->kw; k++) {
                for (size_t j = 0; j < QK_NR; j++) c0[j] += (uint32_t)__builtin_popcountll(a0[k] ^ panel[k * QK_NR + j]);
            }
            qk_store_panel_scalar(g, m, p, c0);
        }
    }
}

/* Packing has no popcount in it: the scalar loops are what this ISA level has. */
const qk_isa_kernels qk_kernels_popcnt = {
    .bitpack_f32 = qk_bitpack_f32_scalar,
    .bgemm = bgemm_popcnt,
};

#endif
