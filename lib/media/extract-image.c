/*
 * extract-image.c - a rectangle "x,y,w,h" of a picture: cut out
 * (extract) or pasted from an older version (replace).
 *
 * Decoding is lib/media/image.c's; what is here are the encoders a crop
 * or a patched picture is written with: PNG through image.c, JPEG
 * (libjpeg, quality 92, so a replace says it recompressed), WebP (lossless
 * when the source was, else quality 92) and TIFF (libtiff, 8-bit RGBA,
 * deflate). Pixels are 8-bit RGBA throughout: a 16-bit source is written
 * at 8 bits, and a warning says so.
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <tiffio.h>
#include <webp/encode.h>

#include "error.h"
#include "extract-internal.h"
#include "image.h"

#define JPEG_QUALITY 92
#define WEBP_QUALITY 92.0f

/* "x,y,w,h": four non-negative integers, w and h at least 1. */
static int parse_rect(const char *s, uint32_t r[4])
{
	const char *p = s;
	int i;

	for (i = 0; i < 4; i++) {
		char *end;
		unsigned long long v;

		if (*p < '0' || *p > '9')
			goto bad;
		errno = 0;
		v = strtoull(p, &end, 10);
		if (errno || v > UINT32_MAX)
			goto bad;
		r[i] = (uint32_t)v;
		p = end;
		if (i < 3 && *p++ != ',')
			goto bad;
	}
	if (*p || !r[2] || !r[3])
		goto bad;
	return 0;
bad:
	return vlt_error_set(VLT_E_INVALID, "'%s' is not a rectangle: give "
			     "x,y,w,h in pixels (w and h at least 1)", s);
}

static int check_inside(const uint32_t r[4], const struct vlt_image *img,
			const char *which)
{
	if ((uint64_t)r[0] + r[2] > img->width ||
	    (uint64_t)r[1] + r[3] > img->height)
		return vlt_error_set(VLT_E_INVALID, "rectangle %" PRIu32 ",%"
				     PRIu32 ",%" PRIu32 ",%" PRIu32 " is "
				     "outside the %s%spicture (%" PRIu32 "x%"
				     PRIu32 ")", r[0], r[1], r[2], r[3], which,
				     *which ? " " : "",
				     img->width, img->height);
	return 0;
}

struct jpeg_enc_err {
	struct jpeg_error_mgr pub;
	jmp_buf jump;
};

static void jpeg_enc_fail(j_common_ptr cinfo)
{
	longjmp(((struct jpeg_enc_err *)cinfo->err)->jump, 1);
}

static int encode_jpeg(const struct vlt_image *img, struct vlt_buf *out)
{
	struct jpeg_compress_struct c;
	struct jpeg_enc_err jerr;
	unsigned char *mem = NULL;
	unsigned long size = 0;
	uint8_t *row = NULL;
	int err = 0;

	if (!(row = malloc((size_t)img->width * 3)))
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	memset(&c, 0, sizeof(c));
	c.err = jpeg_std_error(&jerr.pub);
	jerr.pub.error_exit = jpeg_enc_fail;
	if (setjmp(jerr.jump)) {
		char msg[JMSG_LENGTH_MAX];

		(*c.err->format_message)((j_common_ptr)&c, msg);
		err = vlt_error_set(VLT_E_GENERIC, "JPEG encoder: %s", msg);
		goto done;
	}
	jpeg_create_compress(&c);
	jpeg_mem_dest(&c, &mem, &size);
	c.image_width = img->width;
	c.image_height = img->height;
	c.input_components = 3;
	c.in_color_space = JCS_RGB;
	jpeg_set_defaults(&c);
	jpeg_set_quality(&c, JPEG_QUALITY, TRUE);
	jpeg_start_compress(&c, TRUE);
	while (c.next_scanline < c.image_height) {
		const uint8_t *src = img->rgba +
			(size_t)c.next_scanline * img->width * 4;
		JSAMPROW rp = row;
		uint32_t x;

		for (x = 0; x < img->width; x++)
			memcpy(row + x * 3, src + (size_t)x * 4, 3);
		jpeg_write_scanlines(&c, &rp, 1);
	}
	jpeg_finish_compress(&c);
	err = vlt_buf_set(out, mem, size);
done:
	jpeg_destroy_compress(&c);
	free(mem);
	free(row);
	return err;
}

static int encode_webp(const struct vlt_image *img, int lossless,
		       struct vlt_buf *out)
{
	uint8_t *mem = NULL;
	size_t n;
	int err;

