/*
 * image.c - decode PNG, JPEG, WebP and TIFF into one RGBA8 layout, encode
 * PNG, scale down for thumbnails (see image.h).
 *
 * The decoders are the Debian libraries (libspng, libjpeg-turbo, libwebp,
 * libtiff); this file only adapts them to one convention: every failure is
 * a VLT_E_* code with a message, nothing is printed, nothing exits. Each
 * decoder checks the declared size against VLT_IMAGE_MAX_PIXELS before
 * allocating anything, so a small hostile file cannot make us allocate
 * gigabytes (a decompression bomb).
 *
 * libjpeg reports errors by calling a function that must not return: ours
 * longjmps back to the decoder. It reports damaged data (a truncated file
 * among others) as a mere warning and goes on with grey pixels; those
 * warnings are errors here, because a visual diff of invented pixels
 * would be a lie. libtiff's messages go to per-handle handlers (libtiff
 * 4.5's TIFFOpenOptions) that keep the first error for our message; its
 * process-wide handlers are silenced once.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <jpeglib.h>
#include <jerror.h>
#include <spng.h>
#include <tiffio.h>
#include <webp/decode.h>
#include <zip.h>

#include "buf.h"
#include "error.h"
#include "fsutil.h"
#include "image.h"
#include "pool.h"

void vlt_image_init(struct vlt_image *img)
{
	memset(img, 0, sizeof(*img));
}

void vlt_image_release(struct vlt_image *img)
{
	free(img->rgba);
	free(img->rgba16);
	vlt_image_init(img);
}

/* 0 when w x h is a size we are willing to hold, else an error naming fmt. */
static int check_size(const char *fmt, uint64_t w, uint64_t h)
{
	if (!w || !h)
		return vlt_error_set(VLT_E_CORRUPT, "%s: image has no pixels "
				     "(%llu x %llu)", fmt, (unsigned long long)w,
				     (unsigned long long)h);
	if (w > UINT32_MAX || h > UINT32_MAX || w * h > VLT_IMAGE_MAX_PIXELS ||
	    w * h * 8 > SIZE_MAX)
		return vlt_error_set(VLT_E_UNSUPPORTED, "%s: image of %llu x %llu "
				     "pixels is larger than the limit of %llu "
				     "pixels", fmt, (unsigned long long)w,
				     (unsigned long long)h,
				     (unsigned long long)VLT_IMAGE_MAX_PIXELS);
	return 0;
}

void *vlt_image_buffer_alloc(size_t n)
{
	void *p;

	if (n < (4u << 20))
		return malloc(n ? n : 1);
	if (posix_memalign(&p, 2u << 20, n))
		return NULL;
#ifdef MADV_HUGEPAGE
	madvise(p, n, MADV_HUGEPAGE);  /* advice only: failure is harmless */
#endif
	return p;
}

/* Set the size and allocate the RGBA8 pixels (uninitialised). */
static int alloc_pixels(struct vlt_image *img, const char *fmt, uint64_t w,
			uint64_t h)
{
	VLT_TRY(check_size(fmt, w, h));
	img->rgba = vlt_image_buffer_alloc((size_t)(w * h * 4));
	if (!img->rgba)
		return vlt_error_set(VLT_E_NOMEM, "%s: out of memory for %llu x "
				     "%llu pixels", fmt, (unsigned long long)w,
				     (unsigned long long)h);
	img->width = (uint32_t)w;
	img->height = (uint32_t)h;
	return 0;
}

int vlt_image_alloc(struct vlt_image *img, uint32_t w, uint32_t h)
{
	size_t n;

	vlt_image_init(img);
	VLT_TRY(alloc_pixels(img, "image", w, h));
	n = (size_t)w * h;
	for (size_t i = 0; i < n; i++) {
		img->rgba[i * 4] = img->rgba[i * 4 + 1] = img->rgba[i * 4 + 2] = 0;
		img->rgba[i * 4 + 3] = 255;
	}
	img->bit_depth = 8;
	img->channels = 4;
	return 0;
}

/*
 * Krita (.kra) and OpenRaster (.ora) files are zip archives whose first
 * entry is an uncompressed "mimetype" naming the format (the ODF
 * convention both follow), so the first bytes tell: a local file header,
 * the name "mimetype", then the type itself.
 */
static const struct {
	const char *mime, *format;
} layered[] = {
	{ "application/x-krita", "kra" },
	{ "image/openraster", "ora" },
};

static const char *sniff_layered(const unsigned char *p, size_t len)
{
	size_t name_len, extra_len, off;

	if (len < 30 || memcmp(p, "PK\3\4", 4) || p[8] || p[9])
		return NULL;  /* not a zip, or the first entry is compressed */
	name_len = p[26] | (size_t)p[27] << 8;
	extra_len = p[28] | (size_t)p[29] << 8;
	if (name_len != 8 || len < 38 || memcmp(p + 30, "mimetype", 8))
		return NULL;
	off = 30 + name_len + extra_len;
	for (size_t i = 0; i < sizeof(layered) / sizeof(layered[0]); i++) {
		size_t n = strlen(layered[i].mime);

		if (len >= off + n && !memcmp(p + off, layered[i].mime, n))
			return layered[i].format;
	}
	return NULL;
}

const char *vlt_image_sniff(const void *data, size_t len)
{
	const unsigned char *p = data;

	if (len >= 8 && !memcmp(p, "\x89PNG\r\n\x1a\n", 8))
		return "png";
	if (len >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff)
		return "jpeg";
	if (len >= 12 && !memcmp(p, "RIFF", 4) && !memcmp(p + 8, "WEBP", 4))
		return "webp";
	if (len >= 4 && (!memcmp(p, "II*\0", 4) || !memcmp(p, "MM\0*", 4) ||
			 !memcmp(p, "II+\0", 4) || !memcmp(p, "MM\0+", 4)))
		return "tiff";
	return sniff_layered(p, len);
}

