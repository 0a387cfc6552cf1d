/* bmaxpool_internal.h — what the per-ISA variants of the fused binary layer + max over rows share. Not installed.
 *
 * Every variant computes, for each channel of panels [p0, p1), the smallest popcount(A[m] XOR W'[j]) over all rows
 * against the prepared weights W' and hands it to qk_bmaxpool_finish, which owns all of the float semantics. The
 * variants differ only in how fast they find that minimum. Kept apart from qk_isa_kernels (qk_internal.h) on
 * purpose: this family has its own small dispatch (bmaxpool_dispatch.c). */
#ifndef BMAXPOOL_INTERNAL_H
#define BMAXPOOL_INTERNAL_H

#include "qk_internal.h"

#include <math.h>

/* Writes y for the live channels of panels [p0, p1). Disjoint panel ranges write disjoint channels. */
typedef void (*qk_bmaxpool_fn)(const qk_bmaxpool_args *g, size_t p0, size_t p1);

typedef struct {
    qk_bmaxpool_fn run;
    size_t panel_block; /* panels the variant keeps in registers at once: threads split in multiples of it */
} qk_bmaxpool_variant;

/** The variant for isa (scalar for an ISA this build does not have; callers check qk_isa_supported). */
const qk_bmaxpool_variant *qk_bmaxpool_variant_for(qk_isa isa);

/** Channels whose prepared weights are inverted: only there is "best row" the largest popcount. */
static inline int qk_bmaxpool_inverted(float mul) { return isfinite(mul) && mul < 0.0f; }

/** Channels where (float)acc·mul + bias is monotone in acc and never NaN, so the best popcount decides the max:
 *  mul finite and nonzero (±0 makes every row tie at ±bias, and which zero wins depends on the rows), bias finite
 *  (+inf − inf would be NaN). Overflow to ±inf is still monotone. */
static inline int qk_bmaxpool_monotone(float mul, float bias) {
    return isfinite(mul) && mul != 0.0f && isfinite(bias);
}

/** Portable popcount (the reference and the rare exact path need no popcnt instruction). */
static inline uint32_t qk_bmaxpool_popcount64(uint64_t x) {
    x = x - ((x >> 1) & 0x5555555555555555ull);
    x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
    return (uint32_t)((x * 0x0101010101010101ull) >> 56);
}

/** Writes y for the live channels of panel p from each channel's smallest prepared popcount over all rows (entries
 *  of dead channels are ignored; so is the whole entry of a channel that takes the exact path). */
void qk_bmaxpool_finish(const qk_bmaxpool_args *g, size_t p, const uint32_t min_pop[QK_NR]);

#endif
