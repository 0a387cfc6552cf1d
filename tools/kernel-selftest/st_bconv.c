/* st_bconv.c — qk_bconv2d (one- and zero-padding, strides 1 and 2, 1×1 / 3×3 / 5×5) against the scalar
 * reference, and the reference against a plain float convolution of the ±1 tensors. */
#include "st_out.h"

#include <stdio.h>
#include <string.h>

static const size_t conv_hw[] = {1, 2, 5, 7, 8, 14};
static const size_t conv_c[] = {1, 3, 64, 65, 130};
static const size_t conv_n[] = {1, 8, 13, 64};
static const size_t conv_k[] = {1, 3, 5};
enum { N_HW = 6, N_C = 5, N_N = 4, N_K = 3, PER_COMBO = N_HW };

typedef struct {
    size_t h, w, c, n, k, stride, pad, oh, ow, cw, taps;
    qk_padding padding;
    uint64_t *in, *wrows, *panels;
    int32_t *tap_sums;
    st_affine t;
} conv_case;

/* The full product of all parameter lists is ~8600 convolutions, far too slow under qemu. Instead, each of the
 * 12 (padding, stride, kernel) combinations gets 6 cases whose H runs through every size while W, C and N are
 * rotated by the combination number, so every value of every list meets every combination at least once
 * across the run, and non-square images come up. */
static void conv_params(uint32_t idx, size_t *h, size_t *w, size_t *c, size_t *n, size_t *k, size_t *stride,
                        qk_padding *padding) {
    const uint32_t combo = idx / PER_COMBO, i = idx % PER_COMBO;
    *padding = combo % 2 ? QK_PAD_ZERO : QK_PAD_ONE;
    *stride = (combo / 2) % 2 ? 2 : 1;
    *k = conv_k[(combo / 4) % N_K];
    *h = conv_hw[i];
    *w = conv_hw[(i + combo) % N_HW];
    *c = conv_c[(i + combo) % N_C];
    *n = conv_n[(i + combo / 2) % N_N];
}
enum { N_CONV = 2 * 2 * N_K * PER_COMBO };

static void conv_case_make(conv_case *cc, st_rng *r, uint32_t idx) {
    memset(cc, 0, sizeof *cc);
    conv_params(idx, &cc->h, &cc->w, &cc->c, &cc->n, &cc->k, &cc->stride, &cc->padding);
    cc->pad = cc->k / 2;
    cc->oh = (cc->h + 2 * cc->pad - cc->k) / cc->stride + 1;
    cc->ow = (cc->w + 2 * cc->pad - cc->k) / cc->stride + 1;
    cc->cw = qk_words(cc->c);
    cc->taps = cc->k * cc->k;

    cc->in = st_alloc(cc->h * cc->w * cc->cw * 8);
    for (size_t p = 0; p < cc->h * cc->w; p++) st_random_bits(r, cc->in + p * cc->cw, cc->c);

    /* Each tap is its own run of cw words with a cleared tail, exactly as im2col lays pixels side by side. */
    const size_t kw = cc->taps * cc->cw;
    cc->wrows = st_alloc(cc->n * kw * 8);
    for (size_t ch = 0; ch < cc->n; ch++) {
        for (size_t t = 0; t < cc->taps; t++) st_random_bits(r, cc->wrows + ch * kw + t * cc->cw, cc->c);
    }
    cc->panels = st_alloc(qk_panel_words(cc->n, kw) * 8);
    qk_pack_panels(cc->wrows, cc->n, kw, cc->panels);
    if (cc->padding == QK_PAD_ZERO) {
        cc->tap_sums = st_alloc(cc->taps * qk_round_nr(cc->n) * sizeof(int32_t));
        qk_conv_tap_sums(cc->panels, cc->n, cc->c, cc->taps, cc->tap_sums);
    }
    st_affine_make(&cc->t, r, cc->n, (int32_t)(cc->taps * cc->c));
}

static void conv_case_free(conv_case *cc) {
    st_free(cc->in);
    st_free(cc->wrows);
    st_free(cc->panels);
    st_free(cc->tap_sums);
    st_affine_free(&cc->t);
}

