/* bitpack_scalar.c — reference bit-packing: bit = value < zero point, LSB first, tail bits 0. */
#include "qk_internal.h"

#define QK_PACK_ROWS(T, IS_NEG)                                                                              \
    for (size_t r = 0; r < rows; r++) {                                                                      \
        const T *src = x + r * ldx;                                                                          \
        uint64_t *dst = out + r * ldo;                                                                       \
        const size_t kw = qk_words(k);                                                                       \
        for (size_t w = 0; w < kw; w++) {                                                                    \
            uint64_t word = 0;                                                                               \
            const size_t end = (w + 1) * 64 < k ? (w + 1) * 64 : k;                                          \
            for (size_t i = w * 64; i < end; i++) word |= (uint64_t)(IS_NEG(src[i])) << (i - w * 64);        \
            dst[w] = word;                                                                                   \
        }                                                                                                    \
    }

#define QK_NEG_F32(v) ((v) < 0.0f)
#define QK_NEG_ZP(v) ((v) < zp)

void qk_bitpack_f32_scalar(const float *x, size_t rows, size_t k, size_t ldx, uint64_t *out, size_t ldo) {
    QK_PACK_ROWS(float, QK_NEG_F32)
}

void qk_bitpack_u8_scalar(const uint8_t *x, size_t rows, size_t k, size_t ldx, uint8_t zp, uint64_t *out,
                          size_t ldo) {
    QK_PACK_ROWS(uint8_t, QK_NEG_ZP)
}

void qk_bitpack_i8_scalar(const int8_t *x, size_t rows, size_t k, size_t ldx, int8_t zp, uint64_t *out,
                          size_t ldo) {
    QK_PACK_ROWS(int8_t, QK_NEG_ZP)
}
