/* f32_tile_avx512.c — AVX-512 FP32 tile for dense and conv2d: 4 output rows × 4 zmm (64 channels, one bit-output
 * word) = 16 accumulators. Each input step loads 4 weight vectors and broadcasts 4 inputs for 16 multiplies and 16
 * adds, kept separate (no FMA) so every output is summed exactly as the scalar reference sums it.
 *
 * Test builds on CPUs without AVX-512 define QK_AVX512_VIA_SIMDE and compile this file against SIMDe. */
#if defined(QK_AVX512_VIA_SIMDE)
#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/x86/avx512.h>
#elif defined(__x86_64__)
#include <immintrin.h>
#endif

#include "f32_internal.h"

#if defined(__x86_64__)
#include "f32_epilogue_avx512.h"

/* One block: mr rows × nv vectors of channels from j0 (a multiple of 64). Constant mr and nv per call site keep the
 * accumulators in registers. */
QK_F32_INLINE_AVX512 void block(const qk_f32_tile *t, const qk_f32_epilogue *o, size_t j0, const int mr,
                                const int nv) {
    __m512 acc[QK_F32_MR][QK_F32_NV16];
    QK_F32_UNROLL
    for (int r = 0; r < mr; r++)
        QK_F32_UNROLL
        for (int v = 0; v < nv; v++) acc[r][v] = _mm512_setzero_ps(); /* +0: the reference's starting value */
    for (size_t s = 0; s < t->segs; s++) {
        const float *w = t->w + s * t->w_step + j0;
        const float *x[QK_F32_MR];
        QK_F32_UNROLL
        for (int r = 0; r < mr; r++) x[r] = t->x[r] + s * t->x_step;
        for (size_t i = 0; i < t->len; i++, w += t->ocp) {
            __m512 wv[QK_F32_NV16];
            QK_F32_UNROLL
            for (int v = 0; v < nv; v++) wv[v] = _mm512_loadu_ps(w + 16 * v);
            QK_F32_UNROLL
            for (int r = 0; r < mr; r++) {
                const __m512 b = _mm512_set1_ps(x[r][i]);
                QK_F32_UNROLL
                for (int v = 0; v < nv; v++) acc[r][v] = _mm512_add_ps(acc[r][v], _mm512_mul_ps(b, wv[v]));
            }
        }
    }
    uint64_t word[QK_F32_MR] = {0};
    qk_f32_epilogue16(acc, mr, nv, t->row0, j0, t->n, t->bias, o, word);
    /* the block is the whole word: channels past n (and past the last vector) are 0 bits */
    if (o->bits) {
        QK_F32_UNROLL
        for (int r = 0; r < mr; r++) o->bits[(t->row0 + (size_t)r) * qk_words(t->n) + j0 / 64] = word[r];
    }
}

#define QK_F32_BLOCK_CASE(mr, nv)                                                                                  \
    case (mr) * 8 + (nv): block(t, &out, j0, mr, nv); break;

QK_F32_TARGET_AVX512 void qk_f32_tile_avx512(const qk_f32_tile *tile) {
    /* Local copies: the output stores could alias *tile and *tile->out as far as the compiler knows, which would
     * make it reload every field after every store. */
    const qk_f32_epilogue out = *tile->out;
    const qk_f32_tile tl = *tile, *t = &tl;
    for (size_t j0 = 0; j0 < t->n; j0 += 16 * QK_F32_NV16) {
        const size_t vecs = (t->n - j0 + 15) / 16;
        const int nv = vecs < QK_F32_NV16 ? (int)vecs : QK_F32_NV16;
        switch ((int)t->rows * 8 + nv) {
            QK_F32_BLOCK_CASE(1, 1) QK_F32_BLOCK_CASE(1, 2) QK_F32_BLOCK_CASE(1, 3) QK_F32_BLOCK_CASE(1, 4)
            QK_F32_BLOCK_CASE(2, 1) QK_F32_BLOCK_CASE(2, 2) QK_F32_BLOCK_CASE(2, 3) QK_F32_BLOCK_CASE(2, 4)
            QK_F32_BLOCK_CASE(3, 1) QK_F32_BLOCK_CASE(3, 2) QK_F32_BLOCK_CASE(3, 3) QK_F32_BLOCK_CASE(3, 4)
            QK_F32_BLOCK_CASE(4, 1) QK_F32_BLOCK_CASE(4, 2) QK_F32_BLOCK_CASE(4, 3) QK_F32_BLOCK_CASE(4, 4)
        default: break;
        }
    }
}

#endif
