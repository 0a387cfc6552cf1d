/* qkb_roofline.h — per-ISA ceilings for binary MACs: the tightest XOR + popcount + accumulate loop each ISA allows
 * over L1-resident data. A kernel's GMAC/s divided by its ISA's roofline says how much of the core it uses. */
#ifndef QKB_ROOFLINE_H
#define QKB_ROOFLINE_H

#include <stdint.h>

#include "qk_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Words each thread streams per pass: 4 KB, small enough to stay in any L1D. */
#define QKB_ROOFLINE_WORDS 512

typedef struct qkb_roofline qkb_roofline;

/** 1 if this build has a roofline loop for isa and this CPU can execute it. */
int qkb_roofline_available(qk_isa isa);
/** Per-thread buffers of random words for up to `threads` threads; NULL on allocation failure. */
qkb_roofline *qkb_roofline_create(int threads);
void qkb_roofline_destroy(qkb_roofline *r);
/** Binary MACs (bits XOR-popcounted) one thread does per pass. */
uint64_t qkb_roofline_macs_per_pass(void);
/** Runs `passes` passes of isa's loop on each of `threads` threads of pool at once (pool may be NULL for 1);
 *  returns the sum of all popcounts, so the work is observable. The isa must be available. */
uint64_t qkb_roofline_run(qkb_roofline *r, qk_isa isa, qk_pool *pool, int threads, uint64_t passes);
/** Runs a few passes of isa's loop and compares the checksum with a plain count: 0 if equal, −1 if not. */
int qkb_roofline_check(qkb_roofline *r, qk_isa isa);

#ifdef __cplusplus
}
#endif
#endif
