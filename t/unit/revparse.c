/*
 * revparse.c - unit tests for lib/revparse.c: HEAD and @, ref names and
 * their short forms, ~N and ^N, tags, full and abbreviated ids, reflog
 * selectors REF@{N} and REF@{DATE}, REV:path, date parsing, and the
 * errors bad input gets.
 *
 * The history is made in the test: three snapshots a day apart on main
 * (each one a step of main's reflog), a tag on the first, a merge on a
 * side branch. Reflog entries carry the time they were written (now), so
 * a date before them is answered from the snapshots' own dates.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "error.h"
#include "odb.h"
#include "refs.h"
#include "repo.h"
#include "revparse.h"
#include "tree.h"
#include "fixture.h"
#include "tap.h"

#define DAY 86400
#define T0 1700000000  /* 2023-11-14 22:13:20 UTC */

static struct vlt_repo *repo;
static struct vlt_oid tree_a, tree_b, s1, s2, s3, side, merge;

/* A tree with one directory entry "name" holding the empty tree (or the
 * empty tree itself for name NULL). */
static struct vlt_oid make_tree(const char *name, const struct vlt_oid *sub)
{
	struct vlt_tree t;
	struct vlt_buf b = VLT_BUF_INIT;
	struct vlt_oid oid;

	vlt_tree_init(&t);
	if ((name && vlt_tree_add(&t, name, VLT_ENTRY_DIR, 0755, 0, T0, 0,
				  sub) < 0) ||
	    vlt_tree_encode(&t, &b) < 0 ||
	    vlt_odb_write(repo, VLT_OBJ_TREE, b.data, b.len, &oid) < 0)
		fx_fail("tree");
	vlt_tree_release(&t);
	vlt_buf_release(&b);
	return oid;
}

static struct vlt_oid snap(const struct vlt_oid *tree, int64_t when,
			   const struct vlt_oid *p1, const struct vlt_oid *p2,
			   const char *msg)
{
	return fx_snapshot(repo, tree, when, p1, p2, msg);
}

static void setup(void)
{
	struct vlt_oid empty, zero;

	vlt_oid_clear(&zero);
	empty = make_tree(NULL, NULL);
	tree_a = make_tree("a", &empty);
	tree_b = make_tree("b", &empty);
	s1 = snap(&tree_a, T0, NULL, NULL, "one");
	s2 = snap(&tree_b, T0 + DAY, &s1, NULL, "two");
	s3 = snap(&tree_a, T0 + 2 * DAY, &s2, NULL, "three");
	side = snap(&tree_b, T0 + DAY + 3600, &s1, NULL, "side");
	merge = snap(&tree_a, T0 + 3 * DAY, &side, &s3, "merge");
	if (vlt_odb_flush(repo) < 0)
		fx_fail("flush");
	if (vlt_ref_update(repo, "refs/snapshots/main", &s1, &zero, "one") < 0 ||
	    vlt_ref_update(repo, "refs/snapshots/main", &s2, &s1, "two") < 0 ||
	    vlt_ref_update(repo, "refs/snapshots/main", &s3, &s2, "three") < 0 ||
	    vlt_ref_update(repo, "refs/tags/v1", &s1, &zero, "tag") < 0 ||
	    vlt_ref_update(repo, "refs/snapshots/topic", &merge, &zero,
			   "merge") < 0)
		fx_fail("refs");
}

/* rev names want (by id) */
static void names(const char *rev, const struct vlt_oid *want,
		  const char *what)
{
	struct vlt_oid got;
	int err = vlt_rev_parse(repo, rev, &got);

	if (!ok(err == 0 && !vlt_oid_cmp(&got, want), "%s: %s", rev, what)) {
		if (err < 0)
			tap_diag("  error: %s", vlt_error_last());
		else
			tap_diag("  got %s", vlt_oid_hex(&got));
	}
}

/* rev is refused with code and a message */
static void refused(const char *rev, int code, const char *what)
{
	struct vlt_oid got;
	int err;

	vlt_error_clear();
	err = vlt_rev_parse(repo, rev, &got);
	if (!ok(err == code && *vlt_error_last(), "'%s' is refused: %s", rev,
		what))
		tap_diag("  got %d (%s), want %d", err, vlt_error_last(), code);
}

static void test_heads_and_names(void)
{
	char hex[VLT_OID_HEXSZ + 1], prefix[13];

	names("HEAD", &s3, "the tip of the branch HEAD points to");
	names("@", &s3, "@ is HEAD");
	names("main", &s3, "a short branch name");
	names("refs/snapshots/main", &s3, "a full ref name");
	names("v1", &s1, "a short tag name");
	names("refs/tags/v1", &s1, "a full tag name");
	vlt_oid_to_hex(&s2, hex);
	names(hex, &s2, "a full id");
	memcpy(prefix, hex, 12);
	prefix[12] = '\0';
	names(prefix, &s2, "a unique 12-digit prefix");
}

