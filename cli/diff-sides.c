/*
 * diff-sides.c - the sides of a diff: a revision's tree or the working
 * folder. See diff-sides.h.
 */
#include <inttypes.h>
#include <stdio.h>

#include "backup.h"
#include "cli.h"
#include "diff-sides.h"
#include "error.h"
#include "repo.h"
#include "revparse.h"

void cli_diff_tree(struct vlt_repo *r, const char *rev, struct vlt_oid *tree,
		   int unborn_ok)
{
	struct vlt_oid oid;

	if (vlt_rev_parse(r, rev, &oid) < 0) {
		if (unborn_ok && vlt_error_last_code() == VLT_E_NOTFOUND) {
			vlt_oid_clear(tree);
			return;
		}
		die("%s (paths go after '--')", vlt_error_last());
	}
	if (vlt_rev_peel_tree(r, &oid, tree) < 0)
		die("%s", vlt_error_last());
}

void cli_diff_worktree(struct vlt_repo *r, struct vlt_oid *tree, int quiet)
{
	struct vlt_backup_opts bo;
	struct vlt_backup_progress st;

	if (!vlt_repo_worktree(r))
		die("this repository has no working folder (it is bare): "
		    "give two revisions to compare");
	vlt_backup_opts_init(&bo);
	if (vlt_backup_scan_opts(r, vlt_repo_worktree(r), &bo, tree, &st) < 0)
		die("cannot read the working folder: %s", vlt_error_last());
	/* what the rules left out is neither in the diff nor in the next
	 * backup: say so (stderr, so the records stay clean) */
	if (st.ignored && !quiet)
		fprintf(stderr, "%" PRIu64 " path%s in the folder left out by "
			"ignore rules (vault status --ignored lists them)\n",
			st.ignored, st.ignored == 1 ? "" : "s");
}
