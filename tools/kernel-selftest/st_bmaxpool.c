/* st_bmaxpool.c — qk_bmaxpool (binary layer fused with the max over its rows) in every ISA, bit for bit against
 * (a) the scalar qk_bmaxpool and (b) an oracle that shares none of its code: qk_bgemm's QK_OUT_FLOAT through the
 * scalar ISA on the unprepared panels, followed by the reference running max written here. Also threads 1..4
 * through the pool against threads = 1, M = 0 leaving y untouched, and (in the scalar section) the prepared panels
 * against their definition. */
#include "st.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* The oracle's max and offset must round exactly like the engine's; GCC gets -ffp-contract=off from the scripts. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

/* Seed families of this file, far from st.h's small ST_SEED_* numbers so a group added there never collides. */
enum { SEED_CASE = 0x626d7000, SEED_SHAPE = 0x626d7001 };
enum { GUARD_FLOATS = 32, MAX_THREADS = 4, N_RANDOM = 12 };
static const uint32_t garbage_bits = 0x7fc0dead; /* a NaN payload no kernel computes */

typedef struct {
    size_t m, n, k;
} shape;

/* Row counts around the AVX-512 and AVX2 row tiles (1, 2, 31..33, 1024), channel counts that leave partial panels
 * and partial 2- and 8-panel blocks, k at word boundaries (63..65, 127..129), kw = 3 and 4 (past the register
 * paths), long rows past the 31-word byte runs, BiPointNet's 1024 × 1024 × 128 itself, and K = 0 (no words). */
static const shape fixed_shapes[] = {
    {1, 1, 1},      {1, 8, 64},      {2, 9, 63},       {31, 64, 65},     {32, 65, 127},  {33, 127, 128},
    {1024, 1024, 128}, {1024, 72, 129}, {2, 1100, 128}, {1100, 9, 1},    {7, 300, 300},  {64, 63, 192},
    {100, 100, 256}, {5, 200, 1000}, {3, 17, 2049},    {2, 24, 4033},    {1, 300, 129},  {1024, 8, 128},
    {33, 1100, 64}, {2, 15, 128},   {1, 56, 2},       {3, 1, 128},      {5, 9, 0},
};
enum { N_FIXED = sizeof fixed_shapes / sizeof fixed_shapes[0], N_SHAPES = N_FIXED + N_RANDOM };

static shape shape_at(uint64_t seed, uint32_t i) {
    if (i < N_FIXED) return fixed_shapes[i];
    st_rng r;
    st_rng_seed(&r, seed, SEED_SHAPE, i);
    shape s = {1 + st_below(&r, 1100), 1 + st_below(&r, 1100), 1 + st_below(&r, 300)};
    /* capped in work so a section stays within seconds under qemu */
    while (s.m * qk_round_nr(s.n) * qk_words(s.k) > (size_t)1500000 && s.m > 1) s.m /= 2;
    return s;
}

typedef struct {
    size_t m, n, k, kw, lda;
    uint64_t *a, *wrows, *panels, *prepared;
    float *mul, *bias, offset;
} bmp_case;

static void clear_tail(uint64_t *row, size_t k) {
    if (k % 64) row[qk_words(k) - 1] &= (1ull << (k % 64)) - 1;
}

/* A random pattern of exactly `ones` of the first k bits. */
static void exact_ones(st_rng *r, uint64_t *row, size_t k, size_t ones) {
    memset(row, 0, qk_words(k) * 8);
    size_t have = 0;
    while (have < ones) {
        const size_t b = st_below(r, k);
        if (row[b / 64] >> (b % 64) & 1) continue;
        row[b / 64] |= 1ull << (b % 64);
        have++;
    }
}

static float pick_mul(st_rng *r) {
    const float sign = st_below(r, 2) ? 1.0f : -1.0f;
    switch (st_below(r, 40)) {
    case 0: return 0.0f; /* exact path: every row ties at ±bias */
    case 1: return -0.0f;
    case 2: return NAN;
    case 3: return INFINITY; /* exact path: inf·0 = NaN at acc = 0 */
    case 4: return -INFINITY;
    case 5: return sign * 1e-40f;                     /* subnormal: products stay nonzero */
    case 6: return sign * st_uniform(r, 1e36f, 3e38f); /* products overflow to ±inf: still monotone */
    case 7: return sign * 1e-30f;                     /* products vanish next to most biases: many float ties */
    default: return st_uniform(r, -2.0f, 2.0f);
    }
}

static float pick_bias(st_rng *r, float mul, int32_t k) {
    switch (st_below(r, 16)) {
    case 0: return INFINITY;
    case 1: return -INFINITY;
    case 2: return NAN;
    case 3: return 0.0f;
    case 4: return -0.0f; /* with mul < 0, v(acc = 0) = −0 + −0 = −0: the signed-zero corner */
    case 5: return st_below(r, 2) ? 3e38f : -3e38f;
    case 6: {
        const float scaled = (float)st_range(r, -k, k) * mul; /* v = 0 exactly at one acc */
        return -scaled;
    }
    default: {
        const float mag = mul == 0.0f || !isfinite(mul) ? 1.0f : fabsf(mul);
        return st_uniform(r, -1.0f, 1.0f) * (float)k * mag;
    }
    }
}

