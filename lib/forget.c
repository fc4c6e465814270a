/*
 * forget.c - the retention planner (see forget.h).
 *
 * Reasons are given in a fixed order (latest, last, tag, tag ref, named
 * by a ref, then the periods hourly to yearly), the order `vault forget`
 * has always printed them in.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "error.h"
#include "forget.h"
#include "odb.h"
#include "records.h"
#include "refs.h"
#include "tree.h"
#include "walk.h"

static const struct {
	const char *name;
	const char *fmt;      /* strftime bucket key */
} periods[VLT_FORGET_NPERIODS] = {
	{ "hourly", "%Y-%m-%d %H" },
	{ "daily", "%Y-%m-%d" },
	{ "weekly", "%G-W%V" },
	{ "monthly", "%Y-%m" },
	{ "yearly", "%Y" },
};

int vlt_forget_policy_any(const struct vlt_forget_policy *p)
{
	if (p->keep_last > 0 || p->ntags)
		return 1;
	for (int k = 0; k < VLT_FORGET_NPERIODS; k++)
		if (p->keep[k] > 0)
			return 1;
	return 0;
}

void vlt_forget_plan_init(struct vlt_forget_plan *plan)
{
	memset(plan, 0, sizeof(*plan));
	vlt_buf_init(&plan->ref);
}

void vlt_forget_plan_release(struct vlt_forget_plan *plan)
{
	for (size_t i = 0; i < plan->nr; i++)
		free(plan->v[i].first_line);
	free(plan->v);
	vlt_buf_release(&plan->ref);
	memset(plan, 0, sizeof(*plan));
}

int vlt_forget_plan_add(struct vlt_forget_plan *plan,
			const struct vlt_oid *oid, int64_t time,
			int tz_minutes, const char *first_line,
			int tagged_meta)
{
	struct vlt_forget_item *it;

	VLT_TRY(VLT_ALLOC_GROW(plan->v, plan->nr + 1, plan->alloc));
	it = &plan->v[plan->nr];
	memset(it, 0, sizeof(*it));
	if (!(it->first_line = strdup(first_line)))
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	it->oid = *oid;
	it->time = time;
	it->tz_minutes = tz_minutes;
	it->tagged_meta = tagged_meta;
	plan->nr++;
	return 0;
}

static void add_reason(struct vlt_forget_item *it, const char *why)
{
	size_t n = strlen(it->reasons);

	snprintf(it->reasons + n, sizeof(it->reasons) - n, "%s%s",
		 n ? ", " : "", why);
}

int vlt_forget_plan_decide(struct vlt_forget_plan *plan,
			   const struct vlt_forget_policy *policy,
			   const struct vlt_oid *tag_oids, size_t ntag_oids,
			   const struct vlt_oid *ref_oids, size_t nref_oids)
{
	for (size_t i = 0; i < plan->nr; i++) {
		struct vlt_forget_item *it = &plan->v[i];

		it->keep = 0;
		it->reasons[0] = '\0';
		if (i == 0) {
			it->keep = 1;
			add_reason(it, "latest");
		}
		if ((int64_t)i < policy->keep_last) {
			it->keep = 1;
			add_reason(it, "last");
		}
		if (it->tagged_meta) {
			it->keep = 1;
			add_reason(it, "tag");
		}
		for (size_t t = 0; t < ntag_oids; t++)
			if (!vlt_oid_cmp(&tag_oids[t], &it->oid)) {
				it->keep = 1;
				add_reason(it, "tag ref");
			}
		/* a snapshot any ref names (a tag, another branch) is never
		 * forgotten: gc would keep it whole anyway */
		for (size_t t = 0; i && t < nref_oids; t++)
			if (!vlt_oid_cmp(&ref_oids[t], &it->oid) && !it->keep) {
				it->keep = 1;
				add_reason(it, "named by a ref");
			}
	}
	for (int k = 0; k < VLT_FORGET_NPERIODS; k++) {
		char last[32] = "";
		int used = 0;

		for (size_t i = 0; i < plan->nr && used < policy->keep[k]; i++) {
			struct vlt_forget_item *it = &plan->v[i];
			time_t t = (time_t)(it->time + it->tz_minutes * 60);
			struct tm tm;
			char bucket[32];

			if (!gmtime_r(&t, &tm))
				return vlt_error_set(VLT_E_INVALID, "snapshot %s: "
						     "time out of range",
						     vlt_oid_hex(&it->oid));
			strftime(bucket, sizeof(bucket), periods[k].fmt, &tm);
			if (!strcmp(bucket, last))
				continue;  /* an older one of the same period */
			snprintf(last, sizeof(last), "%s", bucket);
			it->keep = 1;
			add_reason(it, periods[k].name);
			used++;
		}
	}
	plan->nforget = 0;
	for (size_t i = 0; i < plan->nr; i++)
		plan->nforget += !plan->v[i].keep;
	return 0;
}

int vlt_forget_plan_keep(struct vlt_forget_plan *plan,
			 const struct vlt_oid *oid, const char *reason)
{
	plan->nforget = 0;
	for (size_t i = 0; i < plan->nr; i++) {
		struct vlt_forget_item *it = &plan->v[i];

		if (!vlt_oid_cmp(&it->oid, oid)) {
			it->keep = 1;
			add_reason(it, reason);
		}
		plan->nforget += !it->keep;
	}
	return 0;
}

/* Each milestone (a record of kind <persona>.milestone that a ref names)
 * keeps the snapshots it links to. */
