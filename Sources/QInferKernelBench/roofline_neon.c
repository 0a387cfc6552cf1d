/* roofline_neon.c — aarch64 ceiling: vcntq_u8 byte popcounts summed in byte lanes, then pairwise widening adds
 * (vpadalq) up to 64-bit lanes, Advanced SIMD having no wider popcount. */
#include "roofline_loops.h"

#if defined(__aarch64__)
#include <arm_neon.h>

#define NEON_VECTORS (QKB_ROOFLINE_WORDS / 2)
#define NEON_CHAINS 4
/* vcnt gives ≤ 8 per byte: 16 vectors per chain (≤ 128) between widening flushes stays clear of 256. */
#define NEON_FLUSH_VECTORS (NEON_CHAINS * 16)

static uint64_t loop_neon(const uint64_t *buf, uint64_t key, uint64_t passes) {
    uint64x2_t vkey = vdupq_n_u64(key);
    uint64x2_t sums = vdupq_n_u64(0);
    for (uint64_t p = 0; p < passes; p++) {
        __asm__ volatile("" : "+w"(vkey));
        /* One pass adds ≤ 4·2·128 per 16-bit lane per flush, 4 flushes: ≤ 4096, folded to 64 bits every pass. */
        uint16x8_t halves = vdupq_n_u16(0);
        for (size_t b = 0; b < NEON_VECTORS; b += NEON_FLUSH_VECTORS) {
            uint8x16_t bytes[NEON_CHAINS] = {vdupq_n_u8(0), vdupq_n_u8(0), vdupq_n_u8(0), vdupq_n_u8(0)};
            for (size_t i = b; i < b + NEON_FLUSH_VECTORS; i += NEON_CHAINS) {
                for (int j = 0; j < NEON_CHAINS; j++) {
                    const uint64x2_t x = veorq_u64(vld1q_u64(buf + 2 * (i + (size_t)j)), vkey);
                    bytes[j] = vaddq_u8(bytes[j], vcntq_u8(vreinterpretq_u8_u64(x)));
                }
            }
            for (int j = 0; j < NEON_CHAINS; j++) halves = vpadalq_u8(halves, bytes[j]);
        }
        sums = vpadalq_u32(sums, vpaddlq_u16(halves));
    }
    return vgetq_lane_u64(sums, 0) + vgetq_lane_u64(sums, 1);
}

qkb_roofline_loop_fn qkb_roofline_neon_loop(qk_isa isa) { return isa == QK_ISA_NEON ? loop_neon : NULL; }

#else

qkb_roofline_loop_fn qkb_roofline_neon_loop(qk_isa isa) {
    (void)isa;
    return NULL;
}

#endif
