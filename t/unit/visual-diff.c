/*
 * visual-diff.c - unit tests for lib/media/visual-*.c: the per-pixel YIQ and
 * OKLab measures against values computed with pixelmatch's JavaScript,
 * the anti-aliasing detector on hand-drawn edges, region clustering and
 * merging on hand-made class maps, PSNR of a known noise, SSIM, sizes,
 * 16-bit inputs, alpha, thread-count independence and the output images.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "image.h"
#include "tap.h"
#include "visual-diff.h"

static void filled(struct vlt_image *img, uint32_t w, uint32_t h, uint8_t r,
		   uint8_t g, uint8_t b, uint8_t a)
{
	vlt_image_alloc(img, w, h);
	for (size_t i = 0; i < (size_t)w * h; i++) {
		img->rgba[i * 4] = r;
		img->rgba[i * 4 + 1] = g;
		img->rgba[i * 4 + 2] = b;
		img->rgba[i * 4 + 3] = a;
	}
}

static uint8_t *at(struct vlt_image *img, uint32_t x, uint32_t y)
{
	return img->rgba + ((size_t)y * img->width + x) * 4;
}

static void rect(struct vlt_image *img, uint32_t x0, uint32_t y0, uint32_t w,
		 uint32_t h, uint8_t r, uint8_t g, uint8_t b)
{
	for (uint32_t y = y0; y < y0 + h; y++)
		for (uint32_t x = x0; x < x0 + w; x++) {
			uint8_t *p = at(img, x, y);

			p[0] = r; p[1] = g; p[2] = b; p[3] = 255;
		}
}

static int near(double got, double want, double tol)
{
	if (fabs(got - want) <= tol)
		return 1;
	tap_diag("  got %.17g, want %.17g", got, want);
	return 0;
}

static void test_yiq(void)
{
	static const uint8_t black[4] = { 0, 0, 0, 255 };
	static const uint8_t white[4] = { 255, 255, 255, 255 };
	static const uint8_t red[4] = { 255, 0, 0, 255 };
	static const uint8_t c1[4] = { 100, 150, 200, 255 };
	static const uint8_t c2[4] = { 90, 160, 190, 255 };
	static const uint8_t half[4] = { 100, 150, 200, 128 };
	double max = 0;

	ok(vlt_vdiff_yiq_delta(c1, c1, 0, VLT_VDIFF_BG_CHECKER) == 0,
	   "yiq: identical pixels differ by 0");
	/* expected values: pixelmatch 7.2's colorDelta() run in node */
	ok(near(vlt_vdiff_yiq_delta(black, white, 0, VLT_VDIFF_BG_CHECKER),
		32857.13315714265, 1e-9), "yiq: black -> white (lighter: +)");
	ok(near(vlt_vdiff_yiq_delta(white, black, 0, VLT_VDIFF_BG_CHECKER),
		-32857.13315714265, 1e-9), "yiq: white -> black is negative");
	ok(near(vlt_vdiff_yiq_delta(red, black, 0, VLT_VDIFF_BG_CHECKER),
		-10410.2468520858, 1e-9), "yiq: red -> black");
	ok(near(vlt_vdiff_yiq_delta(c1, c2, 0, VLT_VDIFF_BG_CHECKER),
		31.88774287549123, 1e-12), "yiq: a small colour change");
	ok(near(vlt_vdiff_yiq_delta(half, c1, 0, VLT_VDIFF_BG_CHECKER),
		1236.276653201215, 1e-9) &&
	   near(vlt_vdiff_yiq_delta(half, c1, 5, VLT_VDIFF_BG_CHECKER),
		795.2210406065303, 1e-9),
	   "yiq: alpha blended over pixelmatch's pattern, by index");
	ok(near(vlt_vdiff_yiq_delta(half, c1, 5, VLT_VDIFF_BG_WHITE),
		-1792.5624929339174, 1e-9), "yiq: alpha blended over white");
	/* the distance is a convex quadratic: its maximum over the RGB cube
	 * is at a pair of corners */
	for (int i = 0; i < 8; i++)
		for (int j = 0; j < 8; j++) {
			uint8_t p[4] = { i & 1 ? 255 : 0, i & 2 ? 255 : 0,
					 i & 4 ? 255 : 0, 255 };
			uint8_t q[4] = { j & 1 ? 255 : 0, j & 2 ? 255 : 0,
					 j & 4 ? 255 : 0, 255 };
			double d = fabs(vlt_vdiff_yiq_delta(p, q, 0,
							    VLT_VDIFF_BG_WHITE));

			if (d > max)
				max = d;
		}
	ok(max <= VLT_VDIFF_YIQ_MAX_DELTA && max > VLT_VDIFF_YIQ_MAX_DELTA - 1,
	   "yiq: the largest delta is pixelmatch's maxDelta 35215");
}