static void test_ancestry(void)
{
	names("HEAD~0", &s3, "~0 is the revision itself");
	names("HEAD~1", &s2, "~1 is the first parent");
	names("HEAD~2", &s1, "~2 the first parent's first parent");
	names("HEAD^", &s2, "^ is the first parent");
	names("HEAD^^", &s1, "^^ twice");
	names("main~1~1", &s1, "~ chains");
	names("topic^2", &s3, "^2 is the second parent of a merge");
	names("topic^2~1", &s2, "^2 then ~1");
	names("topic~1", &side, "~ follows first parents");
	names("v1~0", &s1, "~ on a tag");
	refused("HEAD~3", VLT_E_NOTFOUND, "older than the first snapshot");
	refused("topic^3", VLT_E_NOTFOUND, "a merge of two has no third parent");
}

static void test_reflog(void)
{
	char rev[64];

	names("main@{0}", &s3, "@{0} is the ref's value now");
	names("main@{1}", &s2, "@{1} its previous value");
	names("main@{2}", &s1, "@{2} the one before");
	refused("main@{3}", VLT_E_NOTFOUND, "older than the reflog");
	/* before every reflog entry: the newest snapshot dated at or before */
	snprintf(rev, sizeof(rev), "main@{@%d}", T0 + DAY + 60);
	names(rev, &s2, "@{@UNIX} a minute after two is two");
	snprintf(rev, sizeof(rev), "main@{@%d}", T0 + 2 * DAY);
	names(rev, &s3, "@{@UNIX} at three's very second is three");
	snprintf(rev, sizeof(rev), "main@{@%d}", T0 - DAY);
	refused(rev, VLT_E_NOTFOUND, "a date before the first snapshot");
	names("main@{now}", &s3, "@{now} is the value now");
	refused("main@{someday}", VLT_E_INVALID, "a date that is not one");
}

static void test_paths(void)
{
	struct vlt_tree_entry e;
	struct vlt_oid got;

	memset(&e, 0, sizeof(e));
	ok(vlt_rev_parse(repo, "HEAD:a", &got) == 0 &&
	   vlt_rev_parse_entry(repo, "v1:a", &e) == 0 &&
	   e.type == VLT_ENTRY_DIR && !vlt_oid_cmp(&e.oid, &got),
	   "REV:path names the entry at that path");
	free(e.name);
	names("HEAD~1:", &tree_b, "REV: is the snapshot's tree");
	refused("HEAD:b", VLT_E_NOTFOUND, "a path the snapshot does not have");
	refused("HEAD:a/x/y", VLT_E_NOTFOUND, "a path below a missing one");
}

static void test_bad_input(void)
{
	/* an empty base is HEAD, so that "~1" and ":path" work alone */
	names("", &s3, "the empty revision is HEAD");
	names("~1", &s2, "~1 alone is HEAD~1");
	refused("nosuch", VLT_E_NOTFOUND, "an unknown name");
	refused("refs/tags/nosuch", VLT_E_NOTFOUND, "an unknown full ref");
	refused("HEAD~x", VLT_E_INVALID, "~ with a non-number");
	refused("main@{", VLT_E_INVALID, "an unterminated @{");
	refused("ffff", VLT_E_NOTFOUND, "a prefix no object has");
	refused("a..b", VLT_E_NOTFOUND, "a name no ref can have");
	refused("HEAD@{1}x", VLT_E_INVALID, "text after @{...}");
}

static void test_dates(void)
{
	int64_t t = 0, now = (int64_t)time(NULL);

	ok(vlt_date_parse("@1700000000", &t) == 0 && t == 1700000000,
	   "@UNIX is that second");
	ok(vlt_date_parse("yesterday", &t) == 0 &&
	   t >= now - DAY - 5 && t <= now - DAY + 5, "yesterday is a day ago");
	ok(vlt_date_parse("3.days.ago", &t) == 0 &&
	   t >= now - 3 * DAY - 5 && t <= now - 3 * DAY + 5,
	   "N.days.ago counts days back");
	ok(vlt_date_parse("2.hours.ago", &t) == 0 &&
	   t >= now - 7200 - 5 && t <= now - 7200 + 5, "N.hours.ago");
	ok(vlt_date_parse("2023-11-14", &t) == 0 &&
	   t > T0 - 2 * DAY && t < T0 + DAY, "YYYY-MM-DD (local time)");
	is_int(vlt_date_parse("soon", &t), VLT_E_INVALID, "a word is no date");
	is_int(vlt_date_parse("3.fortnights.ago", &t), VLT_E_INVALID,
	       "an unknown unit is no date");
	is_int(vlt_date_parse("99999999999999999999999.weeks.ago", &t),
	       VLT_E_INVALID, "a date out of range is refused, not wrapped");
}

int main(void)
{
	tap_plan_lazy();
	/* the snapshots' defaults: author and host, not the date */
	setenv("VAULT_AUTHOR_NAME", "Test", 1);
	setenv("VAULT_AUTHOR_EMAIL", "test@example.org", 1);
	repo = fx_repo("repo");
	setup();
	test_heads_and_names();
	test_ancestry();
	test_reflog();
	test_paths();
	test_bad_input();
	test_dates();
	vlt_repo_free(repo);
	return tap_done();
}
