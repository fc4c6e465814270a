/*
 * walk.c - unit tests for lib/walk.c: the states a history walk reports
 * after retention (a forgotten snapshot with and without its files, a
 * forgotten parent whose object is gone, a missing parent nobody forgot),
 * first-parent and full walks, and the forgotten marks themselves.
 *
 * "gc freed its files" is made by pointing a snapshot at a tree that was
 * never stored; "its object is gone too" by a parent id never stored.
 * The object walk: every object once, with its path and what reached it,
 * in order, forgotten trees left out unless kept whole, damage reported.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "odb.h"
#include "oidset.h"
#include "refs.h"
#include "tree.h"
#include "walk.h"
#include "fixture.h"
#include "tap.h"

static struct vlt_repo *repo;

static struct vlt_oid empty_tree(void)
{
	struct vlt_tree t;

	vlt_tree_init(&t);
	return fx_tree(repo, &t);
}

/* A stored snapshot of tree with up to two parents (NULL: none). */
static struct vlt_oid snap(const struct vlt_oid *tree, const struct vlt_oid *p1,
			   const struct vlt_oid *p2, const char *msg)
{
	return fx_snapshot(repo, tree, 0, p1, p2, msg);
}

static int eq(const struct vlt_oid *a, const struct vlt_oid *b)
{
	return !vlt_oid_cmp(a, b);
}

static void test_marks(void)
{
	struct vlt_oidset set = VLT_OIDSET_INIT;
	struct vlt_oid a = fx_fake(0x11), b = fx_fake(0x22);

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
	struct vlt_oid tree = empty_tree(), gone_tree = fx_fake(0x33);
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
		fx_fail("setup");
	if (vlt_walk_init(&w, repo, VLT_WALK_FIRST_PARENT) < 0 ||
	    vlt_walk_push(&w, &s4) < 0)
		fx_fail("walk");
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
	struct vlt_oid tree = empty_tree(), forgot = fx_fake(0x44), lost = fx_fake(0x55);
	struct vlt_oid a, b;
	const struct vlt_walk_entry *e;
	struct vlt_walk w;

	if (vlt_snapshot_forget(repo, &forgot) < 0)
		fx_fail("forget");
	a = snap(&tree, &forgot, NULL, "after forgotten");
	b = snap(&tree, &lost, NULL, "after lost");
	if (vlt_odb_flush(repo) < 0)
		fx_fail("flush");

	if (vlt_walk_init(&w, repo, VLT_WALK_FIRST_PARENT) < 0 ||
	    vlt_walk_push(&w, &a) < 0)
		fx_fail("walk");
	ok(vlt_walk_next(&w, &e) == 1 && e->parent == VLT_PARENT_FORGOTTEN,
	   "a forgotten parent whose object is gone: forgotten");
	is_int(vlt_walk_next(&w, &e), 0, "and the walk ends quietly there");
	ok(w.met_forgotten, "saying it met forgotten history");
	vlt_walk_release(&w);

	if (vlt_walk_init(&w, repo, VLT_WALK_FIRST_PARENT) < 0 ||
	    vlt_walk_push(&w, &b) < 0)
		fx_fail("walk");
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
		fx_fail("flush");
	if (vlt_walk_init(&w, repo, 0) < 0 || vlt_walk_push(&w, &merge) < 0 ||
	    vlt_walk_push(&w, &left) < 0)
		fx_fail("walk");
	while ((rc = vlt_walk_next(&w, &e)) == 1)
		n++;
	is_int(rc, 0, "a full walk ends without error");
	is_int(n, 4, "every snapshot of a merge history once, several starts");
	vlt_walk_release(&w);

	if (vlt_walk_init(&w, repo, VLT_WALK_FIRST_PARENT) < 0 ||
	    vlt_walk_push(&w, &merge) < 0)
		fx_fail("walk");
	while ((rc = vlt_walk_next(&w, &e)) == 1)
		first_parent_only += eq(&e->oid, &right);
	is_int(first_parent_only, 0, "first parents only: the merged side "
	       "is not walked");
	vlt_walk_release(&w);
}

/* --- the object walk ---------------------------------------------------- */

static struct vlt_oid put(enum vlt_obj_kind kind, const void *data, size_t len)
{
	struct vlt_oid oid;

	if (vlt_odb_write(repo, kind, data, len, &oid) < 0)
		fx_fail("write");
	return oid;
}

static struct vlt_oid file_of(const struct vlt_oid *c1, const struct vlt_oid *c2)
{
	struct vlt_file f;
	struct vlt_buf b = VLT_BUF_INIT;
	struct vlt_oid oid;

	vlt_file_init(&f);
	if (vlt_file_add(&f, c1, 5) < 0 || (c2 && vlt_file_add(&f, c2, 5) < 0) ||
	    vlt_file_encode(&f, &b) < 0)
		fx_fail("file");
	oid = put(VLT_OBJ_FILE, b.data, b.len);
	vlt_file_release(&f);
	vlt_buf_release(&b);
	return oid;
}

