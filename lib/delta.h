/*
 * delta.h - binary deltas between two versions of a file: NEW encoded
 * against BASE with zstd, BASE being the compressor's prefix (zstd's
 * --patch-from), with long-distance matching and a window that covers
 * BASE and NEW. The delta format is in Documentation/vault-delta.md
 * ("Delta format"): a 48-byte header naming both sizes and checksums,
 * then one zstd frame.
 *
 * Memory: zstd needs the whole of BASE addressable as its prefix and
 * produces NEW whole, so both are held in memory (vlt_delta_map_file maps
 * files read-only instead of reading them: address space, and page cache
 * the kernel may drop, not private RAM). Both are bounded by a limit,
 * VLT_DELTA_MAX_DEFAULT unless the caller sets another; above it the
 * functions fail with VLT_E_UNSUPPORTED and the caller stores plain
 * chunks instead (measured in bench/RESULTS.md).
 */
#ifndef VLT_DELTA_H
#define VLT_DELTA_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define VLT_DELTA_MAGIC "VDLT"
#define VLT_DELTA_VERSION 1
#define VLT_DELTA_HEADER_SIZE 48
#define VLT_DELTA_MAX_DEFAULT ((uint64_t)256 * 1024 * 1024)
#define VLT_DELTA_LEVEL_DEFAULT 3

struct vlt_delta_opts {
	int level;          /* zstd level 1..19; 0: VLT_DELTA_LEVEL_DEFAULT */
	uint64_t max;       /* largest BASE and NEW; 0: VLT_DELTA_MAX_DEFAULT */
};

/* What a delta's header says (vlt_delta_info). */
struct vlt_delta_header {
	uint64_t base_size, new_size;
	uint64_t base_xxh3, new_xxh3;   /* XXH3-64 of BASE and of NEW */
	uint32_t window_log;
};

/*
 * Encode newdata against base into out (replaced). VLT_E_UNSUPPORTED
 * when either is larger than opts->max, VLT_E_INVALID for a bad level.
 * base and newdata may be NULL when their length is 0.
 */
int vlt_delta_create(const void *base, size_t base_len,
		     const void *newdata, size_t new_len,
		     const struct vlt_delta_opts *opts, struct vlt_buf *out);

/* Check a delta's header and fill h, without BASE: VLT_E_CORRUPT with
 * the reason (short, bad magic, unknown version, sizes). */
int vlt_delta_info(const void *delta, size_t len, struct vlt_delta_header *h);

/*
 * Rebuild NEW from base and delta into out (replaced). VLT_E_CORRUPT
 * with the reason when the delta is damaged, was made against another
 * base (size or checksum), or does not rebuild the content it names;
 * VLT_E_UNSUPPORTED when NEW or BASE is larger than max (0: the default).
 * out is left empty on error.
 */
int vlt_delta_apply(const void *base, size_t base_len,
		    const void *delta, size_t delta_len, uint64_t max,
		    struct vlt_buf *out);

/* A regular file mapped read-only (data NULL for an empty file). */
struct vlt_delta_map {
	void *data;
	size_t len;
};
/* VLT_E_UNSUPPORTED ("PATH: N bytes, more than the delta limit of M")
 * above max; VLT_E_IO when it cannot be opened or mapped. */
int vlt_delta_map_file(const char *path, uint64_t max,
		       struct vlt_delta_map *m);
/* Safe on a zeroed map. */
void vlt_delta_unmap(struct vlt_delta_map *m);

#endif
