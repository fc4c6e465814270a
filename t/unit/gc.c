/*
 * gc.c - unit tests for lib/gc.c through its public calls: the plan of a
 * small repository (a dry run counts live and dead objects and names the
 * packs it would delete, and deletes nothing), the sweep of an
 * unreachable pack, a forgotten snapshot whose files are collected while
 * its snapshot object stays, and the refusal to free most of the
 * repository when a ref vanished since the last gc (unless forced).
 *
 * Each object group is flushed into its own pack, so what a plan deletes
 * is known exactly. No writer holds a lock, so a plan is swept at once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "gc.h"
#include "odb.h"
#include "refs.h"
#include "repo.h"
#include "tree.h"
#include "walk.h"
#include "worktree.h"
#include "fixture.h"
#include "tap.h"

static struct vlt_repo *repo;

/* A tree of one entry (or the empty tree for name NULL). */
static struct vlt_oid make_tree(const char *name, enum vlt_entry_type type,
				uint64_t size, const struct vlt_oid *oid)
{
	struct vlt_tree t;
	struct vlt_buf b = VLT_BUF_INIT;
	struct vlt_oid id;

	vlt_tree_init(&t);
	if ((name && vlt_tree_add(&t, name, type,
				  type == VLT_ENTRY_DIR ? 0755 : 0644, size,
				  1700000000, 0, oid) < 0) ||
	    vlt_tree_encode(&t, &b) < 0)
		fx_fail("tree");
	id = fx_store(repo, VLT_OBJ_TREE, &b);
	vlt_tree_release(&t);
	vlt_buf_release(&b);
	return id;
}

static struct vlt_oid snap(const struct vlt_oid *tree,
			   const struct vlt_oid *parent, const char *msg)
{
	return fx_snapshot(repo, tree, 0, parent, NULL, msg);
}

static void flush(void)
{
	if (vlt_odb_flush(repo) < 0)
		fx_fail("flush");
}

static char repo_path[512];

/* Whether the repository, as stored now, has oid (asked through a fresh
 * handle, as the next program would). */
static int has(const struct vlt_oid *oid)
{
	struct vlt_repo *r;
	int found;

	if (vlt_repo_open(repo_path, &r) < 0)
		fx_fail("open");
	found = vlt_odb_has(r, oid);
	vlt_repo_free(r);
	if (found < 0)
		fx_fail("has");
	return found == 1;
}

static int gc(int dry_run, int threshold, int force, struct vlt_gc_stats *st)
{
	struct vlt_gc_opts o;

	memset(&o, 0, sizeof(o));
	memset(st, 0, sizeof(*st));
	o.dry_run = dry_run;
	o.repack_threshold = threshold;
	o.force = force;
	o.quiet = 1;
	return vlt_gc_run(repo, &o, st);
}

static struct vlt_oid empty, tree_a, s1, s2;

static void test_plan(void)
{
	struct vlt_buf junk = VLT_BUF_INIT;
	struct vlt_gc_stats st;
	struct vlt_oid zero, garbage;

	vlt_oid_clear(&zero);
	empty = make_tree(NULL, 0, 0, NULL);
	tree_a = make_tree("a", VLT_ENTRY_DIR, 0, &empty);
	s1 = snap(&tree_a, NULL, "one");
	flush();
	if (vlt_ref_update(repo, "refs/snapshots/main", &s1, &zero, "one") < 0)
		fx_fail("ref");

	ok(gc(1, 0, 0, &st) == 0, "a dry run of a clean repository");
	is_int(st.objects_live, 3, "it counts the snapshot and both trees live");
	is_int(st.objects_dead, 0, "and nothing dead");
	is_int(st.packs_deleted, 0, "its plan deletes no pack");

	/* an object nothing reaches, in a pack of its own */
	vlt_buf_adds(&junk, "nobody refers to this chunk");
	garbage = fx_store(repo, VLT_OBJ_CHUNK, &junk);
	vlt_buf_release(&junk);
	flush();
	ok(gc(1, 0, 0, &st) == 0, "a dry run with an unreachable pack");
	is_int(st.objects_dead, 1, "it counts the unreachable object dead");
	is_int(st.packs_deleted, 1, "its plan deletes that pack");
	ok(has(&garbage), "a dry run deletes nothing");

	ok(gc(0, 0, 0, &st) == 0, "gc");
	is_int(st.packs_deleted, 1, "gc deleted the dead pack");
	is_int(st.packs_pending, 0, "with no writer about, nothing is left pending");
	ok(!has(&garbage), "the unreachable object is gone");
	ok(has(&s1) && has(&tree_a) && has(&empty), "what the ref reaches stays");
}

