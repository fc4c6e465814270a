/*
 * oidset.c - unit tests for lib/oidset.c: insert/contains over growth,
 * the zero id, iteration that sees each id once, maps with values, and a
 * large set checked against the ids it should and should not hold.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "hash.h"
#include "oidset.h"
#include "tap.h"

/* A real-looking id for n (SHA-256 of n). */
static struct vlt_oid oid_sha(uint64_t n)
{
	struct vlt_oid o;
	unsigned char b[8];

	vlt_put_be64(b, n);
	vlt_sha256(b, sizeof(b), o.id);
	return o;
}

/* Ids that differ in their last byte only: all share a home slot
 * unless the hash mixes the tail in; either way they must work. */
static struct vlt_oid oid_tail(unsigned n)
{
	struct vlt_oid o;

	memset(&o, 0x5a, sizeof(o));
	o.id[31] = (unsigned char)n;
	o.id[30] = (unsigned char)(n >> 8);
	return o;
}

static void test_basic(void)
{
	struct vlt_oidset s = VLT_OIDSET_INIT;
	struct vlt_oid a = oid_sha(1), b = oid_sha(2);

	ok(!vlt_oidset_contains(&s, &a), "empty set contains nothing");
	is_int(vlt_oidset_insert(&s, &a), 1, "first insert adds");
	is_int(vlt_oidset_insert(&s, &a), 0, "second insert finds it");
	ok(vlt_oidset_contains(&s, &a) && !vlt_oidset_contains(&s, &b),
	   "contains the inserted id only");
	is_int(vlt_oidset_count(&s), 1, "count is 1");
	vlt_oidset_release(&s);
	vlt_oidset_release(&s);
	ok(s.nr == 0 && s.slots == NULL, "release twice is safe");
}

static void test_zero(void)
{
	struct vlt_oidset s = VLT_OIDSET_INIT;
	struct vlt_oid zero, a = oid_sha(7), got;
	size_t pos = 0;
	int seen_zero = 0, seen_a = 0, n = 0;

	vlt_oid_clear(&zero);
	ok(!vlt_oidset_contains(&s, &zero), "zero id not in an empty set");
	is_int(vlt_oidset_insert(&s, &zero), 1, "zero id can be inserted");
	is_int(vlt_oidset_insert(&s, &zero), 0, "zero id found again");
	vlt_oidset_insert(&s, &a);
	ok(vlt_oidset_contains(&s, &zero) && vlt_oidset_count(&s) == 2,
	   "zero id counted and found");
	while (vlt_oidset_next(&s, &pos, &got)) {
		n++;
		if (vlt_oid_is_zero(&got))
			seen_zero++;
		else if (!vlt_oid_cmp(&got, &a))
			seen_a++;
	}
	ok(n == 2 && seen_zero == 1 && seen_a == 1,
	   "iteration yields the zero id and the other one");
	vlt_oidset_release(&s);
}

static void test_many(void)
{
	enum { N = 200000 };
	struct vlt_oidset s = VLT_OIDSET_INIT, again = VLT_OIDSET_INIT;
	struct vlt_oid got;
	size_t pos = 0;
	int bad = 0, n = 0;

	for (uint64_t i = 0; i < N; i++) {
		struct vlt_oid o = oid_sha(i);

		if (vlt_oidset_insert(&s, &o) != 1)
			bad++;
	}
	ok(!bad && vlt_oidset_count(&s) == N, "200000 distinct ids inserted");
	ok(s.cap >= N * 4 / 3 && (s.cap & (s.cap - 1)) == 0,
	   "table grew to a power of two above the load limit");
	bad = 0;
	for (uint64_t i = 0; i < N; i++) {
		struct vlt_oid o = oid_sha(i);

		if (!vlt_oidset_contains(&s, &o) || vlt_oidset_insert(&s, &o))
			bad++;
	}
	ok(!bad, "every inserted id is found after growth");
	bad = 0;
	for (uint64_t i = N; i < 2 * N; i++) {
		struct vlt_oid o = oid_sha(i);

		if (vlt_oidset_contains(&s, &o))
			bad++;
	}
	ok(!bad, "no id that was not inserted is found");
	bad = 0;
	while (vlt_oidset_next(&s, &pos, &got)) {
		n++;
		if (vlt_oidset_insert(&again, &got) != 1)
			bad++;
	}
	ok(n == N && !bad, "iteration visits every id exactly once");
	vlt_oidset_release(&again);
	vlt_oidset_release(&s);
}

static void test_clustered(void)
{
	struct vlt_oidset s = VLT_OIDSET_INIT;
	int bad = 0;

	for (unsigned i = 0; i < 5000; i++) {
		struct vlt_oid o = oid_tail(i);

		if (vlt_oidset_insert(&s, &o) != 1)
			bad++;
	}
	for (unsigned i = 0; i < 5000; i++) {
		struct vlt_oid o = oid_tail(i), p = oid_tail(i + 5000);

		if (!vlt_oidset_contains(&s, &o) || vlt_oidset_contains(&s, &p))
			bad++;
	}
	ok(!bad, "ids differing only at the end are kept apart");
	vlt_oidset_release(&s);
}

static void test_reserve(void)
{
	struct vlt_oidset s = VLT_OIDSET_INIT;
	size_t cap;
	int bad = 0;

	ok(vlt_oidset_reserve(&s, 10000) == 0, "reserve succeeds");
	cap = s.cap;
	for (uint64_t i = 0; i < 10000; i++) {
		struct vlt_oid o = oid_sha(i);

		if (vlt_oidset_insert(&s, &o) != 1)
			bad++;
	}
	ok(!bad && s.cap == cap, "no growth up to the reserved count");
	vlt_oidset_release(&s);
}

static void test_map(void)
{
	struct vlt_oidmap m = VLT_OIDMAP_INIT;
	struct vlt_oid zero, got;
	void *v;
	size_t pos = 0;
	int bad = 0, n = 0;

	vlt_oid_clear(&zero);
	ok(!vlt_oidmap_get(&m, &zero, &v), "empty map has nothing");
	for (uintptr_t i = 0; i < 3000; i++) {
		struct vlt_oid o = oid_sha(i);

		if (vlt_oidmap_put(&m, &o, (void *)(i + 1)) != 1)
			bad++;
	}
	ok(!bad && vlt_oidmap_count(&m) == 3000, "3000 keys put");
	{
		struct vlt_oid o = oid_sha(42);

		is_int(vlt_oidmap_put(&m, &o, (void *)999), 0,
		       "putting an existing key replaces");
	}
	vlt_oidmap_put(&m, &zero, (void *)7);
	bad = 0;
	for (uintptr_t i = 0; i < 3000; i++) {
		struct vlt_oid o = oid_sha(i);

		if (!vlt_oidmap_get(&m, &o, &v) ||
		    (uintptr_t)v != (i == 42 ? 999 : i + 1))
			bad++;
	}
	ok(!bad, "values survive growth and replacement");
	ok(vlt_oidmap_get(&m, &zero, &v) && (uintptr_t)v == 7,
	   "the zero id has its own value");
	bad = 0;
	while (vlt_oidmap_next(&m, &pos, &got, &v)) {
		void *w;

		n++;
		if (!vlt_oidmap_get(&m, &got, &w) || w != v)
			bad++;
	}
	ok(n == 3001 && !bad, "iteration yields every key with its value");
	vlt_oidmap_release(&m);
}

int main(void)
{
	tap_plan_lazy();
	test_basic();
	test_zero();
	test_many();
	test_clustered();
	test_reserve();
	test_map();
	return tap_done();
}