struct entry_spec {
	const char *name;
	enum vlt_entry_type type;
	struct vlt_oid oid;
};

static struct vlt_oid tree_of(const struct entry_spec *e, size_t n)
{
	struct vlt_tree t;
	struct vlt_buf b = VLT_BUF_INIT;
	struct vlt_oid oid;

	vlt_tree_init(&t);
	for (size_t i = 0; i < n; i++)
		if (vlt_tree_add(&t, e[i].name, e[i].type, 0644, 5, 0, 0,
				 &e[i].oid) < 0)
			fx_fail("tree entry");
	if (vlt_tree_encode(&t, &b) < 0)
		fx_fail("tree");
	oid = put(VLT_OBJ_TREE, b.data, b.len);
	vlt_tree_release(&t);
	vlt_buf_release(&b);
	return oid;
}

struct seen_log {
	int kinds[8];
	char order[512];           /* paths of file objects, in visit order */
	char chunk_from[64];       /* 'f' from a file, 't' from a tree */
	int damage[8];
	int go_on;                 /* damage callback: 0 goes on */
};

static int log_visit(const struct vlt_object_visit *v, void *data)
{
	struct seen_log *l = data;
	size_t n;

	l->kinds[v->kind]++;
	if (v->kind == VLT_OBJ_FILE) {
		n = strlen(l->order);
		snprintf(l->order + n, sizeof(l->order) - n, "%s%s",
			 n ? " " : "", v->path);
	}
	if (v->kind == VLT_OBJ_CHUNK) {
		n = strlen(l->chunk_from);
		if (n + 1 < sizeof(l->chunk_from)) {
			l->chunk_from[n] = v->parent_kind == VLT_OBJ_FILE ? 'f' :
					   v->parent_kind == VLT_OBJ_TREE ? 't' : '?';
			l->chunk_from[n + 1] = '\0';
		}
	}
	return 0;
}

static int log_damage(const struct vlt_object_visit *v,
		      enum vlt_objwalk_damage what, int err, void *data)
{
	struct seen_log *l = data;

	(void)v;
	l->damage[what]++;
	vlt_error_clear();
	return l->go_on ? 0 : err;
}

