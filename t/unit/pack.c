/*
 * pack.c - unit tests: pack and index round trip through the object
 * database with thousands of objects; damaged and truncated packs and
 * indexes give clear errors; prefixes; pending objects; a pack whose
 * index is lost is indexed again, byte for byte.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "fsutil.h"
#include "odb.h"
#include "pack.h"
#include "repo.h"
#include "seal.h"
#include "tap.h"

#define NOBJ 5000

static void make_obj(int i, struct vlt_buf *b)
{
	vlt_buf_reset(b);
	/* varied sizes and compressibility */
	for (int j = 0; j < 1 + (i * 37) % 300; j++)
		vlt_buf_addf(b, "object %d line %d %s\n", i, j,
			     (i & 1) ? "zzzzzzzzzzzzzzzz" : "");
}

static struct vlt_repo *new_repo(const char *name, uint64_t pack_size)
{
	struct vlt_init_opts o;
	struct vlt_repo *r = NULL;
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", tap_tmpdir(), name);
	vlt_init_opts_default(&o);
	o.bare = 1;
	o.pack_target = pack_size;
	if (vlt_repo_init(path, &o, &r) < 0) {
		tap_diag("init: %s", vlt_error_last());
		exit(1);
	}
	return r;
}

static struct vlt_oid ids[NOBJ];

static void test_round_trip(void)
{
	struct vlt_repo *r = new_repo("rt", 256 * 1024);
	struct vlt_buf b = VLT_BUF_INIT, got = VLT_BUF_INIT;
	char path[512];
	int bad = 0;
	enum vlt_obj_kind kind;

	for (int i = 0; i < NOBJ; i++) {
		make_obj(i, &b);
		if (vlt_odb_write(r, VLT_OBJ_CHUNK, b.data, b.len, &ids[i]) < 0)
			bad++;
	}
	ok(!bad, "%d objects written", NOBJ);
	make_obj(17, &b);
	ok(vlt_odb_read(r, &ids[NOBJ - 1], &kind, &got) == 0,
	   "a pending (unflushed) object can be read");
	ok(vlt_odb_flush(r) == 0, "flush");
	ok(vlt_odb_pack_count(r) > 3, "several packs at a 256k target (%zu)",
	   vlt_odb_pack_count(r));
	snprintf(path, sizeof(path), "%s", r->path);
	vlt_repo_free(r);

	if (vlt_repo_open(path, &r) < 0) {
		tap_diag("%s", vlt_error_last());
		exit(1);
	}
	for (int i = 0; i < NOBJ; i++) {
		make_obj(i, &b);
		if (vlt_odb_read(r, &ids[i], &kind, &got) < 0 ||
		    kind != VLT_OBJ_CHUNK || got.len != b.len ||
		    memcmp(got.data, b.data, b.len))
			bad++;
	}
	ok(!bad, "all %d objects read back after reopening", NOBJ);
	{
		struct vlt_oid before = ids[3];
		size_t packs = vlt_odb_pack_count(r);

		make_obj(3, &b);
		vlt_odb_write(r, VLT_OBJ_CHUNK, b.data, b.len, &ids[3]);
		vlt_odb_flush(r);
		ok(!vlt_oid_cmp(&before, &ids[3]) &&
		   vlt_odb_pack_count(r) == packs,
		   "writing an existing object stores nothing");
	}
	{
		struct vlt_oid missing = ids[0], out;

		missing.id[31] ^= 1;
		ok(vlt_odb_read(r, &missing, NULL, &got) == VLT_E_NOTFOUND,
		   "absent object: not found");
		ok(vlt_odb_resolve_prefix(r, vlt_oid_hex(&ids[5]) + 0, &out) == 0,
		   "full hex resolves");
		{
			char pre[13];

			memcpy(pre, vlt_oid_hex(&ids[5]), 12);
			pre[12] = 0;
			ok(vlt_odb_resolve_prefix(r, pre, &out) == 0 &&
			   !vlt_oid_cmp(&out, &ids[5]), "12-digit prefix resolves");
		}
		{
			/* among 5000 ids some 4-digit prefix is shared by 2+ */
			int amb = 0;

			for (int i = 0; i < NOBJ && !amb; i++) {
				char pre[5];

				memcpy(pre, vlt_oid_hex(&ids[i]), 4);
				pre[4] = 0;
				for (int j = i + 1; j < NOBJ; j++)
					if (!memcmp(vlt_oid_hex(&ids[j]), pre, 4)) {
						amb = vlt_odb_resolve_prefix(r, pre, &out) ==
						      VLT_E_AMBIGUOUS;
						break;
					}
			}
			ok(amb, "a shared prefix is ambiguous");
		}
	}
	vlt_buf_release(&b);
	vlt_buf_release(&got);
	vlt_repo_free(r);
}

static int first_pack(struct vlt_repo *r, char *name)
{
	struct vlt_pack *p = vlt_odb_pack_at(r, 0);

	if (!p)
		return -1;
	strcpy(name, p->name);
	return 0;
}