static void test_oklab(void)
{
	static const uint8_t black[4] = { 0, 0, 0, 255 };
	static const uint8_t white[4] = { 255, 255, 255, 255 };
	static const uint8_t red[4] = { 255, 0, 0, 255 };
	static const uint8_t green[4] = { 0, 255, 0, 255 };
	static const uint8_t c1[4] = { 100, 150, 200, 255 };
	static const uint8_t c2[4] = { 90, 160, 190, 255 };
	static const uint8_t g1[4] = { 128, 128, 128, 255 };
	static const uint8_t g2[4] = { 131, 128, 128, 255 };

	ok(vlt_vdiff_oklab_delta(c1, c1, 0, VLT_VDIFF_BG_CHECKER) == 0,
	   "oklab: identical pixels differ by 0");
	/* expected: pixelmatch 8's tables and HyAB formula, in node */
	ok(near(vlt_vdiff_oklab_delta(black, white, 0, VLT_VDIFF_BG_CHECKER),
		1.0000000296701805, 1e-12), "oklab: black -> white is 1");
	ok(near(vlt_vdiff_oklab_delta(white, black, 0, VLT_VDIFF_BG_CHECKER),
		-1.0000000296701805, 1e-12), "oklab: white -> black is -1");
	ok(near(vlt_vdiff_oklab_delta(c1, c2, 0, VLT_VDIFF_BG_CHECKER),
		0.049676866497172595, 1e-12), "oklab: a small colour change");
	ok(near(vlt_vdiff_oklab_delta(red, green, 0, VLT_VDIFF_BG_CHECKER),
		0.7383216360107052, 1e-12), "oklab: red -> green");
	ok(near(vlt_vdiff_oklab_delta(g1, g2, 0, VLT_VDIFF_BG_CHECKER),
		0.006628648562178708, 1e-12), "oklab: a slight tint of grey");
}

/* 7x7: black columns 0..2, column 3 = mid, white 4..6 */
static void edge(struct vlt_image *img, int with_aa)
{
	filled(img, 7, 7, 255, 255, 255, 255);
	rect(img, 0, 0, 3, 7, 0, 0, 0);
	if (with_aa)
		rect(img, 3, 0, 1, 7, 128, 128, 128);
	else
		rect(img, 3, 0, 1, 7, 0, 0, 0);
}

static void test_aa(void)
{
	struct vlt_image img, a, b;
	struct vlt_vdiff d;
	struct vlt_vdiff_opts o;

	edge(&img, 1);
	is_int(vlt_vdiff_antialiased(&img, &img, 3, 3, VLT_VDIFF_YIQ,
				     VLT_VDIFF_BG_CHECKER), 1,
	       "AA: a grey pixel between black and white is anti-aliasing");
	is_int(vlt_vdiff_antialiased(&img, &img, 3, 3, VLT_VDIFF_OKLAB,
				     VLT_VDIFF_BG_CHECKER), 1,
	       "AA: so says the pixelmatch 8 flavour too");
	is_int(vlt_vdiff_antialiased(&img, &img, 1, 3, VLT_VDIFF_YIQ,
				     VLT_VDIFF_BG_CHECKER), 0,
	       "AA: a pixel inside a flat area is not");
	vlt_image_release(&img);
	edge(&img, 0);
	is_int(vlt_vdiff_antialiased(&img, &img, 3, 3, VLT_VDIFF_YIQ,
				     VLT_VDIFF_BG_CHECKER), 0,
	       "AA: the black pixel of a hard edge is not");
	is_int(vlt_vdiff_antialiased(&img, &img, 4, 3, VLT_VDIFF_YIQ,
				     VLT_VDIFF_BG_CHECKER), 0,
	       "AA: nor is the white one");
	vlt_image_release(&img);
	filled(&img, 5, 5, 255, 255, 255, 255);
	rect(&img, 2, 2, 1, 1, 128, 128, 128);
	is_int(vlt_vdiff_antialiased(&img, &img, 2, 2, VLT_VDIFF_YIQ,
				     VLT_VDIFF_BG_CHECKER), 0,
	       "AA: an isolated dot is not (no darker neighbour)");
	vlt_image_release(&img);

	/* a hard edge in A that B smooths with a grey column */
	filled(&a, 16, 16, 255, 255, 255, 255);
	rect(&a, 0, 0, 8, 16, 0, 0, 0);
	filled(&b, 16, 16, 255, 255, 255, 255);
	rect(&b, 0, 0, 8, 16, 0, 0, 0);
	rect(&b, 8, 0, 1, 16, 128, 128, 128);
	vlt_vdiff_opts_init(&o);
	ok(vlt_vdiff_compare(&d, &a, &b, &o) == 0 && d.changed_pixels == 0 &&
	   d.aa_pixels == 16, "compare: an anti-aliased column is not counted");
	ok(d.classes[8] == VLT_VDIFF_AA, "and is classed AA");
	vlt_vdiff_release(&d);
	o.include_aa = 1;
	ok(vlt_vdiff_compare(&d, &a, &b, &o) == 0 && d.changed_pixels == 16 &&
	   d.aa_pixels == 0, "with include_aa it is");
	ok(d.darker_pixels == 16, "as darker in B (dark on light)");
	vlt_vdiff_release(&d);
	vlt_image_release(&a);
	vlt_image_release(&b);
}

