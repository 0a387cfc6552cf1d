/* bitpack_scalar.c — reference bit-packing: bit = value < 0, LSB first, tail bits 0. */
#include "qk_internal.h"

void qk_bitpack_f32_scalar(const float *x, size_t rows, size_t k, size_t ldx, uint64_t *out, size_t ldo) {
    for (size_t r = 0; r < rows; r++) {
        const float *src = x + r * ldx;
        uint64_t *dst = out + r * ldo;
        const size_t kw = qk_words(k);
        for (size_t w = 0; w < kw; w++) {
            uint64_t word = 0;
            const size_t end = (w + 1) * 64 < k ? (w + 1) * 64 : k;
            for (size_t i = w * 64; i < end; i++) word |= (uint64_t)(src[i] < 0.0f) << (i - w * 64);
            dst[w] = word;
        }
    }
}