static qk_bconv2d_args conv_args(const conv_case *cc, st_outbuf *o) {
    const qk_bconv2d_args a = {
        .h = cc->h,
        .w = cc->w,
        .c = cc->c,
        .in = cc->in,
        .kh = cc->k,
        .kwid = cc->k,
        .stride = cc->stride,
        .pad_top = cc->pad,
        .pad_left = cc->pad,
        .oh = cc->oh,
        .ow = cc->ow,
        .padding = cc->padding,
        .n = cc->n,
        .weights = cc->panels,
        .tap_sums = cc->tap_sums,
        .out = st_outbuf_target(o, &cc->t),
    };
    return a;
}

/* A float convolution of the unpacked tensors, the way a framework would compute it: padded pixels are +1.0
 * (one-padding) or 0.0 (zero-padding). Sums of ±1 are exact in float far beyond the 25·130 terms here. */
static int32_t *float_conv(const conv_case *cc) {
    const size_t kw = cc->taps * cc->cw;
    float *x = st_alloc(cc->h * cc->w * cc->c * sizeof(float));
    float *wt = st_alloc(cc->n * cc->taps * cc->c * sizeof(float));
    for (size_t p = 0; p < cc->h * cc->w; p++) {
        for (size_t ci = 0; ci < cc->c; ci++) x[p * cc->c + ci] = (float)st_pm1(cc->in + p * cc->cw, ci);
    }
    for (size_t ch = 0; ch < cc->n; ch++) {
        for (size_t t = 0; t < cc->taps; t++) {
            for (size_t ci = 0; ci < cc->c; ci++) {
                wt[(ch * cc->taps + t) * cc->c + ci] = (float)st_pm1(cc->wrows + ch * kw + t * cc->cw, ci);
            }
        }
    }
    const float pad_value = cc->padding == QK_PAD_ONE ? 1.0f : 0.0f;
    int32_t *acc = st_alloc(cc->oh * cc->ow * cc->n * sizeof(int32_t));
    for (size_t oy = 0; oy < cc->oh; oy++) {
        for (size_t ox = 0; ox < cc->ow; ox++) {
            for (size_t ch = 0; ch < cc->n; ch++) {
                float sum = 0.0f;
                for (size_t ky = 0; ky < cc->k; ky++) {
                    for (size_t kx = 0; kx < cc->k; kx++) {
                        const long iy = (long)(oy * cc->stride + ky) - (long)cc->pad;
                        const long ix = (long)(ox * cc->stride + kx) - (long)cc->pad;
                        const int inside = iy >= 0 && iy < (long)cc->h && ix >= 0 && ix < (long)cc->w;
                        const float *wv = wt + (ch * cc->taps + ky * cc->k + kx) * cc->c;
                        const float *xv = inside ? x + ((size_t)iy * cc->w + (size_t)ix) * cc->c : NULL;
                        for (size_t ci = 0; ci < cc->c; ci++) sum += (xv ? xv[ci] : pad_value) * wv[ci];
                    }
                }
                acc[(oy * cc->ow + ox) * cc->n + ch] = (int32_t)sum;
            }
        }
    }
    st_free(x);
    st_free(wt);
    return acc;
}

/* Runs one convolution into o with a fresh garbage workspace (the kernel must not rely on zeroed scratch); with
 * `prepared`, the zero-padding corrections come from qk_bconv2d_prepare_corrections (into garbage too), as the
 * engine runs it, and the workspace is the smaller one that excludes them. */
static int run_conv(qk_isa isa, qk_pool *pool, int threads, const conv_case *cc, st_outbuf *o, st_rng *r, int prepared) {
    qk_bconv2d_args a = conv_args(cc, o);
    void *corr = NULL;
    if (prepared) {
        const size_t corr_bytes = qk_bconv2d_corrections_bytes(&a);
        corr = st_alloc(corr_bytes);
        st_fill_random(r, corr, corr_bytes);
        qk_bconv2d_prepare_corrections(&a, corr);
        a.corrections = corr;
    }
    const size_t ws_bytes = qk_bconv2d_workspace_bytes(&a);
    void *ws = st_alloc(ws_bytes);
    st_fill_random(r, ws, ws_bytes);
    const int rc = qk_bconv2d(isa, pool, threads, &a, ws);
    st_free(ws);
    st_free(corr);
    return rc;
}

