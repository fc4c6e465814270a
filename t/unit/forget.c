/*
 * forget.c - unit tests for lib/forget.c: the retention planner's
 * decisions over snapshots with fixed times (keep-last, daily, weekly,
 * monthly, in the snapshot's own time zone; tags and refs kept) and a
 * plan made from a repository's branch and applied.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "forget.h"
#include "odb.h"
#include "refs.h"
#include "tree.h"
#include "walk.h"
#include "fixture.h"
#include "tap.h"

static struct vlt_repo *repo;

/* Six snapshots, newest first (UTC): ids 1..6. */
static const int64_t times[] = {
	1773144000,  /* 2026-03-10 12:00, a Tuesday (week 11) */
	1773129600,  /* 2026-03-10 08:00 */
	1773086400,  /* 2026-03-09 20:00, Monday of week 11 */
	1772445600,  /* 2026-03-02 10:00, week 10 */
	1771149600,  /* 2026-02-15 10:00 */
	1768903200,  /* 2026-01-20 10:00 */
};
#define NSNAPS (sizeof(times) / sizeof(times[0]))

static void fill(struct vlt_forget_plan *plan, int tagged_index)
{
	vlt_forget_plan_init(plan);
	for (size_t i = 0; i < NSNAPS; i++) {
		struct vlt_oid o = fx_fake((unsigned char)(i + 1));

		if (vlt_forget_plan_add(plan, &o, times[i], 0, "msg",
					(int)i == tagged_index) < 0)
			fx_fail("add");
	}
}

/* "101000": which items are kept. */
static const char *kept(const struct vlt_forget_plan *plan)
{
	static char s[NSNAPS + 1];

	for (size_t i = 0; i < plan->nr && i < NSNAPS; i++)
		s[i] = plan->v[i].keep ? '1' : '0';
	s[plan->nr < NSNAPS ? plan->nr : NSNAPS] = '\0';
	return s;
}

static void decide(struct vlt_forget_plan *plan,
		   const struct vlt_forget_policy *p,
		   const struct vlt_oid *tags, size_t ntags,
		   const struct vlt_oid *refs, size_t nrefs)
{
	if (vlt_forget_plan_decide(plan, p, tags, ntags, refs, nrefs) < 0)
		fx_fail("decide");
}

static void test_keep_last(void)
{
	struct vlt_forget_policy p = { .keep_last = 2 };
	struct vlt_forget_plan plan;

	fill(&plan, -1);
	decide(&plan, &p, NULL, 0, NULL, 0);
	is_str(kept(&plan), "110000", "keep-last 2 keeps the two newest");
	is_str(plan.v[0].reasons, "latest, last", "the newest: latest and last");
	is_str(plan.v[1].reasons, "last", "the second: last");
	is_int(plan.nforget, 4, "four to forget");
	vlt_forget_plan_release(&plan);
}

static void test_keep_milestone(void)
{
	struct vlt_forget_policy p = { .keep_last = 1 };
	struct vlt_forget_plan plan;
	struct vlt_oid third = fx_fake(3), absent = fx_fake(99);

	fill(&plan, -1);
	decide(&plan, &p, NULL, 0, NULL, 0);
	is_int(plan.nforget, 5, "keep-last 1: five to forget");
	vlt_forget_plan_keep(&plan, &third, "milestone beta");
	is_str(kept(&plan), "101000", "plan_keep keeps the milestone's snapshot");
	is_str(plan.v[2].reasons, "milestone beta", "saying why");
	is_int(plan.nforget, 4, "and counts again");
	vlt_forget_plan_keep(&plan, &plan.v[0].oid, "milestone gold");
	is_str(plan.v[0].reasons, "latest, last, milestone gold",
	       "a reason adds to the others");
	vlt_forget_plan_keep(&plan, &absent, "milestone old");
	is_str(kept(&plan), "101000", "a snapshot not in the plan changes nothing");
	vlt_forget_plan_release(&plan);
}

