/*
 * diff.h - what changed between two trees.
 *
 * vlt_diff_trees() walks both trees in step, name by name (entries are
 * sorted), and reports each file or symlink that was added, removed or
 * modified. Subtrees with the same id on both sides are skipped without
 * being read: a diff costs time proportional to what changed, not to the
 * size of the trees. Directories themselves are not reported (like git):
 * an added directory shows up as its added files.
 *
 * "Modified" means the entry's id, permission bits or type differ; a
 * change of mtime alone is not a change. Renames are found afterwards on
 * a collected list (vlt_diff_find_renames): a removed and an added path
 * with the same file object id become one rename.
 */
#ifndef VLT_DIFF_H
#define VLT_DIFF_H

#include <stddef.h>
#include <stdint.h>

#include "hash.h"
#include "repo.h"
#include "tree.h"

enum vlt_diff_status {
	VLT_DIFF_ADDED = 'A',
	VLT_DIFF_DELETED = 'D',
	VLT_DIFF_MODIFIED = 'M',
	VLT_DIFF_RENAMED = 'R',   /* only after vlt_diff_find_renames */
};

/* One change, as passed to the callback. Everything it points to is valid
 * during the call only. */
struct vlt_diff_change {
	enum vlt_diff_status status;
	const char *path;        /* '/'-separated, relative to the trees' top */
	const struct vlt_tree_entry *old_e;  /* NULL when added */
	const struct vlt_tree_entry *new_e;  /* NULL when removed */
};

/* Return 0 to go on; anything else stops the walk and is returned by
 * vlt_diff_trees (so a positive value can mean "found, stop"). */
typedef int (*vlt_diff_fn)(const struct vlt_diff_change *c, void *data);

/*
 * Compare tree a (old) with tree b (new). NULL or the zero id stands for
 * an empty tree. paths (NULL-terminated, may be NULL) limits the walk to
 * those paths and what is below them: "art" matches "art" and
 * "art/x.png", not "artwork"; leading and trailing '/' are ignored and ""
 * or "." match everything. Changes come in path order of the walk (tree
 * order: a directory's entries sorted bytewise by name).
 */
int vlt_diff_trees(struct vlt_repo *r, const struct vlt_oid *a,
		   const struct vlt_oid *b, const char *const *paths,
		   vlt_diff_fn fn, void *data);

/* --- a collected diff ------------------------------------------------ */

struct vlt_diff_item {
	enum vlt_diff_status status;
	char *path;              /* owned; for R the new path */
	char *old_path;          /* owned; R only (else NULL) */
	int has_old, has_new;    /* which of the entries below are set */
	struct vlt_tree_entry old_e, new_e;  /* copies; name is NULL */
};

struct vlt_diff_list {
	struct vlt_diff_item *items;
	size_t nr, alloc;
};

#define VLT_DIFF_LIST_INIT { NULL, 0, 0 }

void vlt_diff_list_init(struct vlt_diff_list *l);
void vlt_diff_list_release(struct vlt_diff_list *l);
/* A vlt_diff_fn that appends each change to the vlt_diff_list in data. */
int vlt_diff_collect(const struct vlt_diff_change *c, void *data);

/*
 * Pair removed and added paths whose entries have the same type and id
 * into renames (status R, old_path set, old_e from the removed side), one
 * to one. Empty files and symlinks are never paired (every empty file has
 * the same id). Within a group of equal ids, paths with the same base name
 * are paired first, then the rest in path order, so the result depends
 * only on the two trees. The removed items that were paired are dropped;
 * the others keep their order.
 */
int vlt_diff_find_renames(struct vlt_diff_list *l);

/* Diff a and b into l (appended), with renames paired if asked. */
int vlt_diff_trees_list(struct vlt_repo *r, const struct vlt_oid *a,
			const struct vlt_oid *b, const char *const *paths,
			int renames, struct vlt_diff_list *l);

/* Counts and sizes of a collected diff. Sizes are the entries' sizes
 * (content bytes; a symlink's target length). */
struct vlt_diff_summary {
	uint64_t changed;                /* items in the list */
	uint64_t added, removed, modified, renamed;
	uint64_t added_bytes;            /* size of the added files */
	uint64_t removed_bytes;          /* size of the removed files */
	uint64_t modified_old_bytes;     /* modified files, before */
	uint64_t modified_new_bytes;     /* modified files, after */
	uint64_t renamed_bytes;          /* size of the renamed files (new) */
	/* net growth and shrinkage: added_bytes plus what modified and
	 * renamed files grew by; removed_bytes plus what they shrank by */
	uint64_t bytes_plus, bytes_minus;
};

void vlt_diff_summarize(const struct vlt_diff_list *l,
			struct vlt_diff_summary *s);

#endif
