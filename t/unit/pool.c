/*
 * pool.c - unit tests for lib/pool.c: the thread count, start/join and
 * the parallel for loop (every item once, the first error stops it).
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "pool.h"
#include "tap.h"

struct count {
	atomic_int hits[1000];
	atomic_int calls;
	size_t fail_at;
};

static int visit(void *arg, size_t i)
{
	struct count *c = arg;

	atomic_fetch_add(&c->hits[i], 1);
	atomic_fetch_add(&c->calls, 1);
	if (c->fail_at && i == c->fail_at)
		return VLT_E_CORRUPT;
	return 0;
}

static void bump(void *arg, int index)
{
	struct count *c = arg;

	atomic_fetch_add(&c->hits[index], 1);
}

int main(void)
{
	static struct count c;
	struct vlt_pool p = VLT_POOL_INIT;
	int ok = 1, n;

	tap_plan(9);
	setenv("VAULT_THREADS", "3", 1);
	is_int(vlt_pool_threads(0, 0), 3, "VAULT_THREADS sets the count");
	is_int(vlt_pool_threads(5, 4), 4, "the count is clamped to max");
	setenv("VAULT_THREADS", "x", 1);
	ok(vlt_pool_threads(0, 0) >= 1, "a bad VAULT_THREADS falls back to the CPUs");
	unsetenv("VAULT_THREADS");

	for (int t = 1; t <= 4; t++) {
		memset(&c, 0, sizeof(c));
		if (vlt_pool_for(t, 1000, visit, &c) != 0)
			ok = 0;
		for (int i = 0; i < 1000; i++)
			if (c.hits[i] != 1)
				ok = 0;
	}
	ok(ok, "every item is visited exactly once, 1 to 4 threads");

	memset(&c, 0, sizeof(c));
	is_int(vlt_pool_for(4, 0, visit, &c), 0, "an empty loop succeeds");
	is_int(c.calls, 0, "and calls nothing");

	memset(&c, 0, sizeof(c));
	c.fail_at = 10;
	is_int(vlt_pool_for(2, 1000, visit, &c), VLT_E_CORRUPT,
	       "the first error is returned");
	ok(c.calls < 1000, "no item after the failure is started (%d calls)",
	   (int)c.calls);

	memset(&c, 0, sizeof(c));
	n = vlt_pool_start(&p, 5, bump, &c);
	vlt_pool_join(&p);
	ok(n == 5 && c.hits[0] == 1 && c.hits[4] == 1 && c.hits[5] == 0,
	   "start runs fn once per index and join waits");
	return tap_done();
}