static void mark(struct vlt_vdiff *d, uint32_t x0, uint32_t y0, uint32_t w,
		 uint32_t h)
{
	for (uint32_t y = y0; y < y0 + h; y++)
		memset(d->classes + (size_t)y * d->width + x0, VLT_VDIFF_CHANGED, w);
}

static void class_map(struct vlt_vdiff *d, uint32_t w, uint32_t h)
{
	vlt_vdiff_init(d);
	d->width = w;
	d->height = h;
	d->classes = calloc((size_t)w * h, 1);
}

static int region_is(const struct vlt_vdiff *d, size_t i, uint32_t x,
		     uint32_t y, uint32_t w, uint32_t h, uint64_t pixels)
{
	const struct vlt_vdiff_region *r;

	if (i >= d->nr_regions) {
		tap_diag("  only %zu regions", d->nr_regions);
		return 0;
	}
	r = &d->regions[i];
	if (r->x == x && r->y == y && r->width == w && r->height == h &&
	    r->pixels == pixels)
		return 1;
	tap_diag("  region %zu is %ux%u+%u+%u (%llu px)", i, r->width,
		 r->height, r->x, r->y, (unsigned long long)r->pixels);
	return 0;
}

static void test_regions(void)
{
	struct vlt_vdiff d;

	class_map(&d, 100, 100);
	mark(&d, 10, 10, 3, 3);
	mark(&d, 16, 10, 3, 3);
	ok(vlt_vdiff_find_regions(&d, 8, 256) == 0 && d.total_regions == 1 &&
	   region_is(&d, 0, 10, 10, 9, 3, 18), "regions: close blocks merge");
	vlt_vdiff_release(&d);

	class_map(&d, 100, 100);
	mark(&d, 10, 10, 3, 3);
	mark(&d, 21, 10, 3, 3);  /* columns 13..20 empty: a gap of 8 */
	mark(&d, 10, 30, 3, 3);
	mark(&d, 22, 30, 3, 3);  /* a gap of 9 */
	ok(vlt_vdiff_find_regions(&d, 8, 256) == 0 && d.total_regions == 3,
	   "regions: a gap of 8 merges, a gap of 9 does not");
	ok(region_is(&d, 0, 10, 10, 14, 3, 18) &&
	   region_is(&d, 1, 10, 30, 3, 3, 9) && region_is(&d, 2, 22, 30, 3, 3, 9),
	   "regions: sorted by size, then position");
	ok(vlt_vdiff_find_regions(&d, 0, 256) == 0 && d.total_regions == 4,
	   "regions: with gap 0 only touching pixels join");
	vlt_vdiff_release(&d);

	class_map(&d, 100, 100);
	mark(&d, 10, 10, 1, 1);
	mark(&d, 19, 19, 1, 1);  /* diagonal, 8 empty between */
	ok(vlt_vdiff_find_regions(&d, 8, 256) == 0 && d.total_regions == 1,
	   "regions: diagonal neighbours within the gap merge");
	vlt_vdiff_release(&d);

	/* a diagonal line and a dot far from it but inside its box */
	class_map(&d, 100, 100);
	for (uint32_t i = 0; i <= 40; i++)
		mark(&d, i, i, 1, 1);
	mark(&d, 35, 5, 1, 1);
	ok(vlt_vdiff_find_regions(&d, 8, 256) == 0 && d.total_regions == 1 &&
	   region_is(&d, 0, 0, 0, 41, 41, 42),
	   "regions: boxes that overlap merge even when pixels are far");
	vlt_vdiff_release(&d);

	class_map(&d, 400, 400);
	for (uint32_t i = 0; i < 300; i++)
		mark(&d, (i % 20) * 20, (i / 20) * 20, 1, 1);
	mark(&d, 399, 399, 1, 1);
	mark(&d, 398, 399, 1, 1);
	ok(vlt_vdiff_find_regions(&d, 8, 256) == 0 && d.total_regions == 301 &&
	   d.nr_regions == 256, "regions: capped, with the count of all");
	ok(region_is(&d, 0, 398, 399, 2, 1, 2) &&
	   region_is(&d, 1, 0, 0, 1, 1, 1), "regions: largest first");
	vlt_vdiff_release(&d);

	class_map(&d, 50, 50);
	d.classes[0] = VLT_VDIFF_AA;
	d.classes[1] = VLT_VDIFF_DARKER;
	ok(vlt_vdiff_find_regions(&d, 8, 256) == 0 && d.total_regions == 1 &&
	   region_is(&d, 0, 1, 0, 1, 1, 1),
	   "regions: darker pixels count, AA pixels do not");
	vlt_vdiff_release(&d);
}

