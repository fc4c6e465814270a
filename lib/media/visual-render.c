/*
 * visual-render.c - the pictures of a visual diff (see visual-diff.h):
 * highlight, side by side, onion skin and mask, drawn in row bands, with
 * the regions outlined and the captions under the panels. Floating-point
 * contraction is off here too, so blended pixels round as in the
 * comparison's reference (pixelmatch's JavaScript).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "image.h"
#include "visual-diff.h"
#include "visual-internal.h"

#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#define SEPARATOR 4  /* pixels between the side-by-side panels */

struct render {
	const struct vlt_vdiff *d;
	const struct vlt_image *a, *b;
	const struct vlt_vdiff_opts *o;
	struct vlt_image *out;
	enum vlt_vdiff_mode mode;
	uint32_t pw, ph;          /* one panel: the larger of the sizes */
};

static inline unsigned bg_at(int bg, uint32_t x, uint32_t y)
{
	if (bg == VLT_VDIFF_BG_WHITE)
		return 255;
	return ((x >> 3) ^ (y >> 3)) & 1 ? 204 : 255;
}

static inline void put(uint8_t *o, unsigned r, unsigned g, unsigned b)
{
	o[0] = (uint8_t)r;
	o[1] = (uint8_t)g;
	o[2] = (uint8_t)b;
	o[3] = 255;
}

/* pixelmatch's drawGrayPixel: luma faded towards white by alpha, the
 * pixel's own transparency showing the background. */
static inline void faded(uint8_t *o, const uint8_t *p, double alpha, int bg,
			 uint32_t x, uint32_t y)
{
	double luma_ = p[0] * 0.29889531 + p[1] * 0.58662247 + p[2] * 0.11448223;
	double v;

	if (bg == VLT_VDIFF_BG_WHITE) {
		v = 255 + (luma_ - 255) * alpha * p[3] / 255;
	} else {
		double f = 255 + (luma_ - 255) * alpha;
		unsigned bv = bg_at(bg, x, y);

		v = bv + (f - bv) * p[3] / 255;
	}
	if (v < 0)
		v = 0;
	if (v > 255)
		v = 255;
	put(o, (unsigned)v, (unsigned)v, (unsigned)v);
}

/* p flattened over the background. */
static inline void over(uint8_t *o, const uint8_t *p, int bg, uint32_t x,
			uint32_t y)
{
	unsigned a = p[3], bv;

	if (a == 255) {
		put(o, p[0], p[1], p[2]);
		return;
	}
	bv = bg_at(bg, x, y);
	put(o, (p[0] * a + bv * (255 - a) + 127) / 255,
	    (p[1] * a + bv * (255 - a) + 127) / 255,
	    (p[2] * a + bv * (255 - a) + 127) / 255);
}

static inline const uint8_t *pixel(const struct vlt_image *img, uint32_t x,
				   uint32_t y)
{
	if (x >= img->width || y >= img->height)
		return NULL;
	return img->rgba + ((size_t)y * img->width + x) * 4;
}

static inline int class_at(const struct vlt_vdiff *d, uint32_t x, uint32_t y)
{
	if (x >= d->width || y >= d->height)
		return -1;
	return d->classes[(size_t)y * d->width + x];
}

static void highlight_px(const struct render *r, uint8_t *o, uint32_t x,
			 uint32_t y)
{
	const struct vlt_vdiff_opts *op = r->o;
	const uint8_t *p;

	switch (class_at(r->d, x, y)) {
	case VLT_VDIFF_SAME:
		faded(o, pixel(r->a, x, y), op->alpha, op->background, x, y);
		return;
	case VLT_VDIFF_CHANGED:
		put(o, op->diff_color[0], op->diff_color[1], op->diff_color[2]);
		return;
	case VLT_VDIFF_DARKER:
		put(o, op->darker_color[0], op->darker_color[1],
		    op->darker_color[2]);
		return;
	case VLT_VDIFF_AA:
		put(o, op->aa_color[0], op->aa_color[1], op->aa_color[2]);
		return;
	}
	/* outside the common area: the image that is there, hatched */
	p = pixel(r->a, x, y);
	if (!p)
		p = pixel(r->b, x, y);
	if (!p) {
		unsigned v = bg_at(op->background, x, y);

		put(o, v, v, v);
	} else if ((((x + y) >> 2) & 3) == 0) {
		put(o, op->diff_color[0], op->diff_color[1], op->diff_color[2]);
	} else {
		faded(o, p, op->alpha, op->background, x, y);
	}
}

