/* st_out.c — output transforms and output-buffer checks shared by the bgemm and bconv groups. */
#include "st_out.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* st_affine_apply must round after the multiply and after the add, as QK_OUT_FLOAT does; GCC ignores this
 * pragma and gets -ffp-contract=off from the build scripts instead. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

enum { GUARD_BYTES = 256 }; /* more than one 512-bit store past the end */

const char *st_kind_name(qk_out_kind kind) {
    switch (kind) {
    case QK_OUT_INT32: return "INT32";
    case QK_OUT_FLOAT: return "FLOAT";
    case QK_OUT_BITS: return "BITS";
    }
    return "?";
}

/* ---- per-channel transforms ------------------------------------------------------------------- */

static float pick_mul(st_rng *r) {
    switch (st_below(r, 32)) {
    case 0: case 1: case 2: case 3: return 0.0f; /* a dead channel: constant output, thresh = INT32_MIN */
    case 4: case 5: return -0.0f;
    case 6: return NAN;
    case 7: return st_uniform(r, -1e-6f, 1e-6f);
    case 8: return st_uniform(r, -1e3f, 1e3f);
    default: return st_uniform(r, -2.0f, 2.0f); /* half of these negative: flip = 1 */
    }
}

static float pick_bias(st_rng *r, float mul, int32_t acc_bound) {
    switch (st_below(r, 8)) {
    case 0: {
        /* y is exactly 0 at acc = t: the ≥ 0 boundary, where a threshold off by one shows. */
        const int32_t t = st_range(r, -acc_bound, acc_bound);
        const float scaled = (float)t * mul;
        return -scaled;
    }
    case 1: return st_below(r, 2) ? 0.0f : -0.0f;
    case 2: return st_below(r, 2) ? 1e9f : -1e9f; /* never crosses zero over the range */
    default: {
        const float mag = mul == 0.0f || isnan(mul) ? 1.0f : fabsf(mul);
        return st_uniform(r, -1.0f, 1.0f) * (float)acc_bound * mag;
    }
    }
}

void st_affine_make(st_affine *t, st_rng *r, size_t n, int32_t acc_bound) {
    const size_t nr = qk_round_nr(n);
    t->n = n;
    t->mul = st_alloc(nr * sizeof(float));
    t->bias = st_alloc(nr * sizeof(float));
    t->thresh = st_alloc(nr * sizeof(int32_t));
    t->flip = st_alloc(qk_words(n) * 8);
    st_fill_random(r, t->flip, qk_words(n) * 8); /* bits past n are garbage on purpose */
    for (size_t ch = 0; ch < nr; ch++) {
        if (ch >= n) {
            static const float junk_mul[] = {NAN, INFINITY, -1e30f, 3.0f};
            t->mul[ch] = junk_mul[ch % 4];
            t->bias[ch] = ch % 2 ? -INFINITY : NAN;
            t->thresh[ch] = (int32_t)st_next(r);
            continue;
        }
        t->mul[ch] = pick_mul(r);
        t->bias[ch] = pick_bias(r, t->mul[ch], acc_bound);
        int flip = 0;
        qk_threshold_from_affine(t->mul[ch], t->bias[ch], acc_bound, &t->thresh[ch], &flip);
        t->flip[ch / 64] = (t->flip[ch / 64] & ~(1ull << (ch % 64))) | ((uint64_t)(flip != 0) << (ch % 64));
    }
}

void st_affine_free(st_affine *t) {
    st_free(t->mul);
    st_free(t->bias);
    st_free(t->thresh);
    st_free(t->flip);
}

float st_affine_apply(const st_affine *t, size_t ch, int32_t acc) {
    const float scaled = (float)acc * t->mul[ch];
    return scaled + t->bias[ch];
}

/* ---- output buffers ---------------------------------------------------------------------------- */

void st_outbuf_make(st_outbuf *o, st_rng *r, qk_out_kind kind, size_t rows, size_t n, size_t ldo_extra) {
    o->kind = kind;
    o->rows = rows;
    o->n = n;
    o->elem = kind == QK_OUT_BITS ? 8 : 4;
    o->live = kind == QK_OUT_BITS ? qk_words(n) : n;
    o->ldo = o->live + ldo_extra;
    o->bytes = rows * o->ldo * o->elem + GUARD_BYTES;
    o->init = st_alloc(o->bytes);
    o->buf = st_alloc(o->bytes);
    st_fill_random(r, o->init, o->bytes);
    st_outbuf_reset(o);
}

void st_outbuf_free(st_outbuf *o) {
    st_free(o->init);
    st_free(o->buf);
}

void st_outbuf_reset(st_outbuf *o) { memcpy(o->buf, o->init, o->bytes); }

qk_output st_outbuf_target(st_outbuf *o, const st_affine *t) {
    qk_output out = {.kind = o->kind, .out = o->buf, .ldo = o->ldo};
    if (t) {
        out.mul = t->mul;
        out.bias = t->bias;
        out.thresh = t->thresh;
        out.flip = t->flip;
    }
    return out;
}

void st_outbuf_expect(st_outbuf *want, const st_affine *t, const int32_t *acc) {
    for (size_t row = 0; row < want->rows; row++) {
        const int32_t *a = acc + row * want->n;
        switch (want->kind) {
        case QK_OUT_INT32:
            memcpy(st_out_i32(want, row), a, want->n * sizeof(int32_t));
            break;
        case QK_OUT_FLOAT:
            for (size_t ch = 0; ch < want->n; ch++) st_out_f32(want, row)[ch] = st_affine_apply(t, ch, a[ch]);
            break;
        case QK_OUT_BITS: {
            /* Straight from the definition (bit = y < 0 in the float transform), not via thresh/flip. */
            uint64_t *bits = st_out_bits(want, row);
            memset(bits, 0, want->live * 8);
            for (size_t ch = 0; ch < want->n; ch++) {
                const int neg = !(st_affine_apply(t, ch, a[ch]) >= 0.0f);
                bits[ch / 64] |= (uint64_t)neg << (ch % 64);
            }
            break;
        }
        }
    }
}