static void test_periods(void)
{
	struct vlt_forget_policy p = { 0 };
	struct vlt_forget_plan plan;

	fill(&plan, -1);
	p.keep[VLT_FORGET_DAILY] = 2;
	decide(&plan, &p, NULL, 0, NULL, 0);
	is_str(kept(&plan), "101000", "keep-daily 2: the newest of 03-10 and "
	       "of 03-09");
	is_str(plan.v[0].reasons, "latest, daily", "reasons of the newest");

	memset(&p, 0, sizeof(p));
	p.keep[VLT_FORGET_WEEKLY] = 2;
	decide(&plan, &p, NULL, 0, NULL, 0);
	is_str(kept(&plan), "100100", "keep-weekly 2: ISO weeks 11 and 10");

	memset(&p, 0, sizeof(p));
	p.keep[VLT_FORGET_MONTHLY] = 3;
	decide(&plan, &p, NULL, 0, NULL, 0);
	is_str(kept(&plan), "100011", "keep-monthly 3: March, February, "
	       "January");
	is_str(plan.v[5].reasons, "monthly", "January's reason");

	memset(&p, 0, sizeof(p));
	p.keep[VLT_FORGET_MONTHLY] = 1;
	p.keep[VLT_FORGET_DAILY] = 1;
	p.keep_last = 1;
	decide(&plan, &p, NULL, 0, NULL, 0);
	is_str(plan.v[0].reasons, "latest, last, daily, monthly",
	       "reasons in a fixed order");
	is_int(plan.nforget, 5, "one period each: all but the newest go");
	vlt_forget_plan_release(&plan);
}

static void test_time_zone(void)
{
	struct vlt_forget_policy p = { 0 };
	struct vlt_forget_plan plan;
	struct vlt_oid a = fx_fake(1), b = fx_fake(2);

	vlt_forget_plan_init(&plan);
	/* 03-10 00:30 at UTC+1 is 03-09 23:30 UTC: the same local day */
	if (vlt_forget_plan_add(&plan, &a, 1773144000, 0, "noon", 0) < 0 ||
	    vlt_forget_plan_add(&plan, &b, 1773099000, 60, "after midnight",
				0) < 0)
		fx_fail("add");
	p.keep[VLT_FORGET_DAILY] = 2;
	decide(&plan, &p, NULL, 0, NULL, 0);
	is_str(kept(&plan), "10", "days are the snapshot's own local days");
	vlt_forget_plan_release(&plan);
}

static void test_tags_and_refs(void)
{
	struct vlt_forget_policy p = { .keep_last = 1 };
	struct vlt_forget_plan plan;
	struct vlt_oid tag = fx_fake(6), ref[2] = { fx_fake(3), fx_fake(1) };

	fill(&plan, 4);
	decide(&plan, &p, &tag, 1, ref, 2);
	is_str(kept(&plan), "101011", "tags, tag refs and refs are kept");
	is_str(plan.v[4].reasons, "tag", "a snapshot tagged at backup");
	is_str(plan.v[5].reasons, "tag ref", "a snapshot a --keep-tag ref names");
	is_str(plan.v[2].reasons, "named by a ref", "one another ref names");
	is_str(plan.v[0].reasons, "latest, last", "the branch head is not "
	       "\"named by a ref\"");
	vlt_forget_plan_release(&plan);
}

static struct vlt_oid stored_snap(const struct vlt_oid *tree,
				  const struct vlt_oid *parent, int64_t when,
				  const char *tag)
{
	struct vlt_snapshot s;
	struct vlt_buf b = VLT_BUF_INIT;
	struct vlt_oid oid;

	vlt_snapshot_init(&s);
	s.tree = *tree;
	if (vlt_snapshot_set_defaults(&s) < 0 ||
	    (parent && vlt_snapshot_add_parent(&s, parent) < 0) ||
	    (tag && vlt_snapshot_add_meta(&s, "tag", tag) < 0) ||
	    !(s.message = strdup("subject\nbody")))
		fx_fail("snapshot");
	s.time = when;
	s.tz_minutes = 0;
	if (vlt_snapshot_encode(&s, &b) < 0 ||
	    vlt_odb_write(repo, VLT_OBJ_SNAPSHOT, b.data, b.len, &oid) < 0)
		fx_fail("snapshot");
	vlt_snapshot_release(&s);
	vlt_buf_release(&b);
	return oid;
}

