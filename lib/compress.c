/*
 * compress.c - zstd / zlib / none, with incompressible-data detection.
 */
#include <string.h>

#include <zlib.h>
#include <zstd.h>

#include "compress.h"
#include "error.h"

#define SAMPLE_MIN   (128u * 1024)  /* inputs this large are sampled first */
#define SAMPLE_SIZE  (8u * 1024)

int vlt_codec_parse(const char *name, enum vlt_codec *out)
{
	if (!strcmp(name, "zstd"))
		*out = VLT_CODEC_ZSTD;
	else if (!strcmp(name, "zlib"))
		*out = VLT_CODEC_ZLIB;
	else if (!strcmp(name, "none"))
		*out = VLT_CODEC_NONE;
	else
		return vlt_error_set(VLT_E_INVALID,
				     "unknown compression '%s' (zstd, zlib, none)",
				     name);
	return 0;
}

const char *vlt_codec_name(enum vlt_codec codec)
{
	switch (codec) {
	case VLT_CODEC_NONE: return "none";
	case VLT_CODEC_ZSTD: return "zstd";
	case VLT_CODEC_ZLIB: return "zlib";
	}
	return "unknown";
}

int vlt_compressor_init(struct vlt_compressor *c, enum vlt_codec codec,
			int level)
{
	memset(c, 0, sizeof(*c));
	c->codec = codec;
	c->level = level;
	if (codec == VLT_CODEC_ZSTD) {
		if (level < ZSTD_minCLevel() || level > ZSTD_maxCLevel())
			return vlt_error_set(VLT_E_INVALID,
					     "zstd level %d out of range", level);
	} else if (codec == VLT_CODEC_ZLIB) {
		if (level < 0 || level > 9)
			return vlt_error_set(VLT_E_INVALID,
					     "zlib level %d out of range", level);
	}
	return 0;
}

void vlt_compressor_release(struct vlt_compressor *c)
{
	ZSTD_freeCCtx(c->zc);
	ZSTD_freeDCtx(c->zd);
	c->zc = c->zd = NULL;
	vlt_buf_release(&c->out);
}

static int zstd_compress(struct vlt_compressor *c, const void *in, size_t len,
			 struct vlt_buf *out)
{
	size_t bound = ZSTD_compressBound(len), n;

	if (!c->zc && !(c->zc = ZSTD_createCCtx()))
		return vlt_error_set(VLT_E_NOMEM, "ZSTD_createCCtx failed");
	vlt_buf_reset(out);
	VLT_TRY(vlt_buf_grow(out, bound));
	n = ZSTD_compressCCtx(c->zc, out->data, bound, in, len, c->level);
	if (ZSTD_isError(n))
		return vlt_error_set(VLT_E_GENERIC, "zstd: %s",
				     ZSTD_getErrorName(n));
	vlt_buf_setlen(out, n);
	return 0;
}

static int zlib_compress(struct vlt_compressor *c, const void *in, size_t len,
			 struct vlt_buf *out)
{
	uLongf n = compressBound((uLong)len);
	int rc;

	vlt_buf_reset(out);
	VLT_TRY(vlt_buf_grow(out, n));
	rc = compress2((Bytef *)out->data, &n, in, (uLong)len, c->level);
	if (rc != Z_OK)
		return vlt_error_set(VLT_E_GENERIC, "zlib: error %d", rc);
	vlt_buf_setlen(out, n);
	return 0;
}

static int try_codec(struct vlt_compressor *c, const void *in, size_t len,
		     struct vlt_buf *out)
{
	return c->codec == VLT_CODEC_ZSTD ? zstd_compress(c, in, len, out) :
					    zlib_compress(c, in, len, out);
}

/* Worth keeping compressed: saves at least 1/32 of the size. */
static int worth_it(size_t raw, size_t packed)
{
	return packed < raw - raw / 32;
}

int vlt_compress(struct vlt_compressor *c, const void *in, size_t len,
		 struct vlt_buf *out, enum vlt_codec *used)
{
	const void *res;
	size_t n;

	VLT_TRY(vlt_compress_ref(c, in, len, out, &res, &n, used));
	if (res != out->data)
		return vlt_buf_set(out, in, len);
	return 0;
}

int vlt_compress_ref(struct vlt_compressor *c, const void *in, size_t len,
		     struct vlt_buf *out, const void **res, size_t *reslen,
		     enum vlt_codec *used)
{
	if (c->codec != VLT_CODEC_NONE && len > 0) {
		if (len >= SAMPLE_MIN) {
			/* sample the middle: headers are often compressible */
			const char *mid = (const char *)in + len / 2 - SAMPLE_SIZE / 2;

			VLT_TRY(try_codec(c, mid, SAMPLE_SIZE, out));
			if (!worth_it(SAMPLE_SIZE, out->len))
				goto raw;
		}
		VLT_TRY(try_codec(c, in, len, out));
		if (worth_it(len, out->len)) {
			*used = c->codec;
			*res = out->data;
			*reslen = out->len;
			return 0;
		}
	}
raw:
	*used = VLT_CODEC_NONE;
	*res = in;
	*reslen = len;
	return 0;
}

int vlt_decompress(struct vlt_compressor *c, enum vlt_codec codec,
		   const void *in, size_t len, void *dst, size_t rawlen)
{
	switch (codec) {
	case VLT_CODEC_NONE:
		if (len != rawlen)
			return vlt_error_set(VLT_E_CORRUPT,
					     "stored size %zu != raw size %zu",
					     len, rawlen);
		memcpy(dst, in, len);
		return 0;
	case VLT_CODEC_ZSTD: {
		size_t n;

		if (!c->zd && !(c->zd = ZSTD_createDCtx()))
			return vlt_error_set(VLT_E_NOMEM, "ZSTD_createDCtx failed");
		n = ZSTD_decompressDCtx(c->zd, dst, rawlen, in, len);
		if (ZSTD_isError(n))
			return vlt_error_set(VLT_E_CORRUPT, "zstd: %s",
					     ZSTD_getErrorName(n));
		if (n != rawlen)
			return vlt_error_set(VLT_E_CORRUPT,
					     "zstd: got %zu bytes, want %zu",
					     n, rawlen);
		return 0;
	}
	case VLT_CODEC_ZLIB: {
		uLongf n = (uLongf)rawlen;
		int rc = uncompress(dst, &n, in, (uLong)len);

		if (rc != Z_OK || n != rawlen)
			return vlt_error_set(VLT_E_CORRUPT, "zlib: bad data (%d)", rc);
		return 0;
	}
	}
	return vlt_error_set(VLT_E_CORRUPT, "unknown codec %d", (int)codec);
}
