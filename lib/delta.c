/*
 * delta.c - zstd deltas between two versions of a file (see delta.h).
 *
 * The big idea is zstd's --patch-from: BASE is referenced as the
 * compressor's prefix (ZSTD_CCtx_refPrefix), so every stretch of NEW that
 * BASE already holds becomes a match into it, however far it moved;
 * long-distance matching finds those matches across hundreds of MiB, and
 * the window is sized so that the start of BASE stays reachable from the
 * end of NEW. The decoder references the same BASE (ZSTD_DCtx_refPrefix).
 * Our header (Documentation/vault-delta.md) names both sizes and both
 * checksums, so a delta applied to the wrong base, or damaged, is refused
 * with the reason instead of producing wrong bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>
#include <xxhash.h>

#include "delta.h"
#include "error.h"

static void put_u64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_u64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static uint64_t xxh3(const void *data, size_t len)
{
	return len ? XXH3_64bits(data, len) : XXH3_64bits("", 0);
}

/* The smallest window that keeps all of BASE reachable from the end of
 * NEW, within what zstd allows. */
static unsigned window_log_for(uint64_t base_len, uint64_t new_len)
{
	uint64_t span = base_len + new_len;
	unsigned wlog = ZSTD_WINDOWLOG_MIN;

	while (wlog < ZSTD_WINDOWLOG_MAX && ((uint64_t)1 << wlog) < span)
		wlog++;
	return wlog;
}

static uint64_t limit_of(uint64_t max)
{
	return max ? max : VLT_DELTA_MAX_DEFAULT;
}

#define ZCHECK(call, what)						\
	do {								\
		size_t zret_ = (call);					\
		if (ZSTD_isError(zret_)) {				\
			err = vlt_error_set(VLT_E_GENERIC, "%s: %s",	\
					    what,			\
					    ZSTD_getErrorName(zret_));	\
			goto done;					\
		}							\
	} while (0)

int vlt_delta_create(const void *base, size_t base_len,
		     const void *newdata, size_t new_len,
		     const struct vlt_delta_opts *opts, struct vlt_buf *out)
{
	int level = opts && opts->level ? opts->level : VLT_DELTA_LEVEL_DEFAULT;
	uint64_t max = limit_of(opts ? opts->max : 0);
	unsigned wlog = window_log_for(base_len, new_len);
	unsigned char *hdr;
	ZSTD_CCtx *cc = NULL;
	size_t bound, n;
	int err = 0;

	vlt_buf_reset(out);
	if (base_len > max || new_len > max)
		return vlt_error_set(VLT_E_UNSUPPORTED, "%zu bytes is more than "
				     "the delta limit of %llu bytes",
				     base_len > max ? base_len : new_len,
				     (unsigned long long)max);
	if (level < 1 || level > ZSTD_maxCLevel())
		return vlt_error_set(VLT_E_INVALID, "delta level %d is not in "
				     "1..%d", level, ZSTD_maxCLevel());
	bound = ZSTD_compressBound(new_len);
	if ((err = vlt_buf_grow(out, VLT_DELTA_HEADER_SIZE + bound)) < 0)
		return err;
	if (!(cc = ZSTD_createCCtx()))
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	ZCHECK(ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, level),
	       "delta level");
	ZCHECK(ZSTD_CCtx_setParameter(cc, ZSTD_c_windowLog, (int)wlog),
	       "delta window");
	ZCHECK(ZSTD_CCtx_setParameter(cc, ZSTD_c_enableLongDistanceMatching, 1),
	       "delta long-distance matching");
	ZCHECK(ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1),
	       "delta checksum");
	ZCHECK(ZSTD_CCtx_setParameter(cc, ZSTD_c_contentSizeFlag, 1),
	       "delta content size");
	if (base_len)
		ZCHECK(ZSTD_CCtx_refPrefix(cc, base, base_len), "delta base");
	n = ZSTD_compress2(cc, (unsigned char *)out->data +
			   VLT_DELTA_HEADER_SIZE, bound,
			   new_len ? newdata : "", new_len);
	ZCHECK(n, "delta");

	hdr = (unsigned char *)out->data;
	memcpy(hdr, VLT_DELTA_MAGIC, 4);
	hdr[4] = VLT_DELTA_VERSION;
	hdr[5] = (unsigned char)wlog;
	hdr[6] = hdr[7] = 0;
	put_u64(hdr + 8, base_len);
	put_u64(hdr + 16, new_len);
	put_u64(hdr + 24, xxh3(base, base_len));
	put_u64(hdr + 32, xxh3(newdata, new_len));
	put_u64(hdr + 40, XXH3_64bits(hdr, 40));
	vlt_buf_setlen(out, VLT_DELTA_HEADER_SIZE + n);
done:
	ZSTD_freeCCtx(cc);
	if (err < 0)
		vlt_buf_reset(out);
	return err;
}

