/* bgemm_smallk_avx512.c — the small-K binary GEMM (bgemm_smallk.h) with VPOPCNTDQ. A block is 64 channels: 8
 * slot vectors × kw words = 8 or 16 zmm of weights, held in registers for all rows. Per row: one broadcast per
 * activation word, XOR + vpopcntq per slot vector (counts ≤ 128 in 64-bit lanes), then a pack network folds
 * the 8 count vectors into 64 bytes (BITS: one unsigned byte compare gives the row's whole output word) or 4 ×
 * 16 dwords (INT32/FLOAT).
 *
 * The pack instructions interleave 128-bit lanes, so their output is a fixed permutation of the slots. Instead of
 * undoing it per row, the weights are loaded pre-permuted: pushing slot ids through the same network tells which
 * channel each slot must hold, and the outputs then come out in channel order.
 *
 * Test builds on CPUs without AVX-512 define QK_AVX512_VIA_SIMDE, as bgemm_avx512.c does. */
#if defined(QK_AVX512_VIA_SIMDE)
#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/x86/avx512.h>
#define QK_TARGET_AVX512
#else
#if defined(__x86_64__)
#include <immintrin.h>
#endif
#define QK_TARGET_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512vpopcntdq,avx2,popcnt")))
#endif

#include "bgemm_smallk.h"
#include "qk_store_panel.h" /* FP_CONTRACT OFF: the FLOAT output rounds after the multiply and after the add */

#if defined(__x86_64__)

#define SK_WIDTH 64 /* channels per block */
#define SK_SLOTS 8  /* slot vectors per block (8 lanes each) */

#define SK_INLINE static inline QK_TARGET_AVX512 __attribute__((always_inline))

/* A count < 2^16 in a 64-bit lane is a [count, 0] dword pair; the dword → word pack turns it into a [count, 0]
 * word pair, i.e. one dword holding the count. So a pack of two such vectors merges them: 8 qword vectors → 4
 * vectors of 16 dword counts, no shifts or blends. */
SK_INLINE void pack_to_dwords(const __m512i q[SK_SLOTS], __m512i d[4]) {
    QK_SK_UNROLL
    for (int u = 0; u < 4; u++) d[u] = _mm512_packus_epi32(q[2 * u], q[2 * u + 1]);
}

/* Counts ≤ 255: dwords → words → bytes, 64 counts in one vector. */
SK_INLINE __m512i pack_to_bytes(const __m512i q[SK_SLOTS]) {
    __m512i d[4];
    pack_to_dwords(q, d);
    const __m512i w0 = _mm512_packus_epi32(d[0], d[1]), w1 = _mm512_packus_epi32(d[2], d[3]);
    return _mm512_packus_epi16(w0, w1);
}

/* slot_of[pos] = the slot (vector·8 + lane) whose count the network puts at output position pos (byte for BITS,
 * dword for INT32/FLOAT). */
static QK_TARGET_AVX512 void network_slots(int to_bytes, uint8_t slot_of[SK_WIDTH]) {
    __m512i q[SK_SLOTS];
    for (int t = 0; t < SK_SLOTS; t++) {
        q[t] = _mm512_setr_epi64(8 * t, 8 * t + 1, 8 * t + 2, 8 * t + 3, 8 * t + 4, 8 * t + 5, 8 * t + 6, 8 * t + 7);
    }
    if (to_bytes) {
        _mm512_storeu_si512((void *)slot_of, pack_to_bytes(q));
        return;
    }
    __m512i d[4];
    uint32_t dw[SK_WIDTH];
    pack_to_dwords(q, d);
    for (int u = 0; u < 4; u++) _mm512_storeu_si512((void *)(dw + 16 * u), d[u]);
    for (int i = 0; i < SK_WIDTH; i++) slot_of[i] = (uint8_t)dw[i];
}

