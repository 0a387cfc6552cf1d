/* st_f32.c — qk_f32_dense / qk_f32_conv2d / qk_f32_eltwise against the scalar reference bit for bit, and the
 * reference against loops written here over the original weight layouts (ONNX's [n][k] and [oc][kh][kw][ic]), in
 * the ReferenceExecutor's order, with Swift's min/max spelled as the Swift standard library defines them. */
#include "st.h"

#include "qk_f32_threads.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Floats and words written past each output: catches vector stores that run over the end. */
enum { GUARD = 32 };
static const uint32_t sentinel = 0x7fbadbadu; /* a signalling-NaN pattern no kernel computes */

static float f_of(uint32_t b) {
    float f;
    memcpy(&f, &b, sizeof f);
    return f;
}

static uint32_t bits_of(float f) {
    uint32_t b;
    memcpy(&b, &f, sizeof b);
    return b;
}

/* Operand values. `specials` is the chance out of 64 of a value the arithmetic can get wrong: both zeros, NaNs,
 * infinities, subnormals, values whose products overflow. Long sums get few specials, or every output would be
 * NaN and compare trivially. */
static float pick_value(st_rng *r, unsigned specials) {
    if (st_below(r, 64) < specials) {
        switch (st_below(r, 11)) {
        case 0: return 0.0f;
        case 1: return -0.0f;
        case 2: return f_of(0x7fc00000u);
        case 3: return f_of(0xffc00001u);
        case 4: return INFINITY;
        case 5: return -INFINITY;
        case 6: return f_of(0x00000001u);
        case 7: return -f_of((uint32_t)st_range(r, 1, 0x007fffff));
        case 8: return st_below(r, 2) ? 3e38f : -3e38f;
        case 9: return st_uniform(r, -1.0f, 1.0f) * 1e-36f; /* products underflow into subnormals */
        default: return st_uniform(r, -1e20f, 1e20f);
        }
    }
    /* a few exact zeros even in plain data: exactly cancelling sums give +0 that later bits must call ≥ 0 */
    if (st_below(r, 32) == 0) return st_below(r, 2) ? 0.0f : -0.0f;
    return st_uniform(r, -2.0f, 2.0f);
}

static float *random_floats(st_rng *r, size_t count, unsigned specials) {
    float *p = st_alloc((count + 1) * sizeof *p);
    for (size_t i = 0; i < count; i++) p[i] = pick_value(r, specials);
    return p;
}

/* ---- the driver's own reference ------------------------------------------------------------------------------ */

/* Swift's stdlib: max(x, y) = y >= x ? y : x, min(x, y) = y < x ? y : x; hardtanh is min(max(v, lo), hi). */
static float swift_max(float x, float y) { return y >= x ? y : x; }
static float swift_min(float x, float y) { return y < x ? y : x; }

static float naive_finish(const qk_f32_epilogue *o, size_t idx, float v) {
    if (o->residual) v = v + o->residual[idx];
    if (o->clamp) v = swift_min(swift_max(v, o->lo), o->hi);
    return v;
}

/* v for every element, then the float and bit outputs from the stored values (bit = v < 0, zeroed tails). */
static void naive_store(const qk_f32_epilogue *o, size_t rows, size_t n, const float *v) {
    const size_t words = qk_words(n);
    for (size_t r = 0; r < rows; r++) {
        if (o->bits) memset(o->bits + r * words, 0, words * sizeof *o->bits);
        for (size_t j = 0; j < n; j++) {
            if (o->y) o->y[r * n + j] = v[r * n + j];
            if (o->bits && v[r * n + j] < 0.0f) o->bits[r * words + j / 64] |= 1ull << (j % 64);
        }
    }
}

/* ---- outputs: sentinel-filled buffers with guards, compared bit for bit --------------------------------------- */

typedef struct {
    size_t rows, n;
    int want_y, want_bits, residual, in_place, clamp;
    float lo, hi;
    float *res;      /* the residual operand (kept pristine; in-place runs copy it into y first) */
    float *y[2];     /* [0] the tested ISA, [1] the reference */
    uint64_t *b[2];
} outputs;

