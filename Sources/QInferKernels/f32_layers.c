/* f32_layers.c — plain FP32 dense and convolution with a defined summation order (see qk_f32.h). */
#include "include/qk_f32.h"

/* Multiply and add round separately, as in the reference executor; GCC gets -ffp-contract=off instead. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

void qk_f32_dense(size_t rows, size_t k, size_t n, const float *x, const float *w, const float *bias, float *y) {
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * k;
        for (size_t j = 0; j < n; j++) {
            const float *wj = w + j * k;
            float acc = 0.0f;
            for (size_t i = 0; i < k; i++) acc += xr[i] * wj[i];
            y[r * n + j] = bias ? acc + bias[j] : acc;
        }
    }
}

void qk_f32_conv2d(const qk_f32_conv2d_args *a) {
    for (size_t oy = 0; oy < a->oh; oy++) {
        for (size_t ox = 0; ox < a->ow; ox++) {
            float *out = a->y + (oy * a->ow + ox) * a->oc;
            for (size_t o = 0; o < a->oc; o++) {
                float acc = 0.0f;
                for (size_t ky = 0; ky < a->kh; ky++) {
                    const long iy = (long)(oy * a->stride + ky) - (long)a->pad_top;
                    if (iy < 0 || iy >= (long)a->h) continue;
                    for (size_t kx = 0; kx < a->kw; kx++) {
                        const long ix = (long)(ox * a->stride + kx) - (long)a->pad_left;
                        if (ix < 0 || ix >= (long)a->w) continue;
                        const float *px = a->x + ((size_t)iy * a->w + (size_t)ix) * a->ic;
                        const float *wt = a->weights + ((o * a->kh + ky) * a->kw + kx) * a->ic;
                        for (size_t c = 0; c < a->ic; c++) acc += px[c] * wt[c];
                    }
                }
                out[o] = a->bias ? acc + a->bias[o] : acc;
            }
        }
    }
}
