/*
 * visual-metrics.c - pixel comparison of two images (see visual-diff.h):
 * each pixel classified, PSNR and SSIM, in row bands.
 *
 * The big idea is pixelmatch's: a perceptual colour distance per pixel,
 * a threshold, and an anti-aliasing detector that forgives pixels on the
 * soft edge of a shape. The arithmetic follows pixelmatch's JavaScript
 * operation for operation, in doubles, so that the counts agree exactly;
 * that is also why floating-point contraction (fused multiply-add) is
 * turned off for this file: it would round differently.
 *
 * Speed comes from doing as little as possible per pixel: whole rows are
 * compared with memcmp first, then pixels as 32-bit words, and only the
 * pixels that differ get the colour maths; the work is split into row
 * bands, one per thread. Everything a band writes is its own (its rows
 * of the class map, its counters), everything it reads is shared and
 * read-only, so the bands need no locking and give the same result as a
 * single pass.
 *
 * The bands run on the core's thread pool (lib/pool.h).
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "image.h"
#include "pool.h"
#include "visual-diff.h"
#include "visual-internal.h"

#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

void vlt_vdiff_opts_init(struct vlt_vdiff_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->metric = VLT_VDIFF_YIQ;
	o->threshold = VLT_VDIFF_THRESHOLD_DEFAULT;
	o->background = VLT_VDIFF_BG_CHECKER;
	o->region_gap = VLT_VDIFF_REGION_GAP_DEFAULT;
	o->max_regions = VLT_VDIFF_MAX_REGIONS_DEFAULT;
	o->alpha = 0.1;
	o->diff_color[0] = 255;
	o->darker_color[0] = 255;
	o->aa_color[0] = 255;
	o->aa_color[1] = 255;
}

void vlt_vdiff_init(struct vlt_vdiff *d)
{
	memset(d, 0, sizeof(*d));
	d->psnr = NAN;
	d->ssim = NAN;
}

void vlt_vdiff_release(struct vlt_vdiff *d)
{
	free(d->regions);
	free(d->classes);
	vlt_vdiff_init(d);
}

/* --- names ----------------------------------------------------------- */

static const char *const metric_names[] = { "yiq", "oklab" };
static const char *const bg_names[] = { "checker", "white" };
static const char *const mode_names[] = {
	"highlight", "side-by-side", "onion", "mask"
};

static int parse_name(const char *s, const char *const *names, int n,
		      const char *what)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(s, names[i]))
			return i;
	return vlt_error_set(VLT_E_INVALID, "unknown %s '%s'", what, s);
}

int vlt_vdiff_metric_parse(const char *s, enum vlt_vdiff_metric *out)
{
	int v = parse_name(s, metric_names, 2, "metric");

	if (v < 0)
		return v;
	*out = (enum vlt_vdiff_metric)v;
	return 0;
}

const char *vlt_vdiff_metric_name(enum vlt_vdiff_metric m)
{
	return (unsigned)m < 2 ? metric_names[m] : "?";
}

int vlt_vdiff_background_parse(const char *s, enum vlt_vdiff_background *out)
{
	int v = parse_name(s, bg_names, 2, "background");

	if (v < 0)
		return v;
	*out = (enum vlt_vdiff_background)v;
	return 0;
}

const char *vlt_vdiff_background_name(enum vlt_vdiff_background bg)
{
	return (unsigned)bg < 2 ? bg_names[bg] : "?";
}

int vlt_vdiff_mode_parse(const char *s, enum vlt_vdiff_mode *out)
{
	int v = parse_name(s, mode_names, 4, "mode");

	if (v < 0)
		return v;
	*out = (enum vlt_vdiff_mode)v;
	return 0;
}

const char *vlt_vdiff_mode_name(enum vlt_vdiff_mode mode)
{
	return (unsigned)mode < 4 ? mode_names[mode] : "?";
}

/* --- pixelmatch 7.x: YIQ --------------------------------------------- */

/*
 * pixelmatch 7's "checkerboard" for semi-transparent pixels: keyed on the
 * pixel's byte offset k = 4 * index, so the red part is always 48 and the
 * others flip with the parity of k / phi and k / phi^2. Not a visible
 * checkerboard at all, but it is what the counts depend on.
 */
static inline void bg7(uint64_t index, int bg, int *rb, int *gb, int *bb)
{
	double k = (double)(index * 4);

	if (bg == VLT_VDIFF_BG_WHITE) {
		*rb = *gb = *bb = 255;
		return;
	}
	*rb = 48 + 159 * (int)((index * 4) % 2);
	*gb = 48 + 159 * (int)((int64_t)(k / 1.618033988749895) % 2);
	*bb = 48 + 159 * (int)((int64_t)(k / 2.618033988749895) % 2);
}

