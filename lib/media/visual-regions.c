/*
 * visual-regions.c - the boxes around the changed pixels of a visual
 * diff (see visual-diff.h).
 *
 * Regions: the counted pixels are clustered by distance (two pixels at
 * most gap + 1 apart on both axes belong together: a dilation by gap
 * pixels, done one row at a time with column counters, and a union-find
 * over the runs of each row), then the clusters' boxes are merged while
 * two of them are within gap pixels of each other. The result is the same
 * as merging the boxes of the 8-connected components directly, without
 * the quadratic cost of many small components.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "visual-diff.h"
#include "visual-internal.h"

struct run {
	uint32_t s, e;            /* columns, inclusive */
	uint32_t node;
};

struct node {
	uint32_t parent;
	uint32_t x0, y0, x1, y1;
	uint64_t pixels;
};

static inline int counted(uint8_t cl)
{
	return cl == VLT_VDIFF_CHANGED || cl == VLT_VDIFF_DARKER;
}

static uint32_t uf_find(struct node *n, uint32_t i)
{
	while (n[i].parent != i) {
		n[i].parent = n[n[i].parent].parent;
		i = n[i].parent;
	}
	return i;
}

static void uf_union(struct node *n, uint32_t i, uint32_t j)
{
	i = uf_find(n, i);
	j = uf_find(n, j);
	if (i < j)
		n[j].parent = i;
	else if (j < i)
		n[i].parent = j;
}

static void box_add(struct node *to, const struct node *from)
{
	if (!from->pixels)
		return;
	if (!to->pixels) {
		to->x0 = from->x0; to->y0 = from->y0;
		to->x1 = from->x1; to->y1 = from->y1;
	} else {
		if (from->x0 < to->x0) to->x0 = from->x0;
		if (from->y0 < to->y0) to->y0 = from->y0;
		if (from->x1 > to->x1) to->x1 = from->x1;
		if (from->y1 > to->y1) to->y1 = from->y1;
	}
	to->pixels += from->pixels;
}

/* Column counters of the counted pixels of row y (sign +1 or -1); they
 * all lie in columns lo..hi of that row. */
static void window_row(const struct vlt_vdiff *d, const uint32_t *rowcnt,
		       uint32_t y, uint32_t lo, uint32_t hi, int sign,
		       uint32_t *colcount, uint64_t *window)
{
	const uint8_t *cl = d->classes + (size_t)y * d->width;

	if (!rowcnt[y])
		return;
	for (uint32_t x = lo; x <= hi; x++)
		if (counted(cl[x]))
			colcount[x] += (uint32_t)sign;
	*window += sign > 0 ? rowcnt[y] : -(uint64_t)rowcnt[y];
}

static int cmp_x0(const void *p, const void *q)
{
	const struct node *a = p, *b = q;

	return a->x0 < b->x0 ? -1 : a->x0 > b->x0;
}

static int cmp_size(const void *p, const void *q)
{
	const struct node *a = p, *b = q;
	uint64_t aa = (uint64_t)(a->x1 - a->x0 + 1) * (a->y1 - a->y0 + 1);
	uint64_t ab = (uint64_t)(b->x1 - b->x0 + 1) * (b->y1 - b->y0 + 1);

	if (a->pixels != b->pixels)
		return a->pixels > b->pixels ? -1 : 1;
	if (aa != ab)
		return aa > ab ? -1 : 1;
	if (a->y0 != b->y0)
		return a->y0 < b->y0 ? -1 : 1;
	return a->x0 < b->x0 ? -1 : a->x0 > b->x0;
}

/* Beyond this many clusters the box merge (a sweep, quadratic at worst)
 * is skipped: the clusters by pixel distance stand as they are. */
#define MAX_BOX_MERGE 65536

/*
 * Merge boxes within gap of each other until none are: sort by left edge,
 * and compare each box only with those starting no further right than its
 * right edge plus the gap.
 */