/* One row's 8 slot counts: XOR + popcount per weight vector, the two words' counts added for kw = 2. */
SK_INLINE void row_counts(const uint64_t *a, const __m512i *w, const int kw, __m512i q[SK_SLOTS]) {
    const __m512i x0 = _mm512_set1_epi64((long long)a[0]);
    QK_SK_UNROLL
    for (int t = 0; t < SK_SLOTS; t++) q[t] = _mm512_popcnt_epi64(_mm512_xor_si512(x0, w[t * kw]));
    if (kw == 2) {
        const __m512i x1 = _mm512_set1_epi64((long long)a[1]);
        QK_SK_UNROLL
        for (int t = 0; t < SK_SLOTS; t++) {
            q[t] = _mm512_add_epi64(q[t], _mm512_popcnt_epi64(_mm512_xor_si512(x1, w[t * kw + 1])));
        }
    }
}

/* One row's packed decisions: bit i = (count of channel c0 + i ≥ its bound). */
SK_INLINE uint64_t row_bits(const uint64_t *a, const __m512i *w, const int kw, __m512i bounds) {
    __m512i q[SK_SLOTS];
    row_counts(a, w, kw, q);
    return (uint64_t)_mm512_cmpge_epu8_mask(pack_to_bytes(q), bounds);
}

SK_INLINE void block_bits(const qk_bgemm_args *g, const qk_smallk_block *b, const __m512i *w, const int kw,
                          size_t m0, size_t m1) {
    uint8_t bound[SK_WIDTH];
    qk_smallk_pop_bounds(g, b->c0, SK_WIDTH, bound);
    const __m512i bounds = _mm512_loadu_si512((const void *)bound);
    const uint64_t flip = qk_smallk_flip(g, b->c0, SK_WIDTH), live = b->live;
    const size_t ldo = g->out.ldo;
    uint8_t *out = (uint8_t *)((uint64_t *)g->out.out + m0 * ldo) + b->c0 / 8;
    const uint64_t *a = g->a + m0 * g->lda; /* locals: the output stores may alias *g for all the compiler knows */
    const size_t lda = g->lda;
    size_t m = m0;
    /* Two rows per step: one row's chain (XOR → popcount → three packs → compare) is long, two overlap better. */
    for (; m + 2 <= m1; m += 2, a += 2 * lda, out += 16 * ldo) {
        const uint64_t below0 = row_bits(a, w, kw, bounds), below1 = row_bits(a + lda, w, kw, bounds);
        qk_smallk_store_bits(out, (below0 ^ flip) & live, b->byte_lo, b->byte_hi);
        qk_smallk_store_bits(out + 8 * ldo, (below1 ^ flip) & live, b->byte_lo, b->byte_hi);
    }
    if (m < m1) qk_smallk_store_bits(out, (row_bits(a, w, kw, bounds) ^ flip) & live, b->byte_lo, b->byte_hi);
}

/* INT32/FLOAT: acc = K − 2·pop. The float path forms K − 2·pop in float, exact for these magnitudes and so equal
 * to (float)acc, then rounds the multiply and the add separately. The count (< 2^23) becomes a float by OR-ing it
 * into the mantissa of 2^23 and subtracting 2^23, exactly; a conversion instruction would do as well, but the
 * SIMDe build that tests this file on CPUs without AVX-512 has no 512-bit int→float conversion. */
