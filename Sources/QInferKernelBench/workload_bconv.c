/* workload_bconv.c — a binary 3×3 convolution, pad 1 with zero padding (IR-Net's layers, trained in PyTorch),
 * run as the engine runs it (border corrections prepared once, at creation), plus the same GEMM without its
 * im2col, to measure what the lowering costs. */
#include <stdlib.h>

#include "qkb_rng.h"
#include "workload_common.h"

#define TAPS 9 /* 3×3 */

struct qkb_bconv_case {
    qk_bconv2d_args args;
    uint64_t *in, *panels, *out;
    int32_t *tap_sums;
    void *corrections, *workspace;
    qkb_bit_transform transform;
    /* The lowered GEMM: an im2col-shaped matrix and the border rows' corrections. */
    qk_bgemm_args gemm;
    uint64_t *cols, *gemm_out;
    const int32_t **row_corr;
};

/* Whether output pixel (oy, ox) reads a padded tap, i.e. carries a zero-padding correction. */
static int on_border(const qk_bconv2d_args *a, size_t oy, size_t ox) {
    const long y0 = (long)(oy * a->stride) - (long)a->pad_top, x0 = (long)(ox * a->stride) - (long)a->pad_left;
    return y0 < 0 || x0 < 0 || y0 + (long)a->kh > (long)a->h || x0 + (long)a->kwid > (long)a->w;
}

static int build_lowered_gemm(qkb_bconv_case *c, uint64_t *rng) {
    const qk_bconv2d_args *a = &c->args;
    const size_t m = a->oh * a->ow, cw = qk_words(a->c), kw = TAPS * cw;
    c->cols = qkb_alloc(m * kw, sizeof(uint64_t));
    c->gemm_out = qkb_alloc(m * qk_words(a->n), sizeof(uint64_t));
    c->row_corr = qkb_alloc(m, sizeof(*c->row_corr));
    if (!c->cols || !c->gemm_out || !c->row_corr) return -1;
    qkb_random_bits(c->cols, m * TAPS, a->c, cw, rng);
    for (size_t oy = 0; oy < a->oh; oy++) {
        for (size_t ox = 0; ox < a->ow; ox++) c->row_corr[oy * a->ow + ox] = on_border(a, oy, ox) ? c->tap_sums : NULL;
    }
    c->gemm = (qk_bgemm_args){
        .m = m,
        .n = a->n,
        .kw = kw,
        .k_bits = (int32_t)(TAPS * a->c),
        .a = c->cols,
        .lda = kw,
        .w = c->panels,
        .row_corr = c->row_corr,
        .out = a->out,
    };
    c->gemm.out.out = c->gemm_out;
    return 0;
}

qkb_bconv_case *qkb_bconv_case_create(size_t h, size_t w, size_t ch, size_t n, size_t stride, uint64_t seed) {
    if (!h || !w || !ch || !n || !stride || TAPS * ch > (size_t)INT32_MAX / 2) return NULL;
    qkb_bconv_case *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    const size_t cw = qk_words(ch), kw = TAPS * cw;
    const size_t oh = (h - 1) / stride + 1, ow = (w - 1) / stride + 1; /* (h + 2·1 − 3) / stride + 1 */
    uint64_t rng = seed;
    uint64_t *w_rows = qkb_alloc(n * kw, sizeof(uint64_t));
    c->in = qkb_alloc(h * w * cw, sizeof(uint64_t));
    c->panels = qkb_alloc(qk_panel_words(n, kw), sizeof(uint64_t));
    c->tap_sums = qkb_alloc(TAPS * qk_round_nr(n), sizeof(int32_t));
    c->out = qkb_alloc(oh * ow * qk_words(n), sizeof(uint64_t));
    if (!w_rows || !c->in || !c->panels || !c->tap_sums || !c->out ||
        qkb_bit_transform_init(&c->transform, n, (int32_t)(TAPS * ch), &rng) != 0)
        goto fail;
    qkb_random_bits(c->in, h * w, ch, cw, &rng);
    qkb_random_bits(w_rows, n * TAPS, ch, cw, &rng); /* rows [ky][kx][cw], each tap's tail clean */
    qk_pack_panels(w_rows, n, kw, c->panels);
    qk_conv_tap_sums(c->panels, n, ch, TAPS, c->tap_sums);
    free(w_rows);
    w_rows = NULL;
    c->args = (qk_bconv2d_args){
        .h = h,
        .w = w,
        .c = ch,
        .in = c->in,
        .kh = 3,
        .kwid = 3,
        .stride = stride,
        .pad_top = 1,
        .pad_left = 1,
        .oh = oh,
        .ow = ow,
        .padding = QK_PAD_ZERO,
        .n = n,
        .weights = c->panels,
        .tap_sums = c->tap_sums,
        .out = {.kind = QK_OUT_BITS,
                .thresh = c->transform.thresh,
                .flip = c->transform.flip,
                .out = c->out,
                .ldo = qk_words(n)},
    };
    c->corrections = qkb_alloc(qk_bconv2d_corrections_bytes(&c->args), 1);
    if (!c->corrections) goto fail;
    qk_bconv2d_prepare_corrections(&c->args, c->corrections);
    c->args.corrections = c->corrections;
    c->workspace = qkb_alloc(qk_bconv2d_workspace_bytes(&c->args), 1);
    if (!c->workspace || build_lowered_gemm(c, &rng) != 0) goto fail;
    return c;
fail:
    free(w_rows);
    qkb_bconv_case_destroy(c);
    return NULL;
}

void qkb_bconv_case_destroy(qkb_bconv_case *c) {
    if (!c) return;
    free(c->in);
    free(c->panels);
    free(c->out);
    free(c->tap_sums);
    free(c->workspace);
    free(c->corrections);
    free(c->cols);
    free(c->gemm_out);
    free(c->row_corr);
    qkb_bit_transform_free(&c->transform);
    free(c);
}

void qkb_bconv_case_gemm_shape(const qkb_bconv_case *c, size_t *m, size_t *n, size_t *k) {
    *m = c->args.oh * c->args.ow;
    *n = c->args.n;
    *k = TAPS * c->args.c;
}

int qkb_bconv_case_run(qkb_bconv_case *c, qk_isa isa, qk_pool *pool, int threads) {
    return qk_bconv2d(isa, pool, threads, &c->args, c->workspace);
}

void qkb_bconv_case_run_gemm_only(qkb_bconv_case *c, qk_isa isa, qk_pool *pool, int threads) {
    qk_bgemm_mt(isa, pool, threads, &c->gemm);
}

uint64_t qkb_bconv_case_digest(const qkb_bconv_case *c) {
    return qkb_digest_rows(c->out, c->args.oh * c->args.ow, qk_words(c->args.n), c->args.out.ldo);
}
