/* qk_kernels.h — public entry points of QInferKernels (C, no allocation, no I/O in the hot paths).
 * Conventions (bit order, panel layout, output transforms) are in qk_types.h.
 */
#ifndef QK_KERNELS_H
#define QK_KERNELS_H

#include "qk_types.h"
#include "qk_f32.h"
#include "qk_threadpool.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- ISA selection ---------------------------------------------------------------------------- */

/** Lower-case name of an ISA ("scalar", "popcnt", "avx2", "avx512", "neon"). */
const char *qk_isa_name(qk_isa isa);
/** Parses a name from qk_isa_name; returns 0 on success, −1 for an unknown name. */
int qk_isa_parse(const char *name, qk_isa *out);
/** 1 if this build has the variant and this CPU can run it. */
int qk_isa_supported(qk_isa isa);
/** The ISA to use: QINFER_ISA from the environment if set, else the fastest supported one (AVX-512, AVX2, NEON,
 *  popcnt, scalar, in that order).
 *  Returns 0, or −1 when QINFER_ISA is unknown or unsupported here (a message is written to err). */
int qk_isa_select(qk_isa *out, char *err, size_t errlen);
/** qk_isa_select for an explicit override value (NULL or "" = none). */
int qk_isa_select_from(const char *override_name, qk_isa *out, char *err, size_t errlen);

/* ---- bit-packing ------------------------------------------------------------------------------ */

/** Packs `rows` rows of k floats (ldx floats apart) into rows of qk_words(k) words (ldo words apart): bit = x < 0. */
void qk_bitpack_f32(qk_isa isa, const float *x, size_t rows, size_t k, size_t ldx, uint64_t *out, size_t ldo);

/* ---- weights and transforms, computed once at model load -------------------------------------- */

/** Reorders n weight rows of kw words (row-major) into the panel layout (qk_panel_words(n, kw) words). */
void qk_pack_panels(const uint64_t *rows, size_t n, size_t kw, uint64_t *panels);

/** Derives the QK_OUT_BITS threshold and flip bit that reproduce, for every acc in [−k, k],
 *  bit = !((float)acc·mul + bias ≥ 0) exactly as QK_OUT_FLOAT would compute it (BatchNorm scale may be negative,
 *  zero or NaN). flip is the channel's direction bit (0 or 1). */
void qk_threshold_from_affine(float mul, float bias, int32_t k, int32_t *thresh, int *flip);

/* ---- binary GEMM ------------------------------------------------------------------------------ */

/** One binary GEMM: for m < M, n < N, acc[m][n] = k_bits − 2·popcount(A[m] XOR W[n]) − row_corr[m][n]. */
typedef struct {
    size_t m, n;                    /* rows (points, pixels) and output channels */
    size_t kw;                      /* 64-bit words per row of A and per channel of W */
    int32_t k_bits;                 /* K, the number of real ±1 elements per row */
    const uint64_t *a;              /* row m at a + m·lda */
    size_t lda;                     /* words, ≥ kw */
    const uint64_t *w;              /* panel layout, qk_panel_words(n, kw) words */
    const int32_t *const *row_corr; /* optional; row_corr[m] NULL or qk_round_nr(n) ints subtracted from acc */
    qk_output out;
} qk_bgemm_args;

/** Single-threaded binary GEMM with the given ISA (which must be supported). */
void qk_bgemm(qk_isa isa, const qk_bgemm_args *args);
/** Same result, with rows or panels split across `threads` workers of the pool (pool may be NULL for 1). */
void qk_bgemm_mt(qk_isa isa, qk_pool *pool, int threads, const qk_bgemm_args *args);

/* ---- binary 2-D convolution ------------------------------------------------------------------- */

/** One binary k×k convolution over one packed NHWC image. */
typedef struct {
    size_t h, w, c;           /* input height, width, channels; a pixel is qk_words(c) words */
    const uint64_t *in;       /* [h][w][qk_words(c)] */
    size_t kh, kwid;          /* kernel height, width */
    size_t stride;            /* 1 or 2 (any ≥ 1 works) */
    size_t pad_top, pad_left; /* padding before the first row / column; the output size says the rest */
    size_t oh, ow;            /* output height, width */
    qk_padding padding;
    size_t n;                 /* output channels */
    const uint64_t *weights;  /* panels of rows [ky][kx][qk_words(c)] words: qk_panel_words(n, kh·kwid·qk_words(c)) */
    const int32_t *tap_sums;  /* QK_PAD_ZERO: [kh·kwid][qk_round_nr(n)] from qk_conv_tap_sums; else unused */
    const void *corrections;  /* optional, QK_PAD_ZERO: from qk_bconv2d_prepare_corrections for this geometry and
                                 these tap sums (NULL: computed per call in the workspace) */
    qk_output out;            /* rows are output pixels oy·ow + ox */
} qk_bconv2d_args;