	if (img->width > WEBP_MAX_DIMENSION || img->height > WEBP_MAX_DIMENSION)
		return vlt_error_set(VLT_E_UNSUPPORTED, "%" PRIu32 "x%" PRIu32
				     " is larger than WebP allows",
				     img->width, img->height);
	if (lossless)
		n = WebPEncodeLosslessRGBA(img->rgba, (int)img->width,
					   (int)img->height,
					   (int)img->width * 4, &mem);
	else
		n = WebPEncodeRGBA(img->rgba, (int)img->width,
				   (int)img->height, (int)img->width * 4,
				   WEBP_QUALITY, &mem);
	if (!n) {
		WebPFree(mem);
		return vlt_error_set(VLT_E_GENERIC, "WebP encoder failed");
	}
	err = vlt_buf_set(out, mem, n);
	WebPFree(mem);
	return err;
}

/* libtiff writing into a vlt_buf. */
struct tiff_out {
	struct vlt_buf *b;
	size_t pos;
	int failed;
};

static tmsize_t tout_read(thandle_t h, void *buf, tmsize_t n)
{
	struct tiff_out *t = h;
	size_t left = t->pos < t->b->len ? t->b->len - t->pos : 0;

	if (n < 0)
		return -1;
	if ((size_t)n > left)
		n = (tmsize_t)left;
	if (n)
		memcpy(buf, t->b->data + t->pos, (size_t)n);
	t->pos += (size_t)n;
	return n;
}

static tmsize_t tout_write(thandle_t h, void *buf, tmsize_t n)
{
	struct tiff_out *t = h;
	size_t end;

	if (n < 0)
		return -1;
	end = t->pos + (size_t)n;
	if (end > t->b->len) {
		if (vlt_buf_grow(t->b, end - t->b->len) < 0) {
			t->failed = 1;
			return -1;
		}
		memset(t->b->data + t->b->len, 0, end - t->b->len);
		vlt_buf_setlen(t->b, end);
	}
	if (n)
		memcpy(t->b->data + t->pos, buf, (size_t)n);
	t->pos = end;
	return n;
}

static toff_t tout_seek(thandle_t h, toff_t off, int whence)
{
	struct tiff_out *t = h;
	uint64_t base = whence == SEEK_CUR ? t->pos :
			whence == SEEK_END ? t->b->len : 0;

	if (off > (toff_t)SIZE_MAX - base)
		return (toff_t)-1;
	t->pos = (size_t)(base + off);
	return t->pos;
}

static int tout_close(thandle_t h)
{
	(void)h;
	return 0;
}

static toff_t tout_size(thandle_t h)
{
	return ((struct tiff_out *)h)->b->len;
}

static int tout_map(thandle_t h, void **base, toff_t *size)
{
	(void)h; (void)base; (void)size;
	return 0;
}

static void tout_unmap(thandle_t h, void *base, toff_t size)
{
	(void)h; (void)base; (void)size;
}

static int encode_tiff(const struct vlt_image *img, struct vlt_buf *out)
{
	struct tiff_out t = { out, 0, 0 };
	uint16_t extra = EXTRASAMPLE_UNASSALPHA;
	uint32_t y;
	TIFF *tif;

	vlt_buf_reset(out);
	tif = TIFFClientOpen("crop", "w", &t, tout_read, tout_write, tout_seek,
			     tout_close, tout_size, tout_map, tout_unmap);
	if (!tif)
		return vlt_error_set(VLT_E_GENERIC, "TIFF encoder: cannot "
				     "start");
	TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, img->width);
	TIFFSetField(tif, TIFFTAG_IMAGELENGTH, img->height);
	TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 4);
	TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, 8);
	TIFFSetField(tif, TIFFTAG_EXTRASAMPLES, 1, &extra);
	TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_RGB);
	TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
	TIFFSetField(tif, TIFFTAG_COMPRESSION, COMPRESSION_ADOBE_DEFLATE);
	TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP,
		     TIFFDefaultStripSize(tif, 0));
	for (y = 0; y < img->height; y++)
		if (TIFFWriteScanline(tif, img->rgba +
				      (size_t)y * img->width * 4, y, 0) < 0) {
			TIFFClose(tif);
			return vlt_error_set(VLT_E_GENERIC, "TIFF encoder: "
					     "cannot write row %" PRIu32, y);
		}
	TIFFClose(tif);
	if (t.failed)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	return 0;
}

/* A lossless WebP stores a VP8L chunk; a lossy one VP8 (maybe inside
 * VP8X with ALPH). */
static int webp_is_lossless(const uint8_t *p, size_t len)
{
	return len >= 16 && !memcmp(p + 12, "VP8L", 4);
}