SK_INLINE void block_values(const qk_bgemm_args *g, const qk_smallk_block *b, const __m512i *w, const int kw,
                            const int as_float, size_t m0, size_t m1) {
    float mul[SK_WIDTH], bias[SK_WIDTH];
    __m512 vmul[4], vbias[4];
    if (as_float) {
        qk_smallk_affine(g, b->c0, SK_WIDTH, mul, bias);
        for (int u = 0; u < 4; u++) {
            vmul[u] = _mm512_loadu_ps(mul + 16 * u);
            vbias[u] = _mm512_loadu_ps(bias + 16 * u);
        }
    }
    const __m512i k_int = _mm512_set1_epi32(g->k_bits);
    const __m512 k_float = _mm512_set1_ps((float)g->k_bits);
    const __m512i two23_bits = _mm512_set1_epi32(0x4b000000);
    const __m512 two23 = _mm512_set1_ps(8388608.0f);
    const size_t ldo = g->out.ldo;
    uint32_t *out = (uint32_t *)g->out.out + m0 * ldo + b->c0;
    const uint64_t *a = g->a + m0 * g->lda; /* locals: the output stores may alias *g for all the compiler knows */
    const size_t lda = g->lda;
    for (size_t m = m0; m < m1; m++, a += lda, out += ldo) {
        __m512i q[SK_SLOTS], d[4];
        row_counts(a, w, kw, q);
        pack_to_dwords(q, d);
        __m512i v[4];
        QK_SK_UNROLL
        for (int u = 0; u < 4; u++) {
            if (as_float) {
                const __m512 pop = _mm512_sub_ps(_mm512_castsi512_ps(_mm512_or_si512(d[u], two23_bits)), two23);
                const __m512 acc = _mm512_sub_ps(k_float, _mm512_add_ps(pop, pop));
                const __m512 scaled = _mm512_mul_ps(acc, vmul[u]);
                v[u] = _mm512_castps_si512(_mm512_add_ps(scaled, vbias[u]));
            } else {
                v[u] = _mm512_sub_epi32(k_int, _mm512_add_epi32(d[u], d[u]));
            }
        }
        if (b->whole) {
            QK_SK_UNROLL
            for (int u = 0; u < 4; u++) _mm512_storeu_si512((void *)(out + 16 * u), v[u]);
        } else { /* a block shared with another call, or the ragged last one: write only what this call owns */
            uint32_t tmp[SK_WIDTH];
            QK_SK_UNROLL
            for (int u = 0; u < 4; u++) _mm512_storeu_si512((void *)(tmp + 16 * u), v[u]);
            memcpy(out + b->ch_lo, tmp + b->ch_lo, (b->ch_hi - b->ch_lo) * sizeof(uint32_t));
        }
    }
}

/* kw is a constant per call site, so the weight vectors stay in registers across the row loop. */
SK_INLINE void run_blocks(const qk_bgemm_args *g, const int kw, size_t m0, size_t m1, size_t p0, size_t p1) {
    const int to_bytes = g->out.kind == QK_OUT_BITS;
    uint8_t slot_of[SK_WIDTH];
    network_slots(to_bytes, slot_of);
    for (size_t pb = p0 / (SK_WIDTH / QK_NR) * (SK_WIDTH / QK_NR); pb < p1; pb += SK_WIDTH / QK_NR) {
        const qk_smallk_block b = qk_smallk_block_at(g, pb, SK_WIDTH, p0, p1);
        const size_t real = qk_smallk_real(g, b.c0, SK_WIDTH);
        const uint64_t *pw = g->w + pb * (size_t)kw * QK_NR;
        uint64_t slots[SK_SLOTS * 2 * 8]; /* [vector][word][lane] */
        if (real < SK_WIDTH) memset(slots, 0, sizeof slots);
        for (size_t pos = 0; pos < real; pos++) {
            const int t = slot_of[pos] / 8, lane = slot_of[pos] % 8;
            for (int k = 0; k < kw; k++) slots[(t * kw + k) * 8 + lane] = qk_smallk_weight(pw, (size_t)kw, pos, (size_t)k);
        }
        __m512i w[SK_SLOTS * 2];
        QK_SK_UNROLL
        for (int i = 0; i < SK_SLOTS * kw; i++) w[i] = _mm512_loadu_si512((const void *)(slots + 8 * i));
        switch (g->out.kind) {
        case QK_OUT_BITS: block_bits(g, &b, w, kw, m0, m1); break;
        case QK_OUT_INT32: block_values(g, &b, w, kw, 0, m0, m1); break;
        case QK_OUT_FLOAT: block_values(g, &b, w, kw, 1, m0, m1); break;
        }
    }
}

QK_TARGET_AVX512 void qk_bgemm_smallk_avx512(const qk_bgemm_args *g, size_t m0, size_t m1, size_t p0, size_t p1) {
    if (g->kw == 1) run_blocks(g, 1, m0, m1, p0, p1);
    else run_blocks(g, 2, m0, m1, p0, p1);
}

#endif