static void test_psnr_ssim(void)
{
	struct vlt_image a, b;
	struct vlt_vdiff d;

	filled(&a, 64, 64, 128, 128, 128, 255);
	filled(&b, 64, 64, 128, 128, 128, 255);
	ok(vlt_vdiff_compare(&d, &a, &b, NULL) == 0 && d.identical &&
	   isinf(d.psnr) && d.psnr > 0 && d.ssim == 1.0,
	   "identical: PSNR infinite, SSIM exactly 1");
	vlt_vdiff_release(&d);
	for (uint32_t y = 0; y < 64; y++)
		for (uint32_t x = 0; x < 64; x++) {
			uint8_t v = (x + y) % 2 ? 138 : 118;

			memset(at(&b, x, y), v, 3);
		}
	ok(vlt_vdiff_compare(&d, &a, &b, NULL) == 0 && d.changed_pixels == 0,
	   "noise of +-10 grey levels is below the threshold");
	/* MSE = 100 on every channel */
	ok(near(d.psnr, 10 * log10(255.0 * 255 / 100), 1e-9),
	   "PSNR of +-10 noise is 10 log10(255^2 / 100)");
	ok(d.ssim < 0.5 && d.ssim > -1, "SSIM of flat against noise is low");
	vlt_vdiff_release(&d);
	/* A with structure, B = A with mild noise: SSIM between */
	for (uint32_t y = 0; y < 64; y++)
		for (uint32_t x = 0; x < 64; x++) {
			memset(at(&a, x, y), (uint8_t)(x * 4), 3);
			memset(at(&b, x, y), (uint8_t)(x * 4 + ((x ^ y) & 1) * 3), 3);
		}
	ok(vlt_vdiff_compare(&d, &a, &b, NULL) == 0 && d.ssim > 0.9 &&
	   d.ssim < 1, "SSIM of a gradient with slight noise is near 1");
	vlt_vdiff_release(&d);
	vlt_image_release(&a);
	vlt_image_release(&b);

	filled(&a, 5, 3, 10, 10, 10, 255);
	filled(&b, 5, 3, 10, 10, 10, 255);
	at(&b, 2, 1)[0] = 200;
	ok(vlt_vdiff_compare(&d, &a, &b, NULL) == 0 && d.changed_pixels == 1 &&
	   d.ssim < 1 && d.ssim > 0, "a tiny image gets one SSIM window");
	vlt_vdiff_release(&d);
	vlt_image_release(&a);
	vlt_image_release(&b);
}