static void image_px(const struct render *r, const struct vlt_image *img,
		     uint8_t *o, uint32_t x, uint32_t y)
{
	const uint8_t *p = pixel(img, x, y);

	if (p) {
		over(o, p, r->o->background, x, y);
	} else {
		unsigned v = bg_at(r->o->background, x, y);

		put(o, v, v, v);
	}
}

/* One row of the highlight picture into o (r->pw pixels). */
static void highlight_row(const struct render *r, uint8_t *o, uint32_t y)
{
	const struct vlt_vdiff *d = r->d;
	const struct vlt_vdiff_opts *op = r->o;
	uint32_t x = 0;

	if (y < d->height) {
		const uint8_t *cl = d->classes + (size_t)y * d->width;
		const uint8_t *pa = r->a->rgba + (size_t)y * r->a->width * 4;
		int white = op->background == VLT_VDIFF_BG_WHITE;
		double alpha = op->alpha;

		for (; x < d->width; x++, o += 4, pa += 4) {
			switch (cl[x]) {
			case VLT_VDIFF_SAME:
				if (white) {
					/* pixelmatch's drawGrayPixel, to the bit */
					double v = 255 + (pa[0] * 0.29889531 +
							  pa[1] * 0.58662247 +
							  pa[2] * 0.11448223 - 255) *
							 alpha * pa[3] / 255;
					uint8_t g = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);

					o[0] = o[1] = o[2] = g;
					o[3] = 255;
				} else {
					faded(o, pa, alpha, op->background, x, y);
				}
				break;
			case VLT_VDIFF_CHANGED:
				put(o, op->diff_color[0], op->diff_color[1],
				    op->diff_color[2]);
				break;
			case VLT_VDIFF_DARKER:
				put(o, op->darker_color[0], op->darker_color[1],
				    op->darker_color[2]);
				break;
			default:
				put(o, op->aa_color[0], op->aa_color[1],
				    op->aa_color[2]);
				break;
			}
		}
	}
	for (; x < r->pw; x++, o += 4)
		highlight_px(r, o, x, y);
}

/* One row of img flattened over the background (r->pw pixels). */
static void image_row(const struct render *r, const struct vlt_image *img,
		      uint8_t *o, uint32_t y)
{
	uint32_t x = 0;

	if (y < img->height) {
		const uint8_t *p = img->rgba + (size_t)y * img->width * 4;

		for (; x < img->width; x++, o += 4, p += 4)
			over(o, p, r->o->background, x, y);
	}
	for (; x < r->pw; x++, o += 4) {
		unsigned v = bg_at(r->o->background, x, y);

		put(o, v, v, v);
	}
}

static void render_band(struct vlt_vdiff_band *bd)
{
	const struct render *r = bd->job;
	const struct vlt_vdiff_opts *op = r->o;
	struct vlt_image *out = r->out;
	size_t panel = ((size_t)r->pw + SEPARATOR) * 4;

	for (uint32_t y = bd->y0; y < bd->y1; y++) {
		uint8_t *row = out->rgba + (size_t)y * out->width * 4;

		switch (r->mode) {
		case VLT_VDIFF_HIGHLIGHT:
			highlight_row(r, row, y);
			break;
		case VLT_VDIFF_SIDE_BY_SIDE:
			image_row(r, r->a, row, y);
			image_row(r, r->b, row + panel, y);
			highlight_row(r, row + 2 * panel, y);
			for (int s = 1; s <= 2; s++)
				for (uint32_t x = 0; x < SEPARATOR; x++)
					put(row + s * panel - (SEPARATOR - x) * 4,
					    128, 128, 128);
			break;
		case VLT_VDIFF_ONION:
			for (uint32_t x = 0; x < r->pw; x++) {
				uint8_t pa[4], pb[4], *o = row + (size_t)x * 4;
				int cl = class_at(r->d, x, y);
				const uint8_t *col = cl == VLT_VDIFF_DARKER ?
					op->darker_color : op->diff_color;

				image_px(r, r->a, pa, x, y);
				image_px(r, r->b, pb, x, y);
				for (int k = 0; k < 3; k++) {
					unsigned v = (pa[k] + pb[k] + 1) / 2;

					if (cl == VLT_VDIFF_CHANGED ||
					    cl == VLT_VDIFF_DARKER)
						v = (v + col[k] + 1) / 2;
					o[k] = (uint8_t)v;
				}
				o[3] = 255;
			}
			break;
		case VLT_VDIFF_MASK:
			for (uint32_t x = 0; x < r->pw; x++) {
				int cl = class_at(r->d, x, y);
				unsigned v = cl < 0 ? 128 :
					     cl == VLT_VDIFF_CHANGED ||
					     cl == VLT_VDIFF_DARKER ? 255 : 0;

				put(row + (size_t)x * 4, v, v, v);
			}
			break;
		}
	}
}

