/* qk_types.h — the bit convention and layouts every QInferKernels function shares.
 *
 * Bit convention (activations and weights alike):
 *   bit 1 = −1 (the value was < 0), bit 0 = +1 (the value was ≥ 0, which includes −0.0 and NaN).
 *   Element k of a row lives in 64-bit word k/64 at bit k%64 (least significant bit first). On the
 *   little-endian machines we target (x86-64, aarch64) byte j of a row therefore holds elements 8j..8j+7.
 *   Tail bits (k ≥ K in the last word) are 0, i.e. +1 in both operands, so they add nothing to
 *   popcount(A XOR W): dot(a, w) = K − 2·popcount(A XOR W) with the real K.
 *
 * Weight panel layout (what bgemm reads for W): output channels are grouped by QK_NR = 8. Panel p holds,
 * for each word index k, the 8 words of channels 8p..8p+7 side by side:
 *   panels[(p·kw + k)·8 + j] = W[8p + j][k].
 * Channels past N in the last panel are zero words. One 512-bit vector (or 2×256, 4×128) is one panel step,
 * so every ISA reads the same packed model in place.
 *
 * Per-channel arrays (mul, bias, thresh) are indexed by output channel and must have qk_round_nr(N) entries;
 * the padding entries are read by vector code and ignored.
 */
#ifndef QK_TYPES_H
#define QK_TYPES_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define QK_NR 8 /* output channels per weight panel */

/** Words needed for k bits. */
static inline size_t qk_words(size_t k) { return (k + 63) / 64; }
/** n rounded up to a whole number of panels. */
static inline size_t qk_round_nr(size_t n) { return (n + QK_NR - 1) / QK_NR * QK_NR; }
/** Words of a panel-packed weight matrix with n channels of kw words each. */
static inline size_t qk_panel_words(size_t n, size_t kw) { return qk_round_nr(n) * kw; }

/** Instruction-set variants; every one computes bit-identical results. */
typedef enum {
    QK_ISA_SCALAR = 0, /* portable reference, no popcnt instruction assumed */
    QK_ISA_POPCNT = 1, /* x86-64 with the popcnt instruction, scalar registers */
    QK_ISA_AVX2 = 2,   /* x86-64 AVX2: nibble-table popcount + vpsadbw */
    QK_ISA_AVX512 = 3, /* x86-64 AVX-512F/BW/VL + VPOPCNTDQ */
    QK_ISA_NEON = 4,   /* aarch64 Advanced SIMD: vcnt + pairwise widening adds */
    QK_ISA_COUNT = 5
} qk_isa;

/** What bgemm/bconv2d write for each (row m, channel n), from acc = K − 2·popcount(...) (minus a padding correction). */
typedef enum {
    QK_OUT_INT32 = 0, /* int32 acc */
    QK_OUT_FLOAT = 1, /* float: (float)acc · mul[n] + bias[n], rounded after the multiply and after the add (no FMA) */
    QK_OUT_BITS = 2   /* packed bit: (acc < thresh[n]) XOR flip bit n; the next binary layer's input row */
} qk_out_kind;

/** Output transform and destination of a binary GEMM or convolution. */
typedef struct {
    qk_out_kind kind;
    const float *mul;       /* QK_OUT_FLOAT: per-channel scale (folded BatchNorm · LSR scale) */
    const float *bias;      /* QK_OUT_FLOAT: per-channel bias */
    const int32_t *thresh;  /* QK_OUT_BITS: per-channel integer threshold */
    const uint64_t *flip;   /* QK_OUT_BITS: packed per-channel direction bits, qk_words(N) words (1 = BN scale < 0) */
    void *out;              /* int32_t*, float* or uint64_t* rows */
    size_t ldo;             /* row stride: elements for INT32/FLOAT, words for BITS (≥ qk_words(N)) */
} qk_output;

/** Padding of a binary convolution. */
typedef enum {
    QK_PAD_ONE = 0,  /* padded pixels are +1 (bit 0): free, what Larq-style models train with */
    QK_PAD_ZERO = 1  /* padded pixels are 0: PyTorch's default; exact through a per-tap weight-sum correction */
} qk_padding;

#ifdef __cplusplus
}
#endif
#endif
