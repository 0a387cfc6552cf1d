/* f32_eltwise_scalar.c — the reference elementwise pass: v = a (+ residual), clamp, then float and/or sign bits,
 * 64 values (one word of sign bits) at a time. */
#include "f32_internal.h"

#include <string.h>

void qk_f32_eltwise_scalar(size_t rows, size_t c, const float *a, const qk_f32_epilogue *out) {
    const qk_f32_epilogue local = *out; /* the stores could alias *out: keep its fields in registers */
    for (size_t row = 0; row < rows; row++) {
        for (size_t j0 = 0; j0 < c; j0 += 64) {
            const size_t m = c - j0 < 64 ? c - j0 : 64;
            float v[64]; /* a copy, so y may be a itself */
            memcpy(v, a + row * c + j0, m * sizeof *v);
            qk_f32_finish_chunk(&local, row, c, j0, m, v);
        }
    }
}
