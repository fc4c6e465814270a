/*
 * image.c - unit tests for lib/media/image.c: format sniffing, PNG of every
 * colour type and depth, JPEG, WebP and TIFF decoding, damaged and
 * hostile input (truncated, garbage, empty, decompression bombs), PNG
 * round trips, thumbnails and the two-image decoder. The test images are
 * made here with the same libraries' encoders.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <spng.h>
#include <tiffio.h>
#include <webp/encode.h>
#include <zlib.h>

#include "buf.h"
#include "error.h"
#include "fsutil.h"
#include "image.h"
#include "tap.h"

/* Encode raw samples (big-endian for 16 bits) as a PNG into out. */
static int png_raw(struct vlt_buf *out, uint32_t w, uint32_t h, int type,
		   int depth, const void *raw, size_t len,
		   const struct spng_plte *plte, const struct spng_trns *trns)
{
	struct spng_ihdr ihdr = { 0 };
	spng_ctx *ctx = spng_ctx_new(SPNG_CTX_ENCODER);
	void *png;
	size_t n;
	int rc;

	ihdr.width = w;
	ihdr.height = h;
	ihdr.bit_depth = (uint8_t)depth;
	ihdr.color_type = (uint8_t)type;
	spng_set_ihdr(ctx, &ihdr);
	if (plte)
		spng_set_plte(ctx, (struct spng_plte *)plte);
	if (trns)
		spng_set_trns(ctx, (struct spng_trns *)trns);
	spng_set_option(ctx, SPNG_ENCODE_TO_BUFFER, 1);
	rc = spng_encode_image(ctx, raw, len, SPNG_FMT_RAW, SPNG_ENCODE_FINALIZE);
	png = rc ? NULL : spng_get_png_buffer(ctx, &n, &rc);
	if (png)
		vlt_buf_set(out, png, n);
	free(png);
	spng_ctx_free(ctx);
	return rc ? -1 : 0;
}

static void fill_pattern(struct vlt_image *img)
{
	for (uint32_t y = 0; y < img->height; y++)
		for (uint32_t x = 0; x < img->width; x++) {
			uint8_t *p = img->rgba + ((size_t)y * img->width + x) * 4;

			p[0] = (uint8_t)(x * 16);
			p[1] = (uint8_t)(y * 16);
			p[2] = (uint8_t)(x ^ y);
			p[3] = (uint8_t)(255 - x);
		}
}

static void test_sniff(void)
{
	is_str(vlt_image_sniff("\x89PNG\r\n\x1a\n....", 12), "png", "PNG sniffed");
	is_str(vlt_image_sniff("\xff\xd8\xff\xe0", 4), "jpeg", "JPEG sniffed");
	is_str(vlt_image_sniff("RIFF\0\0\0\0WEBPVP8 ", 16), "webp",
	       "WebP sniffed");
	is_str(vlt_image_sniff("II*\0\x08\0\0\0", 8), "tiff",
	       "little-endian TIFF sniffed");
	is_str(vlt_image_sniff("MM\0*\0\0\0\x08", 8), "tiff",
	       "big-endian TIFF sniffed");
	ok(!vlt_image_sniff("GIF89a", 6), "GIF is not a supported format");
	ok(!vlt_image_sniff("\x89PN", 3), "a cut signature is not sniffed");
	ok(!vlt_image_sniff("", 0), "nothing is not sniffed");
}