/* pixelmatch's colorDelta(): signed squared YIQ distance (p1 != p2). */
static inline double yiq_delta(const uint8_t *p1, const uint8_t *p2,
			       uint64_t index, int bg)
{
	int r1 = p1[0], g1 = p1[1], b1 = p1[2], a1 = p1[3];
	int r2 = p2[0], g2 = p2[1], b2 = p2[2], a2 = p2[3];
	double dr, dg, db, y, i, q, delta;

	if (a1 < 255 || a2 < 255) {
		int rb, gb, bb, da = a1 - a2;

		bg7(index, bg, &rb, &gb, &bb);
		dr = (double)(r1 * a1 - r2 * a2 - rb * da) / 255;
		dg = (double)(g1 * a1 - g2 * a2 - gb * da) / 255;
		db = (double)(b1 * a1 - b2 * a2 - bb * da) / 255;
	} else {
		dr = r1 - r2;
		dg = g1 - g2;
		db = b1 - b2;
	}
	y = dr * 0.29889531 + dg * 0.58662247 + db * 0.11448223;
	i = dr * 0.59597799 - dg * 0.27417610 - db * 0.32180189;
	q = dr * 0.21147017 - dg * 0.52261711 + db * 0.31114694;
	delta = 0.5053 * y * y + 0.299 * i * i + 0.1957 * q * q;
	return y > 0 ? -delta : delta;
}

double vlt_vdiff_yiq_delta(const uint8_t p1[4], const uint8_t p2[4],
			   uint64_t index, enum vlt_vdiff_background bg)
{
	if (!memcmp(p1, p2, 4))
		return 0;
	return yiq_delta(p1, p2, index, bg);
}

/* pixelmatch 7's brightnessDelta(): the luma step from the centre pixel c
 * to its neighbour n; the background is the centre's. */
static inline double bright7(const uint8_t *c, const uint8_t *n,
			     uint64_t index, int bg)
{
	int r1 = c[0], g1 = c[1], b1 = c[2], a1 = c[3];
	int r2 = n[0], g2 = n[1], b2 = n[2], a2 = n[3];
	int ir = r1 - r2, ig = g1 - g2, ib = b1 - b2, da = a1 - a2;
	double dr = ir, dg = ig, db = ib;

	if (!ir && !ig && !ib && !da)
		return 0;
	if (a1 < 255 || a2 < 255) {
		int rb, gb, bb;

		bg7(index, bg, &rb, &gb, &bb);
		dr = (double)(r1 * a1 - r2 * a2 - rb * da) / 255;
		dg = (double)(g1 * a1 - g2 * a2 - gb * da) / 255;
		db = (double)(b1 * a1 - b2 * a2 - bb * da) / 255;
	}
	return dr * 0.29889531 + dg * 0.58662247 + db * 0.11448223;
}

/* pixelmatch 8's: semi-transparent pixels always over white, and an
 * alpha step alone still gives a direction. */
static inline double bright8(const uint8_t *c, const uint8_t *n)
{
	int r1 = c[0], g1 = c[1], b1 = c[2], a1 = c[3];
	int r2 = n[0], g2 = n[1], b2 = n[2], a2 = n[3];
	int ir = r1 - r2, ig = g1 - g2, ib = b1 - b2, da = a1 - a2;

	if (!ir && !ig && !ib && !da)
		return 0;
	if (a1 < 255 || a2 < 255) {
		double dr = (double)(r1 * a1 - r2 * a2 - 255 * da) / 255;
		double dg = (double)(g1 * a1 - g2 * a2 - 255 * da) / 255;
		double db = (double)(b1 * a1 - b2 * a2 - 255 * da) / 255;
		double d = dr * 0.29889531 + dg * 0.58662247 + db * 0.11448223;

		return d == 0 && da ? da / 2.0 : d;
	}
	return (double)ir * 0.29889531 + (double)ig * 0.58662247 +
	       (double)ib * 0.11448223;
}

/* --- pixelmatch 8: OKLab HyAB ---------------------------------------- */

#define CBRT_N 4096
#define CBRT_EXACT 8
#define TOE_K1 0.206
#define TOE_K2 0.03
#define TOE_K3 ((1 + TOE_K1) / (1 + TOE_K2))

static double lin_tab[257];          /* sRGB byte -> linear 0..1 */
static double lms_tab[9][256];       /* L_R, L_G, L_B, M_R, ... S_B */
static double cbrt_tab[CBRT_N + 2];
static pthread_once_t oklab_once = PTHREAD_ONCE_INIT;

static const double lms_m[9] = {
	0.4122214708, 0.5363325363, 0.0514459929,
	0.2119034982, 0.6806995451, 0.1073969566,
	0.0883024619, 0.2817188376, 0.6299787005,
};

static void oklab_tables(void)
{
	for (int i = 0; i < 256; i++) {
		double c = i / 255.0;

		lin_tab[i] = c <= 0.04045 ? c / 12.92 :
			     pow((c + 0.055) / 1.055, 2.4);
	}
	lin_tab[256] = lin_tab[255];
	for (int i = 0; i < 256; i++)
		for (int j = 0; j < 9; j++)
			lms_tab[j][i] = lms_m[j] * lin_tab[i];
	for (int i = 0; i <= CBRT_N + 1; i++)
		cbrt_tab[i] = cbrt((double)i / CBRT_N);
}