/* --- PNG (libspng) --------------------------------------------------- */

static int png_error(int rc, const char *what)
{
	int code = rc == SPNG_EMEM ? VLT_E_NOMEM : VLT_E_CORRUPT;

	if (rc == SPNG_EOF || rc == SPNG_IO_EOF)
		return vlt_error_set(code, "png: truncated (%s)", what);
	return vlt_error_set(code, "png: %s (%s)", spng_strerror(rc), what);
}

static int decode_png(struct vlt_image *img, const void *data, size_t len)
{
	struct spng_ihdr ihdr;
	struct spng_trns trns;
	/* keep zlib's Adler-32 check: without it libspng may stop before the
	 * CRC of the last IDAT chunk, and damage there would go unseen */
	spng_ctx *ctx = spng_ctx_new(0);
	size_t size, n;
	int rc, err = 0, fmt;

	if (!ctx)
		return vlt_error_set(VLT_E_NOMEM, "png: out of memory");
	/* Ancillary chunks (text, ICC profiles) are capped: we never need
	 * them and a compressed one could be a bomb of its own. */
	spng_set_crc_action(ctx, SPNG_CRC_ERROR, SPNG_CRC_DISCARD);
	spng_set_chunk_limits(ctx, 1u << 30, 64u << 20);
	if ((rc = spng_set_png_buffer(ctx, data, len)) ||
	    (rc = spng_get_ihdr(ctx, &ihdr))) {
		err = png_error(rc, "header");
		goto done;
	}
	if ((err = alloc_pixels(img, "png", ihdr.width, ihdr.height)) < 0)
		goto done;
	img->bit_depth = ihdr.bit_depth;
	switch (ihdr.color_type) {
	case SPNG_COLOR_TYPE_GRAYSCALE: img->channels = 1; break;
	case SPNG_COLOR_TYPE_GRAYSCALE_ALPHA: img->channels = 2; break;
	case SPNG_COLOR_TYPE_TRUECOLOR_ALPHA: img->channels = 4; break;
	default: img->channels = 3; break;
	}
	if (img->channels & 1 && !spng_get_trns(ctx, &trns))
		img->channels++;  /* a tRNS chunk adds an alpha channel */
	n = (size_t)img->width * img->height;
	fmt = ihdr.bit_depth == 16 ? SPNG_FMT_RGBA16 : SPNG_FMT_RGBA8;
	if ((rc = spng_decoded_image_size(ctx, fmt, &size))) {
		err = png_error(rc, "size");
		goto done;
	}
	if (size != n * (fmt == SPNG_FMT_RGBA16 ? 8 : 4)) {
		err = vlt_error_set(VLT_E_CORRUPT, "png: unexpected decoded size");
		goto done;
	}
	if (fmt == SPNG_FMT_RGBA16) {
		img->rgba16 = vlt_image_buffer_alloc(size);
		if (!img->rgba16) {
			err = vlt_error_set(VLT_E_NOMEM, "png: out of memory");
			goto done;
		}
	}
	rc = spng_decode_image(ctx, fmt == SPNG_FMT_RGBA16 ?
			       (void *)img->rgba16 : (void *)img->rgba,
			       size, fmt, SPNG_DECODE_TRNS);
	if (rc) {
		err = png_error(rc, "pixel data");
		goto done;
	}
	/* 16 -> 8 bits rounds to nearest (v / 257), as pngjs does, so that
	 * counts agree with pixelmatch on 16-bit files. */
	if (img->rgba16)
		for (size_t i = 0; i < n * 4; i++)
			img->rgba[i] = (uint8_t)((img->rgba16[i] + 128u) / 257u);
done:
	spng_ctx_free(ctx);
	return err;
}

/*
 * Map the pixels to palette indexes when there are at most 256 distinct
 * RGBA values (diff pictures, masks, flat art): a quarter of the bytes to
 * compress, and a smaller file. *idx is NULL when there are more colours.
 * The palette is exact, so decoding gives back the same RGBA.
 */
static int palettize(const struct vlt_image *img, uint8_t **idx,
		     struct spng_plte *plte, struct spng_trns *trns)
{
	enum { SLOTS = 1024 };  /* open addressing, at most 1/4 full */
	uint32_t keys[SLOTS];   /* colour + 1; 0 = empty */
	uint8_t vals[SLOTS];
	size_t n = (size_t)img->width * img->height;
	uint32_t prev = 0, prev_idx = 0, ncol = 0;
	int have_prev = 0, alpha = 0;
	uint8_t *out = vlt_image_buffer_alloc(n);

	*idx = NULL;
	if (!out)
		return vlt_error_set(VLT_E_NOMEM, "png: out of memory");
	memset(keys, 0, sizeof(keys));
	for (size_t i = 0; i < n; i++) {
		const uint8_t *p = img->rgba + i * 4;
		uint32_t c = (uint32_t)p[0] | (uint32_t)p[1] << 8 |
			     (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
		uint32_t h;

		if (have_prev && c == prev) {
			out[i] = (uint8_t)prev_idx;
			continue;
		}
		for (h = (c * 0x9e3779b1u) >> 22; keys[h] && keys[h] != c + 1;
		     h = (h + 1) & (SLOTS - 1))
			;
		if (!keys[h]) {
			if (ncol == 256 || c == UINT32_MAX) {
				free(out);  /* too many colours: stay RGBA */
				return 0;
			}
			keys[h] = c + 1;
			vals[h] = (uint8_t)ncol;
			plte->entries[ncol].red = p[0];
			plte->entries[ncol].green = p[1];
			plte->entries[ncol].blue = p[2];
			trns->type3_alpha[ncol] = p[3];
			alpha |= p[3] != 255;
			ncol++;
		}
		out[i] = vals[h];
		prev = c;
		prev_idx = vals[h];
		have_prev = 1;
	}
	plte->n_entries = ncol;
	trns->n_type3_entries = alpha ? ncol : 0;
	*idx = out;
	return 0;
}

static int encode_png(const struct vlt_image *img, int level,
		      struct vlt_buf *out)
{
	struct spng_ihdr ihdr = { 0 };
	struct spng_plte plte;
	struct spng_trns trns;
	spng_ctx *ctx;
	uint8_t *idx = NULL;
	void *png = NULL;
	size_t len = 0, n;
	int rc, err = 0;

