/*
 * worktree.c - storing a directory as a tree (see worktree.h). The
 * backup engine (backup.c) is the fast, parallel, cached way to store a
 * folder; this file is the simple, exact one that the plumbing uses.
 * Writing a tree out is restore.c's job, file objects fileobj.c's.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

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
	vlt_path_filter filter;
	void *filter_data;
	struct vlt_write_stats *stats;
	struct vlt_buf rel;     /* path relative to the top, for the filter */
};

static int write_dir(struct walk *w, int dirfd, const char *path,
		     struct vlt_oid *out, size_t depth)
{
	int top = depth == 0;
	struct vlt_tree t;
	struct vlt_buf enc = VLT_BUF_INIT, target = VLT_BUF_INIT;
	DIR *d;
	struct dirent *de;
	size_t rel_base = w->rel.len;
	int err = 0;

	vlt_tree_init(&t);
	if ((err = vlt_tree_depth_check(depth, path)) < 0) {
		close(dirfd);
		return err;
	}
	d = fdopendir(dirfd);
	if (!d) {
		close(dirfd);
		return vlt_error_set(VLT_E_IO, "opendir %s: %s", path,
				     strerror(errno));
	}
	while ((de = readdir(d)) != NULL) {
		const char *name = de->d_name;
		struct stat st;
		struct vlt_oid oid;

		if (!strcmp(name, ".") || !strcmp(name, ".."))
			continue;
		if (top && !strcmp(name, ".vault"))
			continue;
		if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT)
				continue;  /* vanished while we looked */
			err = vlt_error_set(VLT_E_IO, "stat %s/%s: %s", path, name,
					    strerror(errno));
			break;
		}
		vlt_buf_setlen(&w->rel, rel_base);
		if ((err = vlt_buf_addf(&w->rel, "%s%s", rel_base ? "/" : "",
					name)) < 0)
			break;
		if (w->filter && w->filter(w->rel.data, S_ISDIR(st.st_mode),
					   w->filter_data))
			continue;
		if (S_ISREG(st.st_mode)) {
			uint64_t size;
			int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW |
					O_CLOEXEC);

			if (fd < 0) {
				err = vlt_error_set(VLT_E_IO, "open %s/%s: %s", path,
						    name, strerror(errno));
				break;
			}
			err = vlt_worktree_store_fd(w->r, fd, name, &oid, &size,
						    w->stats);
			close(fd);
			if (err < 0)
				break;
			err = vlt_tree_add(&t, name, VLT_ENTRY_FILE, st.st_mode,
					   size, st.st_mtim.tv_sec,
					   (uint32_t)st.st_mtim.tv_nsec, &oid);
			if (w->stats)
				w->stats->files++;
		} else if (S_ISLNK(st.st_mode)) {
			ssize_t n;

			vlt_buf_reset(&target);
			if ((err = vlt_buf_grow(&target, PATH_MAX)) < 0)
				break;
			n = readlinkat(dirfd, name, target.data, PATH_MAX);
			if (n < 0) {
				err = vlt_error_set(VLT_E_IO, "readlink %s/%s: %s",
						    path, name, strerror(errno));
				break;
			}
			vlt_buf_setlen(&target, (size_t)n);
			if ((err = vlt_odb_write(w->r, VLT_OBJ_CHUNK, target.data,
						 target.len, &oid)) < 0)
				break;
			err = vlt_tree_add(&t, name, VLT_ENTRY_SYMLINK, 0777,
					   (uint64_t)n, st.st_mtim.tv_sec,
					   (uint32_t)st.st_mtim.tv_nsec, &oid);
			if (w->stats)
				w->stats->symlinks++;
		} else if (S_ISDIR(st.st_mode)) {
			struct vlt_buf sub = VLT_BUF_INIT;
			int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY |
					O_NOFOLLOW | O_CLOEXEC);

			if (fd < 0) {
				err = vlt_error_set(VLT_E_IO, "open %s/%s: %s", path,
						    name, strerror(errno));
				break;
			}
			if ((err = vlt_buf_addf(&sub, "%s/%s", path, name)) == 0)
				err = write_dir(w, fd, sub.data, &oid, depth + 1);
			vlt_buf_release(&sub);
			if (err < 0)
				break;
			err = vlt_tree_add(&t, name, VLT_ENTRY_DIR, st.st_mode, 0,
					   st.st_mtim.tv_sec,
					   (uint32_t)st.st_mtim.tv_nsec, &oid);
			if (w->stats)
				w->stats->dirs++;
		}
		/* sockets, fifos and devices are not stored */
		if (err < 0)
			break;
	}
	closedir(d);
	vlt_buf_setlen(&w->rel, rel_base);
	if (!err && (err = vlt_tree_encode(&t, &enc)) == 0)
		err = vlt_odb_write(w->r, VLT_OBJ_TREE, enc.data, enc.len, out);
	vlt_tree_release(&t);
	vlt_buf_release(&enc);
	vlt_buf_release(&target);
	return err;
}

int vlt_worktree_write(struct vlt_repo *r, const char *dir,
		       vlt_path_filter filter, void *filter_data,
		       struct vlt_oid *tree, struct vlt_write_stats *stats)
{
	struct walk w = { r, filter, filter_data, stats, VLT_BUF_INIT };
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int err;

	if (fd < 0)
		return vlt_error_set(VLT_E_IO, "open %s: %s", dir, strerror(errno));
	err = write_dir(&w, fd, dir, tree, 0);
	vlt_buf_release(&w.rel);
	return err;
}
