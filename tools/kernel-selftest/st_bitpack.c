/* st_bitpack.c — qk_bitpack_f32 against the scalar reference (and the reference against a one-element-at-a-time
 * packer written here). */
#include "st.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* K values straddle the word boundary and the widest vector (512 bits = 8 words) on both sides. */
static const size_t pack_ks[] = {1, 7, 63, 64, 65, 127, 128, 129, 200, 1000, 1100};
enum { PACK_NK = sizeof pack_ks / sizeof pack_ks[0], MAX_ROWS = 5 };
/* Words written past the last row: catches vector stores that run over the end of the output. */
enum { GUARD_WORDS = 16 };

static float bits_to_float(uint32_t b) {
    float f;
    memcpy(&f, &b, sizeof f);
    return f;
}

/* The values a sign test can get wrong: both zeros, both NaN signs (the convention says NaN packs as +1,
 * so a sign-bit shortcut is wrong for −NaN and for −0.0), infinities, subnormals, and plain numbers. */
static float special_or_random_f32(st_rng *r) {
    switch (st_below(r, 20)) {
    case 0: return 0.0f;
    case 1: return -0.0f;
    case 2: return bits_to_float(0x7fc00000u);                    /* quiet NaN */
    case 3: return bits_to_float(0xffc00000u);                    /* quiet NaN with the sign bit */
    case 4: return bits_to_float(0xff800001u);                    /* signalling-pattern NaN, negative */
    case 5: return INFINITY;
    case 6: return -INFINITY;
    case 7: return bits_to_float(0x00000001u);                    /* smallest subnormal */
    case 8: return bits_to_float(0x80000001u);                    /* its negative */
    case 9: return -bits_to_float((uint32_t)st_range(r, 1, 0x007fffff)); /* negative subnormal */
    default: return st_uniform(r, -4.0f, 4.0f);
    }
}

/* The driver's own packer for the scalar section: one element at a time, straight from the definition. */
static void naive_pack(const float *x, size_t rows, size_t k, size_t ldx, uint64_t *out, size_t ldo) {
    for (size_t r = 0; r < rows; r++) {
        for (size_t w = 0; w < qk_words(k); w++) out[r * ldo + w] = 0;
        for (size_t i = 0; i < k; i++) out[r * ldo + i / 64] |= (uint64_t)(x[r * ldx + i] < 0.0f) << (i % 64);
    }
}

static void describe_element(const float *x, size_t idx, char *buf, size_t len) {
    const float v = x[idx];
    uint32_t b;
    memcpy(&b, &v, sizeof b);
    snprintf(buf, len, "%a (0x%08x)", (double)v, b);
}

static void run_case(qk_isa isa, uint64_t seed, size_t rows, size_t k, uint32_t index) {
    st_rng r;
    st_rng_seed(&r, seed, ST_SEED_BITPACK, index);
    const size_t kw = qk_words(k);
    const size_t ldx = k + 1 + st_below(&r, 9);
    const size_t ldo = kw + 1 + st_below(&r, 3);
    /* A start that is not vector-aligned: callers pack slices of larger tensors. */
    const size_t offset = st_below(&r, 4);

    const size_t n_in = offset + rows * ldx;
    float *in_base = st_alloc(n_in * sizeof(float));
    for (size_t i = 0; i < n_in; i++) in_base[i] = special_or_random_f32(&r);
    const float *x = in_base + offset;

    const size_t n_out = rows * ldo + GUARD_WORDS;
    uint64_t *init = st_alloc(n_out * 8), *want = st_alloc(n_out * 8), *got = st_alloc(n_out * 8);
    st_fill_random(&r, init, n_out * 8); /* garbage, so a word the kernel forgets to write shows up */
    memcpy(want, init, n_out * 8);
    memcpy(got, init, n_out * 8);

    if (isa == QK_ISA_SCALAR) naive_pack(x, rows, k, ldx, want, ldo);
    else qk_bitpack_f32(QK_ISA_SCALAR, x, rows, k, ldx, want, ldo);
    qk_bitpack_f32(isa, x, rows, k, ldx, got, ldo);

    st_test_begin(ST_FAM_BITPACK, "f32 case %u rows=%zu k=%zu ldx=%zu ldo=%zu offset=%zu", index, rows, k, ldx, ldo,
                  offset);
    for (size_t row = 0; row < rows && !st_test_failed(); row++) {
        for (size_t w = 0; w < ldo; w++) {
            const size_t at = row * ldo + w;
            if (w < kw && got[at] != want[at]) {
                const size_t bit = (size_t)__builtin_ctzll(got[at] ^ want[at]);
                const size_t i = w * 64 + bit;
                char value[64];
                if (i < k) describe_element(x, row * ldx + i, value, sizeof value);
                else snprintf(value, sizeof value, "(tail bit, must be 0)");
                st_fail("row %zu word %zu: first difference at element %zu = %s: got bit %u, want %u "
                        "(got %016llx want %016llx)",
                        row, w, i, value, (unsigned)((got[at] >> bit) & 1), (unsigned)((want[at] >> bit) & 1),
                        (unsigned long long)got[at], (unsigned long long)want[at]);
                break;
            }
            if (w >= kw && got[at] != init[at]) {
                st_fail("row %zu word %zu (past qk_words(k)=%zu, before ldo) was overwritten: %016llx -> %016llx", row,
                        w, kw, (unsigned long long)init[at], (unsigned long long)got[at]);
                break;
            }
        }
    }
    for (size_t g = rows * ldo; g < n_out && !st_test_failed(); g++) {
        if (got[g] != init[g]) st_fail("guard word %zu after the last row was overwritten", g - rows * ldo);
    }
    st_test_end();

    st_free(in_base);
    st_free(init);
    st_free(want);
    st_free(got);
}

void st_run_bitpack(qk_isa isa, uint64_t seed) {
    uint32_t index = 0;
    for (size_t rows = 1; rows <= MAX_ROWS; rows++) {
        for (size_t ki = 0; ki < PACK_NK; ki++) run_case(isa, seed, rows, pack_ks[ki], index++);
    }
}