	if (!img->rgba || !img->width || !img->height)
		return vlt_error_set(VLT_E_INVALID, "png: no pixels to encode");
	memset(&plte, 0, sizeof(plte));
	memset(&trns, 0, sizeof(trns));
	VLT_TRY(palettize(img, &idx, &plte, &trns));
	ctx = spng_ctx_new(SPNG_CTX_ENCODER);
	if (!ctx) {
		free(idx);
		return vlt_error_set(VLT_E_NOMEM, "png: out of memory");
	}
	n = (size_t)img->width * img->height;
	ihdr.width = img->width;
	ihdr.height = img->height;
	ihdr.bit_depth = 8;
	ihdr.color_type = idx ? SPNG_COLOR_TYPE_INDEXED :
			  SPNG_COLOR_TYPE_TRUECOLOR_ALPHA;
	spng_set_option(ctx, SPNG_ENCODE_TO_BUFFER, 1);
	spng_set_option(ctx, SPNG_IMG_COMPRESSION_LEVEL, level);
	if (idx) {
		/* the PNG book's advice for palettes: no filter */
		spng_set_option(ctx, SPNG_FILTER_CHOICE, SPNG_FILTER_CHOICE_NONE);
	} else if (level <= 2) {
		/* fast: one cheap filter instead of trying all five */
		spng_set_option(ctx, SPNG_FILTER_CHOICE, SPNG_FILTER_CHOICE_SUB);
	}
	if ((rc = spng_set_ihdr(ctx, &ihdr)) ||
	    (idx && (rc = spng_set_plte(ctx, &plte))) ||
	    (idx && trns.n_type3_entries && (rc = spng_set_trns(ctx, &trns))) ||
	    (rc = spng_encode_image(ctx, idx ? idx : img->rgba, idx ? n : n * 4,
				    SPNG_FMT_PNG, SPNG_ENCODE_FINALIZE))) {
		err = vlt_error_set(rc == SPNG_EMEM ? VLT_E_NOMEM : VLT_E_GENERIC,
				    "png: cannot encode: %s", spng_strerror(rc));
		goto done;
	}
	png = spng_get_png_buffer(ctx, &len, &rc);
	if (!png) {
		err = vlt_error_set(VLT_E_NOMEM, "png: cannot encode: %s",
				    spng_strerror(rc));
		goto done;
	}
	err = vlt_buf_set(out, png, len);
done:
	free(png);
	free(idx);
	spng_ctx_free(ctx);
	return err;
}

int vlt_image_encode_png_level(const struct vlt_image *img, int level,
			       struct vlt_buf *out)
{
	if (level < 0 || level > 9)
		return vlt_error_set(VLT_E_INVALID, "png: compression level %d "
				     "is not 0..9", level);
	return encode_png(img, level, out);
}

int vlt_image_encode_png(const struct vlt_image *img, struct vlt_buf *out)
{
	return encode_png(img, VLT_IMAGE_PNG_LEVEL_DEFAULT, out);
}

int vlt_image_write_png_level(const struct vlt_image *img, const char *path,
			      int level)
{
	struct vlt_buf png = VLT_BUF_INIT;
	int err;

	if ((err = vlt_image_encode_png_level(img, level, &png)) >= 0)
		err = vlt_write_file_atomic(path, png.data, png.len, 0666, 0);
	vlt_buf_release(&png);
	return err;
}

int vlt_image_write_png(const struct vlt_image *img, const char *path)
{
	return vlt_image_write_png_level(img, path, VLT_IMAGE_PNG_LEVEL_DEFAULT);
}

/* --- JPEG (libjpeg-turbo) -------------------------------------------- */

struct jpeg_err {
	struct jpeg_error_mgr pub;
	jmp_buf jump;
	char msg[JMSG_LENGTH_MAX];
};

static void jpeg_fail(j_common_ptr cinfo)
{
	struct jpeg_err *e = (struct jpeg_err *)cinfo->err;

	(*cinfo->err->format_message)(cinfo, e->msg);
	longjmp(e->jump, 1);
}

/*
 * Warnings that mean the pixels are not what the file meant: libjpeg
 * would carry on and fill the rest with grey. Others (extra bytes before
 * a marker, an odd JFIF version) leave the image intact.
 */
static void jpeg_warn(j_common_ptr cinfo, int level)
{
	if (level >= 0)
		return;  /* trace messages */
	switch (cinfo->err->msg_code) {
	case JWRN_JPEG_EOF:
	case JWRN_HIT_MARKER:
	case JWRN_HUFF_BAD_CODE:
	case JWRN_MUST_RESYNC:
	case JWRN_BOGUS_PROGRESSION:
	case JWRN_ARITH_BAD_CODE:
	case JWRN_NOT_SEQUENTIAL:
		jpeg_fail(cinfo);
		break;
	default:
		cinfo->err->num_warnings++;
	}
}

static void jpeg_quiet(j_common_ptr cinfo)
{
	(void)cinfo;  /* the library never prints */
}

/* Adobe's CMYK (as Photoshop writes it) is stored inverted. */
static void cmyk_to_rgba(uint8_t *p, size_t n, int inverted)
{
	for (size_t i = 0; i < n; i++, p += 4) {
		unsigned c = p[0], m = p[1], y = p[2], k = p[3];

		if (!inverted) {
			c = 255 - c; m = 255 - m; y = 255 - y; k = 255 - k;
		}
		p[0] = (uint8_t)((c * k + 127) / 255);
		p[1] = (uint8_t)((m * k + 127) / 255);
		p[2] = (uint8_t)((y * k + 127) / 255);
		p[3] = 255;
	}
}

static int decode_jpeg(struct vlt_image *img, const void *data, size_t len)
{
	struct jpeg_decompress_struct cinfo;
	struct jpeg_err jerr;
	volatile int err = 0, cmyk = 0;

	memset(&cinfo, 0, sizeof(cinfo));
	cinfo.err = jpeg_std_error(&jerr.pub);
	jerr.pub.error_exit = jpeg_fail;
	jerr.pub.emit_message = jpeg_warn;
	jerr.pub.output_message = jpeg_quiet;
	if (setjmp(jerr.jump)) {
		/* img's fields live in the caller's memory: they are what the
		 * last store made them, and vlt_image_release frees them. */
		jpeg_destroy_decompress(&cinfo);
		if (err < 0)
			return err;
		return vlt_error_set(VLT_E_CORRUPT, "jpeg: %s", jerr.msg);
	}
	jpeg_create_decompress(&cinfo);
	if (len > ULONG_MAX)
		ERREXIT(&cinfo, JERR_INPUT_EOF);
	jpeg_mem_src(&cinfo, data, (unsigned long)len);
	jpeg_read_header(&cinfo, TRUE);
	if ((err = alloc_pixels(img, "jpeg", cinfo.image_width,
				cinfo.image_height)) < 0) {
		jpeg_destroy_decompress(&cinfo);
		return err;
	}
	img->bit_depth = (unsigned)cinfo.data_precision;
	img->channels = (unsigned)cinfo.num_components;
	if (cinfo.jpeg_color_space == JCS_CMYK ||
	    cinfo.jpeg_color_space == JCS_YCCK) {
		cinfo.out_color_space = JCS_CMYK;
		cmyk = 1;
	} else {
		cinfo.out_color_space = JCS_EXT_RGBA;
	}
	jpeg_start_decompress(&cinfo);
	if (cinfo.output_width != img->width ||
	    cinfo.output_height != img->height || cinfo.output_components != 4)
		ERREXIT(&cinfo, JERR_BUFFER_SIZE);
	while (cinfo.output_scanline < cinfo.output_height) {
		JSAMPROW rows[16];
		unsigned n = cinfo.output_height - cinfo.output_scanline;

		if (n > 16)
			n = 16;
		for (unsigned i = 0; i < n; i++)
			rows[i] = img->rgba + ((size_t)cinfo.output_scanline + i) *
					      img->width * 4;
		if (!jpeg_read_scanlines(&cinfo, rows, n))
			ERREXIT(&cinfo, JERR_INPUT_EOF);
	}
	if (cmyk)
		cmyk_to_rgba(img->rgba, (size_t)img->width * img->height,
			     cinfo.saw_Adobe_marker);
	jpeg_finish_decompress(&cinfo);
	jpeg_destroy_decompress(&cinfo);
	return 0;
}

/* --- WebP (libwebp) -------------------------------------------------- */

static int decode_webp(struct vlt_image *img, const void *data, size_t len)
{
	WebPBitstreamFeatures f;
	VP8StatusCode st = WebPGetFeatures(data, len, &f);

	if (st == VP8_STATUS_NOT_ENOUGH_DATA)
		return vlt_error_set(VLT_E_CORRUPT, "webp: truncated header");
	if (st == VP8_STATUS_UNSUPPORTED_FEATURE)
		return vlt_error_set(VLT_E_UNSUPPORTED, "webp: unsupported "
				     "feature");
	if (st != VP8_STATUS_OK)
		return vlt_error_set(VLT_E_CORRUPT, "webp: malformed header "
				     "(status %d)", (int)st);
	if (f.has_animation)
		return vlt_error_set(VLT_E_UNSUPPORTED, "webp: animated WebP is "
				     "not supported");
	VLT_TRY(alloc_pixels(img, "webp", (uint64_t)f.width, (uint64_t)f.height));
	img->bit_depth = 8;
	img->channels = f.has_alpha ? 4 : 3;
	if (!WebPDecodeRGBAInto(data, len, img->rgba,
				(size_t)img->width * img->height * 4,
				(int)img->width * 4))
		return vlt_error_set(VLT_E_CORRUPT, "webp: cannot decode the "
				     "pixel data (truncated or corrupt)");
	return 0;
}

/* --- TIFF (libtiff) -------------------------------------------------- */

struct tiff_mem {
	const unsigned char *data;
	size_t len, pos;
	char msg[256];  /* libtiff's first error message */
};

static tmsize_t tiff_read(thandle_t h, void *buf, tmsize_t n)
{
	struct tiff_mem *m = h;
	size_t left = m->pos < m->len ? m->len - m->pos : 0;

	if (n < 0)
		return -1;
	if ((size_t)n > left)
		n = (tmsize_t)left;
	memcpy(buf, m->data + m->pos, (size_t)n);
	m->pos += (size_t)n;
	return n;
}

static tmsize_t tiff_write(thandle_t h, void *buf, tmsize_t n)
{
	(void)h; (void)buf; (void)n;
	return -1;
}

static toff_t tiff_seek(thandle_t h, toff_t off, int whence)
{
	struct tiff_mem *m = h;
	uint64_t base = whence == SEEK_CUR ? m->pos :
			whence == SEEK_END ? m->len : 0;

	if (whence != SEEK_SET && whence != SEEK_CUR && whence != SEEK_END)
		return (toff_t)-1;
	if (off > (toff_t)SIZE_MAX - base)
		return (toff_t)-1;
	m->pos = (size_t)(base + off);
	return m->pos;
}

static int tiff_close(thandle_t h)
{
	(void)h;
	return 0;
}

static toff_t tiff_size(thandle_t h)
{
	return ((struct tiff_mem *)h)->len;
}

static int tiff_map(thandle_t h, void **base, toff_t *size)
{
	struct tiff_mem *m = h;

	*base = (void *)m->data;  /* read-only: opened with "r" */
	*size = m->len;
	return 1;
}

static void tiff_unmap(thandle_t h, void *base, toff_t size)
{
	(void)h; (void)base; (void)size;
}

static int tiff_on_error(TIFF *tif, void *user, const char *module,
			 const char *fmt, va_list ap)
{
	struct tiff_mem *m = user;

	(void)tif;
	if (m && !m->msg[0]) {
		int n = snprintf(m->msg, sizeof(m->msg), "%s: ",
				 module ? module : "tiff");

		if (n < 0 || (size_t)n >= sizeof(m->msg))
			n = 0;
		vsnprintf(m->msg + n, sizeof(m->msg) - (size_t)n, fmt, ap);
	}
	return 1;  /* handled: not passed on to the global handler */
}

static int tiff_on_warning(TIFF *tif, void *user, const char *module,
			   const char *fmt, va_list ap)
{
	(void)tif; (void)user; (void)module; (void)fmt; (void)ap;
	return 1;
}

static pthread_once_t tiff_once = PTHREAD_ONCE_INIT;

static void tiff_silence(void)
{
	/* a few libtiff paths still report through the global handlers */
	TIFFSetErrorHandler(NULL);
	TIFFSetWarningHandler(NULL);
}

/* libtiff hands back premultiplied alpha whatever the file held. */
static void unpremultiply(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++, p += 4) {
		unsigned a = p[3];

		if (a == 255 || a == 0)
			continue;
		for (int c = 0; c < 3; c++) {
			unsigned v = (p[c] * 255u + a / 2) / a;

			p[c] = (uint8_t)(v > 255 ? 255 : v);
		}
	}
}

