/*
 * backend.h - the one storage interface every repository file goes through.
 *
 * A backend stores immutable or replaceable blobs under '/'-separated keys
 * ("config", "packs/<name>.pack", "refs/snapshots/main"). The object, pack
 * and ref code use only these operations, so an S3 backend (conditional
 * PUT for put-if-absent) or an encrypting wrapper slots in without touching
 * them. The first implementation is the local filesystem (backend-local.c):
 * every put is temp file + fsync + rename + directory fsync.
 *
 * Keys are validated: no empty components, no "." or "..", no leading '/'.
 */
#ifndef VLT_BACKEND_H
#define VLT_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct vlt_backend;

struct vlt_stat {
	uint64_t size;
	int64_t mtime;  /* seconds; informative only, never trusted for safety */
};

/* Called once per key found by list; return non-zero to stop early (that
 * value is then returned by vlt_backend_list). */
typedef int (*vlt_list_fn)(const char *key, const struct vlt_stat *st,
			   void *data);

struct vlt_backend_ops {
	const char *name;
	/* All keys starting with prefix (a "directory" ending in '/'),
	 * recursively, in no particular order. */
	int (*list)(struct vlt_backend *be, const char *prefix,
		    vlt_list_fn fn, void *data);
	/* Whole value into out (replacing its content). */
	int (*get)(struct vlt_backend *be, const char *key, struct vlt_buf *out);
	/* len bytes at off into dst; short values are VLT_E_CORRUPT. */
	int (*get_range)(struct vlt_backend *be, const char *key, uint64_t off,
			 void *dst, size_t len);
	/* Create key atomically with the whole value, or VLT_E_EXISTS. */
	int (*put_if_absent)(struct vlt_backend *be, const char *key,
			     const void *data, size_t len);
	/* Create or atomically replace. Readers see the old or the new value. */
	int (*put)(struct vlt_backend *be, const char *key,
		   const void *data, size_t len);
	/* VLT_E_NOTFOUND if absent. */
	int (*del)(struct vlt_backend *be, const char *key);
	int (*stat)(struct vlt_backend *be, const char *key, struct vlt_stat *st);
	/* Optional: a read-only memory map of the whole value (for pack
	 * indexes). NULL means callers fall back to get(). */
	int (*map)(struct vlt_backend *be, const char *key,
		   const unsigned char **addr, size_t *len);
	void (*unmap)(struct vlt_backend *be, const unsigned char *addr,
		      size_t len);
	/* Optional: path of the key on a local filesystem, or NULL. */
	const char *(*local_path)(struct vlt_backend *be, const char *key,
				  struct vlt_buf *out);
	void (*free)(struct vlt_backend *be);
};

struct vlt_backend {
	const struct vlt_backend_ops *ops;
	/* core.sharedRepository = group: what a local backend creates is
	 * readable by the folder's group (files 0440, folders 02750, whatever
	 * the umask); otherwise private to the owner (0400, 0700). */
	int shared_group;
};

#define VLT_REPO_FILE_MODE 0400
#define VLT_REPO_DIR_MODE 0700
#define VLT_REPO_FILE_MODE_GROUP 0440
#define VLT_REPO_DIR_MODE_GROUP 02750

/* Open a local-filesystem backend rooted at dir (which must exist).
 * *out is owned by the caller: vlt_backend_free(). */
int vlt_backend_local_open(const char *dir, struct vlt_backend **out);

int vlt_backend_key_valid(const char *key);

/* Thin wrappers that check the key and dispatch. */
int vlt_backend_list(struct vlt_backend *be, const char *prefix,
		     vlt_list_fn fn, void *data);
int vlt_backend_get(struct vlt_backend *be, const char *key, struct vlt_buf *out);
int vlt_backend_get_range(struct vlt_backend *be, const char *key,
			  uint64_t off, void *dst, size_t len);
int vlt_backend_put_if_absent(struct vlt_backend *be, const char *key,
			      const void *data, size_t len);
int vlt_backend_put(struct vlt_backend *be, const char *key,
		    const void *data, size_t len);
int vlt_backend_del(struct vlt_backend *be, const char *key);
int vlt_backend_stat(struct vlt_backend *be, const char *key,
		     struct vlt_stat *st);
/* Map if the backend can, else read into a malloc'd copy. Release with
 * vlt_backend_unmap(be, addr, len, mapped). */
int vlt_backend_map(struct vlt_backend *be, const char *key,
		    const unsigned char **addr, size_t *len, int *mapped);
void vlt_backend_unmap(struct vlt_backend *be, const unsigned char *addr,
		       size_t len, int mapped);
void vlt_backend_free(struct vlt_backend *be);

#endif