static size_t merge_boxes(struct node *b, size_t n, unsigned gap)
{
	while (n > 1) {
		size_t m = 0;
		int merged = 0;

		qsort(b, n, sizeof(*b), cmp_x0);
		for (size_t i = 0; i < n; i++)
			b[i].parent = (uint32_t)i;
		for (size_t i = 0; i < n; i++)
			for (size_t j = i + 1; j < n &&
			     b[j].x0 <= (uint64_t)b[i].x1 + gap + 1; j++) {
				if (b[j].y0 > (uint64_t)b[i].y1 + gap + 1 ||
				    b[i].y0 > (uint64_t)b[j].y1 + gap + 1)
					continue;
				uf_union(b, (uint32_t)i, (uint32_t)j);
				merged = 1;
			}
		if (!merged)
			return n;
		for (size_t i = 0; i < n; i++) {
			uint32_t r = uf_find(b, (uint32_t)i);

			if (r != i) {
				box_add(&b[r], &b[i]);
				b[i].pixels = 0;
			}
		}
		for (size_t i = 0; i < n; i++)
			if (b[i].pixels)
				b[m++] = b[i];
		n = m;
	}
	return n;
}

/*
 * rows: the counted pixels of each row and the columns lo..hi they lie
 * in (from the comparison), or NULL to work them out here.
 */
