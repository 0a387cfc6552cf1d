/* f32_dispatch.c — picks the FP32 variant for an ISA and cuts dense layers and convolutions into tiles
 * (f32_internal.h says why one tile shape serves both). Kept apart from dispatch.c's bgemm table on purpose:
 * the FP32 family has its own owner and its own two functions per ISA. */
#include "f32_internal.h"

typedef struct {
    qk_f32_tile_fn tile;
    qk_f32_eltwise_fn eltwise;
} f32_ops;

static f32_ops ops_for(qk_isa isa) {
    switch (isa) {
#if defined(__x86_64__)
    case QK_ISA_AVX2: return (f32_ops){qk_f32_tile_avx2, qk_f32_eltwise_avx2};
    case QK_ISA_AVX512: return (f32_ops){qk_f32_tile_avx512, qk_f32_eltwise_avx512};
#endif
#if defined(__aarch64__)
    case QK_ISA_NEON: return (f32_ops){qk_f32_tile_neon, qk_f32_eltwise_neon};
#endif
    default: return (f32_ops){qk_f32_tile_scalar, qk_f32_eltwise_scalar}; /* popcnt adds nothing to float code */
    }
}

void qk_f32_dense(qk_isa isa, const qk_f32_dense_args *a) {
    if (a->rows == 0 || a->n == 0) return;
    const qk_f32_tile_fn tile = ops_for(isa).tile;
    qk_f32_tile t = {
        .segs = a->k ? 1 : 0, /* k = 0: no run at all, so no pointer into an empty weight array is formed */
        .len = a->k,
        .w = a->weights,
        .ocp = qk_f32_padded(a->n),
        .n = a->n,
        .bias = a->bias,
        .out = &a->out,
    };
    for (size_t r0 = 0; r0 < a->rows; r0 += QK_F32_MR) {
        t.rows = a->rows - r0 < QK_F32_MR ? a->rows - r0 : QK_F32_MR;
        for (size_t r = 0; r < t.rows; r++) t.x[r] = a->x + (r0 + r) * a->k;
        t.row0 = r0;
        tile(&t);
    }
}

/* Valid kernel offsets [*k0, *k1) for output coordinate o along one axis: o·stride + k − pad ∈ [0, size). */
static void valid_range(size_t o, size_t stride, size_t pad, size_t size, size_t kernel, size_t *k0, size_t *k1) {
    const long long base = (long long)(o * stride) - (long long)pad; /* input coordinate of kernel offset 0 */
    long long lo = base < 0 ? -base : 0;
    long long hi = (long long)size - base;
    if (hi > (long long)kernel) hi = (long long)kernel;
    if (lo > (long long)kernel) lo = (long long)kernel;
    if (hi < lo) hi = lo;
    *k0 = (size_t)lo;
    *k1 = (size_t)hi;
}

void qk_f32_conv2d(qk_isa isa, const qk_f32_conv2d_args *a) {
    const size_t pixels = a->oh * a->ow;
    if (pixels == 0 || a->oc == 0) return;
    const qk_f32_tile_fn tile = ops_for(isa).tile;
    const size_t ocp = qk_f32_padded(a->oc);
    qk_f32_tile t = {.x_step = a->w * a->ic, .w_step = a->kw * a->ic * ocp, .ocp = ocp, .n = a->oc,
                     .bias = a->bias, .out = &a->out};
    size_t p = 0;
    while (p < pixels) {
        const size_t oy = p / a->ow, ox = p % a->ow;
        size_t ky0, ky1, kx0, kx1;
        valid_range(oy, a->stride, a->pad_top, a->h, a->kh, &ky0, &ky1);
        valid_range(ox, a->stride, a->pad_left, a->w, a->kw, &kx0, &kx1);
        /* Extend the tile over following pixels (across output rows too) while their tap rectangle is the same. */
        size_t rows = 1;
        while (rows < QK_F32_MR && p + rows < pixels) {
            const size_t qy = (p + rows) / a->ow, qx = (p + rows) % a->ow;
            size_t qy0, qy1, qx0, qx1;
            valid_range(qy, a->stride, a->pad_top, a->h, a->kh, &qy0, &qy1);
            valid_range(qx, a->stride, a->pad_left, a->w, a->kw, &qx0, &qx1);
            if (qy0 != ky0 || qy1 != ky1 || qx0 != kx0 || qx1 != kx1) break;
            rows++;
        }
        t.rows = rows;
        t.row0 = p;
        t.len = (kx1 - kx0) * a->ic;
        t.segs = t.len ? ky1 - ky0 : 0;
        if (t.segs) {
            t.w = a->weights + (ky0 * a->kw + kx0) * a->ic * ocp;
            for (size_t r = 0; r < rows; r++) {
                const size_t py = (p + r) / a->ow, px = (p + r) % a->ow;
                const size_t iy = py * a->stride + ky0 - a->pad_top, ix = px * a->stride + kx0 - a->pad_left;
                t.x[r] = a->x + (iy * a->w + ix) * a->ic;
            }
        }
        tile(&t);
        p += rows;
    }
}

void qk_f32_eltwise(qk_isa isa, size_t rows, size_t c, const float *a, const qk_f32_epilogue *out) {
    if (rows == 0 || c == 0) return;
    ops_for(isa).eltwise(rows, c, a, out);
}
