/* st_bgemm.c — qk_bgemm for all three output transforms, and qk_bgemm_mt against qk_bgemm. */
#include "st_out.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    size_t m, n, k;
} shape;

/* Sizes around the microkernels' blocking: 1/2/3/5 rows (partial row blocks), 8/9 channels (one panel, one
 * more), 63..65 and 127..129 bits/channels (word and vector boundaries), plus the large triples the brief asks
 * for. The random ones are appended per seed. */
static const shape fixed_shapes[] = {
    {1, 1, 1},       {1, 8, 64},       {2, 9, 63},      {3, 5, 65},       {5, 3, 127},     {8, 8, 129},
    {9, 63, 200},    {63, 64, 1},      {64, 65, 2},     {65, 127, 3},     {127, 129, 5},   {129, 200, 8},
    {200, 1, 9},     {1, 200, 63},     {2, 129, 64},    {3, 127, 65},     {5, 65, 127},    {8, 64, 129},
    {200, 9, 200},   {63, 9, 1},       {64, 8, 2},      {65, 5, 3},       {127, 3, 5},     {129, 2, 8},
    {9, 127, 1000},  {3, 64, 1100},    {5, 129, 1000},  {9, 1, 1100},     {2, 2, 2},       {1, 127, 127},
    {1000, 65, 129}, {64, 1000, 64},   {129, 127, 1100},
};
/* Saturation cases: rows and channels that are all ones, all zeros or random, so XOR-popcounts reach their maximum
 * K, with K past 31 and 62 words. Vector kernels sum per-byte counts over runs of words before widening them
 * (31 words for 8-bit lanes); random data never gets near a byte's limit, these do. */
static const shape extreme_shapes[] = {{5, 17, 1984}, {3, 9, 2048}, {9, 16, 2049}, {4, 24, 4033}, {1, 8, 4096}};
enum {
    N_FIXED = sizeof fixed_shapes / sizeof fixed_shapes[0],
    N_RANDOM = 8,
    N_EXTREME = sizeof extreme_shapes / sizeof extreme_shapes[0],
    N_SHAPES = N_FIXED + N_RANDOM + N_EXTREME
};

/* Random shapes are capped in work so the whole run stays well inside a minute under qemu. */
static shape random_shape(uint64_t seed, uint32_t i) {
    st_rng r;
    st_rng_seed(&r, seed, ST_SEED_GEMM_SHAPE, i);
    shape s = {1 + st_below(&r, 1100), 1 + st_below(&r, 300), 1 + st_below(&r, 1100)};
    while (s.m * qk_round_nr(s.n) * s.k > (size_t)12000000 && s.m > 1) s.m /= 2;
    return s;
}

static shape shape_at(uint64_t seed, uint32_t i) {
    if (i < N_FIXED) return fixed_shapes[i];
    if (i < N_FIXED + N_RANDOM) return random_shape(seed, i - N_FIXED);
    return extreme_shapes[i - N_FIXED - N_RANDOM];
}

static int is_extreme(uint32_t i) { return i >= N_FIXED + N_RANDOM; }

/* Overwrites a packed row with all ones (tail still clear), all zeros, or leaves it random. */
static void saturate_row(st_rng *r, uint64_t *row, size_t k) {
    const size_t pick = st_below(r, 5);
    if (pick == 4) return;
    for (size_t w = 0; w < qk_words(k); w++) row[w] = pick < 2 ? ~0ull : 0;
    if (k % 64) row[qk_words(k) - 1] &= (1ull << (k % 64)) - 1;
}

/* All operands of one GEMM case. */
typedef struct {
    size_t m, n, k, kw, lda;
    uint64_t *a, *wrows, *panels;
    int32_t *corr_table;
    const int32_t **corr;
    int32_t corr_bound;
    st_affine t;
} gemm_case;

