/* qk_f32_threads.h — the FP32 layers split over a pool (qk_threadpool.h): rows of a dense layer, output rows of a
 * convolution. Every split computes each output exactly as the single-threaded call does (same taps, same order),
 * so the results are identical bit for bit at any thread count. */
#ifndef QK_F32_THREADS_H
#define QK_F32_THREADS_H

#include "qk_f32.h"
#include "qk_threadpool.h"

#ifdef __cplusplus
extern "C" {
#endif

/** qk_f32_dense with the rows split across `threads` workers of the pool (pool may be NULL for 1). */
void qk_f32_dense_mt(qk_isa isa, qk_pool *pool, int threads, const qk_f32_dense_args *args);
/** qk_f32_conv2d with the output rows split across `threads` workers of the pool (pool may be NULL for 1). */
void qk_f32_conv2d_mt(qk_isa isa, qk_pool *pool, int threads, const qk_f32_conv2d_args *args);

#ifdef __cplusplus
}
#endif
#endif