static void case_make(bmp_case *c, st_rng *r, shape s, uint32_t idx) {
    memset(c, 0, sizeof *c);
    c->m = s.m;
    c->n = s.n;
    c->k = s.k;
    c->kw = qk_words(s.k);
    c->lda = c->kw + (idx % 3 == 1 ? 1 + st_below(r, 3) : 0);
    const size_t nr = qk_round_nr(c->n);

    c->a = st_alloc(c->m * c->lda * 8);
    st_fill_random(r, c->a, c->m * c->lda * 8); /* the words between kw and lda stay garbage */
    for (size_t i = 0; i < c->m; i++) {
        uint64_t *row = c->a + i * c->lda;
        const size_t pick = st_below(r, 16);
        if (pick == 0 && i > 0) { /* a repeated point: every channel ties between the two rows */
            memcpy(row, c->a + st_below(r, i) * c->lda, c->kw * 8);
        } else if (pick == 1 || pick == 2) { /* all ones / all zeros: popcounts at 0 or K */
            for (size_t w = 0; w < c->kw; w++) row[w] = pick == 1 ? ~0ull : 0;
            clear_tail(row, c->k);
        } else {
            st_random_bits(r, row, c->k);
        }
    }

    c->wrows = st_alloc(c->n * c->kw * 8);
    for (size_t ch = 0; ch < c->n; ch++) {
        uint64_t *w = c->wrows + ch * c->kw;
        const size_t pick = st_below(r, 8);
        if (pick == 0) {
            /* acc = 0 exactly at one row (K even): where ±0 could differ; with bias −0 the best may be −0 */
            const uint64_t *a = c->a + st_below(r, c->m) * c->lda;
            exact_ones(r, w, c->k, c->k / 2);
            for (size_t k = 0; k < c->kw; k++) w[k] ^= a[k];
            clear_tail(w, c->k);
        } else if (pick == 1) {
            for (size_t k = 0; k < c->kw; k++) w[k] = st_below(r, 2) ? ~0ull : 0;
            clear_tail(w, c->k);
        } else {
            st_random_bits(r, w, c->k);
        }
    }
    c->panels = st_alloc(qk_panel_words(c->n, c->kw) * 8);
    qk_pack_panels(c->wrows, c->n, c->kw, c->panels);

    c->mul = st_alloc(nr * sizeof(float));
    c->bias = st_alloc(nr * sizeof(float));
    for (size_t ch = 0; ch < nr; ch++) {
        if (ch >= c->n) { /* padding entries: garbage a kernel must ignore (and prepare must not act on) */
            static const float junk[] = {NAN, -INFINITY, -1e30f, -3.0f};
            c->mul[ch] = junk[ch % 4];
            c->bias[ch] = junk[(ch + 1) % 4];
            continue;
        }
        c->mul[ch] = pick_mul(r);
        c->bias[ch] = pick_bias(r, c->mul[ch], (int32_t)c->k);
    }
    static const float offsets[] = {0.0f, -0.0f, -3.2041f, 1.5f, INFINITY};
    c->offset = offsets[idx % 5 == 4 && st_below(r, 4) ? 2 : idx % 5];

    const size_t words = qk_bmaxpool_prepared_words(c->n, c->kw);
    c->prepared = st_alloc(words * 8);
    st_fill_random(r, c->prepared, words * 8); /* prepare must write every word */
    qk_bmaxpool_prepare(c->panels, c->n, c->kw, (int32_t)c->k, c->mul, c->prepared);
}

static void case_free(bmp_case *c) {
    st_free(c->a);
    st_free(c->wrows);
    st_free(c->panels);
    st_free(c->prepared);
    st_free(c->mul);
    st_free(c->bias);
}

static float *y_alloc(size_t n) {
    float *y = st_alloc((n + GUARD_FLOATS) * sizeof(float));
    for (size_t i = 0; i < n + GUARD_FLOATS; i++) memcpy(y + i, &garbage_bits, 4);
    return y;
}

static void run(const bmp_case *c, qk_isa isa, qk_pool *pool, int threads, size_t m, float *y) {
    const qk_bmaxpool_args g = {
        .m = m,
        .n = c->n,
        .kw = c->kw,
        .k_bits = (int32_t)c->k,
        .a = c->a,
        .lda = c->lda,
        .w = c->prepared,
        .mul = c->mul,
        .bias = c->bias,
        .offset = c->offset,
        .y = y,
    };
    qk_bmaxpool(isa, pool, threads, &g);
}

