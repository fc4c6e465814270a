/*
 * fileobj.h - between bytes and file objects: a file's content cut into
 * chunks and stored (or only hashed) as a file object, and a file
 * object's chunks read back in order, into memory, a descriptor or a
 * sparse file. Used by write-tree and backup (worktree.c, backup.c),
 * restore, cat, hash-object, the git interop and the media readers.
 */
#ifndef VLT_FILEOBJ_H
#define VLT_FILEOBJ_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "hash.h"
#include "repo.h"

struct vlt_write_stats {
	uint64_t files, dirs, symlinks;
	uint64_t bytes;          /* logical bytes read */
	uint64_t chunks, new_chunks;
	uint64_t new_bytes;      /* bytes of chunks that were not stored yet */
};

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

/*
 * The file object id of fd's content as some chunker would cut it, for
 * comparing a file on disk with a stored one whose path's attributes may
 * have chosen another chunker (.vaultattributes): chunking's algorithm
 * first, then the others with the sizes vlt_chunker_params_for derives.
 * accept says whether an id is the one looked for (1 yes, 0 no, or a
 * negative error); the first accepted id is returned in *oid, else the
 * id under chunking. fd is read from its start (it must be seekable).
 * Costs one pass when the first id is accepted, three when none is.
 */
int vlt_file_id_fd_any(const struct vlt_idfn *idfn,
		       const struct vlt_chunker_params *chunking, int fd,
		       const char *name,
		       int (*accept)(const struct vlt_oid *oid, void *data),
		       void *data, struct vlt_oid *oid);

/* The same for content held in memory (a git blob, say). */
int vlt_file_from_mem(struct vlt_repo *store, const struct vlt_idfn *idfn,
		      const struct vlt_chunker_params *chunking,
		      const void *data, size_t len, struct vlt_oid *file_oid,
		      struct vlt_write_stats *stats);

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
