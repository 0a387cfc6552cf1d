/* weights_prep.c — one-time work at model load: panel packing, BN→threshold, zero-padding tap sums. */
#include "qk_internal.h"

#include <limits.h>

/* Multiply and add round separately on every ISA; GCC ignores this pragma and gets -ffp-contract=off instead. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

void qk_pack_panels(const uint64_t *rows, size_t n, size_t kw, uint64_t *panels) {
    const size_t np = qk_round_nr(n) / QK_NR;
    for (size_t p = 0; p < np; p++) {
        for (size_t k = 0; k < kw; k++) {
            for (size_t j = 0; j < QK_NR; j++) {
                const size_t ch = p * QK_NR + j;
                panels[(p * kw + k) * QK_NR + j] = ch < n ? rows[ch * kw + k] : 0;
            }
        }
    }
}

/* Evaluated exactly as the QK_OUT_FLOAT store does (two roundings), so the threshold reproduces it bit for bit. */
static int affine_negative(int32_t acc, float mul, float bias) {
    float scaled = (float)acc * mul;
    float y = scaled + bias;
    return !(y >= 0.0f);
}

void qk_threshold_from_affine(float mul, float bias, int32_t k, int32_t *thresh, int *flip) {
    /* (float)acc·mul + bias is monotone in acc (rounding is monotone), so "negative" flips at most once over
     * [−k, k]; binary search finds the flip point. */
    const int lo_neg = affine_negative(-k, mul, bias);
    const int hi_neg = affine_negative(k, mul, bias);
    if (lo_neg == hi_neg) { /* constant over the whole range */
        *thresh = INT32_MIN;
        *flip = lo_neg;
        return;
    }
    /* find the smallest acc whose predicate equals hi_neg */
    int32_t lo = -k, hi = k; /* pred(lo) != hi_neg, pred(hi) == hi_neg */
    while (hi - lo > 1) {
        int32_t mid = lo + (hi - lo) / 2;
        if (affine_negative(mid, mul, bias) == hi_neg) hi = mid;
        else lo = mid;
    }
    *thresh = hi;
    /* lo_neg: negative below hi → bit = acc < hi; else negative from hi on → bit = !(acc < hi) */
    *flip = lo_neg ? 0 : 1;
}

void qk_conv_tap_sums(const uint64_t *panels, size_t n, size_t c, size_t taps, int32_t *tap_sums) {
    const size_t cw = qk_words(c), kw = taps * cw, nr = qk_round_nr(n);
    for (size_t t = 0; t < taps; t++) {
        for (size_t ch = 0; ch < nr; ch++) {
            int32_t sum = 0;
            if (ch < n) {
                const size_t p = ch / QK_NR, j = ch % QK_NR;
                int32_t ones = 0;
                for (size_t w = 0; w < cw; w++) ones += __builtin_popcountll(panels[(p * kw + t * cw + w) * QK_NR + j]);
                sum = (int32_t)c - 2 * ones;
            }
            tap_sums[t * nr + ch] = sum;
        }
    }
}
