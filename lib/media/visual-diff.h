/*
 * visual-diff.h - compare two decoded images pixel by pixel: how many
 * pixels changed and where (regions), how much (PSNR, SSIM), and pictures
 * of the change (highlight, side by side, onion skin, mask).
 *
 * The per-pixel test is pixelmatch's (github.com/mapbox/pixelmatch):
 *
 *   yiq   - pixelmatch 7.x: the squared YIQ distance of Kotsarenko and
 *           Ramos, compared with 35215 * threshold^2 (35215 being the
 *           largest possible distance); counts equal pixelmatch 7.x's on
 *           the same pixels.
 *   oklab - pixelmatch 8's: the HyAB distance |dLr| + sqrt(da^2 + db^2)
 *           in OKLab with Ottosson's toe-corrected lightness Lr, compared
 *           with threshold directly. Black against white is 1.0 in both
 *           metrics (the YIQ one as sqrt(delta / 35215) ~ 0.966), so one
 *           threshold scale (0..1, default 0.1) serves both.
 *
 * A pixel above the threshold is not counted when it looks like
 * anti-aliasing in either image (pixelmatch's antialiased(): it sits on an
 * intensity ramp between a darker and a brighter neighbour, one of which
 * has three or more identical neighbours in both images), unless
 * include_aa is set.
 *
 * Semi-transparent pixels are flattened before comparing. With
 * VLT_VDIFF_BG_CHECKER (the default, pixelmatch's own default) over a
 * fixed two-tone pattern that depends on the pixel's index, so that a
 * change of alpha alone shows; with VLT_VDIFF_BG_WHITE over white
 * (pixelmatch's checkerboard: false). PSNR and SSIM always flatten over
 * white.
 *
 * Images of different sizes are compared over their common top-left
 * area (width x height below): as if both were cropped to it first. The
 * rest is reported as size_changed / outside_pixels, not counted in
 * changed_pixels. Output images cover the larger of the two sizes. The
 * programs report such a pair as resized and compare again after
 * scaling A to B's size (vlt_image_resize), which is what a resized
 * picture needs.
 *
 * The work is split into row bands over a few threads (opts.threads).
 */
#ifndef VLT_VISUAL_DIFF_H
#define VLT_VISUAL_DIFF_H

#include <stddef.h>
#include <stdint.h>

struct vlt_image;

enum vlt_vdiff_metric {
	VLT_VDIFF_YIQ = 0,
	VLT_VDIFF_OKLAB = 1,
};

enum vlt_vdiff_background {
	VLT_VDIFF_BG_CHECKER = 0,
	VLT_VDIFF_BG_WHITE = 1,
};

enum vlt_vdiff_mode {
	VLT_VDIFF_HIGHLIGHT = 0,    /* changes coloured over a faded A */
	VLT_VDIFF_SIDE_BY_SIDE = 1, /* A | B | highlight */
	VLT_VDIFF_ONION = 2,        /* A and B at 50%, changes tinted */
	VLT_VDIFF_MASK = 3,         /* changed pixels white on black */
};

/* One byte per pixel of the common area in struct vlt_vdiff.classes. */
enum vlt_vdiff_class {
	VLT_VDIFF_SAME = 0,     /* identical or below the threshold */
	VLT_VDIFF_CHANGED = 1,  /* counted; B is lighter (or equal luma) */
	VLT_VDIFF_DARKER = 2,   /* counted; B is darker ("dark on light") */
	VLT_VDIFF_AA = 3,       /* above the threshold but anti-aliasing */
};

#define VLT_VDIFF_THRESHOLD_DEFAULT 0.1
/* The largest YIQ delta pixelmatch's formula can give (its maxDelta). */
#define VLT_VDIFF_YIQ_MAX_DELTA 35215.0
#define VLT_VDIFF_REGION_GAP_DEFAULT 8
#define VLT_VDIFF_MAX_REGIONS_DEFAULT 256

struct vlt_vdiff_opts {
	enum vlt_vdiff_metric metric;
	double threshold;            /* 0..1; smaller is more sensitive */
	int include_aa;              /* count anti-aliased pixels too */
	enum vlt_vdiff_background background;
	unsigned region_gap;         /* boxes this close merge (pixels) */
	size_t max_regions;          /* keep at most this many boxes */
	unsigned threads;            /* 0: vlt_pool_threads(), at most 8 */
	int skip_quality;            /* leave psnr/ssim as NAN */
	/* output images */
	double alpha;                /* opacity of A under a highlight: 0.1 */
	uint8_t diff_color[3];       /* counted changes: red */
	uint8_t darker_color[3];     /* changes where B is darker: red too */
	uint8_t aa_color[3];         /* anti-aliasing: yellow */
	/* Side by side only: captions drawn in the picture over the panels,
	 * "A: label_a" and "B: label_b" (NULL: "before"/"after"; both NULL:
	 * no captions, the picture is exactly 3 panels high; so it is too
	 * when the caption font cannot be loaded: vlt_image_text_ready()). */
	const char *label_a, *label_b;
};

