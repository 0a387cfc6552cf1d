/* bgemm_scalar.c — the reference binary GEMM: one output at a time, portable popcount, no ISA assumptions.
 * Slow and obviously correct; every other variant is tested bit for bit against it. */
#include "qk_store_panel.h"

/* SWAR popcount: the classic 2-4-8-bit partial sums, so the reference needs no popcnt instruction. */
static uint32_t popcount64_portable(uint64_t x) {
    x = x - ((x >> 1) & 0x5555555555555555ull);
    x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
    return (uint32_t)((x * 0x0101010101010101ull) >> 56);
}

static void bgemm_scalar(const qk_bgemm_args *g, size_t m0, size_t m1, size_t p0, size_t p1) {
    for (size_t m = m0; m < m1; m++) {
        const uint64_t *a = g->a + m * g->lda;
        for (size_t p = p0; p < p1; p++) {
            const uint64_t *panel = g->w + p * g->kw * QK_NR;
            uint32_t pop[QK_NR];
            for (size_t j = 0; j < QK_NR; j++) {
                uint32_t count = 0;
                for (size_t k = 0; k < g->kw; k++) count += popcount64_portable(a[k] ^ panel[k * QK_NR + j]);
                pop[j] = count;
            }
            qk_store_panel_scalar(g, m, p, pop);
        }
    }
}

const qk_isa_kernels qk_kernels_scalar = {
    .bitpack_f32 = qk_bitpack_f32_scalar,
    .bgemm = bgemm_scalar,
};
