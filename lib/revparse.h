/*
 * revparse.h - turning revision strings into object ids.
 *
 * Accepted (git's syntax where it fits):
 *   64-hex id; a unique prefix of 4+ hex digits; HEAD or @; a ref name
 *   (main -> refs/snapshots/main, v1 -> refs/tags/v1, or refs/...);
 *   REV~N (N-th first parent), REV^ / REV^N (N-th parent);
 *   REF@{N} (N-th previous value in the reflog);
 *   REF@{DATE} (the value the ref had then: "yesterday", "N.days.ago",
 *   "N.hours.ago", "YYYY-MM-DD", "YYYY-MM-DD HH:MM", or "@UNIX"; before
 *   the oldest reflog entry, the newest snapshot dated at or before DATE
 *   on the ref's first-parent line);
 *   REV:path/in/tree (the object at that path of the snapshot's tree).
 */
#ifndef VLT_REVPARSE_H
#define VLT_REVPARSE_H

#include "hash.h"
#include "repo.h"
#include "tree.h"

int vlt_rev_parse(struct vlt_repo *r, const char *rev, struct vlt_oid *out);

/* A date as REF@{DATE} takes it ("yesterday", "N.days.ago", "YYYY-MM-DD",
 * "YYYY-MM-DD HH:MM" local time, "@UNIX"), into unix seconds. */
int vlt_date_parse(const char *s, int64_t *out);

/* Read and decode the snapshot oid (release *s after success). */
int vlt_snapshot_read(struct vlt_repo *r, const struct vlt_oid *oid,
		      struct vlt_snapshot *s);

/* A snapshot or tree id -> the tree id. */
int vlt_rev_peel_tree(struct vlt_repo *r, const struct vlt_oid *oid,
		      struct vlt_oid *tree);

/*
 * Look path up under tree; *e gets a copy of the entry (e->name owned by the
 * caller: free it). An empty path yields a synthetic directory entry for
 * the tree itself.
 */
int vlt_tree_lookup_path(struct vlt_repo *r, const struct vlt_oid *tree,
			 const char *path, struct vlt_tree_entry *e);

/* Parse "REV:path" (or a bare "REV") into a tree entry, for commands that
 * need mode/type/size as well as the id. */
int vlt_rev_parse_entry(struct vlt_repo *r, const char *rev,
			struct vlt_tree_entry *e);

#endif
