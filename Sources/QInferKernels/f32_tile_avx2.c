/* f32_tile_avx2.c — AVX2 FP32 tile for dense and conv2d: 4 output rows × 2 ymm (16 channels) = 8 accumulators,
 * plus 2 weight vectors, a broadcast and a product register: without FMA each step needs the product in a register
 * of its own, which rules out the 4 × 3 tile 16 ymm registers would otherwise allow. Multiply and add stay separate
 * so every output is summed exactly as the scalar reference sums it. */
#include "f32_epilogue_avx2.h"

#if defined(__x86_64__)

/* One block: mr rows × nv vectors of channels from jb; ORs its sign bits into word[r] at bit jb − j0. Constant mr
 * and nv per call site keep the accumulators in registers. */
QK_F32_INLINE_AVX2 void block(const qk_f32_tile *t, const qk_f32_epilogue *o, size_t j0, size_t jb, uint64_t *word,
                              const int mr, const int nv) {
    __m256 acc[QK_F32_MR][QK_F32_NV8];
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
            __m256 wv[QK_F32_NV8];
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
    qk_f32_epilogue8(acc, mr, nv, t->row0, jb, t->n, t->bias, o, word, (unsigned)(jb - j0));
}

#define QK_F32_BLOCK_CASE(mr, nv)                                                                                  \
    case (mr) * 8 + (nv): block(t, &out, j0, jb, word, mr, nv); break;

QK_F32_TARGET_AVX2 void qk_f32_tile_avx2(const qk_f32_tile *tile) {
    /* Local copies: the output stores could alias *tile and *tile->out as far as the compiler knows, which would
     * make it reload every field after every store. */
    const qk_f32_epilogue out = *tile->out;
    const qk_f32_tile tl = *tile, *t = &tl;
    /* Blocks of 16 channels, four to a 64-channel group whose sign bits are one word per row. */
    for (size_t j0 = 0; j0 < t->n; j0 += 64) {
        uint64_t word[QK_F32_MR] = {0};
        for (size_t jb = j0; jb < t->n && jb < j0 + 64; jb += 8 * QK_F32_NV8) {
            const size_t vecs = (t->n - jb + 7) / 8;
            const int nv = vecs < QK_F32_NV8 ? (int)vecs : QK_F32_NV8;
            switch ((int)t->rows * 8 + nv) {
                QK_F32_BLOCK_CASE(1, 1) QK_F32_BLOCK_CASE(1, 2) QK_F32_BLOCK_CASE(2, 1) QK_F32_BLOCK_CASE(2, 2)
                QK_F32_BLOCK_CASE(3, 1) QK_F32_BLOCK_CASE(3, 2) QK_F32_BLOCK_CASE(4, 1) QK_F32_BLOCK_CASE(4, 2)
            default: break;
            }
        }
        if (out.bits)
            for (size_t r = 0; r < t->rows; r++) out.bits[(t->row0 + r) * qk_words(t->n) + j0 / 64] = word[r];
    }
}

#endif