static void outputs_make(outputs *o, st_rng *r, size_t rows, size_t n, unsigned specials) {
    memset(o, 0, sizeof *o);
    o->rows = rows;
    o->n = n;
    const unsigned shape = (unsigned)st_below(r, 4); /* y only, bits only, both (twice as likely) */
    o->want_y = shape != 1;
    o->want_bits = shape != 0;
    o->residual = st_below(r, 2);
    o->in_place = o->residual && o->want_y && st_below(r, 4) == 0;
    o->clamp = st_below(r, 3) != 0;
    static const float bounds[][2] = {{-1.0f, 1.0f}, {0.0f, 0.0f}, {-0.0f, 0.0f}, {0.0f, -0.0f},
                                      {-0.5f, 2.0f}, {-INFINITY, INFINITY}, {1.0f, -1.0f}};
    const size_t b = st_below(r, sizeof bounds / sizeof bounds[0] + 1);
    if (b < sizeof bounds / sizeof bounds[0]) {
        o->lo = bounds[b][0];
        o->hi = bounds[b][1];
    } else { /* a NaN bound: every compare with it is false, so Swift's max/min keep v */
        o->lo = st_below(r, 2) ? NAN : -1.0f;
        o->hi = st_below(r, 2) ? NAN : 1.0f;
    }
    if (o->residual) o->res = random_floats(r, rows * n, specials);
    for (int s = 0; s < 2; s++) {
        o->y[s] = st_alloc((rows * n + GUARD) * sizeof(float));
        o->b[s] = st_alloc((rows * qk_words(n) + GUARD) * sizeof(uint64_t));
    }
}

/* Fills outputs with the sentinel (so a skipped store shows) and returns the epilogue for side s. */
static qk_f32_epilogue outputs_arm(outputs *o, int s) {
    const size_t nf = o->rows * o->n, nw = o->rows * qk_words(o->n);
    for (size_t i = 0; i < nf + GUARD; i++) memcpy(o->y[s] + i, &sentinel, sizeof sentinel);
    for (size_t i = 0; i < nw + GUARD; i++) o->b[s][i] = 0xa5a5a5a5a5a5a5a5ull;
    qk_f32_epilogue e = {.clamp = o->clamp, .lo = o->lo, .hi = o->hi};
    if (o->residual) {
        if (o->in_place) memcpy(o->y[s], o->res, nf * sizeof(float));
        e.residual = o->in_place ? o->y[s] : o->res;
    }
    if (o->want_y) e.y = o->y[s];
    if (o->want_bits) e.bits = o->b[s];
    return e;
}

/* Bit patterns must match except between two NaNs: which operand's NaN an add or multiply passes on is not fixed
 * by IEEE 754, and compilers (clang for Swift as much as for C) swap the operands of commutative float operations,
 * so neither the C reference nor the Swift ReferenceExecutor pins a NaN's sign or payload. Sign bits are unaffected:
 * every NaN packs as 0. The sentinel is excluded, so a skipped store still shows. */
static int is_nan_bits(uint32_t b) { return (b & 0x7f800000u) == 0x7f800000u && (b & 0x007fffffu) != 0; }

static void outputs_check(const outputs *o) {
    const size_t nf = o->rows * o->n, words = qk_words(o->n), nw = o->rows * words;
    /* without a float output the buffer holds only the in-place residual copy or the sentinel: compare anyway */
    for (size_t i = 0; i < nf + GUARD && !st_test_failed(); i++) {
        const uint32_t got = bits_of(o->y[0][i]), want = bits_of(o->y[1][i]);
        const int both_nan = is_nan_bits(got) && is_nan_bits(want) && got != sentinel && want != sentinel;
        if (got != want && !(i < nf && both_nan)) {
            if (i >= nf) st_fail("float store past the end (guard %zu) changed to 0x%08x", i - nf, got);
            else st_fail("y[%zu][%zu] = 0x%08x (%g), reference 0x%08x (%g)", i / o->n, i % o->n, got, o->y[0][i],
                         want, o->y[1][i]);
        }
    }
    for (size_t i = 0; i < nw + GUARD && !st_test_failed(); i++) {
        if (o->b[0][i] != o->b[1][i]) {
            if (i >= nw) st_fail("bit store past the end (guard word %zu)", i - nw);
            else st_fail("bits row %zu word %zu = %016llx, reference %016llx", i / words, i % words,
                         (unsigned long long)o->b[0][i], (unsigned long long)o->b[1][i]);
        }
    }
    if (o->want_bits && o->n % 64)
        for (size_t r = 0; r < o->rows && !st_test_failed(); r++)
            if (o->b[0][r * words + words - 1] >> (o->n % 64)) st_fail("row %zu: tail bits past n are not 0", r);
}

