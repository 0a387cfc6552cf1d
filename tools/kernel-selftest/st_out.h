/* st_out.h — output transforms and output buffers shared by the bgemm and bconv checks. */
#ifndef ST_OUT_H
#define ST_OUT_H

#include "st.h"

/* Per-channel transform parameters, qk_round_nr(n) entries each as the API requires; the entries past n hold
 * garbage (NaN, infinities, random thresholds and flip bits) so any variant that lets them leak is caught. */
typedef struct {
    size_t n;
    float *mul, *bias;
    int32_t *thresh;
    uint64_t *flip;
} st_affine;

/** Random BatchNorm-like mul/bias (negative, ±0, NaN scales; biases that put y = 0 exactly on an integer acc)
 *  and the thresh/flip qk_threshold_from_affine derives for accumulators in [−acc_bound, acc_bound]. */
void st_affine_make(st_affine *t, st_rng *r, size_t n, int32_t acc_bound);
void st_affine_free(st_affine *t);
/** What QK_OUT_FLOAT must produce for one accumulator: two roundings, no FMA (the driver builds with
 *  -ffp-contract=off, so these two statements stay two operations). */
float st_affine_apply(const st_affine *t, size_t ch, int32_t acc);

/* One output destination: rows × ldo elements (words for QK_OUT_BITS) plus a guard after the last row, all
 * preset to random garbage that is remembered, so untouched padding and guard can be verified exactly. */
typedef struct {
    qk_out_kind kind;
    size_t rows, n, ldo;
    size_t elem;  /* bytes per element: 4, or 8 for a packed word */
    size_t live;  /* elements per row the kernel owns: n, or qk_words(n) words */
    size_t bytes; /* rows·ldo·elem + guard */
    uint8_t *init, *buf;
} st_outbuf;

/** ldo_extra: elements (words for bits) of row padding after the live part. */
void st_outbuf_make(st_outbuf *o, st_rng *r, qk_out_kind kind, size_t rows, size_t n, size_t ldo_extra);
void st_outbuf_free(st_outbuf *o);
/** Restores the garbage, so one buffer can take several runs. */
void st_outbuf_reset(st_outbuf *o);
qk_output st_outbuf_target(st_outbuf *o, const st_affine *t);

/* Element accessors for expected values written by the driver. */
static inline int32_t *st_out_i32(st_outbuf *o, size_t row) { return (int32_t *)o->buf + row * o->ldo; }
static inline float *st_out_f32(st_outbuf *o, size_t row) { return (float *)o->buf + row * o->ldo; }
static inline uint64_t *st_out_bits(st_outbuf *o, size_t row) { return (uint64_t *)o->buf + row * o->ldo; }

/** Fills the live part of `want` (same geometry as it was made with) from accumulators acc[row·n + ch]. */
void st_outbuf_expect(st_outbuf *want, const st_affine *t, const int32_t *acc);

/** Reports (via st_fail) the first live element where got differs from want (want may be NULL: skip that),
 *  any write to row padding or to the guard, and set tail bits in a packed row. `ref` names want in messages. */
void st_check_output(const st_outbuf *got, const st_outbuf *want, const char *ref);
/** Reports the first channel where the packed bit is not !(y ≥ 0) of the same ISA's float output. */
void st_check_bits_match_float(const st_outbuf *bits, const st_outbuf *flt);

/** Name of an output kind for messages. */
const char *st_kind_name(qk_out_kind kind);

#endif