/* A one-pixel frame just outside each region (onion skin). */
static void outline_regions(const struct render *r)
{
	struct vlt_image *out = r->out;
	const uint8_t *col = r->o->diff_color;

	for (size_t i = 0; i < r->d->nr_regions; i++) {
		const struct vlt_vdiff_region *g = &r->d->regions[i];
		int64_t x0 = (int64_t)g->x - 1, y0 = (int64_t)g->y - 1;
		int64_t x1 = (int64_t)g->x + g->width, y1 = (int64_t)g->y + g->height;

		for (int64_t y = y0; y <= y1; y++)
			for (int64_t x = x0; x <= x1; x++) {
				if (y != y0 && y != y1 && x != x0 && x != x1)
					continue;
				if (x < 0 || y < 0 || x >= out->width ||
				    y >= out->height)
					continue;
				put(out->rgba + ((size_t)y * out->width + (size_t)x) * 4,
				    col[0], col[1], col[2]);
			}
	}
}

/*
 * Captions over the side-by-side panels: "A: label_a" | "B: label_b" |
 * the colours of the changes. When a caption does not fit over its
 * panel, the captions go one per line instead ("left", "middle",
 * "right"), a small canvas widened to fit them (up to 1200 pixels; a
 * longer caption is cut, ending in "..."). Needs the caption font
 * (vlt_image_text_ready()).
 */
static int add_captions(struct vlt_image *out, uint32_t pw,
			const struct vlt_vdiff *d, const struct vlt_vdiff_opts *o)
{
	static const uint8_t bg[3] = { 40, 40, 48 }, fg[3] = { 235, 235, 240 };
	struct vlt_buf cap[3] = { VLT_BUF_INIT, VLT_BUF_INIT, VLT_BUF_INIT };
	uint32_t widest = 0, lines, min_width = 0;
	int stacked, err;

	vlt_buf_addf(&cap[0], "A: %s", o->label_a ? o->label_a : "before");
	vlt_buf_addf(&cap[1], "B: %s", o->label_b ? o->label_b : "after");
	/* "changed" after a swatch; anti-aliasing, when any, after another */
	vlt_buf_adds(&cap[2], d->aa_pixels ? "   changed   anti-aliasing" :
		     "   changed");
	for (int i = 0; i < 3; i++)
		if (vlt_image_text_width(cap[i].data) > widest)
			widest = vlt_image_text_width(cap[i].data);
	/* one line when A's and B's captions fit over their panels (the
	 * third says "AA" if "anti-aliasing" does not fit) */
	stacked = vlt_image_text_width(cap[0].data) + 16 > pw ||
		  vlt_image_text_width(cap[1].data) + 16 > pw;
	if (!stacked && vlt_image_text_width(cap[2].data) + 16 > pw &&
	    d->aa_pixels) {
		vlt_buf_reset(&cap[2]);
		vlt_buf_adds(&cap[2], "   changed   AA");
	}
	if (stacked) {
		for (int i = 0; i < 3; i++) {
			static const char *const where[] = { "left   ", "middle ",
							     "right  " };
			struct vlt_buf t = VLT_BUF_INIT;

			vlt_buf_addf(&t, "%s%s", where[i], cap[i].data);
			vlt_buf_release(&cap[i]);
			cap[i] = t;
		}
		widest += 7 * VLT_TEXT_ADVANCE;
		/* widen a small picture to fit them, not a large one */
		min_width = widest + 16 + 16;
		if (min_width > 1200)
			min_width = 1200;
	}
	lines = stacked ? 3 : 1;
	err = vlt_image_extend(out, lines * (VLT_TEXT_HEIGHT + 4) + 6, 0,
			       min_width, bg);
	for (uint32_t i = 0; !err && i < 3; i++) {
		int64_t x = stacked ? 8 : 8 + (int64_t)i * (pw + SEPARATOR);
		int64_t y = 4 + (stacked ? i * (VLT_TEXT_HEIGHT + 4) : 0);
		uint32_t room = stacked ? out->width - 16 : pw - 16;

		if (i == 2) {
			/* a swatch of the change colour before "changed" */
			int64_t sx = x + (stacked ? 7 * VLT_TEXT_ADVANCE : 0);

			vlt_image_fill_rect(out, sx, y + 3, 12, 12, o->diff_color);
			if (d->aa_pixels)
				vlt_image_fill_rect(out, sx + 11 * VLT_TEXT_ADVANCE,
						    y + 3, 12, 12, o->aa_color);
		}
		vlt_image_draw_text(out, x, y, room, cap[i].data, fg);
	}
	for (int i = 0; i < 3; i++)
		vlt_buf_release(&cap[i]);
	return err;
}

