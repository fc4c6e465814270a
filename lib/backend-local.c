/*
 * backend-local.c - the storage backend on a local filesystem.
 *
 * A key maps to the file root/key. Writes are durable and atomic: a
 * temporary file in the same directory, fsync, rename (put) or link
 * (put_if_absent, which fails atomically if the key exists), then an fsync
 * of the directory. Temporary files ("*.tmp-*") are never listed. Readers
 * keep a small cache of open descriptors for range reads of packs.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend.h"
#include "error.h"
#include "fsutil.h"

#define FD_CACHE 32

struct fd_slot {
	char *key;
	int fd;
	unsigned long last_use;
};

struct local_backend {
	struct vlt_backend be;
	char *root;
	pthread_mutex_t lock;
	struct fd_slot fds[FD_CACHE];
	unsigned long clock;
};

static struct local_backend *L(struct vlt_backend *be)
{
	return (struct local_backend *)be;
}

static int key_path(struct local_backend *lb, const char *key,
		    struct vlt_buf *out)
{
	vlt_buf_reset(out);
	return vlt_buf_addf(out, "%s/%s", lb->root, key);
}

static int list_dir(struct local_backend *lb, struct vlt_buf *path,
		    size_t rootlen, vlt_list_fn fn, void *data)
{
	DIR *d = opendir(path->data);
	struct dirent *de;
	size_t base = path->len;
	int ret = 0;

	if (!d) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		return vlt_error_set(VLT_E_IO, "opendir %s: %s", path->data,
				     strerror(errno));
	}
	while ((de = readdir(d)) != NULL) {
		struct stat st;

		if (de->d_name[0] == '.' &&
		    (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2])))
			continue;
		if (strstr(de->d_name, ".tmp-"))
			continue;
		vlt_buf_setlen(path, base);
		if ((ret = vlt_buf_addf(path, "/%s", de->d_name)) < 0)
			break;
		if (lstat(path->data, &st) < 0) {
			if (errno == ENOENT)
				continue;  /* deleted while we looked */
			ret = vlt_error_set(VLT_E_IO, "stat %s: %s", path->data,
					    strerror(errno));
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			ret = list_dir(lb, path, rootlen, fn, data);
		} else if (S_ISREG(st.st_mode)) {
			struct vlt_stat vs = { (uint64_t)st.st_size, st.st_mtime };

			ret = fn(path->data + rootlen + 1, &vs, data);
		}
		if (ret)
			break;
	}
	closedir(d);
	vlt_buf_setlen(path, base);
	return ret;
}

static int local_list(struct vlt_backend *be, const char *prefix,
		      vlt_list_fn fn, void *data)
{
	struct local_backend *lb = L(be);
	struct vlt_buf path = VLT_BUF_INIT;
	size_t plen = strlen(prefix);
	int ret;

	/* prefix is a directory ("packs/") or empty */
	if ((ret = vlt_buf_adds(&path, lb->root)) < 0)
		return ret;
	if (plen && (ret = vlt_buf_addf(&path, "/%.*s", (int)plen -
					(prefix[plen - 1] == '/'), prefix)) < 0)
		goto done;
	ret = list_dir(lb, &path, strlen(lb->root), fn, data);
done:
	vlt_buf_release(&path);
	return ret;
}

static int local_get(struct vlt_backend *be, const char *key,
		     struct vlt_buf *out)
{
	struct vlt_buf path = VLT_BUF_INIT;
	int err;

	if ((err = key_path(L(be), key, &path)) == 0)
		err = vlt_read_file(path.data, out);
	vlt_buf_release(&path);
	return err;
}

/* A read-only fd for key, dup'ed from the cache: the caller closes it, so
 * an eviction by another thread never pulls it from under a pread. */
static int cached_fd(struct local_backend *lb, const char *key, int *fdp)
{
	struct vlt_buf path = VLT_BUF_INIT;
	struct fd_slot *victim = NULL;
	int fd, err = 0;

	pthread_mutex_lock(&lb->lock);
	lb->clock++;
	for (int i = 0; i < FD_CACHE; i++) {
		struct fd_slot *s = &lb->fds[i];

		if (s->key && !strcmp(s->key, key)) {
			s->last_use = lb->clock;
			fd = s->fd;
			goto found;
		}
		if (!victim || !s->key ||
		    (victim->key && s->last_use < victim->last_use))
			victim = s;
	}
	if ((err = key_path(lb, key, &path)) < 0)
		goto done;
	fd = open(path.data, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = vlt_error_set(errno == ENOENT ? VLT_E_NOTFOUND : VLT_E_IO,
				    "open %s: %s", path.data, strerror(errno));
		goto done;
	}
	if (victim->key) {
		close(victim->fd);
		free(victim->key);
	}
	victim->key = strdup(key);
	if (!victim->key) {
		close(fd);
		err = vlt_error_set(VLT_E_NOMEM, "out of memory");
		goto done;
	}
	victim->fd = fd;
	victim->last_use = lb->clock;
found:
	*fdp = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (*fdp < 0)
		err = vlt_error_set(VLT_E_IO, "dup: %s", strerror(errno));
done:
	pthread_mutex_unlock(&lb->lock);
	vlt_buf_release(&path);
	return err;
}

