/* roofline_scalar.c — ceiling of the portable variant: SWAR popcount on 64-bit general registers, no popcount
 * instruction. The loop keeps partial counts in narrow lanes across words (nibbles for two words, bytes for a
 * block) and widens only once per block, the cheapest SWAR schedule, so the reference kernel's one-word-at-a-time
 * SWAR shows up as a ratio below 1 rather than setting its own ceiling.
 * "Scalar" means general registers: Package.swift builds this target without auto-vectorization, since clang's SLP
 * vectorizer would otherwise pack the four chains into SSE2/NEON registers and measure another ISA. */
#include "roofline_loops.h"

#define M1 0x5555555555555555ull
#define M2 0x3333333333333333ull
#define M4 0x0f0f0f0f0f0f0f0full
#define M8 0x00ff00ff00ff00ffull

/* Per-nibble counts (each ≤ 4) of one word. */
static inline uint64_t nibble_counts(uint64_t x) {
    x -= (x >> 1) & M1;
    return (x & M2) + ((x >> 2) & M2);
}

/* Two words' nibble counts (≤ 8, still a nibble) folded into byte counts (≤ 16). */
static inline uint64_t byte_counts2(uint64_t x, uint64_t y) {
    const uint64_t n = nibble_counts(x) + nibble_counts(y);
    return (n & M4) + ((n >> 4) & M4);
}

/* Byte lanes → 16-bit lanes, so four byte accumulators can be summed without overflow. */
static inline uint64_t widen16(uint64_t b) { return (b & M8) + ((b >> 8) & M8); }

#define WORDS_PER_STEP 8 /* four chains, two words each */
#define STEPS_PER_BLOCK 8 /* a byte chain gains ≤ 16 per step: 8 steps ≤ 128 < 256 */

uint64_t qkb_roofline_loop_scalar(const uint64_t *buf, uint64_t key, uint64_t passes) {
    uint64_t total = 0;
    for (uint64_t p = 0; p < passes; p++) {
        __asm__ volatile("" : "+r"(key));
        /* A 16-bit lane gains ≤ 4·2·128 per block, ≤ 8192 per pass; the 4 lanes sum to ≤ 32768. */
        uint64_t lanes16 = 0;
        for (size_t b = 0; b < QKB_ROOFLINE_WORDS; b += WORDS_PER_STEP * STEPS_PER_BLOCK) {
            uint64_t c0 = 0, c1 = 0, c2 = 0, c3 = 0;
            for (size_t i = b; i < b + WORDS_PER_STEP * STEPS_PER_BLOCK; i += WORDS_PER_STEP) {
                c0 += byte_counts2(buf[i + 0] ^ key, buf[i + 1] ^ key);
                c1 += byte_counts2(buf[i + 2] ^ key, buf[i + 3] ^ key);
                c2 += byte_counts2(buf[i + 4] ^ key, buf[i + 5] ^ key);
                c3 += byte_counts2(buf[i + 6] ^ key, buf[i + 7] ^ key);
            }
            lanes16 += widen16(c0) + widen16(c1) + widen16(c2) + widen16(c3);
        }
        total += (lanes16 * 0x0001000100010001ull) >> 48;
    }
    return total;
}
