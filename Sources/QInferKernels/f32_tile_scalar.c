/* f32_tile_scalar.c — the reference FP32 tile: one output at a time, in the defined summation order (see qk_f32.h).
 * It reads the same prepared weights as the vector tiles, so every ISA takes identical arguments. */
#include "f32_internal.h"

void qk_f32_tile_scalar(const qk_f32_tile *tile) {
    /* Local copies: the output stores could alias *tile and *out as far as the compiler knows, which would make it
     * reload every field after every store. */
    const qk_f32_tile tl = *tile, *t = &tl;
    const qk_f32_epilogue out = *tile->out, *o = &out;
    const size_t words = qk_words(t->n);
    for (size_t r = 0; r < t->rows; r++) {
        const size_t row = t->row0 + r;
        uint64_t word = 0;
        for (size_t j = 0; j < t->n; j++) {
            float acc = 0.0f;
            for (size_t s = 0; s < t->segs; s++) {
                const float *x = t->x[r] + s * t->x_step;
                const float *w = t->w + s * t->w_step + j;
                for (size_t i = 0; i < t->len; i++) acc += x[i] * w[i * t->ocp];
            }
            float v = t->bias ? acc + t->bias[j] : acc;
            v = qk_f32_finish(o, row, t->n, j, v);
            if (o->y) o->y[row * t->n + j] = v;
            word |= (uint64_t)(v < 0.0f) << (j % 64);
            if (j % 64 == 63 || j + 1 == t->n) {
                if (o->bits) o->bits[row * words + j / 64] = word;
                word = 0;
            }
        }
    }
}