static int local_get_range(struct vlt_backend *be, const char *key,
			   uint64_t off, void *dst, size_t len)
{
	struct local_backend *lb = L(be);
	int fd = -1, err;

	if ((err = cached_fd(lb, key, &fd)) < 0)
		return err;
	err = vlt_pread_full(fd, dst, len, (off_t)off, key);
	close(fd);
	return err;
}

/* Create the folders above path (below the root) that are missing, with
 * the repository's folder mode. */
static int ensure_parent(struct local_backend *lb, struct vlt_buf *path)
{
	char *slash = strrchr(path->data, '/');
	size_t root = strlen(lb->root);
	int group = lb->be.shared_group, err = 0;

	if (slash) {
		*slash = '\0';
		if (access(path->data, F_OK) < 0) {
			err = vlt_mkdir_p(path->data, group ?
					  VLT_REPO_DIR_MODE_GROUP :
					  VLT_REPO_DIR_MODE);
			/* mkdir's mode went through the umask: set it exactly
			 * on every folder below the root */
			for (char *p = path->data + root; group && !err && p;
			     p = strchr(p + 1, '/')) {
				char c = *p;

				if (p == path->data + root && c != '/')
					continue;
				*p = '\0';
				if (p > path->data + root &&
				    chmod(path->data, VLT_REPO_DIR_MODE_GROUP) < 0)
					err = vlt_error_set(VLT_E_IO, "chmod %s: %s",
							    path->data,
							    strerror(errno));
				*p = c;
			}
			if (group && !err &&
			    chmod(path->data, VLT_REPO_DIR_MODE_GROUP) < 0)
				err = vlt_error_set(VLT_E_IO, "chmod %s: %s",
						    path->data, strerror(errno));
		}
		*slash = '/';
	}
	return err;
}

static int local_put_common(struct vlt_backend *be, const char *key,
			    const void *data, size_t len, int exclusive)
{
	struct vlt_buf path = VLT_BUF_INIT;
	int err;

	if ((err = key_path(L(be), key, &path)) < 0 ||
	    (err = ensure_parent(L(be), &path)) < 0)
		goto done;
	/* read-only: every key is replaced whole, never written in place */
	err = vlt_write_file_atomic(path.data, data, len, be->shared_group ?
				    VLT_REPO_FILE_MODE_GROUP :
				    VLT_REPO_FILE_MODE, exclusive);
	if (!err && be->shared_group &&
	    chmod(path.data, VLT_REPO_FILE_MODE_GROUP) < 0)
		err = vlt_error_set(VLT_E_IO, "chmod %s: %s", key,
				    strerror(errno));
	if (err == VLT_E_EXISTS)
		vlt_error_set(VLT_E_EXISTS, "%s already exists", key);
done:
	vlt_buf_release(&path);
	return err;
}

static int local_put_if_absent(struct vlt_backend *be, const char *key,
			       const void *data, size_t len)
{
	return local_put_common(be, key, data, len, 1);
}

static int local_put(struct vlt_backend *be, const char *key,
		     const void *data, size_t len)
{
	return local_put_common(be, key, data, len, 0);
}

static void forget_fd(struct local_backend *lb, const char *key)
{
	pthread_mutex_lock(&lb->lock);
	for (int i = 0; i < FD_CACHE; i++) {
		struct fd_slot *s = &lb->fds[i];

		if (s->key && !strcmp(s->key, key)) {
			close(s->fd);
			free(s->key);
			s->key = NULL;
		}
	}
	pthread_mutex_unlock(&lb->lock);
}