int vlt_delta_info(const void *delta, size_t len, struct vlt_delta_header *h)
{
	const unsigned char *p = delta;

	if (len < VLT_DELTA_HEADER_SIZE)
		return vlt_error_set(VLT_E_CORRUPT, "not a delta: %zu bytes, "
				     "shorter than the %d-byte header", len,
				     VLT_DELTA_HEADER_SIZE);
	if (memcmp(p, VLT_DELTA_MAGIC, 4))
		return vlt_error_set(VLT_E_CORRUPT, "not a delta: bad magic");
	if (p[4] != VLT_DELTA_VERSION)
		return vlt_error_set(VLT_E_CORRUPT, "delta version %u is not "
				     "supported (only %d)", p[4],
				     VLT_DELTA_VERSION);
	if (get_u64(p + 40) != XXH3_64bits(p, 40))
		return vlt_error_set(VLT_E_CORRUPT, "delta header checksum "
				     "mismatch (damaged delta)");
	h->window_log = p[5];
	h->base_size = get_u64(p + 8);
	h->new_size = get_u64(p + 16);
	h->base_xxh3 = get_u64(p + 24);
	h->new_xxh3 = get_u64(p + 32);
	if (h->window_log < ZSTD_WINDOWLOG_MIN ||
	    h->window_log > ZSTD_WINDOWLOG_MAX || p[6] || p[7])
		return vlt_error_set(VLT_E_CORRUPT, "delta header has a bad "
				     "window (%u)", h->window_log);
	return 0;
}

int vlt_delta_apply(const void *base, size_t base_len,
		    const void *delta, size_t delta_len, uint64_t max,
		    struct vlt_buf *out)
{
	const unsigned char *frame = (const unsigned char *)delta +
				     VLT_DELTA_HEADER_SIZE;
	struct vlt_delta_header h;
	unsigned long long fsize;
	ZSTD_DCtx *dc = NULL;
	size_t n;
	int err;

	vlt_buf_reset(out);
	max = limit_of(max);
	if ((err = vlt_delta_info(delta, delta_len, &h)) < 0)
		return err;
	if (h.base_size > max || h.new_size > max || h.new_size > SIZE_MAX / 2)
		return vlt_error_set(VLT_E_UNSUPPORTED, "delta of %llu bytes "
				     "against %llu: more than the delta limit "
				     "of %llu bytes",
				     (unsigned long long)h.new_size,
				     (unsigned long long)h.base_size,
				     (unsigned long long)max);
	if (h.base_size != base_len || h.base_xxh3 != xxh3(base, base_len))
		return vlt_error_set(VLT_E_CORRUPT, "delta was made against "
				     "another base (%llu bytes, checksum "
				     "%016llx; this one has %zu bytes)",
				     (unsigned long long)h.base_size,
				     (unsigned long long)h.base_xxh3, base_len);
	delta_len -= VLT_DELTA_HEADER_SIZE;
	fsize = ZSTD_getFrameContentSize(frame, delta_len);
	if (fsize == ZSTD_CONTENTSIZE_ERROR || fsize != h.new_size ||
	    ZSTD_findFrameCompressedSize(frame, delta_len) != delta_len)
		return vlt_error_set(VLT_E_CORRUPT, "damaged delta: its zstd "
				     "frame is truncated or does not hold "
				     "%llu bytes",
				     (unsigned long long)h.new_size);
	if ((err = vlt_buf_grow(out, (size_t)h.new_size + 1)) < 0)
		return err;
	if (!(dc = ZSTD_createDCtx()))
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	err = 0;
	ZCHECK(ZSTD_DCtx_setParameter(dc, ZSTD_d_windowLogMax,
				      (int)h.window_log), "delta window");
	if (base_len)
		ZCHECK(ZSTD_DCtx_refPrefix(dc, base, base_len), "delta base");
	n = ZSTD_decompressDCtx(dc, out->data, (size_t)h.new_size + 1,
				frame, delta_len);
	if (ZSTD_isError(n)) {
		err = vlt_error_set(VLT_E_CORRUPT, "damaged delta: %s",
				    ZSTD_getErrorName(n));
		goto done;
	}
	if (n != h.new_size || xxh3(out->data, n) != h.new_xxh3) {
		err = vlt_error_set(VLT_E_CORRUPT, "damaged delta: the result "
				    "does not match the checksum in its header");
		goto done;
	}
	vlt_buf_setlen(out, n);
done:
	ZSTD_freeDCtx(dc);
	if (err < 0)
		vlt_buf_reset(out);
	return err;
}

int vlt_delta_map_file(const char *path, uint64_t max, struct vlt_delta_map *m)
{
	struct stat st;
	int fd, err = 0;

	m->data = NULL;
	m->len = 0;
	max = limit_of(max);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return vlt_error_set(VLT_E_IO, "cannot open %s: %s", path,
				     strerror(errno));
	if (fstat(fd, &st) < 0) {
		err = vlt_error_set(VLT_E_IO, "stat %s: %s", path,
				    strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		err = vlt_error_set(VLT_E_INVALID, "%s is not a regular file",
				    path);
	} else if ((uint64_t)st.st_size > max) {
		err = vlt_error_set(VLT_E_UNSUPPORTED, "%s: %llu bytes, more "
				    "than the delta limit of %llu", path,
				    (unsigned long long)st.st_size,
				    (unsigned long long)max);
	} else if (st.st_size > 0) {
		void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE,
			       fd, 0);

		if (p == MAP_FAILED) {
			err = vlt_error_set(VLT_E_IO, "mmap %s: %s", path,
					    strerror(errno));
		} else {
			m->data = p;
			m->len = (size_t)st.st_size;
		}
	}
	close(fd);
	return err;
}

void vlt_delta_unmap(struct vlt_delta_map *m)
{
	if (m->data)
		munmap(m->data, m->len);
	m->data = NULL;
	m->len = 0;
}