/* What the engine computes today: every row's float output, then best = v[0]; if (v[m] > best) best = v[m]. */
static float *oracle(const bmp_case *c) {
    float *out = st_alloc(c->m * c->n * sizeof(float));
    const qk_bgemm_args g = {
        .m = c->m,
        .n = c->n,
        .kw = c->kw,
        .k_bits = (int32_t)c->k,
        .a = c->a,
        .lda = c->lda,
        .w = c->panels,
        .out = {.kind = QK_OUT_FLOAT, .mul = c->mul, .bias = c->bias, .out = out, .ldo = c->n},
    };
    qk_bgemm(QK_ISA_SCALAR, &g);
    float *y = y_alloc(c->n);
    for (size_t j = 0; j < c->n; j++) {
        float best = out[j];
        for (size_t m = 1; m < c->m; m++) {
            if (out[m * c->n + j] > best) best = out[m * c->n + j];
        }
        y[j] = best + c->offset;
    }
    st_free(out);
    return y;
}

static uint32_t bits_of(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

/* First channel whose bits differ, and any write past n. */
static void check_y(const bmp_case *c, const float *got, const float *want, const char *ref) {
    for (size_t j = 0; j < c->n; j++) {
        if (bits_of(got[j]) != bits_of(want[j])) {
            st_fail("channel %zu: got %a (0x%08x), %s has %a (0x%08x); mul %a bias %a offset %a", j, (double)got[j],
                    bits_of(got[j]), ref, (double)want[j], bits_of(want[j]), (double)c->mul[j], (double)c->bias[j],
                    (double)c->offset);
            return;
        }
    }
    for (size_t i = c->n; i < c->n + GUARD_FLOATS; i++) {
        if (bits_of(got[i]) != garbage_bits) {
            st_fail("wrote y[%zu], past n = %zu", i, c->n);
            return;
        }
    }
}

/* The prepared panels against their definition: inverted valid bits where mul is finite and < 0, else a copy. */
static void check_prepared(const bmp_case *c) {
    const size_t nr = qk_round_nr(c->n);
    for (size_t ch = 0; ch < nr; ch++) {
        const int invert = ch < c->n && isfinite(c->mul[ch]) && c->mul[ch] < 0.0f;
        for (size_t k = 0; k < c->kw; k++) {
            const size_t at = (ch / QK_NR * c->kw + k) * QK_NR + ch % QK_NR;
            uint64_t want = c->panels[at];
            if (invert) {
                want = ~want;
                if (k == c->kw - 1 && c->k % 64) want &= (1ull << (c->k % 64)) - 1;
            }
            if (c->prepared[at] != want) {
                st_fail("prepared word %zu (channel %zu, word %zu) is 0x%016llx, want 0x%016llx", at, ch, k,
                        (unsigned long long)c->prepared[at], (unsigned long long)want);
                return;
            }
        }
    }
}

void st_run_bmaxpool(qk_isa isa, uint64_t seed, qk_pool *pool) {
    for (uint32_t idx = 0; idx < N_SHAPES; idx++) {
        st_rng r;
        st_rng_seed(&r, seed, SEED_CASE, idx);
        bmp_case c;
        case_make(&c, &r, shape_at(seed, idx), idx);
        char desc[160];
        snprintf(desc, sizeof desc, "case %u M=%zu N=%zu K=%zu lda=%zu offset=%g", idx, c.m, c.n, c.k, c.lda,
                 (double)c.offset);

        if (isa == QK_ISA_SCALAR) {
            st_test_begin(ST_FAM_BMAXPOOL, "prepare %s", desc);
            check_prepared(&c);
            st_test_end();
        }

        float *want = oracle(&c);
        float *got = y_alloc(c.n);
        run(&c, isa, NULL, 1, c.m, got);
        st_test_begin(ST_FAM_BMAXPOOL, "%s", desc);
        check_y(&c, got, want, "bgemm FLOAT + reference max");
        if (isa != QK_ISA_SCALAR && !st_test_failed()) {
            float *ref = y_alloc(c.n);
            run(&c, QK_ISA_SCALAR, NULL, 1, c.m, ref);
            check_y(&c, got, ref, "scalar bmaxpool");
            st_free(ref);
        }
        st_test_end();

        for (int threads = 1; threads <= MAX_THREADS; threads++) {
            float *many = y_alloc(c.n);
            run(&c, isa, pool, threads, c.m, many);
            st_test_begin(ST_FAM_BMAXPOOL, "threads=%d %s", threads, desc);
            check_y(&c, many, got, "threads=1 without the pool");
            st_test_end();
            st_free(many);
        }

        if (idx < 4) { /* M = 0: no row, so no max; y must keep what it held */
            float *none = y_alloc(c.n);
            run(&c, isa, pool, 1 + (int)idx % MAX_THREADS, 0, none);
            st_test_begin(ST_FAM_BMAXPOOL, "M=0 %s", desc);
            for (size_t i = 0; i < c.n + GUARD_FLOATS; i++) {
                if (bits_of(none[i]) != garbage_bits) {
                    st_fail("M = 0 wrote y[%zu]", i);
                    break;
                }
            }
            st_test_end();
            st_free(none);
        }
        st_free(want);
        st_free(got);
        case_free(&c);
    }
}