static void test_compare(void)
{
	struct vlt_image a, b, out;
	struct vlt_vdiff d;
	struct vlt_vdiff_opts o;

	filled(&a, 64, 48, 255, 255, 255, 255);
	filled(&b, 64, 48, 255, 255, 255, 255);
	rect(&a, 0, 40, 4, 4, 0, 0, 0);
	rect(&b, 0, 40, 4, 4, 0, 0, 0);
	rect(&b, 30, 12, 10, 20, 255, 0, 0);
	vlt_vdiff_opts_init(&o);
	ok(vlt_vdiff_compare(&d, &a, &b, &o) == 0 && d.changed_pixels == 200 &&
	   d.total_pixels == 64 * 48 && !d.size_changed,
	   "a 10x20 red rectangle is 200 changed pixels");
	ok(d.total_regions == 1 && region_is(&d, 0, 30, 12, 10, 20, 200),
	   "in one region at its box");
	ok(near(d.percent, 100.0 * 200 / (64 * 48), 1e-12), "percentage");
	ok(d.darker_pixels == 200, "red on white is darker");

	ok(vlt_vdiff_render(&out, &d, &a, &b, VLT_VDIFF_HIGHLIGHT, &o) == 0 &&
	   out.width == 64 && out.height == 48, "highlight has A's size");
	ok(!memcmp(at(&out, 31, 13), "\xff\0\0\xff", 4) &&
	   !memcmp(at(&out, 5, 5), "\xff\xff\xff\xff", 4) &&
	   !memcmp(at(&out, 1, 41), "\xe5\xe5\xe5\xff", 4),
	   "changes red, white stays white, black fades to 229");
	vlt_image_release(&out);
	ok(vlt_vdiff_render(&out, &d, &a, &b, VLT_VDIFF_MASK, &o) == 0 &&
	   at(&out, 31, 13)[0] == 255 && at(&out, 5, 5)[0] == 0 &&
	   at(&out, 1, 41)[0] == 0, "mask: white where changed, black elsewhere");
	vlt_image_release(&out);
	ok(vlt_vdiff_render(&out, &d, &a, &b, VLT_VDIFF_SIDE_BY_SIDE, &o) == 0 &&
	   out.width == 3 * 64 + 8 && out.height == 48 &&
	   !memcmp(at(&out, 31, 13), "\xff\xff\xff\xff", 4) &&
	   !memcmp(at(&out, 68 + 31, 13), "\xff\0\0\xff", 4) &&
	   at(&out, 64, 0)[0] == 128, "side-by-side: A | B | highlight");
	vlt_image_release(&out);
	ok(vlt_vdiff_render(&out, &d, &a, &b, VLT_VDIFF_ONION, &o) == 0 &&
	   !memcmp(at(&out, 29, 11), "\xff\0\0\xff", 4) &&
	   at(&out, 31, 13)[1] <= 64 && at(&out, 5, 5)[1] == 255,
	   "onion: changes tinted, regions outlined");
	vlt_image_release(&out);
	vlt_vdiff_release(&d);

	o.metric = VLT_VDIFF_OKLAB;
	ok(vlt_vdiff_compare(&d, &a, &b, &o) == 0 && d.changed_pixels == 200,
	   "oklab counts the same rectangle");
	vlt_vdiff_release(&d);
	o.threshold = 1.5;
	is_int(vlt_vdiff_compare(&d, &a, &b, &o), VLT_E_INVALID,
	       "a threshold above 1 is refused");
	vlt_image_release(&a);
	vlt_image_release(&b);

	filled(&a, 40, 30, 255, 255, 255, 255);
	filled(&b, 50, 30, 255, 255, 255, 255);
	ok(vlt_vdiff_compare(&d, &a, &b, NULL) == 0 && d.size_changed &&
	   d.width == 40 && d.height == 30 && d.changed_pixels == 0 &&
	   d.outside_pixels == 300 && d.width_b == 50,
	   "different sizes: the common area is compared, the rest reported");
	ok(vlt_vdiff_render(&out, &d, &a, &b, VLT_VDIFF_HIGHLIGHT, NULL) == 0 &&
	   out.width == 50 && !memcmp(at(&out, 48, 0), "\xff\0\0\xff", 4),
	   "and the picture covers both, hatching the extra part");
	vlt_image_release(&out);
	vlt_vdiff_release(&d);
	vlt_image_release(&a);
	vlt_image_release(&b);
}