/* The defaults above: yiq, 0.1, AA excluded, checker, gap 8, 256 boxes. */
void vlt_vdiff_opts_init(struct vlt_vdiff_opts *o);

struct vlt_vdiff_region {
	uint32_t x, y, width, height;
	uint64_t pixels;             /* counted pixels inside */
};

struct vlt_vdiff {
	uint32_t width_a, height_a, width_b, height_b;
	uint32_t width, height;      /* the compared (common) area */
	uint64_t total_pixels;       /* width * height */
	uint64_t changed_pixels;     /* counted differences */
	uint64_t darker_pixels;      /* of those, darker in B */
	uint64_t aa_pixels;          /* above threshold, not counted as AA */
	double percent;              /* 100 * changed / total */
	int size_changed;            /* the sizes of A and B differ */
	uint64_t outside_pixels;     /* of the larger canvas, not compared */
	int identical;               /* the common area is bit-identical */
	/* boxes of changed pixels, largest (most pixels) first */
	struct vlt_vdiff_region *regions;  /* owned */
	size_t nr_regions;           /* kept: at most max_regions */
	size_t total_regions;        /* found */
	double psnr;                 /* dB over RGB; INFINITY if equal */
	double ssim;                 /* mean SSIM of luma, 8x8 windows */
	uint8_t *classes;            /* width * height; owned */
};

/* A zeroed result; vlt_vdiff_release() on it is safe. */
void vlt_vdiff_init(struct vlt_vdiff *d);
void vlt_vdiff_release(struct vlt_vdiff *d);

/*
 * Compare a with b (opts NULL: defaults). Fills every field of d.
 * VLT_E_INVALID for a bad threshold or an image without pixels,
 * VLT_E_NOMEM.
 */
int vlt_vdiff_compare(struct vlt_vdiff *d, const struct vlt_image *a,
		      const struct vlt_image *b,
		      const struct vlt_vdiff_opts *opts);

/*
 * Find the boxes of the counted pixels of d->classes (d->width x
 * d->height): connected pixels, merged while two boxes are at most gap
 * pixels apart on both axes, sorted by pixel count (then area, y, x),
 * the first max kept. vlt_vdiff_compare calls it; tests may call it on
 * a hand-made class map.
 */
int vlt_vdiff_find_regions(struct vlt_vdiff *d, unsigned gap, size_t max);

/*
 * Draw the comparison as an RGBA8 image (out is initialised here; release
 * it). a and b must be the images d was computed from.
 */
int vlt_vdiff_render(struct vlt_image *out, const struct vlt_vdiff *d,
		     const struct vlt_image *a, const struct vlt_image *b,
		     enum vlt_vdiff_mode mode,
		     const struct vlt_vdiff_opts *opts);

/* Name <-> value for the command line ("yiq", "checker", "side-by-side").
 * Parsers return 0 or VLT_E_INVALID. */
int vlt_vdiff_metric_parse(const char *s, enum vlt_vdiff_metric *out);
const char *vlt_vdiff_metric_name(enum vlt_vdiff_metric m);
int vlt_vdiff_background_parse(const char *s, enum vlt_vdiff_background *out);
const char *vlt_vdiff_background_name(enum vlt_vdiff_background bg);
int vlt_vdiff_mode_parse(const char *s, enum vlt_vdiff_mode *out);
const char *vlt_vdiff_mode_name(enum vlt_vdiff_mode mode);

/*
 * The per-pixel measures, for tests and tools. p1 and p2 are RGBA8;
 * index is the pixel's index (y * width + x), which picks the checker
 * background of a semi-transparent pair.
 *
 * vlt_vdiff_yiq_delta: pixelmatch's signed squared YIQ distance, 0 for
 * equal pixels, at most VLT_VDIFF_YIQ_MAX_DELTA; negative when p2 is
 * darker. vlt_vdiff_oklab_delta: the signed HyAB distance (1.0 for black
 * against white), negative when p2 is darker.
 */
double vlt_vdiff_yiq_delta(const uint8_t p1[4], const uint8_t p2[4],
			   uint64_t index, enum vlt_vdiff_background bg);
double vlt_vdiff_oklab_delta(const uint8_t p1[4], const uint8_t p2[4],
			     uint64_t index, enum vlt_vdiff_background bg);

/*
 * 1 if pixel (x, y) of img looks like anti-aliasing, with other as the
 * second image for the "many siblings" test (pixelmatch's antialiased();
 * the metric picks the 7.x or 8 flavour of its brightness test). Both
 * images must have the same size.
 */
int vlt_vdiff_antialiased(const struct vlt_image *img,
			  const struct vlt_image *other, uint32_t x,
			  uint32_t y, enum vlt_vdiff_metric metric,
			  enum vlt_vdiff_background bg);

#endif
