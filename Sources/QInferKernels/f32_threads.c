/* f32_threads.c — FP32 dense and convolution over a pool. Each worker runs the single-threaded kernel on a band of
 * output rows described as a smaller layer of its own (pointers and padding shifted), so the kernels stay unaware
 * of threads and every value is computed exactly as in one call. */
#include "include/qk_f32_threads.h"
#include "qk_internal.h"

/* Bands are whole multiples of this many rows: the microkernels' row tile (QK_F32_MR in f32_internal.h), so a
 * split never leaves a worker a partial tile in the middle of the layer. */
#define QK_F32_BAND_GRAIN 4

typedef struct {
    qk_isa isa;
    const void *args;
    size_t units; /* rows to split */
} qk_f32_split;

/* The epilogue of rows [r0, …) of an output n values wide. */
static qk_f32_epilogue shifted(qk_f32_epilogue o, size_t r0, size_t n) {
    if (o.residual) o.residual += r0 * n;
    if (o.y) o.y += r0 * n;
    if (o.bits) o.bits += r0 * qk_words(n);
    return o;
}

static void dense_band(void *ctx, int index, int count) {
    const qk_f32_split *s = ctx;
    size_t r0, r1;
    if (!qk_band(s->units, QK_F32_BAND_GRAIN, index, count, &r0, &r1)) return;
    qk_f32_dense_args a = *(const qk_f32_dense_args *)s->args;
    a.x += r0 * a.k;
    a.rows = r1 - r0;
    a.out = shifted(a.out, r0, a.n);
    qk_f32_dense(s->isa, &a);
}

void qk_f32_dense_mt(qk_isa isa, qk_pool *pool, int threads, const qk_f32_dense_args *args) {
    if (threads > qk_pool_size(pool)) threads = qk_pool_size(pool);
    const size_t blocks = (args->rows + QK_F32_BAND_GRAIN - 1) / QK_F32_BAND_GRAIN;
    if (blocks < (size_t)threads) threads = (int)blocks;
    if (threads <= 1) {
        qk_f32_dense(isa, args);
        return;
    }
    qk_f32_split s = {.isa = isa, .args = args, .units = args->rows};
    qk_pool_run(pool, threads, dense_band, &s);
}

/* Output rows [oy0, oy1) of a convolution as a convolution of their own: input row iy = oy·stride + ky − pad_top,
 * so starting at oy0 moves the top padding up by oy0·stride, and past the padding, the input itself. The taps each
 * output reads, and their order, do not change. */
static void conv_band(void *ctx, int index, int count) {
    const qk_f32_split *s = ctx;
    size_t oy0, oy1;
    if (!qk_band(s->units, QK_F32_BAND_GRAIN, index, count, &oy0, &oy1)) return;
    qk_f32_conv2d_args a = *(const qk_f32_conv2d_args *)s->args;
    const size_t shift = oy0 * a.stride;
    if (shift <= a.pad_top) {
        a.pad_top -= shift;
    } else {
        const size_t rows = shift - a.pad_top; /* < h: checked by qk_f32_conv2d_mt */
        a.x += rows * a.w * a.ic;
        a.h -= rows;
        a.pad_top = 0;
    }
    a.out = shifted(a.out, oy0 * a.ow, a.oc);
    a.oh = oy1 - oy0;
    qk_f32_conv2d(s->isa, &a);
}

void qk_f32_conv2d_mt(qk_isa isa, qk_pool *pool, int threads, const qk_f32_conv2d_args *args) {
    if (threads > qk_pool_size(pool)) threads = qk_pool_size(pool);
    const size_t blocks = (args->oh + QK_F32_BAND_GRAIN - 1) / QK_F32_BAND_GRAIN;
    if (blocks < (size_t)threads) threads = (int)blocks;
    /* A band starting in the bottom padding would need an input of no rows: such layers stay on one thread. */
    const int geometry_splits = args->oh == 0 || (args->oh - 1) * args->stride < args->h + args->pad_top;
    if (threads <= 1 || !geometry_splits) {
        qk_f32_conv2d(isa, args);
        return;
    }
    qk_f32_split s = {.isa = isa, .args = args, .units = args->oh};
    qk_pool_run(pool, threads, conv_band, &s);
}
