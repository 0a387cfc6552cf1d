/* st.h — shared pieces of the kernel self-test driver: RNG, buffers, test bookkeeping.
 *
 * The driver is deliberately independent of the library internals: it only uses the public headers, so it tests
 * what the Swift side and the daemon see, and it can be built for any target the kernels build for. */
#ifndef ST_H
#define ST_H

#include <stddef.h>
#include <stdint.h>

#include "qk_kernels.h"

/* ---- reproducible randomness ------------------------------------------------------------------ */

typedef struct {
    uint64_t s;
} st_rng;

/* Each test case seeds its own generator from (run seed, family, case index). That way every ISA section
 * regenerates exactly the same operands without keeping them around, and a failure printed with its case
 * number can be reproduced in isolation. */
void st_rng_seed(st_rng *r, uint64_t seed, uint32_t family, uint32_t index);
uint64_t st_next(st_rng *r);
/** Uniform in [0, n) (n > 0); the tiny modulo bias does not matter for a test. */
size_t st_below(st_rng *r, size_t n);
/** Uniform integer in [lo, hi]. */
int32_t st_range(st_rng *r, int32_t lo, int32_t hi);
/** Uniform float in [lo, hi). */
float st_uniform(st_rng *r, float lo, float hi);
void st_fill_random(st_rng *r, void *buf, size_t bytes);

/** Random packed row of k bits with the tail of the last word cleared, as the bit convention requires. */
void st_random_bits(st_rng *r, uint64_t *row, size_t k);
/** Element i of a packed row as a ±1 value (bit 1 = −1). */
static inline int st_pm1(const uint64_t *row, size_t i) { return (int)(1 - 2 * (int)((row[i / 64] >> (i % 64)) & 1)); }

/* ---- memory ------------------------------------------------------------------------------------ */

/** 64-byte aligned, zeroed; exits on failure (a self-test that cannot allocate has nothing to report). */
void *st_alloc(size_t bytes);
void st_free(void *p);

/* ---- bookkeeping ------------------------------------------------------------------------------- */

enum { ST_FAM_BITPACK, ST_FAM_BGEMM, ST_FAM_BCONV, ST_FAM_MT, ST_FAM_BMAXPOOL, ST_FAM_F32, ST_FAM_COUNT };
/* Case-seed families; separate from ST_FAM_* so adding a check group never reshuffles another group's data. */
enum { ST_SEED_BITPACK = 1, ST_SEED_GEMM = 2, ST_SEED_GEMM_SHAPE = 3, ST_SEED_CONV = 4, ST_SEED_MT = 5, ST_SEED_F32 = 1000 };

/** Starts a section (one ISA); the name prefixes every message. */
void st_section_begin(qk_isa isa);
/** Prints the section's summary line. Returns its failure count. */
int st_section_end(void);
/** Opens one test (a check group). The description says which ISA/transform/shape a failure belongs to. */
void st_test_begin(int family, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** Records a mismatch in the open test; the first one per test is printed, later ones only counted. */
void st_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/** 1 if the open test has failed so far: lets checks stop early instead of printing cascades. */
int st_test_failed(void);
void st_test_end(void);
/** Totals over all sections. */
void st_totals(int *passed, int *failed);

/** Name of the section's ISA, for messages. */
const char *st_isa(void);

/* ---- the check groups -------------------------------------------------------------------------- */

/* In the QK_ISA_SCALAR section each group checks the reference against computations written here in the driver;
 * in every other section it checks the ISA against QK_ISA_SCALAR bit for bit. */
void st_run_bitpack(qk_isa isa, uint64_t seed);
void st_run_bgemm(qk_isa isa, uint64_t seed);
void st_run_bconv(qk_isa isa, uint64_t seed, qk_pool *pool);
/* Multi-threaded entry points against single-threaded ones of the same ISA (bconv2d's share lives in
 * st_run_bconv, which already has the operands). */
void st_run_mt(qk_isa isa, uint64_t seed, qk_pool *pool);
/* FP32 dense, conv2d (single- and multi-threaded) and the elementwise epilogue (st_f32.c). */
void st_run_f32(qk_isa isa, uint64_t seed, qk_pool *pool);
void st_run_bmaxpool(qk_isa isa, uint64_t seed, qk_pool *pool); /* fused binary layer + max over rows */
/* qk_f32_dense_mt / qk_f32_conv2d_mt against one call of the same ISA (st_f32_threads.c). */
void st_run_f32_threads(qk_isa isa, uint64_t seed, qk_pool *pool);

#endif
