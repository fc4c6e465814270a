/*
 * restore.h - writing a tree (or parts of it) into a directory, in
 * parallel, exactly, and never outside that directory.
 *
 * First a planning pass reads the whole selection and compares it with
 * what the target holds, writing nothing: a file identical to the one of
 * the tree is left alone; anything else in the way is a conflict without
 * overwrite, and with overwrite a conflict too when its content is not in
 * the repository (a local edit that no backup saved) unless
 * discard_changes. Any conflict: nothing is written at all. Then
 * directories and symlinks are created by one thread in tree order;
 * files are written by worker threads, each to a temporary name then
 * renamed (holes where the content has zero blocks); directory modes and
 * mtimes are set last, deepest first. Every
 * path is opened relative to the target with openat2(RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS) (or, on kernels without it, one O_NOFOLLOW
 * component at a time), so neither a hostile tree nor a symlink planted in
 * the target can make a write land elsewhere. Names are validated by the
 * tree decoder; a top-level ".vault" entry is refused. A file that cannot
 * be written (damaged chunk, I/O error) is reported and the rest goes on.
 */
#ifndef VLT_RESTORE_H
#define VLT_RESTORE_H

#include <stdint.h>

#include "hash.h"
#include "repo.h"

struct vlt_checkout_opts {
	int overwrite;     /* replace existing files, whatever they hold
			    * (else they are an error) */
	int verify;        /* re-read written files and compare ids */
	int quiet;
};

struct vlt_checkout_stats {
	uint64_t files, dirs, symlinks, bytes;
	uint64_t errors;    /* entries that failed (damage, unsafe names) */
	uint64_t conflicts; /* of them, entries the target's content refused
			     * (then nothing at all was written) */
	uint64_t unchanged; /* files and links already as in the tree: left
			     * alone (at most their mode and mtime set) */
	uint64_t holes;     /* bytes left as holes in sparse files */
};

/* Report of one failed entry: path relative to the target, and why. */
typedef void (*vlt_checkout_error_fn)(const char *relpath, const char *msg,
				      void *data);

struct vlt_restore_opts {
	int overwrite;               /* replace existing files, links, empty
				      * folders, when their content is in
				      * the repository */
	int discard_changes;         /* with overwrite: also when it is not */
	int verify;                  /* re-read each written file and check
				      * that it hashes to its file object */
	int threads;                 /* 0: one per core */
	const char *const *paths;    /* only these paths of the tree (NULL:
				      * all), placed at the same relative
				      * path under the target */
	vlt_checkout_error_fn on_error;
	void *err_data;
};

/*
 * Returns 0 when everything was written; otherwise the first error's code
 * (each failure went to on_error) — stats->errors counts them. When
 * stats->conflicts is not 0, nothing was written (VLT_E_EXISTS).
 */
int vlt_restore(struct vlt_repo *r, const struct vlt_oid *tree,
		const char *dir, const struct vlt_restore_opts *o,
		struct vlt_checkout_stats *stats);

/*
 * The plumbing's checkout (vault-checkout-tree): write tree into dir
 * (created if missing), vlt_restore of the whole tree where overwrite
 * replaces whatever is there, like git checkout-index -f. Returns 0 when
 * everything was written; VLT_E_CORRUPT (or the first error) when some
 * entries failed — each one is reported through on_error and the rest is
 * still written.
 */
int vlt_worktree_checkout(struct vlt_repo *r, const struct vlt_oid *tree,
			  const char *dir, const struct vlt_checkout_opts *o,
			  vlt_checkout_error_fn on_error, void *err_data,
			  struct vlt_checkout_stats *stats);

#endif
