/*
 * worktree.c - storing a directory as a tree (see worktree.h). The
 * backup engine (backup.c) is the fast, parallel, cached way to store a
 * folder; this file is the simple, exact one that the plumbing uses.
 * Writing a tree out is restore.c's job, file objects fileobj.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dirwalk.h"
#include "error.h"
#include "fileobj.h"
#include "fsutil.h"
#include "odb.h"
#include "tree.h"
#include "worktree.h"

int vlt_worktree_store_fd(struct vlt_repo *r, int fd, const char *name,
			  struct vlt_oid *file_oid, uint64_t *size,
			  struct vlt_write_stats *stats)
{
	return vlt_file_from_fd(r, &r->idfn, &r->chunking, fd, name, file_oid,
				size, stats);
}

struct walk {
	struct vlt_repo *r;
	const char *dir;        /* the folder as given, for messages */
	vlt_path_filter filter;
	void *filter_data;
	struct vlt_write_stats *stats;
	struct vlt_dirwalk *dw;
};

static int walk_skip(void *data, const char *rel, const struct stat *st)
{
	struct walk *w = data;

	return w->filter && w->filter(rel, S_ISDIR(st->st_mode), w->filter_data);
}

/* Every regular file is stored as it is met. */
static int walk_file(void *data, int dirfd, const char *name, const char *rel,
		     const struct stat *st, long dir, long ent)
{
	struct walk *w = data;
	struct vlt_walk_ent *b;
	struct vlt_oid oid;
	uint64_t size;
	int err, fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	(void)st;
	if (fd < 0)
		return vlt_error_set(VLT_E_IO, "open %s/%s: %s", w->dir, rel,
				     strerror(errno));
	err = vlt_worktree_store_fd(w->r, fd, name, &oid, &size, w->stats);
	close(fd);
	if (err < 0)
		return err;
	b = vlt_dirwalk_ent(w->dw, dir, ent);
	b->oid = oid;
	b->size = size;
	if (w->stats)
		w->stats->files++;
	return 0;
}

/* The plumbing is exact: anything it cannot read fails it. */
static int walk_error(void *data, const char *op, const char *path, int errnum)
{
	(void)data;
	return vlt_error_set(VLT_E_IO, "%s %s: %s", op, path, strerror(errnum));
}

static const struct vlt_dirwalk_ops walk_ops = {
	.skip = walk_skip,
	.file = walk_file,
	.error = walk_error,
};

int vlt_worktree_write(struct vlt_repo *r, const char *dir,
		       vlt_path_filter filter, void *filter_data,
		       struct vlt_oid *tree, struct vlt_write_stats *stats)
{
	struct vlt_dirwalk dw;
	struct walk w = { r, dir, filter, filter_data, stats, &dw };
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int err;

	if (fd < 0)
		return vlt_error_set(VLT_E_IO, "open %s: %s", dir, strerror(errno));
	vlt_dirwalk_init(&dw, r, &walk_ops, &w);
	dw.show_root = dir;
	if ((err = vlt_dirwalk_run(&dw, fd)) == 0)
		err = vlt_dirwalk_write_trees(&dw, tree);
	if (!err && stats) {
		stats->dirs += dw.ndirs_seen;
		stats->symlinks += dw.nsymlinks;
	}
	vlt_dirwalk_release(&dw);
	return err;
}
