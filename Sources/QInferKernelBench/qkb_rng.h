/* qkb_rng.h — splitmix64: a seeded, fast generator for benchmark data. Reproducible runs matter more here than
 * statistical quality; popcount kernels take the same time for any bits. Not installed. */
#ifndef QKB_RNG_H
#define QKB_RNG_H

#include <stdint.h>

static inline uint64_t qkb_rng_next(uint64_t *state) {
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/** Uniform in [-1, 1). */
static inline float qkb_rng_unit(uint64_t *state) {
    return (float)(qkb_rng_next(state) >> 40) * (2.0f / 16777216.0f) - 1.0f;
}

#endif