static void test_png_roundtrip(void)
{
	struct vlt_image img, back;
	struct vlt_buf png = VLT_BUF_INIT;
	struct vlt_buf path = VLT_BUF_INIT;

	ok(vlt_image_alloc(&img, 16, 9) == 0 && img.rgba[3] == 255 &&
	   img.rgba[0] == 0, "alloc gives an opaque black canvas");
	fill_pattern(&img);
	ok(vlt_image_encode_png(&img, &png) == 0 && png.len > 8,
	   "RGBA8 encodes as PNG");
	ok(vlt_image_decode(&back, png.data, png.len) == 0, "and decodes");
	ok(back.width == 16 && back.height == 9 &&
	   !memcmp(back.rgba, img.rgba, 16 * 9 * 4), "to the same pixels");
	ok(back.bit_depth == 8 && back.channels == 4 && !back.rgba16 &&
	   !strcmp(back.format, "png"), "8-bit RGBA, no 16-bit copy");
	vlt_image_release(&back);

	vlt_buf_addf(&path, "%s/out.png", tap_tmpdir());
	ok(vlt_image_write_png_level(&img, path.data, 1) == 0,
	   "write_png_level writes a file");
	ok(vlt_image_load(&back, path.data) == 0 &&
	   !memcmp(back.rgba, img.rgba, 16 * 9 * 4), "load reads it back");
	vlt_image_release(&back);
	vlt_image_release(&back);
	ok(vlt_image_write_png(&img, path.data) == 0, "write_png replaces it");
	vlt_image_release(&img);
	vlt_buf_release(&png);
	vlt_buf_release(&path);
}

static void test_png_kinds(void)
{
	struct vlt_buf png = VLT_BUF_INIT;
	struct vlt_image img;
	/* 16-bit RGBA, 2x1, big-endian samples */
	static const uint8_t rgba16[] = {
		0x80, 0x7f, 0x00, 0x80, 0xff, 0xff, 0xff, 0xff,
		0x12, 0x34, 0x00, 0x00, 0x01, 0x00, 0x80, 0x80,
	};
	static const uint8_t grey8[] = { 0, 128, 255 };
	static const uint8_t grey2[] = { 0x1b };  /* 0,1,2,3 in 2-bit */
	static const uint8_t ga16[] = { 0xff, 0xff, 0x80, 0x00 };
	static const uint8_t pal[] = { 0, 1, 1, 0 };
	struct spng_plte plte = { 0 };
	struct spng_trns trns = { 0 };

	png_raw(&png, 2, 1, SPNG_COLOR_TYPE_TRUECOLOR_ALPHA, 16, rgba16,
		sizeof(rgba16), NULL, NULL);
	ok(vlt_image_decode(&img, png.data, png.len) == 0 && img.rgba16 &&
	   img.bit_depth == 16, "16-bit RGBA PNG keeps 16-bit samples");
	ok(img.rgba16 && img.rgba16[0] == 0x807f && img.rgba16[7] == 0x8080,
	   "16-bit samples in host order");
	/* pngjs: floor(v * 255 / 65535 + 0.5) */
	ok(img.rgba[0] == 128 && img.rgba[1] == 0 && img.rgba[2] == 255 &&
	   img.rgba[4] == 18 &&
	   img.rgba[6] == 1 && img.rgba[7] == 128,
	   "16 -> 8 bits rounds like pngjs");
	vlt_image_release(&img);

	png_raw(&png, 3, 1, SPNG_COLOR_TYPE_GRAYSCALE, 8, grey8, 3, NULL, NULL);
	ok(vlt_image_decode(&img, png.data, png.len) == 0 && img.channels == 1 &&
	   img.rgba[4] == 128 && img.rgba[5] == 128 && img.rgba[6] == 128 &&
	   img.rgba[7] == 255, "grey PNG becomes grey opaque RGBA");
	vlt_image_release(&img);

	png_raw(&png, 4, 1, SPNG_COLOR_TYPE_GRAYSCALE, 2, grey2, 1, NULL, NULL);
	ok(vlt_image_decode(&img, png.data, png.len) == 0 &&
	   img.bit_depth == 2 && img.rgba[0] == 0 && img.rgba[4] == 85 &&
	   img.rgba[8] == 170 && img.rgba[12] == 255,
	   "2-bit grey scales to 0, 85, 170, 255");
	vlt_image_release(&img);

	png_raw(&png, 1, 1, SPNG_COLOR_TYPE_GRAYSCALE_ALPHA, 16, ga16, 4, NULL,
		NULL);
	ok(vlt_image_decode(&img, png.data, png.len) == 0 && img.channels == 2 &&
	   img.rgba[0] == 255 && img.rgba[3] == 128 && img.rgba16 &&
	   img.rgba16[3] == 0x8000, "16-bit grey+alpha");
	vlt_image_release(&img);

	plte.n_entries = 2;
	plte.entries[0].red = 255;
	plte.entries[1].blue = 200;
	trns.n_type3_entries = 1;
	trns.type3_alpha[0] = 0;
	png_raw(&png, 2, 2, SPNG_COLOR_TYPE_INDEXED, 8, pal, 4, &plte, &trns);
	ok(vlt_image_decode(&img, png.data, png.len) == 0 && img.channels == 4 &&
	   img.rgba[0] == 255 && img.rgba[3] == 0 && img.rgba[6] == 200 &&
	   img.rgba[7] == 255, "palette with tRNS gets its transparency");
	vlt_image_release(&img);
	vlt_buf_release(&png);
}