static void test_alpha(void)
{
	struct vlt_image a, b;
	struct vlt_vdiff d;
	struct vlt_vdiff_opts o;

	vlt_vdiff_opts_init(&o);
	filled(&a, 8, 8, 0, 0, 0, 0);
	filled(&b, 8, 8, 255, 255, 255, 0);
	ok(vlt_vdiff_compare(&d, &a, &b, &o) == 0 && d.changed_pixels == 0 &&
	   isinf(d.psnr), "fully transparent pixels of any colour are equal");
	vlt_vdiff_release(&d);
	vlt_image_release(&a);
	filled(&a, 8, 8, 255, 255, 255, 255);
	ok(vlt_vdiff_compare(&d, &a, &b, &o) == 0 && d.changed_pixels == 64,
	   "white opaque vs white transparent differs over the pattern");
	vlt_vdiff_release(&d);
	o.background = VLT_VDIFF_BG_WHITE;
	ok(vlt_vdiff_compare(&d, &a, &b, &o) == 0 && d.changed_pixels == 0,
	   "but not over white");
	vlt_vdiff_release(&d);
	vlt_image_release(&a);
	vlt_image_release(&b);
}

static void test_16bit(void)
{
	struct vlt_image a, b;
	struct vlt_vdiff d;

	filled(&a, 16, 16, 128, 128, 128, 255);
	filled(&b, 16, 16, 128, 128, 128, 255);
	a.rgba16 = malloc(16 * 16 * 8);
	b.rgba16 = malloc(16 * 16 * 8);
	for (size_t i = 0; i < 16 * 16 * 4; i++) {
		a.rgba16[i] = i % 4 == 3 ? 65535 : 0x8080;
		b.rgba16[i] = i % 4 == 0 ? 0x8081 : a.rgba16[i];
	}
	ok(vlt_vdiff_compare(&d, &a, &b, NULL) == 0 && d.changed_pixels == 0 &&
	   d.identical, "16-bit: a difference below 8 bits is not a change");
	ok(near(d.psnr, 10 * log10(65535.0 * 65535 * 3), 1e-9),
	   "but PSNR sees it at 16 bits");
	vlt_vdiff_release(&d);
	vlt_image_release(&a);
	vlt_image_release(&b);
}

/* Mean SSIM the slow way: every 8x8 window every 4 pixels, luma over
 * white, straight from the pixels. */
static double naive_ssim(const struct vlt_image *a, const struct vlt_image *b)
{
	const double c1 = (0.01 * 255) * (0.01 * 255), c2 = (0.03 * 255) * (0.03 * 255);
	double sum = 0;
	uint64_t n = 0;

	for (uint32_t y0 = 0; y0 + 8 <= a->height; y0 += 4)
		for (uint32_t x0 = 0; x0 + 8 <= a->width; x0 += 4) {
			double sa = 0, sb = 0, ssa = 0, ssb = 0, sab = 0;

			for (uint32_t y = y0; y < y0 + 8; y++)
				for (uint32_t x = x0; x < x0 + 8; x++) {
					const struct vlt_image *im[2] = { a, b };
					double l[2];

					for (int k = 0; k < 2; k++) {
						const uint8_t *p = im[k]->rgba +
							((size_t)y * im[k]->width + x) * 4;
						unsigned c[3];

						for (int j = 0; j < 3; j++)
							c[j] = (p[j] * p[3] + 255 * (255 - p[3]) +
								127) / 255;
						l[k] = (77 * c[0] + 150 * c[1] + 29 * c[2] +
							128) >> 8;
					}
					sa += l[0];
					sb += l[1];
					ssa += l[0] * l[0];
					ssb += l[1] * l[1];
					sab += l[0] * l[1];
				}
			{
				double ma = sa / 64, mb = sb / 64;
				double va = ssa / 64 - ma * ma, vb = ssb / 64 - mb * mb;
				double cov = sab / 64 - ma * mb;

				sum += ((2 * ma * mb + c1) * (2 * cov + c2)) /
				       ((ma * ma + mb * mb + c1) * (va + vb + c2));
				n++;
			}
		}
	return sum / (double)n;
}

