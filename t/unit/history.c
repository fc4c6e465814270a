/*
 * history.c - unit tests for lib/history.c: one file followed through a
 * history built here (added, modified, renamed, modified, deleted, beside
 * a file that never changes), with and without rename following.
 *
 * The walker compares tree entries only, so the file objects are made-up
 * ids that are never stored; trees and snapshots are real.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "history.h"
#include "odb.h"
#include "tree.h"
#include "fixture.h"
#include "tap.h"

static struct vlt_repo *repo;

/* A tree with "c.txt" (never changes) and, unless name is NULL, name
 * holding the made-up content id content. */
static struct vlt_oid tree_with(const char *name, unsigned char content)
{
	struct vlt_oid c = fx_fake(0xcc), f = fx_fake(content), oid;
	struct vlt_buf b = VLT_BUF_INIT;
	struct vlt_tree t;

	vlt_tree_init(&t);
	if (vlt_tree_add(&t, "c.txt", VLT_ENTRY_FILE, 0644, 10, 1, 0, &c) < 0 ||
	    (name && vlt_tree_add(&t, name, VLT_ENTRY_FILE, 0644, 20, 1, 0,
				  &f) < 0) ||
	    vlt_tree_encode(&t, &b) < 0 ||
	    vlt_odb_write(repo, VLT_OBJ_TREE, b.data, b.len, &oid) < 0)
		fx_fail("tree");
	vlt_tree_release(&t);
	vlt_buf_release(&b);
	return oid;
}

static struct vlt_oid snap(const struct vlt_oid *tree, const struct vlt_oid *p,
			   const char *msg)
{
	return fx_snapshot(repo, tree, 0, p, NULL, msg);
}

struct want {
	const struct vlt_oid *snap;
	char change;
	const char *path, *old_path;
	unsigned char content;   /* 0: no entry */
};

static void check_walk(const char *name, const struct vlt_oid *start,
		       const char *path, unsigned flags,
		       const struct want *w, size_t n)
{
	struct vlt_history h;
	const struct vlt_history_version *v;
	size_t i = 0;
	int rc;

	if (vlt_history_path_init(&h, repo, start, path, flags) < 0)
		fx_fail("init");
	while ((rc = vlt_history_path_next(&h, &v)) == 1) {
		struct vlt_oid c;

		if (i >= n) {
			ok(0, "%s: no version %zu", name, i + 1);
			break;
		}
		c = fx_fake(w[i].content);
		ok(!vlt_oid_cmp(&v->snap, w[i].snap) && (char)v->change == w[i].change,
		   "%s: version %zu is %c in its snapshot", name, i + 1,
		   w[i].change);
		is_str(v->path, w[i].path, "  under its name there");
		if (w[i].old_path)
			is_str(v->old_path, w[i].old_path, "  renamed from");
		else
			ok(!v->old_path, "  not a rename");
		ok(v->has_entry == !!w[i].content &&
		   (!w[i].content || !vlt_oid_cmp(&v->e.oid, &c)),
		   "  with the entry it had there");
		i++;
	}
	ok(rc == 0, "%s: the walk ends cleanly", name);
	is_int(i, n, "  after every version");
	vlt_history_path_release(&h);
}

static void test_follow(void)
{
	struct vlt_oid t1 = tree_with("a.txt", 1), t2 = tree_with("a.txt", 2),
		       t3 = tree_with("b.txt", 2), t4 = tree_with("b.txt", 4),
		       t5 = tree_with(NULL, 0), t6 = tree_with(NULL, 0);
	struct vlt_oid s1 = snap(&t1, NULL, "add a");
	struct vlt_oid s2 = snap(&t2, &s1, "modify a");
	struct vlt_oid s3 = snap(&t3, &s2, "rename a to b");
	struct vlt_oid s4 = snap(&t4, &s3, "modify b");
	struct vlt_oid s5 = snap(&t5, &s4, "delete b");
	struct vlt_oid s6 = snap(&t6, &s5, "nothing changes");
	const struct want all[] = {
		{ &s5, 'D', "b.txt", NULL, 0 },
		{ &s4, 'M', "b.txt", NULL, 4 },
		{ &s3, 'R', "b.txt", "a.txt", 2 },
		{ &s2, 'M', "a.txt", NULL, 2 },
		{ &s1, 'A', "a.txt", NULL, 1 },
	};
	const struct want nofollow[] = {
		{ &s4, 'M', "b.txt", NULL, 4 },
		{ &s3, 'A', "b.txt", NULL, 2 },
	};
	const struct want old_name[] = {
		{ &s3, 'D', "a.txt", NULL, 0 },
		{ &s2, 'M', "a.txt", NULL, 2 },
		{ &s1, 'A', "a.txt", NULL, 1 },
	};

	check_walk("follow b.txt", &s6, "b.txt", 0, all, 5);
	check_walk("no follow", &s4, "b.txt", VLT_HISTORY_NO_FOLLOW, nofollow, 2);
	check_walk("a.txt under its old name", &s4, "a.txt", 0, old_name, 3);
	check_walk("a file never there", &s6, "nope.txt", 0, NULL, 0);
}

static void test_damage(void)
{
	struct vlt_oid t = tree_with("a.txt", 7), gone = fx_fake(0x5a);
	struct vlt_oid s = snap(&t, &gone, "parent missing");
	struct vlt_history h;
	const struct vlt_history_version *v;

	if (vlt_history_path_init(&h, repo, &s, "a.txt", 0) < 0)
		fx_fail("init");
	ok(vlt_history_path_next(&h, &v) == VLT_E_CORRUPT &&
	   strstr(vlt_error_last(), "is missing"),
	   "a parent missing and not forgotten is damage");
	vlt_error_clear();
	vlt_history_path_release(&h);
	memset(&h, 0, sizeof(h));
	vlt_history_path_release(&h);
	ok(1, "release of a zeroed walker is safe");
}

int main(void)
{
	tap_plan_lazy();
	repo = fx_repo("repo");
	test_follow();
	test_damage();
	vlt_repo_free(repo);
	return tap_done();
}