static void test_png_damage(void)
{
	struct vlt_buf png = VLT_BUF_INIT;
	struct vlt_image img, src;
	unsigned char hdr[33];
	int err;

	vlt_image_alloc(&src, 64, 64);
	fill_pattern(&src);
	vlt_image_encode_png(&src, &png);
	err = vlt_image_decode(&img, png.data, png.len / 2);
	ok(err == VLT_E_CORRUPT && strstr(vlt_error_last(), "png"),
	   "a truncated PNG is corrupt");
	tap_diag("  %s", vlt_error_last());
	ok(!img.rgba && !img.width, "and leaves nothing allocated");
	png.data[png.len / 2] ^= 0x55;
	ok(vlt_image_decode(&img, png.data, png.len) == VLT_E_CORRUPT,
	   "a flipped byte in the pixel data is corrupt (CRC)");
	is_int(vlt_image_decode(&img, "garbage bytes here", 18),
	       VLT_E_UNSUPPORTED, "garbage is an unknown format");
	ok(strstr(vlt_error_last(), "unknown image format") != NULL,
	   "named as such");
	is_int(vlt_image_decode(&img, "", 0), VLT_E_UNSUPPORTED,
	       "empty data is an unknown format");

	/* a decompression bomb: an IHDR that promises 100000 x 100000 */
	memcpy(hdr, "\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR", 16);
	vlt_put_be32(hdr + 16, 100000);
	vlt_put_be32(hdr + 20, 100000);
	memcpy(hdr + 24, "\x08\x06\0\0\0", 5);
	vlt_put_be32(hdr + 29, (uint32_t)crc32(0, hdr + 12, 17));
	err = vlt_image_decode(&img, hdr, sizeof(hdr));
	ok(err == VLT_E_UNSUPPORTED && strstr(vlt_error_last(), "limit"),
	   "a PNG claiming 10^10 pixels is refused before allocating");
	tap_diag("  %s", vlt_error_last());
	vlt_image_release(&src);
	vlt_buf_release(&png);
}

static void jpeg_encode(struct vlt_buf *out, uint32_t w, uint32_t h,
			int quality)
{
	struct jpeg_compress_struct c;
	struct jpeg_error_mgr err;
	unsigned char *mem = NULL;
	unsigned long len = 0;
	uint8_t *row = malloc((size_t)w * 3);

	c.err = jpeg_std_error(&err);
	jpeg_create_compress(&c);
	jpeg_mem_dest(&c, &mem, &len);
	c.image_width = w;
	c.image_height = h;
	c.input_components = 3;
	c.in_color_space = JCS_RGB;
	jpeg_set_defaults(&c);
	jpeg_set_quality(&c, quality, TRUE);
	jpeg_start_compress(&c, TRUE);
	while (c.next_scanline < h) {
		JSAMPROW r = row;

		for (uint32_t x = 0; x < w; x++) {
			row[x * 3] = 200;
			row[x * 3 + 1] = (uint8_t)(x < w / 2 ? 40 : 160);
			row[x * 3 + 2] = 90;
		}
		jpeg_write_scanlines(&c, &r, 1);
	}
	jpeg_finish_compress(&c);
	vlt_buf_set(out, mem, len);
	jpeg_destroy_compress(&c);
	free(mem);
	free(row);
}

