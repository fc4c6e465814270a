/*
 * worktree.c - storing a directory as a tree, and writing a tree out
 * (see worktree.h). The backup engine (backup.c) is the fast, parallel,
 * cached way to store a folder; this file is the simple, exact one that
 * the plumbing uses. Writing out is restore.c's job.
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
#include "restore.h"
#include "tree.h"
#include "worktree.h"

/* One chunk of a file being stored: id, store, count, append. */
static int add_chunk(struct vlt_repo *store, const struct vlt_idfn *idfn,
		     struct vlt_file *f, const unsigned char *data, size_t len,
		     struct vlt_write_stats *stats)
{
	struct vlt_oid oid;
	int err;

	if ((err = vlt_object_id(idfn, VLT_OBJ_CHUNK, data, len, &oid)) < 0)
		return err;
	if (store && (err = vlt_odb_write_hashed(store, VLT_OBJ_CHUNK, data,
						 len, &oid)) < 0)
		return err;
	if (stats) {
		stats->chunks++;
		if (err == 1) {
			stats->new_chunks++;
			stats->new_bytes += len;
		}
	}
	return vlt_file_add(f, &oid, (uint32_t)len);
}

/* The file object of a complete chunk list. */
static int finish_file(struct vlt_repo *store, const struct vlt_idfn *idfn,
		       const struct vlt_file *f, struct vlt_oid *file_oid,
		       uint64_t *size, struct vlt_write_stats *stats)
{
	struct vlt_buf enc = VLT_BUF_INIT;
	int err;

	if ((err = vlt_file_encode(f, &enc)) == 0)
		err = store ? vlt_odb_write(store, VLT_OBJ_FILE, enc.data,
					    enc.len, file_oid)
			    : vlt_object_id(idfn, VLT_OBJ_FILE, enc.data,
					    enc.len, file_oid);
	vlt_buf_release(&enc);
	if (err < 0)
		return err;
	if (size)
		*size = f->size;
	if (stats)
		stats->bytes += f->size;
	return 0;
}

int vlt_file_from_fd(struct vlt_repo *store, const struct vlt_idfn *idfn,
		     const struct vlt_chunker_params *chunking, int fd,
		     const char *name, struct vlt_oid *file_oid,
		     uint64_t *size, struct vlt_write_stats *stats)
{
	struct vlt_chunker ch;
	struct vlt_chunk_reader rd;
	struct vlt_file f;
	int err;

	vlt_file_init(&f);
	if ((err = vlt_chunker_init(&ch, chunking)) < 0)
		return err;
	if ((err = vlt_chunk_reader_init(&rd, &ch, fd)) < 0)
		return err;
	for (;;) {
		const unsigned char *data;
		size_t len;

		if ((err = vlt_chunk_reader_next(&rd, &data, &len)) < 0) {
			vlt_error_wrap(err, "%s", name);
			goto done;
		}
		if (!len)
			break;
		if ((err = add_chunk(store, idfn, &f, data, len, stats)) < 0)
			goto done;
	}
	err = finish_file(store, idfn, &f, file_oid, size, stats);
done:
	vlt_chunk_reader_release(&rd);
	vlt_file_release(&f);
	return err;
}

int vlt_file_from_mem(struct vlt_repo *store, const struct vlt_idfn *idfn,
		      const struct vlt_chunker_params *chunking,
		      const void *data, size_t len, struct vlt_oid *file_oid,
		      struct vlt_write_stats *stats)
{
	const unsigned char *p = data;
	struct vlt_chunker ch;
	struct vlt_file f;
	int err;

	vlt_file_init(&f);
	if ((err = vlt_chunker_init(&ch, chunking)) < 0)
		return err;
	while (len) {
		size_t n = vlt_chunker_cut(&ch, p, len);

		if ((err = add_chunk(store, idfn, &f, p, n, stats)) < 0)
			goto done;
		p += n;
		len -= n;
	}
	err = finish_file(store, idfn, &f, file_oid, NULL, stats);
done:
	vlt_file_release(&f);
	return err;
}

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

/* --- checkout -------------------------------------------------------- */

