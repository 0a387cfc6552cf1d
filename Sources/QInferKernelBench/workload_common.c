/* workload_common.c — random data and output transforms shared by the benchmark layers. */
#include "workload_common.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "qkb_rng.h"

void *qkb_alloc(size_t count, size_t size) {
    if (size && count > SIZE_MAX / size) return NULL;
    size_t bytes = count * size;
    bytes = bytes ? (bytes + 63) & ~(size_t)63 : 64;
    void *p = aligned_alloc(64, bytes);
    if (p) memset(p, 0, bytes);
    return p;
}

void qkb_random_bits(uint64_t *rows, size_t count, size_t k_bits, size_t ld, uint64_t *rng) {
    const size_t kw = qk_words(k_bits);
    const uint64_t tail_mask = k_bits % 64 ? (1ull << (k_bits % 64)) - 1 : ~0ull;
    for (size_t r = 0; r < count; r++) {
        uint64_t *row = rows + r * ld;
        for (size_t k = 0; k < kw; k++) row[k] = qkb_rng_next(rng);
        row[kw - 1] &= tail_mask;
    }
}

int qkb_bit_transform_init(qkb_bit_transform *t, size_t n, int32_t k_bits, uint64_t *rng) {
    t->thresh = qkb_alloc(qk_round_nr(n), sizeof(int32_t));
    t->flip = qkb_alloc(qk_words(n), sizeof(uint64_t));
    if (!t->thresh || !t->flip) {
        qkb_bit_transform_free(t);
        return -1;
    }
    /* Bias on the scale of a ±1 dot product's spread (√K), so thresholds land inside [−K, K] rather than at the
     * ends: constant channels would be an unrealistically easy output. */
    const float spread = sqrtf((float)k_bits);
    for (size_t ch = 0; ch < n; ch++) {
        const float mul = qkb_rng_unit(rng);
        const float bias = qkb_rng_unit(rng) * spread;
        int flip = 0;
        qk_threshold_from_affine(mul, bias, k_bits, &t->thresh[ch], &flip);
        if (flip) t->flip[ch / 64] |= 1ull << (ch % 64);
    }
    return 0;
}

void qkb_bit_transform_free(qkb_bit_transform *t) {
    free(t->thresh);
    free(t->flip);
    t->thresh = NULL;
    t->flip = NULL;
}

uint64_t qkb_digest_rows(const uint64_t *rows, size_t count, size_t words_per_row, size_t ld) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t r = 0; r < count; r++) {
        for (size_t k = 0; k < words_per_row; k++) {
            h ^= rows[r * ld + k];
            h *= 0x100000001b3ull;
        }
    }
    return h;
}