/* An Adobe-style (inverted) CMYK JPEG: cyan ink on the left half. */
static void jpeg_cmyk(struct vlt_buf *out)
{
	struct jpeg_compress_struct c;
	struct jpeg_error_mgr err;
	unsigned char *mem = NULL;
	unsigned long len = 0;
	uint8_t row[16 * 4];

	c.err = jpeg_std_error(&err);
	jpeg_create_compress(&c);
	jpeg_mem_dest(&c, &mem, &len);
	c.image_width = 16;
	c.image_height = 16;
	c.input_components = 4;
	c.in_color_space = JCS_CMYK;
	jpeg_set_defaults(&c);
	jpeg_set_quality(&c, 95, TRUE);
	jpeg_start_compress(&c, TRUE);
	for (int x = 0; x < 16; x++) {
		row[x * 4] = x < 8 ? 0 : 255;
		row[x * 4 + 1] = row[x * 4 + 2] = row[x * 4 + 3] = 255;
	}
	while (c.next_scanline < 16) {
		JSAMPROW r = row;

		jpeg_write_scanlines(&c, &r, 1);
	}
	jpeg_finish_compress(&c);
	vlt_buf_set(out, mem, len);
	jpeg_destroy_compress(&c);
	free(mem);
}

static void test_jpeg(void)
{
	struct vlt_buf jpg = VLT_BUF_INIT;
	struct vlt_image img;
	int err;

	jpeg_encode(&jpg, 64, 48, 95);
	ok(vlt_image_decode(&img, jpg.data, jpg.len) == 0 && img.width == 64 &&
	   img.height == 48 && !strcmp(img.format, "jpeg") && img.channels == 3,
	   "JPEG decodes");
	ok(abs(img.rgba[0] - 200) <= 3 && abs(img.rgba[1] - 40) <= 3 &&
	   abs(img.rgba[2] - 90) <= 3 && img.rgba[3] == 255,
	   "to about the colours encoded, opaque");
	vlt_image_release(&img);
	err = vlt_image_decode(&img, jpg.data, jpg.len * 2 / 3);
	ok(err == VLT_E_CORRUPT && strstr(vlt_error_last(), "jpeg"),
	   "a truncated JPEG is corrupt, not grey-filled");
	tap_diag("  %s", vlt_error_last());
	is_int(vlt_image_decode(&img, jpg.data, 3), VLT_E_CORRUPT,
	       "a JPEG of three bytes is corrupt");
	/* a bomb: patch the SOF0 size to 60000 x 60000 */
	for (size_t i = 2; i + 8 < jpg.len; i++)
		if ((unsigned char)jpg.data[i] == 0xff &&
		    (unsigned char)jpg.data[i + 1] == 0xc0) {
			jpg.data[i + 5] = (char)0xea;
			jpg.data[i + 6] = 0x60;
			jpg.data[i + 7] = (char)0xea;
			jpg.data[i + 8] = 0x60;
			break;
		}
	err = vlt_image_decode(&img, jpg.data, jpg.len);
	ok(err == VLT_E_UNSUPPORTED && strstr(vlt_error_last(), "limit"),
	   "a JPEG claiming 3.6 * 10^9 pixels is refused");
	jpeg_cmyk(&jpg);
	ok(vlt_image_decode(&img, jpg.data, jpg.len) == 0 && img.channels == 4 &&
	   img.rgba[0] < 8 && img.rgba[1] > 247 && img.rgba[2] > 247 &&
	   img.rgba[15 * 4] > 247 && img.rgba[15 * 4 + 1] > 247,
	   "an Adobe CMYK JPEG becomes RGB: cyan and white");
	vlt_image_release(&img);
	vlt_buf_release(&jpg);
}

