/*
 * walk.c - unit tests for lib/walk.c: the states a history walk reports
 * after retention (a forgotten snapshot with and without its files, a
 * forgotten parent whose object is gone, a missing parent nobody forgot),
 * first-parent and full walks, and the forgotten marks themselves.
 *
 * "gc freed its files" is made by pointing a snapshot at a tree that was
 * never stored; "its object is gone too" by a parent id never stored.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "odb.h"
#include "oidset.h"
#include "tree.h"
#include "walk.h"
#include "tap.h"

static struct vlt_repo *repo;

static void fail(const char *what)
{
	tap_diag("%s: %s", what, vlt_error_last());
	exit(1);
}

static struct vlt_oid fake(unsigned char b)
{
	struct vlt_oid o;

	memset(&o, b, sizeof(o));
	return o;
}

static struct vlt_oid empty_tree(void)
{
	struct vlt_tree t;
	struct vlt_buf b = VLT_BUF_INIT;
	struct vlt_oid oid;

	vlt_tree_init(&t);
	if (vlt_tree_encode(&t, &b) < 0 ||
	    vlt_odb_write(repo, VLT_OBJ_TREE, b.data, b.len, &oid) < 0)
		fail("tree");
	vlt_tree_release(&t);
	vlt_buf_release(&b);
	return oid;
}

/* A stored snapshot of tree with up to two parents (NULL: none). */
static struct vlt_oid snap(const struct vlt_oid *tree, const struct vlt_oid *p1,
			   const struct vlt_oid *p2, const char *msg)
{
	struct vlt_snapshot s;
	struct vlt_buf b = VLT_BUF_INIT;
	struct vlt_oid oid;

	vlt_snapshot_init(&s);
	s.tree = *tree;
	if (vlt_snapshot_set_defaults(&s) < 0 ||
	    (p1 && vlt_snapshot_add_parent(&s, p1) < 0) ||
	    (p2 && vlt_snapshot_add_parent(&s, p2) < 0) ||
	    !(s.message = strdup(msg)) ||
	    vlt_snapshot_encode(&s, &b) < 0 ||
	    vlt_odb_write(repo, VLT_OBJ_SNAPSHOT, b.data, b.len, &oid) < 0)
		fail("snapshot");
	vlt_snapshot_release(&s);
	vlt_buf_release(&b);
	return oid;
}

static int eq(const struct vlt_oid *a, const struct vlt_oid *b)
{
	return !vlt_oid_cmp(a, b);
}

static void test_marks(void)
{
	struct vlt_oidset set = VLT_OIDSET_INIT;
	struct vlt_oid a = fake(0x11), b = fake(0x22);

	is_int(vlt_snapshot_forgotten(repo, &a), 0, "not forgotten at first");
	ok(vlt_snapshot_forget(repo, &a) == 0, "forget");
	ok(vlt_snapshot_forget(repo, &a) == 0, "forgetting twice is fine");
	is_int(vlt_snapshot_forgotten(repo, &a), 1, "forgotten then");
	is_int(vlt_snapshot_forgotten(repo, &b), 0, "another is not");
	ok(vlt_forgotten_load(repo, &set) == 0 && vlt_oidset_contains(&set, &a) &&
	   !vlt_oidset_contains(&set, &b), "the marks load as a set");
	vlt_oidset_release(&set);
}

static void test_after_retention(void)
{
	struct vlt_oid tree = empty_tree(), gone_tree = fake(0x33);
	struct vlt_oid s1, s2, s3, s4;
	const struct vlt_walk_entry *e;
	struct vlt_walk w;

	/* s1 kept, s2 forgotten with its files, s3 forgotten without, s4 */
	s1 = snap(&tree, NULL, NULL, "one");
	s2 = snap(&tree, &s1, NULL, "two");
	s3 = snap(&gone_tree, &s2, NULL, "three");
	s4 = snap(&tree, &s3, NULL, "four");
	if (vlt_odb_flush(repo) < 0 || vlt_snapshot_forget(repo, &s2) < 0 ||
	    vlt_snapshot_forget(repo, &s3) < 0)
		fail("setup");
	if (vlt_walk_init(&w, repo, VLT_WALK_FIRST_PARENT) < 0 ||
	    vlt_walk_push(&w, &s4) < 0)
		fail("walk");
	ok(vlt_walk_next(&w, &e) == 1 && eq(&e->oid, &s4) && !e->forgotten &&
	   e->has_tree && e->parent == VLT_PARENT_FORGOTTEN &&
	   eq(&e->parent_id, &s3), "s4: its parent was forgotten, files gone");
	ok(w.met_forgotten, "the walk says it met forgotten history");
	ok(vlt_walk_next(&w, &e) == 1 && eq(&e->oid, &s3) && e->forgotten &&
	   !e->has_tree && e->parent == VLT_PARENT_OK &&
	   eq(&e->parent_tree, &tree), "s3: forgotten, no files; s2 has its");
	ok(vlt_walk_next(&w, &e) == 1 && eq(&e->oid, &s2) && e->forgotten &&
	   e->has_tree && e->parent == VLT_PARENT_OK, "s2: forgotten, files kept");
	ok(vlt_walk_next(&w, &e) == 1 && eq(&e->oid, &s1) && !e->forgotten &&
	   e->parent == VLT_PARENT_NONE && !strcmp(e->snap.message, "one"),
	   "s1: the first snapshot");
	is_int(vlt_walk_next(&w, &e), 0, "then the end");
	vlt_walk_release(&w);
}