/* pixelmatch 8 takes cube roots from a table, interpolated, except near
 * zero where the curve is too steep for that; so do we, to agree. */
static inline double cbrt_lut(double x)
{
	double t = x * CBRT_N;
	int i = (int)t;

	if (i < CBRT_EXACT)
		return cbrt(x);
	if (i > CBRT_N)
		i = CBRT_N;
	return cbrt_tab[i] + (cbrt_tab[i + 1] - cbrt_tab[i]) * (t - i);
}

static inline double lin_lut(double x)
{
	int i = (int)x;

	return lin_tab[i] + (lin_tab[i + 1] - lin_tab[i]) * (x - i);
}

/* Toe-corrected OKLab lightness Lr from cube-rooted LMS. */
static inline double lightness(double l, double m, double s)
{
	double L = 0.2104542553 * l + 0.7936177850 * m - 0.0040720468 * s;
	double x = TOE_K3 * L - TOE_K1;

	return 0.5 * (x + sqrt(x * x + 4 * TOE_K2 * TOE_K3 * L));
}

struct lms {
	double l, m, s, lr;
};

static inline void lms_opaque(int r, int g, int b, struct lms *o)
{
	o->l = cbrt_lut(lms_tab[0][r] + lms_tab[1][g] + lms_tab[2][b]);
	o->m = cbrt_lut(lms_tab[3][r] + lms_tab[4][g] + lms_tab[5][b]);
	o->s = cbrt_lut(lms_tab[6][r] + lms_tab[7][g] + lms_tab[8][b]);
	o->lr = lightness(o->l, o->m, o->s);
}

static inline void lms_frac(double r, double g, double b, struct lms *o)
{
	double lr = lin_lut(r), lg = lin_lut(g), lb = lin_lut(b);

	o->l = cbrt_lut(lms_m[0] * lr + lms_m[1] * lg + lms_m[2] * lb);
	o->m = cbrt_lut(lms_m[3] * lr + lms_m[4] * lg + lms_m[5] * lb);
	o->s = cbrt_lut(lms_m[6] * lr + lms_m[7] * lg + lms_m[8] * lb);
	o->lr = lightness(o->l, o->m, o->s);
}

/* pixelmatch 8's background: one of 8 colours from a Fibonacci hash. */
static inline void bg8(uint64_t index, int bg, int *rb, int *gb, int *bb)
{
	uint32_t h = (uint32_t)index * 0x9e3779b1u;

	if (bg == VLT_VDIFF_BG_WHITE) {
		*rb = *gb = *bb = 255;
		return;
	}
	*rb = 48 + 159 * (int)(h >> 31);
	*gb = 48 + 159 * (int)((h >> 30) & 1);
	*bb = 48 + 159 * (int)((h >> 29) & 1);
}

static void lms_pair(const uint8_t *p1, const uint8_t *p2, uint64_t index,
		     int bg, struct lms *o1, struct lms *o2)
{
	int rb, gb, bb;
	int a1 = p1[3], a2 = p2[3];

	if (a1 == 255 && a2 == 255) {
		lms_opaque(p1[0], p1[1], p1[2], o1);
		lms_opaque(p2[0], p2[1], p2[2], o2);
		return;
	}
	bg8(index, bg, &rb, &gb, &bb);
	lms_frac((double)(p1[0] * a1 + rb * (255 - a1)) / 255,
		 (double)(p1[1] * a1 + gb * (255 - a1)) / 255,
		 (double)(p1[2] * a1 + bb * (255 - a1)) / 255, o1);
	lms_frac((double)(p2[0] * a2 + rb * (255 - a2)) / 255,
		 (double)(p2[1] * a2 + gb * (255 - a2)) / 255,
		 (double)(p2[2] * a2 + bb * (255 - a2)) / 255, o2);
}

static inline void oklab_ab(const struct lms *o1, const struct lms *o2,
			    double *da, double *db)
{
	double dl = o1->l - o2->l, dm = o1->m - o2->m, ds = o1->s - o2->s;

	*da = 1.9779984951 * dl - 2.4285922050 * dm + 0.4505937099 * ds;
	*db = 0.0259040371 * dl + 0.7827717662 * dm - 0.8086757660 * ds;
}

/* pixelmatch 8's oklabHyabDelta: 0 within max, else -1 (p2 darker) / 1;
 * the square root is folded into the comparison. */
static inline int hyab_over(const struct lms *o1, const struct lms *o2,
			    double max)
{
	double dlr = o1->lr - o2->lr, rest = max - fabs(dlr), da, db;

	if (rest >= 0) {
		oklab_ab(o1, o2, &da, &db);
		if (da * da + db * db <= rest * rest)
			return 0;
	}
	return dlr > 0 ? -1 : 1;
}

