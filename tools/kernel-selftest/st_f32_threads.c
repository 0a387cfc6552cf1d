/* st_f32_threads.c — qk_f32_dense_mt and qk_f32_conv2d_mt against one call of the same ISA, bit for bit: the bands
 * must reproduce every output (float and packed bits) exactly, including convolutions whose bands start inside
 * the top padding, right after it, and on layers whose last rows read only bottom padding. */
#include "st.h"

#include <math.h>
#include <string.h>

#include "qk_f32_threads.h"

enum { N_DENSE = 24, N_CONV = 40 };
enum { ST_SEED_F32_MT = 1100 };

typedef struct {
    float *y;
    uint64_t *bits;
    size_t floats, words;
} outputs;

static void outputs_make(outputs *o, size_t rows, size_t n) {
    o->floats = rows * n;
    o->words = rows * qk_words(n);
    o->y = st_alloc(o->floats * 4);
    o->bits = st_alloc(o->words * 8);
}

static void outputs_free(outputs *o) {
    st_free(o->y);
    st_free(o->bits);
}

static void random_floats(st_rng *r, float *x, size_t n) {
    for (size_t i = 0; i < n; i++) x[i] = st_below(r, 50) == 0 ? 0.0f : st_uniform(r, -2, 2);
}

/* One epilogue shape per case: with or without residual, clamp, float output, bits. */
static qk_f32_epilogue epilogue(st_rng *r, outputs *o, const float *residual) {
    const size_t pick = st_below(r, 4);
    qk_f32_epilogue e = {0};
    e.residual = pick & 1 ? residual : NULL;
    e.clamp = (int)(pick >> 1);
    e.lo = -1;
    e.hi = 1;
    e.y = st_below(r, 3) ? o->y : NULL;
    e.bits = !e.y || st_below(r, 2) ? o->bits : NULL;
    return e;
}

static void compare(const outputs *got, const outputs *want) {
    if (memcmp(got->y, want->y, got->floats * 4) != 0) st_fail("float outputs differ from the single-threaded call");
    else if (memcmp(got->bits, want->bits, got->words * 8) != 0) st_fail("packed bits differ from the single-threaded call");
}

static qk_f32_epilogue retarget(qk_f32_epilogue e, const outputs *from, outputs *to) {
    if (e.y == from->y) e.y = to->y;
    if (e.bits == from->bits) e.bits = to->bits;
    return e;
}

static void dense_case(qk_isa isa, uint64_t seed, uint32_t idx, qk_pool *pool) {
    st_rng r;
    st_rng_seed(&r, seed, ST_SEED_F32_MT, idx);
    const size_t rows = 1 + st_below(&r, idx % 3 == 0 ? 1100 : 40), k = st_below(&r, 70), n = 1 + st_below(&r, 70);
    float *x = st_alloc(rows * k * 4 + 4), *w = st_alloc(n * k * 4 + 4), *bias = st_alloc(n * 4);
    float *prepared = st_alloc(qk_f32_dense_prepared_floats(k, n) * 4), *residual = st_alloc(rows * n * 4);
    random_floats(&r, x, rows * k);
    random_floats(&r, w, n * k);
    random_floats(&r, bias, n);
    random_floats(&r, residual, rows * n);
    qk_f32_dense_prepare(k, n, w, prepared);
    outputs want, got;
    outputs_make(&want, rows, n);
    outputs_make(&got, rows, n);
    qk_f32_dense_args a = {.rows = rows, .k = k, .n = n, .x = x, .weights = prepared, .bias = idx % 4 ? bias : NULL};
    a.out = epilogue(&r, &want, residual);
    qk_f32_dense(isa, &a);
    for (int threads = 2; threads <= 4; threads++) {
        memset(got.y, 0, got.floats * 4);
        memset(got.bits, 0, got.words * 8);
        qk_f32_dense_args b = a;
        b.out = retarget(a.out, &want, &got);
        qk_f32_dense_mt(isa, pool, threads, &b);
        st_test_begin(ST_FAM_MT, "f32 dense case %u rows=%zu k=%zu n=%zu threads=%d", idx, rows, k, n, threads);
        compare(&got, &want);
        st_test_end();
    }
    outputs_free(&want);
    outputs_free(&got);
    st_free(x); st_free(w); st_free(bias); st_free(prepared); st_free(residual);
}