static void test_threads(void)
{
	struct vlt_image a, b;
	struct vlt_vdiff d1, d3;
	struct vlt_vdiff_opts o;
	uint64_t s = 42;

	filled(&a, 300, 301, 255, 255, 255, 255);
	filled(&b, 300, 301, 255, 255, 255, 255);
	/* stripes 8 wide; B softens some edges (AA) and gets random
	 * pixels, some semi-transparent */
	for (uint32_t y = 0; y < 301; y++)
		for (uint32_t x = 0; x < 300; x++) {
			uint8_t *p = at(&a, x, y), *q = at(&b, x, y);
			uint8_t v = (x / 8) % 2 ? 255 : 0;

			s = s * 6364136223846793005ull + 1442695040888963407ull;
			memset(p, v, 3);
			memcpy(q, p, 4);
			if (x % 8 == 0 && x && (y / 16) % 2)
				memset(q, 128, 3);
			if ((s >> 40) % 50 == 0) {
				q[0] = (uint8_t)(s >> 32);
				q[1] = (uint8_t)(s >> 24);
				q[3] = (s >> 16) % 2 ? 255 : (uint8_t)(s >> 8);
			}
		}
	for (int m = 0; m < 2; m++) {
		vlt_vdiff_opts_init(&o);
		o.metric = m ? VLT_VDIFF_OKLAB : VLT_VDIFF_YIQ;
		o.threads = 1;
		vlt_vdiff_compare(&d1, &a, &b, &o);
		o.threads = 3;
		vlt_vdiff_compare(&d3, &a, &b, &o);
		ok(d1.changed_pixels > 1000 && d1.aa_pixels > 100 &&
		   d1.changed_pixels == d3.changed_pixels &&
		   d1.aa_pixels == d3.aa_pixels &&
		   d1.darker_pixels == d3.darker_pixels &&
		   !memcmp(d1.classes, d3.classes, 300 * 301) &&
		   d1.psnr == d3.psnr && fabs(d1.ssim - d3.ssim) < 1e-12 &&
		   d1.total_regions == d3.total_regions,
		   "%s: 1 and 3 threads give the same result",
		   vlt_vdiff_metric_name(o.metric));
		{
			size_t nr = d1.nr_regions, total = d1.total_regions;
			struct vlt_vdiff_region *keep = malloc(nr * sizeof(*keep) + 1);

			memcpy(keep, d1.regions, nr * sizeof(*keep));
			ok(vlt_vdiff_find_regions(&d1, 8, 256) == 0 &&
			   d1.nr_regions == nr && d1.total_regions == total &&
			   !memcmp(keep, d1.regions, nr * sizeof(*keep)),
			   "%s: regions from the class map alone are the same",
			   vlt_vdiff_metric_name(o.metric));
			free(keep);
		}
		ok(near(d1.ssim, naive_ssim(&a, &b), 1e-12),
		   "%s: SSIM equals the windows computed one by one",
		   vlt_vdiff_metric_name(o.metric));
		vlt_vdiff_release(&d1);
		vlt_vdiff_release(&d3);
	}
	/* differences in a small part of the rows: the skipped windows */
	memcpy(b.rgba, a.rgba, 300 * 301 * 4);
	rect(&b, 100, 50, 7, 90, 10, 200, 30);
	rect(&b, 3, 250, 2, 2, 10, 200, 30);
	rect(&b, 293, 290, 7, 3, 10, 200, 30);
	vlt_vdiff_compare(&d1, &a, &b, NULL);
	ok(near(d1.ssim, naive_ssim(&a, &b), 1e-12) && d1.ssim < 1,
	   "SSIM with local changes equals the full computation");
	vlt_vdiff_release(&d1);
	vlt_image_release(&a);
	vlt_image_release(&b);
}

static void test_names(void)
{
	enum vlt_vdiff_mode m;
	enum vlt_vdiff_metric me;
	enum vlt_vdiff_background bg;

	ok(vlt_vdiff_mode_parse("side-by-side", &m) == 0 &&
	   m == VLT_VDIFF_SIDE_BY_SIDE && !strcmp(vlt_vdiff_mode_name(m),
						  "side-by-side"),
	   "mode names");
	ok(vlt_vdiff_metric_parse("oklab", &me) == 0 && me == VLT_VDIFF_OKLAB &&
	   vlt_vdiff_background_parse("white", &bg) == 0 &&
	   bg == VLT_VDIFF_BG_WHITE, "metric and background names");
	is_int(vlt_vdiff_metric_parse("rgb", &me), VLT_E_INVALID,
	       "unknown names are invalid");
}

int main(void)
{
	tap_plan_lazy();
	test_yiq();
	test_oklab();
	test_aa();
	test_regions();
	test_psnr_ssim();
	test_compare();
	test_alpha();
	test_16bit();
	test_threads();
	test_names();
	return tap_done();
}