static void test_object_walk(void)
{
	struct vlt_oid c1 = put(VLT_OBJ_CHUNK, "one..", 5);
	struct vlt_oid c2 = put(VLT_OBJ_CHUNK, "two..", 5);
	struct vlt_oid c3 = put(VLT_OBJ_CHUNK, "a.txt", 5);
	struct vlt_oid c4 = put(VLT_OBJ_CHUNK, "four.", 5);
	struct vlt_oid f1 = file_of(&c1, &c2), f2 = file_of(&c2, NULL);
	struct vlt_oid f3 = file_of(&c4, NULL);
	struct vlt_oid ghost = fx_fake(0x77), sub, root, t4, s1, s2, s4, bad, s5;
	struct vlt_objwalk w;
	struct seen_log l;
	struct vlt_buf ref = VLT_BUF_INIT;
	int rc;

	{
		struct entry_spec es[] = { { "b.txt", VLT_ENTRY_FILE, f2 } };

		sub = tree_of(es, 1);
	}
	{
		struct entry_spec es[] = {
			{ "a.txt", VLT_ENTRY_FILE, f1 },
			{ "d", VLT_ENTRY_DIR, sub },
			{ "l", VLT_ENTRY_SYMLINK, c3 },
			{ "z.txt", VLT_ENTRY_FILE, f2 },
		};

		root = tree_of(es, 4);
	}
	{
		struct entry_spec es[] = { { "new.txt", VLT_ENTRY_FILE, f3 } };

		t4 = tree_of(es, 1);
	}
	s1 = snap(&root, NULL, NULL, "first");
	s2 = snap(&root, &s1, NULL, "second");
	s4 = snap(&t4, &s2, NULL, "forgotten one");
	{
		struct entry_spec es[] = { { "lost.txt", VLT_ENTRY_FILE,
					     file_of(&ghost, NULL) } };

		bad = tree_of(es, 1);
	}
	s5 = snap(&root, &ghost, NULL, "a parent nobody forgot is gone");
	if (vlt_odb_flush(repo) < 0 || vlt_snapshot_forget(repo, &s4) < 0)
		fx_fail("setup");

	memset(&l, 0, sizeof(l));
	if (vlt_objwalk_init(&w, repo, VLT_OBJWALK_IN_ORDER, log_visit, NULL,
			     &l) < 0)
		fx_fail("objwalk init");
	ok(vlt_objwalk_add(&w, &s2, VLT_OBJ_SNAPSHOT, 0) == 0 &&
	   vlt_objwalk_run(&w) == 0, "walk all a snapshot reaches");
	is_int(l.kinds[VLT_OBJ_SNAPSHOT], 2, "both snapshots of the history");
	is_int(l.kinds[VLT_OBJ_TREE], 2, "each tree once");
	is_int(l.kinds[VLT_OBJ_FILE], 2, "each file object once (z.txt is "
	       "b.txt again)");
	is_int(l.kinds[VLT_OBJ_CHUNK], 3, "each chunk once, symlink target "
	       "included");
	is_str(l.order, "a.txt d/b.txt", "in order, by the path first met");
	is_str(l.chunk_from, "fft", "chunks of files, then the symlink's");
	ok(vlt_objwalk_seen(&w, &c3) && vlt_objwalk_seen(&w, &s1) &&
	   !vlt_objwalk_seen(&w, &t4), "the seen-set is the result");
	ok(vlt_objwalk_add(&w, &s2, VLT_OBJ_SNAPSHOT, 0) == 0 &&
	   vlt_objwalk_run(&w) == 0 && l.kinds[VLT_OBJ_SNAPSHOT] == 2,
	   "a root already reached is not walked again");
	vlt_objwalk_release(&w);

	memset(&l, 0, sizeof(l));
	if (vlt_objwalk_init(&w, repo, VLT_OBJWALK_NO_SYMLINKS, log_visit, NULL,
			     &l) < 0)
		fx_fail("objwalk init");
	ok(vlt_objwalk_add(&w, &s4, VLT_OBJ_SNAPSHOT, 0) == 0 &&
	   vlt_objwalk_run(&w) == 0, "walk from a forgotten snapshot");
	ok(!vlt_objwalk_seen(&w, &t4) && vlt_objwalk_seen(&w, &root),
	   "its tree is left out, its parents' are not");
	is_int(l.kinds[VLT_OBJ_CHUNK], 2, "symlink targets can be left out");
	vlt_objwalk_release(&w);

	memset(&l, 0, sizeof(l));
	if (vlt_objwalk_init(&w, repo, 0, log_visit, NULL, &l) < 0)
		fx_fail("objwalk init");
	ok(vlt_objwalk_add(&w, &s4, VLT_OBJ_SNAPSHOT, VLT_OBJWALK_WHOLE) == 0 &&
	   vlt_objwalk_run(&w) == 0 && vlt_objwalk_seen(&w, &t4) &&
	   vlt_objwalk_seen(&w, &c4), "kept whole, a forgotten snapshot "
	   "reaches its tree");
	vlt_objwalk_release(&w);

	/* damage: a chunk not stored, a parent nobody forgot */
	memset(&l, 0, sizeof(l));
	if (vlt_objwalk_init(&w, repo, 0, log_visit, NULL, &l) < 0)
		fx_fail("objwalk init");
	if (vlt_objwalk_set_from(&w, "ref refs/test") < 0)
		fx_fail("set_from");
	rc = vlt_objwalk_add(&w, &bad, VLT_OBJ_TREE, 0);
	if (rc == 0)
		rc = vlt_objwalk_run(&w);
	ok(rc == VLT_E_NOTFOUND && strstr(vlt_error_last(), "chunk ") &&
	   strstr(vlt_error_last(), "(reached from ref refs/test) cannot be "
		  "found"), "without a damage callback, damage stops the walk "
	   "and says where");
	vlt_error_clear();
	vlt_objwalk_release(&w);

	memset(&l, 0, sizeof(l));
	l.go_on = 1;
	if (vlt_objwalk_init(&w, repo, 0, log_visit, log_damage, &l) < 0)
		fx_fail("objwalk init");
	ok(vlt_objwalk_add(&w, &bad, VLT_OBJ_TREE, 0) == 0 &&
	   vlt_objwalk_add(&w, &s5, VLT_OBJ_SNAPSHOT, 0) == 0 &&
	   vlt_objwalk_run(&w) == 0, "a damage callback may go on");
	is_int(l.damage[VLT_OBJWALK_NOT_FOUND], 1, "the missing chunk");
	is_int(l.damage[VLT_OBJWALK_PARENT_MISSING], 1, "the missing parent");
	ok(vlt_objwalk_seen(&w, &c3), "and the rest is walked");
	vlt_objwalk_release(&w);

	/* from every ref */
	memset(&l, 0, sizeof(l));
	if (vlt_ref_branch_name(&ref, "objwalk") < 0 ||
	    vlt_ref_update(repo, ref.data, &s2, NULL, "test") < 0 ||
	    vlt_objwalk_init(&w, repo, 0, log_visit, NULL, &l) < 0)
		fx_fail("ref");
	ok(vlt_objwalk_add_refs(&w) == 0 && vlt_objwalk_run(&w) == 0 &&
	   vlt_objwalk_seen(&w, &s1) && vlt_objwalk_seen(&w, &c1),
	   "from every ref");
	vlt_objwalk_release(&w);
	if (vlt_ref_delete(repo, ref.data, NULL, "test") < 0)
		fx_fail("ref delete");
	vlt_buf_release(&ref);
}

int main(void)
{
	tap_plan_lazy();
	repo = fx_repo("repo");
	test_marks();
	test_after_retention();
	test_gone_parents();
	test_full_walk();
	test_object_walk();
	vlt_repo_free(repo);
	return tap_done();
}
