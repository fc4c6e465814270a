/*
 * mkimage.c - draw test images for the visual-diff tests and benchmark.
 *
 *   mkimage [-f FORMAT] [-q QUALITY] OUT WIDTH HEIGHT [COMMAND...]
 *
 * The canvas is RGBA at 16 bits per sample, starting opaque white; each
 * COMMAND is one argument "name:numbers,separated,by,commas", colours as
 * R,G,B[,A] in 0..255:
 *
 *   fill:R,G,B[,A]                   the whole canvas
 *   rect:X,Y,W,H,R,G,B[,A]           a filled rectangle (hard edges)
 *   circle:CX,CY,RAD,R,G,B[,A]       a filled disc, hard edge
 *   aacircle:CX,CY,RAD,R,G,B[,A]     the same, anti-aliased (4x4 samples)
 *   line:X0,Y0,X1,Y1,WIDTH,R,G,B[,A] an anti-aliased line
 *   hgrad:R0,G0,B0,R1,G1,B1          left-to-right gradient (whole canvas)
 *   vgrad:R0,G0,B0,R1,G1,B1          top-to-bottom gradient
 *   noise:SEED,AMP                   add uniform noise of +-AMP to R, G, B
 *   text:X,Y,SCALE,SEED,COUNT,R,G,B  COUNT glyph-like 5x7 blocks in a row
 *   add16:X,Y,W,H,N                  add N to the 16-bit R,G,B samples
 *   setpx:X,Y,R,G,B,A                one pixel
 *
 * FORMAT: rgba8 (default), rgb8, grey8, greya8, palette, rgba16, rgb16,
 * grey16 (PNG), or jpeg (-q QUALITY, default 90). Fractional coordinates
 * are allowed. A test helper: it prints and exits on errors.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <spng.h>

static uint32_t W, H;
static uint16_t *px;  /* RGBA16, W * H * 4 */