/** Per tap and channel, the sum of the ±1 weights (c − 2·popcount): the zero-padding correction table. */
void qk_conv_tap_sums(const uint64_t *panels, size_t n, size_t c, size_t taps, int32_t *tap_sums);
/** Bytes of scratch memory qk_bconv2d needs (64-byte aligned by the caller); less when args->corrections is set. */
size_t qk_bconv2d_workspace_bytes(const qk_bconv2d_args *args);
/** Bytes of the zero-padding corrections of this geometry (64-byte aligned by the caller). */
size_t qk_bconv2d_corrections_bytes(const qk_bconv2d_args *args);
/** Once at load: the zero-padding corrections into `corrections` (qk_bconv2d_corrections_bytes long), to be passed
 *  as args->corrections. They point into themselves, so the buffer must not move. No-op for QK_PAD_ONE. */
void qk_bconv2d_prepare_corrections(const qk_bconv2d_args *args, void *corrections);
/** Binary convolution by packed im2col + bgemm; returns 0, or −1 if the geometry is inconsistent. */
int qk_bconv2d(qk_isa isa, qk_pool *pool, int threads, const qk_bconv2d_args *args, void *workspace);

/* ---- binary layer fused with the max over its rows (BiPointNet's max-pool over points) ---------------- */

/** y[j] = max over rows m < M of ((float)acc[m][j]·mul[j] + bias[j]) + offset, acc = k_bits − 2·popcount(A[m] XOR W[j]),
 *  bit for bit what QK_OUT_FLOAT followed by the running max `best = v[0]; if (v[m] > best) best = v[m]` computes
 *  (two roundings, then one for + offset), but without any [M, N] float matrix: the affine map is monotone in acc, so
 *  only the best popcount of each channel is kept while the rows stream, and the map runs once per channel. */
typedef struct {
    size_t m, n;            /* rows (points) and output channels; M = 0 leaves y untouched */
    size_t kw;              /* 64-bit words per row of A and per channel of W */
    int32_t k_bits;         /* K, the number of real ±1 elements per row (tail bits of A and W are 0) */
    const uint64_t *a;      /* row m at a + m·lda */
    size_t lda;             /* words, ≥ kw */
    const uint64_t *w;      /* from qk_bmaxpool_prepare with the same n, kw, k_bits and mul */
    const float *mul;       /* qk_round_nr(n) each, as for QK_OUT_FLOAT */
    const float *bias;      /* qk_round_nr(n) */
    float offset;           /* added after the max (BiPointNet's entropy-maximizing aggregation offset) */
    float *y;               /* n floats */
} qk_bmaxpool_args;

/** Words of the prepared weights qk_bmaxpool reads (the panel layout: qk_panel_words(n, kw)). */
size_t qk_bmaxpool_prepared_words(size_t n, size_t kw);
/** Once at load: copies panels (qk_pack_panels layout) to `prepared` with the k_bits valid bits of every channel whose
 *  mul is finite and < 0 inverted (tail bits stay 0), so popcount(a XOR w') = k_bits − popcount(a XOR w) and the
 *  best row of every channel is the one with the smallest popcount. */
void qk_bmaxpool_prepare(const uint64_t *panels, size_t n, size_t kw, int32_t k_bits, const float *mul,
                         uint64_t *prepared);
/** The fused layer with the given ISA (which must be supported). Channels with mul = ±0, ±inf or NaN, or a non-finite
 *  bias, take an exact scalar path (the map is not monotone or not NaN-free there). `threads` workers of the pool
 *  (pool may be NULL for 1) split the channels in one parallel region. */
void qk_bmaxpool(qk_isa isa, qk_pool *pool, int threads, const qk_bmaxpool_args *args);

#ifdef __cplusplus
}
#endif
#endif
