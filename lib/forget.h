/*
 * forget.h - the retention planner behind `vault forget`.
 *
 * A policy (keep the N newest, the newest of each of the last N hours,
 * days, weeks, months, years that have snapshots, tagged ones) is applied
 * to the first-parent history of one branch, newest first, skipping what
 * is already forgotten. The plan says for every snapshot whether it is
 * kept and why; applying it marks the others forgotten (walk.h,
 * vlt_snapshot_forget). Periods are taken in each snapshot's own time
 * zone. The branch's latest snapshot is always kept, and so is any
 * snapshot a ref names or a milestone links to (a record of kind
 * <persona>.milestone named by a ref: reason "milestone NAME"). Nothing
 * is printed here.
 */
#ifndef VLT_FORGET_H
#define VLT_FORGET_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "hash.h"
#include "repo.h"

/* The periods of a policy, in the order reasons are given. */
enum vlt_forget_period {
	VLT_FORGET_HOURLY = 0,
	VLT_FORGET_DAILY,
	VLT_FORGET_WEEKLY,
	VLT_FORGET_MONTHLY,
	VLT_FORGET_YEARLY,
	VLT_FORGET_NPERIODS,
};

struct vlt_forget_policy {
	int keep_last;                     /* 0: not used */
	int keep[VLT_FORGET_NPERIODS];     /* 0: not used */
	const char *const *tags;           /* --keep-tag, not owned */
	size_t ntags;
};

/* 1 if the policy keeps anything by itself (a --keep-* was given). */
int vlt_forget_policy_any(const struct vlt_forget_policy *p);

struct vlt_forget_item {
	struct vlt_oid oid;
	int64_t time;
	int tz_minutes;
	char *first_line;     /* of the message, owned */
	int tagged_meta;      /* its "tag" metadata is one of policy->tags */
	int keep;
	char reasons[128];    /* "latest, daily, tag ref", when kept */
};

struct vlt_forget_plan {
	struct vlt_buf ref;               /* the branch walked (full name) */
	struct vlt_forget_item *v;        /* newest first, owned */
	size_t nr, alloc;
	size_t nforget;                   /* items not kept */
};

void vlt_forget_plan_init(struct vlt_forget_plan *plan);
void vlt_forget_plan_release(struct vlt_forget_plan *plan);

/*
 * Make the plan for branch (a short name; NULL: the branch HEAD points
 * to): read its history and the refs, then decide. Changes nothing.
 */
int vlt_forget_plan_make(struct vlt_repo *r, const char *branch,
			 const struct vlt_forget_policy *policy,
			 struct vlt_forget_plan *plan);
/*
 * The decision alone, over plan->v as filled (oid, time, tz_minutes,
 * tagged_meta): tag_oids are the snapshots refs/tags/T names for a
 * --keep-tag T, ref_oids those any ref names. Sets keep, reasons and
 * nforget.
 */
int vlt_forget_plan_decide(struct vlt_forget_plan *plan,
			   const struct vlt_forget_policy *policy,
			   const struct vlt_oid *tag_oids, size_t ntag_oids,
			   const struct vlt_oid *ref_oids, size_t nref_oids);
/* Add one snapshot to the end of plan->v (oldest last), for a caller of
 * vlt_forget_plan_decide; first_line is copied. */
int vlt_forget_plan_add(struct vlt_forget_plan *plan,
			const struct vlt_oid *oid, int64_t time,
			int tz_minutes, const char *first_line,
			int tagged_meta);
/* Keep the snapshot oid if the plan has it, adding reason (copied; cut
 * to what fits), and count nforget again. 0 also when it is not there. */
int vlt_forget_plan_keep(struct vlt_forget_plan *plan,
			 const struct vlt_oid *oid, const char *reason);
/* Mark every snapshot the plan does not keep forgotten. */
int vlt_forget_plan_apply(struct vlt_repo *r,
			  const struct vlt_forget_plan *plan);

#endif
