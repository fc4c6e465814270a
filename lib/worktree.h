/*
 * worktree.h - between a directory on disk and a tree in the repository.
 *
 * vlt_worktree_write() stores a directory: every regular file chunked and
 * deduplicated, symlinks by target, modes and mtimes kept; the top-level
 * ".vault" directory is never stored. The way back, a tree written into
 * a directory (vlt_worktree_checkout), is in restore.h; file objects
 * themselves (content <-> chunks) in fileobj.h.
 */
#ifndef VLT_WORKTREE_H
#define VLT_WORKTREE_H

#include <stddef.h>
#include <stdint.h>

#include "fileobj.h"
#include "hash.h"
#include "repo.h"
/* writing a tree out (vlt_worktree_checkout) is restore's: restore.h */
#include "restore.h"

/* Called for each path (relative, '/'-separated) before it is stored;
 * return 1 to skip it. May be NULL. */
typedef int (*vlt_path_filter)(const char *relpath, int is_dir, void *data);

int vlt_worktree_write(struct vlt_repo *r, const char *dir,
		       vlt_path_filter filter, void *filter_data,
		       struct vlt_oid *tree, struct vlt_write_stats *stats);

/* Store one regular file's content (open fd) as a file object. */
int vlt_worktree_store_fd(struct vlt_repo *r, int fd, const char *name,
			  struct vlt_oid *file_oid, uint64_t *size,
			  struct vlt_write_stats *stats);

#endif