static void flip_byte(const char *path, long off)
{
	unsigned char c;
	int fd;

	chmod(path, 0644);
	fd = open(path, O_RDWR);
	if (off < 0)
		off += lseek(fd, 0, SEEK_END);
	if (pread(fd, &c, 1, off) == 1) {
		c ^= 0x20;
		if (pwrite(fd, &c, 1, off) != 1)
			tap_diag("pwrite failed");
	}
	close(fd);
}

static void test_damage(void)
{
	struct vlt_repo *r = new_repo("dmg", 1 << 20);
	struct vlt_buf b = VLT_BUF_INIT, got = VLT_BUF_INIT, pk = VLT_BUF_INIT;
	struct vlt_oid oid[50];
	struct vlt_idfn fn;
	struct vlt_sealer none;
	char name[65], pack[600], idx[600], rpath[512];
	uint32_t n;
	int failed = 0, good = 0;

	vlt_idfn_parse(&fn, "sha256");
	vlt_sealer_parse(&none, "none");
	for (int i = 0; i < 50; i++) {
		make_obj(i + 100, &b);
		vlt_odb_write(r, VLT_OBJ_CHUNK, b.data, b.len, &oid[i]);
	}
	vlt_odb_flush(r);
	first_pack(r, name);
	snprintf(pack, sizeof(pack), "%s/packs/%s.pack", r->path, name);
	snprintf(idx, sizeof(idx), "%s/packs/%s.idx", r->path, name);
	snprintf(rpath, sizeof(rpath), "%s", r->path);
	vlt_repo_free(r);

	vlt_read_file(pack, &pk);
	ok(vlt_pack_verify((unsigned char *)pk.data, pk.len, NULL, &fn, &none, 1,
			   &n) == 0 && n == 50, "a sound pack verifies (50 objects)");
	ok(vlt_pack_verify((unsigned char *)pk.data, pk.len / 2, NULL, &fn, &none,
			   1, &n) == VLT_E_CORRUPT, "a truncated pack is corrupt");
	tap_diag("message: %s", vlt_error_last());

	/* damage one object's data in the middle of the pack */
	flip_byte(pack, (long)pk.len / 2);
	vlt_read_file(pack, &pk);
	ok(vlt_pack_verify((unsigned char *)pk.data, pk.len, NULL, &fn, &none, 1,
			   &n) == VLT_E_CORRUPT &&
	   strstr(vlt_error_last(), "checksum"), "a flipped byte fails the "
	   "pack checksum");
	vlt_repo_open(rpath, &r);
	for (int i = 0; i < 50; i++) {
		if (vlt_odb_read(r, &oid[i], NULL, &got) == 0)
			good++;
		else if (vlt_error_last_code() == VLT_E_CORRUPT &&
			 strstr(vlt_error_last(), name))
			failed++;
	}
	ok(failed == 1 && good == 49, "exactly the damaged object fails, naming "
	   "its pack (%d failed, %d good)", failed, good);
	vlt_repo_free(r);

	/* damaged index: refused with a message, other packs still load */
	flip_byte(idx, 2000);
	{
		struct vlt_backend *be;
		struct vlt_pack *p;

		vlt_backend_local_open(rpath, &be);
		ok(vlt_pack_open(be, name, &p) == VLT_E_CORRUPT &&
		   strstr(vlt_error_last(), "checksum"),
		   "a damaged index is refused: %s", vlt_error_last());
		flip_byte(idx, 2000);
		if (truncate(idx, 1500) < 0)
			tap_diag("truncate failed");
		ok(vlt_pack_open(be, name, &p) == VLT_E_CORRUPT &&
		   strstr(vlt_error_last(), "size"),
		   "a truncated index is refused: %s", vlt_error_last());
		if (truncate(idx, 10) < 0)
			tap_diag("truncate failed");
		ok(vlt_pack_open(be, name, &p) == VLT_E_CORRUPT,
		   "a stub index is refused: %s", vlt_error_last());
		vlt_backend_free(be);
	}
	vlt_buf_release(&b);
	vlt_buf_release(&got);
	vlt_buf_release(&pk);
}

static void test_index_build(void)
{
	struct vlt_pack_entry e[3];
	struct vlt_buf idx = VLT_BUF_INIT;
	struct vlt_oid name;
	struct vlt_pack *p;

	memset(e, 0, sizeof(e));
	for (int i = 0; i < 3; i++) {
		e[i].oid.id[0] = (unsigned char)(200 - i * 90);
		e[i].offset = 16 + 50 * i;
		e[i].stored_len = 6;
		e[i].raw_len = 6;
		e[i].kind = VLT_OBJ_CHUNK;
	}
	vlt_pack_index_build(e, 3, &name, &idx);
	ok(idx.len == 16 + 1024 + 3 * 48 + 40, "index size is header + fanout "
	   "+ 48 bytes per object + trailer");
	memset(&name, 0, sizeof(name));
	vlt_buf_reset(&idx);
	vlt_pack_index_build(e, 3, &name, &idx);
	ok(vlt_pack_open_buf(vlt_oid_hex(&name), (unsigned char *)idx.data,
			     idx.len, &p) == 0, "built index parses");
	ok(p->count == 3 && vlt_pack_find(p, &e[0].oid) == 0 &&
	   vlt_pack_find(p, &e[2].oid) == 2, "ids sorted, binary search finds them");
	vlt_pack_close(NULL, p);
	vlt_buf_release(&idx);
}

