/* f32_eltwise_neon.c — the elementwise pass (residual add, hardtanh, float and/or sign bits) in one walk over the
 * activation, in blocks of 4 rows × 4 q registers (16 channels) through the same epilogue as the NEON tile; four
 * blocks make one word of sign bits per row. */
#include "f32_epilogue_neon.h"

#if defined(__aarch64__)

/* Loads every value of the block before the epilogue stores any: y may be a or the residual (in place). */
QK_F32_INLINE_NEON void block(const float *a, size_t row0, size_t j0, size_t jb, size_t c, const qk_f32_epilogue *o,
                              uint64_t *word, const int mr, const int nv) {
    const size_t live_last = c - jb - 4 * (size_t)(nv - 1) < 4 ? c - jb - 4 * (size_t)(nv - 1) : 4;
    float32x4_t acc[QK_F32_MR][QK_F32_NV4];
    QK_F32_UNROLL
    for (int r = 0; r < mr; r++)
        QK_F32_UNROLL
        for (int v = 0; v < nv; v++) acc[r][v] = QK_F32_LD4(a + (row0 + r) * c + jb + 4 * v, v);
    qk_f32_epilogue4(acc, mr, nv, row0, jb, c, NULL, o, word, (unsigned)(jb - j0));
}

#define QK_F32_BLOCK_CASE(mr, nv)                                                                                  \
    case (mr) * 8 + (nv): block(a, r0, j0, jb, c, &o, word, mr, nv); break;

void qk_f32_eltwise_neon(size_t rows, size_t c, const float *a, const qk_f32_epilogue *out) {
    const qk_f32_epilogue o = *out; /* the stores could alias *out: keep its fields in registers */
    for (size_t r0 = 0; r0 < rows; r0 += QK_F32_MR) {
        const int mr = rows - r0 < QK_F32_MR ? (int)(rows - r0) : QK_F32_MR;
        for (size_t j0 = 0; j0 < c; j0 += 64) {
            uint64_t word[QK_F32_MR] = {0};
            for (size_t jb = j0; jb < c && jb < j0 + 64; jb += 4 * QK_F32_NV4) {
                const size_t vecs = (c - jb + 3) / 4;
                const int nv = vecs < QK_F32_NV4 ? (int)vecs : QK_F32_NV4;
                switch (mr * 8 + nv) {
                    QK_F32_BLOCK_CASE(1, 1) QK_F32_BLOCK_CASE(1, 2) QK_F32_BLOCK_CASE(1, 3) QK_F32_BLOCK_CASE(1, 4)
                    QK_F32_BLOCK_CASE(2, 1) QK_F32_BLOCK_CASE(2, 2) QK_F32_BLOCK_CASE(2, 3) QK_F32_BLOCK_CASE(2, 4)
                    QK_F32_BLOCK_CASE(3, 1) QK_F32_BLOCK_CASE(3, 2) QK_F32_BLOCK_CASE(3, 3) QK_F32_BLOCK_CASE(3, 4)
                    QK_F32_BLOCK_CASE(4, 1) QK_F32_BLOCK_CASE(4, 2) QK_F32_BLOCK_CASE(4, 3) QK_F32_BLOCK_CASE(4, 4)
                default: break;
                }
            }
            if (o.bits)
                for (int r = 0; r < mr; r++) o.bits[(r0 + (size_t)r) * qk_words(c) + j0 / 64] = word[r];
        }
    }
}

#endif
