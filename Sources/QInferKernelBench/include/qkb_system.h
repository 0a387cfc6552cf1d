/* qkb_system.h — facts about the machine the benchmark reports alongside its numbers. */
#ifndef QKB_SYSTEM_H
#define QKB_SYSTEM_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** CPUs this process may run on (its affinity mask), at least 1. */
int qkb_usable_cpus(void);
/** Writes the CPU model name (or "unknown") into buf; returns buf. */
char *qkb_cpu_model(char *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif
