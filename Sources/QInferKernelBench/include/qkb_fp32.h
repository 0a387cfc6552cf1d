/* qkb_fp32.h — the FP32 peer: a BLAS sgemm of the same M×K·K×N shape, so "× FP32" compares the binary kernel
 * with what a float network of the same layer would cost on the same machine, in the same process. */
#ifndef QKB_FP32_H
#define QKB_FP32_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct qkb_sgemm_case qkb_sgemm_case;

/** Random row-major A (m×k) and B (k×n), output C (m×n); NULL on allocation failure or a zero dimension. */
qkb_sgemm_case *qkb_sgemm_case_create(size_t m, size_t n, size_t k, uint64_t seed);
void qkb_sgemm_case_destroy(qkb_sgemm_case *c);
/** One C = A·B. */
void qkb_sgemm_case_run(qkb_sgemm_case *c);
/** Threads the BLAS uses from now on. */
void qkb_sgemm_set_threads(int threads);
/** The BLAS build, e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Zen MAX_THREADS=64". */
const char *qkb_sgemm_library(void);

#ifdef __cplusplus
}
#endif
#endif