static void test_webp(void)
{
	struct vlt_image src, img;
	uint8_t *out = NULL;
	size_t len;

	vlt_image_alloc(&src, 20, 10);
	fill_pattern(&src);
	len = WebPEncodeLosslessRGBA(src.rgba, 20, 10, 80, &out);
	ok(len > 0, "libwebp encodes a lossless test image");
	ok(vlt_image_decode(&img, out, len) == 0 && img.width == 20 &&
	   !strcmp(img.format, "webp") && img.channels == 4,
	   "WebP decodes");
	ok(img.rgba && !memcmp(img.rgba, src.rgba, 20 * 10 * 4),
	   "lossless WebP gives the exact pixels");
	vlt_image_release(&img);
	is_int(vlt_image_decode(&img, out, len / 2), VLT_E_CORRUPT,
	       "a truncated WebP is corrupt");
	WebPFree(out);
	vlt_image_release(&src);
}

static void test_tiff(void)
{
	struct vlt_buf path = VLT_BUF_INIT, data = VLT_BUF_INIT;
	struct vlt_image img;
	uint16_t extra = EXTRASAMPLE_UNASSALPHA;
	TIFF *t;
	uint8_t row[8 * 4];
	int err;

	vlt_buf_addf(&path, "%s/t.tif", tap_tmpdir());
	t = TIFFOpen(path.data, "w");
	TIFFSetField(t, TIFFTAG_IMAGEWIDTH, 8);
	TIFFSetField(t, TIFFTAG_IMAGELENGTH, 4);
	TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, 8);
	TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, 4);
	TIFFSetField(t, TIFFTAG_EXTRASAMPLES, 1, &extra);
	TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_RGB);
	TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
	TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, 4);
	for (uint32_t y = 0; y < 4; y++) {
		for (int x = 0; x < 8; x++) {
			row[x * 4] = (uint8_t)(x * 30);
			row[x * 4 + 1] = (uint8_t)(y * 60);
			row[x * 4 + 2] = 77;
			row[x * 4 + 3] = x == 7 ? 128 : 255;
		}
		TIFFWriteScanline(t, row, y, 0);
	}
	TIFFClose(t);
	vlt_read_file(path.data, &data);
	ok(vlt_image_decode(&img, data.data, data.len) == 0 && img.width == 8 &&
	   img.height == 4 && !strcmp(img.format, "tiff"), "TIFF decodes");
	ok(img.rgba && img.rgba[0] == 0 && img.rgba[4] == 30 &&
	   img.rgba[(3 * 8 + 1) * 4 + 1] == 180 && img.rgba[3] == 255,
	   "top row first, colours kept");
	ok(img.rgba && img.rgba[7 * 4 + 3] == 128 &&
	   abs(img.rgba[7 * 4] - 210) <= 2,
	   "unassociated alpha comes back unpremultiplied");
	vlt_image_release(&img);
	err = vlt_image_decode(&img, data.data, 40);
	ok(err == VLT_E_CORRUPT, "a truncated TIFF is corrupt");
	tap_diag("  %s", vlt_error_last());
	is_int(vlt_image_decode(&img, "II*\0\xff\xff\xff\x7f", 8), VLT_E_CORRUPT,
	       "a TIFF header pointing nowhere is corrupt");
	vlt_buf_release(&data);
	vlt_buf_release(&path);
}

static void test_thumbnail(void)
{
	struct vlt_image src, th;

	vlt_image_alloc(&src, 100, 50);
	for (size_t i = 0; i < 100 * 50; i++) {
		src.rgba[i * 4] = 10;
		src.rgba[i * 4 + 1] = 20;
		src.rgba[i * 4 + 2] = 30;
		src.rgba[i * 4 + 3] = (i % 100) < 50 ? 255 : 0;
	}
	ok(vlt_image_thumbnail(&th, &src, 20, 20) == 0 && th.width == 20 &&
	   th.height == 10, "100x50 into 20x20 is 20x10");
	ok(th.rgba[0] == 10 && th.rgba[1] == 20 && th.rgba[2] == 30 &&
	   th.rgba[3] == 255 && th.rgba[19 * 4 + 3] == 0,
	   "area averaging keeps flat colour and alpha");
	vlt_image_release(&th);
	ok(vlt_image_thumbnail(&th, &src, 300, 300) == 0 && th.width == 100 &&
	   th.height == 50 && !memcmp(th.rgba, src.rgba, 100 * 50 * 4),
	   "never scaled up");
	vlt_image_release(&th);
	ok(vlt_image_thumbnail(&th, &src, 3, 7) == 0 && th.width == 3 &&
	   th.height == 2, "odd boxes: 3x2");
	/* the middle column straddles opaque and transparent halves */
	ok(th.rgba[4 + 3] > 100 && th.rgba[4 + 3] < 155 && th.rgba[4] == 10,
	   "a mixed pixel has partial alpha and no colour bleeding");
	vlt_image_release(&th);
	is_int(vlt_image_thumbnail(&th, &src, 0, 10), VLT_E_INVALID,
	       "an empty box is invalid");
	vlt_image_release(&src);
}

