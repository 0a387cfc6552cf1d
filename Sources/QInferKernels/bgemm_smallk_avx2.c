/* bgemm_smallk_avx2.c — the small-K binary GEMM (bgemm_smallk.h) for AVX2, which has no vector popcount. A block
 * is 64 channels = 16 slot vectors of 4 channels. Bytes are counted with a 16-entry nibble table (vpshufb), and
 * since a nibble of x XOR w is the XOR of the nibbles of x and w, the weights' low and high nibbles are split
 * once per block (into a stack copy read as memory operands: 16 ymm registers cannot hold them) and the row's
 * once per word, leaving XOR + lookup per nibble per vector in the row loop. vpsadbw sums each channel's 8 byte
 * counts; a pack network folds the 16 sums into 64 bytes (BITS: an unsigned byte compare, two movemasks, one
 * 64-bit store per row) or 8 × 8 dwords (INT32/FLOAT).
 *
 * The packs interleave 128-bit lanes; as in bgemm_smallk_avx512.c the weights are loaded pre-permuted (slot ids
 * pushed through the same network say which channel each slot holds), so outputs come out in channel order. */
#include "bgemm_smallk.h"
#include "qk_store_panel.h" /* FP_CONTRACT OFF: the FLOAT output rounds after the multiply and after the add */

#if defined(__x86_64__)
#include <immintrin.h>

#define QK_TARGET_AVX2 __attribute__((target("avx2,popcnt")))
#define SK_WIDTH 64 /* channels per block */
#define SK_SLOTS 16 /* slot vectors per block (4 lanes each) */

#define SK_INLINE static inline QK_TARGET_AVX2 __attribute__((always_inline))

/* A sum < 2^16 in a 64-bit lane is a [sum, 0] dword pair; the dword → word pack turns it into a [sum, 0] word
 * pair, i.e. one dword holding the sum. So a pack of two such vectors merges them: 16 qword vectors → 8 vectors
 * of 8 dword sums, no shifts or blends. */
SK_INLINE void pack_to_dwords(const __m256i q[SK_SLOTS], __m256i d[8]) {
    QK_SK_UNROLL
    for (int u = 0; u < 8; u++) d[u] = _mm256_packus_epi32(q[2 * u], q[2 * u + 1]);
}

/* Sums ≤ 255: dwords → words → bytes, 32 sums per vector. */
SK_INLINE void pack_to_bytes(const __m256i q[SK_SLOTS], __m256i bytes[2]) {
    __m256i d[8], w[4];
    pack_to_dwords(q, d);
    QK_SK_UNROLL
    for (int v = 0; v < 4; v++) w[v] = _mm256_packus_epi32(d[2 * v], d[2 * v + 1]);
    QK_SK_UNROLL
    for (int z = 0; z < 2; z++) bytes[z] = _mm256_packus_epi16(w[2 * z], w[2 * z + 1]);
}

/* slot_of[pos] = the slot (vector·4 + lane) whose sum the network puts at output position pos (byte for BITS,
 * dword for INT32/FLOAT). */
static QK_TARGET_AVX2 void network_slots(int to_bytes, uint8_t slot_of[SK_WIDTH]) {
    __m256i q[SK_SLOTS];
    for (int t = 0; t < SK_SLOTS; t++) q[t] = _mm256_setr_epi64x(4 * t, 4 * t + 1, 4 * t + 2, 4 * t + 3);
    if (to_bytes) {
        __m256i bytes[2];
        pack_to_bytes(q, bytes);
        for (int z = 0; z < 2; z++) _mm256_storeu_si256((__m256i *)(slot_of + 32 * z), bytes[z]);
        return;
    }
    __m256i d[8];
    uint32_t dw[SK_WIDTH];
    pack_to_dwords(q, d);
    for (int u = 0; u < 8; u++) _mm256_storeu_si256((__m256i *)(dw + 8 * u), d[u]);
    for (int i = 0; i < SK_WIDTH; i++) slot_of[i] = (uint8_t)dw[i];
}

