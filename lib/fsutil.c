/*
 * fsutil.c - careful local file I/O (see fsutil.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "fsutil.h"
#include "testhook.h"

int vlt_read_upto(int fd, void *buf, size_t len, size_t *got, const char *what)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = read(fd, (char *)buf + done, len - done);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return vlt_error_set(VLT_E_IO, "read %s: %s", what,
					     strerror(errno));
		}
		if (n == 0)
			break;
		done += (size_t)n;
	}
	*got = done;
	return 0;
}

int vlt_read_full(int fd, void *buf, size_t len, const char *what)
{
	size_t got;

	VLT_TRY(vlt_read_upto(fd, buf, len, &got, what));
	if (got != len)
		return vlt_error_set(VLT_E_CORRUPT, "%s: unexpected end of file",
				     what);
	return 0;
}

int vlt_pread_full(int fd, void *buf, size_t len, off_t off, const char *what)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, (char *)buf + done, len - done,
				  off + (off_t)done);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return vlt_error_set(VLT_E_IO, "read %s: %s", what,
					     strerror(errno));
		}
		if (n == 0)
			return vlt_error_set(VLT_E_CORRUPT,
					     "%s: unexpected end of file", what);
		done += (size_t)n;
	}
	return 0;
}

int vlt_write_full(int fd, const void *buf, size_t len, const char *what)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(fd, (const char *)buf + done, len - done);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return vlt_error_set(VLT_E_IO, "write %s: %s", what,
					     strerror(errno));
		}
		done += (size_t)n;
	}
	return 0;
}

int vlt_read_file_max(const char *path, uint64_t max, struct vlt_buf *out)
{
	struct stat st;
	size_t got;
	int fd, err;

	vlt_buf_reset(out);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return vlt_error_set(errno == ENOENT ? VLT_E_NOTFOUND : VLT_E_IO,
				     "open %s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0) {
		err = vlt_error_set(VLT_E_IO, "stat %s: %s", path, strerror(errno));
		goto done;
	}
	if (st.st_size > 0 && (uint64_t)st.st_size > max)
		goto too_large;
	/* Read until EOF even if the size changed under us. */
	for (;;) {
		size_t chunk = st.st_size > 0 && (size_t)st.st_size > out->len ?
			       (size_t)st.st_size - out->len + 1 : 65536;

		if ((err = vlt_buf_grow(out, chunk)) < 0)
			goto done;
		if ((err = vlt_read_upto(fd, out->data + out->len, chunk, &got,
					 path)) < 0)
			goto done;
		vlt_buf_setlen(out, out->len + got);
		if (out->len > max)
			goto too_large;
		if (got < chunk)
			break;
	}
	err = 0;
	goto done;
too_large:
	err = vlt_error_set(VLT_E_UNSUPPORTED, "%s: larger than %llu bytes",
			    path, (unsigned long long)max);
done:
	close(fd);
	return err;
}

int vlt_read_file(const char *path, struct vlt_buf *out)
{
	return vlt_read_file_max(path, UINT64_MAX, out);
}

int vlt_fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int err = 0;

	if (fd < 0)
		return vlt_error_set(VLT_E_IO, "open %s: %s", dir, strerror(errno));
	if (fsync(fd) < 0 && errno != EINVAL)
		err = vlt_error_set(VLT_E_IO, "fsync %s: %s", dir, strerror(errno));
	close(fd);
	return err;
}

int vlt_random_bytes(void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = getrandom((char *)buf + done, len - done, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return vlt_error_set(VLT_E_IO, "getrandom: %s",
					     strerror(errno));
		}
		done += (size_t)n;
	}
	return 0;
}

static int dir_of(const char *path, struct vlt_buf *dir)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return vlt_buf_set(dir, ".", 1);
	if (slash == path)
		return vlt_buf_set(dir, "/", 1);
	return vlt_buf_set(dir, path, (size_t)(slash - path));
}

