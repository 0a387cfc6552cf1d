/* workload_bgemm.c — a binary fully connected layer (BiPointNet's shared MLP: every point is a row). */
#include <stdlib.h>

#include "qkb_rng.h"
#include "workload_common.h"

struct qkb_bgemm_case {
    qk_bgemm_args args;
    uint64_t *a, *panels, *out;
    qkb_bit_transform transform;
};

qkb_bgemm_case *qkb_bgemm_case_create(size_t m, size_t n, size_t k_bits, uint64_t seed) {
    if (!m || !n || !k_bits || k_bits > (size_t)INT32_MAX / 2) return NULL;
    qkb_bgemm_case *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    const size_t kw = qk_words(k_bits), ow = qk_words(n);
    uint64_t rng = seed;
    uint64_t *w_rows = qkb_alloc(n * kw, sizeof(uint64_t));
    c->a = qkb_alloc(m * kw, sizeof(uint64_t));
    c->panels = qkb_alloc(qk_panel_words(n, kw), sizeof(uint64_t));
    c->out = qkb_alloc(m * ow, sizeof(uint64_t));
    if (!w_rows || !c->a || !c->panels || !c->out ||
        qkb_bit_transform_init(&c->transform, n, (int32_t)k_bits, &rng) != 0) {
        free(w_rows);
        qkb_bgemm_case_destroy(c);
        return NULL;
    }
    qkb_random_bits(c->a, m, k_bits, kw, &rng);
    qkb_random_bits(w_rows, n, k_bits, kw, &rng);
    qk_pack_panels(w_rows, n, kw, c->panels);
    free(w_rows);
    c->args = (qk_bgemm_args){
        .m = m,
        .n = n,
        .kw = kw,
        .k_bits = (int32_t)k_bits,
        .a = c->a,
        .lda = kw,
        .w = c->panels,
        .out = {.kind = QK_OUT_BITS,
                .thresh = c->transform.thresh,
                .flip = c->transform.flip,
                .out = c->out,
                .ldo = ow},
    };
    return c;
}

void qkb_bgemm_case_destroy(qkb_bgemm_case *c) {
    if (!c) return;
    free(c->a);
    free(c->panels);
    free(c->out);
    qkb_bit_transform_free(&c->transform);
    free(c);
}

void qkb_bgemm_case_run(qkb_bgemm_case *c, qk_isa isa, qk_pool *pool, int threads) {
    qk_bgemm_mt(isa, pool, threads, &c->args);
}

uint64_t qkb_bgemm_case_digest(const qkb_bgemm_case *c) {
    return qkb_digest_rows(c->out, c->args.m, qk_words(c->args.n), c->args.out.ldo);
}