static int local_del(struct vlt_backend *be, const char *key)
{
	struct vlt_buf path = VLT_BUF_INIT;
	char *slash;
	int err;

	forget_fd(L(be), key);
	if ((err = key_path(L(be), key, &path)) < 0)
		goto done;
	if (unlink(path.data) < 0) {
		err = vlt_error_set(errno == ENOENT ? VLT_E_NOTFOUND : VLT_E_IO,
				    "unlink %s: %s", key, strerror(errno));
		goto done;
	}
	slash = strrchr(path.data, '/');
	*slash = '\0';
	err = vlt_fsync_dir(path.data);
	/*
	 * Remove parent directories left empty (refs/a/b gone: refs/a may
	 * become a ref itself, as on S3 where folders do not exist). rmdir
	 * fails harmlessly on a non-empty directory, and stops at the root.
	 */
	{
		size_t rootlen = strlen(L(be)->root);

		while (!err && strlen(path.data) > rootlen && rmdir(path.data) == 0) {
			slash = strrchr(path.data, '/');
			*slash = '\0';
			err = vlt_fsync_dir(path.data);
		}
	}
done:
	vlt_buf_release(&path);
	return err;
}

static int local_stat(struct vlt_backend *be, const char *key,
		      struct vlt_stat *vs)
{
	struct vlt_buf path = VLT_BUF_INIT;
	struct stat st;
	int err = 0;

	if ((err = key_path(L(be), key, &path)) < 0)
		return err;
	if (stat(path.data, &st) < 0)
		err = vlt_error_set(errno == ENOENT ? VLT_E_NOTFOUND : VLT_E_IO,
				    "stat %s: %s", key, strerror(errno));
	else if (!S_ISREG(st.st_mode))
		err = vlt_error_set(VLT_E_NOTFOUND, "%s: not a file", key);
	else {
		vs->size = (uint64_t)st.st_size;
		vs->mtime = st.st_mtime;
	}
	vlt_buf_release(&path);
	return err;
}

static int local_map(struct vlt_backend *be, const char *key,
		     const unsigned char **addr, size_t *len)
{
	struct vlt_buf path = VLT_BUF_INIT;
	struct stat st;
	void *p;
	int fd, err = 0;

	if ((err = key_path(L(be), key, &path)) < 0)
		return err;
	fd = open(path.data, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = vlt_error_set(errno == ENOENT ? VLT_E_NOTFOUND : VLT_E_IO,
				    "open %s: %s", key, strerror(errno));
		goto done;
	}
	if (fstat(fd, &st) < 0) {
		err = vlt_error_set(VLT_E_IO, "stat %s: %s", key, strerror(errno));
		goto done;
	}
	if (st.st_size == 0) {
		*addr = (const unsigned char *)"";
		*len = 0;
		goto done;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED) {
		err = vlt_error_set(VLT_E_IO, "mmap %s: %s", key, strerror(errno));
		goto done;
	}
	*addr = p;
	*len = (size_t)st.st_size;
done:
	if (fd >= 0)
		close(fd);
	vlt_buf_release(&path);
	return err;
}

static void local_unmap(struct vlt_backend *be, const unsigned char *addr,
			size_t len)
{
	(void)be;
	if (len)
		munmap((void *)addr, len);
}

static const char *local_local_path(struct vlt_backend *be, const char *key,
				    struct vlt_buf *out)
{
	if (key_path(L(be), key, out) < 0)
		return NULL;
	return out->data;
}

static void local_free(struct vlt_backend *be)
{
	struct local_backend *lb = L(be);

	for (int i = 0; i < FD_CACHE; i++)
		if (lb->fds[i].key) {
			close(lb->fds[i].fd);
			free(lb->fds[i].key);
		}
	pthread_mutex_destroy(&lb->lock);
	free(lb->root);
	free(lb);
}

static const struct vlt_backend_ops local_ops = {
	.name = "local",
	.list = local_list,
	.get = local_get,
	.get_range = local_get_range,
	.put_if_absent = local_put_if_absent,
	.put = local_put,
	.del = local_del,
	.stat = local_stat,
	.map = local_map,
	.unmap = local_unmap,
	.local_path = local_local_path,
	.free = local_free,
};

int vlt_backend_local_open(const char *dir, struct vlt_backend **out)
{
	struct local_backend *lb;
	struct stat st;

	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return vlt_error_set(VLT_E_NOTFOUND, "%s: not a directory", dir);
	lb = calloc(1, sizeof(*lb));
	if (!lb || !(lb->root = strdup(dir))) {
		free(lb);
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	}
	pthread_mutex_init(&lb->lock, NULL);
	lb->be.ops = &local_ops;
	*out = &lb->be;
	return 0;
}
