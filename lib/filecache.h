/*
 * filecache.h - what a file looked like when it was last stored.
 *
 * A local cache (never in the repository proper: cache/files/<root-hash>)
 * maps a path below a backup root to the (dev, inode, size, mtime, ctime)
 * it had and the file object it was stored as. A file whose stat matches
 * costs one stat() on the next backup. Entries for files modified within
 * one timestamp tick (50 ms; 1 s on filesystems without sub-second times)
 * of the backup that wrote them are marked untrusted ("racily clean", as
 * git calls it): they are read again next time. The cache
 * records the gc generation it was written under and the packs it relies
 * on; after a gc, or when one of those packs is gone or truncated, hits are
 * re-validated against the object database before use (each file object
 * and its chunks must be present), so a backup never names an object that
 * is not there.
 */
#ifndef VLT_FILECACHE_H
#define VLT_FILECACHE_H

#include <stdint.h>
#include <sys/stat.h>

#include "buf.h"
#include "hash.h"
#include "repo.h"

struct vlt_fc_entry {
	const char *path;    /* points into the cache's own storage */
	uint64_t dev, ino, size;
	int64_t mtime_ns, ctime_ns;
	struct vlt_oid oid;  /* file object */
	int untrusted;
};

struct vlt_filecache;

/* Load the cache of root (an absolute path); a missing or damaged cache
 * file gives an empty cache (never an error: it is only a cache). */
int vlt_filecache_load(struct vlt_repo *r, const char *root,
		       struct vlt_filecache **out);
/* The generation the loaded cache was written under. */
uint64_t vlt_filecache_generation(const struct vlt_filecache *fc);
/* 1 when every pack that was intact when the cache was written is still
 * loaded and not lost (vlt_odb_check_packs first): then its ids need no
 * checking. 0 otherwise, and for caches from before the pack list. */
int vlt_filecache_packs_intact(const struct vlt_filecache *fc,
			       struct vlt_repo *r);
/* The entry for path if its stat still matches st, else NULL. */
const struct vlt_fc_entry *vlt_filecache_match(const struct vlt_filecache *fc,
					       const char *path,
					       const struct stat *st);
void vlt_filecache_free(struct vlt_filecache *fc);

/* Building the next cache: entries are added as files are stored. */
struct vlt_filecache_writer {
	struct vlt_buf data;   /* encoded entries */
	uint64_t count;
	int64_t start_ns;      /* backup start: newer mtimes are racy */
};

void vlt_filecache_writer_init(struct vlt_filecache_writer *w);
void vlt_filecache_writer_release(struct vlt_filecache_writer *w);
int vlt_filecache_writer_add(struct vlt_filecache_writer *w, const char *path,
			     const struct stat *st, const struct vlt_oid *oid);
/* Copy the entries of fc for which keep(path) returns 1, as they are
 * (a backup of some folders only keeps what it did not look at). The
 * caller makes sure fc was written under the current gc generation. */
int vlt_filecache_writer_keep(struct vlt_filecache_writer *w,
			      const struct vlt_filecache *fc,
			      int (*keep)(const char *path, void *data),
			      void *data);
/* Atomically replace root's cache file. */
int vlt_filecache_writer_save(struct vlt_filecache_writer *w,
			      struct vlt_repo *r, const char *root,
			      uint64_t generation);

#endif
