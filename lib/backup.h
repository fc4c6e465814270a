/*
 * backup.h - the backup engine: a folder into a snapshot, fast.
 *
 * A walk (stat only) builds the folder's shape in memory and asks the file
 * cache which files are unchanged since the last backup (same dev, inode,
 * size, mtime, ctime): those cost nothing more. The changed files are read
 * by a reader thread, cut into chunks, and hashed, deduplicated and
 * compressed by worker threads; memory stays bounded by a queue of chunk
 * buffers whatever the file sizes. Trees are then written bottom-up, the
 * snapshot object last, and only after every pack is durable does the
 * caller move a ref (vlt_backup_commit). See Documentation/format.md for
 * the concurrency protocol with gc.
 */
#ifndef VLT_BACKUP_H
#define VLT_BACKUP_H

#include <stdint.h>

#include "hash.h"
#include "repo.h"

struct vlt_ignore;

struct vlt_backup_progress {
	uint64_t files_total, bytes_total;   /* known after the walk */
	uint64_t files_done, bytes_done;
	uint64_t files_cached;               /* unchanged, from the cache */
	uint64_t bytes_new, bytes_stored;    /* new chunk bytes; after compression */
	uint64_t chunks, chunks_new;
	uint64_t dirs, symlinks, errors;      /* errors: every path left out */
	uint64_t ignored;                    /* paths left out by ignore rules
					      * (a directory counts once) */
	uint64_t files_failed;               /* files that could not be read
					      * (left out; in files_total) */
	uint64_t bytes_failed;               /* their sizes (in bytes_total) */
	uint64_t files_changed;              /* kept changing while read:
					      * stored as last read */
	double elapsed;                      /* seconds since start */
};

typedef void (*vlt_backup_progress_fn)(const struct vlt_backup_progress *p,
				       int final, void *data);
/* Called for each path that could not be read (it is left out of the
 * snapshot; the backup goes on). */
typedef void (*vlt_backup_warn_fn)(const char *path, const char *msg,
				   void *data);
/* Called for each path an ignore rule left out (an ignored directory
 * once, not what is inside it); why says which rule. */
struct vlt_ignore_why;
typedef void (*vlt_backup_ignored_fn)(const char *path, int is_dir,
				      const struct vlt_ignore_why *why,
				      void *data);

/* Called for each file that kept changing while it was read (its size,
 * mtime or ctime differed after each of 3 reads): the last read is
 * stored. */
typedef void (*vlt_backup_changed_fn)(const char *path, void *data);

struct vlt_backup_opts {
	int threads;                 /* 0: one per core */
	int dry_run;                 /* hash everything, store only trees in
				      * memory (for diff against a folder) */
	int use_cache;               /* default 1 */
	int use_default_ignores;     /* default 1 */
	const char *const *excludes; /* extra patterns, NULL-terminated */
	/*
	 * Read only these paths below root ('/'-separated, relative, no
	 * trailing '/'; NULL-terminated), like `git commit PATH`: the tree
	 * holds them and the directories leading to them, nothing else.
	 * vlt_tree_graft() puts it into the parent snapshot's tree. The
	 * rules of every directory on the way still apply, and the file
	 * cache keeps its entries for everything else. NULL: everything.
	 */
	const char *const *only;
	vlt_backup_progress_fn progress;
	vlt_backup_warn_fn warn;
	vlt_backup_ignored_fn ignored;   /* may be NULL */
	vlt_backup_changed_fn changed;   /* may be NULL */
	void *cb_data;
};

void vlt_backup_opts_init(struct vlt_backup_opts *o);

/*
 * Store the folder `root` (and below) as a tree; *tree gets its id. Every
 * object is durable when this returns 0 (not in dry-run). *stats (may be
 * NULL) gets the final counters.
 */
int vlt_backup_tree(struct vlt_repo *r, const char *root,
		    const struct vlt_backup_opts *o, struct vlt_oid *tree,
		    struct vlt_backup_progress *stats);

/* Hash the folder without storing file data (dry run): the returned tree
 * and its subtrees/file objects can be read back until the repository is
 * closed. For `vault diff` against a working folder. */
int vlt_backup_scan(struct vlt_repo *r, const char *root,
		    struct vlt_oid *tree);

/*
 * The tree of a backup with opts.only, put into base: each of the only
 * paths is taken from part (or removed, when part has no such path: the
 * folder or file was deleted, or is left out by the rules), everything
 * else is base's. Directories on the way take part's metadata. base may
 * be NULL or zero (no parent snapshot). *out gets the new root tree.
 */
int vlt_tree_graft(struct vlt_repo *r, const struct vlt_oid *base,
		   const struct vlt_oid *part, const char *const *only,
		   struct vlt_oid *out);

/* vlt_backup_scan with options (ignore rules, the ignored callback) and
 * the counters; o->dry_run is implied. For `vault status`. */
int vlt_backup_scan_opts(struct vlt_repo *r, const char *root,
			 const struct vlt_backup_opts *o, struct vlt_oid *tree,
			 struct vlt_backup_progress *stats);

#endif