static void test_forgotten(void)
{
	struct vlt_gc_stats st;
	struct vlt_oid tree_b;

	tree_b = make_tree("b", VLT_ENTRY_DIR, 0, &empty);
	s2 = snap(&tree_b, &s1, "two");
	flush();
	if (vlt_ref_update(repo, "refs/snapshots/main", &s2, &s1, "two") < 0)
		fx_fail("ref");
	ok(gc(1, 100, 0, &st) == 0 && st.objects_dead == 0,
	   "before forget, the old snapshot's tree is live");
	if (vlt_snapshot_forget(repo, &s1) < 0)
		fx_fail("forget");
	ok(gc(1, 100, 0, &st) == 0, "a dry run after forget");
	is_int(st.objects_dead, 1, "the forgotten snapshot's own tree is dead");
	ok(gc(0, 100, 0, &st) == 0, "gc after forget");
	ok(!has(&tree_a), "the forgotten snapshot's files are collected");
	ok(has(&s1), "its snapshot object stays (history still names it)");
	ok(has(&s2) && has(&tree_b) && has(&empty),
	   "the kept snapshot is whole, the tree both shared too");
	is_int(vlt_snapshot_forgotten(repo, &s1), 1, "the mark stays");
}

static void test_vanished(void)
{
	struct vlt_buf big = VLT_BUF_INIT;
	struct vlt_gc_stats st;
	struct vlt_oid zero, file, tree, s3;
	unsigned x = 12345;
	int err;

	/* a branch holding far more bytes than everything else */
	vlt_oid_clear(&zero);
	for (int i = 0; i < 300000; i++) {
		x = x * 1103515245u + 12345u;
		vlt_buf_addch(&big, (char)(x >> 16));
	}
	if (vlt_file_from_mem(repo, vlt_repo_idfn(repo), vlt_repo_chunking(repo),
			      big.data, big.len, &file, NULL) < 0)
		fx_fail("file");
	tree = make_tree("big.bin", VLT_ENTRY_FILE, big.len, &file);
	s3 = snap(&tree, NULL, "big");
	flush();
	vlt_buf_release(&big);
	if (vlt_ref_update(repo, "refs/snapshots/big", &s3, &zero, "big") < 0)
		fx_fail("ref");
	/* this gc records the refs it saw; then the branch vanishes (and its
	 * reflog with it, as deleting a ref does) */
	ok(gc(0, 0, 0, &st) == 0, "gc with the big branch");
	if (vlt_ref_delete(repo, "refs/snapshots/big", &s3, "lost") < 0)
		fx_fail("delete");

	vlt_error_clear();
	err = gc(0, 0, 0, &st);
	is_int(err, VLT_E_CONFLICT, "gc refuses once a ref vanished and most "
	       "bytes would go");
	ok(strstr(vlt_error_last(), "refs/snapshots/big") &&
	   strstr(vlt_error_last(), "vanished"),
	   "the refusal names the ref that vanished");
	ok(has(&s3) && has(&file), "and deletes nothing");

	ok(gc(0, 0, 1, &st) == 0, "forced, gc frees it");
	ok(!has(&s3) && !has(&file), "the vanished branch's objects are gone");
	ok(has(&s2) && has(&empty), "main, which stayed, is whole");
}

int main(void)
{
	struct vlt_init_opts o;

	tap_plan_lazy();
	setenv("VAULT_AUTHOR_NAME", "Test", 1);
	setenv("VAULT_AUTHOR_EMAIL", "test@example.org", 1);
	setenv("VAULT_AUTHOR_DATE", "1700000000", 1);
	snprintf(repo_path, sizeof(repo_path), "%s/repo", tap_tmpdir());
	vlt_init_opts_default(&o);
	o.bare = 1;
	if (vlt_repo_init(repo_path, &o, &repo) < 0)
		fx_fail("init");
	test_plan();
	test_forgotten();
	test_vanished();
	vlt_repo_free(repo);
	return tap_done();
}
