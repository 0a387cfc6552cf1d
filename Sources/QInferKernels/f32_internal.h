/* f32_internal.h — the one microkernel shape behind qk_f32_dense and qk_f32_conv2d, and the per-ISA entry points.
 * Not installed.
 *
 * Dense and convolution reduce to the same tile: up to QK_F32_MR consecutive output rows (dense rows or output
 * pixels) whose inputs are `segs` runs of `len` contiguous floats. A convolution's valid taps always form a rectangle
 * [ky0, ky1) × [kx0, kx1), and for one kernel row the taps kx0..kx1 and their channels are contiguous in NHWC input
 * and in the prepared [kh][kw][ic][oc] weights, so each kernel row is one run; dense is one run of k. Pixels are
 * grouped into a tile only when their rectangles are equal, so every row of a tile sums the same taps in the same
 * order, which is what lets one broadcast input meet one vector of weights for all channels. */
#ifndef QK_F32_INTERNAL_H
#define QK_F32_INTERNAL_H

#include "include/qk_f32.h"

/* Multiply and add must round separately, as in the reference executor; GCC gets -ffp-contract=off instead. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

/* Full unrolling of the loops over a tile's rows and vectors: left as loops, the accumulators live in stack memory
 * (they are indexed by a loop variable), which for short sums such as k = 3 costs more than the arithmetic. */
#define QK_F32_UNROLL _Pragma("GCC unroll 16")

#define QK_F32_MR 4 /* output rows per tile: 4 broadcasts amortize each weight vector load */

/** Channels of prepared weights (the row stride of the prepared matrix). */
static inline size_t qk_f32_padded(size_t n) { return (n + QK_F32_CHANNEL_PAD - 1) / QK_F32_CHANNEL_PAD * QK_F32_CHANNEL_PAD; }

typedef struct {
    size_t rows;                   /* 1..QK_F32_MR */
    const float *x[QK_F32_MR];     /* row r's first input of run 0 */
    size_t segs, len;              /* runs and floats per run; segs = 0 means no valid input (acc stays +0) */
    size_t x_step;                 /* floats between the starts of consecutive runs in x */
    const float *w;                /* prepared weights of run 0's first input, channel 0 */
    size_t w_step;                 /* floats between the starts of consecutive runs in w */
    size_t ocp;                    /* prepared row stride, qk_f32_padded(n) */
    size_t n;                      /* live output channels */
    const float *bias;             /* [n] or NULL */
    size_t row0;                   /* output row of tile row 0; tile rows are consecutive output rows */
    const qk_f32_epilogue *out;
} qk_f32_tile;

typedef void (*qk_f32_tile_fn)(const qk_f32_tile *tile);
typedef void (*qk_f32_eltwise_fn)(size_t rows, size_t c, const float *a, const qk_f32_epilogue *out);

void qk_f32_tile_scalar(const qk_f32_tile *tile);
void qk_f32_eltwise_scalar(size_t rows, size_t c, const float *a, const qk_f32_epilogue *out);
#if defined(__x86_64__)
void qk_f32_tile_avx2(const qk_f32_tile *tile);
void qk_f32_eltwise_avx2(size_t rows, size_t c, const float *a, const qk_f32_epilogue *out);
void qk_f32_tile_avx512(const qk_f32_tile *tile);
void qk_f32_eltwise_avx512(size_t rows, size_t c, const float *a, const qk_f32_epilogue *out);
#endif
#if defined(__aarch64__)
void qk_f32_tile_neon(const qk_f32_tile *tile);
void qk_f32_eltwise_neon(size_t rows, size_t c, const float *a, const qk_f32_epilogue *out);
#endif

/** Swift's min(max(v, lo), hi), spelled with the same comparisons so NaN and ±0 come out the same. */
static inline float qk_f32_clamp(float v, float lo, float hi) {
    const float t = lo >= v ? lo : v;
    return hi < t ? hi : t;
}

/** The epilogue after the bias for channels j0 .. j0+m of row `row` (m ≤ 64, j0 a multiple of 64: one word of sign
 *  bits), in place on v[0..m). One loop per stage rather than one pass with every test per value: each loop is
 *  plain enough for the compiler to vectorize without changing a result, which keeps the scalar variant (also what
 *  popcnt-only x86 runs) from being the slowest way to do an elementwise pass. */
static inline void qk_f32_finish_chunk(const qk_f32_epilogue *o, size_t row, size_t n, size_t j0, size_t m, float *v) {
    if (o->residual) {
        const float *res = o->residual + row * n + j0;
        for (size_t i = 0; i < m; i++) v[i] = v[i] + res[i];
    }
    if (o->clamp) {
        const float lo = o->lo, hi = o->hi;
        for (size_t i = 0; i < m; i++) v[i] = qk_f32_clamp(v[i], lo, hi);
    }
    if (o->y) {
        float *y = o->y + row * n + j0;
        for (size_t i = 0; i < m; i++) y[i] = v[i];
    }
    if (o->bits) {
        uint64_t word = 0; /* bits past m stay 0 */
        for (size_t i = 0; i < m; i++) word |= (uint64_t)(v[i] < 0.0f) << i;
        o->bits[row * qk_words(n) + j0 / 64] = word;
    }
}

#endif