static int decode_tiff(struct vlt_image *img, const void *data, size_t len)
{
	struct tiff_mem m = { data, len, 0, "" };
	TIFFOpenOptions *opts;
	TIFF *tif;
	uint32_t w = 0, h = 0;
	uint16_t bps = 8, spp = 1;
	char emsg[1024];
	int err = 0;

	pthread_once(&tiff_once, tiff_silence);
	opts = TIFFOpenOptionsAlloc();
	if (!opts)
		return vlt_error_set(VLT_E_NOMEM, "tiff: out of memory");
	TIFFOpenOptionsSetErrorHandlerExtR(opts, tiff_on_error, &m);
	TIFFOpenOptionsSetWarningHandlerExtR(opts, tiff_on_warning, &m);
	/* no single allocation beyond what the largest allowed image needs */
	TIFFOpenOptionsSetMaxSingleMemAlloc(opts, (tmsize_t)(VLT_IMAGE_MAX_PIXELS *
							     8));
	tif = TIFFClientOpenExt("tiff", "r", (thandle_t)&m, tiff_read,
				tiff_write, tiff_seek, tiff_close, tiff_size,
				tiff_map, tiff_unmap, opts);
	TIFFOpenOptionsFree(opts);
	if (!tif)
		return vlt_error_set(VLT_E_CORRUPT, "tiff: cannot open: %s",
				     m.msg[0] ? m.msg : "malformed header");
	if (!TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &w) ||
	    !TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &h)) {
		err = vlt_error_set(VLT_E_CORRUPT, "tiff: no image size");
		goto done;
	}
	TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &bps);
	TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &spp);
	if ((err = alloc_pixels(img, "tiff", w, h)) < 0)
		goto done;
	img->bit_depth = bps;
	img->channels = spp;
	if (!TIFFRGBAImageOK(tif, emsg)) {
		err = vlt_error_set(VLT_E_UNSUPPORTED, "tiff: %s", emsg);
		goto done;
	}
	if (!TIFFReadRGBAImageOriented(tif, w, h, (uint32_t *)(void *)img->rgba,
				       ORIENTATION_TOPLEFT, 1)) {
		err = vlt_error_set(VLT_E_CORRUPT, "tiff: cannot read the pixel "
				    "data: %s", m.msg[0] ? m.msg : "corrupt");
		goto done;
	}
	/* ABGR packed in host order -> R, G, B, A bytes */
	for (size_t i = 0, n = (size_t)w * h; i < n; i++) {
		uint32_t v = ((uint32_t *)(void *)img->rgba)[i];

		img->rgba[i * 4] = (uint8_t)TIFFGetR(v);
		img->rgba[i * 4 + 1] = (uint8_t)TIFFGetG(v);
		img->rgba[i * 4 + 2] = (uint8_t)TIFFGetB(v);
		img->rgba[i * 4 + 3] = (uint8_t)TIFFGetA(v);
	}
	unpremultiply(img->rgba, (size_t)w * h);
