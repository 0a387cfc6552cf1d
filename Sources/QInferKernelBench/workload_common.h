/* workload_common.h — what the GEMM and convolution benchmark layers both build: random packed bits with clean
 * tails, panel-packed weights, QK_OUT_BITS thresholds, an output digest. Not installed. */
#ifndef QKB_WORKLOAD_COMMON_H
#define QKB_WORKLOAD_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "include/qkb_workload.h"

/** 64-byte aligned, zeroed; NULL on failure (or overflow). */
void *qkb_alloc(size_t count, size_t size);

/** rows × k random bits, row stride ld words; tail bits past k are zero as qk_types.h requires. */
void qkb_random_bits(uint64_t *rows, size_t count, size_t k_bits, size_t ld, uint64_t *rng);

/** QK_OUT_BITS transform for n channels of k-bit dot products: qk_round_nr(n) thresholds and qk_words(n) flip words
 *  from random per-channel affines (mixed-sign scales, so both directions are exercised). */
typedef struct {
    int32_t *thresh;
    uint64_t *flip;
} qkb_bit_transform;

int qkb_bit_transform_init(qkb_bit_transform *t, size_t n, int32_t k_bits, uint64_t *rng);
void qkb_bit_transform_free(qkb_bit_transform *t);

/** FNV-1a over the first words_per_row words of each row. */
uint64_t qkb_digest_rows(const uint64_t *rows, size_t count, size_t words_per_row, size_t ld);

#endif
