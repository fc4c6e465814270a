/*
 * dirwalk.h - the one directory walker behind `vault-write-tree`
 * (worktree.c) and `vault backup` (backup.c).
 *
 * vlt_dirwalk_run() reads a folder depth first: it leaves out "." and
 * "..", the repository folder ".vault" (at the top, or at any depth),
 * stats every entry without following symlinks, asks the caller which
 * entries to leave out (ignore rules, path filters), stores each
 * symlink's target as a chunk, and records the folder's shape in memory:
 * one vlt_walk_dir per folder, one vlt_walk_ent per entry kept, in the
 * order read. Regular files go to the caller's file() hook, which fills
 * in (now or later) the file object id and size. vlt_dirwalk_write_trees()
 * then stores the trees bottom-up, so both programs make the same tree
 * of the same folder. What fails (a stat, an open, a readlink) goes to
 * the caller's error() hook: it either reports it and the entry is left
 * out, or turns it into the walk's error.
 */
#ifndef VLT_DIRWALK_H
#define VLT_DIRWALK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "buf.h"
#include "hash.h"
#include "repo.h"
#include "tree.h"

struct vlt_walk_ent {
	char *name;
	enum vlt_entry_type type;
	uint32_t mode;        /* permission bits (07777) */
	uint64_t size;        /* file: set by the file hook; link: target */
	int64_t msec;
	uint32_t mnsec;
	struct vlt_oid oid;   /* file object, link target chunk, tree */
	long dir;             /* directories: index of their vlt_walk_dir */
	int skip;             /* left out of the tree after all (set by the
			       * caller, e.g. a file that could not be read) */
};

struct vlt_walk_dir {
	struct vlt_walk_ent *ents;
	size_t nr, alloc;
	long parent, parent_ent;   /* -1 for the top */
};

struct vlt_dirwalk_ops {
	/* Entering a folder (rel "" at the top), before it is read. May be
	 * NULL; a negative return stops the walk. */
	int (*enter)(void *data, int dirfd, const char *rel);
	/* Before the stat, from the name and readdir's d_type alone: 1
	 * leaves the entry out unlooked at. May be NULL. */
	int (*skip_early)(void *data, const char *rel, unsigned char d_type);
	/* After the stat: 1 leaves the entry out. May be NULL. */
	int (*skip)(void *data, const char *rel, const struct stat *st);
	/* A regular file, already recorded as entry ent of folder dir (mode
	 * and mtime from st, size st_size): fill in its oid and size, now
	 * or before vlt_dirwalk_write_trees(), or set skip. Negative stops
	 * the walk. */
	int (*file)(void *data, int dirfd, const char *name, const char *rel,
		    const struct stat *st, long dir, long ent);
	/* op ("stat", "open", "opendir", "readlink") failed with errnum on
	 * path (the walk's show_root joined with the relative path): 0
	 * leaves the entry out (a folder that cannot be read stays, empty),
	 * a negative VLT_E_* code stops the walk. */
	int (*error)(void *data, const char *op, const char *path, int errnum);
};

struct vlt_dirwalk {
	struct vlt_repo *r;
	const struct vlt_dirwalk_ops *ops;
	void *data;
	const char *show_root;  /* prefix of the paths given to error() and
				 * depth errors; NULL: relative paths ("."
				 * for the top) */
	int every_vault;        /* leave out ".vault" at any depth (else only
				 * at the top) */

	struct vlt_walk_dir *dirs;   /* [0] is the top; children come after
				      * their parents */
	size_t ndirs, dirs_alloc;
	uint64_t ndirs_seen;         /* folders below the top recorded */
	uint64_t nsymlinks;          /* symlinks recorded */

	/* private */
	struct vlt_buf rel, show;
	size_t depth;
};

void vlt_dirwalk_init(struct vlt_dirwalk *w, struct vlt_repo *r,
		      const struct vlt_dirwalk_ops *ops, void *data);
/* Walk the folder open at dirfd (taken over: closed here). */
int vlt_dirwalk_run(struct vlt_dirwalk *w, int dirfd);
/* Store every folder's tree, deepest first, leaving out entries with
 * skip set; *root gets the top's. */
int vlt_dirwalk_write_trees(struct vlt_dirwalk *w, struct vlt_oid *root);
void vlt_dirwalk_release(struct vlt_dirwalk *w);

static inline struct vlt_walk_ent *vlt_dirwalk_ent(struct vlt_dirwalk *w,
						   long dir, long ent)
{
	return &w->dirs[dir].ents[ent];
}

#endif
