/*
 * git-internal.h - what the files of the git interop library share (not
 * part of its API: programs use git-interop.h).
 *
 * git-lfs.c holds what import and export both need (LFS objects and
 * pointers, .gitattributes patterns, libgit2's errors as ours);
 * git-export-map.c the export's caches in GIT_DIR/vault/export-map and
 * the lock beside them; git-export.c the conversion itself;
 * git-import.c the other way.
 */
#ifndef VLT_GIT_INTERNAL_H
#define VLT_GIT_INTERNAL_H

#include <stdint.h>

#include <git2.h>

#include "buf.h"
#include "git-interop.h"
#include "oidset.h"

/* --- git-lfs.c --------------------------------------------------------- */

/*
 * Where git-lfs keeps the object of this SHA-256:
 * GITDIR/lfs/objects/ab/cd/abcd... (gitdir ends in '/'), or only its
 * directory GITDIR/lfs/objects/ab/cd when dir_only.
 */
int vlt_git_lfs_object_path(struct vlt_buf *out, const char *gitdir,
			    const unsigned char sha256[32], int dir_only);
/* SHA-256 and size of what is left to read from fd (an LFS object; path
 * for messages). */
int vlt_git_lfs_hash_fd(int fd, const char *path, unsigned char sha256[32],
			uint64_t *size);
/* 64 lower-case hex digits (not NUL-terminated) into sha256; -1 if not. */
int vlt_git_sha256_from_hex(unsigned char sha256[32], const char *hex);
/* free() every value of m, then release m. */
void vlt_git_free_vals(struct vlt_oidmap *m);

/* --- the export (git-export.c, git-export-map.c) ---------------------- */

#define VLT_GIT_LFS_ATTRS " filter=lfs diff=lfs merge=lfs -text"

/* What the map knows of a file object. */
struct vlt_git_file_ent {
	git_oid blob;
	unsigned char lfs[32];
	unsigned has_blob : 1, has_lfs : 1;
};

/* What the map knows of a tree, for the tree options of this run. */
struct vlt_git_tree_ent {
	git_oid tree;
	int empty;             /* nothing git can hold: the entry is left out */
};

/* One export session (git-interop.h), from open to close. */
struct vlt_git_export {
	struct vlt_repo *r;
	git_repository *git;
	git_odb *odb;
	struct vlt_git_export_opts o;
	char *gitdir;          /* with a trailing '/' */
	char *map_path, *lock_path;
	int locked, created, head_set;
	int said_forgotten;        /* "older snapshots were forgotten" */
	struct vlt_oidmap snaps;   /* snapshot -> git_oid commit */
	struct vlt_oidmap files;   /* file object -> struct vlt_git_file_ent */
	struct vlt_oidmap trees;   /* tree -> struct vlt_git_tree_ent */
	struct vlt_git_export_stats st;
	struct vlt_git_progress prog;
	struct vlt_buf path;       /* path of the entry being converted */
	size_t depth;              /* of the tree being converted */
	struct vlt_buf chunk;      /* reused read buffer */
};

/* Pass a message to the caller's warn callback, if any. */
void vlt_git_export_warn(struct vlt_git_export *x, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Take GIT_DIR/vault/export.lock (VLT_E_LOCKED when another export
 * holds it); vlt_git_export_free() releases it. */
int vlt_git_export_lock(struct vlt_git_export *x);
/*
 * Read the map into x's caches (a missing or unknown map is an empty
 * cache); VLT_E_CONFLICT when its commits were made with other tree
 * options, unless x->o.reconvert.
 */
int vlt_git_export_map_load(struct vlt_git_export *x);
/* Write x's caches back, durably. */
int vlt_git_export_map_save(struct vlt_git_export *x);
/* The map's entry for file object k, added empty when new (NULL: out of
 * memory). Owned by x. */
struct vlt_git_file_ent *vlt_git_export_file(struct vlt_git_export *x,
					     const struct vlt_oid *k);
/* m[k] = a copy of v (the old value freed). */
int vlt_git_export_put_oid(struct vlt_oidmap *m, const struct vlt_oid *k,
			   const git_oid *v);

#endif