done:
	TIFFClose(tif);
	return err;
}

/* --- entry points ---------------------------------------------------- */

/* The flattened picture a Krita or OpenRaster file carries. */
#define LAYERED_MERGED "mergedimage.png"
/* The most we unpack of it (a bomb guard; the PNG decoder's own pixel
 * limit applies after). */
#define LAYERED_MAX_BYTES (1ull << 30)

static int decode_layered(struct vlt_image *img, const void *data, size_t len,
			  const char *fmt)
{
	const char *what = !strcmp(fmt, "kra") ? "Krita" : "OpenRaster";
	struct vlt_buf png = VLT_BUF_INIT;
	zip_error_t ze;
	zip_source_t *src;
	zip_t *za = NULL;
	zip_file_t *zf = NULL;
	zip_stat_t st;
	zip_int64_t idx;
	int err = 0;

	zip_error_init(&ze);
	if (!(src = zip_source_buffer_create(data, len, 0, &ze))) {
		err = vlt_error_set(VLT_E_NOMEM, "%s file: %s", what,
				    zip_error_strerror(&ze));
		goto done;
	}
	if (!(za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze))) {
		zip_source_free(src);
		err = vlt_error_set(VLT_E_CORRUPT, "truncated or damaged %s file "
				    "(its zip archive: %s)", what,
				    zip_error_strerror(&ze));
		goto done;
	}
	idx = zip_name_locate(za, LAYERED_MERGED, 0);
	if (idx < 0) {
		err = vlt_error_set(VLT_E_CORRUPT, "%s file without a %s (the "
				    "flattened picture vault shows)", what,
				    LAYERED_MERGED);
		goto done;
	}
	zip_stat_init(&st);
	if (zip_stat_index(za, (zip_uint64_t)idx, 0, &st) < 0 ||
	    !(st.valid & ZIP_STAT_SIZE)) {
		err = vlt_error_set(VLT_E_CORRUPT, "%s file: %s: %s", what,
				    LAYERED_MERGED, zip_strerror(za));
		goto done;
	}
	if (st.size > LAYERED_MAX_BYTES) {
		err = vlt_error_set(VLT_E_CORRUPT, "%s file: %s claims %llu "
				    "bytes, more than the limit", what,
				    LAYERED_MERGED, (unsigned long long)st.size);
		goto done;
	}
	if ((err = vlt_buf_grow(&png, (size_t)st.size + 1)) < 0)
		goto done;
	if (!(zf = zip_fopen_index(za, (zip_uint64_t)idx, 0))) {
		err = vlt_error_set(VLT_E_CORRUPT, "%s file: cannot unpack %s: %s",
				    what, LAYERED_MERGED, zip_strerror(za));
		goto done;
	}
	while (png.len < st.size) {
		zip_int64_t n = zip_fread(zf, png.data + png.len,
					  st.size - png.len);

		if (n <= 0) {
			err = vlt_error_set(VLT_E_CORRUPT, "truncated or damaged "
					    "%s file: %s: %s", what,
					    LAYERED_MERGED,
					    n < 0 ? zip_file_strerror(zf) :
					    "shorter than its header says");
			goto done;
		}
		png.len += (size_t)n;
	}
	if (!vlt_image_sniff(png.data, png.len) ||
	    strcmp(vlt_image_sniff(png.data, png.len), "png")) {
		err = vlt_error_set(VLT_E_CORRUPT, "%s file: %s is not a PNG",
				    what, LAYERED_MERGED);
		goto done;
	}
	if ((err = decode_png(img, png.data, png.len)) < 0)
		err = vlt_error_wrap(err, "%s file: %s", what, LAYERED_MERGED);