static void test_pair(void)
{
	struct vlt_image a, b, src;
	struct vlt_buf png = VLT_BUF_INIT;
	int failed = 7;

	vlt_image_alloc(&src, 8, 8);
	vlt_image_encode_png(&src, &png);
	ok(vlt_image_decode_pair(&a, png.data, png.len, &b, png.data, png.len,
				 &failed) == 0 && failed == -1 && a.width == 8 &&
	   b.width == 8, "decode_pair decodes both");
	vlt_image_release(&a);
	vlt_image_release(&b);
	ok(vlt_image_decode_pair(&a, png.data, png.len, &b, "junk", 4,
				 &failed) == VLT_E_UNSUPPORTED && failed == 1 &&
	   !a.rgba && !b.rgba, "a failure names the image and frees both");
	ok(strstr(vlt_error_last(), "unknown image format") != NULL,
	   "the worker's message reaches the caller");
	vlt_image_release(&src);
	vlt_buf_release(&png);
}

static void test_resize(void)
{
	struct vlt_image src, dst;

	/* 2x1: black | white -> 4x1 bilinear, and 8x2 stripes -> 4x1 */
	vlt_image_alloc(&src, 2, 1);
	memset(src.rgba + 4, 255, 4);
	ok(vlt_image_resize(&dst, &src, 4, 1) == 0 && dst.width == 4 &&
	   dst.height == 1, "2x1 up to 4x1");
	ok(dst.rgba[0] == 0 && dst.rgba[4] == 64 && dst.rgba[8] == 191 &&
	   dst.rgba[12] == 255 && dst.rgba[3] == 255,
	   "bilinear: 0 64 191 255 (got %u %u %u %u)", dst.rgba[0],
	   dst.rgba[4], dst.rgba[8], dst.rgba[12]);
	vlt_image_release(&dst);
	vlt_image_release(&src);
	vlt_image_alloc(&src, 8, 2);
	for (uint32_t i = 0; i < 16; i++)
		memset(src.rgba + 4 * i, i % 2 ? 200 : 100, 3);
	ok(vlt_image_resize(&dst, &src, 4, 1) == 0 && dst.rgba[0] == 150 &&
	   dst.rgba[12] == 150 && dst.rgba[15] == 255,
	   "area average down: alternating 100/200 gives 150");
	vlt_image_release(&dst);
	/* a transparent pixel's colour does not bleed into its neighbour */
	memset(src.rgba, 0, 16 * 4);
	for (uint32_t i = 0; i < 16; i += 2) {
		src.rgba[4 * i] = 255;
		src.rgba[4 * i + 3] = 255;
	}
	if (vlt_image_resize(&dst, &src, 4, 1) < 0)
		tap_diag("  %s", vlt_error_last());
	ok(dst.rgba && dst.rgba[0] == 255 && dst.rgba[1] == 0 &&
	   dst.rgba[3] == 128, "alpha-weighted: red at half alpha");
	vlt_image_release(&dst);
	is_int(vlt_image_resize(&dst, &src, 0, 4), VLT_E_INVALID,
	       "a size of 0 is invalid");
	vlt_image_release(&src);
}

