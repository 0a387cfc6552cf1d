/* qk_threadpool.h — a small fixed pool of worker threads for the multi-threaded kernel entry points.
 * Threads are created once; a parallel region wakes them, the caller works as index 0 and waits for the rest.
 */
#ifndef QK_THREADPOOL_H
#define QK_THREADPOOL_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct qk_pool qk_pool;

/** Work function: called once per index in [0, count). */
typedef void (*qk_pool_fn)(void *ctx, int index, int count);

/** Starts threads−1 workers (the caller is the first worker). Returns NULL on failure. */
qk_pool *qk_pool_create(int threads);
/** Stops and joins the workers. */
void qk_pool_destroy(qk_pool *pool);
/** Number of threads including the caller. */
int qk_pool_size(const qk_pool *pool);
/** Runs fn(ctx, i, count) for i in [0, count) on up to count threads and returns when all are done.
 *  count is clamped to the pool size; a NULL pool runs everything on the caller. Calls must not overlap. */
void qk_pool_run(qk_pool *pool, int count, qk_pool_fn fn, void *ctx);

#ifdef __cplusplus
}
#endif
#endif