static int keep_milestone(const struct vlt_oid *oid,
			  const struct vlt_record *rec, const char *ref,
			  void *data)
{
	struct vlt_buf why = VLT_BUF_INIT;
	const char *dot = strchr(rec->kind, '.'), *name;
	int err = 0;

	(void)oid;
	if (!ref || !dot || strcmp(dot + 1, "milestone") ||
	    !(name = vlt_record_ref_short(rec->kind, ref)))
		return 0;
	if ((err = vlt_buf_addf(&why, "milestone %s", name)) < 0)
		return err;
	for (size_t i = 0; i < rec->nlinks && !err; i++)
		if (rec->links[i].kind == VLT_OBJ_SNAPSHOT)
			err = vlt_forget_plan_keep(data, &rec->links[i].oid,
						   why.data);
	vlt_buf_release(&why);
	return err;
}

struct oid_list {
	const struct vlt_forget_policy *policy;
	struct vlt_oid *v;
	size_t nr, alloc;
};

static int collect_ref(const char *name, const struct vlt_oid *oid, void *data)
{
	struct oid_list *l = data;

	(void)name;
	VLT_TRY(VLT_ALLOC_GROW(l->v, l->nr + 1, l->alloc));
	l->v[l->nr++] = *oid;
	return 0;
}

static int collect_tag(const char *name, const struct vlt_oid *oid, void *data)
{
	struct oid_list *l = data;

	for (size_t i = 0; i < l->policy->ntags; i++)
		if (!strcmp(name, l->policy->tags[i]))
			VLT_TRY(collect_ref(name, oid, data));
	return 0;
}

static int tagged(const struct vlt_snapshot *s,
		  const struct vlt_forget_policy *policy)
{
	for (size_t i = 0; i < s->nmeta; i++)
		for (size_t t = 0; t < policy->ntags; t++)
			if (!strcmp(s->meta[i].key, "tag") &&
			    !strcmp(s->meta[i].value, policy->tags[t]))
				return 1;
	return 0;
}

/* The first-parent history from cur, newest first, already-forgotten
 * snapshots skipped; it ends where what is stored ends. */
static int read_history(struct vlt_repo *r, struct vlt_oid cur,
			const struct vlt_forget_policy *policy,
			struct vlt_forget_plan *plan)
{
	struct vlt_buf b = VLT_BUF_INIT, line = VLT_BUF_INIT;
	int err = 0;

	for (;;) {
		struct vlt_snapshot s;
		const char *nl;
		int fg;

		if (vlt_odb_read_kind(r, &cur, VLT_OBJ_SNAPSHOT, &b) < 0 ||
		    vlt_snapshot_decode(b.data, b.len, &s) < 0) {
			vlt_error_clear();
			break;  /* the end of what is stored */
		}
		if ((fg = vlt_snapshot_forgotten(r, &cur)) < 0) {
			err = vlt_error_wrap(fg, "%s", vlt_oid_hex(&cur));
			vlt_snapshot_release(&s);
			break;
		}
		if (!fg) {
			nl = strchr(s.message, '\n');
			vlt_buf_reset(&line);
			if ((err = vlt_buf_add(&line, s.message, nl ?
					       (size_t)(nl - s.message) :
					       strlen(s.message))) < 0 ||
			    (err = vlt_forget_plan_add(plan, &cur, s.time,
						       s.tz_minutes, line.data,
						       tagged(&s, policy))) < 0) {
				vlt_snapshot_release(&s);
				break;
			}
		}
		if (!s.nparents) {
			vlt_snapshot_release(&s);
			break;
		}
		cur = s.parents[0];
		vlt_snapshot_release(&s);
	}
	vlt_buf_release(&b);
	vlt_buf_release(&line);
	return err;
}

int vlt_forget_plan_make(struct vlt_repo *r, const char *branch,
			 const struct vlt_forget_policy *policy,
			 struct vlt_forget_plan *plan)
{
	struct oid_list tags = { policy, NULL, 0, 0 };
	struct oid_list refs = { policy, NULL, 0, 0 };
	struct vlt_oid cur;
	int err;

	if (branch)
		err = vlt_ref_branch_name(&plan->ref, branch);
	else if ((err = vlt_ref_resolve_name(r, "HEAD", &plan->ref)) < 0)
		return vlt_error_wrap(err, "HEAD");
	if (err < 0)
		return err;
	if ((err = vlt_ref_read(r, plan->ref.data, &cur)) < 0)
		return vlt_error_wrap(err, "nothing to forget");
	if (policy->ntags && (err = vlt_tag_for_each(r, collect_tag, &tags)) < 0) {
		err = vlt_error_wrap(err, "tags");
		goto done;
	}
	if ((err = vlt_ref_for_each_all(r, collect_ref, &refs)) < 0) {
		err = vlt_error_wrap(err, "refs");
		goto done;
	}
	if ((err = read_history(r, cur, policy, plan)) == 0)
		err = vlt_forget_plan_decide(plan, policy, tags.v, tags.nr,
					     refs.v, refs.nr);
	if (!err && (err = vlt_record_list(r, NULL, keep_milestone, plan)) < 0)
		err = vlt_error_wrap(err, "milestones");
done:
	free(tags.v);
	free(refs.v);
	return err;
}

int vlt_forget_plan_apply(struct vlt_repo *r,
			  const struct vlt_forget_plan *plan)
{
	int err;

	for (size_t i = 0; i < plan->nr; i++)
		if (!plan->v[i].keep &&
		    (err = vlt_snapshot_forget(r, &plan->v[i].oid)) < 0)
			return vlt_error_wrap(err, "cannot forget %s",
					      vlt_oid_hex(&plan->v[i].oid));
	return 0;
}