static void test_text(void)
{
	static const uint8_t white[3] = { 255, 255, 255 };
	struct vlt_image img;
	long lit = 0, right = 0;

	is_int(vlt_image_text_width("abc"), 3 * VLT_TEXT_ADVANCE, "3 cells");
	is_int(vlt_image_text_width("320×240 → 400"), 13 * VLT_TEXT_ADVANCE,
	       "UTF-8: × and → are one cell each");
	vlt_image_alloc(&img, 100, VLT_TEXT_HEIGHT);
	ok(vlt_image_draw_text(&img, 0, 0, 0, "A: v1", white) ==
	   5 * VLT_TEXT_ADVANCE, "drawn width");
	for (uint32_t i = 0; i < 100 * VLT_TEXT_HEIGHT; i++)
		if (img.rgba[4 * i] > 128) {
			lit++;
			right += i % 100 >= 5 * VLT_TEXT_ADVANCE;
		}
	ok(lit > 20 && right == 0, "glyphs drawn inside their cells (%ld lit)",
	   lit);
	ok(vlt_image_draw_text(&img, 0, 0, 10 * VLT_TEXT_ADVANCE,
			       "a rather long caption", white) ==
	   10 * VLT_TEXT_ADVANCE, "cut to the room given, ending in ...");
	{
		struct vlt_buf before = VLT_BUF_INIT;

		vlt_buf_set(&before, img.rgba, 100 * VLT_TEXT_HEIGHT * 4);
		vlt_image_draw_text(&img, -500, -500, 0, "off the canvas", white);
		vlt_image_draw_text(&img, 100, 0, 0, "past the right", white);
		ok(!memcmp(before.data, img.rgba, before.len),
		   "text off the canvas draws nothing (and does not crash)");
		vlt_buf_release(&before);
	}
	ok(vlt_image_extend(&img, 5, 7, 120, white) == 0 && img.width == 120 &&
	   img.height == VLT_TEXT_HEIGHT + 12 && img.rgba[0] == 255 &&
	   img.rgba[4 * (120 * 5 + 119)] == 255, "extend: new rows and "
	   "columns in the given colour");
	vlt_image_release(&img);
}

/* Text drawn in white on black, one line, width cells wide. */
static void draw_line(struct vlt_image *img, uint32_t cells, const char *s)
{
	static const uint8_t white[3] = { 255, 255, 255 };

	vlt_image_alloc(img, cells * VLT_TEXT_ADVANCE, VLT_TEXT_HEIGHT);
	memset(img->rgba, 0, (size_t)img->width * img->height * 4);
	vlt_image_draw_text(img, 0, 0, 0, s, white);
}

static int same_pixels(const struct vlt_image *a, const struct vlt_image *b)
{
	return a->width == b->width && a->height == b->height &&
	       !memcmp(a->rgba, b->rgba, (size_t)a->width * a->height * 4);
}

#define THREAD_TEXT "é ñ Ω ж ✓ ☺ 中 ÿ"
#define THREAD_CELLS 15

static void *draw_in_thread(void *arg)
{
	draw_line(arg, THREAD_CELLS, THREAD_TEXT);
	return NULL;
}

/* The first text of the process drawn by four threads at once: the font
 * is loaded once and glyphs outside ASCII rendered on demand (lib/font.c
 * locks); every thread gets the pixels of a drawing done alone. */
static void test_text_threads(void)
{
	struct vlt_image img[4], alone;
	pthread_t th[4];
	int started = 0, same = 1;

	for (int i = 0; i < 4; i++)
		if (pthread_create(&th[i], NULL, draw_in_thread, &img[i]) == 0)
			started++;
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	ok(started == 4, "4 threads started");
	draw_line(&alone, THREAD_CELLS, THREAD_TEXT);
	for (int i = 0; i < started; i++) {
		same &= same_pixels(&img[i], &alone);
		vlt_image_release(&img[i]);
	}
	ok(same, "text drawn by 4 threads at once equals text drawn alone");
	vlt_image_release(&alone);
}

/* Any character of the font, not only ASCII; combining marks go over the
 * character before them; what the font lacks is '?'. */