static void outputs_free(outputs *o) {
    st_free(o->res);
    for (int s = 0; s < 2; s++) {
        st_free(o->y[s]);
        st_free(o->b[s]);
    }
}

static const char *epi_desc(const outputs *o, char *buf, size_t len) {
    snprintf(buf, len, "%s%s%s%s%s[%g,%g]", o->want_y ? "y" : "", o->want_bits ? "+bits" : "",
             o->residual ? "+res" : "", o->in_place ? "(in place)" : "", o->clamp ? "+clamp" : "", o->lo, o->hi);
    return buf;
}

/* ---- dense ---------------------------------------------------------------------------------------------------- */

/* Cases draw their operands from family ST_SEED_F32; the shape pickers from ST_SEED_F32 + 1 (dense) and + 2 (conv). */
static const size_t dense_ks[] = {0, 1, 3, 64, 128, 1000};

/* The pool of the run; a quarter of the cases go through each of the single-threaded entry point and the _mt one
 * with 2, 3 and 4 threads (whose row split must not change a bit). */
static qk_pool *test_pool;

static void dense_case(qk_isa isa, uint64_t seed, uint32_t idx, size_t rows, size_t k, size_t n) {
    st_rng r;
    st_rng_seed(&r, seed, ST_SEED_F32, idx);
    const unsigned specials = k >= 128 ? 1 : 6;
    float *x = random_floats(&r, rows * k, specials), *w = random_floats(&r, n * k, specials);
    float *bias = st_below(&r, 4) ? random_floats(&r, n, specials) : NULL;
    float *prep = st_alloc((qk_f32_dense_prepared_floats(k, n) + 1) * sizeof(float));
    qk_f32_dense_prepare(k, n, w, prep);
    outputs o;
    outputs_make(&o, &r, rows, n, specials);
    const int threads = 1 + (int)st_below(&r, 4);
    char d[96];
    st_test_begin(ST_FAM_F32, "dense case %u rows %zu k %zu n %zu bias %d %s threads %d", idx, rows, k, n,
                  bias != NULL, epi_desc(&o, d, sizeof d), threads);

    qk_f32_dense_args a = {.rows = rows, .k = k, .n = n, .x = x, .weights = prep, .bias = bias};
    a.out = outputs_arm(&o, 0);
    if (threads == 1) qk_f32_dense(isa, &a);
    else qk_f32_dense_mt(isa, test_pool, threads, &a);
    a.out = outputs_arm(&o, 1);
    if (isa != QK_ISA_SCALAR) {
        qk_f32_dense(QK_ISA_SCALAR, &a);
    } else { /* the ReferenceExecutor's loop over the [n][k] weights */
        float *v = st_alloc((rows * n + 1) * sizeof(float));
        for (size_t row = 0; row < rows; row++)
            for (size_t j = 0; j < n; j++) {
                float acc = 0;
                for (size_t i = 0; i < k; i++) acc += x[row * k + i] * w[j * k + i];
                v[row * n + j] = naive_finish(&a.out, row * n + j, bias ? acc + bias[j] : acc);
            }
        naive_store(&a.out, rows, n, v);
        st_free(v);
    }
    outputs_check(&o);
    st_test_end();
    outputs_free(&o);
    st_free(x);
    st_free(w);
    st_free(bias);
    st_free(prep);
}

static uint32_t run_dense(qk_isa isa, uint64_t seed, uint32_t idx) {
    /* the shipped shapes: BiPointNet's first layer, the two classifier heads */
    dense_case(isa, seed, idx++, 1024, 3, 64);
    dense_case(isa, seed, idx++, 1, 256, 14);
    dense_case(isa, seed, idx++, 1, 128, 10);
    for (size_t ki = 0; ki < sizeof dense_ks / sizeof dense_ks[0]; ki++) {
        for (size_t n = 1; n <= 40; n++) {
            st_rng r;
            st_rng_seed(&r, seed, ST_SEED_F32 + 1, idx);
            const size_t rows = 1 + st_below(&r, dense_ks[ki] >= 1000 ? 6 : 13);
            dense_case(isa, seed, idx++, rows, dense_ks[ki], n);
        }
        static const size_t wide[] = {47, 63, 64, 65, 100, 128, 130};
        for (size_t i = 0; i < sizeof wide / sizeof wide[0]; i++) dense_case(isa, seed, idx++, 5, dense_ks[ki], wide[i]);
    }
    return idx;
}

