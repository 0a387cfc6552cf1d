/* f32_tile_neon.c — NEON FP32 tile for dense and conv2d: 4 output rows × 4 q registers (16 channels) = 16
 * accumulators of the 32 registers, leaving room for 4 weight vectors, the broadcast and the product. Multiply and
 * add stay separate instructions (no FMLA) so every output is summed exactly as the scalar reference sums it. */
#include "f32_epilogue_neon.h"

#if defined(__aarch64__)

enum { NV_MAX = 4 };

/* One block: mr rows × nv vectors of channels from jb; ORs its sign bits into word[r] at bit jb − j0. */
static inline __attribute__((always_inline)) void block(const qk_f32_tile *t, size_t j0, size_t jb, uint64_t *word,
                                                        const int mr, const int nv) {
    float32x4_t acc[QK_F32_MR][NV_MAX];
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
            float32x4_t wv[NV_MAX];
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
    const qk_f32_epilogue *o = t->out;
    QK_F32_UNROLL
    for (int r = 0; r < mr; r++) {
        const size_t row = t->row0 + (size_t)r;
        QK_F32_UNROLL
        for (int v = 0; v < nv; v++) {
            const size_t j = jb + 4 * (size_t)v, live = t->n - j < 4 ? t->n - j : 4;
            float32x4_t val = acc[r][v];
            if (t->bias) val = vaddq_f32(val, qk_f32_load4(t->bias + j, live));
            word[r] |= (uint64_t)qk_f32_finish4(o, row, t->n, j, live, val) << (j - j0);
        }
    }
}

#define QK_F32_BLOCK_CASE(mr, nv)                                                                                  \
    case (mr) * 8 + (nv): block(t, j0, jb, word, mr, nv); break;

void qk_f32_tile_neon(const qk_f32_tile *tile) {
    /* Local copies: the output stores could alias *tile and *tile->out as far as the compiler knows, which would
     * make it reload every field after every store. */
    const qk_f32_epilogue out = *tile->out, *o = &out;
    qk_f32_tile tl = *tile;
    tl.out = o;
    const qk_f32_tile *t = &tl;
    /* Blocks of 16 channels, four to a 64-channel group whose sign bits are one word per row. */
    for (size_t j0 = 0; j0 < t->n; j0 += 64) {
        uint64_t word[QK_F32_MR] = {0};
        for (size_t jb = j0; jb < t->n && jb < j0 + 64; jb += 4 * NV_MAX) {
            const size_t vecs = (t->n - jb + 3) / 4;
            const int nv = vecs < NV_MAX ? (int)vecs : NV_MAX;
            switch ((int)t->rows * 8 + nv) {
                QK_F32_BLOCK_CASE(1, 1) QK_F32_BLOCK_CASE(1, 2) QK_F32_BLOCK_CASE(1, 3) QK_F32_BLOCK_CASE(1, 4)
                QK_F32_BLOCK_CASE(2, 1) QK_F32_BLOCK_CASE(2, 2) QK_F32_BLOCK_CASE(2, 3) QK_F32_BLOCK_CASE(2, 4)
                QK_F32_BLOCK_CASE(3, 1) QK_F32_BLOCK_CASE(3, 2) QK_F32_BLOCK_CASE(3, 3) QK_F32_BLOCK_CASE(3, 4)
                QK_F32_BLOCK_CASE(4, 1) QK_F32_BLOCK_CASE(4, 2) QK_F32_BLOCK_CASE(4, 3) QK_F32_BLOCK_CASE(4, 4)
            default: break;
            }
        }
        if (o->bits)
            for (size_t r = 0; r < t->rows; r++) o->bits[(t->row0 + r) * qk_words(t->n) + j0 / 64] = word[r];
    }
}

#endif
