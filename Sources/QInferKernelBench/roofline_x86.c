/* roofline_x86.c — x86-64 ceilings, each compiled for its own ISA level with a target attribute so one binary
 * holds them all and runs the ones cpuid allows:
 *   popcnt: hardware popcnt on 64-bit general registers;
 *   avx2:   nibble-table popcount (vpshufb) with byte-lane sums widened by vpsadbw, AVX2 having no vector popcount;
 *   avx512: vpopcntq on 512-bit vectors (AVX-512 VPOPCNTDQ). */
#include "roofline_loops.h"

#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("popcnt"))) static uint64_t loop_popcnt(const uint64_t *buf, uint64_t key, uint64_t passes) {
    uint64_t c0 = 0, c1 = 0, c2 = 0, c3 = 0;
    for (uint64_t p = 0; p < passes; p++) {
        __asm__ volatile("" : "+r"(key));
        for (size_t i = 0; i < QKB_ROOFLINE_WORDS; i += 8) {
            c0 += (uint64_t)__builtin_popcountll(buf[i + 0] ^ key) + (uint64_t)__builtin_popcountll(buf[i + 4] ^ key);
            c1 += (uint64_t)__builtin_popcountll(buf[i + 1] ^ key) + (uint64_t)__builtin_popcountll(buf[i + 5] ^ key);
            c2 += (uint64_t)__builtin_popcountll(buf[i + 2] ^ key) + (uint64_t)__builtin_popcountll(buf[i + 6] ^ key);
            c3 += (uint64_t)__builtin_popcountll(buf[i + 3] ^ key) + (uint64_t)__builtin_popcountll(buf[i + 7] ^ key);
        }
    }
    return c0 + c1 + c2 + c3;
}

#define AVX2_VECTORS (QKB_ROOFLINE_WORDS / 4)
#define AVX2_CHAINS 4
/* Each table lookup adds ≤ 4 per byte and a vector adds two lookups to one chain: 16 vectors per chain
 * (≤ 128 per byte lane) between vpsadbw flushes stays clear of 256. */
#define AVX2_FLUSH_VECTORS (AVX2_CHAINS * 16)

__attribute__((target("avx2"))) static uint64_t loop_avx2(const uint64_t *buf, uint64_t key, uint64_t passes) {
    const __m256i table = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2, 1, 2, 2, 3, 1,
                                           2, 2, 3, 2, 3, 3, 4);
    const __m256i nibble = _mm256_set1_epi8(0x0f);
    const __m256i zero = _mm256_setzero_si256();
    const __m256i *v = (const __m256i *)buf;
    __m256i vkey = _mm256_set1_epi64x((long long)key);
    __m256i sums = zero; /* 4 × u64 */
    for (uint64_t p = 0; p < passes; p++) {
        __asm__ volatile("" : "+x"(vkey));
        for (size_t b = 0; b < AVX2_VECTORS; b += AVX2_FLUSH_VECTORS) {
            __m256i bytes[AVX2_CHAINS] = {zero, zero, zero, zero};
            for (size_t i = b; i < b + AVX2_FLUSH_VECTORS; i += AVX2_CHAINS) {
                for (int j = 0; j < AVX2_CHAINS; j++) {
                    const __m256i x = _mm256_xor_si256(_mm256_load_si256(v + i + j), vkey);
                    const __m256i lo = _mm256_and_si256(x, nibble);
                    const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(x, 4), nibble);
                    bytes[j] = _mm256_add_epi8(bytes[j], _mm256_shuffle_epi8(table, lo));
                    bytes[j] = _mm256_add_epi8(bytes[j], _mm256_shuffle_epi8(table, hi));
                }
            }
            for (int j = 0; j < AVX2_CHAINS; j++) sums = _mm256_add_epi64(sums, _mm256_sad_epu8(bytes[j], zero));
        }
    }
    uint64_t lanes[4];
    _mm256_storeu_si256((__m256i *)lanes, sums);
    return lanes[0] + lanes[1] + lanes[2] + lanes[3];
}

#define AVX512_VECTORS (QKB_ROOFLINE_WORDS / 8)
#define AVX512_CHAINS 4

__attribute__((target("avx512f,avx512vpopcntdq"))) static uint64_t loop_avx512(const uint64_t *buf, uint64_t key,
                                                                             uint64_t passes) {
    const __m512i *v = (const __m512i *)buf;
    __m512i vkey = _mm512_set1_epi64((long long)key);
    __m512i c[AVX512_CHAINS] = {_mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512(),
                                _mm512_setzero_si512()};
    for (uint64_t p = 0; p < passes; p++) {
        __asm__ volatile("" : "+v"(vkey));
        for (size_t i = 0; i < AVX512_VECTORS; i += AVX512_CHAINS) {
            for (int j = 0; j < AVX512_CHAINS; j++) {
                const __m512i x = _mm512_xor_si512(_mm512_load_si512(v + i + j), vkey);
                c[j] = _mm512_add_epi64(c[j], _mm512_popcnt_epi64(x));
            }
        }
    }
    const __m512i all = _mm512_add_epi64(_mm512_add_epi64(c[0], c[1]), _mm512_add_epi64(c[2], c[3]));
    return (uint64_t)_mm512_reduce_add_epi64(all);
}

qkb_roofline_loop_fn qkb_roofline_x86_loop(qk_isa isa) {
    switch (isa) {
    case QK_ISA_POPCNT:
        return __builtin_cpu_supports("popcnt") ? loop_popcnt : NULL;
    case QK_ISA_AVX2:
        return __builtin_cpu_supports("avx2") ? loop_avx2 : NULL;
    case QK_ISA_AVX512:
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vpopcntdq") ? loop_avx512 : NULL;
    default:
        return NULL;
    }
}

#else

qkb_roofline_loop_fn qkb_roofline_x86_loop(qk_isa isa) {
    (void)isa;
    return NULL;
}

#endif
