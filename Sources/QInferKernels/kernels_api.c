/* kernels_api.c — public entry points: route to the ISA's table and split work across the pool. */
#include "qk_internal.h"

void qk_bitpack_f32(qk_isa isa, const float *x, size_t rows, size_t k, size_t ldx, uint64_t *out, size_t ldo) {
    qk_kernels_for(isa)->bitpack_f32(x, rows, k, ldx, out, ldo);
}

void qk_bgemm(qk_isa isa, const qk_bgemm_args *args) {
    if (args->m == 0 || args->n == 0) return;
    qk_kernels_for(isa)->bgemm(args, 0, args->m, 0, qk_round_nr(args->n) / QK_NR);
}

typedef struct {
    qk_bgemm_fn fn;
    const qk_bgemm_args *args;
    int split_rows;   /* 1: chunks of rows; 0: chunks of panels */
    size_t units;     /* rows or panels to split */
    size_t grain;     /* chunk sizes are multiples of this (the microkernel's row block) */
} qk_bgemm_split;

static void bgemm_chunk(void *ctx, int index, int count) {
    const qk_bgemm_split *s = ctx;
    size_t u0, u1;
    if (!qk_band(s->units, s->grain, index, count, &u0, &u1)) return;
    const size_t panels = qk_round_nr(s->args->n) / QK_NR;
    if (s->split_rows) s->fn(s->args, u0, u1, 0, panels);
    else s->fn(s->args, 0, s->args->m, u0, u1);
}

void qk_bgemm_mt(qk_isa isa, qk_pool *pool, int threads, const qk_bgemm_args *args) {
    if (args->m == 0 || args->n == 0) return;
    const size_t panels = qk_round_nr(args->n) / QK_NR;
    if (threads > qk_pool_size(pool)) threads = qk_pool_size(pool);
    if (threads <= 1) {
        qk_bgemm(isa, args);
        return;
    }
    /* Rows when there are enough for every thread to get whole 4-row blocks (points, pixels: the usual case);
     * otherwise panels, so a single-row dense layer still spreads over the cores. */
    qk_bgemm_split s = {.fn = qk_kernels_for(isa)->bgemm, .args = args};
    if (args->m >= (size_t)threads * 4 || args->m >= panels) {
        s.split_rows = 1;
        s.units = args->m;
        s.grain = 4;
    } else {
        s.split_rows = 0;
        s.units = panels;
        s.grain = 1;
    }
    qk_pool_run(pool, threads, bgemm_chunk, &s);
}
