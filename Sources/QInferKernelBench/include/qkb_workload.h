/* qkb_workload.h — benchmark layers: random packed activations and weights of a given shape, with per-channel
 * thresholds from qk_threshold_from_affine, run through the public kernel entry points (QK_OUT_BITS, the fused
 * binary → binary path a binarized network runs between layers). */
#ifndef QKB_WORKLOAD_H
#define QKB_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "qk_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- fully connected / shared MLP: M rows × K bits against N channels ---- */

typedef struct qkb_bgemm_case qkb_bgemm_case;

/** NULL on allocation failure or a zero dimension. */
qkb_bgemm_case *qkb_bgemm_case_create(size_t m, size_t n, size_t k_bits, uint64_t seed);
void qkb_bgemm_case_destroy(qkb_bgemm_case *c);
/** One qk_bgemm_mt call (pool may be NULL when threads is 1). */
void qkb_bgemm_case_run(qkb_bgemm_case *c, qk_isa isa, qk_pool *pool, int threads);
/** A hash of the packed output of the last run, to check that every ISA computed the same bits. */
uint64_t qkb_bgemm_case_digest(const qkb_bgemm_case *c);

/* ---- a binary layer fused with the max over its rows: M rows × K bits against N channels, N floats out ---- */

typedef struct qkb_bmaxpool_case qkb_bmaxpool_case;

/** NULL on allocation failure or a zero dimension. */
qkb_bmaxpool_case *qkb_bmaxpool_case_create(size_t m, size_t n, size_t k_bits, uint64_t seed);
void qkb_bmaxpool_case_destroy(qkb_bmaxpool_case *c);
/** One qk_bmaxpool call (pool may be NULL when threads is 1). */
void qkb_bmaxpool_case_run(qkb_bmaxpool_case *c, qk_isa isa, qk_pool *pool, int threads);
/** A hash of the N floats of the last run (bit patterns). */
uint64_t qkb_bmaxpool_case_digest(const qkb_bmaxpool_case *c);

/* ---- 3×3 convolution, pad 1, zero padding, over one packed NHWC image ---- */

typedef struct qkb_bconv_case qkb_bconv_case;

/** NULL on allocation failure or an invalid geometry. */
qkb_bconv_case *qkb_bconv_case_create(size_t h, size_t w, size_t c, size_t n, size_t stride, uint64_t seed);
void qkb_bconv_case_destroy(qkb_bconv_case *c);
/** The GEMM the convolution lowers to: m = oh·ow output pixels, n channels, k = 9·c bits. */
void qkb_bconv_case_gemm_shape(const qkb_bconv_case *c, size_t *m, size_t *n, size_t *k);
/** One qk_bconv2d call: im2col, zero-padding corrections, GEMM. Returns qk_bconv2d's status. */
int qkb_bconv_case_run(qkb_bconv_case *c, qk_isa isa, qk_pool *pool, int threads);
/** The GEMM alone, on an already-lowered matrix of the same shape with border rows corrected like the
 *  convolution's: qk_bconv2d's time minus this one is what im2col and the correction setup cost. */
void qkb_bconv_case_run_gemm_only(qkb_bconv_case *c, qk_isa isa, qk_pool *pool, int threads);
/** A hash of the packed output of the last qkb_bconv_case_run. */
uint64_t qkb_bconv_case_digest(const qkb_bconv_case *c);

#ifdef __cplusplus
}
#endif
#endif