static void gemm_case_make(gemm_case *c, st_rng *r, shape s, int pad_lda, int with_corr, int extreme) {
    memset(c, 0, sizeof *c);
    c->m = s.m;
    c->n = s.n;
    c->k = s.k;
    c->kw = qk_words(s.k);
    c->lda = c->kw + (pad_lda ? 1 + st_below(r, 3) : 0);
    const size_t nr = qk_round_nr(s.n);

    c->a = st_alloc(c->m * c->lda * 8);
    st_fill_random(r, c->a, c->m * c->lda * 8); /* the words between kw and lda stay garbage */
    for (size_t i = 0; i < c->m; i++) {
        st_random_bits(r, c->a + i * c->lda, c->k);
        if (extreme) saturate_row(r, c->a + i * c->lda, c->k);
    }

    c->wrows = st_alloc(c->n * c->kw * 8);
    for (size_t ch = 0; ch < c->n; ch++) {
        st_random_bits(r, c->wrows + ch * c->kw, c->k);
        if (extreme) saturate_row(r, c->wrows + ch * c->kw, c->k);
    }
    c->panels = st_alloc(qk_panel_words(c->n, c->kw) * 8);
    qk_pack_panels(c->wrows, c->n, c->kw, c->panels);

    if (with_corr) {
        c->corr_bound = 40;
        c->corr_table = st_alloc(c->m * nr * sizeof(int32_t));
        c->corr = st_alloc(c->m * sizeof *c->corr);
        for (size_t i = 0; i < c->m; i++) {
            int32_t *row = c->corr_table + i * nr;
            for (size_t ch = 0; ch < nr; ch++) {
                row[ch] = ch < c->n ? st_range(r, -c->corr_bound, c->corr_bound) : (int32_t)st_next(r);
            }
            /* NULL rows are the interior pixels of a zero-padded conv: the kernel must handle a mix. */
            c->corr[i] = st_below(r, 3) == 0 ? NULL : row;
        }
    }
    /* The threshold has to be exact over every acc the kernel can produce, corrections included. */
    st_affine_make(&c->t, r, c->n, (int32_t)c->k + c->corr_bound);
}

static void gemm_case_free(gemm_case *c) {
    st_free(c->a);
    st_free(c->wrows);
    st_free(c->panels);
    st_free(c->corr_table);
    st_free((void *)c->corr);
    st_affine_free(&c->t);
}

static qk_bgemm_args gemm_args(const gemm_case *c, st_outbuf *o) {
    const qk_bgemm_args g = {
        .m = c->m,
        .n = c->n,
        .kw = c->kw,
        .k_bits = (int32_t)c->k,
        .a = c->a,
        .lda = c->lda,
        .w = c->panels,
        .row_corr = c->corr,
        .out = st_outbuf_target(o, &c->t),
    };
    return g;
}

/* The definition, element by element from unpacked ±1 values: no XOR, no popcount, no panels. */
static int32_t *naive_acc(const gemm_case *c) {
    int32_t *acc = st_alloc(c->m * c->n * sizeof(int32_t));
    for (size_t i = 0; i < c->m; i++) {
        const uint64_t *a = c->a + i * c->lda;
        for (size_t ch = 0; ch < c->n; ch++) {
            const uint64_t *w = c->wrows + ch * c->kw;
            int32_t sum = 0;
            for (size_t k = 0; k < c->k; k++) sum += st_pm1(a, k) * st_pm1(w, k);
            if (c->corr && c->corr[i]) sum -= c->corr[i][ch];
            acc[i * c->n + ch] = sum;
        }
    }
    return acc;
}

static const qk_out_kind kinds[] = {QK_OUT_INT32, QK_OUT_FLOAT, QK_OUT_BITS};
enum { N_KINDS = 3 };

/* ---- small K: one or two words per row ------------------------------------------------------- */

/* The small-K kernels (BiPointNet's 64- and 128-channel layers) hold a block of channels' weights in registers and
 * turn a whole block into one store per row, with threshold bounds clamped to a byte. Their edges: kw 1 and 2 with
 * K short of a word, channel counts around a panel (1..9), a block (63..65, 127..129) and many blocks (1024),
 * every row count up to 9 (the fewest rows go to the general kernel instead) and a whole point cloud, and
 * thresholds at the extremes of the accumulator range. */
enum { SEED_SMALLK = 0x736b0000 };
static const size_t smallk_k[] = {1, 63, 64, 65, 100, 127, 128};
static const size_t smallk_n[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 63, 64, 65, 127, 128, 129, 1024};
/* Whole point clouds on top of the rotating small row counts. */
static const shape smallk_big[] = {{1024, 64, 64},   {1024, 128, 64}, {1024, 1024, 128}, {1024, 65, 100},
                                   {1024, 129, 127}, {1024, 9, 1},    {1024, 1024, 63},  {1024, 127, 128}};
enum {
    N_SMALLK_K = sizeof smallk_k / sizeof smallk_k[0],
    N_SMALLK_N = sizeof smallk_n / sizeof smallk_n[0],
    N_SMALLK_BIG = sizeof smallk_big / sizeof smallk_big[0],
    N_SMALLK = N_SMALLK_K * N_SMALLK_N + N_SMALLK_BIG
};

static shape smallk_shape(uint32_t i) {
    if (i >= N_SMALLK_K * N_SMALLK_N) return smallk_big[i - N_SMALLK_K * N_SMALLK_N];
    const shape s = {1 + i % 9, smallk_n[i % N_SMALLK_N], smallk_k[i / N_SMALLK_N]};
    return s;
}

/* Replaces about a third of the thresholds by the values where a byte-clamped popcount bound can go wrong: never
 * (INT32_MIN, below −K), always (INT32_MAX, above K), and each side of ±K and 0. Flip bits stay random. The
 * thresholds then no longer follow the float transform, so BITS is checked against thresh/flip directly. */