static int encode_as(const struct vlt_image *img, const char *fmt,
		     int lossless, struct vlt_buf *out)
{
	if (!strcmp(fmt, "jpeg"))
		return encode_jpeg(img, out);
	if (!strcmp(fmt, "webp"))
		return encode_webp(img, lossless, out);
	if (!strcmp(fmt, "tiff"))
		return encode_tiff(img, out);
	return vlt_image_encode_png(img, out);
}

static const char *format_by_name(const char *name)
{
	if (vlt_extract_has_ext(name, ".jpg") ||
	    vlt_extract_has_ext(name, ".jpeg"))
		return "jpeg";
	if (vlt_extract_has_ext(name, ".webp"))
		return "webp";
	if (vlt_extract_has_ext(name, ".tif") ||
	    vlt_extract_has_ext(name, ".tiff"))
		return "tiff";
	return "png";
}

static void crop(const struct vlt_image *src, const uint32_t r[4],
		 struct vlt_image *dst)
{
	uint32_t y;

	for (y = 0; y < r[3]; y++)
		memcpy(dst->rgba + (size_t)y * r[2] * 4,
		       src->rgba + ((size_t)(r[1] + y) * src->width + r[0]) * 4,
		       (size_t)r[2] * 4);
}

static int warn_depth(const struct vlt_image *img, const char *which,
		      struct vlt_extract_result *res)
{
	if (img->bit_depth > 8)
		return vlt_extract_warn(res, "the %s picture has %u-bit "
					"samples: they are written at 8 bits",
					which, img->bit_depth);
	return 0;
}

int vlt_rect_extract(const void *data, size_t len, const char *element,
		     const char *out_name, struct vlt_extract_result *res)
{
	struct vlt_image img, out;
	const char *fmt = format_by_name(out_name);
	uint32_t r[4];
	int err;

	if ((err = parse_rect(element, r)) < 0)
		return err;
	vlt_image_init(&img);
	vlt_image_init(&out);
	if ((err = vlt_image_decode(&img, data, len)) < 0 ||
	    (err = check_inside(r, &img, "")) < 0 ||
	    (err = vlt_image_alloc(&out, r[2], r[3])) < 0)
		goto done;
	crop(&img, r, &out);
	if ((err = warn_depth(&img, "old", res)) < 0)
		goto done;
	if (!strcmp(fmt, "jpeg") &&
	    (err = vlt_extract_warn(res, "JPEG output is lossy: the crop is "
				    "re-encoded at quality %d and its alpha "
				    "is dropped", JPEG_QUALITY)) < 0)
		goto done;
	err = encode_as(&out, fmt, 1, &res->data);
done:
	vlt_image_release(&img);
	vlt_image_release(&out);
	return err;
}

int vlt_rect_replace(const void *cur, size_t cur_len, const void *old,
		     size_t old_len, const char *element,
		     struct vlt_extract_result *res)
{
	struct vlt_image a, b;
	const char *fmt = vlt_image_sniff(cur, cur_len);
	int lossless = 1;
	uint32_t r[4], y;
	int err;

	if ((err = parse_rect(element, r)) < 0)
		return err;
	vlt_image_init(&a);
	vlt_image_init(&b);
	if ((err = vlt_image_decode(&a, cur, cur_len)) < 0 ||
	    (err = check_inside(r, &a, "current")) < 0 ||
	    (err = vlt_image_decode(&b, old, old_len)) < 0 ||
	    (err = check_inside(r, &b, "old")) < 0)
		goto done;
	for (y = 0; y < r[3]; y++)
		memcpy(a.rgba + ((size_t)(r[1] + y) * a.width + r[0]) * 4,
		       b.rgba + ((size_t)(r[1] + y) * b.width + r[0]) * 4,
		       (size_t)r[2] * 4);
	if ((err = warn_depth(&a, "current", res)) < 0)
		goto done;
	if (!strcmp(fmt, "jpeg"))
		err = vlt_extract_warn(res, "JPEG is lossy: the whole picture "
				       "is recompressed (quality %d), pixels "
				       "outside the rectangle change a little",
				       JPEG_QUALITY);
	if (!strcmp(fmt, "webp") && !webp_is_lossless(cur, cur_len)) {
		lossless = 0;
		err = vlt_extract_warn(res, "the WebP file is lossy: the whole "
				       "picture is recompressed (quality %.0f)",
				       (double)WEBP_QUALITY);
	}
	if (err < 0)
		goto done;
	err = encode_as(&a, fmt, lossless, &res->data);
done:
	vlt_image_release(&a);
	vlt_image_release(&b);
	return err;
}