double vlt_vdiff_oklab_delta(const uint8_t p1[4], const uint8_t p2[4],
			     uint64_t index, enum vlt_vdiff_background bg)
{
	struct lms o1, o2;
	double da, db, dlr, d;

	if (!memcmp(p1, p2, 4))
		return 0;
	pthread_once(&oklab_once, oklab_tables);
	lms_pair(p1, p2, index, bg, &o1, &o2);
	oklab_ab(&o1, &o2, &da, &db);
	dlr = o1.lr - o2.lr;
	d = fabs(dlr) + sqrt(da * da + db * db);
	return dlr > 0 ? -d : d;
}

/*
 * A direct-mapped cache of opaque colours' LMS values (pixelmatch 8 has
 * the same): photographs and UI shots repeat colours a lot, and the cube
 * roots are the expensive part. One per band, so no sharing.
 */
#define OKC_BITS 12
#define OKC_SIZE (1u << OKC_BITS)

struct vlt_vdiff_okcache {
	uint32_t key[OKC_SIZE];   /* rgb + 1; 0 = empty */
	struct lms val[OKC_SIZE];
};

static inline void lms_cached(struct vlt_vdiff_okcache *c, int r, int g, int b,
			      struct lms *o)
{
	uint32_t key = (uint32_t)(r << 16 | g << 8 | b);
	uint32_t slot = (key * 0x9e3779b1u) >> (32 - OKC_BITS);

	if (c->key[slot] == key + 1) {
		*o = c->val[slot];
		return;
	}
	lms_opaque(r, g, b, o);
	c->key[slot] = key + 1;
	c->val[slot] = *o;
}

/* --- the comparison -------------------------------------------------- */

struct vlt_vdiff_cmp {
	const uint8_t *a, *b;     /* RGBA8, top-left of the common area */
	size_t sa, sb;            /* row strides in bytes */
	const uint16_t *a16, *b16;/* RGBA16 or NULL */
	uint32_t w, h;            /* common area */
	int metric, bg, include_aa, quality;
	double max;               /* yiq: 35215 t^2; oklab: t */
	uint8_t *classes;
	/* per row of the common area: the columns where A and B differ at
	 * all (lo > hi: the row is bit-identical), and the counted pixels */
	uint32_t *row_lo, *row_hi, *row_counted;
};

static inline uint32_t px32(const uint8_t *row, uint32_t x)
{
	uint32_t v;

	memcpy(&v, row + (size_t)x * 4, 4);
	return v;
}

/* pixelmatch's hasManySiblings(): 3+ of the 8 neighbours equal it (the
 * image edge counts as one). */
static int many_siblings(const uint8_t *img, size_t stride, uint32_t w,
			 uint32_t h, uint32_t x1, uint32_t y1)
{
	uint32_t x0 = x1 > 0 ? x1 - 1 : 0, y0 = y1 > 0 ? y1 - 1 : 0;
	uint32_t x2 = x1 + 1 < w ? x1 + 1 : w - 1;
	uint32_t y2 = y1 + 1 < h ? y1 + 1 : h - 1;
	uint32_t val = px32(img + y1 * stride, x1);
	int zeroes = x1 == x0 || x1 == x2 || y1 == y0 || y1 == y2;

	for (uint32_t x = x0; x <= x2; x++)
		for (uint32_t y = y0; y <= y2; y++) {
			if (x == x1 && y == y1)
				continue;
			zeroes += val == px32(img + y * stride, x);
			if (zeroes > 2)
				return 1;
		}
	return 0;
}

/*
 * pixelmatch's antialiased() for pixel (x1, y1) of img (one of a, b).
 * The neighbours are visited column by column as pixelmatch does: ties
 * keep the first darkest/brightest neighbour, and which one is kept
 * decides the sibling test.
 */
static int antialiased(const struct vlt_vdiff_cmp *c, const uint8_t *img,
		       size_t stride, uint32_t x1, uint32_t y1)
{
	uint32_t w = c->w, h = c->h;
	uint32_t x0 = x1 > 0 ? x1 - 1 : 0, y0 = y1 > 0 ? y1 - 1 : 0;
	uint32_t x2 = x1 + 1 < w ? x1 + 1 : w - 1;
	uint32_t y2 = y1 + 1 < h ? y1 + 1 : h - 1;
	const uint8_t *cp = img + y1 * stride + (size_t)x1 * 4;
	uint64_t index = (uint64_t)y1 * w + x1;
	int zeroes = x1 == x0 || x1 == x2 || y1 == y0 || y1 == y2;
	double min = 0, max = 0;
	uint32_t min_x = 0, min_y = 0, max_x = 0, max_y = 0;

	for (uint32_t x = x0; x <= x2; x++)
		for (uint32_t y = y0; y <= y2; y++) {
			const uint8_t *np;
			double delta;

			if (x == x1 && y == y1)
				continue;
			np = img + y * stride + (size_t)x * 4;
			delta = c->metric == VLT_VDIFF_OKLAB ? bright8(cp, np) :
				bright7(cp, np, index, c->bg);
			if (delta == 0) {
				if (++zeroes > 2)
					return 0;
			} else if (delta < min) {
				min = delta;
				min_x = x;
				min_y = y;
			} else if (delta > max) {
				max = delta;
				max_x = x;
				max_y = y;
			}
		}
	if (min == 0 || max == 0)
		return 0;
	return (many_siblings(c->a, c->sa, w, h, min_x, min_y) &&
		many_siblings(c->b, c->sb, w, h, min_x, min_y)) ||
	       (many_siblings(c->a, c->sa, w, h, max_x, max_y) &&
		many_siblings(c->b, c->sb, w, h, max_x, max_y));
}