static void test_gone_parents(void)
{
	struct vlt_oid tree = empty_tree(), forgot = fake(0x44), lost = fake(0x55);
	struct vlt_oid a, b;
	const struct vlt_walk_entry *e;
	struct vlt_walk w;

	if (vlt_snapshot_forget(repo, &forgot) < 0)
		fail("forget");
	a = snap(&tree, &forgot, NULL, "after forgotten");
	b = snap(&tree, &lost, NULL, "after lost");
	if (vlt_odb_flush(repo) < 0)
		fail("flush");

	if (vlt_walk_init(&w, repo, VLT_WALK_FIRST_PARENT) < 0 ||
	    vlt_walk_push(&w, &a) < 0)
		fail("walk");
	ok(vlt_walk_next(&w, &e) == 1 && e->parent == VLT_PARENT_FORGOTTEN,
	   "a forgotten parent whose object is gone: forgotten");
	is_int(vlt_walk_next(&w, &e), 0, "and the walk ends quietly there");
	ok(w.met_forgotten, "saying it met forgotten history");
	vlt_walk_release(&w);

	if (vlt_walk_init(&w, repo, VLT_WALK_FIRST_PARENT) < 0 ||
	    vlt_walk_push(&w, &b) < 0)
		fail("walk");
	ok(vlt_walk_next(&w, &e) == 1 && e->parent == VLT_PARENT_MISSING,
	   "a missing parent nobody forgot: missing");
	is_int(vlt_walk_next(&w, &e), VLT_E_CORRUPT, "the walk calls it damage");
	ok(strstr(vlt_error_last(), "was not forgotten") != NULL,
	   "and says why: %s", vlt_error_last());
	ok(!w.met_forgotten, "no forgotten history met");
	vlt_walk_release(&w);
}

static void test_full_walk(void)
{
	struct vlt_oid tree = empty_tree(), root, left, right, merge;
	const struct vlt_walk_entry *e;
	struct vlt_walk w;
	int n = 0, rc, first_parent_only = 0;

	root = snap(&tree, NULL, NULL, "root");
	left = snap(&tree, &root, NULL, "left");
	right = snap(&tree, &root, NULL, "right");
	merge = snap(&tree, &left, &right, "merge");
	if (vlt_odb_flush(repo) < 0)
		fail("flush");
	if (vlt_walk_init(&w, repo, 0) < 0 || vlt_walk_push(&w, &merge) < 0 ||
	    vlt_walk_push(&w, &left) < 0)
		fail("walk");
	while ((rc = vlt_walk_next(&w, &e)) == 1)
		n++;
	is_int(rc, 0, "a full walk ends without error");
	is_int(n, 4, "every snapshot of a merge history once, several starts");
	vlt_walk_release(&w);

	if (vlt_walk_init(&w, repo, VLT_WALK_FIRST_PARENT) < 0 ||
	    vlt_walk_push(&w, &merge) < 0)
		fail("walk");
	while ((rc = vlt_walk_next(&w, &e)) == 1)
		first_parent_only += eq(&e->oid, &right);
	is_int(first_parent_only, 0, "first parents only: the merged side "
	       "is not walked");
	vlt_walk_release(&w);
}

int main(void)
{
	struct vlt_init_opts o;
	char path[512];

	tap_plan_lazy();
	snprintf(path, sizeof(path), "%s/repo", tap_tmpdir());
	vlt_init_opts_default(&o);
	o.bare = 1;
	if (vlt_repo_init(path, &o, &repo) < 0)
		fail("init");
	test_marks();
	test_after_retention();
	test_gone_parents();
	test_full_walk();
	vlt_repo_free(repo);
	return tap_done();
}
