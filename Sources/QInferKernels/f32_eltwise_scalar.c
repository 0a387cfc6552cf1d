/* f32_eltwise_scalar.c — the reference elementwise pass: v = a (+ residual), clamp, then float and/or sign bits. */
#include "f32_internal.h"

void qk_f32_eltwise_scalar(size_t rows, size_t c, const float *a, const qk_f32_epilogue *out) {
    const qk_f32_epilogue local = *out, *o = &local; /* the stores could alias *out: keep its fields in registers */
    const size_t words = qk_words(c);
    for (size_t row = 0; row < rows; row++) {
        uint64_t word = 0;
        for (size_t j = 0; j < c; j++) {
            const float v = qk_f32_finish(o, row, c, j, a[row * c + j]);
            if (o->y) o->y[row * c + j] = v;
            word |= (uint64_t)(v < 0.0f) << (j % 64);
            if (j % 64 == 63 || j + 1 == c) {
                if (o->bits) o->bits[row * words + j / 64] = word;
                word = 0;
            }
        }
    }
}
