/*
 * odb.c - unit tests for lib/odb.c: objects of every kind written and
 * read back, deduplication, objects readable before and after the flush,
 * pack rotation at the target size, every object found again after a
 * reopen, kind checks, prefixes and misses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "odb.h"
#include "repo.h"
#include "tap.h"

#define NOBJ 800

static struct vlt_repo *new_repo(const char *name, uint64_t pack_size)
{
	struct vlt_init_opts o;
	struct vlt_repo *r = NULL;
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", tap_tmpdir(), name);
	vlt_init_opts_default(&o);
	o.bare = 1;
	if (pack_size)
		o.pack_target = pack_size;
	if (vlt_repo_init(path, &o, &r) < 0) {
		tap_diag("init: %s", vlt_error_last());
		exit(1);
	}
	return r;
}

/* Object i: a few KiB, half of them incompressible. */
static void make_obj(int i, struct vlt_buf *b)
{
	unsigned x = 2166136261u ^ (unsigned)i;

	vlt_buf_reset(b);
	vlt_buf_addf(b, "object %d\n", i);
	for (int j = 0; j < 1000 + (i * 53) % 3000; j++) {
		x = x * 1664525u + 1013904223u;
		vlt_buf_addch(b, (i & 1) ? (char)(x >> 24) : (char)('a' + j % 7));
	}
}

static void test_write_read(void)
{
	struct vlt_repo *r = new_repo("rw", 0);
	struct vlt_buf got = VLT_BUF_INIT;
	struct vlt_oid a, b, c;
	enum vlt_obj_kind kind = VLT_OBJ_NONE;
	uint64_t size = 0;
	static const char data[] = "the same bytes";

	ok(vlt_odb_write(r, VLT_OBJ_CHUNK, data, sizeof(data) - 1, &a) == 0,
	   "a chunk is written");
	ok(vlt_odb_has(r, &a) == 1, "it is there before the flush");
	ok(vlt_odb_read(r, &a, &kind, &got) == 0 && kind == VLT_OBJ_CHUNK &&
	   got.len == sizeof(data) - 1 && !memcmp(got.data, data, got.len),
	   "and reads back from the pack being written");
	is_int(vlt_odb_write_hashed(r, VLT_OBJ_CHUNK, data, sizeof(data) - 1,
				    &a), 0, "writing it again stores nothing");
	ok(vlt_odb_write(r, VLT_OBJ_FILE, data, sizeof(data) - 1, &b) == 0 &&
	   memcmp(a.id, b.id, sizeof(a.id)),
	   "the same bytes as another kind are another object");
	ok(vlt_odb_flush(r) == 0, "flush");
	ok(vlt_odb_info(r, &b, &kind, &size) == 0 && kind == VLT_OBJ_FILE &&
	   size == sizeof(data) - 1, "kind and size from the index");
	ok(vlt_odb_read_kind(r, &a, VLT_OBJ_TREE, &got) == VLT_E_INVALID,
	   "read_kind refuses the wrong kind");
	memset(&c, 0x5a, sizeof(c));
	ok(vlt_odb_has(r, &c) == 0 &&
	   vlt_odb_read(r, &c, NULL, &got) == VLT_E_NOTFOUND,
	   "an id never stored is not found");
	{
		char hex[VLT_OID_HEXSZ + 1], pre[13];
		struct vlt_oid out;

		vlt_oid_to_hex(&a, hex);
		memcpy(pre, hex, 12);
		pre[12] = '\0';
		ok(vlt_odb_resolve_prefix(r, pre, &out) == 0 &&
		   !memcmp(out.id, a.id, sizeof(a.id)), "a 12-digit prefix resolves");
		ok(vlt_odb_resolve_prefix(r, "zz", &out) == VLT_E_INVALID,
		   "a prefix that is not hex is refused");
	}
	vlt_buf_release(&got);
	vlt_repo_free(r);
}

static struct vlt_oid ids[NOBJ];

static void test_rotation(void)
{
	struct vlt_repo *r = new_repo("rot", 64 * 1024);
	struct vlt_buf b = VLT_BUF_INIT, got = VLT_BUF_INIT;
	char path[512];
	int bad = 0, stored = 0;
	size_t before;

	for (int i = 0; i < NOBJ; i++) {
		int err;

		make_obj(i, &b);
		err = vlt_odb_write(r, VLT_OBJ_CHUNK, b.data, b.len, &ids[i]);
		if (err < 0)
			bad++;
		stored += err == 0;
	}
	ok(!bad && stored == NOBJ, "%d objects written", NOBJ);
	before = vlt_odb_pack_count(r);
	ok(before >= 10, "full packs were stored while writing (%zu)", before);
	ok(vlt_odb_flush(r) == 0 && vlt_odb_pack_count(r) >= before,
	   "the last one at the flush");
	bad = 0;
	for (int i = 0; i < NOBJ; i++)
		if (vlt_odb_read(r, &ids[i], NULL, &got) < 0)
			bad++;
	ok(!bad, "every object reads back in the same process");
	snprintf(path, sizeof(path), "%s", r->path);
	vlt_repo_free(r);

	if (vlt_repo_open(path, &r) < 0) {
		tap_diag("open: %s", vlt_error_last());
		exit(1);
	}
	ok(vlt_odb_load_errors(r, NULL) == 0, "every pack index loads");
	bad = 0;
	for (int i = 0; i < NOBJ; i++) {
		make_obj(i, &b);
		if (vlt_odb_read(r, &ids[i], NULL, &got) < 0 || got.len != b.len ||
		    memcmp(got.data, b.data, b.len))
			bad++;
	}
	ok(!bad, "and after a reopen, byte for byte");
	{
		size_t n = vlt_odb_pack_count(r);

		make_obj(3, &b);
		ok(vlt_odb_write_hashed(r, VLT_OBJ_CHUNK, b.data, b.len, &ids[3]) == 0 &&
		   vlt_odb_flush(r) == 0 && vlt_odb_pack_count(r) == n,
		   "a stored object is deduplicated: no new pack");
	}
	vlt_buf_release(&b);
	vlt_buf_release(&got);
	vlt_repo_free(r);
}

int main(void)
{
	tap_plan_lazy();
	test_write_read();
	test_rotation();
	return tap_done();
}