/*
 * Large writes of page-aligned buffers bypass the page cache (O_DIRECT):
 * the file system then allocates and writes big extents at once instead
 * of copying, tracking and writing back every 4 KiB page, which on ext4
 * cuts the kernel CPU of storing packs by about three quarters. The
 * unaligned tail goes through the page cache, and a file system that
 * refuses direct I/O (EINVAL: tmpfs before Linux 6.6, some network and
 * FUSE file systems) gets plain writes. Durability is unchanged: the
 * caller fsyncs either way.
 */
#define DIRECT_MIN   (1u << 20)
#define DIRECT_ALIGN 4096u

/* VAULT_NO_DIRECT_IO=1 turns direct I/O off (a file system that accepts
 * O_DIRECT but serves it badly). A few calls per pack: getenv is cheap. */
static int direct_io_allowed(void)
{
	const char *s = getenv("VAULT_NO_DIRECT_IO");

	return !(s && *s && strcmp(s, "0"));
}

static int write_maybe_direct(int fd, const void *data, size_t len,
			      const char *what)
{
	size_t head = len & ~(size_t)(DIRECT_ALIGN - 1);
	int flags;

	if (len < DIRECT_MIN || ((uintptr_t)data & (DIRECT_ALIGN - 1)) ||
	    !direct_io_allowed() ||
	    (flags = fcntl(fd, F_GETFL)) < 0 ||
	    fcntl(fd, F_SETFL, flags | O_DIRECT) < 0)
		return vlt_write_full(fd, data, len, what);
	for (size_t done = 0; done < head;) {
		ssize_t n = write(fd, (const char *)data + done, head - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || (n & (DIRECT_ALIGN - 1))) {
			/* refused (EINVAL) or a short, unaligned write: the
			 * rest goes through the page cache */
			if (n > 0)
				done += (size_t)n;
			else if (errno != EINVAL)
				return vlt_error_set(VLT_E_IO, "write %s: %s",
						     what, strerror(errno));
			if (fcntl(fd, F_SETFL, flags) < 0)
				return vlt_error_set(VLT_E_IO, "fcntl %s: %s",
						     what, strerror(errno));
			return vlt_write_full(fd, (const char *)data + done,
					      len - done, what);
		}
		done += (size_t)n;
	}
	if (fcntl(fd, F_SETFL, flags) < 0)
		return vlt_error_set(VLT_E_IO, "fcntl %s: %s", what,
				     strerror(errno));
	return vlt_write_full(fd, (const char *)data + head, len - head, what);
}

int vlt_write_file_atomic(const char *path, const void *data, size_t len,
			  int mode, int exclusive)
{
	struct vlt_buf tmp = VLT_BUF_INIT, dir = VLT_BUF_INIT;
	unsigned char rnd[6];
	int fd = -1, slot = -1, err;

	if ((err = vlt_random_bytes(rnd, sizeof(rnd))) < 0 ||
	    (err = vlt_buf_addf(&tmp, "%s.tmp-%d-%02x%02x%02x%02x%02x%02x", path,
				(int)getpid(), rnd[0], rnd[1], rnd[2], rnd[3],
				rnd[4], rnd[5])) < 0 ||
	    (err = dir_of(path, &dir)) < 0)
		goto done;
	/* registered before it exists: an interrupt never leaves it behind */
	slot = vlt_cleanup_add(tmp.data);
	fd = open(tmp.data, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0) {
		err = vlt_error_set(VLT_E_IO, "create %s: %s", tmp.data,
				    strerror(errno));
		goto done;
	}
	if ((err = write_maybe_direct(fd, data, len, tmp.data)) < 0)
		goto fail;
	if (fsync(fd) < 0) {
		err = vlt_error_set(VLT_E_IO, "fsync %s: %s", tmp.data,
				    strerror(errno));
		goto fail;
	}
	/* tests: stop here, so a test can interrupt or kill the writer */
	vlt_testhook_pause_at("pause-in-temp", tmp.data);
	if (close(fd) < 0) {
		fd = -1;
		err = vlt_error_set(VLT_E_IO, "close %s: %s", tmp.data,
				    strerror(errno));
		goto fail;
	}
	fd = -1;
	if (exclusive) {
		/* link() fails with EEXIST atomically: create-if-absent */
		if (link(tmp.data, path) < 0) {
			err = errno == EEXIST ?
			      vlt_error_set(VLT_E_EXISTS, "%s already exists", path) :
			      vlt_error_set(VLT_E_IO, "link %s: %s", path,
					    strerror(errno));
			goto fail;
		}
		unlink(tmp.data);
	} else if (rename(tmp.data, path) < 0) {
		err = vlt_error_set(VLT_E_IO, "rename %s: %s", path, strerror(errno));
		goto fail;
	}
	err = vlt_fsync_dir(dir.data);
	goto done;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp.data);
