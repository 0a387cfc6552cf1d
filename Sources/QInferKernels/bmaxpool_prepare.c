/* bmaxpool_prepare.c — load-time copy of the weight panels for the fused binary layer + max over rows. Inverting the
 * valid bits of the channels with mul < 0 makes "the best row" the one with the smallest popcount for every channel,
 * so the hot loops are one unsigned running minimum with no per-channel direction select. */
#include "bmaxpool_internal.h"

size_t qk_bmaxpool_prepared_words(size_t n, size_t kw) { return qk_panel_words(n, kw); }

/* Valid bits of word k of a row of k_bits elements; tail bits must stay 0 (+1) in both operands, or
 * popcount(a XOR ~w) would count them. */
static uint64_t valid_bits(int32_t k_bits, size_t k) {
    const uint64_t lo = (uint64_t)k * 64, bits = k_bits > 0 ? (uint64_t)k_bits : 0;
    if (bits >= lo + 64) return ~0ull;
    if (bits <= lo) return 0;
    return (1ull << (bits - lo)) - 1;
}

void qk_bmaxpool_prepare(const uint64_t *panels, size_t n, size_t kw, int32_t k_bits, const float *mul,
                         uint64_t *prepared) {
    const size_t words = qk_panel_words(n, kw);
    for (size_t i = 0; i < words; i++) prepared[i] = panels[i];
    for (size_t ch = 0; ch < n; ch++) { /* never the dead channels of the last panel: their mul is padding */
        if (!qk_bmaxpool_inverted(mul[ch])) continue;
        uint64_t *w = prepared + ch / QK_NR * kw * QK_NR + ch % QK_NR;
        for (size_t k = 0; k < kw; k++) w[k * QK_NR] = ~w[k * QK_NR] & valid_bits(k_bits, k);
    }
}
