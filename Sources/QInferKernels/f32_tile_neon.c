/* f32_tile_neon.c — NEON FP32 tile for dense and conv2d: 4 output rows × 4 q registers (16 channels) = 16
 * accumulators of the 32 registers, leaving room for 4 weight vectors, the broadcast and the product. Multiply and
 * add stay separate instructions (no FMLA) so every output is summed exactly as the scalar reference sums it. */
#include "f32_epilogue_neon.h"

#if defined(__aarch64__)

/* One block: mr rows × nv vectors of channels from jb; ORs its sign bits into word[r] at bit jb − j0. Constant mr
 * and nv per call site keep the accumulators in registers. */
QK_F32_INLINE_NEON void block(const qk_f32_tile *t, const qk_f32_epilogue *o, size_t j0, size_t jb, uint64_t *word,
                              const int mr, const int nv) {
    float32x4_t acc[QK_F32_MR][QK_F32_NV4];
    QK_F32_UNROLL
    for (int r = 0; r < mr; r++)
        QK_F32_UNROLL
        for (int v = 0; v < nv; v++) acc[r][v] = vdupq_n_f32(0.0f); /* +0: the reference's starting value */
    for (size_t s = 0; s < t->segs; s++) {
        const float *w = t->w + s * t->w_step + jb;
        const float *x[QK_F32_MR];
        QK_F32_UNROLL
        for (int r = 0; r < mr; r++) x[r] = t->x[r] + s * t->x_step;
        for (size_t i = 0; i < t->len; i++, w += t->ocp) {
            float32x4_t wv[QK_F32_NV4];
            QK_F32_UNROLL
            for (int v = 0; v < nv; v++) wv[v] = vld1q_f32(w + 4 * v);
            QK_F32_UNROLL
            for (int r = 0; r < mr; r++) {
                const float32x4_t b = vld1q_dup_f32(x[r] + i);
                QK_F32_UNROLL
                for (int v = 0; v < nv; v++) acc[r][v] = vaddq_f32(acc[r][v], vmulq_f32(b, wv[v]));
            }
        }
    }
    qk_f32_epilogue4(acc, mr, nv, t->row0, jb, t->n, t->bias, o, word, (unsigned)(jb - j0));
}

#define QK_F32_BLOCK_CASE(mr, nv)                                                                                  \
    case (mr) * 8 + (nv): block(t, &out, j0, jb, word, mr, nv); break;

void qk_f32_tile_neon(const qk_f32_tile *tile) {
    /* Local copies: the output stores could alias *tile and *tile->out as far as the compiler knows, which would
     * make it reload every field after every store. */
    const qk_f32_epilogue out = *tile->out;
    const qk_f32_tile tl = *tile, *t = &tl;
    /* Blocks of 16 channels, four to a 64-channel group whose sign bits are one word per row. */
    for (size_t j0 = 0; j0 < t->n; j0 += 64) {
        uint64_t word[QK_F32_MR] = {0};
        for (size_t jb = j0; jb < t->n && jb < j0 + 64; jb += 4 * QK_F32_NV4) {
            const size_t vecs = (t->n - jb + 3) / 4;
            const int nv = vecs < QK_F32_NV4 ? (int)vecs : QK_F32_NV4;
            switch ((int)t->rows * 8 + nv) {
                QK_F32_BLOCK_CASE(1, 1) QK_F32_BLOCK_CASE(1, 2) QK_F32_BLOCK_CASE(1, 3) QK_F32_BLOCK_CASE(1, 4)
                QK_F32_BLOCK_CASE(2, 1) QK_F32_BLOCK_CASE(2, 2) QK_F32_BLOCK_CASE(2, 3) QK_F32_BLOCK_CASE(2, 4)
                QK_F32_BLOCK_CASE(3, 1) QK_F32_BLOCK_CASE(3, 2) QK_F32_BLOCK_CASE(3, 3) QK_F32_BLOCK_CASE(3, 4)
                QK_F32_BLOCK_CASE(4, 1) QK_F32_BLOCK_CASE(4, 2) QK_F32_BLOCK_CASE(4, 3) QK_F32_BLOCK_CASE(4, 4)
            default: break;
            }
        }
        if (out.bits)
            for (size_t r = 0; r < t->rows; r++) out.bits[(t->row0 + r) * qk_words(t->n) + j0 / 64] = word[r];
    }
}

#endif
