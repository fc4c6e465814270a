/*
 * pool.h - the one way vault runs work on several threads.
 *
 * Every parallel loop in the libraries (backup's chunk workers, restore's
 * file writers, git export's blob conversion, the visual diff's bands)
 * asks vlt_pool_threads() how many threads to use, so $VAULT_THREADS and
 * the CPU count are read in one place, and starts and joins them with
 * vlt_pool_start()/vlt_pool_join(). vlt_pool_for() is the common case:
 * items 0..n-1 handed out in order to up to nthreads threads, the caller
 * being one of them.
 */
#ifndef VLT_POOL_H
#define VLT_POOL_H

#include <pthread.h>
#include <stddef.h>

/*
 * The thread count for a parallel loop: want if want > 0, else
 * $VAULT_THREADS if set to a positive number, else the online CPUs;
 * clamped to [1, max] (max <= 0 means 64).
 */
int vlt_pool_threads(int want, int max);

struct vlt_pool {
	pthread_t *threads;     /* owned */
	int started;
	void (*fn)(void *arg, int index);
	void *arg;
};

#define VLT_POOL_INIT { NULL, 0, NULL, NULL }

/*
 * Start up to n threads, each running fn(arg, index) with index 0..n-1.
 * Returns how many started (0..n; a shortage of threads is not an
 * error: the caller does the work itself when none started), or
 * VLT_E_NOMEM. vlt_pool_join() must follow, even when 0 started.
 */
int vlt_pool_start(struct vlt_pool *p, int n,
		   void (*fn)(void *arg, int index), void *arg);
/* Wait for every started thread; frees what _start allocated. */
void vlt_pool_join(struct vlt_pool *p);

/*
 * Run fn(arg, i) for every i in [0, n) on up to nthreads threads (the
 * calling thread included), items taken in increasing order. fn returns
 * 0 or a negative VLT_E_* code; after the first failure no new item is
 * started, and that code is returned (the error message stays in the
 * failing thread's buffer: fn should copy what it needs into arg).
 */
int vlt_pool_for(int nthreads, size_t n, int (*fn)(void *arg, size_t i),
		 void *arg);

#endif
