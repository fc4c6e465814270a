/*
 * fsutil.h - careful local file I/O: full reads and writes that retry on
 * EINTR and treat short writes as errors, durable replace (temp + fsync +
 * rename + directory fsync), recursive mkdir.
 */
#ifndef VLT_FSUTIL_H
#define VLT_FSUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"

/* Read exactly len bytes (VLT_E_CORRUPT on early EOF, VLT_E_IO on error). */
int vlt_read_full(int fd, void *buf, size_t len, const char *what);
/* Read up to len bytes, stopping only at EOF; *got is what was read. */
int vlt_read_upto(int fd, void *buf, size_t len, size_t *got, const char *what);
int vlt_pread_full(int fd, void *buf, size_t len, off_t off, const char *what);
int vlt_write_full(int fd, const void *buf, size_t len, const char *what);
/*
 * Writing a new file with holes, like cp --sparse=auto: every all-zero
 * block of VLT_SPARSE_BLOCK bytes at an aligned file offset is skipped
 * with lseek instead of written; vlt_sparse_finish sets the final size
 * with ftruncate, so trailing zeros are a hole too. fd must be a new,
 * empty file positioned at 0. Data may come in pieces of any length.
 */
#define VLT_SPARSE_BLOCK 4096
struct vlt_sparse_writer {
	int fd;
	const char *what;           /* for messages */
	uint64_t off;               /* bytes taken so far */
	uint64_t holes;             /* bytes skipped */
	size_t fill;                /* bytes in blk */
	unsigned char blk[VLT_SPARSE_BLOCK];
};
void vlt_sparse_init(struct vlt_sparse_writer *w, int fd, const char *what);
int vlt_sparse_write(struct vlt_sparse_writer *w, const void *data, size_t len);
int vlt_sparse_finish(struct vlt_sparse_writer *w);

/* Read a whole file into out. */
int vlt_read_file(const char *path, struct vlt_buf *out);
/*
 * The same for readers with a size limit: a file of more than max bytes
 * is VLT_E_UNSUPPORTED ("PATH: larger than MAX bytes"), found from its
 * size before it is read when the file says so, else once it grew.
 */
int vlt_read_file_max(const char *path, uint64_t max, struct vlt_buf *out);
/*
 * Durably write data to path: path.tmp-PID-RAND created with mode, written,
 * fsynced, renamed over path (or linked, if exclusive: VLT_E_EXISTS when
 * path exists), then the directory is fsynced.
 */
int vlt_write_file_atomic(const char *path, const void *data, size_t len,
			  int mode, int exclusive);
int vlt_fsync_dir(const char *dir);
/* mkdir -p, with mode for created directories. */
int vlt_mkdir_p(const char *path, int mode);
/* rm -rf (used by tests and tmp cleanup). */
int vlt_remove_tree(const char *path);
/*
 * Where path (absolute, or relative to the current directory; it need
 * not exist) is below root (an absolute path without symlinks, as
 * realpath() gives it): 1 and rel set to the '/'-separated relative path
 * ("" for root itself), or 0 when path is outside root. Every directory
 * of path that exists is resolved (symlinks, "..", "."); its last
 * component is not followed, so a symlink is asked about as itself.
 */
int vlt_path_below(const char *root, const char *path, struct vlt_buf *rel);
/* Random bytes from getrandom(). */
int vlt_random_bytes(void *buf, size_t len);

#endif
