#ifndef CLIBFUZZERDRIVER_H
#define CLIBFUZZERDRIVER_H

#include <stddef.h>
#include <stdint.h>

/* libFuzzer ships no header for the functions a target calls; these are its declarations (compiler-rt, LLVM 12
   and later). */

/* The driver, which is all libFuzzer's own main() does. */
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

/* libFuzzer's built-in mutations (dictionary included), for a custom mutator to apply to part of an input. */
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);

#endif
