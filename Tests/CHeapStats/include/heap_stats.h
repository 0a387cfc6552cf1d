/* heap_stats.h — counts what the calling thread allocates, for tests that bound what an operation allocates
 * ("loading a 10 MB model allocates well under 1 MB", "no heap allocation per inference").
 * The test binary's malloc family is wrapped (glibc's __libc_* entry points do the work); counters are
 * thread-local so tests running in parallel on other threads do not disturb a measurement. */
#ifndef HEAP_STATS_H
#define HEAP_STATS_H
#include <stddef.h>

typedef struct {
    size_t calls; /* malloc/calloc/realloc/aligned allocations made by this thread */
    size_t bytes; /* bytes they asked for */
} heap_counts;

/** This thread's allocation counts since it started. */
heap_counts heap_thread_counts(void);

#endif
