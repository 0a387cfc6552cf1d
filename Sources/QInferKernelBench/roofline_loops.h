/* roofline_loops.h — the per-ISA roofline loops behind qkb_roofline.h. Not installed.
 *
 * Every loop has one shape: `passes` times over QKB_ROOFLINE_WORDS 64-byte-aligned words, XOR each with a key held
 * in a register, popcount, accumulate in several independent chains; return the total popcount. Each pass hides the
 * key behind an empty asm statement so the compiler cannot prove the passes equal and compute only one. */
#ifndef QKB_ROOFLINE_LOOPS_H
#define QKB_ROOFLINE_LOOPS_H

#include "include/qkb_roofline.h"

typedef uint64_t (*qkb_roofline_loop_fn)(const uint64_t *buf, uint64_t key, uint64_t passes);

uint64_t qkb_roofline_loop_scalar(const uint64_t *buf, uint64_t key, uint64_t passes);
/** The x86-64 loop for isa if this CPU executes it, else NULL (also NULL on other architectures). */
qkb_roofline_loop_fn qkb_roofline_x86_loop(qk_isa isa);
/** The aarch64 loop for isa, else NULL. */
qkb_roofline_loop_fn qkb_roofline_neon_loop(qk_isa isa);

#endif