static const qk_out_kind kinds[] = {QK_OUT_INT32, QK_OUT_FLOAT, QK_OUT_BITS};
enum { N_KINDS = 3 };

static void describe(char *buf, size_t len, const conv_case *cc, uint32_t idx, const st_outbuf *o) {
    snprintf(buf, len, "%s case %u %s stride=%zu k=%zux%zu pad=%zu HxW=%zux%zu C=%zu N=%zu -> %zux%zu ldo=%zu",
             st_kind_name(o->kind), idx, cc->padding == QK_PAD_ONE ? "PAD_ONE" : "PAD_ZERO", cc->stride, cc->k, cc->k,
             cc->pad, cc->h, cc->w, cc->c, cc->n, cc->oh, cc->ow, o->ldo);
}

/* Convolutions that also go through the pool; bconv2d splits its GEMM like bgemm_mt does, but with border rows
 * carrying corrections, so it is worth its own check. */
static int conv_mt_case(uint32_t idx) { return idx % 5 == 0; }

void st_run_bconv(qk_isa isa, uint64_t seed, qk_pool *pool) {
    for (uint32_t idx = 0; idx < N_CONV; idx++) {
        st_rng r;
        st_rng_seed(&r, seed, ST_SEED_CONV, idx);
        conv_case cc;
        conv_case_make(&cc, &r, idx);
        const size_t rows = cc.oh * cc.ow;
        int32_t *acc = isa == QK_ISA_SCALAR ? float_conv(&cc) : NULL;

        st_outbuf got[N_KINDS];
        for (int ki = 0; ki < N_KINDS; ki++) {
            const qk_out_kind kind = kinds[ki];
            const size_t ldo_extra = (idx + (size_t)ki) % 3 == 1 ? 1 + st_below(&r, kind == QK_OUT_BITS ? 2 : 5) : 0;
            st_outbuf want;
            st_outbuf_make(&got[ki], &r, kind, rows, cc.n, ldo_extra);
            st_outbuf_make(&want, &r, kind, rows, cc.n, ldo_extra);
            char desc[200];
            describe(desc, sizeof desc, &cc, idx, &got[ki]);

            const char *ref = "scalar";
            int ref_rc = 0;
            if (acc) {
                st_outbuf_expect(&want, &cc.t, acc);
                ref = kind == QK_OUT_INT32 ? "float convolution of the ±1 tensors"
                                           : "float convolution + float transform";
            } else {
                ref_rc = run_conv(QK_ISA_SCALAR, NULL, 1, &cc, &want, &r, 0);
            }
            const int rc = run_conv(isa, NULL, 1, &cc, &got[ki], &r, (int)(idx + (size_t)ki) % 2);

            st_test_begin(ST_FAM_BCONV, "%s%s", desc, (idx + (size_t)ki) % 2 ? " prepared corrections" : "");
            if (rc != 0 || ref_rc != 0) st_fail("qk_bconv2d returned %d (scalar reference: %d)", rc, ref_rc);
            else st_check_output(&got[ki], &want, ref);
            if (kind == QK_OUT_BITS && !st_test_failed()) st_check_bits_match_float(&got[ki], &got[1]);
            st_test_end();

            if (conv_mt_case(idx)) {
                for (int threads = 2; threads <= 4; threads++) {
                    st_outbuf many;
                    st_outbuf_make(&many, &r, kind, rows, cc.n, ldo_extra);
                    memcpy(many.init, got[ki].init, many.bytes);
                    st_outbuf_reset(&many);
                    const int mrc = run_conv(isa, pool, threads, &cc, &many, &r, threads % 2);
                    st_test_begin(ST_FAM_MT, "bconv2d threads=%d %s", threads, desc);
                    if (mrc != 0) st_fail("qk_bconv2d returned %d", mrc);
                    else st_check_output(&many, &got[ki], "single-threaded");
                    st_test_end();
                    st_outbuf_free(&many);
                }
            }
            st_outbuf_free(&want);
        }
        for (int ki = 0; ki < N_KINDS; ki++) st_outbuf_free(&got[ki]);
        st_free(acc);
        conv_case_free(&cc);
    }
}