static void test_text_unicode(void)
{
	struct vlt_image q, e, e_acute, nfd, cjk, wj;
	long lit = 0;

	is_int(vlt_image_text_ready(), 0, "the caption font loads");
	if (vlt_image_text_ready() < 0)
		tap_diag("  %s", vlt_error_last());
	ok(VLT_TEXT_ADVANCE == 8 && VLT_TEXT_HEIGHT == 17,
	   "DejaVu Sans Mono 13 px: a cell of 8x17 from the face's metrics "
	   "(%ux%u)", VLT_TEXT_ADVANCE, VLT_TEXT_HEIGHT);
	draw_line(&q, 1, "?");
	draw_line(&e, 1, "e");
	draw_line(&e_acute, 1, "é");
	draw_line(&nfd, 1, "e\xcc\x81");      /* e + U+0301 */
	draw_line(&cjk, 1, "\xf4\x8f\xbf\xbd"); /* U+10FFFD, in no font */
	draw_line(&wj, 1, "e\xe2\x81\xa0");     /* e + WORD JOINER */
	for (uint32_t i = 0; i < e_acute.width * e_acute.height; i++)
		lit += e_acute.rgba[4 * i] > 128;
	ok(lit > 10 && !same_pixels(&e_acute, &q) && !same_pixels(&e_acute, &e),
	   "é, outside the old built-in table, is drawn from the font");
	is_int(vlt_image_text_width("e\xcc\x81"), VLT_TEXT_ADVANCE,
	       "a combining mark takes no cell of its own");
	ok(!same_pixels(&nfd, &e) && !same_pixels(&nfd, &q),
	   "a combining acute is drawn over the e before it");
	ok(same_pixels(&cjk, &q), "a character the font lacks is drawn as '?'");
	ok(vlt_image_text_width("e\xe2\x81\xa0") == VLT_TEXT_ADVANCE &&
	   same_pixels(&wj, &e), "a zero-width character draws nothing");
	vlt_image_release(&q);
	vlt_image_release(&e);
	vlt_image_release(&e_acute);
	vlt_image_release(&nfd);
	vlt_image_release(&cjk);
	vlt_image_release(&wj);
}

/* A zip whose first entry is a stored "mimetype" (a .kra/.ora), written
 * by hand here only to test the sniffing and the error paths; the real
 * ones are made with python's zipfile in t/cli/diff-visual.bats. */
static void test_layered(void)
{
	static const char kra[] = "PK\003\004\024\0\0\0\0\0\0\0\0\0"
		"\0\0\0\0\023\0\0\0\023\0\0\0\010\0\0\0mimetype"
		"application/x-krita";
	static const char ora[] = "PK\003\004\024\0\0\0\0\0\0\0\0\0"
		"\0\0\0\0\020\0\0\0\020\0\0\0\010\0\0\0mimetype"
		"image/openraster";
	struct vlt_image img;

	ok(vlt_image_sniff(kra, sizeof(kra) - 1) &&
	   !strcmp(vlt_image_sniff(kra, sizeof(kra) - 1), "kra"), "kra sniffed");
	ok(vlt_image_sniff(ora, sizeof(ora) - 1) &&
	   !strcmp(vlt_image_sniff(ora, sizeof(ora) - 1), "ora"), "ora sniffed");
	ok(!vlt_image_sniff("PK\003\004", 4), "a bare zip is not an image");
	is_int(vlt_image_decode(&img, kra, sizeof(kra) - 1), VLT_E_CORRUPT,
	       "a .kra cut after its mimetype is corrupt");
	ok(strstr(vlt_error_last(), "truncated or damaged Krita file") != NULL,
	   "and says so: %s", vlt_error_last());
	ok(!img.rgba, "nothing left allocated");
}

int main(void)
{
	tap_plan_lazy();
	test_sniff();
	test_png_roundtrip();
	test_png_kinds();
	test_png_damage();
	test_jpeg();
	test_webp();
	test_tiff();
	test_thumbnail();
	test_pair();
	test_resize();
	test_text_threads();
	test_text();
	test_text_unicode();
	test_layered();
	return tap_done();
}
