/*
 * worktree.c - storing a directory as a tree, and writing a tree out
 * (see worktree.h). The backup engine (backup.c) is the fast, parallel,
 * cached way to store a folder; this file is the simple, exact one that
 * the plumbing uses and that restore shares for writing files out.
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

#include "chunker.h"
#include "error.h"
#include "fsutil.h"
#include "odb.h"
#include "tree.h"
#include "worktree.h"

int vlt_worktree_store_fd(struct vlt_repo *r, int fd, const char *name,
			  struct vlt_oid *file_oid, uint64_t *size,
			  struct vlt_write_stats *stats)
{
	struct vlt_chunker ch;
	struct vlt_chunk_reader rd;
	struct vlt_file f;
	struct vlt_buf enc = VLT_BUF_INIT;
	int err;

	vlt_file_init(&f);
	if ((err = vlt_chunker_init(&ch, &r->chunking)) < 0)
		return err;
	if ((err = vlt_chunk_reader_init(&rd, &ch, fd)) < 0)
		return err;
	for (;;) {
		const unsigned char *data;
		size_t len;
		struct vlt_oid oid;

		if ((err = vlt_chunk_reader_next(&rd, &data, &len)) < 0) {
			vlt_error_wrap(err, "%s", name);
			goto done;
		}
		if (!len)
			break;
		if ((err = vlt_object_id(&r->idfn, VLT_OBJ_CHUNK, data, len,
					 &oid)) < 0 ||
		    (err = vlt_odb_write_hashed(r, VLT_OBJ_CHUNK, data, len,
						&oid)) < 0)
			goto done;
		if (stats) {
			stats->chunks++;
			if (err == 1) {
				stats->new_chunks++;
				stats->new_bytes += len;
			}
		}
		if ((err = vlt_file_add(&f, &oid, (uint32_t)len)) < 0)
			goto done;
	}
	if ((err = vlt_file_encode(&f, &enc)) < 0 ||
	    (err = vlt_odb_write(r, VLT_OBJ_FILE, enc.data, enc.len,
				 file_oid)) < 0)
		goto done;
	*size = f.size;
	if (stats)
		stats->bytes += f.size;
done:
	vlt_chunk_reader_release(&rd);
	vlt_file_release(&f);
	vlt_buf_release(&enc);
	return err;
}

struct walk {
	struct vlt_repo *r;
	vlt_path_filter filter;
	void *filter_data;
	struct vlt_write_stats *stats;
	struct vlt_buf rel;     /* path relative to the top, for the filter */
};

static int write_dir(struct walk *w, int dirfd, const char *path,
		     struct vlt_oid *out, int top)
{
	struct vlt_tree t;
	struct vlt_buf enc = VLT_BUF_INIT, target = VLT_BUF_INIT;
	DIR *d;
	struct dirent *de;
	size_t rel_base = w->rel.len;
	int err = 0;

	vlt_tree_init(&t);
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
				err = write_dir(w, fd, sub.data, &oid, 0);
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
	err = write_dir(&w, fd, dir, tree, 1);
	vlt_buf_release(&w.rel);
	return err;
}

/* --- checkout -------------------------------------------------------- */

int vlt_file_object_write_fd(struct vlt_repo *r, const struct vlt_oid *file,
			     int fd, const char *what)
{
	struct vlt_buf buf = VLT_BUF_INIT;
	struct vlt_file f;
	int err;

	vlt_file_init(&f);
	if ((err = vlt_odb_read_kind(r, file, VLT_OBJ_FILE, &buf)) < 0 ||
	    (err = vlt_file_decode(buf.data, buf.len, &f)) < 0)
		goto done;
	for (size_t i = 0; i < f.nr; i++) {
		if ((err = vlt_odb_read_kind(r, &f.chunks[i].oid, VLT_OBJ_CHUNK,
					     &buf)) < 0)
			goto done;
		if (buf.len != f.chunks[i].len) {
			err = vlt_error_set(VLT_E_CORRUPT, "chunk %s has %zu bytes, "
					    "file object says %u",
					    vlt_oid_hex(&f.chunks[i].oid), buf.len,
					    f.chunks[i].len);
			goto done;
		}
		if ((err = vlt_write_full(fd, buf.data, buf.len, what)) < 0)
			goto done;
	}
done:
	vlt_file_release(&f);
	vlt_buf_release(&buf);
	return err;
}

struct co {
	struct vlt_repo *r;
	const struct vlt_checkout_opts *o;
	vlt_checkout_error_fn on_error;
	void *err_data;
	struct vlt_checkout_stats *stats;
	struct vlt_buf rel;
	int first_err;
};