done:
	vlt_cleanup_forget(slot);
	vlt_buf_release(&tmp);
	vlt_buf_release(&dir);
	return err;
}

int vlt_mkdir_p(const char *path, int mode)
{
	struct vlt_buf b = VLT_BUF_INIT;
	int err = 0;

	if ((err = vlt_buf_adds(&b, path)) < 0)
		return err;
	for (char *p = b.data + 1; ; p++) {
		if (*p == '/' || *p == '\0') {
			char save = *p;

			*p = '\0';
			if (mkdir(b.data, mode) < 0 && errno != EEXIST) {
				err = vlt_error_set(VLT_E_IO, "mkdir %s: %s",
						    b.data, strerror(errno));
				break;
			}
			*p = save;
			if (!save)
				break;
		}
	}
	vlt_buf_release(&b);
	return err;
}

int vlt_remove_tree(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	int err = 0;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 :
		       vlt_error_set(VLT_E_IO, "lstat %s: %s", path, strerror(errno));
	if (!S_ISDIR(st.st_mode)) {
		if (unlink(path) < 0)
			return vlt_error_set(VLT_E_IO, "unlink %s: %s", path,
					     strerror(errno));
		return 0;
	}
	d = opendir(path);
	if (!d)
		return vlt_error_set(VLT_E_IO, "opendir %s: %s", path, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		struct vlt_buf sub = VLT_BUF_INIT;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if ((err = vlt_buf_addf(&sub, "%s/%s", path, de->d_name)) == 0)
			err = vlt_remove_tree(sub.data);
		vlt_buf_release(&sub);
		if (err < 0)
			break;
	}
	closedir(d);
	if (!err && rmdir(path) < 0)
		err = vlt_error_set(VLT_E_IO, "rmdir %s: %s", path, strerror(errno));
	return err;
}

/* --- sparse writing -------------------------------------------------- */

static int block_is_zero(const unsigned char *p)
{
	return !p[0] && !memcmp(p, p + 1, VLT_SPARSE_BLOCK - 1);
}

void vlt_sparse_init(struct vlt_sparse_writer *w, int fd, const char *what)
{
	w->fd = fd;
	w->what = what;
	w->off = w->holes = 0;
	w->fill = 0;
}

static int skip_hole(struct vlt_sparse_writer *w, size_t n)
{
	if (lseek(w->fd, (off_t)n, SEEK_CUR) < 0)
		return vlt_error_set(VLT_E_IO, "seek in %s: %s", w->what,
				     strerror(errno));
	w->holes += n;
	return 0;
}

/* Whole aligned blocks: runs of zero blocks skipped, the rest written in
 * as few writes as there are runs. */
static int put_blocks(struct vlt_sparse_writer *w, const unsigned char *p,
		      size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t j = i;
		int zero = block_is_zero(p + i);

		while (j < n && block_is_zero(p + j) == zero)
			j += VLT_SPARSE_BLOCK;
		VLT_TRY(zero ? skip_hole(w, j - i)
			     : vlt_write_full(w->fd, p + i, j - i, w->what));
		i = j;
	}
	return 0;
}