static void extreme_thresholds(st_affine *t, st_rng *r, int32_t k) {
    const int32_t pick[] = {INT32_MIN, INT32_MAX, -k - 1, -k, -k + 1, k - 1, k, k + 1, 0, 1, -1};
    for (size_t ch = 0; ch < t->n; ch++) {
        if (st_below(r, 3) == 0) t->thresh[ch] = pick[st_below(r, sizeof pick / sizeof pick[0])];
    }
}

/* The definition from thresh and flip: bit = (acc < thresh) XOR flip, tail bits 0. */
static void expect_bits_from_thresholds(st_outbuf *want, const st_affine *t, const int32_t *acc) {
    for (size_t row = 0; row < want->rows; row++) {
        uint64_t *bits = st_out_bits(want, row);
        memset(bits, 0, want->live * 8);
        for (size_t ch = 0; ch < want->n; ch++) {
            const unsigned flip = (unsigned)((t->flip[ch / 64] >> (ch % 64)) & 1);
            const unsigned bit = (unsigned)(acc[row * want->n + ch] < t->thresh[ch]) ^ flip;
            bits[ch / 64] |= (uint64_t)bit << (ch % 64);
        }
    }
}

/* acc from the row-major weights, word by word (the ±1 definition is checked on small shapes above; these
 * reach a million outputs, too many for it under qemu). */
static int32_t *rowwise_acc(const gemm_case *c) {
    int32_t *acc = st_alloc(c->m * c->n * sizeof(int32_t));
    for (size_t i = 0; i < c->m; i++) {
        for (size_t ch = 0; ch < c->n; ch++) {
            int32_t pop = 0;
            for (size_t w = 0; w < c->kw; w++) pop += __builtin_popcountll(c->a[i * c->lda + w] ^ c->wrows[ch * c->kw + w]);
            acc[i * c->n + ch] = (int32_t)c->k - 2 * pop;
        }
    }
    return acc;
}

static void run_smallk(qk_isa isa, uint64_t seed) {
    for (uint32_t idx = 0; idx < N_SMALLK; idx++) {
        const shape s = smallk_shape(idx);
        st_rng r;
        st_rng_seed(&r, seed, SEED_SMALLK, idx);
        /* Every other case saturates rows and weights, so counts reach 0 and 128 against the clamped bounds. */
        const int extreme = idx % 2 == 1, pad_lda = idx % 3 == 1;
        gemm_case c;
        gemm_case_make(&c, &r, s, pad_lda, 0, extreme);
        extreme_thresholds(&c.t, &r, (int32_t)c.k);
        int32_t *acc = isa == QK_ISA_SCALAR ? rowwise_acc(&c) : NULL;
        for (int ki = 0; ki < N_KINDS; ki++) {
            const qk_out_kind kind = kinds[ki];
            const size_t ldo_extra = (idx / 2 + (size_t)ki) % 2 ? 1 + st_below(&r, kind == QK_OUT_BITS ? 2 : 9) : 0;
            st_outbuf got, want;
            st_outbuf_make(&got, &r, kind, c.m, c.n, ldo_extra);
            st_outbuf_make(&want, &r, kind, c.m, c.n, ldo_extra);
            qk_bgemm_args g = gemm_args(&c, &want);
            const char *ref = "scalar";
            if (acc) {
                if (kind == QK_OUT_BITS) expect_bits_from_thresholds(&want, &c.t, acc);
                else st_outbuf_expect(&want, &c.t, acc);
                ref = kind == QK_OUT_BITS ? "(acc < thresh) ^ flip" : "word-wise popcount + transform";
            } else {
                qk_bgemm(QK_ISA_SCALAR, &g);
            }
            g = gemm_args(&c, &got);
            qk_bgemm(isa, &g);
            st_test_begin(ST_FAM_BGEMM, "small-K %s case %u M=%zu N=%zu K=%zu lda=%zu ldo=%zu%s", st_kind_name(kind), idx,
                          c.m, c.n, c.k, c.lda, got.ldo, extreme ? " saturated" : "");
            st_check_output(&got, &want, ref);
            st_test_end();
            st_outbuf_free(&got);
            st_outbuf_free(&want);
        }
        st_free(acc);
        gemm_case_free(&c);
    }
}

