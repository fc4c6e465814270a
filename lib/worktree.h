/*
 * worktree.h - between a directory on disk and a tree in the repository.
 *
 * vlt_worktree_write() stores a directory: every regular file chunked and
 * deduplicated, symlinks by target, modes and mtimes kept; the top-level
 * ".vault" directory is never stored. vlt_worktree_checkout() writes a
 * tree into a directory: contents, permission bits, symlinks and mtimes.
 * It never writes outside that directory, whatever the tree says: every
 * entry is created relative to an open directory descriptor with
 * O_NOFOLLOW, names are validated, and an existing symlink is never
 * followed. A damaged file fails loudly and the rest is still written.
 */
#ifndef VLT_WORKTREE_H
#define VLT_WORKTREE_H

#include <stddef.h>
#include <stdint.h>

#include "hash.h"
#include "repo.h"

struct vlt_write_stats {
	uint64_t files, dirs, symlinks;
	uint64_t bytes;          /* logical bytes read */
	uint64_t chunks, new_chunks;
	uint64_t new_bytes;      /* bytes of chunks that were not stored yet */
};

/* Called for each path (relative, '/'-separated) before it is stored;
 * return 1 to skip it. May be NULL. */
typedef int (*vlt_path_filter)(const char *relpath, int is_dir, void *data);

int vlt_worktree_write(struct vlt_repo *r, const char *dir,
		       vlt_path_filter filter, void *filter_data,
		       struct vlt_oid *tree, struct vlt_write_stats *stats);

/*
 * Chunk the content of fd and compute its file object id. With store not
 * NULL, the chunks and the file object are stored there too. The one
 * place that turns bytes into a file object (hash-object, write-tree,
 * restore --verify).
 */
struct vlt_chunker_params;
int vlt_file_from_fd(struct vlt_repo *store, const struct vlt_idfn *idfn,
		     const struct vlt_chunker_params *chunking, int fd,
		     const char *name, struct vlt_oid *file_oid,
		     uint64_t *size, struct vlt_write_stats *stats);

/* The same for content held in memory (a git blob, say). */
int vlt_file_from_mem(struct vlt_repo *store, const struct vlt_idfn *idfn,
		      const struct vlt_chunker_params *chunking,
		      const void *data, size_t len, struct vlt_oid *file_oid,
		      struct vlt_write_stats *stats);

/* Store one regular file's content (open fd) as a file object. */
int vlt_worktree_store_fd(struct vlt_repo *r, int fd, const char *name,
			  struct vlt_oid *file_oid, uint64_t *size,
			  struct vlt_write_stats *stats);

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

/*
 * Write tree into dir (created if missing). Returns 0 when everything was
 * written; VLT_E_CORRUPT (or the first error) when some entries failed —
 * each one is reported through on_error and the rest is still written.
 */
int vlt_worktree_checkout(struct vlt_repo *r, const struct vlt_oid *tree,
			  const char *dir, const struct vlt_checkout_opts *o,
			  vlt_checkout_error_fn on_error, void *err_data,
			  struct vlt_checkout_stats *stats);

/*
 * Read a file object's chunks in order, checking each length: fn is
 * called once with data NULL and len the file's size (before any chunk is
 * read; it may refuse), then once per chunk. chunk is the caller's read
 * buffer (reused between calls), size (may be NULL) gets the file size.
 */
typedef int (*vlt_chunk_data_fn)(const void *data, size_t len, void *arg);
int vlt_file_object_for_each_chunk(struct vlt_repo *r,
				   const struct vlt_oid *file,
				   struct vlt_buf *chunk, uint64_t *size,
				   vlt_chunk_data_fn fn, void *arg);

/* A file object's whole content into out, for formats that must be
 * decoded whole (images, models); VLT_E_INVALID above max bytes. */
int vlt_file_object_read(struct vlt_repo *r, const struct vlt_oid *file,
			 uint64_t max, struct vlt_buf *out);

/* Write a file object's content to fd. */
int vlt_file_object_write_fd(struct vlt_repo *r, const struct vlt_oid *file,
			     int fd, const char *what);
/* The same into a new, empty file, leaving holes where the content has
 * aligned 4 KiB blocks of zeros (fsutil.h); *holes (may be NULL) gets the
 * bytes not written. */
int vlt_file_object_write_sparse(struct vlt_repo *r, const struct vlt_oid *file,
				 int fd, const char *what, uint64_t *holes);

#endif
