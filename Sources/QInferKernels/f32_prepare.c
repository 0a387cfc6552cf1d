/* f32_prepare.c — weight transposes done once at model load, so the kernels can broadcast one input against a
 * contiguous vector of output channels (the order-preserving way to vectorize; see qk_f32.h). */
#include "f32_internal.h"

#include <string.h>

size_t qk_f32_dense_prepared_floats(size_t k, size_t n) { return k * qk_f32_padded(n); }

void qk_f32_dense_prepare(size_t k, size_t n, const float *w, float *prepared) {
    const size_t ocp = qk_f32_padded(n);
    for (size_t i = 0; i < k; i++) {
        float *row = prepared + i * ocp;
        for (size_t j = 0; j < n; j++) row[j] = w[j * k + i];
        /* zeros, not garbage: the vector tiles multiply the padding lanes (and discard them), and NaN bit patterns
         * there would be harmless but uninitialized memory is not */
        memset(row + n, 0, (ocp - n) * sizeof *row);
    }
}

size_t qk_f32_conv2d_prepared_floats(size_t kh, size_t kw, size_t ic, size_t oc) {
    return kh * kw * ic * qk_f32_padded(oc);
}

void qk_f32_conv2d_prepare(size_t kh, size_t kw, size_t ic, size_t oc, const float *w, float *prepared) {
    /* [oc][kh][kw][ic] is [oc][taps·ic]: the same transpose as dense with k = kh·kw·ic */
    qk_f32_dense_prepare(kh * kw * ic, oc, w, prepared);
}
