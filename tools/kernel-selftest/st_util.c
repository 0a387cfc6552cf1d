/* st_util.c — RNG, aligned buffers and the pass/fail bookkeeping of the self-test driver. */
#include "st.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- RNG --------------------------------------------------------------------------------------- */

/* A seed mixer so that nearby (seed, family, index) triples give unrelated xorshift states; xorshift on its
 * own would start neighbouring cases in visibly correlated states. */
static uint64_t mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void st_rng_seed(st_rng *r, uint64_t seed, uint32_t family, uint32_t index) {
    uint64_t s = mix64(seed + 0x9e3779b97f4a7c15ull * (((uint64_t)family << 32) | index) + 1);
    r->s = s ? s : 0x2545f4914f6cdd1dull; /* xorshift never leaves the all-zero state */
}

uint64_t st_next(st_rng *r) {
    /* xorshift64*: the multiply hides the weak low bits of plain xorshift, which we use for small ranges. */
    uint64_t x = r->s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    r->s = x;
    return x * 0x2545f4914f6cdd1dull;
}

size_t st_below(st_rng *r, size_t n) { return (size_t)((st_next(r) >> 11) % n); }

int32_t st_range(st_rng *r, int32_t lo, int32_t hi) {
    return lo + (int32_t)st_below(r, (size_t)((int64_t)hi - lo + 1));
}

float st_uniform(st_rng *r, float lo, float hi) {
    const float u = (float)(st_next(r) >> 40) * (1.0f / 16777216.0f);
    return lo + (hi - lo) * u;
}

void st_fill_random(st_rng *r, void *buf, size_t bytes) {
    uint8_t *p = buf;
    while (bytes >= 8) {
        const uint64_t v = st_next(r);
        memcpy(p, &v, 8);
        p += 8;
        bytes -= 8;
    }
    if (bytes) {
        const uint64_t v = st_next(r);
        memcpy(p, &v, bytes);
    }
}

void st_random_bits(st_rng *r, uint64_t *row, size_t k) {
    const size_t kw = qk_words(k);
    for (size_t w = 0; w < kw; w++) row[w] = st_next(r);
    /* Runs of all-ones / all-zeros words catch popcount carries and lane mix-ups that random words rarely hit. */
    if (kw && st_below(r, 4) == 0) row[st_below(r, kw)] = st_below(r, 2) ? ~0ull : 0;
    if (k % 64) row[kw - 1] &= (1ull << (k % 64)) - 1;
}

/* ---- memory ------------------------------------------------------------------------------------ */

void *st_alloc(size_t bytes) {
    /* C11 aligned_alloc wants a size that is a multiple of the alignment; a zero size would be a NULL return. */
    const size_t size = (bytes + 63) / 64 * 64 + 64;
    void *p = aligned_alloc(64, size);
    if (!p) {
        fprintf(stderr, "selftest: out of memory (%zu bytes)\n", bytes);
        exit(2);
    }
    memset(p, 0, size);
    return p;
}

void st_free(void *p) { free(p); }

/* ---- bookkeeping ------------------------------------------------------------------------------- */

static const char *const family_names[ST_FAM_COUNT] = {"bitpack", "bgemm", "bconv", "mt", "bmaxpool", "f32"};

/* Past this many printed failures per family a section only counts: a broken kernel fails hundreds of cases
 * identically. Per family, so one noisy group cannot hide the first message of another. */
enum { MAX_PRINTED_FAILURES = 12 };

static struct {
    qk_isa isa;
    int passed[ST_FAM_COUNT], failed[ST_FAM_COUNT];
    int printed[ST_FAM_COUNT];
} section;

static struct {
    int family;
    int failures;
    char desc[256];
} current;

static int total_passed, total_failed;

const char *st_isa(void) { return qk_isa_name(section.isa); }

void st_section_begin(qk_isa isa) {
    memset(&section, 0, sizeof section);
    section.isa = isa;
    printf("== %s: %s ==\n", qk_isa_name(isa),
           isa == QK_ISA_SCALAR ? "reference against the driver's own computations"
                                : "bit for bit against the scalar reference");
    fflush(stdout);
}

int st_section_end(void) {
    int passed = 0, failed = 0;
    printf("[%s]", qk_isa_name(section.isa));
    for (int f = 0; f < ST_FAM_COUNT; f++) {
        const int n = section.passed[f] + section.failed[f];
        if (!n) continue;
        printf(" %s %d/%d", family_names[f], section.passed[f], n);
        passed += section.passed[f];
        failed += section.failed[f];
    }
    printf(" -> %s (%d of %d checks failed)\n", failed ? "FAILED" : "ok", failed, passed + failed);
    for (int f = 0; f < ST_FAM_COUNT; f++) {
        if (section.printed[f] > MAX_PRINTED_FAILURES) {
            printf("[%s] %s: %d further failure messages suppressed\n", qk_isa_name(section.isa), family_names[f],
                   section.printed[f] - MAX_PRINTED_FAILURES);
        }
    }
    fflush(stdout);
    total_passed += passed;
    total_failed += failed;
    return failed;
}

void st_test_begin(int family, const char *fmt, ...) {
    current.family = family;
    current.failures = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(current.desc, sizeof current.desc, fmt, ap);
    va_end(ap);
}

void st_fail(const char *fmt, ...) {
    if (current.failures++ == 0) {
        if (section.printed[current.family]++ < MAX_PRINTED_FAILURES) {
            char msg[512];
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(msg, sizeof msg, fmt, ap);
            va_end(ap);
            printf("FAIL [%s] %s %s: %s\n", qk_isa_name(section.isa), family_names[current.family], current.desc,
                   msg);
            fflush(stdout);
        }
    }
}

int st_test_failed(void) { return current.failures != 0; }

void st_test_end(void) {
    if (current.failures) section.failed[current.family]++;
    else section.passed[current.family]++;
}

void st_totals(int *passed, int *failed) {
    *passed = total_passed;
    *failed = total_failed;
}
