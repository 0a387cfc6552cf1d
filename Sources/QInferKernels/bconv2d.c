/* bconv2d.c — binary k×k convolution as packed im2col + bgemm.
 *
 * Why im2col: a packed pixel is only qk_words(c) words, so one output row of im2col (kh·kw·cw words) is tiny and
 * contiguous; the GEMM microkernels then see one long K per row instead of kh·kw short ones. The copy costs
 * kh·kw·cw word moves per output pixel against cw·kh·kw·N XOR-popcounts of the GEMM (docs/BENCHMARKS.md measures it).
 *
 * Padding: im2col writes padded taps as zero words, which is +1 in our bit convention (one-padding, free).
 * Zero-padding is then exact by subtracting, for each border pixel, the sum of the ±1 weights at its padded taps
 * (those taps contributed 1·w instead of 0·w). Border pixels share a few patterns (which kernel rows / columns
 * fall outside), so the correction is one table row per pattern, from qk_conv_tap_sums: computed once at model load
 * (qk_bconv2d_prepare_corrections) or, without that, per call in the workspace. */
#include "qk_internal.h"

#include <limits.h>
#include <string.h>

/* Valid kernel-index range [k0, k1) along one axis for output index o. */
static void valid_range(size_t o, size_t stride, size_t pad, size_t ksize, size_t extent, size_t *k0, size_t *k1) {
    const long origin = (long)(o * stride) - (long)pad; /* input index of tap 0 */
    long lo = origin < 0 ? -origin : 0;
    long hi = (long)extent - origin;
    if (hi > (long)ksize) hi = (long)ksize;
    if (hi < lo) hi = lo;
    if (lo > (long)ksize) lo = hi = (long)ksize;
    *k0 = (size_t)lo;
    *k1 = (size_t)hi;
}

/* Groups output indices by their valid kernel range; ranges only shrink at the borders, so equal ones are
 * adjacent. Writes class ids and each class's [k0, k1) when the arrays are given; returns the class count. */
static size_t range_classes(size_t outs, size_t stride, size_t pad, size_t ksize, size_t extent, uint16_t *class_of,
                            uint16_t *class_k0, uint16_t *class_k1) {
    size_t classes = 0, pk0 = (size_t)-1, pk1 = (size_t)-1;
    for (size_t o = 0; o < outs; o++) {
        size_t k0, k1;
        valid_range(o, stride, pad, ksize, extent, &k0, &k1);
        if (k0 != pk0 || k1 != pk1) {
            if (class_k0) {
                class_k0[classes] = (uint16_t)k0;
                class_k1[classes] = (uint16_t)k1;
            }
            classes++;
            pk0 = k0;
            pk1 = k1;
        }
        if (class_of) class_of[o] = (uint16_t)(classes - 1);
    }
    return classes;
}

typedef struct {
    size_t cols_words, corr_ptrs, corr_table_ints, class_y, class_x;
} qk_conv_layout;

static size_t align64(size_t bytes) { return (bytes + 63) & ~(size_t)63; }

static qk_conv_layout conv_layout(const qk_bconv2d_args *c) {
    qk_conv_layout l = {0};
    l.cols_words = c->oh * c->ow * c->kh * c->kwid * qk_words(c->c);
    if (c->padding == QK_PAD_ZERO) {
        const size_t ny = range_classes(c->oh, c->stride, c->pad_top, c->kh, c->h, NULL, NULL, NULL);
        const size_t nx = range_classes(c->ow, c->stride, c->pad_left, c->kwid, c->w, NULL, NULL, NULL);
        l.corr_ptrs = c->oh * c->ow;
        l.corr_table_ints = ny * nx * qk_round_nr(c->n);
        l.class_y = c->oh;
        l.class_x = c->ow;
    }
    return l;
}

/* The zero-padding corrections: per-pixel row pointers, the pattern table they point into, class scratch. */
static size_t corrections_bytes(const qk_conv_layout *l) {
    return align64(l->corr_ptrs * sizeof(int32_t *)) + align64(l->corr_table_ints * 4) +
           align64(3 * (l->class_y + l->class_x) * sizeof(uint16_t));
}

size_t qk_bconv2d_corrections_bytes(const qk_bconv2d_args *c) {
    const qk_conv_layout l = conv_layout(c);
    return corrections_bytes(&l);
}