/* ---- checks ------------------------------------------------------------------------------------ */

static uint32_t f32_bits(float f) {
    uint32_t b;
    memcpy(&b, &f, sizeof b);
    return b;
}

static void report_live_difference(const st_outbuf *got, const st_outbuf *want, size_t row, size_t e,
                                   const char *ref) {
    const size_t at = row * got->ldo + e;
    switch (got->kind) {
    case QK_OUT_INT32:
        st_fail("first difference at row %zu channel %zu (index %zu): got %d, want %d (%s)", row, e, at,
                ((const int32_t *)got->buf)[at], ((const int32_t *)want->buf)[at], ref);
        break;
    case QK_OUT_FLOAT: {
        const float g = ((const float *)got->buf)[at], w = ((const float *)want->buf)[at];
        st_fail("first difference at row %zu channel %zu (index %zu): got %a (0x%08x), want %a (0x%08x) (%s)", row,
                e, at, (double)g, f32_bits(g), (double)w, f32_bits(w), ref);
        break;
    }
    case QK_OUT_BITS: {
        const uint64_t g = ((const uint64_t *)got->buf)[at], w = ((const uint64_t *)want->buf)[at];
        const unsigned bit = (unsigned)__builtin_ctzll(g ^ w);
        st_fail("first difference at row %zu channel %zu (word %zu bit %u): got %u, want %u (%s)", row,
                e * 64 + bit, e, bit, (unsigned)((g >> bit) & 1), (unsigned)((w >> bit) & 1), ref);
        break;
    }
    }
}

/* Bit equality, except that any two NaNs match. When mul and bias are both NaN, IEEE 754 does not say which
 * operand's NaN the add returns, and compilers commute the operands of a float add freely (the NEON and scalar
 * stores really do differ there). Nothing downstream can see the difference: packing reads every NaN as +1 and
 * the BITS transform as −1. Zeros stay strict: the sign of a zero sum is fully specified. */
static int same_float(float a, float b) { return f32_bits(a) == f32_bits(b) || (isnan(a) && isnan(b)); }

/* Index of the first live element of a row that differs, or `live` if none. */
static size_t first_live_difference(const st_outbuf *got, const uint8_t *g, const uint8_t *w) {
    const size_t e = got->elem;
    for (size_t i = 0; i < got->live; i++) {
        if (got->kind == QK_OUT_FLOAT) {
            float a, b;
            memcpy(&a, g + i * e, sizeof a);
            memcpy(&b, w + i * e, sizeof b);
            if (!same_float(a, b)) return i;
        } else if (memcmp(g + i * e, w + i * e, e) != 0) {
            return i;
        }
    }
    return got->live;
}

void st_check_output(const st_outbuf *got, const st_outbuf *want, const char *ref) {
    const size_t e = got->elem;
    for (size_t row = 0; row < got->rows; row++) {
        const uint8_t *g = got->buf + row * got->ldo * e;
        if (want) {
            const size_t i = first_live_difference(got, g, want->buf + row * want->ldo * e);
            if (i < got->live) {
                report_live_difference(got, want, row, i, ref);
                return;
            }
        }
        if (got->kind == QK_OUT_BITS && got->n % 64) {
            uint64_t last;
            memcpy(&last, g + (got->live - 1) * 8, 8);
            if (last >> (got->n % 64)) {
                st_fail("row %zu: tail bits past channel %zu are set in the last word: %016llx", row, got->n,
                        (unsigned long long)last);
                return;
            }
        }
        const uint8_t *pad = g + got->live * e, *pad0 = got->init + row * got->ldo * e + got->live * e;
        if (memcmp(pad, pad0, (got->ldo - got->live) * e) != 0) {
            size_t i = 0;
            while (memcmp(pad + i * e, pad0 + i * e, e) == 0) i++;
            st_fail("row %zu: padding element %zu (between the live part and ldo=%zu) was overwritten", row,
                    got->live + i, got->ldo);
            return;
        }
    }
    const size_t end = got->rows * got->ldo * e;
    if (memcmp(got->buf + end, got->init + end, got->bytes - end) != 0) {
        size_t i = 0;
        while (got->buf[end + i] == got->init[end + i]) i++;
        st_fail("guard byte %zu after the last row was overwritten", i);
    }
}

void st_check_bits_match_float(const st_outbuf *bits, const st_outbuf *flt) {
    for (size_t row = 0; row < bits->rows; row++) {
        const uint64_t *b = (const uint64_t *)bits->buf + row * bits->ldo;
        const float *y = (const float *)flt->buf + row * flt->ldo;
        for (size_t ch = 0; ch < bits->n; ch++) {
            const unsigned bit = (unsigned)((b[ch / 64] >> (ch % 64)) & 1);
            const unsigned want = !(y[ch] >= 0.0f);
            if (bit != want) {
                st_fail("BITS disagrees with the FLOAT output's sign at row %zu channel %zu: y = %a (0x%08x), bit %u, "
                        "want !(y >= 0) = %u",
                        row, ch, (double)y[ch], f32_bits(y[ch]), bit, want);
                return;
            }
        }
    }
}