/* Squared differences of a non-identical pixel pair, flattened over
 * white, for PSNR. */
static inline void psnr_add(struct vlt_vdiff_band *bd, const uint8_t *p,
			    const uint8_t *q)
{
	if ((p[3] & q[3]) == 255) {
		int dr = p[0] - q[0], dg = p[1] - q[1], db = p[2] - q[2];

		bd->sq_opaque += (uint64_t)(dr * dr + dg * dg + db * db);
	} else {
		int ap = p[3], aq = q[3];

		for (int k = 0; k < 3; k++) {
			int64_t d = (int64_t)(p[k] * ap + 255 * (255 - ap)) -
				    (q[k] * aq + 255 * (255 - aq));

			bd->sq_blend += (uint64_t)(d * d);
		}
	}
}

/* Classify one pixel pair that is not bit-identical. */
static inline uint8_t classify_px(struct vlt_vdiff_band *bd, const uint8_t *p,
				  const uint8_t *q, uint32_t x, uint32_t y)
{
	const struct vlt_vdiff_cmp *c = bd->c;
	uint64_t index = (uint64_t)y * c->w + x;
	int sign;

	if (c->quality)
		psnr_add(bd, p, q);
	if (c->metric == VLT_VDIFF_YIQ) {
		double delta = yiq_delta(p, q, index, c->bg);

		sign = fabs(delta) > c->max ? (delta < 0 ? -1 : 1) : 0;
	} else {
		struct lms o1, o2;

		if ((p[3] & q[3]) == 255) {
			lms_cached(bd->okc, p[0], p[1], p[2], &o1);
			lms_cached(bd->okc, q[0], q[1], q[2], &o2);
		} else {
			lms_pair(p, q, index, c->bg, &o1, &o2);
		}
		sign = hyab_over(&o1, &o2, c->max);
	}
	if (!sign)
		return VLT_VDIFF_SAME;
	if (!c->include_aa && (antialiased(c, c->a, c->sa, x, y) ||
			       antialiased(c, c->b, c->sb, x, y))) {
		bd->aa++;
		return VLT_VDIFF_AA;
	}
	bd->changed++;
	if (sign < 0) {
		bd->darker++;
		return VLT_VDIFF_DARKER;
	}
	return VLT_VDIFF_CHANGED;
}

/*
 * Most pixels of most rows are identical: the row is cleared first, and
 * pixels are compared four at a time (16 bytes) until a group differs.
 * Each row records its counted pixels and the span of columns where A
 * and B differ at all (SSIM and regions skip the rest).
 */
static void classify_band(struct vlt_vdiff_band *bd)
{
	const struct vlt_vdiff_cmp *c = bd->c;
	uint32_t w = c->w;

	for (uint32_t y = bd->y0; y < bd->y1; y++) {
		const uint8_t *ra = c->a + y * c->sa, *rb = c->b + y * c->sb;
		uint8_t *cl = c->classes + (size_t)y * w;
		uint32_t lo = UINT32_MAX, hi = 0, counted = 0;

		memset(cl, VLT_VDIFF_SAME, w);
		c->row_lo[y] = 1;
		c->row_hi[y] = 0;
		c->row_counted[y] = 0;
		if (!memcmp(ra, rb, (size_t)w * 4))
			continue;
		for (uint32_t x = 0; x < w; x++) {
			uint8_t k;

			if ((x & 3) == 0 && x + 4 <= w &&
			    !memcmp(ra + (size_t)x * 4, rb + (size_t)x * 4, 16)) {
				x += 3;
				continue;
			}
			if (px32(ra, x) == px32(rb, x))
				continue;
			if (x < lo)
				lo = x;
			hi = x;
			k = classify_px(bd, ra + (size_t)x * 4, rb + (size_t)x * 4,
					x, y);
			cl[x] = k;
			counted += k == VLT_VDIFF_CHANGED || k == VLT_VDIFF_DARKER;
		}
		c->row_lo[y] = lo;
		c->row_hi[y] = hi;
		c->row_counted[y] = counted;
	}
}

/* --- PSNR (16-bit) and SSIM ------------------------------------------ */