static void fail(const char *fmt, const char *arg)
{
	fprintf(stderr, "mkimage: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(2);
}

static double clampd(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* Blend an 8-bit colour (alpha a in 0..255) into pixel (x, y) with
 * coverage cov 0..1, "over" compositing in 16 bits. */
static void blend(int64_t x, int64_t y, const double *col, double cov)
{
	uint16_t *p;
	double sa, da, oa;

	if (x < 0 || y < 0 || x >= W || y >= H || cov <= 0)
		return;
	p = px + ((size_t)y * W + (size_t)x) * 4;
	sa = col[3] / 255.0 * cov;
	da = p[3] / 65535.0;
	oa = sa + da * (1 - sa);
	for (int k = 0; k < 3; k++) {
		double s = col[k] * 257.0, d = p[k];
		double v = oa > 0 ? (s * sa + d * da * (1 - sa)) / oa : 0;

		p[k] = (uint16_t)clampd(v + 0.5, 0, 65535);
	}
	p[3] = (uint16_t)clampd(oa * 65535 + 0.5, 0, 65535);
}

/* Set (not blend) a pixel: used by fill and rect so that alpha < 255
 * gives exactly that alpha. */
static void set(int64_t x, int64_t y, const double *col)
{
	uint16_t *p;

	if (x < 0 || y < 0 || x >= W || y >= H)
		return;
	p = px + ((size_t)y * W + (size_t)x) * 4;
	for (int k = 0; k < 4; k++)
		p[k] = (uint16_t)(col[k] * 257);
}

static uint64_t rng_state;

static uint64_t rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static int parse_nums(const char *s, double *v, int max)
{
	int n = 0;

	while (*s && n < max) {
		char *end;

		errno = 0;
		v[n++] = strtod(s, &end);
		if (end == s || errno)
			return -1;
		s = end;
		if (*s == ',')
			s++;
		else if (*s)
			return -1;
	}
	return *s ? -1 : n;
}

/* colour from v[i..]: R,G,B[,A] */
static void colour(const double *v, int n, int i, double *col)
{
	col[0] = v[i];
	col[1] = v[i + 1];
	col[2] = v[i + 2];
	col[3] = n > i + 3 ? v[i + 3] : 255;
}

static double seg_dist(double px_, double py, double x0, double y0,
		       double x1, double y1)
{
	double dx = x1 - x0, dy = y1 - y0, len2 = dx * dx + dy * dy, t;

	t = len2 > 0 ? ((px_ - x0) * dx + (py - y0) * dy) / len2 : 0;
	t = clampd(t, 0, 1);
	dx = x0 + t * dx - px_;
	dy = y0 + t * dy - py;
	return sqrt(dx * dx + dy * dy);
}

/* 5x7 glyph-like bit patterns, from the seed */
static void text(double x, double y, double scale, uint64_t seed, int count,
		 const double *col)
{
	rng_state = seed;
	for (int g = 0; g < count; g++) {
		uint64_t bits = rng();

		for (int gy = 0; gy < 7; gy++)
			for (int gx = 0; gx < 5; gx++) {
				if (!(bits >> (gy * 5 + gx) & 1))
					continue;
				for (int sy = 0; sy < (int)scale; sy++)
					for (int sx = 0; sx < (int)scale; sx++)
						set((int64_t)(x + (g * 6 + gx) * scale) + sx,
						    (int64_t)(y + gy * scale) + sy, col);
			}
	}
}

static void command(const char *arg)
{
	const char *colon = strchr(arg, ':');
	char name[32];
	double v[16], col[4];
	int n;

	if (!colon || colon - arg >= (int)sizeof(name))
		fail("bad command '%s'", arg);
	memcpy(name, arg, (size_t)(colon - arg));
	name[colon - arg] = '\0';
	n = parse_nums(colon + 1, v, 16);
	if (n < 0)
		fail("bad numbers in '%s'", arg);
#define NEED(k) do { if (n < (k)) fail("too few numbers in '%s'", arg); } while (0)
	if (!strcmp(name, "fill")) {
		NEED(3);
		colour(v, n, 0, col);
		for (uint32_t y = 0; y < H; y++)
			for (uint32_t x = 0; x < W; x++)
				set(x, y, col);
	} else if (!strcmp(name, "rect")) {
		NEED(7);
		colour(v, n, 4, col);
		for (int64_t y = (int64_t)v[1]; y < (int64_t)(v[1] + v[3]); y++)
			for (int64_t x = (int64_t)v[0]; x < (int64_t)(v[0] + v[2]); x++)
				set(x, y, col);
	} else if (!strcmp(name, "circle") || !strcmp(name, "aacircle")) {
		int ss = !strcmp(name, "aacircle") ? 4 : 1;

		NEED(6);
		colour(v, n, 3, col);
		for (int64_t y = (int64_t)(v[1] - v[2] - 1); y <= v[1] + v[2] + 1; y++)
			for (int64_t x = (int64_t)(v[0] - v[2] - 1); x <= v[0] + v[2] + 1; x++) {
				int in = 0;

				for (int sy = 0; sy < ss; sy++)
					for (int sx = 0; sx < ss; sx++) {
						double dx = x + (sx + 0.5) / ss - v[0];
						double dy = y + (sy + 0.5) / ss - v[1];

						in += dx * dx + dy * dy <= v[2] * v[2];
					}
				if (ss == 1 && in)
					set(x, y, col);
				else if (in)
					blend(x, y, col, (double)in / (ss * ss));
			}
	} else if (!strcmp(name, "line")) {
		double hw;

		NEED(8);
		colour(v, n, 5, col);
		hw = v[4] / 2;
		for (int64_t y = (int64_t)(fmin(v[1], v[3]) - hw - 2);
		     y <= fmax(v[1], v[3]) + hw + 2; y++)
			for (int64_t x = (int64_t)(fmin(v[0], v[2]) - hw - 2);
			     x <= fmax(v[0], v[2]) + hw + 2; x++) {
				int in = 0;

				for (int sy = 0; sy < 4; sy++)
					for (int sx = 0; sx < 4; sx++)
						in += seg_dist(x + (sx + 0.5) / 4,
							       y + (sy + 0.5) / 4,
							       v[0], v[1], v[2],
							       v[3]) <= hw;
				blend(x, y, col, in / 16.0);
			}
	} else if (!strcmp(name, "hgrad") || !strcmp(name, "vgrad")) {
		int horiz = name[0] == 'h';

		NEED(6);
		for (uint32_t y = 0; y < H; y++)
			for (uint32_t x = 0; x < W; x++) {
				double t = horiz ? (W > 1 ? (double)x / (W - 1) : 0) :
					   (H > 1 ? (double)y / (H - 1) : 0);
				uint16_t *p = px + ((size_t)y * W + x) * 4;

				for (int k = 0; k < 3; k++)
					p[k] = (uint16_t)((v[k] + (v[k + 3] - v[k]) * t) *
							  257 + 0.5);
				p[3] = 65535;
			}
	} else if (!strcmp(name, "noise")) {
		NEED(2);
		rng_state = (uint64_t)v[0];
		for (size_t i = 0; i < (size_t)W * H; i++)
			for (int k = 0; k < 3; k++) {
				double d = ((double)(rng() >> 11) / 9007199254740992.0 *
					    2 - 1) * v[1] * 257;

				px[i * 4 + k] = (uint16_t)clampd(px[i * 4 + k] + d + 0.5,
								 0, 65535);
			}
	} else if (!strcmp(name, "text")) {
		NEED(8);
		colour(v, n, 5, col);
		text(v[0], v[1], v[2] < 1 ? 1 : v[2], (uint64_t)v[3], (int)v[4],
		     col);
	} else if (!strcmp(name, "add16")) {
		NEED(5);
		for (int64_t y = (int64_t)v[1]; y < (int64_t)(v[1] + v[3]); y++)
			for (int64_t x = (int64_t)v[0]; x < (int64_t)(v[0] + v[2]); x++) {
				uint16_t *p;

				if (x < 0 || y < 0 || x >= W || y >= H)
					continue;
				p = px + ((size_t)y * W + (size_t)x) * 4;
				for (int k = 0; k < 3; k++)
					p[k] = (uint16_t)clampd(p[k] + v[4], 0, 65535);
			}
	} else if (!strcmp(name, "setpx")) {
		NEED(6);
		colour(v, n, 2, col);
		set((int64_t)v[0], (int64_t)v[1], col);
	} else {
		fail("unknown command '%s'", name);
	}
#undef NEED
}

static uint8_t to8(uint16_t v)
{
	return (uint8_t)((v + 128u) / 257u);
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(data, 1, len, f) != len || fclose(f))
		fail("cannot write '%s'", path);
}

static void write_png(const char *path, const char *fmt)
{
	struct spng_ihdr ihdr = { 0 };
	struct spng_plte plte = { 0 };
	struct spng_trns trns = { 0 };
	spng_ctx *ctx = spng_ctx_new(SPNG_CTX_ENCODER);
	int ch, depth = strstr(fmt, "16") ? 16 : 8, rc, use_trns = 0;
	size_t n = (size_t)W * H, len;
	uint8_t *raw, *o;
	void *png;

	if (!strncmp(fmt, "rgba", 4)) {
		ihdr.color_type = SPNG_COLOR_TYPE_TRUECOLOR_ALPHA; ch = 4;
	} else if (!strncmp(fmt, "rgb", 3)) {
		ihdr.color_type = SPNG_COLOR_TYPE_TRUECOLOR; ch = 3;
	} else if (!strncmp(fmt, "greya", 5)) {
		ihdr.color_type = SPNG_COLOR_TYPE_GRAYSCALE_ALPHA; ch = 2;
	} else if (!strncmp(fmt, "grey", 4)) {
		ihdr.color_type = SPNG_COLOR_TYPE_GRAYSCALE; ch = 1;
	} else if (!strcmp(fmt, "palette")) {
		ihdr.color_type = SPNG_COLOR_TYPE_INDEXED; ch = 1;
	} else {
		fail("unknown format '%s'", fmt);
		return;
	}
	ihdr.width = W;
	ihdr.height = H;
	ihdr.bit_depth = (uint8_t)depth;
	raw = malloc(n * (size_t)ch * (size_t)(depth / 8));
	if (!ctx || !raw)
		fail("%s", "out of memory");
	o = raw;
	for (size_t i = 0; i < n; i++) {
		const uint16_t *p = px + i * 4;
		uint16_t s[4];
		int k = 0;

		if (ihdr.color_type == SPNG_COLOR_TYPE_INDEXED) {
			uint32_t j;

			for (j = 0; j < plte.n_entries; j++)
				if (plte.entries[j].red == to8(p[0]) &&
				    plte.entries[j].green == to8(p[1]) &&
				    plte.entries[j].blue == to8(p[2]) &&
				    (j >= trns.n_type3_entries ?
				     to8(p[3]) == 255 :
				     trns.type3_alpha[j] == to8(p[3])))
					break;
			if (j == plte.n_entries) {
				if (j == 256)
					fail("%s", "more than 256 colours for a palette");
				plte.entries[j].red = to8(p[0]);
				plte.entries[j].green = to8(p[1]);
				plte.entries[j].blue = to8(p[2]);
				plte.n_entries++;
				if (to8(p[3]) != 255) {
					/* tRNS covers entries up to the last
					 * transparent one */
					for (uint32_t t = trns.n_type3_entries; t < j; t++)
						trns.type3_alpha[t] = 255;
					trns.type3_alpha[j] = to8(p[3]);
					trns.n_type3_entries = j + 1;
					use_trns = 1;
				}
			}
			*o++ = (uint8_t)j;
			continue;
		}
		if (ch >= 3) {
			s[k++] = p[0]; s[k++] = p[1]; s[k++] = p[2];
		} else {
			/* grey: Rec. 601 luma of the 16-bit samples */
			s[k++] = (uint16_t)((p[0] * 299u + p[1] * 587u +
					     p[2] * 114u + 500) / 1000);
		}
		if (ch == 4 || ch == 2)
			s[k++] = p[3];
		for (int j = 0; j < k; j++) {
			if (depth == 16) {
				*o++ = (uint8_t)(s[j] >> 8);
				*o++ = (uint8_t)s[j];
			} else {
				*o++ = to8(s[j]);
			}
		}
	}
	spng_set_ihdr(ctx, &ihdr);
	if (ihdr.color_type == SPNG_COLOR_TYPE_INDEXED) {
		if (!plte.n_entries)
			plte.n_entries = 1;
		spng_set_plte(ctx, &plte);
		if (use_trns)
			spng_set_trns(ctx, &trns);
	}
	spng_set_option(ctx, SPNG_ENCODE_TO_BUFFER, 1);
	rc = spng_encode_image(ctx, raw, (size_t)(o - raw), SPNG_FMT_RAW,
			       SPNG_ENCODE_FINALIZE);
	if (rc)
		fail("png: %s", spng_strerror(rc));
	png = spng_get_png_buffer(ctx, &len, &rc);
	if (!png)
		fail("png: %s", spng_strerror(rc));
	write_file(path, png, len);
	free(png);
	free(raw);
	spng_ctx_free(ctx);
}

static void write_jpeg(const char *path, int quality)
{
	struct jpeg_compress_struct c;
	struct jpeg_error_mgr err;
	unsigned char *mem = NULL;
	unsigned long len = 0;
	uint8_t *row = malloc((size_t)W * 3);

	if (!row)
		fail("%s", "out of memory");
	c.err = jpeg_std_error(&err);
	jpeg_create_compress(&c);
	jpeg_mem_dest(&c, &mem, &len);
	c.image_width = W;
	c.image_height = H;
	c.input_components = 3;
	c.in_color_space = JCS_RGB;
	jpeg_set_defaults(&c);
	jpeg_set_quality(&c, quality, TRUE);
	jpeg_start_compress(&c, TRUE);
	while (c.next_scanline < H) {
		const uint16_t *p = px + (size_t)c.next_scanline * W * 4;
		JSAMPROW r = row;

		for (uint32_t x = 0; x < W; x++)
			for (int k = 0; k < 3; k++)
				row[x * 3 + k] = to8(p[x * 4 + k]);
		jpeg_write_scanlines(&c, &r, 1);
	}
	jpeg_finish_compress(&c);
	write_file(path, mem, len);
	jpeg_destroy_compress(&c);
	free(mem);
	free(row);
}

int main(int argc, char **argv)
{
	const char *fmt = "rgba8";
	int quality = 90, i = 1;
	char *end;
	unsigned long w, h;

	while (i < argc && argv[i][0] == '-' && argv[i][1]) {
		if (!strcmp(argv[i], "-f") && i + 1 < argc) {
			fmt = argv[i + 1];
		} else if (!strcmp(argv[i], "-q") && i + 1 < argc) {
			quality = atoi(argv[i + 1]);
		} else {
			fprintf(stderr, "usage: mkimage [-f FORMAT] [-q QUALITY] "
				"OUT WIDTH HEIGHT [COMMAND...]\n");
			return 2;
		}
		i += 2;
	}
	if (argc - i < 3) {
		fprintf(stderr, "usage: mkimage [-f FORMAT] [-q QUALITY] OUT "
			"WIDTH HEIGHT [COMMAND...]\n");
		return 2;
	}
	w = strtoul(argv[i + 1], &end, 10);
	if (*end || !w || w > 65535)
		fail("bad width '%s'", argv[i + 1]);
	h = strtoul(argv[i + 2], &end, 10);
	if (*end || !h || h > 65535)
		fail("bad height '%s'", argv[i + 2]);
	W = (uint32_t)w;
	H = (uint32_t)h;
	px = malloc((size_t)W * H * 8);
	if (!px)
		fail("%s", "out of memory");
	for (size_t k = 0; k < (size_t)W * H * 4; k++)
		px[k] = 65535;
	for (int j = i + 3; j < argc; j++)
		command(argv[j]);
	if (!strcmp(fmt, "jpeg"))
		write_jpeg(argv[i], quality);
	else
		write_png(argv[i], fmt);
	free(px);
	return 0;
}
