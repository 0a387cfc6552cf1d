/* bmaxpool_api.c — qk_bmaxpool: the variant for the ISA, channels split across the pool in one parallel region.
 * Channels rather than rows, because each channel's running minimum then lives in one thread's registers from the
 * first row to the last and no partial minima have to be merged. Threads claim blocks of channels from a shared
 * counter instead of taking fixed shares: a core that is busy elsewhere (another process, the daemon's own threads)
 * or slower (big.LITTLE) then takes fewer blocks instead of holding up the layer. The result does not depend on
 * which thread computes a block. */
#include "bmaxpool_internal.h"

#include <stdatomic.h>

typedef struct {
    const qk_bmaxpool_variant *variant;
    const qk_bmaxpool_args *args;
    size_t panels;
    atomic_size_t next_block;
} bmaxpool_split;

static void bmaxpool_worker(void *ctx, int index, int count) {
    (void)index;
    (void)count;
    bmaxpool_split *s = ctx;
    const size_t grain = s->variant->panel_block;
    for (;;) {
        const size_t p0 = atomic_fetch_add_explicit(&s->next_block, 1, memory_order_relaxed) * grain;
        if (p0 >= s->panels) return;
        s->variant->run(s->args, p0, p0 + grain < s->panels ? p0 + grain : s->panels);
    }
}

void qk_bmaxpool(qk_isa isa, qk_pool *pool, int threads, const qk_bmaxpool_args *args) {
    if (args->m == 0 || args->n == 0) return; /* no row to take a max of: y keeps what it held */
    const qk_bmaxpool_variant *variant = qk_bmaxpool_variant_for(isa);
    const size_t panels = qk_round_nr(args->n) / QK_NR;
    const size_t blocks = (panels + variant->panel_block - 1) / variant->panel_block;
    if (threads > qk_pool_size(pool)) threads = qk_pool_size(pool);
    if ((size_t)threads > blocks) threads = (int)blocks;
    if (threads <= 1) {
        variant->run(args, 0, panels);
        return;
    }
    bmaxpool_split s = {.variant = variant, .args = args, .panels = panels};
    atomic_init(&s.next_block, 0);
    qk_pool_run(pool, threads, bmaxpool_worker, &s);
}