size_t qk_bconv2d_workspace_bytes(const qk_bconv2d_args *c) {
    const qk_conv_layout l = conv_layout(c);
    return align64(l.cols_words * 8) + (c->corrections ? 0 : corrections_bytes(&l));
}

/* Lowers output pixels [p0, p1) into their rows of `cols`.
 * Where a kernel row lies wholly inside the input, its kwid taps are kwid adjacent pixels: one contiguous run of
 * kwid·cw words, copied in one go (most pixels of a 3×3 convolution); border taps are copied or zeroed one by one. */
static void im2col(const qk_bconv2d_args *c, uint64_t *cols, size_t p0, size_t p1) {
    const size_t cw = qk_words(c->c), row_words = c->kh * c->kwid * cw, run = c->kwid * cw;
    for (size_t p = p0; p < p1; p++) {
        const size_t oy = p / c->ow, ox = p % c->ow;
        const long iy0 = (long)(oy * c->stride) - (long)c->pad_top, ix0 = (long)(ox * c->stride) - (long)c->pad_left;
        const int columns_inside = ix0 >= 0 && ix0 + (long)c->kwid <= (long)c->w;
        uint64_t *dst = cols + p * row_words;
        for (size_t ky = 0; ky < c->kh; ky++, dst += run) {
            const long iy = iy0 + (long)ky;
            if (iy < 0 || iy >= (long)c->h) {
                for (size_t q = 0; q < run; q++) dst[q] = 0;
                continue;
            }
            const uint64_t *row = c->in + (size_t)iy * c->w * cw;
            if (columns_inside) {
                const uint64_t *src = row + (size_t)ix0 * cw;
                for (size_t q = 0; q < run; q++) dst[q] = src[q];
                continue;
            }
            for (size_t kx = 0; kx < c->kwid; kx++) {
                const long ix = ix0 + (long)kx;
                uint64_t *tap = dst + kx * cw;
                if (ix < 0 || ix >= (long)c->w) {
                    for (size_t q = 0; q < cw; q++) tap[q] = 0;
                } else {
                    const uint64_t *src = row + (size_t)ix * cw;
                    for (size_t q = 0; q < cw; q++) tap[q] = src[q];
                }
            }
        }
    }
}

/* Fills one correction row per border pattern and points each pixel at its row; interior pixels get NULL. */
static void zero_pad_corrections(const qk_bconv2d_args *c, const int32_t **row_corr, int32_t *table, uint16_t *scratch) {
    const size_t nr = qk_round_nr(c->n);
    uint16_t *cy = scratch, *cx = cy + c->oh;
    uint16_t *y0 = cx + c->ow, *y1 = y0 + c->oh, *x0 = y1 + c->oh, *x1 = x0 + c->ow;
    const size_t ny = range_classes(c->oh, c->stride, c->pad_top, c->kh, c->h, cy, y0, y1);
    const size_t nx = range_classes(c->ow, c->stride, c->pad_left, c->kwid, c->w, cx, x0, x1);
    for (size_t yc = 0; yc < ny; yc++) {
        for (size_t xc = 0; xc < nx; xc++) {
            int32_t *corr = table + (yc * nx + xc) * nr;
            memset(corr, 0, nr * sizeof(int32_t));
            for (size_t ky = 0; ky < c->kh; ky++) {
                for (size_t kx = 0; kx < c->kwid; kx++) {
                    if (ky >= y0[yc] && ky < y1[yc] && kx >= x0[xc] && kx < x1[xc]) continue; /* a real pixel */
                    const int32_t *sums = c->tap_sums + (ky * c->kwid + kx) * nr;
                    for (size_t ch = 0; ch < nr; ch++) corr[ch] += sums[ch];
                }
            }
        }
    }
    for (size_t oy = 0; oy < c->oh; oy++) {
        const int full_y = y0[cy[oy]] == 0 && y1[cy[oy]] == c->kh;
        for (size_t ox = 0; ox < c->ow; ox++) {
            const int full = full_y && x0[cx[ox]] == 0 && x1[cx[ox]] == c->kwid;
            row_corr[oy * c->ow + ox] = full ? NULL : table + ((size_t)cy[oy] * nx + cx[ox]) * nr;
        }
    }
}

