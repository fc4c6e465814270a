/*
 * fixture.c - scratch repositories and stored histories for the unit
 * tests (see fixture.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "fixture.h"
#include "odb.h"
#include "tap.h"

void fx_fail(const char *what)
{
	tap_diag("%s: %s", what, vlt_error_last());
	exit(1);
}

struct vlt_oid fx_fake(unsigned char b)
{
	struct vlt_oid o;

	memset(&o, b, sizeof(o));
	return o;
}

struct vlt_repo *fx_repo(const char *name)
{
	struct vlt_init_opts o;
	struct vlt_repo *r;
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", tap_tmpdir(), name);
	vlt_init_opts_default(&o);
	o.bare = 1;
	if (vlt_repo_init(path, &o, &r) < 0)
		fx_fail("init");
	return r;
}

struct vlt_oid fx_store(struct vlt_repo *r, enum vlt_obj_kind k,
			const struct vlt_buf *b)
{
	struct vlt_oid oid;

	if (vlt_odb_write(r, k, b->data, b->len, &oid) < 0)
		fx_fail("store");
	return oid;
}

struct vlt_oid fx_tree(struct vlt_repo *r, struct vlt_tree *t)
{
	struct vlt_buf b = VLT_BUF_INIT;
	struct vlt_oid oid;

	if (vlt_tree_encode(t, &b) < 0)
		fx_fail("tree");
	oid = fx_store(r, VLT_OBJ_TREE, &b);
	vlt_tree_release(t);
	vlt_buf_release(&b);
	return oid;
}

struct vlt_oid fx_snapshot(struct vlt_repo *r, const struct vlt_oid *tree,
			   int64_t when, const struct vlt_oid *p1,
			   const struct vlt_oid *p2, const char *msg)
{
	struct vlt_snapshot s;
	struct vlt_buf b = VLT_BUF_INIT;
	struct vlt_oid oid;

	vlt_snapshot_init(&s);
	s.tree = *tree;
	if (vlt_snapshot_set_defaults(&s) < 0)
		fx_fail("snapshot defaults");
	if (when)
		s.time = when;
	if ((p1 && vlt_snapshot_add_parent(&s, p1) < 0) ||
	    (p2 && vlt_snapshot_add_parent(&s, p2) < 0) ||
	    !(s.message = strdup(msg)) ||
	    vlt_snapshot_encode(&s, &b) < 0)
		fx_fail("snapshot");
	oid = fx_store(r, VLT_OBJ_SNAPSHOT, &b);
	vlt_snapshot_release(&s);
	vlt_buf_release(&b);
	return oid;
}