int vlt_file_object_for_each_chunk(struct vlt_repo *r,
				   const struct vlt_oid *file,
				   struct vlt_buf *chunk, uint64_t *size,
				   vlt_chunk_data_fn fn, void *arg)
{
	struct vlt_buf buf = VLT_BUF_INIT;
	struct vlt_file f;
	int err;

	vlt_file_init(&f);
	if ((err = vlt_odb_read_kind(r, file, VLT_OBJ_FILE, &buf)) < 0 ||
	    (err = vlt_file_decode(buf.data, buf.len, &f)) < 0)
		goto done;
	if (size)
		*size = f.size;
	if (fn && (err = fn(NULL, f.size, arg)) < 0)
		goto done;
	for (size_t i = 0; fn && i < f.nr; i++) {
		if ((err = vlt_odb_read_kind(r, &f.chunks[i].oid, VLT_OBJ_CHUNK,
					     chunk)) < 0)
			goto done;
		if (chunk->len != f.chunks[i].len) {
			err = vlt_error_set(VLT_E_CORRUPT, "chunk %s has %zu bytes, "
					    "file object says %u",
					    vlt_oid_hex(&f.chunks[i].oid),
					    chunk->len, f.chunks[i].len);
			goto done;
		}
		if ((err = fn(chunk->data, chunk->len, arg)) < 0)
			goto done;
	}
done:
	vlt_file_release(&f);
	vlt_buf_release(&buf);
	return err;
}

struct write_fd_arg {
	int fd;
	const char *what;
};

static int write_fd_chunk(const void *data, size_t len, void *arg)
{
	struct write_fd_arg *w = arg;

	return data ? vlt_write_full(w->fd, data, len, w->what) : 0;
}

int vlt_file_object_write_fd(struct vlt_repo *r, const struct vlt_oid *file,
			     int fd, const char *what)
{
	struct vlt_buf chunk = VLT_BUF_INIT;
	struct write_fd_arg w = { fd, what };
	int err = vlt_file_object_for_each_chunk(r, file, &chunk, NULL,
						 write_fd_chunk, &w);

	vlt_buf_release(&chunk);
	return err;
}

static int write_sparse_chunk(const void *data, size_t len, void *arg)
{
	return data ? vlt_sparse_write(arg, data, len) : 0;
}

int vlt_file_object_write_sparse(struct vlt_repo *r, const struct vlt_oid *file,
				 int fd, const char *what, uint64_t *holes)
{
	struct vlt_buf chunk = VLT_BUF_INIT;
	struct vlt_sparse_writer *w = malloc(sizeof(*w));
	int err;

	if (!w)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	vlt_sparse_init(w, fd, what);
	err = vlt_file_object_for_each_chunk(r, file, &chunk, NULL,
					     write_sparse_chunk, w);
	if (!err)
		err = vlt_sparse_finish(w);
	if (!err && holes)
		*holes = w->holes;
	vlt_buf_release(&chunk);
	free(w);
	return err;
}

struct read_arg {
	struct vlt_buf *out;
	uint64_t max;
	const struct vlt_oid *file;
};

static int read_chunk(const void *data, size_t len, void *arg)
{
	struct read_arg *ra = arg;

	if (data)
		return vlt_buf_add(ra->out, data, len);
	/* first call: the whole size, before any chunk is read */
	if (len > ra->max || len > SIZE_MAX / 2)
		return vlt_error_set(VLT_E_INVALID, "%s: %zu bytes is more than "
				     "this reads into memory (%llu)",
				     vlt_oid_hex(ra->file), len,
				     (unsigned long long)ra->max);
	return vlt_buf_grow(ra->out, len);
}

int vlt_file_object_read(struct vlt_repo *r, const struct vlt_oid *file,
			 uint64_t max, struct vlt_buf *out)
{
	struct vlt_buf chunk = VLT_BUF_INIT;
	struct read_arg ra = { out, max, file };
	int err;

	vlt_buf_reset(out);
	err = vlt_file_object_for_each_chunk(r, file, &chunk, NULL, read_chunk,
					     &ra);
	vlt_buf_release(&chunk);
	return err;
}

int vlt_worktree_checkout(struct vlt_repo *r, const struct vlt_oid *tree,
			  const char *dir, const struct vlt_checkout_opts *o,
			  vlt_checkout_error_fn on_error, void *err_data,
			  struct vlt_checkout_stats *stats)
{
	struct vlt_restore_opts ro = { 0 };

	ro.overwrite = o ? o->overwrite : 0;
	/* plumbing, like git checkout-index -f: -f replaces whatever is
	 * there; vault restore --force is the careful one */
	ro.discard_changes = ro.overwrite;
	ro.verify = o ? o->verify : 0;
	ro.on_error = on_error;
	ro.err_data = err_data;
	return vlt_restore(r, tree, dir, &ro, stats);
}
