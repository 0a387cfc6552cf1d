/* f32_tile_scalar.c — the reference FP32 tile: each output summed on its own, in the defined order (see qk_f32.h),
 * 64 channels at a time so the epilogue stages run over a chunk. It reads the same prepared weights as the vector
 * tiles, so every ISA takes identical arguments. */
#include "f32_internal.h"

void qk_f32_tile_scalar(const qk_f32_tile *tile) {
    /* Local copies: the output stores could alias *tile and *out as far as the compiler knows, which would make it
     * reload every field after every store. */
    const qk_f32_tile tl = *tile, *t = &tl;
    const qk_f32_epilogue out = *tile->out;
    for (size_t r = 0; r < t->rows; r++) {
        for (size_t j0 = 0; j0 < t->n; j0 += 64) {
            const size_t m = t->n - j0 < 64 ? t->n - j0 : 64;
            float v[64];
            for (size_t j = j0; j < j0 + m; j++) {
                float acc = 0.0f;
                for (size_t s = 0; s < t->segs; s++) {
                    const float *x = t->x[r] + s * t->x_step;
                    const float *w = t->w + s * t->w_step + j;
                    for (size_t i = 0; i < t->len; i++) acc += x[i] * w[i * t->ocp];
                }
                v[j - j0] = t->bias ? acc + t->bias[j] : acc;
            }
            qk_f32_finish_chunk(&out, t->row0 + r, t->n, j0, m, v);
        }
    }
}
