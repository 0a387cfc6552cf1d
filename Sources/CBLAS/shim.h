/* shim.h — OpenBLAS's CBLAS interface for the benchmark's FP32 peer. The include path comes from pkg-config
 * (openblas), because Debian keeps cblas.h under a per-threading-model directory. */
#ifndef QINFER_CBLAS_SHIM_H
#define QINFER_CBLAS_SHIM_H
#include <cblas.h>
#endif
