/* qk_internal.h — the per-ISA function table behind the public entry points. Not installed. */
#ifndef QK_INTERNAL_H
#define QK_INTERNAL_H

#include "include/qk_kernels.h"

typedef void (*qk_bitpack_f32_fn)(const float *x, size_t rows, size_t k, size_t ldx, uint64_t *out, size_t ldo);
/* Computes rows [m0, m1) × panels [p0, p1) of a bgemm. Disjoint ranges write disjoint bytes, so threads can share. */
typedef void (*qk_bgemm_fn)(const qk_bgemm_args *args, size_t m0, size_t m1, size_t p0, size_t p1);

typedef struct {
    qk_bitpack_f32_fn bitpack_f32;
    qk_bgemm_fn bgemm;
} qk_isa_kernels;

extern const qk_isa_kernels qk_kernels_scalar;
#if defined(__x86_64__)
extern const qk_isa_kernels qk_kernels_popcnt;
extern const qk_isa_kernels qk_kernels_avx2;
extern const qk_isa_kernels qk_kernels_avx512;
#endif
#if defined(__aarch64__)
extern const qk_isa_kernels qk_kernels_neon;
#endif

/** Worker `index` of `count`'s share [*u0, *u1) of `units` rows (or panels), cut in whole `grain`s so no worker gets a
 *  partial microkernel block in the middle: every threaded split in the library uses this, so their boundaries agree
 *  (a band a dense layer wrote is the band the next layer's worker reads). Returns 0 when the share is empty. */
static inline int qk_band(size_t units, size_t grain, int index, int count, size_t *u0, size_t *u1) {
    const size_t blocks = (units + grain - 1) / grain;
    *u0 = blocks * (size_t)index / (size_t)count * grain;
    *u1 = blocks * (size_t)(index + 1) / (size_t)count * grain;
    if (*u1 > units) *u1 = units;
    return *u0 < *u1;
}

/** Table of a supported ISA (callers check qk_isa_supported first). */
const qk_isa_kernels *qk_kernels_for(qk_isa isa);

/* Scalar bit-packing, shared by variants that have no faster way for a row tail. */
void qk_bitpack_f32_scalar(const float *x, size_t rows, size_t k, size_t ldx, uint64_t *out, size_t ldo);

#endif