static void test_repository(void)
{
	static const char *const tags[] = { "keepme" };
	struct vlt_forget_policy p = { .tags = tags, .ntags = 1 };
	struct vlt_forget_plan plan;
	struct vlt_tree t;
	struct vlt_buf b = VLT_BUF_INIT, ref = VLT_BUF_INIT;
	struct vlt_oid tree, s[4], zero;
	int fg;

	vlt_tree_init(&t);
	if (vlt_tree_encode(&t, &b) < 0 ||
	    vlt_odb_write(repo, VLT_OBJ_TREE, b.data, b.len, &tree) < 0)
		fx_fail("tree");
	vlt_tree_release(&t);
	s[0] = stored_snap(&tree, NULL, times[3], NULL);
	s[1] = stored_snap(&tree, &s[0], times[2], "keepme");
	s[2] = stored_snap(&tree, &s[1], times[1], NULL);
	s[3] = stored_snap(&tree, &s[2], times[0], NULL);
	vlt_oid_clear(&zero);
	if (vlt_odb_flush(repo) < 0 ||
	    vlt_ref_branch_name(&ref, "main") < 0 ||
	    vlt_ref_update(repo, ref.data, &s[3], &zero, "test") < 0 ||
	    vlt_tag_set(repo, "old", &s[0], &zero, NULL) < 0)
		fx_fail("refs");

	vlt_forget_plan_init(&plan);
	ok(vlt_forget_plan_make(repo, "main", &p, &plan) == 0, "plan a branch");
	is_str(plan.ref.data, ref.data, "the plan names the branch's full ref");
	is_int(plan.nr, 4, "the whole first-parent history");
	is_str(plan.nr == 4 ? plan.v[0].first_line : "", "subject",
	       "first lines of messages");
	is_str(kept(&plan), "1011", "latest, the tagged one and one a tag "
	       "names");
	ok(vlt_forget_plan_apply(repo, &plan) == 0, "apply the plan");
	fg = vlt_snapshot_forgotten(repo, &s[1]);
	is_int(vlt_snapshot_forgotten(repo, &s[2]), 1, "the dropped one is "
	       "forgotten");
	is_int(fg, 0, "a kept one is not");
	vlt_forget_plan_release(&plan);

	vlt_forget_plan_init(&plan);
	ok(vlt_forget_plan_make(repo, "main", &p, &plan) == 0 && plan.nr == 3,
	   "a new plan skips what is already forgotten");
	vlt_forget_plan_release(&plan);

	vlt_forget_plan_init(&plan);
	ok(vlt_forget_plan_make(repo, "nosuch", &p, &plan) < 0 &&
	   strstr(vlt_error_last(), "nothing to forget"),
	   "a missing branch: nothing to forget");
	vlt_error_clear();
	vlt_forget_plan_release(&plan);
	vlt_buf_release(&b);
	vlt_buf_release(&ref);
}

int main(void)
{
	struct vlt_forget_policy none = { 0 }, one = { .keep_last = 1 };

	tap_plan_lazy();
	ok(!vlt_forget_policy_any(&none) && vlt_forget_policy_any(&one),
	   "a policy with no --keep-* is not a policy");
	test_keep_last();
	test_keep_milestone();
	test_periods();
	test_time_zone();
	test_tags_and_refs();
	repo = fx_repo("repo");
	test_repository();
	vlt_repo_free(repo);
	return tap_done();
}