/* Weight nibble planes of a block: [vector][word][low, high][4 lanes], 32-byte aligned for memory operands. */
typedef struct {
    _Alignas(32) uint64_t plane[SK_SLOTS * 2 * 2 * 4];
} sk_planes;

/* One row's 16 slot sums: per word, XOR the row's nibbles with the weights', look both up, add; vpsadbw then sums
 * each 64-bit lane's bytes (≤ 16 per byte for kw = 2). */
SK_INLINE void row_sums(const uint64_t *a, const sk_planes *wp, const int kw, __m256i q[SK_SLOTS]) {
    const __m256i table = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2, 1, 2, 2, 3, 1,
                                           2, 2, 3, 2, 3, 3, 4);
    const __m256i nibble = _mm256_set1_epi8(0x0f);
    __m256i lo[2], hi[2];
    QK_SK_UNROLL
    for (int k = 0; k < kw; k++) {
        const __m256i x = _mm256_set1_epi64x((long long)a[k]);
        lo[k] = _mm256_and_si256(x, nibble);
        hi[k] = _mm256_and_si256(_mm256_srli_epi16(x, 4), nibble);
    }
    const __m256i *w = (const __m256i *)wp->plane;
    QK_SK_UNROLL
    for (int t = 0; t < SK_SLOTS; t++) {
        __m256i bytes = _mm256_setzero_si256();
        QK_SK_UNROLL
        for (int k = 0; k < kw; k++) {
            const __m256i *wk = w + (t * kw + k) * 2;
            bytes = _mm256_add_epi8(bytes, _mm256_shuffle_epi8(table, _mm256_xor_si256(lo[k], _mm256_load_si256(wk))));
            bytes = _mm256_add_epi8(bytes, _mm256_shuffle_epi8(table, _mm256_xor_si256(hi[k], _mm256_load_si256(wk + 1))));
        }
        q[t] = _mm256_sad_epu8(bytes, _mm256_setzero_si256());
    }
}

SK_INLINE void block_bits(const qk_bgemm_args *g, const qk_smallk_block *b, const sk_planes *wp, const int kw,
                          size_t m0, size_t m1) {
    uint8_t bound[SK_WIDTH];
    qk_smallk_pop_bounds(g, b->c0, SK_WIDTH, bound);
    const __m256i bound_lo = _mm256_loadu_si256((const __m256i *)bound);
    const __m256i bound_hi = _mm256_loadu_si256((const __m256i *)(bound + 32));
    const uint64_t flip = qk_smallk_flip(g, b->c0, SK_WIDTH), live = b->live;
    const size_t ldo = g->out.ldo;
    uint8_t *out = (uint8_t *)((uint64_t *)g->out.out + m0 * ldo) + b->c0 / 8;
    const uint64_t *a = g->a + m0 * g->lda; /* locals: the output stores may alias *g for all the compiler knows */
    const size_t lda = g->lda;
    for (size_t m = m0; m < m1; m++, a += lda, out += ldo * 8) {
        __m256i q[SK_SLOTS], pop[2];
        row_sums(a, wp, kw, q);
        pack_to_bytes(q, pop);
        /* pop ≥ bound, unsigned (AVX2 compares bytes only as signed, and pop can be 128) */
        const __m256i ge_lo = _mm256_cmpeq_epi8(_mm256_max_epu8(pop[0], bound_lo), pop[0]);
        const __m256i ge_hi = _mm256_cmpeq_epi8(_mm256_max_epu8(pop[1], bound_hi), pop[1]);
        const uint64_t below = (uint64_t)(uint32_t)_mm256_movemask_epi8(ge_lo) |
                               (uint64_t)(uint32_t)_mm256_movemask_epi8(ge_hi) << 32;
        qk_smallk_store_bits(out, (below ^ flip) & live, b->byte_lo, b->byte_hi);
    }
}