static void psnr16_band(struct vlt_vdiff_band *bd)
{
	const struct vlt_vdiff_cmp *c = bd->c;
	size_t sa = c->sa, sb = c->sb;  /* 4 samples a pixel, as bytes in 8 bits */

	for (uint32_t y = bd->y0; y < bd->y1; y++) {
		const uint16_t *ra = c->a16 + y * sa, *rb = c->b16 + y * sb;
		double sum = 0;

		if (!memcmp(ra, rb, (size_t)c->w * 8))
			continue;
		for (uint32_t x = 0; x < c->w; x++) {
			const uint16_t *p = ra + (size_t)x * 4, *q = rb + (size_t)x * 4;
			uint64_t ap = p[3], aq = q[3];

			for (int k = 0; k < 3; k++) {
				double d = (double)(p[k] * ap + 65535 * (65535 - ap)) -
					   (double)(q[k] * aq + 65535 * (65535 - aq));

				sum += d * d;
			}
		}
		bd->sq16 += sum;
	}
}

/* Luma 0..255 of an RGBA8 pixel flattened over white (Rec. 601). */
static inline unsigned luma(const uint8_t *p)
{
	unsigned r = p[0], g = p[1], b = p[2], a = p[3];

	if (a != 255) {
		r = (r * a + 255 * (255 - a) + 127) / 255;
		g = (g * a + 255 * (255 - a) + 127) / 255;
		b = (b * a + 255 * (255 - a) + 127) / 255;
	}
	return (77 * r + 150 * g + 29 * b + 128) >> 8;
}

struct bsum {
	uint32_t sa, sb, ssa, ssb, sab;
};

/* Sums over the 4x4 blocks b0..b1 of block row j (pixel rows 4j..4j+3). */
static void block_row(const struct vlt_vdiff_cmp *c, uint32_t j, uint32_t b0,
		      uint32_t b1, struct bsum *out)
{
	memset(out + b0, 0, (b1 - b0 + 1) * sizeof(*out));
	for (uint32_t r = 0; r < 4; r++) {
		const uint8_t *ra = c->a + (4 * j + r) * c->sa;
		const uint8_t *rb = c->b + (4 * j + r) * c->sb;

		for (uint32_t bx = b0; bx <= b1; bx++) {
			struct bsum *s = &out[bx];

			for (uint32_t k = 0; k < 4; k++) {
				size_t off = ((size_t)bx * 4 + k) * 4;
				uint32_t la = luma(ra + off), lb = luma(rb + off);

				s->sa += la;
				s->sb += lb;
				s->ssa += la * la;
				s->ssb += lb * lb;
				s->sab += la * lb;
			}
		}
	}
}

#define SSIM_C1 ((0.01 * 255) * (0.01 * 255))
#define SSIM_C2 ((0.03 * 255) * (0.03 * 255))

static double ssim_window(double sa, double sb, double ssa, double ssb,
			  double sab, double n)
{
	double ma = sa / n, mb = sb / n;
	double va = ssa / n - ma * ma, vb = ssb / n - mb * mb;
	double cov = sab / n - ma * mb;

	return ((2 * ma * mb + SSIM_C1) * (2 * cov + SSIM_C2)) /
	       ((ma * ma + mb * mb + SSIM_C1) * (va + vb + SSIM_C2));
}

/*
 * Mean SSIM over 8x8 windows every 4 pixels (x264's layout): window row
 * j covers pixel rows 4j..4j+7, i.e. block rows j and j+1. A window over
 * pixels that are bit-identical in A and B is exactly 1, so only the
 * windows meeting the span of columns where those 8 rows differ are
 * computed. Block row r lives in slot r & 1 (j and j + 1 never clash),
 * with the range of blocks it holds, and is reused when that covers what
 * the next window row needs.
 */
static void ssim_band(struct vlt_vdiff_band *bd)
{
	const struct vlt_vdiff_cmp *c = bd->c;
	uint32_t nbx = c->w / 4, nwx = nbx - 1;
	struct bsum *buf = malloc(2 * (size_t)nbx * sizeof(*buf));
	int64_t have[2] = { -1, -1 };
	uint32_t have_b0[2] = { 0, 0 }, have_b1[2] = { 0, 0 };

	if (!buf) {
		bd->err = VLT_E_NOMEM;
		return;
	}
	for (uint32_t j = bd->y0; j < bd->y1; j++) {
		const struct bsum *top, *bot;
		uint32_t lo = UINT32_MAX, hi = 0, i0, i1;

		for (uint32_t y = 4 * j; y < 4 * j + 8; y++)
			if (c->row_lo[y] <= c->row_hi[y]) {
				if (c->row_lo[y] < lo)
					lo = c->row_lo[y];
				if (c->row_hi[y] > hi)
					hi = c->row_hi[y];
			}
		bd->ssim_n += nwx;
		i0 = lo >= 7 ? (lo - 7 + 3) / 4 : 0;
		i1 = hi / 4 < nwx - 1 ? hi / 4 : nwx - 1;
		if (lo > hi || i0 > i1) {
			bd->ssim_sum += nwx;
			continue;
		}
		bd->ssim_sum += nwx - (i1 - i0 + 1);
		for (uint32_t r = j; r <= j + 1; r++) {
			int k = r & 1;

			if (have[k] != r || have_b0[k] > i0 || have_b1[k] < i1 + 1) {
				block_row(c, r, i0, i1 + 1, buf + (size_t)k * nbx);
				have[k] = r;
				have_b0[k] = i0;
				have_b1[k] = i1 + 1;
			}
		}
		top = buf + (j & 1) * (size_t)nbx;
		bot = buf + ((j + 1) & 1) * (size_t)nbx;
		for (uint32_t i = i0; i <= i1; i++) {
			const struct bsum *s0 = &top[i], *s1 = &top[i + 1];
			const struct bsum *s2 = &bot[i], *s3 = &bot[i + 1];

			bd->ssim_sum += ssim_window(
				(double)s0->sa + s1->sa + s2->sa + s3->sa,
				(double)s0->sb + s1->sb + s2->sb + s3->sb,
				(double)s0->ssa + s1->ssa + s2->ssa + s3->ssa,
				(double)s0->ssb + s1->ssb + s2->ssb + s3->ssb,
				(double)s0->sab + s1->sab + s2->sab + s3->sab,
				64);
		}
	}
	free(buf);
}

