/*
 * git-interop.h - move history between a vault repository and a git
 * repository through libgit2 (never by running git).
 *
 * Export: each snapshot becomes one commit whose tree holds the snapshot's
 * files (modes, symlinks, executable bit), whose author, date and message
 * come from the snapshot, and whose parents are the commits of the
 * snapshot's parents. The conversion is a pure function of the snapshot
 * and the options, so commit ids are stable; a map kept in the git
 * directory (GIT_DIR/vault/export-map) only saves work. Files at or above
 * the LFS threshold become Git LFS pointer files (spec v1) with their
 * content under GIT_DIR/lfs/objects/, and a per-directory .gitattributes
 * names them so git-lfs users get the real files.
 *
 * Import: each commit becomes one snapshot; author, date, message and the
 * parent graph are kept (the committer and the commit id go into snapshot
 * metadata, so an export of an import reproduces the original commit ids).
 * A file's mtime is the time of the commit that last changed it along the
 * first-parent line, which also lets an unchanged subtree be reused from
 * the parent snapshot without reading it. LFS pointers whose objects are
 * present are imported as their real content. The map commit -> snapshot
 * is kept in the repository (key git/import-map) so a second import only
 * converts new commits.
 *
 * Documentation/vault-export-git.md and vault-import-git.md describe the
 * details; Documentation/format.md section 10 the two maps.
 */
#ifndef VLT_GIT_INTEROP_H
#define VLT_GIT_INTEROP_H

#include <stdint.h>

#include "hash.h"
#include "repo.h"

#define VLT_GIT_HEXSZ 40

/* A path-level problem that did not stop the run (skipped entry, missing
 * LFS object, dropped parent). */
typedef void (*vlt_git_warn_fn)(const char *msg, void *data);

struct vlt_git_progress {
	uint64_t done, total;        /* snapshots or commits */
	uint64_t bytes;              /* content bytes converted so far */
};
typedef void (*vlt_git_progress_fn)(const struct vlt_git_progress *p,
				    void *data);

/* --- export ---------------------------------------------------------- */

struct vlt_git_export_opts {
	int bare;                  /* create a bare repository if missing */
	uint64_t lfs_threshold;    /* 0: no LFS */
	int no_gitattributes;      /* do not write .gitattributes for LFS */
	int no_fsync;              /* skip libgit2's fsync of objects/refs */
	int keep_tree_params;      /* lfs_threshold and no_gitattributes were
				      not given: take those of the previous
				      export into this repository, if any */
	int reconvert;             /* the tree options differ from those the
				      map's commits were made with: convert
				      every snapshot again (new commit ids)
				      instead of refusing with VLT_E_CONFLICT */
	vlt_git_warn_fn warn;
	vlt_git_progress_fn progress;
	void *cb_data;
};

struct vlt_git_export_stats {
	uint64_t snapshots;        /* asked for, with their ancestors */
	uint64_t commits_new;      /* commits written by this run */
	uint64_t blobs_new;        /* blobs converted by this run */
	uint64_t bytes;            /* content bytes read from vault */
	uint64_t lfs_files, lfs_bytes;
	uint64_t skipped;          /* entries git cannot hold (.git, ...) */
	uint64_t empty_dirs;       /* empty directories (git has none) */
	uint64_t reconverted;      /* snapshots exported before with other
				      tree options, whose commits this run
				      made again (reconvert) */
};

struct vlt_git_export;

/* Open (or create) the git repository at path and load the export map.
 * Takes GIT_DIR/vault/export.lock (VLT_E_LOCKED if another export runs). */
int vlt_git_export_open(struct vlt_git_export **out, struct vlt_repo *r,
			const char *path, const struct vlt_git_export_opts *o);

/* Export snap and every ancestor not exported yet; commit_hex gets its
 * commit id (40 hex + NUL). */
int vlt_git_export_snapshot(struct vlt_git_export *x,
			    const struct vlt_oid *snap,
			    char commit_hex[VLT_GIT_HEXSZ + 1]);

/*
 * Point refs/heads/NAME (kind 'b') or refs/tags/NAME (kind 't') at
 * commit. An existing branch moves only forward (VLT_E_CONFLICT unless
 * force); an existing tag moves only with force. When the repository is
 * new or HEAD is unborn, HEAD is pointed at the first branch set; in a
 * non-bare repository whose HEAD is that branch the working tree follows
 * (a safe checkout: local changes are never overwritten, a warning says
 * when the working tree was left as it was).
 */
int vlt_git_export_set_ref(struct vlt_git_export *x, char kind,
			   const char *name, const char *commit_hex, int force);

/* Save the map and release the lock. Returns the first error. */
int vlt_git_export_close(struct vlt_git_export *x,
			 struct vlt_git_export_stats *stats);
/* Release without saving (after an error). Safe on NULL. */
void vlt_git_export_free(struct vlt_git_export *x);

/* --- import ---------------------------------------------------------- */

struct vlt_git_import_opts {
	int all_parents;           /* walk every parent, not the first only */
	vlt_git_warn_fn warn;
	vlt_git_progress_fn progress;
	void *cb_data;
};

struct vlt_git_import_stats {
	uint64_t commits;          /* on the walked line */
	uint64_t commits_new;      /* converted by this run */
	uint64_t blobs_new;
	uint64_t bytes;            /* content bytes converted */
	uint64_t lfs_files;        /* pointers replaced by their content */
	uint64_t lfs_missing;      /* pointers kept: object not present */
	uint64_t skipped;          /* submodules, unsafe names */
};

/* A git tag whose commit has a snapshot: lightweight (message NULL) or
 * annotated (its message). */
struct vlt_git_import_tag {
	char *name;                /* without refs/tags/, owned */
	struct vlt_oid snap;
	char *message;             /* owned, NULL for a lightweight tag */
};

struct vlt_git_import_result {
	struct vlt_oid tip;        /* snapshot of the walked revision */
	struct vlt_oid *created;   /* snapshots written by this run (owned) */
	size_t ncreated;
	char branch[256];          /* the git branch REV named, or "" */
	/* every git tag that points (through annotated tags) at a commit
	 * with a snapshot, sorted by name; the caller creates the vault
	 * tags once the snapshots are published (vlt_tag_set) */
	struct vlt_git_import_tag *tags;
	size_t ntags, tags_alloc;
	size_t tags_left_out;      /* tags of commits not imported, of
				      trees or blobs, or with names vault
				      refuses */
};

void vlt_git_import_result_release(struct vlt_git_import_result *res);

/*
 * Convert the history of rev (default HEAD) in the git repository at path
 * into snapshots. Objects are written and flushed but no ref is moved:
 * the caller settles with the gc protocol over res->created and moves its
 * branch. The import map is updated under the lock key git/import-map.
 */
int vlt_git_import(struct vlt_repo *r, const char *path, const char *rev,
		   const struct vlt_git_import_opts *o,
		   struct vlt_git_import_result *res,
		   struct vlt_git_import_stats *stats);

/* The LFS pointer text for content of this SHA-256 and size. */
int vlt_git_lfs_pointer(struct vlt_buf *out, const unsigned char sha256[32],
			uint64_t size);
/* Parse an LFS pointer (spec v1); 1 and the oid/size if data is one. */
int vlt_git_lfs_parse(const void *data, size_t len, unsigned char sha256[32],
		      uint64_t *size);
/* libgit2's last error as ours: "what: message" with code. */
int vlt_git_fail(int code, const char *what);

/* Quote a path as a .gitattributes pattern that matches exactly it. */
int vlt_git_attr_pattern(struct vlt_buf *out, const char *name);

#endif