void st_run_bgemm(qk_isa isa, uint64_t seed) {
    for (uint32_t idx = 0; idx < N_SHAPES; idx++) {
        const shape s = shape_at(seed, idx);
        st_rng r;
        st_rng_seed(&r, seed, ST_SEED_GEMM, idx);
        /* Strides and corrections rotate with the case index so every combination meets small and big shapes. */
        const int pad_lda = idx % 3 == 1, with_corr = idx % 4 >= 2;
        gemm_case c;
        gemm_case_make(&c, &r, s, pad_lda, with_corr, is_extreme(idx));
        int32_t *acc = isa == QK_ISA_SCALAR ? naive_acc(&c) : NULL;

        st_outbuf got[N_KINDS];
        for (int ki = 0; ki < N_KINDS; ki++) {
            const qk_out_kind kind = kinds[ki];
            const size_t ldo_extra = (idx + (size_t)ki) % 2 ? 1 + st_below(&r, kind == QK_OUT_BITS ? 2 : 9) : 0;
            st_outbuf want;
            st_outbuf_make(&got[ki], &r, kind, c.m, c.n, ldo_extra);
            st_outbuf_make(&want, &r, kind, c.m, c.n, ldo_extra);

            qk_bgemm_args g = gemm_args(&c, &want);
            const char *ref = "scalar";
            if (acc) {
                st_outbuf_expect(&want, &c.t, acc);
                ref = kind == QK_OUT_INT32 ? "naive ±1 dot product" : "naive dot product + float transform";
            } else {
                qk_bgemm(QK_ISA_SCALAR, &g);
            }
            g = gemm_args(&c, &got[ki]);
            qk_bgemm(isa, &g);

            st_test_begin(ST_FAM_BGEMM, "%s case %u M=%zu N=%zu K=%zu lda=%zu ldo=%zu row_corr=%s", st_kind_name(kind),
                          idx, c.m, c.n, c.k, c.lda, got[ki].ldo, c.corr ? "yes" : "no");
            st_check_output(&got[ki], &want, ref);
            if (kind == QK_OUT_BITS && !st_test_failed()) st_check_bits_match_float(&got[ki], &got[1]);
            st_test_end();
            st_outbuf_free(&want);
        }
        for (int ki = 0; ki < N_KINDS; ki++) st_outbuf_free(&got[ki]);
        st_free(acc);
        gemm_case_free(&c);
    }
    run_smallk(isa, seed);
}

/* ---- multi-threaded --------------------------------------------------------------------------- */

/* qk_bgemm_mt splits rows when there are enough of them, panels otherwise: these shapes hit both splits, row
 * counts that do not divide into 4-row blocks, and fewer panels than threads. */
static const shape mt_shapes[] = {
    {1, 200, 129}, {3, 64, 64}, {2, 9, 1100}, {17, 9, 65}, {33, 129, 200}, {1000, 65, 129}, {129, 127, 1100},
    {7, 1000, 63},
    /* small K: panel splits that cut the kernels' 64-channel blocks (2 rows, 1024 channels: chunks of 32 to 43
     * panels; 5 rows of 17 panels), and row splits of whole point clouds */
    {2, 1024, 64}, {5, 129, 100}, {3, 65, 1}, {1024, 1024, 128}, {1023, 64, 64}, {6, 200, 127},
};
enum { N_MT_SHAPES = sizeof mt_shapes / sizeof mt_shapes[0], MAX_THREADS = 4 };

void st_run_mt(qk_isa isa, uint64_t seed, qk_pool *pool) {
    for (uint32_t idx = 0; idx < N_MT_SHAPES; idx++) {
        st_rng r;
        st_rng_seed(&r, seed, ST_SEED_MT, idx);
        gemm_case c;
        gemm_case_make(&c, &r, mt_shapes[idx], idx % 2, idx % 3 == 0, 0);
        for (int ki = 0; ki < N_KINDS; ki++) {
            st_outbuf one, many;
            st_outbuf_make(&one, &r, kinds[ki], c.m, c.n, idx % 2 ? 3 : 0);
            st_outbuf_make(&many, &r, kinds[ki], c.m, c.n, idx % 2 ? 3 : 0);
            memcpy(many.init, one.init, one.bytes); /* identical garbage, so padding compares too */
            st_outbuf_reset(&many);
            qk_bgemm_args g = gemm_args(&c, &one);
            qk_bgemm(isa, &g);
            for (int threads = 1; threads <= MAX_THREADS; threads++) {
                st_outbuf_reset(&many);
                g = gemm_args(&c, &many);
                qk_bgemm_mt(isa, pool, threads, &g);
                st_test_begin(ST_FAM_MT, "bgemm_mt %s threads=%d case %u M=%zu N=%zu K=%zu lda=%zu ldo=%zu row_corr=%s",
                              st_kind_name(kinds[ki]), threads, idx, c.m, c.n, c.k, c.lda, many.ldo,
                              c.corr ? "yes" : "no");
                st_check_output(&many, &one, "single-threaded");
                st_test_end();
            }
            st_outbuf_free(&one);
            st_outbuf_free(&many);
        }
        gemm_case_free(&c);
    }
}