int vlt_vdiff_render(struct vlt_image *out, const struct vlt_vdiff *d,
		     const struct vlt_image *a, const struct vlt_image *b,
		     enum vlt_vdiff_mode mode,
		     const struct vlt_vdiff_opts *opts)
{
	struct vlt_vdiff_opts defaults;
	struct vlt_vdiff_band bd[VLT_VDIFF_MAX_THREADS];
	struct render r;
	uint64_t ow;
	unsigned n;

	vlt_image_init(out);
	if (!opts) {
		vlt_vdiff_opts_init(&defaults);
		opts = &defaults;
	}
	if (!d->classes || a->width != d->width_a || a->height != d->height_a ||
	    b->width != d->width_b || b->height != d->height_b)
		return vlt_error_set(VLT_E_INVALID, "render: the images are not "
				     "the ones compared");
	if ((unsigned)mode > VLT_VDIFF_MASK)
		return vlt_error_set(VLT_E_INVALID, "render: unknown mode %d",
				     (int)mode);
	memset(&r, 0, sizeof(r));
	r.d = d;
	r.a = a;
	r.b = b;
	r.o = opts;
	r.out = out;
	r.mode = mode;
	r.pw = a->width > b->width ? a->width : b->width;
	r.ph = a->height > b->height ? a->height : b->height;
	ow = mode == VLT_VDIFF_SIDE_BY_SIDE ? (uint64_t)r.pw * 3 + 2 * SEPARATOR :
	     r.pw;
	if (ow > UINT32_MAX)
		return vlt_error_set(VLT_E_INVALID, "render: output too wide");
	/* every pixel is drawn below: no need to clear the canvas first */
	if (ow * r.ph > VLT_IMAGE_MAX_PIXELS)
		return vlt_error_set(VLT_E_INVALID, "render: a %llu x %u picture "
				     "is larger than the limit of %llu pixels",
				     (unsigned long long)ow, r.ph,
				     (unsigned long long)VLT_IMAGE_MAX_PIXELS);
	out->rgba = vlt_image_buffer_alloc((size_t)(ow * r.ph * 4));
	if (!out->rgba)
		return vlt_error_set(VLT_E_NOMEM, "render: out of memory");
	out->width = (uint32_t)ow;
	out->height = r.ph;
	out->bit_depth = 8;
	out->channels = 4;
	snprintf(out->format, sizeof(out->format), "png");
	n = vlt_vdiff_threads(opts->threads, ow * r.ph);
	if (n > r.ph)
		n = r.ph;
	memset(bd, 0, sizeof(bd));
	for (unsigned i = 0; i < n; i++)
		bd[i].job = &r;
	vlt_vdiff_run_bands(bd, n, r.ph, render_band);
	if (mode == VLT_VDIFF_ONION)
		outline_regions(&r);
	/* without a caption font (vlt_image_text_ready() warned once) the
	 * picture goes without its caption strip */
	if (mode == VLT_VDIFF_SIDE_BY_SIDE && (opts->label_a || opts->label_b) &&
	    vlt_image_text_ready() == 0) {
		int err = add_captions(out, r.pw, d, opts);

		if (err < 0) {
			vlt_image_release(out);
			return err;
		}
	}
	return 0;
}