int vlt_sparse_write(struct vlt_sparse_writer *w, const void *data, size_t len)
{
	const unsigned char *p = data;

	while (len) {
		if (w->fill || len < VLT_SPARSE_BLOCK) {
			/* a block that straddles pieces is gathered first */
			size_t n = VLT_SPARSE_BLOCK - w->fill;

			if (n > len)
				n = len;
			memcpy(w->blk + w->fill, p, n);
			w->fill += n;
			p += n;
			len -= n;
			w->off += n;
			if (w->fill == VLT_SPARSE_BLOCK) {
				VLT_TRY(put_blocks(w, w->blk, VLT_SPARSE_BLOCK));
				w->fill = 0;
			}
		} else {
			size_t n = len - len % VLT_SPARSE_BLOCK;

			VLT_TRY(put_blocks(w, p, n));
			p += n;
			len -= n;
			w->off += n;
		}
	}
	return 0;
}

int vlt_sparse_finish(struct vlt_sparse_writer *w)
{
	if (w->fill) {
		size_t i = 0;

		while (i < w->fill && !w->blk[i])
			i++;
		if (i < w->fill)
			VLT_TRY(vlt_write_full(w->fd, w->blk, w->fill, w->what));
		else
			w->holes += w->fill;
		w->fill = 0;
	}
	/* the size, when the file ends in a hole */
	if (w->holes && ftruncate(w->fd, (off_t)w->off) < 0)
		return vlt_error_set(VLT_E_IO, "set size of %s: %s", w->what,
				     strerror(errno));
	return 0;
}

/* Append component c[0..n) to the absolute path in abs, lexically. */
static int add_component(struct vlt_buf *abs, const char *c, size_t n)
{
	if (!n || (n == 1 && c[0] == '.'))
		return 0;
	if (n == 2 && c[0] == '.' && c[1] == '.') {
		char *slash = strrchr(abs->data, '/');

		vlt_buf_setlen(abs, slash && slash != abs->data ?
			       (size_t)(slash - abs->data) : 1);
		return 0;
	}
	if (abs->len > 1)
		VLT_TRY(vlt_buf_addch(abs, '/'));
	return vlt_buf_add(abs, c, n);
}

int vlt_path_below(const char *root, const char *path, struct vlt_buf *rel)
{
	struct vlt_buf abs = VLT_BUF_INIT;
	const char *p, *last;
	size_t rootlen = strlen(root);
	char *dir = NULL;
	int err = 0, below = 0;

	while (rootlen > 1 && root[rootlen - 1] == '/')
		rootlen--;
	/* the directory part, resolved if it exists */
	last = strrchr(path, '/');
	if (last) {
		size_t n = (size_t)(last - path);
		char *part = strndup(path, n ? n : 1);

		if (!part)
			return vlt_error_set(VLT_E_NOMEM, "out of memory");
		dir = realpath(part, NULL);
		if (!dir && path[0] != '/') {
			char *cwd = getcwd(NULL, 0);

			err = cwd ? vlt_buf_adds(&abs, cwd) :
			      vlt_error_set(VLT_E_IO, "getcwd: %s", strerror(errno));
			free(cwd);
			for (p = part; !err && *p;) {
				size_t k = strcspn(p, "/");

				err = add_component(&abs, p, k);
				p += k + (p[k] == '/');
			}
		} else if (!dir) {
			err = vlt_buf_adds(&abs, "/");
			for (p = part; !err && *p;) {
				size_t k = strcspn(p, "/");

				err = add_component(&abs, p, k);
				p += k + (p[k] == '/');
			}
		} else {
			err = vlt_buf_adds(&abs, dir);
		}
		free(part);
		last++;
	} else {
		dir = getcwd(NULL, 0);
		err = dir ? vlt_buf_adds(&abs, dir) :
		      vlt_error_set(VLT_E_IO, "getcwd: %s", strerror(errno));
		last = path;
	}
	free(dir);
	if (!err)
		err = add_component(&abs, last, strlen(last));
	if (!err) {
		vlt_buf_reset(rel);
		if (!strncmp(abs.data, root, rootlen) &&
		    (abs.data[rootlen] == '/' || !abs.data[rootlen] ||
		     rootlen == 1)) {
			const char *r = abs.data + rootlen;

			while (*r == '/')
				r++;
			err = vlt_buf_adds(rel, r);
			below = 1;
		}
	}
	vlt_buf_release(&abs);
	return err < 0 ? err : below;
}
