/* workload_bmaxpool.c — a binary layer fused with the max over its rows (BiPointNet's 128 → 1024 layer and its
 * max-pool over points): qk_bmaxpool as the engine runs it, weights prepared once at creation. */
#include <stdlib.h>
#include <string.h>

#include "qkb_rng.h"
#include "workload_common.h"

struct qkb_bmaxpool_case {
    qk_bmaxpool_args args;
    uint64_t *a, *prepared;
    float *mul, *bias, *y;
};

qkb_bmaxpool_case *qkb_bmaxpool_case_create(size_t m, size_t n, size_t k_bits, uint64_t seed) {
    if (!m || !n || !k_bits || k_bits > (size_t)INT32_MAX / 2) return NULL;
    qkb_bmaxpool_case *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    const size_t kw = qk_words(k_bits), nr = qk_round_nr(n);
    uint64_t rng = seed;
    uint64_t *w_rows = qkb_alloc(n * kw, sizeof(uint64_t)), *panels = qkb_alloc(qk_panel_words(n, kw), sizeof(uint64_t));
    c->a = qkb_alloc(m * kw, sizeof(uint64_t));
    c->prepared = qkb_alloc(qk_bmaxpool_prepared_words(n, kw), sizeof(uint64_t));
    c->mul = qkb_alloc(nr, sizeof(float));
    c->bias = qkb_alloc(nr, sizeof(float));
    c->y = qkb_alloc(n, sizeof(float));
    if (!w_rows || !panels || !c->a || !c->prepared || !c->mul || !c->bias || !c->y) {
        free(w_rows);
        free(panels);
        qkb_bmaxpool_case_destroy(c);
        return NULL;
    }
    qkb_random_bits(c->a, m, k_bits, kw, &rng);
    qkb_random_bits(w_rows, n, k_bits, kw, &rng);
    qk_pack_panels(w_rows, n, kw, panels);
    /* Folded BatchNorm · LSR scales of both signs, so both directions of the running extreme are exercised. */
    for (size_t j = 0; j < n; j++) {
        const float scale = 0.01f + 0.2f * (qkb_rng_unit(&rng) + 1.0f);
        c->mul[j] = j % 3 == 1 ? -scale : scale;
        c->bias[j] = qkb_rng_unit(&rng);
    }
    qk_bmaxpool_prepare(panels, n, kw, (int32_t)k_bits, c->mul, c->prepared);
    free(w_rows);
    free(panels);
    c->args = (qk_bmaxpool_args){.m = m, .n = n, .kw = kw, .k_bits = (int32_t)k_bits, .a = c->a, .lda = kw,
                                 .w = c->prepared, .mul = c->mul, .bias = c->bias, .offset = -3.2041f, .y = c->y};
    return c;
}

void qkb_bmaxpool_case_destroy(qkb_bmaxpool_case *c) {
    if (!c) return;
    free(c->a);
    free(c->prepared);
    free(c->mul);
    free(c->bias);
    free(c->y);
    free(c);
}

void qkb_bmaxpool_case_run(qkb_bmaxpool_case *c, qk_isa isa, qk_pool *pool, int threads) {
    qk_bmaxpool(isa, pool, threads, &c->args);
}

uint64_t qkb_bmaxpool_case_digest(const qkb_bmaxpool_case *c) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t j = 0; j < c->args.n; j++) {
        uint32_t bits;
        memcpy(&bits, &c->y[j], sizeof bits);
        h ^= bits;
        h *= 0x100000001b3ull;
    }
    return h;
}