done:
	if (zf)
		zip_fclose(zf);
	if (za)
		zip_discard(za);
	zip_error_fini(&ze);
	vlt_buf_release(&png);
	return err;
}

int vlt_image_decode(struct vlt_image *img, const void *data, size_t len)
{
	const char *fmt = vlt_image_sniff(data, len);
	int err;

	vlt_image_init(img);
	if (!fmt)
		return vlt_error_set(VLT_E_UNSUPPORTED, len ?
				     "unknown image format" :
				     "unknown image format (empty data)");
	if (!strcmp(fmt, "png"))
		err = decode_png(img, data, len);
	else if (!strcmp(fmt, "jpeg"))
		err = decode_jpeg(img, data, len);
	else if (!strcmp(fmt, "webp"))
		err = decode_webp(img, data, len);
	else if (!strcmp(fmt, "tiff"))
		err = decode_tiff(img, data, len);
	else
		err = decode_layered(img, data, len, fmt);
	if (err < 0) {
		vlt_image_release(img);
		return err;
	}
	snprintf(img->format, sizeof(img->format), "%s", fmt);
	return 0;
}

/* The size of a JPEG from its header (libjpeg reads no pixel data). */
static int jpeg_size(const void *data, size_t len, uint32_t *w, uint32_t *h)
{
	struct jpeg_decompress_struct cinfo;
	struct jpeg_err jerr;

	memset(&cinfo, 0, sizeof(cinfo));
	cinfo.err = jpeg_std_error(&jerr.pub);
	jerr.pub.error_exit = jpeg_fail;
	jerr.pub.emit_message = jpeg_warn;
	jerr.pub.output_message = jpeg_quiet;
	if (setjmp(jerr.jump)) {
		jpeg_destroy_decompress(&cinfo);
		return vlt_error_set(VLT_E_CORRUPT, "jpeg: %s", jerr.msg);
	}
	jpeg_create_decompress(&cinfo);
	if (len > ULONG_MAX)
		ERREXIT(&cinfo, JERR_INPUT_EOF);
	jpeg_mem_src(&cinfo, data, (unsigned long)len);
	jpeg_read_header(&cinfo, TRUE);
	*w = cinfo.image_width;
	*h = cinfo.image_height;
	jpeg_destroy_decompress(&cinfo);
	return 0;
}

int vlt_image_size(const void *data, size_t len, uint32_t *w, uint32_t *h)
{
	const char *fmt = vlt_image_sniff(data, len);

	if (fmt && !strcmp(fmt, "png")) {
		struct spng_ihdr ihdr;
		spng_ctx *ctx = spng_ctx_new(0);
		int rc;

		if (!ctx)
			return vlt_error_set(VLT_E_NOMEM, "png: out of memory");
		if ((rc = spng_set_png_buffer(ctx, data, len)) ||
		    (rc = spng_get_ihdr(ctx, &ihdr))) {
			spng_ctx_free(ctx);
			return png_error(rc, "header");
		}
		spng_ctx_free(ctx);
		*w = ihdr.width;
		*h = ihdr.height;
		return 0;
	}
	if (fmt && !strcmp(fmt, "jpeg"))
		return jpeg_size(data, len, w, h);
	if (fmt && !strcmp(fmt, "webp")) {
		int iw, ih;

		if (!WebPGetInfo(data, len, &iw, &ih))
			return vlt_error_set(VLT_E_CORRUPT, "webp: malformed "
					     "header");
		*w = (uint32_t)iw;
		*h = (uint32_t)ih;
		return 0;
	}
	return vlt_error_set(VLT_E_UNSUPPORTED, "%s: the size is known only "
			     "by decoding", fmt ? fmt : "unknown image format");
}

