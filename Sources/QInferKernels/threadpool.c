/* threadpool.c — fixed pthread pool. A parallel region costs one atomic increment when workers are still
 * spinning from the previous one (layers of a network run back to back), and a condition-variable wake-up
 * otherwise; workers spin briefly before sleeping so an idle daemon does not burn a core. */
#define _GNU_SOURCE
#include "include/qk_threadpool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

/* ~0.1–0.5 ms of polling: longer than the gap between two layers of one inference, far shorter than the gap
 * between inferences of an idle board. */
#define QK_SPIN_ROUNDS 20000

struct qk_pool {
    pthread_mutex_t lock;
    pthread_cond_t wake; /* workers: a new region or shutdown */
    pthread_cond_t done; /* caller: all workers finished the region */
    atomic_ulong generation;
    atomic_int pending;  /* workers still running the current region */
    atomic_int shutdown;
    int threads;
    qk_pool_fn fn;       /* written before generation is bumped (release), read after (acquire) */
    void *ctx;
    int count;
    pthread_t *workers;
};

typedef struct {
    qk_pool *pool;
    int index;
} qk_worker_start;

static inline void cpu_relax(void) {
#if defined(__x86_64__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/* Waits for a generation other than `seen`; returns it, or 0 on shutdown. */
static unsigned long wait_for_region(qk_pool *pool, unsigned long seen) {
    for (int i = 0; i < QK_SPIN_ROUNDS; i++) {
        unsigned long g = atomic_load_explicit(&pool->generation, memory_order_acquire);
        if (g != seen) return g;
        if (atomic_load_explicit(&pool->shutdown, memory_order_relaxed)) return 0;
        cpu_relax();
    }
    pthread_mutex_lock(&pool->lock);
    unsigned long g;
    while ((g = atomic_load_explicit(&pool->generation, memory_order_acquire)) == seen &&
           !atomic_load_explicit(&pool->shutdown, memory_order_relaxed)) {
        pthread_cond_wait(&pool->wake, &pool->lock);
    }
    pthread_mutex_unlock(&pool->lock);
    return atomic_load_explicit(&pool->shutdown, memory_order_relaxed) ? 0 : g;
}

static void *worker_main(void *arg) {
    qk_worker_start start = *(qk_worker_start *)arg;
    free(arg);
    qk_pool *pool = start.pool;
    unsigned long seen = 0;
    for (;;) {
        unsigned long g = wait_for_region(pool, seen);
        if (g == 0) break;
        seen = g;
        if (start.index < pool->count) pool->fn(pool->ctx, start.index, pool->count);
        if (atomic_fetch_sub_explicit(&pool->pending, 1, memory_order_acq_rel) == 1) {
            pthread_mutex_lock(&pool->lock); /* the caller may be asleep on `done` */
            pthread_cond_signal(&pool->done);
            pthread_mutex_unlock(&pool->lock);
        }
    }
    return NULL;
}

qk_pool *qk_pool_create(int threads) {
    if (threads < 1) threads = 1;
    qk_pool *pool = calloc(1, sizeof *pool);
    if (!pool) return NULL;
    pool->threads = 1;
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->wake, NULL);
    pthread_cond_init(&pool->done, NULL);
    atomic_init(&pool->generation, 0);
    atomic_init(&pool->pending, 0);
    atomic_init(&pool->shutdown, 0);
    pool->workers = calloc((size_t)threads, sizeof(pthread_t));
    if (!pool->workers) {
        qk_pool_destroy(pool);
        return NULL;
    }
    for (int i = 1; i < threads; i++) {
        qk_worker_start *start = malloc(sizeof *start);
        if (start) *start = (qk_worker_start){.pool = pool, .index = i};
        if (!start || pthread_create(&pool->workers[i], NULL, worker_main, start) != 0) {
            free(start);
            qk_pool_destroy(pool); /* joins the workers started so far */
            return NULL;
        }
        pool->threads = i + 1;
    }
    return pool;
}

void qk_pool_destroy(qk_pool *pool) {
    if (!pool) return;
    pthread_mutex_lock(&pool->lock);
    atomic_store(&pool->shutdown, 1);
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->lock);
    for (int i = 1; i < pool->threads; i++) pthread_join(pool->workers[i], NULL);
    pthread_cond_destroy(&pool->wake);
    pthread_cond_destroy(&pool->done);
    pthread_mutex_destroy(&pool->lock);
    free(pool->workers);
    free(pool);
}

int qk_pool_size(const qk_pool *pool) { return pool ? pool->threads : 1; }

void qk_pool_run(qk_pool *pool, int count, qk_pool_fn fn, void *ctx) {
    if (count < 1) return;
    if (!pool || count == 1 || pool->threads == 1) {
        for (int i = 0; i < count; i++) fn(ctx, i, count);
        return;
    }
    if (count > pool->threads) count = pool->threads;
    pool->fn = fn;
    pool->ctx = ctx;
    pool->count = count;
    atomic_store_explicit(&pool->pending, pool->threads - 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&pool->generation, 1, memory_order_release);
    pthread_mutex_lock(&pool->lock); /* wake the workers that already went to sleep */
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->lock);
    fn(ctx, 0, count);
    for (int i = 0; i < QK_SPIN_ROUNDS; i++) {
        if (atomic_load_explicit(&pool->pending, memory_order_acquire) == 0) return;
        cpu_relax();
    }
    pthread_mutex_lock(&pool->lock);
    while (atomic_load_explicit(&pool->pending, memory_order_acquire) > 0) pthread_cond_wait(&pool->done, &pool->lock);
    pthread_mutex_unlock(&pool->lock);
}