static void test_midx(void)
{
	struct vlt_repo *r = new_repo("midx", 4096);
	struct vlt_buf b = VLT_BUF_INIT, got = VLT_BUF_INIT;
	struct vlt_oid ids2[600];
	char path[512], name[65], key[700];
	int bad = 0;

	for (int i = 0; i < 600; i++) {
		make_obj(i + 7000, &b);
		vlt_odb_write(r, VLT_OBJ_CHUNK, b.data, b.len, &ids2[i]);
		if (i == 400)
			vlt_odb_flush(r);
	}
	vlt_odb_flush(r);
	ok(vlt_odb_pack_count(r) >= 16, "%zu packs", vlt_odb_pack_count(r));
	ok(vlt_odb_write_midx(r, name) == 0, "multi-pack index written");
	snprintf(path, sizeof(path), "%s", r->path);
	vlt_repo_free(r);

	vlt_repo_open(path, &r);
	is_int(vlt_odb_uncovered_packs(r), 0, "every pack covered after reopen");
	for (int i = 0; i < 600; i++)
		if (vlt_odb_read(r, &ids2[i], NULL, &got) < 0)
			bad++;
	ok(!bad, "every object found through the multi-pack index");
	{
		struct vlt_oid extra;

		make_obj(99999, &b);
		vlt_odb_write(r, VLT_OBJ_CHUNK, b.data, b.len, &extra);
		vlt_odb_flush(r);
		ok(vlt_odb_has(r, &extra) == 1 && vlt_odb_uncovered_packs(r) == 1,
		   "a pack stored after it is searched on its own");
		vlt_repo_free(r);
		/* damage the midx: it is ignored, nothing is lost */
		snprintf(key, sizeof(key), "%s/index/midx-%s", path, name);
		flip_byte(key, 3000);
		vlt_repo_open(path, &r);
		ok(vlt_odb_uncovered_packs(r) == (int)vlt_odb_pack_count(r),
		   "a damaged multi-pack index is not used");
		bad = 0;
		for (int i = 0; i < 600; i++)
			if (vlt_odb_has(r, &ids2[i]) != 1)
				bad++;
		ok(!bad && vlt_odb_has(r, &extra) == 1,
		   "and every object is still found");
	}
	vlt_buf_release(&b);
	vlt_buf_release(&got);
	vlt_repo_free(r);
}

static void test_reindex(void)
{
	struct vlt_repo *r = new_repo("reindex", 256 * 1024);
	struct vlt_buf b = VLT_BUF_INIT, saved = VLT_BUF_INIT, now = VLT_BUF_INIT;
	struct vlt_oid oid;
	char name[VLT_OID_HEXSZ + 1], idx[1024], pack[1024];
	int made = -1, bad = 0;

	for (int i = 0; i < 300; i++) {
		make_obj(i, &b);
		bad |= vlt_odb_write(r, VLT_OBJ_CHUNK, b.data, b.len, &oid) < 0;
	}
	bad |= vlt_odb_flush(r) < 0 || first_pack(r, name) < 0;
	ok(!bad, "a pack written");
	snprintf(idx, sizeof(idx), "%s/packs/%s.idx", r->path, name);
	snprintf(pack, sizeof(pack), "%s/packs/%s.pack", r->path, name);
	ok(vlt_read_file(idx, &saved) == 0 && unlink(idx) == 0,
	   "its index removed");
	ok(vlt_pack_reindex(r->be, name, &made) == 0 && made == 1,
	   "vlt_pack_reindex stores an index");
	ok(vlt_read_file(idx, &now) == 0 && now.len == saved.len &&
	   !memcmp(now.data, saved.data, now.len),
	   "the same bytes as the writer's index");
	ok(vlt_pack_reindex(r->be, name, &made) == 0 && made == 0,
	   "a second call finds it there and changes nothing");
	unlink(idx);
	flip_byte(pack, 40);
	ok(vlt_pack_reindex(r->be, name, &made) == VLT_E_CORRUPT && made == 0 &&
	   strstr(vlt_error_last(), "cannot be indexed"),
	   "a damaged pack is not indexed: %s", vlt_error_last());
	ok(vlt_pack_reindex(r->be, "nothex", NULL) == VLT_E_INVALID,
	   "a bad name is refused");
	vlt_buf_release(&b);
	vlt_buf_release(&saved);
	vlt_buf_release(&now);
	vlt_repo_free(r);
}

int main(void)
{
	tap_plan_lazy();
	test_reindex();
	test_index_build();
	test_midx();
	test_round_trip();
	test_damage();
	return tap_done();
}