int vlt_image_load(struct vlt_image *img, const char *path)
{
	struct vlt_buf data = VLT_BUF_INIT;
	int err;

	/* every supported format needs the whole file to decode anyway */
	vlt_image_init(img);
	if ((err = vlt_read_file(path, &data)) >= 0 &&
	    (err = vlt_image_decode(img, data.data, data.len)) < 0)
		err = vlt_error_wrap(err, "%s", path);
	vlt_buf_release(&data);
	return err;
}

struct decode_job {
	struct vlt_image *img;
	const void *data;
	size_t len;
	int err;
	char msg[1024];
};

/* Always 0: the other image is decoded whatever becomes of this one. */
static int decode_item(void *arg, size_t i)
{
	struct decode_job *j = (struct decode_job *)arg + i;

	j->err = vlt_image_decode(j->img, j->data, j->len);
	if (j->err < 0)
		snprintf(j->msg, sizeof(j->msg), "%s", vlt_error_last());
	return 0;
}

int vlt_image_decode_pair(struct vlt_image *a, const void *data_a,
			  size_t len_a, struct vlt_image *b,
			  const void *data_b, size_t len_b, int *failed)
{
	struct decode_job jobs[2] = { { a, data_a, len_a, 0, "" },
				      { b, data_b, len_b, 0, "" } };
	struct decode_job *ja = &jobs[0], *jb = &jobs[1];

	vlt_image_init(a);
	vlt_image_init(b);
	(void)vlt_pool_for(vlt_pool_threads(0, 2), 2, decode_item, jobs);
	if (failed)
		*failed = ja->err < 0 ? 0 : jb->err < 0 ? 1 : -1;
	if (ja->err < 0 || jb->err < 0) {
		struct decode_job *j = ja->err < 0 ? ja : jb;

		vlt_image_release(a);
		vlt_image_release(b);
		return vlt_error_set(j->err, "%s", j->msg);
	}
	return 0;
}

/* --- thumbnails ------------------------------------------------------ */

/*
 * Exact area averaging: output column ox covers source columns
 * [ox * w / tw, (ox + 1) * w / tw); working in units of 1/tw (and 1/th)
 * source pixels, every overlap is an integer. Colours are averaged
 * premultiplied by alpha, so transparent pixels do not bleed their
 * (invisible) colour into the result.
 */
static void reduce_row(const uint8_t *src, uint32_t w, uint32_t tw,
		       double *acc, double weight)
{
	uint32_t sx = 0;

	for (uint32_t ox = 0; ox < tw; ox++) {
		uint64_t lo = (uint64_t)ox * w, hi = lo + w;
		double r = 0, g = 0, b = 0, a = 0;

		for (; sx < w; sx++) {
			uint64_t s0 = (uint64_t)sx * tw, s1 = s0 + tw;
			uint64_t o0 = s0 > lo ? s0 : lo, o1 = s1 < hi ? s1 : hi;
			const uint8_t *p = src + (size_t)sx * 4;
			double f = (double)(o1 - o0) * p[3];

			if (s0 >= hi)
				break;
			r += f * p[0];
			g += f * p[1];
			b += f * p[2];
			a += f;
			if (s1 > hi)
				break;  /* this column also feeds ox + 1 */
		}
		acc[ox * 4] += weight * r;
		acc[ox * 4 + 1] += weight * g;
		acc[ox * 4 + 2] += weight * b;
		acc[ox * 4 + 3] += weight * a;
	}
}

int vlt_image_thumbnail(struct vlt_image *dst, const struct vlt_image *src,
			uint32_t max_w, uint32_t max_h)
{
	uint32_t w = src->width, h = src->height, tw, th;
	double *acc;

	vlt_image_init(dst);
	if (!max_w || !max_h || !w || !h || !src->rgba)
		return vlt_error_set(VLT_E_INVALID, "thumbnail: empty image or "
				     "box");
	if ((uint64_t)w * max_h >= (uint64_t)h * max_w) {
		tw = w < max_w ? w : max_w;
		th = (uint32_t)(((uint64_t)h * tw + w / 2) / w);
	} else {
		th = h < max_h ? h : max_h;
		tw = (uint32_t)(((uint64_t)w * th + h / 2) / h);
	}
	if (!tw)
		tw = 1;
	if (!th)
		th = 1;
	VLT_TRY(alloc_pixels(dst, "thumbnail", tw, th));
	dst->bit_depth = 8;
	dst->channels = 4;
	snprintf(dst->format, sizeof(dst->format), "%s", src->format);
	if (tw == w && th == h) {
		memcpy(dst->rgba, src->rgba, (size_t)w * h * 4);
		return 0;
	}
	acc = malloc((size_t)tw * 4 * sizeof(*acc));
	if (!acc) {
		vlt_image_release(dst);
		return vlt_error_set(VLT_E_NOMEM, "thumbnail: out of memory");
	}
	for (uint32_t oy = 0, sy = 0; oy < th; oy++) {
		uint64_t lo = (uint64_t)oy * h, hi = lo + h;
		double area = (double)w * h;  /* the sum of the weights */
		uint8_t *out = dst->rgba + (size_t)oy * tw * 4;

		memset(acc, 0, (size_t)tw * 4 * sizeof(*acc));
		for (; sy < h; sy++) {
			uint64_t s0 = (uint64_t)sy * th, s1 = s0 + th;
			uint64_t o0 = s0 > lo ? s0 : lo, o1 = s1 < hi ? s1 : hi;

			if (s0 >= hi)
				break;
			reduce_row(src->rgba + (size_t)sy * w * 4, w, tw, acc,
				   (double)(o1 - o0));
			if (s1 > hi)
				break;
		}
		for (uint32_t ox = 0; ox < tw; ox++) {
			double a = acc[ox * 4 + 3];

			for (int c = 0; c < 3; c++)
				out[ox * 4 + c] = a > 0 ?
					(uint8_t)(acc[ox * 4 + c] / a + 0.5) : 0;
			out[ox * 4 + 3] = (uint8_t)(a / area + 0.5);
		}
	}
	free(acc);
	return 0;
}

