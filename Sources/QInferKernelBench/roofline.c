/* roofline.c — per-ISA roofline dispatch and its multi-threaded form: every thread runs the same loop over its own
 * L1-resident buffer at the same time, so the aggregate is what all cores can do when none waits for another. */
#include "roofline_loops.h"

#include <stdlib.h>
#include <string.h>

#include "qkb_rng.h"

/* A cache line per thread's result, so finishing threads do not write into each other's lines. */
typedef struct {
    uint64_t sum;
    char pad[56];
} qkb_thread_sum;

struct qkb_roofline {
    int threads;
    uint64_t key;
    uint64_t *buffers; /* threads × QKB_ROOFLINE_WORDS, 64-byte aligned */
    qkb_thread_sum *sums;
};

static qkb_roofline_loop_fn loop_for(qk_isa isa) {
    if (isa == QK_ISA_SCALAR) return qkb_roofline_loop_scalar;
    qkb_roofline_loop_fn fn = qkb_roofline_x86_loop(isa);
    return fn ? fn : qkb_roofline_neon_loop(isa);
}

int qkb_roofline_available(qk_isa isa) { return (unsigned)isa < QK_ISA_COUNT && loop_for(isa) != NULL; }

uint64_t qkb_roofline_macs_per_pass(void) { return (uint64_t)QKB_ROOFLINE_WORDS * 64; }

qkb_roofline *qkb_roofline_create(int threads) {
    if (threads < 1) threads = 1;
    qkb_roofline *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->threads = threads;
    r->buffers = aligned_alloc(64, (size_t)threads * QKB_ROOFLINE_WORDS * sizeof(uint64_t));
    r->sums = aligned_alloc(64, (size_t)threads * sizeof(qkb_thread_sum));
    if (!r->buffers || !r->sums) {
        qkb_roofline_destroy(r);
        return NULL;
    }
    uint64_t state = 0x526f6f666c696e65ull;
    r->key = qkb_rng_next(&state);
    for (size_t i = 0; i < (size_t)threads * QKB_ROOFLINE_WORDS; i++) r->buffers[i] = qkb_rng_next(&state);
    return r;
}

void qkb_roofline_destroy(qkb_roofline *r) {
    if (!r) return;
    free(r->buffers);
    free(r->sums);
    free(r);
}

typedef struct {
    qkb_roofline *r;
    qkb_roofline_loop_fn loop;
    uint64_t passes;
} qkb_roofline_job;

static void run_one(void *ctx, int index, int count) {
    (void)count;
    const qkb_roofline_job *job = ctx;
    job->r->sums[index].sum = job->loop(job->r->buffers + (size_t)index * QKB_ROOFLINE_WORDS, job->r->key, job->passes);
}

uint64_t qkb_roofline_run(qkb_roofline *r, qk_isa isa, qk_pool *pool, int threads, uint64_t passes) {
    qkb_roofline_job job = {.r = r, .loop = loop_for(isa), .passes = passes};
    if (!job.loop) return 0;
    if (threads > r->threads) threads = r->threads;
    if (threads > qk_pool_size(pool)) threads = qk_pool_size(pool);
    if (threads < 1) threads = 1;
    qk_pool_run(pool, threads, run_one, &job);
    uint64_t total = 0;
    for (int i = 0; i < threads; i++) total += r->sums[i].sum;
    return total;
}

int qkb_roofline_check(qkb_roofline *r, qk_isa isa) {
    const qkb_roofline_loop_fn loop = loop_for(isa);
    if (!loop) return -1;
    uint64_t expected = 0;
    for (size_t i = 0; i < QKB_ROOFLINE_WORDS; i++) {
        for (uint64_t x = r->buffers[i] ^ r->key; x; x &= x - 1) expected++;
    }
    const uint64_t passes = 3;
    return loop(r->buffers, r->key, passes) == expected * passes ? 0 : -1;
}