static void co_fail(struct co *c, const char *name, int err)
{
	size_t base = c->rel.len;

	if (!c->first_err)
		c->first_err = err;
	if (c->stats)
		c->stats->errors++;
	vlt_buf_addf(&c->rel, "%s%s", base ? "/" : "", name);
	if (c->on_error)
		c->on_error(c->rel.data, vlt_error_last(), c->err_data);
	vlt_buf_setlen(&c->rel, base);
}

static int set_times_at(int dirfd, const char *name,
			const struct vlt_tree_entry *e, int flags)
{
	struct timespec ts[2];

	ts[0].tv_sec = ts[1].tv_sec = (time_t)e->mtime_sec;
	ts[0].tv_nsec = ts[1].tv_nsec = e->mtime_nsec;
	if (utimensat(dirfd, name, ts, flags) < 0)
		return vlt_error_set(VLT_E_IO, "set time of %s: %s", name,
				     strerror(errno));
	return 0;
}

/* Remove whatever is at name if we may overwrite (never following). */
static int clear_slot(struct co *c, int dirfd, const char *name,
		      int want_dir)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 :
		       vlt_error_set(VLT_E_IO, "stat %s: %s", name, strerror(errno));
	if (want_dir && S_ISDIR(st.st_mode))
		return 0;
	if (!c->o->overwrite)
		return vlt_error_set(VLT_E_EXISTS, "%s already exists", name);
	if (S_ISDIR(st.st_mode)) {
		/* a directory where a file goes: only an empty one is removed */
		if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0)
			return vlt_error_set(VLT_E_IO, "cannot replace directory "
					     "%s: %s", name, strerror(errno));
		return 0;
	}
	if (!want_dir)
		return 0;  /* files are replaced by rename */
	if (unlinkat(dirfd, name, 0) < 0)
		return vlt_error_set(VLT_E_IO, "unlink %s: %s", name,
				     strerror(errno));
	return 0;
}

