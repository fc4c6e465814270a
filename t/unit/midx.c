/*
 * midx.c - unit tests for lib/midx.c: a multi-pack index built from the
 * packs of a repository is found, names them, finds every id in the right
 * pack, misses what no pack has; a damaged or truncated one is ignored,
 * and the one covering the most packs is chosen.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "midx.h"
#include "odb.h"
#include "repo.h"
#include "tap.h"

#define NOBJ 300

static struct vlt_oid ids[NOBJ];

static struct vlt_repo *new_repo(const char *name)
{
	struct vlt_init_opts o;
	struct vlt_repo *r = NULL;
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", tap_tmpdir(), name);
	vlt_init_opts_default(&o);
	o.bare = 1;
	o.pack_target = 8192;
	if (vlt_repo_init(path, &o, &r) < 0) {
		tap_diag("init: %s", vlt_error_last());
		exit(1);
	}
	return r;
}

static void fill(struct vlt_repo *r)
{
	struct vlt_buf b = VLT_BUF_INIT;

	for (int i = 0; i < NOBJ; i++) {
		vlt_buf_reset(&b);
		for (int j = 0; j < 40 + i % 50; j++)
			vlt_buf_addf(&b, "midx object %d line %d\n", i, j);
		if (vlt_odb_write(r, VLT_OBJ_CHUNK, b.data, b.len, &ids[i]) < 0) {
			tap_diag("write: %s", vlt_error_last());
			exit(1);
		}
	}
	if (vlt_odb_flush(r) < 0)
		exit(1);
	vlt_buf_release(&b);
}

static struct vlt_pack **loaded(struct vlt_repo *r, size_t *n)
{
	struct vlt_pack **p;

	*n = vlt_odb_pack_count(r);
	p = calloc(*n ? *n : 1, sizeof(*p));
	for (size_t i = 0; p && i < *n; i++)
		p[i] = vlt_odb_pack_at(r, i);
	return p;
}

/* Which loaded pack holds id, by the packs' own indexes. */
static struct vlt_pack *holder(struct vlt_pack **p, size_t n,
			       const struct vlt_oid *id)
{
	for (size_t i = 0; i < n; i++)
		if (vlt_pack_find(p[i], id) >= 0)
			return p[i];
	return NULL;
}

static void flip(const char *path, long at)
{
	int fd = open(path, O_RDWR);
	unsigned char c;

	if (fd < 0 || pread(fd, &c, 1, at) != 1)
		exit(1);
	c ^= 0x40;
	if (pwrite(fd, &c, 1, at) != 1)
		exit(1);
	close(fd);
}

int main(void)
{
	struct vlt_repo *r;
	struct vlt_midx *m = NULL;
	struct vlt_pack **packs;
	char name[VLT_OID_HEXSZ + 1], key[1024];
	size_t n;
	int bad = 0;

	tap_plan_lazy();
	r = new_repo("m");
	ok(vlt_midx_load(r->be, &m) == 0 && !m, "no index: none loaded");
	ok(vlt_midx_write(r->be, NULL, 0, name) == VLT_E_INVALID,
	   "an index of no packs is refused");
	fill(r);
	packs = loaded(r, &n);
	ok(packs && n >= 8, "%zu packs to index", n);
	ok(vlt_midx_write(r->be, packs, n, name) == 0 && strlen(name) == 64,
	   "index written");
	ok(vlt_midx_write(r->be, packs, n, name) == 0,
	   "writing the same one again is fine");
	ok(vlt_midx_load(r->be, &m) == 0 && m, "and loaded");
	is_int(vlt_midx_pack_count(m), (long long)n, "it names every pack");
	for (size_t i = 0; i < n; i++)
		packs[i]->in_midx = 0;
	ok(vlt_midx_bind(m, packs, n) == 0, "bound to the loaded packs");
	for (size_t i = 0; i < n; i++)
		bad += !packs[i]->in_midx;
	ok(!bad, "each pack is marked covered");
	bad = 0;
	for (int i = 0; i < NOBJ; i++) {
		struct vlt_pack *p = NULL;
		uint32_t pos = 0;

		if (!vlt_midx_find(m, &ids[i], &p, &pos) ||
		    p != holder(packs, n, &ids[i]) || pos >= p->count ||
		    memcmp(p->ids + (size_t)pos * VLT_OID_RAWSZ, ids[i].id,
			   VLT_OID_RAWSZ))
			bad++;
	}
	ok(!bad, "every id found at its pack and position");
	{
		struct vlt_oid none;
		struct vlt_pack *p;
		uint32_t pos;

		memset(&none, 0xee, sizeof(none));
		ok(!vlt_midx_find(m, &none, &p, &pos), "an absent id is a miss");
	}
	vlt_midx_free(r->be, m);

	/* a smaller one beside it: the one covering the most packs wins */
	{
		char small[VLT_OID_HEXSZ + 1];

		ok(vlt_midx_write(r->be, packs, 2, small) == 0 &&
		   strcmp(small, name), "a second index of two packs");
		ok(vlt_midx_load(r->be, &m) == 0 && m &&
		   vlt_midx_pack_count(m) == n, "the larger index is chosen");
		vlt_midx_free(r->be, m);
		snprintf(key, sizeof(key), "%s/index/midx-%s", r->path, name);
		flip(key, 2000);
		ok(vlt_midx_load(r->be, &m) == 0 && m &&
		   vlt_midx_pack_count(m) == 2,
		   "a damaged index is skipped for a valid one");
		vlt_midx_free(r->be, m);
		snprintf(key, sizeof(key), "%s/index/midx-%s", r->path, small);
		if (truncate(key, 100) < 0)
			exit(1);
		ok(vlt_midx_load(r->be, &m) == 0 && !m,
		   "with every index damaged none is loaded, and no error");
	}
	free(packs);
	vlt_repo_free(r);
	return tap_done();
}
