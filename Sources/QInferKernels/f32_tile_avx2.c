/* f32_tile_avx2.c — AVX2 FP32 tile for dense and conv2d: 4 output rows × 2 ymm (16 channels) = 8 accumulators,
 * plus 2 weight vectors, a broadcast and a product register: without FMA each step needs the product in a register
 * of its own, which rules out the 4 × 3 tile 16 ymm registers would otherwise allow. Multiply and add stay separate
 * so every output is summed exactly as the scalar reference sums it. */
#include "f32_epilogue_avx2.h"

#if defined(__x86_64__)

enum { NV_MAX = 2 };

/* One block: mr rows × nv vectors of channels from jb; ORs its sign bits into word[r] at bit jb − j0. */
QK_F32_INLINE_AVX2 void block(const qk_f32_tile *t, size_t j0, size_t jb, uint64_t *word, const int mr, const int nv) {
    __m256 acc[QK_F32_MR][NV_MAX];
    QK_F32_UNROLL
    for (int r = 0; r < mr; r++)
        QK_F32_UNROLL
        for (int v = 0; v < nv; v++) acc[r][v] = _mm256_setzero_ps(); /* +0: the reference's starting value */
    for (size_t s = 0; s < t->segs; s++) {
        const float *w = t->w + s * t->w_step + jb;
        const float *x[QK_F32_MR];
        QK_F32_UNROLL
        for (int r = 0; r < mr; r++) x[r] = t->x[r] + s * t->x_step;
        for (size_t i = 0; i < t->len; i++, w += t->ocp) {
            __m256 wv[NV_MAX];
            QK_F32_UNROLL
            for (int v = 0; v < nv; v++) wv[v] = _mm256_loadu_ps(w + 8 * v);
            QK_F32_UNROLL
            for (int r = 0; r < mr; r++) {
                const __m256 b = _mm256_broadcast_ss(x[r] + i);
                QK_F32_UNROLL
                for (int v = 0; v < nv; v++) acc[r][v] = _mm256_add_ps(acc[r][v], _mm256_mul_ps(b, wv[v]));
            }
        }
    }
    const qk_f32_epilogue *o = t->out;
    QK_F32_UNROLL
    for (int r = 0; r < mr; r++) {
        const size_t row = t->row0 + (size_t)r;
        QK_F32_UNROLL
        for (int v = 0; v < nv; v++) {
            const size_t j = jb + 8 * (size_t)v, live = t->n - j < 8 ? t->n - j : 8;
            __m256 val = acc[r][v];
            if (t->bias) val = _mm256_add_ps(val, qk_f32_load8(t->bias + j, live));
            word[r] |= (uint64_t)qk_f32_finish8(o, row, t->n, j, live, val) << (j - j0);
        }
    }
}

#define QK_F32_BLOCK_CASE(mr, nv)                                                                                  \
    case (mr) * 8 + (nv): block(t, j0, jb, word, mr, nv); break;

QK_F32_TARGET_AVX2 void qk_f32_tile_avx2(const qk_f32_tile *tile) {
    /* Local copies: the output stores could alias *tile and *tile->out as far as the compiler knows, which would
     * make it reload every field after every store. */
    const qk_f32_epilogue out = *tile->out, *o = &out;
    qk_f32_tile tl = *tile;
    tl.out = o;
    const qk_f32_tile *t = &tl;
    /* Blocks of 16 channels, four to a 64-channel group whose sign bits are one word per row. */
    for (size_t j0 = 0; j0 < t->n; j0 += 64) {
        uint64_t word[QK_F32_MR] = {0};
        for (size_t jb = j0; jb < t->n && jb < j0 + 64; jb += 8 * NV_MAX) {
            const size_t vecs = (t->n - jb + 7) / 8;
            const int nv = vecs < NV_MAX ? (int)vecs : NV_MAX;
            switch ((int)t->rows * 8 + nv) {
                QK_F32_BLOCK_CASE(1, 1) QK_F32_BLOCK_CASE(1, 2) QK_F32_BLOCK_CASE(2, 1) QK_F32_BLOCK_CASE(2, 2)
                QK_F32_BLOCK_CASE(3, 1) QK_F32_BLOCK_CASE(3, 2) QK_F32_BLOCK_CASE(4, 1) QK_F32_BLOCK_CASE(4, 2)
            default: break;
            }
        }
        if (o->bits)
            for (size_t r = 0; r < t->rows; r++) o->bits[(t->row0 + r) * qk_words(t->n) + j0 / 64] = word[r];
    }
}

#endif