/* ---- conv2d --------------------------------------------------------------------------------------------------- */

typedef struct {
    size_t h, w, ic, kh, kw, oc, stride, pt, pl, oh, ow;
} conv_shape;

static void conv_case(qk_isa isa, uint64_t seed, uint32_t idx, const conv_shape *g) {
    st_rng r;
    st_rng_seed(&r, seed, ST_SEED_F32, idx);
    const size_t k = g->kh * g->kw * g->ic, rows = g->oh * g->ow;
    const unsigned specials = k >= 128 ? 1 : 4;
    float *x = random_floats(&r, g->h * g->w * g->ic, specials), *w = random_floats(&r, g->oc * k, specials);
    float *bias = st_below(&r, 4) ? random_floats(&r, g->oc, specials) : NULL;
    float *prep = st_alloc((qk_f32_conv2d_prepared_floats(g->kh, g->kw, g->ic, g->oc) + 1) * sizeof(float));
    qk_f32_conv2d_prepare(g->kh, g->kw, g->ic, g->oc, w, prep);
    outputs o;
    outputs_make(&o, &r, rows, g->oc, specials);
    const int threads = 1 + (int)st_below(&r, 4);
    char d[96];
    st_test_begin(ST_FAM_F32, "conv2d case %u %zux%zux%zu -> %zux%zux%zu k %zux%zu s %zu pad %zu,%zu bias %d %s threads %d",
                  idx, g->h, g->w, g->ic, g->oh, g->ow, g->oc, g->kh, g->kw, g->stride, g->pt, g->pl, bias != NULL,
                  epi_desc(&o, d, sizeof d), threads);

    qk_f32_conv2d_args a = {.h = g->h, .w = g->w, .ic = g->ic, .kh = g->kh, .kw = g->kw, .oc = g->oc,
                            .stride = g->stride, .pad_top = g->pt, .pad_left = g->pl, .oh = g->oh, .ow = g->ow,
                            .x = x, .weights = prep, .bias = bias};
    a.out = outputs_arm(&o, 0);
    if (threads == 1) qk_f32_conv2d(isa, &a);
    else qk_f32_conv2d_mt(isa, test_pool, threads, &a);
    a.out = outputs_arm(&o, 1);
    if (isa != QK_ISA_SCALAR) {
        qk_f32_conv2d(QK_ISA_SCALAR, &a);
    } else { /* the ReferenceExecutor's convolve over [oc][kh][kw][ic] weights, padded taps skipped */
        float *v = st_alloc((rows * g->oc + 1) * sizeof(float));
        for (size_t oy = 0; oy < g->oh; oy++)
            for (size_t ox = 0; ox < g->ow; ox++)
                for (size_t oc = 0; oc < g->oc; oc++) {
                    float acc = 0;
                    for (size_t ky = 0; ky < g->kh; ky++)
                        for (size_t kx = 0; kx < g->kw; kx++) {
                            const long iy = (long)(oy * g->stride + ky) - (long)g->pt;
                            const long ix = (long)(ox * g->stride + kx) - (long)g->pl;
                            if (iy < 0 || iy >= (long)g->h || ix < 0 || ix >= (long)g->w) continue;
                            for (size_t c = 0; c < g->ic; c++)
                                acc += x[((size_t)iy * g->w + (size_t)ix) * g->ic + c] *
                                       w[((oc * g->kh + ky) * g->kw + kx) * g->ic + c];
                        }
                    const size_t at = (oy * g->ow + ox) * g->oc + oc;
                    v[at] = naive_finish(&a.out, at, bias ? acc + bias[oc] : acc);
                }
        naive_store(&a.out, rows, g->oc, v);
        st_free(v);
    }
    outputs_check(&o);
    st_test_end();
    outputs_free(&o);
    st_free(x);
    st_free(w);
    st_free(bias);
    st_free(prep);
}