static int checkout_file(struct co *c, int dirfd,
			 const struct vlt_tree_entry *e)
{
	struct vlt_buf tmp = VLT_BUF_INIT;
	int fd = -1, err;

	if ((err = clear_slot(c, dirfd, e->name, 0)) < 0)
		return err;
	if ((err = vlt_buf_addf(&tmp, ".%s.vault-tmp-%d", e->name,
				(int)getpid())) < 0)
		return err;
	if (tmp.len > NAME_MAX) {
		vlt_buf_reset(&tmp);
		vlt_buf_addf(&tmp, ".vault-tmp-%d", (int)getpid());
	}
	unlinkat(dirfd, tmp.data, 0);
	fd = openat(dirfd, tmp.data, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
	if (fd < 0) {
		err = vlt_error_set(VLT_E_IO, "create %s: %s", e->name,
				    strerror(errno));
		goto done;
	}
	if ((err = vlt_file_object_write_fd(c->r, &e->oid, fd, e->name)) < 0)
		goto fail;
	if (fchmod(fd, e->mode) < 0) {
		err = vlt_error_set(VLT_E_IO, "chmod %s: %s", e->name,
				    strerror(errno));
		goto fail;
	}
	{
		struct timespec ts[2];

		ts[0].tv_sec = ts[1].tv_sec = (time_t)e->mtime_sec;
		ts[0].tv_nsec = ts[1].tv_nsec = e->mtime_nsec;
		if (futimens(fd, ts) < 0) {
			err = vlt_error_set(VLT_E_IO, "set time of %s: %s",
					    e->name, strerror(errno));
			goto fail;
		}
	}
	if (close(fd) < 0) {
		fd = -1;
		err = vlt_error_set(VLT_E_IO, "close %s: %s", e->name,
				    strerror(errno));
		goto fail;
	}
	fd = -1;
	if (renameat(dirfd, tmp.data, dirfd, e->name) < 0) {
		err = vlt_error_set(VLT_E_IO, "rename %s: %s", e->name,
				    strerror(errno));
		goto fail;
	}
	if (c->stats) {
		c->stats->files++;
		c->stats->bytes += e->size;
	}
	goto done;
fail:
	if (fd >= 0)
		close(fd);
	unlinkat(dirfd, tmp.data, 0);
done:
	vlt_buf_release(&tmp);
	return err;
}

static int checkout_symlink(struct co *c, int dirfd,
			    const struct vlt_tree_entry *e)
{
	struct vlt_buf target = VLT_BUF_INIT;
	int err;

	if ((err = vlt_odb_read_kind(c->r, &e->oid, VLT_OBJ_CHUNK, &target)) < 0)
		goto done;
	if (!target.len || memchr(target.data, '\0', target.len)) {
		err = vlt_error_set(VLT_E_CORRUPT, "symlink %s: bad target",
				    e->name);
		goto done;
	}
	if ((err = clear_slot(c, dirfd, e->name, 0)) < 0)
		goto done;
	if (c->o->overwrite)
		unlinkat(dirfd, e->name, 0);
	/* The link itself is written inside the target; what it points at is
	 * data, and nothing later writes through it (O_NOFOLLOW everywhere). */
	if (symlinkat(target.data, dirfd, e->name) < 0) {
		err = vlt_error_set(VLT_E_IO, "symlink %s: %s", e->name,
				    strerror(errno));
		goto done;
	}
	err = set_times_at(dirfd, e->name, e, AT_SYMLINK_NOFOLLOW);
	if (!err && c->stats)
		c->stats->symlinks++;
done:
	vlt_buf_release(&target);
	return err;
}

static int checkout_dir(struct co *c, int dirfd, const struct vlt_oid *tree,
			int top)
{
	struct vlt_buf buf = VLT_BUF_INIT;
	struct vlt_tree t;
	int err;

	vlt_tree_init(&t);
	if ((err = vlt_odb_read_kind(c->r, tree, VLT_OBJ_TREE, &buf)) < 0 ||
	    (err = vlt_tree_decode(buf.data, buf.len, &t)) < 0) {
		vlt_buf_release(&buf);
		return err;
	}
	vlt_buf_release(&buf);
	for (size_t i = 0; i < t.nr; i++) {
		const struct vlt_tree_entry *e = &t.entries[i];
		size_t base = c->rel.len;

		if (top && !strcmp(e->name, ".vault")) {
			co_fail(c, e->name, vlt_error_set(VLT_E_UNSAFE,
				"refusing to write a '.vault' entry"));
			continue;
		}
		switch (e->type) {
		case VLT_ENTRY_FILE:
			err = checkout_file(c, dirfd, e);
			break;
		case VLT_ENTRY_SYMLINK:
			err = checkout_symlink(c, dirfd, e);
			break;
		case VLT_ENTRY_DIR: {
			int sub;

			if ((err = clear_slot(c, dirfd, e->name, 1)) < 0)
				break;
			if (mkdirat(dirfd, e->name, 0700) < 0 && errno != EEXIST) {
				err = vlt_error_set(VLT_E_IO, "mkdir %s: %s",
						    e->name, strerror(errno));
				break;
			}
			sub = openat(dirfd, e->name, O_RDONLY | O_DIRECTORY |
				     O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0) {
				err = vlt_error_set(VLT_E_UNSAFE, "open %s: %s",
						    e->name, strerror(errno));
				break;
			}
			vlt_buf_addf(&c->rel, "%s%s", base ? "/" : "", e->name);
			err = checkout_dir(c, sub, &e->oid, 0);
			vlt_buf_setlen(&c->rel, base);
			if (err >= 0) {
				if (fchmod(sub, e->mode) < 0)
					err = vlt_error_set(VLT_E_IO, "chmod %s: %s",
							    e->name,
							    strerror(errno));
				else
					err = set_times_at(dirfd, e->name, e,
							   AT_SYMLINK_NOFOLLOW);
				if (!err && c->stats)
					c->stats->dirs++;
			}
			close(sub);
			break;
		}
		}
		if (err < 0) {
			co_fail(c, e->name, err);
			err = 0;
		}
	}
	vlt_tree_release(&t);
	return 0;
}

int vlt_worktree_checkout(struct vlt_repo *r, const struct vlt_oid *tree,
			  const char *dir, const struct vlt_checkout_opts *o,
			  vlt_checkout_error_fn on_error, void *err_data,
			  struct vlt_checkout_stats *stats)
{
	struct vlt_checkout_opts defaults = { 0 };
	struct co c = { r, o ? o : &defaults, on_error, err_data, stats,
			VLT_BUF_INIT, 0 };
	struct vlt_buf buf = VLT_BUF_INIT;
	struct vlt_tree t;
	int fd, err;

	/* the top tree must be readable at all, else nothing is written */
	vlt_tree_init(&t);
	if ((err = vlt_odb_read_kind(r, tree, VLT_OBJ_TREE, &buf)) < 0 ||
	    (err = vlt_tree_decode(buf.data, buf.len, &t)) < 0) {
		vlt_buf_release(&buf);
		return err;
	}
	vlt_tree_release(&t);
	vlt_buf_release(&buf);
	if ((err = vlt_mkdir_p(dir, 0755)) < 0)
		return err;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return vlt_error_set(VLT_E_IO, "open %s: %s", dir, strerror(errno));
	checkout_dir(&c, fd, tree, 1);
	close(fd);
	vlt_buf_release(&c.rel);
	if (c.first_err)
		return vlt_error_set(c.first_err, "some entries could not be "
				     "written");
	return 0;
}