/* An image smaller than 8 pixels either way: one window over all of it. */
static double ssim_small(const struct vlt_vdiff_cmp *c)
{
	double sa = 0, sb = 0, ssa = 0, ssb = 0, sab = 0;

	for (uint32_t y = 0; y < c->h; y++)
		for (uint32_t x = 0; x < c->w; x++) {
			double la = luma(c->a + y * c->sa + (size_t)x * 4);
			double lb = luma(c->b + y * c->sb + (size_t)x * 4);

			sa += la;
			sb += lb;
			ssa += la * la;
			ssb += lb * lb;
			sab += la * lb;
		}
	return ssim_window(sa, sb, ssa, ssb, sab, (double)c->w * c->h);
}

/* --- bands ----------------------------------------------------------- */

unsigned vlt_vdiff_threads(unsigned want, uint64_t work)
{
	if (work < 65536)
		return 1;  /* not worth a thread */
	return (unsigned)vlt_pool_threads((int)want, VLT_VDIFF_MAX_THREADS);
}

static int band_item(void *arg, size_t i)
{
	struct vlt_vdiff_band *bd = arg;

	bd[i].fn(&bd[i]);
	return 0;
}

void vlt_vdiff_run_bands(struct vlt_vdiff_band *bd, unsigned n,
			 uint32_t units, void (*fn)(struct vlt_vdiff_band *))
{
	for (unsigned i = 0; i < n; i++) {
		bd[i].fn = fn;
		bd[i].y0 = (uint32_t)((uint64_t)units * i / n);
		bd[i].y1 = (uint32_t)((uint64_t)units * (i + 1) / n);
	}
	/* band_item cannot fail: nothing to check */
	(void)vlt_pool_for((int)n, n, band_item, bd);
}

