/*
 * pool.c - starting, joining and sharing out work among threads. See
 * pool.h.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "error.h"
#include "pool.h"

int vlt_pool_threads(int want, int max)
{
	long n = want;

	if (max <= 0)
		max = 64;
	if (n <= 0) {
		const char *s = getenv("VAULT_THREADS");
		char *end;

		n = s && *s ? strtol(s, &end, 10) : 0;
		if (n <= 0 || !s || *end)
			n = sysconf(_SC_NPROCESSORS_ONLN);
	}
	if (n < 1)
		n = 1;
	return n > max ? max : (int)n;
}

struct start {
	struct vlt_pool *p;
	int index;
};

static void *trampoline(void *v)
{
	struct start *s = v;
	struct vlt_pool *p = s->p;
	int index = s->index;

	free(s);
	p->fn(p->arg, index);
	return NULL;
}

int vlt_pool_start(struct vlt_pool *p, int n,
		   void (*fn)(void *arg, int index), void *arg)
{
	p->started = 0;
	p->fn = fn;
	p->arg = arg;
	p->threads = NULL;
	if (n <= 0)
		return 0;
	if (!(p->threads = calloc((size_t)n, sizeof(*p->threads))))
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	for (; p->started < n; p->started++) {
		struct start *s = malloc(sizeof(*s));

		if (!s)
			break;
		s->p = p;
		s->index = p->started;
		if (pthread_create(&p->threads[p->started], NULL, trampoline,
				   s) != 0) {
			free(s);
			break;
		}
	}
	return p->started;
}

void vlt_pool_join(struct vlt_pool *p)
{
	for (int i = 0; i < p->started; i++)
		pthread_join(p->threads[i], NULL);
	free(p->threads);
	p->threads = NULL;
	p->started = 0;
}

struct loop {
	int (*fn)(void *arg, size_t i);
	void *arg;
	size_t n;
	atomic_size_t next;
	atomic_int err;
};

static void loop_worker(void *v, int index)
{
	struct loop *l = v;

	(void)index;
	while (!atomic_load(&l->err)) {
		size_t i = atomic_fetch_add(&l->next, 1);
		int err;

		if (i >= l->n)
			break;
		if ((err = l->fn(l->arg, i)) < 0) {
			int none = 0;

			atomic_compare_exchange_strong(&l->err, &none, err);
		}
	}
}

int vlt_pool_for(int nthreads, size_t n, int (*fn)(void *arg, size_t i),
		 void *arg)
{
	struct loop l = { fn, arg, n, 0, 0 };
	struct vlt_pool p = VLT_POOL_INIT;
	int extra = nthreads > 1 ? nthreads - 1 : 0;

	if (n < 2)
		extra = 0;
	else if ((size_t)extra > n - 1)
		extra = (int)(n - 1);
	if (extra > 0 && vlt_pool_start(&p, extra, loop_worker, &l) < 0)
		extra = 0;  /* no memory for threads: do it all here */
	loop_worker(&l, -1);
	vlt_pool_join(&p);
	return atomic_load(&l.err);
}
