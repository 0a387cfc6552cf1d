/* bmaxpool_api.c — qk_bmaxpool: the variant for the ISA, channels split across the pool in one parallel region.
 * Channels rather than rows, because each channel's running minimum then lives in one thread's registers from the
 * first row to the last and no partial minima have to be merged. */
#include "bmaxpool_internal.h"

typedef struct {
    const qk_bmaxpool_variant *variant;
    const qk_bmaxpool_args *args;
    size_t panels;
} bmaxpool_split;

static void bmaxpool_chunk(void *ctx, int index, int count) {
    const bmaxpool_split *s = ctx;
    const size_t grain = s->variant->panel_block;
    const size_t blocks = (s->panels + grain - 1) / grain;
    const size_t b0 = blocks * (size_t)index / (size_t)count, b1 = blocks * (size_t)(index + 1) / (size_t)count;
    const size_t p0 = b0 * grain, p1 = b1 * grain < s->panels ? b1 * grain : s->panels;
    if (p0 < p1) s->variant->run(s->args, p0, p1);
}

void qk_bmaxpool(qk_isa isa, qk_pool *pool, int threads, const qk_bmaxpool_args *args) {
    if (args->m == 0 || args->n == 0) return; /* no row to take a max of: y keeps what it held */
    bmaxpool_split s = {.variant = qk_bmaxpool_variant_for(isa), .args = args, .panels = qk_round_nr(args->n) / QK_NR};
    const size_t blocks = (s.panels + s.variant->panel_block - 1) / s.variant->panel_block;
    if (threads > qk_pool_size(pool)) threads = qk_pool_size(pool);
    if ((size_t)threads > blocks) threads = (int)blocks;
    if (threads <= 1) {
        s.variant->run(args, 0, s.panels);
        return;
    }
    qk_pool_run(pool, threads, bmaxpool_chunk, &s);
}