int vlt_vdiff_compare(struct vlt_vdiff *d, const struct vlt_image *a,
		      const struct vlt_image *b,
		      const struct vlt_vdiff_opts *opts)
{
	struct vlt_vdiff_opts defaults;
	struct vlt_vdiff_band bd[VLT_VDIFF_MAX_THREADS];
	struct vlt_vdiff_cmp c;
	unsigned n;
	uint64_t cw, ch, total, sq_opaque = 0, sq_blend = 0;
	double sq16 = 0;
	int err = 0;

	vlt_vdiff_init(d);
	memset(&c, 0, sizeof(c));
	memset(bd, 0, sizeof(bd));
	if (!opts) {
		vlt_vdiff_opts_init(&defaults);
		opts = &defaults;
	}
	if (!(opts->threshold >= 0 && opts->threshold <= 1))
		return vlt_error_set(VLT_E_INVALID, "threshold %g is not "
				     "between 0 and 1", opts->threshold);
	if (!a->rgba || !b->rgba || !a->width || !a->height || !b->width ||
	    !b->height)
		return vlt_error_set(VLT_E_INVALID, "cannot compare an image "
				     "without pixels");
	d->width_a = a->width;
	d->height_a = a->height;
	d->width_b = b->width;
	d->height_b = b->height;
	d->width = a->width < b->width ? a->width : b->width;
	d->height = a->height < b->height ? a->height : b->height;
	cw = d->width;
	ch = d->height;
	total = cw * ch;
	d->total_pixels = total;
	d->size_changed = a->width != b->width || a->height != b->height;
	d->outside_pixels = (uint64_t)(a->width > b->width ? a->width : b->width) *
			    (a->height > b->height ? a->height : b->height) - total;
	d->classes = vlt_image_buffer_alloc((size_t)total);
	if (!d->classes) {
		err = vlt_error_set(VLT_E_NOMEM, "out of memory for %llu pixels",
				    (unsigned long long)total);
		goto done;
	}
	c.a = a->rgba;
	c.b = b->rgba;
	c.sa = (size_t)a->width * 4;
	c.sb = (size_t)b->width * 4;
	c.w = d->width;
	c.h = d->height;
	c.metric = opts->metric;
	c.bg = opts->background;
	c.include_aa = opts->include_aa;
	c.quality = !opts->skip_quality;
	c.classes = d->classes;
	if (a->rgba16 && b->rgba16) {
		c.a16 = a->rgba16;
		c.b16 = b->rgba16;
	}
	c.max = opts->metric == VLT_VDIFF_YIQ ?
		VLT_VDIFF_YIQ_MAX_DELTA * opts->threshold * opts->threshold :
		opts->threshold;
	c.row_lo = malloc(d->height * sizeof(*c.row_lo));
	c.row_hi = malloc(d->height * sizeof(*c.row_hi));
	c.row_counted = malloc(d->height * sizeof(*c.row_counted));
	if (!c.row_lo || !c.row_hi || !c.row_counted) {
		err = vlt_error_set(VLT_E_NOMEM, "out of memory");
		goto done;
	}
	if (opts->metric == VLT_VDIFF_OKLAB)
		pthread_once(&oklab_once, oklab_tables);

	n = vlt_vdiff_threads(opts->threads, total);
	if (n > d->height)
		n = d->height;
	for (unsigned i = 0; i < n; i++) {
		bd[i].c = &c;
		if (opts->metric == VLT_VDIFF_OKLAB &&
		    !(bd[i].okc = calloc(1, sizeof(*bd[i].okc))))
			err = vlt_error_set(VLT_E_NOMEM, "out of memory");
	}
	if (err < 0)
		goto done;
	vlt_vdiff_run_bands(bd, n, d->height, classify_band);
	d->identical = 1;
	for (uint32_t y = 0; y < d->height; y++)
		if (c.row_lo[y] <= c.row_hi[y])
			d->identical = 0;
	for (unsigned i = 0; i < n; i++) {
		d->changed_pixels += bd[i].changed;
		d->darker_pixels += bd[i].darker;
		d->aa_pixels += bd[i].aa;
		sq_opaque += bd[i].sq_opaque;
		sq_blend += bd[i].sq_blend;
	}
	d->percent = total ? 100.0 * (double)d->changed_pixels / (double)total : 0;

	if (c.quality && c.a16) {
		for (unsigned i = 0; i < n; i++)
			bd[i].sq16 = 0;
		vlt_vdiff_run_bands(bd, n, d->height, psnr16_band);
		for (unsigned i = 0; i < n; i++)
			sq16 += bd[i].sq16;
		/* (65535 * difference)^2 summed -> MSE in units of 65535^2 */
		d->psnr = sq16 == 0 ? INFINITY :
			  10 * log10(65535.0 * 65535 * 65535 * 65535 * 3 *
				     (double)total / sq16);
	} else if (c.quality) {
		double sq = (double)sq_opaque * 65025.0 + (double)sq_blend;

		d->psnr = sq == 0 ? INFINITY :
			  10 * log10(65025.0 * 65025 * 3 * (double)total / sq);
	}
	if (c.quality && d->identical) {
		d->ssim = 1;
	} else if (c.quality && (d->width < 8 || d->height < 8)) {
		d->ssim = ssim_small(&c);
	} else if (c.quality) {
		uint32_t nwy = d->height / 4 - 1;
		double sum = 0;
		uint64_t nwin = 0;
		unsigned m = n < nwy ? n : nwy;

		for (unsigned i = 0; i < m; i++) {
			bd[i].ssim_sum = 0;
			bd[i].ssim_n = 0;
		}
		vlt_vdiff_run_bands(bd, m, nwy, ssim_band);
		for (unsigned i = 0; i < m; i++) {
			if (bd[i].err < 0 && err >= 0)
				err = vlt_error_set(bd[i].err, "out of memory");
			sum += bd[i].ssim_sum;
			nwin += bd[i].ssim_n;
		}
		if (err < 0)
			goto done;
		d->ssim = nwin ? sum / (double)nwin : 1;
	}
	{
		struct vlt_vdiff_rows rows = { c.row_counted, c.row_lo,
					       c.row_hi };

		err = vlt_vdiff_regions(d, opts->region_gap, opts->max_regions, &rows);
	}
done:
	for (unsigned i = 0; i < VLT_VDIFF_MAX_THREADS; i++)
		free(bd[i].okc);
	free(c.row_lo);
	free(c.row_hi);
	free(c.row_counted);
	if (err >= 0)
		return 0;
	vlt_vdiff_release(d);
	return err;
}

/* --- regions --------------------------------------------------------- */

int vlt_vdiff_antialiased(const struct vlt_image *img,
			  const struct vlt_image *other, uint32_t x,
			  uint32_t y, enum vlt_vdiff_metric metric,
			  enum vlt_vdiff_background bg)
{
	struct vlt_vdiff_cmp c;

	if (img->width != other->width || img->height != other->height ||
	    x >= img->width || y >= img->height)
		return vlt_error_set(VLT_E_INVALID, "antialiased: bad size or "
				     "position");
	memset(&c, 0, sizeof(c));
	c.a = img->rgba;
	c.b = other->rgba;
	c.sa = c.sb = (size_t)img->width * 4;
	c.w = img->width;
	c.h = img->height;
	c.metric = metric;
	c.bg = bg;
	return antialiased(&c, c.a, c.sa, x, y);
}

