/* qk_f32.h — the FP32 layers a binarized network keeps (stem and shortcut convolutions, classifier, first MLP layer)
 * and the elementwise pass between binary layers, each with scalar, AVX2, AVX-512 and NEON variants.
 *
 * Every variant, and the Swift ReferenceExecutor, computes each output value v exactly as
 *     acc = +0; for each input index i, ascending: acc = acc + (x_i · w_i)      (product and sum rounded separately)
 *     v = acc + bias        if bias            (bias last)
 *     v = v + residual      if residual        (the residual is the right operand)
 *     v = min(max(v, lo), hi)  if clamp        (Swift's min/max: max(v, lo) = lo >= v ? lo : v,
 *                                               min(t, hi) = hi < t ? hi : t, so NaN passes through and a value equal
 *                                               to lo takes lo's zero sign, one equal to hi keeps its own)
 * A convolution's input indices are its valid taps only, ascending (ky, kx, ic): padded taps are skipped, not
 * multiplied by zero (0·inf would be NaN). The vector variants keep this order by vectorizing across output
 * channels, which is why the weights are transposed once at model load (the _prepare functions).
 * "Exactly" covers every bit of every non-NaN result and all sign bits; where the result is NaN, its sign and payload
 * are unspecified (IEEE 754 does not say which operand's NaN an add or multiply passes on, and C and Swift compilers
 * alike swap the operands of commutative float operations), and every NaN packs as bit 0 anyway.
 *
 * Variants are chosen by qk_isa (QK_ISA_POPCNT runs the scalar code); the ISA must be supported (qk_isa_supported).
 * No function here allocates or does I/O. */
#ifndef QK_F32_H
#define QK_F32_H

#include <stddef.h>
#include <stdint.h>

#include "qk_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Output channels of prepared weights are padded with zeros to a multiple of this (the widest vector, 16 floats). */
#define QK_F32_CHANNEL_PAD 16

/** What happens to each value after the bias, in this order, and where it goes. Rows are `n` values wide. */
typedef struct {
    const float *residual; /* optional [rows][n]: v = v + residual */
    int clamp;             /* nonzero: v = min(max(v, lo), hi) as described above (hardtanh) */
    float lo, hi;
    float *y;              /* optional [rows][n] float output; may be the residual (in place) */
    uint64_t *bits;        /* optional [rows][qk_words(n)] sign bits: bit = v < 0 (so −0 and NaN give 0), LSB first,
                              tail bits 0 — qk_bitpack_f32's convention */
} qk_f32_epilogue;

/* ---- dense: y[r][j] = Σ_i x[r][i]·w[j][i] + bias[j] ---------------------------------------------------------- */

/** Floats of prepared dense weights: k rows of n channels padded to QK_F32_CHANNEL_PAD. */
size_t qk_f32_dense_prepared_floats(size_t k, size_t n);
/** Transposes weights [n][k] (ONNX Gemm's transB layout) to the prepared [k][n_padded], padding with zeros. */
void qk_f32_dense_prepare(size_t k, size_t n, const float *w, float *prepared);

typedef struct {
    size_t rows, k, n;
    const float *x;       /* [rows][k] */
    const float *weights; /* from qk_f32_dense_prepare */
    const float *bias;    /* [n] or NULL */
    qk_f32_epilogue out;  /* [rows][n] */
} qk_f32_dense_args;

void qk_f32_dense(qk_isa isa, const qk_f32_dense_args *args);

/* ---- conv2d: NHWC, zero padding, weights [oc][kh][kw][ic] --------------------------------------------------- */

/** Floats of prepared convolution weights: [kh][kw][ic] rows of oc channels padded to QK_F32_CHANNEL_PAD. */
size_t qk_f32_conv2d_prepared_floats(size_t kh, size_t kw, size_t ic, size_t oc);
/** Transposes weights [oc][kh][kw][ic] to the prepared [kh][kw][ic][oc_padded], padding with zeros. */
void qk_f32_conv2d_prepare(size_t kh, size_t kw, size_t ic, size_t oc, const float *w, float *prepared);

typedef struct {
    size_t h, w, ic;                 /* input */
    size_t kh, kw, oc;               /* kernel and output channels */
    size_t stride, pad_top, pad_left;
    size_t oh, ow;                   /* output; padding after the last row/column is whatever these imply */
    const float *x;                  /* [h][w][ic] */
    const float *weights;            /* from qk_f32_conv2d_prepare */
    const float *bias;               /* [oc] or NULL */
    qk_f32_epilogue out;             /* rows are output pixels oy·ow + ox, n = oc */
} qk_f32_conv2d_args;

void qk_f32_conv2d(qk_isa isa, const qk_f32_conv2d_args *args);

/* ---- elementwise: the epilogue on its own ------------------------------------------------------------------- */

/** v = a (+ out->residual) then clamp, to out->y and/or out->bits, over rows × c. out->y may be a or the residual. */
void qk_f32_eltwise(qk_isa isa, size_t rows, size_t c, const float *a, const qk_f32_epilogue *out);

#ifdef __cplusplus
}
#endif
#endif
