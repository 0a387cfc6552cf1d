/* qk_f32.h — the few FP32 layers a binarized network keeps (stem convolution, classifier, first/last MLP).
 * Summation order is defined (ascending input index, each product and sum rounded, bias added last) so the engine
 * and the float reference executor agree bit for bit; these layers are a small share of the work. */
#ifndef QK_F32_H
#define QK_F32_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** y[r][j] = (Σ_i x[r][i]·w[j][i]) + bias[j] for r < rows, j < n (bias may be NULL). */
void qk_f32_dense(size_t rows, size_t k, size_t n, const float *x, const float *w, const float *bias, float *y);

/** NHWC convolution with zero padding: weights [oc][kh][kw][ic]; taps outside the input are skipped. */
typedef struct {
    size_t h, w, ic;
    size_t kh, kw, oc;
    size_t stride, pad_top, pad_left;
    size_t oh, ow;
    const float *x;       /* [h][w][ic] */
    const float *weights; /* [oc][kh][kw][ic] */
    const float *bias;    /* [oc] or NULL */
    float *y;             /* [oh][ow][oc] */
} qk_f32_conv2d_args;

void qk_f32_conv2d(const qk_f32_conv2d_args *args);

#ifdef __cplusplus
}
#endif
#endif