/* INT32/FLOAT: acc = K − 2·pop, then for floats the multiply and the add as two roundings. */
SK_INLINE void block_values(const qk_bgemm_args *g, const qk_smallk_block *b, const sk_planes *wp, const int kw,
                            const int as_float, size_t m0, size_t m1) {
    float mul[SK_WIDTH], bias[SK_WIDTH];
    if (as_float) qk_smallk_affine(g, b->c0, SK_WIDTH, mul, bias);
    const __m256i k_int = _mm256_set1_epi32(g->k_bits);
    const size_t ldo = g->out.ldo;
    uint32_t *out = (uint32_t *)g->out.out + m0 * ldo + b->c0;
    const uint64_t *a = g->a + m0 * g->lda; /* locals: the output stores may alias *g for all the compiler knows */
    const size_t lda = g->lda;
    for (size_t m = m0; m < m1; m++, a += lda, out += ldo) {
        __m256i q[SK_SLOTS], d[8];
        row_sums(a, wp, kw, q);
        pack_to_dwords(q, d);
        uint32_t tmp[SK_WIDTH];
        uint32_t *dst = b->whole ? out : tmp; /* a shared or ragged block goes through tmp: write only what is ours */
        QK_SK_UNROLL
        for (int u = 0; u < 8; u++) {
            const __m256i acc = _mm256_sub_epi32(k_int, _mm256_add_epi32(d[u], d[u]));
            if (as_float) {
                const __m256 scaled = _mm256_mul_ps(_mm256_cvtepi32_ps(acc), _mm256_loadu_ps(mul + 8 * u));
                _mm256_storeu_ps((float *)(dst + 8 * u), _mm256_add_ps(scaled, _mm256_loadu_ps(bias + 8 * u)));
            } else {
                _mm256_storeu_si256((__m256i *)(dst + 8 * u), acc);
            }
        }
        if (!b->whole) memcpy(out + b->ch_lo, tmp + b->ch_lo, (b->ch_hi - b->ch_lo) * sizeof(uint32_t));
    }
}

SK_INLINE void run_blocks(const qk_bgemm_args *g, const int kw, size_t m0, size_t m1, size_t p0, size_t p1) {
    uint8_t slot_of[SK_WIDTH];
    network_slots(g->out.kind == QK_OUT_BITS, slot_of);
    for (size_t pb = p0 / (SK_WIDTH / QK_NR) * (SK_WIDTH / QK_NR); pb < p1; pb += SK_WIDTH / QK_NR) {
        const qk_smallk_block b = qk_smallk_block_at(g, pb, SK_WIDTH, p0, p1);
        const size_t real = qk_smallk_real(g, b.c0, SK_WIDTH);
        const uint64_t *pw = g->w + pb * (size_t)kw * QK_NR;
        sk_planes wp;
        if (real < SK_WIDTH) memset(&wp, 0, sizeof wp);
        for (size_t pos = 0; pos < real; pos++) {
            const int t = slot_of[pos] / 4, lane = slot_of[pos] % 4;
            for (int k = 0; k < kw; k++) {
                const uint64_t word = qk_smallk_weight(pw, (size_t)kw, pos, (size_t)k);
                wp.plane[((t * kw + k) * 2 + 0) * 4 + lane] = word & 0x0f0f0f0f0f0f0f0full;
                wp.plane[((t * kw + k) * 2 + 1) * 4 + lane] = (word >> 4) & 0x0f0f0f0f0f0f0f0full;
            }
        }
        switch (g->out.kind) {
        case QK_OUT_BITS: block_bits(g, &b, &wp, kw, m0, m1); break;
        case QK_OUT_INT32: block_values(g, &b, &wp, kw, 0, m0, m1); break;
        case QK_OUT_FLOAT: block_values(g, &b, &wp, kw, 1, m0, m1); break;
        }
    }
}

QK_TARGET_AVX2 void qk_bgemm_smallk_avx2(const qk_bgemm_args *g, size_t m0, size_t m1, size_t p0, size_t p1) {
    if (g->kw == 1) run_blocks(g, 1, m0, m1, p0, p1);
    else run_blocks(g, 2, m0, m1, p0, p1);
}

#endif
