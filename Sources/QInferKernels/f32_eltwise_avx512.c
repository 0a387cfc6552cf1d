/* f32_eltwise_avx512.c — the elementwise pass (residual add, hardtanh, float and/or sign bits) in one walk over the
 * activation, in blocks of 4 rows × 4 zmm (64 channels, one word of sign bits per row) through the same epilogue
 * as the AVX-512 tile. */
#if defined(QK_AVX512_VIA_SIMDE)
#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/x86/avx512.h>
#elif defined(__x86_64__)
#include <immintrin.h>
#endif

#include "f32_internal.h"

#if defined(__x86_64__)
#include "f32_epilogue_avx512.h"

/* Loads every value of the block before the epilogue stores any: y may be a or the residual (in place). */
QK_F32_INLINE_AVX512 void block(const float *a, size_t row0, size_t j0, size_t c, const qk_f32_epilogue *o,
                                const int mr, const int nv) {
    const size_t live_last = c - j0 - 16 * (size_t)(nv - 1) < 16 ? c - j0 - 16 * (size_t)(nv - 1) : 16;
    __m512 acc[QK_F32_MR][QK_F32_NV16];
    QK_F32_UNROLL
    for (int r = 0; r < mr; r++)
        QK_F32_UNROLL
        for (int v = 0; v < nv; v++) acc[r][v] = QK_F32_LD16(a + (row0 + r) * c + j0 + 16 * v, v);
    uint64_t word[QK_F32_MR] = {0};
    qk_f32_epilogue16(acc, mr, nv, row0, j0, c, NULL, o, word);
    if (o->bits) {
        QK_F32_UNROLL
        for (int r = 0; r < mr; r++) o->bits[(row0 + (size_t)r) * qk_words(c) + j0 / 64] = word[r];
    }
}

#define QK_F32_BLOCK_CASE(mr, nv)                                                                                  \
    case (mr) * 8 + (nv): block(a, r0, j0, c, &o, mr, nv); break;

QK_F32_TARGET_AVX512 void qk_f32_eltwise_avx512(size_t rows, size_t c, const float *a, const qk_f32_epilogue *out) {
    const qk_f32_epilogue o = *out; /* the stores could alias *out: keep its fields in registers */
    for (size_t r0 = 0; r0 < rows; r0 += QK_F32_MR) {
        const int mr = rows - r0 < QK_F32_MR ? (int)(rows - r0) : QK_F32_MR;
        for (size_t j0 = 0; j0 < c; j0 += 16 * QK_F32_NV16) {
            const size_t vecs = (c - j0 + 15) / 16;
            const int nv = vecs < QK_F32_NV16 ? (int)vecs : QK_F32_NV16;
            switch (mr * 8 + nv) {
                QK_F32_BLOCK_CASE(1, 1) QK_F32_BLOCK_CASE(1, 2) QK_F32_BLOCK_CASE(1, 3) QK_F32_BLOCK_CASE(1, 4)
                QK_F32_BLOCK_CASE(2, 1) QK_F32_BLOCK_CASE(2, 2) QK_F32_BLOCK_CASE(2, 3) QK_F32_BLOCK_CASE(2, 4)
                QK_F32_BLOCK_CASE(3, 1) QK_F32_BLOCK_CASE(3, 2) QK_F32_BLOCK_CASE(3, 3) QK_F32_BLOCK_CASE(3, 4)
                QK_F32_BLOCK_CASE(4, 1) QK_F32_BLOCK_CASE(4, 2) QK_F32_BLOCK_CASE(4, 3) QK_F32_BLOCK_CASE(4, 4)
            default: break;
            }
        }
    }
}

#endif
