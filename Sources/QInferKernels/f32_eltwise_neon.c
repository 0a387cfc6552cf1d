/* f32_eltwise_neon.c — the elementwise pass (residual add, hardtanh, float and/or sign bits) in one walk over the
 * activation, 4 channels per q register, sixteen of them per bit-output word. */
#include "f32_epilogue_neon.h"

#if defined(__aarch64__)

void qk_f32_eltwise_neon(size_t rows, size_t c, const float *a, const qk_f32_epilogue *out) {
    const qk_f32_epilogue local = *out, *o = &local; /* the stores could alias *out: keep its fields in registers */
    const size_t words = qk_words(c);
    for (size_t row = 0; row < rows; row++) {
        const float *src = a + row * c;
        for (size_t j0 = 0; j0 < c; j0 += 64) {
            uint64_t word = 0;
            for (size_t j = j0; j < c && j < j0 + 64; j += 4) {
                const size_t live = c - j < 4 ? c - j : 4;
                word |= (uint64_t)qk_f32_finish4(o, row, c, j, live, qk_f32_load4(src + j, live)) << (j - j0);
            }
            if (o->bits) o->bits[row * words + j0 / 64] = word;
        }
    }
}

#endif