static void conv_case(qk_isa isa, uint64_t seed, uint32_t idx, qk_pool *pool) {
    st_rng r;
    st_rng_seed(&r, seed, ST_SEED_F32_MT + 1, idx);
    const size_t kh = 1 + st_below(&r, 5), kw = 1 + st_below(&r, 4), stride = 1 + st_below(&r, 3);
    const size_t h = 1 + st_below(&r, 30), w = 1 + st_below(&r, 12), ic = 1 + st_below(&r, 9), oc = 1 + st_below(&r, 40);
    const size_t pad_top = st_below(&r, kh + 1), pad_left = st_below(&r, kw + 1);
    /* Bottom/right padding up to the kernel size: some layers end with rows that see only padding. */
    const size_t pad_bottom = st_below(&r, kh + 2), pad_right = st_below(&r, kw + 1);
    if (h + pad_top + pad_bottom < kh || w + pad_left + pad_right < kw) return;
    const size_t oh = (h + pad_top + pad_bottom - kh) / stride + 1, ow = (w + pad_left + pad_right - kw) / stride + 1;
    float *x = st_alloc(h * w * ic * 4), *wt = st_alloc(oc * kh * kw * ic * 4), *bias = st_alloc(oc * 4);
    float *prepared = st_alloc(qk_f32_conv2d_prepared_floats(kh, kw, ic, oc) * 4);
    float *residual = st_alloc(oh * ow * oc * 4);
    random_floats(&r, x, h * w * ic);
    random_floats(&r, wt, oc * kh * kw * ic);
    random_floats(&r, bias, oc);
    random_floats(&r, residual, oh * ow * oc);
    qk_f32_conv2d_prepare(kh, kw, ic, oc, wt, prepared);
    outputs want, got;
    outputs_make(&want, oh * ow, oc);
    outputs_make(&got, oh * ow, oc);
    qk_f32_conv2d_args a = {.h = h, .w = w, .ic = ic, .kh = kh, .kw = kw, .oc = oc, .stride = stride, .pad_top = pad_top,
                            .pad_left = pad_left, .oh = oh, .ow = ow, .x = x, .weights = prepared, .bias = bias};
    a.out = epilogue(&r, &want, residual);
    qk_f32_conv2d(isa, &a);
    for (int threads = 2; threads <= 4; threads++) {
        memset(got.y, 0, got.floats * 4);
        memset(got.bits, 0, got.words * 8);
        qk_f32_conv2d_args b = a;
        b.out = retarget(a.out, &want, &got);
        qk_f32_conv2d_mt(isa, pool, threads, &b);
        st_test_begin(ST_FAM_MT, "f32 conv2d case %u %zux%zux%zu k=%zux%zu s=%zu pad=%zu,%zu,%zu -> %zux%zux%zu threads=%d",
                      idx, h, w, ic, kh, kw, stride, pad_top, pad_left, pad_bottom, oh, ow, oc, threads);
        compare(&got, &want);
        st_test_end();
    }
    outputs_free(&want);
    outputs_free(&got);
    st_free(x); st_free(wt); st_free(bias); st_free(prepared); st_free(residual);
}

void st_run_f32_threads(qk_isa isa, uint64_t seed, qk_pool *pool) {
    for (uint32_t i = 0; i < N_DENSE; i++) dense_case(isa, seed, i, pool);
    for (uint32_t i = 0; i < N_CONV; i++) conv_case(isa, seed, i, pool);
}