/* The source pixels (and weights summing to 1) of each output pixel along
 * one axis of n -> m pixels: the covered fraction of each source pixel
 * when shrinking, the two nearest (bilinear) when growing. */
struct taps {
	uint32_t *first;   /* m + 1 offsets into idx/w */
	uint32_t *idx;
	float *w;
};

static void taps_free(struct taps *t)
{
	free(t->first);
	free(t->idx);
	free(t->w);
}

static int taps_make(struct taps *t, uint32_t n, uint32_t m)
{
	size_t per = m < n ? (size_t)(n / m) + 2 : 2, k = 0;

	t->first = malloc(((size_t)m + 1) * sizeof(*t->first));
	t->idx = malloc((size_t)m * per * sizeof(*t->idx));
	t->w = malloc((size_t)m * per * sizeof(*t->w));
	if (!t->first || !t->idx || !t->w) {
		taps_free(t);
		return vlt_error_set(VLT_E_NOMEM, "resize: out of memory");
	}
	for (uint32_t i = 0; i < m; i++) {
		t->first[i] = (uint32_t)k;
		if (m <= n) {
			double lo = (double)i * n / m, hi = (double)(i + 1) * n / m;

			for (uint32_t j = (uint32_t)lo; j < n && j < hi; j++) {
				double a = j > lo ? j : lo, b = j + 1 < hi ? j + 1 : hi;

				if (b <= a)
					continue;
				t->idx[k] = j;
				t->w[k++] = (float)((b - a) * m / n);
			}
		} else {
			double c = (i + 0.5) * n / m - 0.5, f = floor(c);
			int64_t j = (int64_t)f;
			float frac = (float)(c - f);

			t->idx[k] = (uint32_t)(j < 0 ? 0 : j);
			t->w[k++] = 1 - frac;
			t->idx[k] = (uint32_t)(j + 1 >= n ? n - 1 : j + 1);
			t->w[k++] = frac;
		}
	}
	t->first[m] = (uint32_t)k;
	return 0;
}

int vlt_image_resize(struct vlt_image *dst, const struct vlt_image *src,
		     uint32_t w, uint32_t h)
{
	struct taps tx = { 0 }, ty = { 0 };
	float *mid = NULL;
	int err;

	vlt_image_init(dst);
	if (!w || !h || !src->width || !src->height || !src->rgba)
		return vlt_error_set(VLT_E_INVALID, "resize: empty image or size");
	if ((uint64_t)w * h > VLT_IMAGE_MAX_PIXELS ||
	    (uint64_t)w * src->height > VLT_IMAGE_MAX_PIXELS)
		return vlt_error_set(VLT_E_INVALID, "resize: %ux%u is larger "
				     "than the limit", w, h);
	if ((err = taps_make(&tx, src->width, w)) < 0 ||
	    (err = taps_make(&ty, src->height, h)) < 0)
		goto done;
	/* horizontal pass: premultiplied RGBA as floats, w x src->height */
	mid = malloc((size_t)w * src->height * 4 * sizeof(*mid));
	if (!mid) {
		err = vlt_error_set(VLT_E_NOMEM, "resize: out of memory");
		goto done;
	}
	for (uint32_t y = 0; y < src->height; y++) {
		const uint8_t *row = src->rgba + (size_t)y * src->width * 4;
		float *o = mid + (size_t)y * w * 4;

		for (uint32_t x = 0; x < w; x++) {
			float acc[4] = { 0, 0, 0, 0 };

			for (uint32_t k = tx.first[x]; k < tx.first[x + 1]; k++) {
				const uint8_t *p = row + (size_t)tx.idx[k] * 4;
				float a = p[3] * tx.w[k];

				acc[0] += p[0] * a;
				acc[1] += p[1] * a;
				acc[2] += p[2] * a;
				acc[3] += a;
			}
			memcpy(o + (size_t)x * 4, acc, sizeof(acc));
		}
	}
	if ((err = alloc_pixels(dst, "resize", w, h)) < 0)
		goto done;
	dst->bit_depth = 8;
	dst->channels = 4;
	snprintf(dst->format, sizeof(dst->format), "%s", src->format);
	for (uint32_t y = 0; y < h; y++) {
		uint8_t *o = dst->rgba + (size_t)y * w * 4;

		for (uint32_t x = 0; x < w; x++) {
			float acc[4] = { 0, 0, 0, 0 };

			for (uint32_t k = ty.first[y]; k < ty.first[y + 1]; k++) {
				const float *p = mid + ((size_t)ty.idx[k] * w + x) * 4;

				for (int c = 0; c < 4; c++)
					acc[c] += p[c] * ty.w[k];
			}
			for (int c = 0; c < 3; c++) {
				float v = acc[3] > 0 ? acc[c] / acc[3] : 0;

				o[x * 4 + c] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 :
							 v + 0.5f);
			}
			o[x * 4 + 3] = (uint8_t)(acc[3] < 0 ? 0 : acc[3] > 255 ?
						 255 : acc[3] + 0.5f);
		}
	}
done:
	free(mid);
	taps_free(&tx);
	taps_free(&ty);
	return err;
}