/* Lays the corrections out in `area` (corrections_bytes long) and fills them; returns the per-pixel pointers. */
static const int32_t *const *build_corrections(const qk_bconv2d_args *c, const qk_conv_layout *l, uint8_t *area) {
    const int32_t **row_corr = (const int32_t **)area;
    area += align64(l->corr_ptrs * sizeof(int32_t *));
    int32_t *table = (int32_t *)area;
    area += align64(l->corr_table_ints * 4);
    zero_pad_corrections(c, row_corr, table, (uint16_t *)area);
    return row_corr;
}

void qk_bconv2d_prepare_corrections(const qk_bconv2d_args *c, void *corrections) {
    if (c->padding != QK_PAD_ZERO || !c->tap_sums || c->oh == 0 || c->ow == 0) return;
    const qk_conv_layout l = conv_layout(c);
    build_corrections(c, &l, corrections);
}

/* Threads split the output pixels into bands and each lowers its own band before multiplying it: the im2col rows
 * are then written and read by the same core. Lowering on one thread and multiplying on several moved every row a
 * worker reads from the lowering core's cache to its own, and back for the next call's writes, which cost more
 * than the second core gave (measured with `qinfer bench kernels` on IR-Net's 14×14×64 layer). */
typedef struct {
    const qk_bconv2d_args *c;
    const qk_bgemm_args *g;
    qk_bgemm_fn bgemm;
    uint64_t *cols;
    size_t panels;
} qk_conv_split;

enum { QK_CONV_BAND_GRAIN = 4 }; /* pixels: the GEMM microkernels' row block */

static void conv_band(void *ctx, int index, int count) {
    const qk_conv_split *s = ctx;
    size_t p0, p1;
    if (!qk_band(s->g->m, QK_CONV_BAND_GRAIN, index, count, &p0, &p1)) return;
    im2col(s->c, s->cols, p0, p1);
    s->bgemm(s->g, p0, p1, 0, s->panels);
}

int qk_bconv2d(qk_isa isa, qk_pool *pool, int threads, const qk_bconv2d_args *c, void *workspace) {
    if (c->kh == 0 || c->kwid == 0 || c->stride == 0 || c->c == 0 || c->h == 0 || c->w == 0) return -1;
    if (c->padding == QK_PAD_ZERO && !c->tap_sums) return -1;
    const size_t taps = c->kh * c->kwid;
    if (taps * c->c > (size_t)INT32_MAX / 2) return -1;
    if (c->oh == 0 || c->ow == 0 || c->n == 0) return 0;
    const qk_conv_layout l = conv_layout(c);
    uint64_t *cols = workspace;
    const int32_t *const *row_corr = NULL;
    if (c->padding == QK_PAD_ZERO) {
        /* Prepared at model load when the caller did (the table depends only on the geometry and the weights). */
        row_corr = c->corrections ? (const int32_t *const *)c->corrections
                                  : build_corrections(c, &l, (uint8_t *)workspace + align64(l.cols_words * 8));
    }

    const qk_bgemm_args g = {
        .m = c->oh * c->ow,
        .n = c->n,
        .kw = taps * qk_words(c->c),
        .k_bits = (int32_t)(taps * c->c),
        .a = cols,
        .lda = taps * qk_words(c->c),
        .w = c->weights,
        .row_corr = row_corr,
        .out = c->out,
    };
    if (threads > qk_pool_size(pool)) threads = qk_pool_size(pool);
    const size_t blocks = (g.m + QK_CONV_BAND_GRAIN - 1) / QK_CONV_BAND_GRAIN;
    if (threads <= 1 || blocks < (size_t)threads) {
        /* One thread, or too few pixels to band: lower everything, then let the GEMM split channels if it can. */
        im2col(c, cols, 0, g.m);
        qk_bgemm_mt(isa, pool, threads, &g);
        return 0;
    }
    const qk_conv_split split = {.c = c, .g = &g, .bgemm = qk_kernels_for(isa)->bgemm, .cols = cols,
                                 .panels = qk_round_nr(c->n) / QK_NR};
    qk_pool_run(pool, threads, conv_band, (void *)&split);
    return 0;
}
