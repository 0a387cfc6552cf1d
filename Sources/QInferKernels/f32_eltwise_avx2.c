/* f32_eltwise_avx2.c — the elementwise pass (residual add, hardtanh, float and/or sign bits) in one walk over the
 * activation, in blocks of 4 rows × 2 ymm (16 channels) through the same epilogue as the AVX2 tile; four blocks
 * make one word of sign bits per row. */
#include "f32_epilogue_avx2.h"

#if defined(__x86_64__)

/* Loads every value of the block before the epilogue stores any: y may be a or the residual (in place). */
QK_F32_INLINE_AVX2 void block(const float *a, size_t row0, size_t j0, size_t jb, size_t c, const qk_f32_epilogue *o,
                              uint64_t *word, const int mr, const int nv) {
    const size_t live_last = c - jb - 8 * (size_t)(nv - 1) < 8 ? c - jb - 8 * (size_t)(nv - 1) : 8;
    const __m256i last = qk_f32_live8(live_last);
    __m256 acc[QK_F32_MR][QK_F32_NV8];
    QK_F32_UNROLL
    for (int r = 0; r < mr; r++)
        QK_F32_UNROLL
        for (int v = 0; v < nv; v++) acc[r][v] = QK_F32_LD8(a + (row0 + r) * c + jb + 8 * v, v);
    qk_f32_epilogue8(acc, mr, nv, row0, jb, c, NULL, o, word, (unsigned)(jb - j0));
}

#define QK_F32_BLOCK_CASE(mr, nv)                                                                                  \
    case (mr) * 8 + (nv): block(a, r0, j0, jb, c, &o, word, mr, nv); break;

QK_F32_TARGET_AVX2 void qk_f32_eltwise_avx2(size_t rows, size_t c, const float *a, const qk_f32_epilogue *out) {
    const qk_f32_epilogue o = *out; /* the stores could alias *out: keep its fields in registers */
    for (size_t r0 = 0; r0 < rows; r0 += QK_F32_MR) {
        const int mr = rows - r0 < QK_F32_MR ? (int)(rows - r0) : QK_F32_MR;
        for (size_t j0 = 0; j0 < c; j0 += 64) {
            uint64_t word[QK_F32_MR] = {0};
            for (size_t jb = j0; jb < c && jb < j0 + 64; jb += 8 * QK_F32_NV8) {
                const size_t vecs = (c - jb + 7) / 8;
                const int nv = vecs < QK_F32_NV8 ? (int)vecs : QK_F32_NV8;
                switch (mr * 8 + nv) {
                    QK_F32_BLOCK_CASE(1, 1) QK_F32_BLOCK_CASE(1, 2) QK_F32_BLOCK_CASE(2, 1) QK_F32_BLOCK_CASE(2, 2)
                    QK_F32_BLOCK_CASE(3, 1) QK_F32_BLOCK_CASE(3, 2) QK_F32_BLOCK_CASE(4, 1) QK_F32_BLOCK_CASE(4, 2)
                default: break;
                }
            }
            if (o.bits)
                for (int r = 0; r < mr; r++) o.bits[(r0 + (size_t)r) * qk_words(c) + j0 / 64] = word[r];
        }
    }
}

#endif
