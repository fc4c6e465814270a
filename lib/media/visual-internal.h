/*
 * visual-internal.h - what the files of the visual diff share (not part
 * of the media library's API: programs use visual-diff.h).
 *
 * visual-metrics.c classifies pixels and measures PSNR and SSIM, in row
 * bands run on the core's thread pool; visual-regions.c clusters the
 * counted pixels into boxes; visual-render.c draws the pictures.
 */
#ifndef VLT_VISUAL_INTERNAL_H
#define VLT_VISUAL_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "visual-diff.h"

/* At most this many bands (threads) per pass. */
#define VLT_VDIFF_MAX_THREADS 8

struct vlt_vdiff_cmp;
struct vlt_vdiff_okcache;

/*
 * One band of rows (or of SSIM window rows) of a pass: what it reads is
 * shared and read-only, what it writes is its own, so the bands need no
 * locking and give the same result as a single pass.
 */
struct vlt_vdiff_band {
	struct vlt_vdiff_cmp *c;
	void (*fn)(struct vlt_vdiff_band *);
	uint32_t y0, y1;          /* rows (or SSIM window rows) */
	uint64_t changed, darker, aa;
	uint64_t sq_opaque;       /* sum of squared 8-bit differences */
	uint64_t sq_blend;        /* same, 255 times larger (blended) */
	double sq16;              /* 16-bit: blended, 65535 times larger */
	double ssim_sum;
	uint64_t ssim_n;
	struct vlt_vdiff_okcache *okc;
	int err;
	/* rendering */
	const void *job;
};

/*
 * How many bands for work pixels: want, else vlt_pool_threads()'s
 * answer, at most VLT_VDIFF_MAX_THREADS; one when the work is too small
 * to be worth a thread.
 */
unsigned vlt_vdiff_threads(unsigned want, uint64_t work);

/* Split [0, units) into n bands of bd and run fn on each, on up to n
 * threads of the core pool (the caller's among them). */
void vlt_vdiff_run_bands(struct vlt_vdiff_band *bd, unsigned n,
			 uint32_t units, void (*fn)(struct vlt_vdiff_band *));

/*
 * Per row of the common area, as the comparison found them: the counted
 * pixels and the columns lo..hi where A and B differ at all (lo > hi:
 * the row is bit-identical).
 */
struct vlt_vdiff_rows {
	const uint32_t *counted, *lo, *hi;
};

/* vlt_vdiff_find_regions, with the comparison's rows (NULL: work them
 * out from d->classes). */
int vlt_vdiff_regions(struct vlt_vdiff *d, unsigned gap, size_t max,
		      const struct vlt_vdiff_rows *rows);

#endif