static uint32_t run_conv(qk_isa isa, uint64_t seed, uint32_t idx) {
    /* IR-Net's stem and its stride-2 shortcut */
    conv_case(isa, seed, idx++, &(conv_shape){28, 28, 1, 3, 3, 64, 2, 1, 1, 14, 14});
    conv_case(isa, seed, idx++, &(conv_shape){14, 14, 64, 1, 1, 128, 2, 0, 0, 7, 7});
    static const size_t kernels[][2] = {{1, 1}, {3, 3}, {5, 5}, {1, 3}, {3, 1}};
    static const size_t ics[] = {1, 2, 3, 8, 16, 17, 33, 64};
    for (uint32_t i = 0; i < 240; i++) {
        st_rng r;
        st_rng_seed(&r, seed, ST_SEED_F32 + 2, i);
        conv_shape g;
        g.kh = kernels[i % 5][0];
        g.kw = kernels[i % 5][1];
        g.stride = 1 + (i / 5) % 3;
        g.pt = st_below(&r, 3);
        g.pl = st_below(&r, 3);
        g.h = 1 + st_below(&r, 11);
        g.w = 1 + st_below(&r, 11);
        g.ic = ics[st_below(&r, sizeof ics / sizeof ics[0])];
        g.oc = i % 8 == 7 ? (size_t[]){47, 64, 65, 100, 128}[st_below(&r, 5)] : 1 + i % 40;
        const size_t pb = st_below(&r, 3), pr = st_below(&r, 3);
        if (g.h + g.pt + pb < g.kh || g.w + g.pl + pr < g.kw) { /* too small: take the kernel-sized window */
            g.oh = g.ow = 1;
        } else {
            g.oh = (g.h + g.pt + pb - g.kh) / g.stride + 1;
            g.ow = (g.w + g.pl + pr - g.kw) / g.stride + 1;
        }
        conv_case(isa, seed, idx++, &g);
    }
    return idx;
}

/* ---- eltwise -------------------------------------------------------------------------------------------------- */

static void eltwise_case(qk_isa isa, uint64_t seed, uint32_t idx, size_t rows, size_t c) {
    st_rng r;
    st_rng_seed(&r, seed, ST_SEED_F32, idx);
    float *a = random_floats(&r, rows * c, 8);
    outputs o;
    outputs_make(&o, &r, rows, c, 8);
    /* a in place (y = a) as well as y = residual: copy a into y first and pass y */
    const int a_in_place = !o.in_place && o.want_y && st_below(&r, 4) == 0;
    char d[96];
    st_test_begin(ST_FAM_F32, "eltwise case %u rows %zu c %zu %s%s", idx, rows, c, epi_desc(&o, d, sizeof d),
                  a_in_place ? " (y = a)" : "");
    for (int s = 0; s < 2; s++) {
        qk_f32_epilogue e = outputs_arm(&o, s);
        const float *src = a;
        if (a_in_place) {
            memcpy(o.y[s], a, rows * c * sizeof(float));
            src = o.y[s];
        }
        if (s == 0) {
            qk_f32_eltwise(isa, rows, c, src, &e);
        } else if (isa != QK_ISA_SCALAR) {
            qk_f32_eltwise(QK_ISA_SCALAR, rows, c, src, &e);
        } else {
            float *v = st_alloc((rows * c + 1) * sizeof(float));
            for (size_t i = 0; i < rows * c; i++) v[i] = naive_finish(&e, i, a[i]);
            naive_store(&e, rows, c, v);
            st_free(v);
        }
    }
    outputs_check(&o);
    st_test_end();
    outputs_free(&o);
    st_free(a);
}

static uint32_t run_eltwise(qk_isa isa, uint64_t seed, uint32_t idx) {
    eltwise_case(isa, seed, idx++, 14 * 14, 64); /* IR-Net's residual add + hardtanh + sign-pack */
    eltwise_case(isa, seed, idx++, 7 * 7, 128);
    for (size_t c = 1; c <= 70; c++) eltwise_case(isa, seed, idx++, 1 + c % 5, c);
    static const size_t wide[] = {127, 128, 129, 200, 1000};
    for (size_t i = 0; i < sizeof wide / sizeof wide[0]; i++) eltwise_case(isa, seed, idx++, 3, wide[i]);
    return idx;
}

void st_run_f32(qk_isa isa, uint64_t seed, qk_pool *pool) {
    test_pool = pool;
    uint32_t idx = 0;
    idx = run_dense(isa, seed, idx);
    idx = run_conv(isa, seed, idx);
    run_eltwise(isa, seed, idx);
}
