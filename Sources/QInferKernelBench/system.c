/* system.c — CPU count and model for the report header. */
#define _GNU_SOURCE
#include "include/qkb_system.h"

#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int qkb_usable_cpus(void) {
    /* The affinity mask, not the online count: under taskset or a container's cpuset, threads beyond it share cores. */
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        const int n = CPU_COUNT(&set);
        if (n > 0) return n;
    }
    const long online = sysconf(_SC_NPROCESSORS_ONLN);
    return online > 0 ? (int)online : 1;
}

char *qkb_cpu_model(char *buf, size_t len) {
    if (!len) return buf;
    snprintf(buf, len, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f) return buf;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        /* "model name" on x86-64; aarch64 kernels print no model name, but "Model" on Raspberry Pi boards. */
        if (strncmp(line, "model name", 10) == 0 || strncmp(line, "Model", 5) == 0) {
            const char *value = strchr(line, ':');
            if (!value) continue;
            value++;
            while (*value == ' ' || *value == '\t') value++;
            snprintf(buf, len, "%s", value);
            buf[strcspn(buf, "\n")] = '\0';
            break;
        }
    }
    fclose(f);
    return buf;
}
