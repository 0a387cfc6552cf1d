/* selftest.c — standalone bit-exactness test of every QInferKernels ISA variant against the scalar reference.
 *
 * Why a C driver next to the Swift tests: it cross-compiles with a plain gcc and runs under qemu-aarch64, so the
 * NEON variant is checked on an x86 build machine, and it builds with SIMDe so the AVX-512 variant is checked on
 * CPUs without AVX-512. tools/kernel-selftest/run-x86.sh and run-aarch64.sh are the intended entry points.
 *
 * Usage: selftest [seed]      (decimal or 0x-hex; the default seed makes runs reproducible)
 * Output: a "== isa ==" header and one "[isa] ..." summary line per ISA section, a FAIL line for the first
 * mismatch of each failing check group, and finally exactly one "<passed> passed, <failed> failed" line.
 * Exit status: 0 if everything passed, 1 if anything failed, 2 on bad usage or setup failure. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime under -std=c11 */

#include "st.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

enum { POOL_THREADS = 4 };
static const uint64_t default_seed = 0x51f7e57c0ffee;

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int parse_seed(const char *text, uint64_t *seed) {
    char *end = NULL;
    errno = 0;
    const unsigned long long v = strtoull(text, &end, 0);
    if (errno || end == text || *end) return -1;
    *seed = (uint64_t)v;
    return 0;
}

static void run_section(qk_isa isa, uint64_t seed, qk_pool *pool) {
    const double t0 = now_seconds();
    st_section_begin(isa);
    st_run_bitpack(isa, seed);
    st_run_bgemm(isa, seed);
    st_run_mt(isa, seed, pool); /* before bconv, whose threaded checks would otherwise fill the mt messages */
    st_run_bconv(isa, seed, pool);
    st_run_f32(isa, seed, pool);
    st_run_bmaxpool(isa, seed, pool);
    st_run_f32_threads(isa, seed, pool);
    st_section_end();
    printf("[%s] took %.1f s\n", qk_isa_name(isa), now_seconds() - t0);
}

int main(int argc, char **argv) {
    uint64_t seed = default_seed;
    if (argc > 2 || (argc == 2 && parse_seed(argv[1], &seed) != 0)) {
        fprintf(stderr, "usage: %s [seed]\n", argv[0]);
        return 2;
    }
    /* Line-buffered progress even when piped through tee in the run scripts, so a crash shows where it was. */
    setvbuf(stdout, NULL, _IOLBF, 0);

    printf("kernel selftest, seed 0x%llx\n", (unsigned long long)seed);
    printf("ISAs supported here:");
    int others = 0;
    for (int i = 0; i < QK_ISA_COUNT; i++) {
        if (!qk_isa_supported((qk_isa)i)) continue;
        printf(" %s", qk_isa_name((qk_isa)i));
        others += i != QK_ISA_SCALAR;
    }
    printf("\n");
    if (!others) printf("note: no ISA besides scalar is supported by this build and CPU; only the reference is checked\n");

    qk_pool *pool = qk_pool_create(POOL_THREADS);
    if (!pool) {
        fprintf(stderr, "selftest: qk_pool_create(%d) failed\n", POOL_THREADS);
        return 2;
    }
    /* The reference goes first: a broken reference would make every later comparison meaningless. */
    run_section(QK_ISA_SCALAR, seed, pool);
    for (int i = 0; i < QK_ISA_COUNT; i++) {
        if (i != QK_ISA_SCALAR && qk_isa_supported((qk_isa)i)) run_section((qk_isa)i, seed, pool);
    }
    qk_pool_destroy(pool);

    int passed, failed;
    st_totals(&passed, &failed);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
