/* fp32_sgemm.c — the FP32 peer through OpenBLAS: the float GEMM a non-binarized layer of the same shape runs. */
#include "include/qkb_fp32.h"

#include <cblas.h>
#include <stdlib.h>

#include "qkb_rng.h"

struct qkb_sgemm_case {
    size_t m, n, k;
    float *a, *b, *c;
};

static float *random_floats(size_t count, uint64_t *rng) {
    float *p = aligned_alloc(64, (count * sizeof(float) + 63) & ~(size_t)63);
    if (p) {
        for (size_t i = 0; i < count; i++) p[i] = qkb_rng_unit(rng);
    }
    return p;
}

qkb_sgemm_case *qkb_sgemm_case_create(size_t m, size_t n, size_t k, uint64_t seed) {
    /* blasint is int in the LP64 OpenBLAS builds we link; larger shapes are not layers we benchmark. */
    if (!m || !n || !k || m > 1u << 30 || n > 1u << 30 || k > 1u << 30) return NULL;
    qkb_sgemm_case *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    uint64_t rng = seed;
    c->m = m;
    c->n = n;
    c->k = k;
    c->a = random_floats(m * k, &rng);
    c->b = random_floats(k * n, &rng);
    c->c = random_floats(m * n, &rng);
    if (!c->a || !c->b || !c->c) {
        qkb_sgemm_case_destroy(c);
        return NULL;
    }
    return c;
}

void qkb_sgemm_case_destroy(qkb_sgemm_case *c) {
    if (!c) return;
    free(c->a);
    free(c->b);
    free(c->c);
    free(c);
}

void qkb_sgemm_case_run(qkb_sgemm_case *c) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)c->m, (int)c->n, (int)c->k, 1.0f, c->a, (int)c->k,
                c->b, (int)c->n, 0.0f, c->c, (int)c->n);
}

void qkb_sgemm_set_threads(int threads) { openblas_set_num_threads(threads < 1 ? 1 : threads); }

const char *qkb_sgemm_library(void) { return openblas_get_config(); }
