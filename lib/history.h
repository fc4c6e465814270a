/*
 * history.h - every version of one path across the history, renames
 * followed (git log --follow).
 *
 * A walk goes along first parents from a snapshot, newest first (through
 * lib/walk.h, so forgotten snapshots are handled the one way: one whose
 * files gc freed is skipped and the kept history starts after it) and
 * yields each snapshot where the path was added, changed, renamed or
 * deleted, with the name it had there. A rename is found by content: when
 * the path appears in a snapshot and the diff with its first parent pairs
 * it with a removed path of the same file object (lib/diff.h,
 * vlt_diff_find_renames), the version is a rename and the walk goes on
 * under the old name.
 */
#ifndef VLT_HISTORY_H
#define VLT_HISTORY_H

#include "hash.h"
#include "repo.h"
#include "tree.h"
#include "walk.h"

enum vlt_history_change {
	VLT_HISTORY_ADDED = 'A',
	VLT_HISTORY_MODIFIED = 'M',  /* other content or permission bits */
	VLT_HISTORY_RENAMED = 'R',   /* old_path in the parent, same content */
	VLT_HISTORY_TYPE = 'T',      /* file, symlink or directory changed */
	VLT_HISTORY_DELETED = 'D',
};

/* One version. Everything it points to is valid until the next call of
 * vlt_history_path_next or vlt_history_path_release. */
struct vlt_history_version {
	struct vlt_oid snap;              /* the snapshot */
	const struct vlt_snapshot *s;     /* decoded */
	enum vlt_history_change change;
	const char *path;                 /* the path's name in snap */
	const char *old_path;             /* RENAMED: its name in the parent */
	int has_entry;                    /* 0 when DELETED */
	struct vlt_tree_entry e;          /* the path's entry (name NULL) */
};

/* Flags for vlt_history_path_init. */
#define VLT_HISTORY_NO_FOLLOW 1u  /* no rename following: the path is
				     ADDED there and the walk goes on
				     under the same name */

struct vlt_history {
	struct vlt_repo *r;
	unsigned flags;
	struct vlt_walk w;
	char *path;        /* the name looked up in the next snapshot */
	char *cur_path;    /* the name of the version last returned */
	char *old_path;
	struct vlt_history_version v;
	/* set once the walk met forgotten history (walk.h): programs say
	 * so once */
	int met_forgotten;
};

/* path: '/'-separated, relative to the top of the snapshot's tree, no
 * "." or empty components (callers clean what users type). */
int vlt_history_path_init(struct vlt_history *h, struct vlt_repo *r,
			  const struct vlt_oid *start, const char *path,
			  unsigned flags);
/*
 * The next version, newest first: 1 and *out, 0 at the end. A snapshot
 * whose first parent is missing and was not forgotten is VLT_E_CORRUPT
 * (the history is damaged there), as is any tree that cannot be read.
 */
int vlt_history_path_next(struct vlt_history *h,
			  const struct vlt_history_version **out);
/* Safe on a zeroed struct. */
void vlt_history_path_release(struct vlt_history *h);

#endif
