/* threadpool.c — fixed pthread pool: workers sleep on a condition variable between parallel regions, so a
 * kernel call costs one broadcast and one join, never a thread creation. */
#define _GNU_SOURCE
#include "include/qk_threadpool.h"

#include <pthread.h>
#include <stdlib.h>

struct qk_pool {
    pthread_mutex_t lock;
    pthread_cond_t wake; /* workers: a new region or shutdown */
    pthread_cond_t done; /* caller: all workers finished the region */
    unsigned long generation;
    int threads;
    int pending;         /* workers still running the current region */
    int shutdown;
    qk_pool_fn fn;
    void *ctx;
    int count;
    pthread_t *workers;
};

typedef struct {
    qk_pool *pool;
    int index;
} qk_worker_start;

static void *worker_main(void *arg) {
    qk_worker_start start = *(qk_worker_start *)arg;
    free(arg);
    qk_pool *pool = start.pool;
    unsigned long seen = 0;
    pthread_mutex_lock(&pool->lock);
    for (;;) {
        while (!pool->shutdown && pool->generation == seen) pthread_cond_wait(&pool->wake, &pool->lock);
        if (pool->shutdown) break;
        seen = pool->generation;
        qk_pool_fn fn = pool->fn;
        void *ctx = pool->ctx;
        int count = pool->count;
        pthread_mutex_unlock(&pool->lock);
        if (start.index < count) fn(ctx, start.index, count);
        pthread_mutex_lock(&pool->lock);
        if (--pool->pending == 0) pthread_cond_signal(&pool->done);
    }
    pthread_mutex_unlock(&pool->lock);
    return NULL;
}

qk_pool *qk_pool_create(int threads) {
    if (threads < 1) threads = 1;
    qk_pool *pool = calloc(1, sizeof *pool);
    if (!pool) return NULL;
    pool->threads = threads;
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->wake, NULL);
    pthread_cond_init(&pool->done, NULL);
    pool->workers = calloc((size_t)threads, sizeof(pthread_t));
    if (!pool->workers) {
        free(pool);
        return NULL;
    }
    for (int i = 1; i < threads; i++) {
        qk_worker_start *start = malloc(sizeof *start);
        if (!start) goto fail;
        start->pool = pool;
        start->index = i;
        if (pthread_create(&pool->workers[i], NULL, worker_main, start) != 0) {
            free(start);
            goto fail;
        }
        pool->threads = i + 1;
        continue;
    fail:
        pool->threads = i; /* only workers 1..i−1 exist */
        qk_pool_destroy(pool);
        return NULL;
    }
    return pool;
}

void qk_pool_destroy(qk_pool *pool) {
    if (!pool) return;
    pthread_mutex_lock(&pool->lock);
    pool->shutdown = 1;
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
    pthread_mutex_lock(&pool->lock);
    pool->fn = fn;
    pool->ctx = ctx;
    pool->count = count;
    pool->pending = pool->threads - 1;
    pool->generation++;
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->lock);
    fn(ctx, 0, count);
    pthread_mutex_lock(&pool->lock);
    while (pool->pending > 0) pthread_cond_wait(&pool->done, &pool->lock);
    pthread_mutex_unlock(&pool->lock);
}