int vlt_vdiff_regions(struct vlt_vdiff *d, unsigned gap, size_t max,
		      const struct vlt_vdiff_rows *rows)
{
	uint32_t w = d->width, h = d->height, r1 = gap / 2, r2 = gap - r1;
	uint32_t *colcount = NULL, *rowcnt = NULL, *rowlo = NULL, *rowhi = NULL;
	const uint32_t *cnt, *lo_of, *hi_of;
	struct run *prev = NULL, *cur = NULL;
	struct node *nodes = NULL, *boxes = NULL;
	size_t nprev = 0, nn = 0, nalloc = 0, nbox = 0;
	uint64_t window = 0;
	int err = 0;

	free(d->regions);
	d->regions = NULL;
	d->nr_regions = d->total_regions = 0;
	if (!w || !h || !d->classes)
		return 0;
	if (gap > 1u << 20)
		return vlt_error_set(VLT_E_INVALID, "region gap %u is too large",
				     gap);
	colcount = calloc(w, sizeof(*colcount));
	prev = malloc(w * sizeof(*prev));
	cur = malloc(w * sizeof(*cur));
	if (!rows) {
		rowcnt = calloc(h, sizeof(*rowcnt));
		rowlo = malloc(h * sizeof(*rowlo));
		rowhi = malloc(h * sizeof(*rowhi));
	}
	if (!colcount || !prev || !cur || (!rows && (!rowcnt || !rowlo || !rowhi)))
		goto nomem;
	for (uint32_t y = 0; !rows && y < h; y++) {
		const uint8_t *cl = d->classes + (size_t)y * w;
		uint32_t n = 0;

		rowlo[y] = 1;
		rowhi[y] = 0;
		for (uint32_t x = 0; x < w; x++)
			if (counted(cl[x])) {
				if (!n++)
					rowlo[y] = x;
				rowhi[y] = x;
			}
		rowcnt[y] = n;
	}
	cnt = rows ? rows->counted : rowcnt;
	lo_of = rows ? rows->lo : rowlo;
	hi_of = rows ? rows->hi : rowhi;

	/* dilated row y holds the pixels of rows [y - r2, y + r1] */
	for (uint32_t y = 0; y <= r1 && y < h; y++)
		window_row(d, cnt, y, lo_of[y], hi_of[y], 1, colcount, &window);
	for (uint32_t y = 0; y < h; y++) {
		size_t ncur = 0, k = 0;
		uint32_t xlo = UINT32_MAX, xhi = 0;

		if (y > 0 && (uint64_t)y + r1 < h)
			window_row(d, cnt, y + r1, lo_of[y + r1], hi_of[y + r1], 1,
				   colcount, &window);
		if (y > r2)
			window_row(d, cnt, y - r2 - 1, lo_of[y - r2 - 1],
				   hi_of[y - r2 - 1], -1, colcount, &window);
		if (!window) {
			nprev = 0;
			continue;
		}
		/* the columns the window's rows can have counted pixels in */
		for (uint64_t yy = y > r2 ? y - r2 : 0; yy <= (uint64_t)y + r1 &&
		     yy < h; yy++)
			if (cnt[yy]) {
				if (lo_of[yy] < xlo)
					xlo = lo_of[yy];
				if (hi_of[yy] > xhi)
					xhi = hi_of[yy];
			}
		for (uint32_t x = xlo; x <= xhi; x++) {
			uint32_t lo, hi;

			if (!colcount[x])
				continue;
			lo = x > r1 ? x - r1 : 0;
			hi = (uint64_t)x + r2 < w ? x + r2 : w - 1;
			if (ncur && lo <= cur[ncur - 1].e + 1) {
				if (hi > cur[ncur - 1].e)
					cur[ncur - 1].e = hi;
			} else {
				cur[ncur].s = lo;
				cur[ncur].e = hi;
				ncur++;
			}
		}
		/* connect to the runs above (8-connected); a run touching
		 * one above takes its node, so nodes are only made where a
		 * cluster starts */
		for (size_t i = 0; i < ncur; i++) {
			struct run *r = &cur[i];
			int linked = 0;

			while (k < nprev && (uint64_t)prev[k].e + 1 < r->s)
				k++;
			for (size_t m = k; m < nprev &&
			     prev[m].s <= (uint64_t)r->e + 1; m++) {
				if (!linked) {
					r->node = prev[m].node;
					linked = 1;
				} else {
					uf_union(nodes, r->node, prev[m].node);
				}
			}
			if (!linked) {
				if (nn >= UINT32_MAX ||
				    VLT_ALLOC_GROW(nodes, nn + 1, nalloc) < 0)
					goto nomem;
				memset(&nodes[nn], 0, sizeof(nodes[nn]));
				nodes[nn].parent = (uint32_t)nn;
				r->node = (uint32_t)nn++;
			}
		}
		if (cnt[y]) {
			const uint8_t *cl = d->classes + (size_t)y * w;
			size_t ri = 0;

			for (uint32_t x = 0; x < w; x++) {
				struct node one;

				if (!counted(cl[x]))
					continue;
				while (cur[ri].e < x)
					ri++;
				one.x0 = one.x1 = x;
				one.y0 = one.y1 = y;
				one.pixels = 1;
				box_add(&nodes[cur[ri].node], &one);
			}
		}
		memcpy(prev, cur, ncur * sizeof(*cur));
		nprev = ncur;
	}

	/* fold every node into its root; the roots with pixels are boxes */
	for (size_t i = 0; i < nn; i++) {
		uint32_t r = uf_find(nodes, (uint32_t)i);

		if (r != i) {
			box_add(&nodes[r], &nodes[i]);
			nodes[i].pixels = 0;
		}
	}
	boxes = nodes;
	for (size_t i = 0; i < nn; i++)
		if (nodes[i].pixels)
			boxes[nbox++] = nodes[i];
	if (nbox <= MAX_BOX_MERGE)
		nbox = merge_boxes(boxes, nbox, gap);
	if (nbox > 1)
		qsort(boxes, nbox, sizeof(*boxes), cmp_size);
	d->total_regions = nbox;
	d->nr_regions = nbox < max ? nbox : max;
	if (d->nr_regions) {
		d->regions = calloc(d->nr_regions, sizeof(*d->regions));
		if (!d->regions) {
			d->nr_regions = d->total_regions = 0;
			goto nomem;
		}
	}
	for (size_t i = 0; i < d->nr_regions; i++) {
		d->regions[i].x = boxes[i].x0;
		d->regions[i].y = boxes[i].y0;
		d->regions[i].width = boxes[i].x1 - boxes[i].x0 + 1;
		d->regions[i].height = boxes[i].y1 - boxes[i].y0 + 1;
		d->regions[i].pixels = boxes[i].pixels;
	}
	goto done;
nomem:
	err = vlt_error_set(VLT_E_NOMEM, "out of memory finding regions");
done:
	free(nodes);
	free(colcount);
	free(rowcnt);
	free(rowlo);
	free(rowhi);
	free(prev);
	free(cur);
	return err;
}

int vlt_vdiff_find_regions(struct vlt_vdiff *d, unsigned gap, size_t max)
{
	return vlt_vdiff_regions(d, gap, max, NULL);
}

/* --- output images --------------------------------------------------- */
