/*
 * mesh-render.c - drawing meshes and their differences (see mesh.h): a
 * small software renderer and the captions and colour key around it.
 *
 * Render. An orthographic 3/4 view, a float z-buffer, flat Lambert
 * shading; a and b side by side with the same camera.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "image.h"
#include "mesh-internal.h"
#include "mesh.h"

/* ---- render ----------------------------------------------------------- */

struct camera {
	double c[3];         /* the point at the panel centre */
	double r[3], u[3], f[3];  /* right, up, forward (into the scene) */
	double light[3];     /* towards the light, world space */
	double scale;
};

static void normalise(double v[3])
{
	double l = sqrt(dot3(v, v));

	if (l > 0)
		for (int c = 0; c < 3; c++)
			v[c] /= l;
}

static void cross3(double out[3], const double a[3], const double b[3])
{
	out[0] = a[1] * b[2] - a[2] * b[1];
	out[1] = a[2] * b[0] - a[0] * b[2];
	out[2] = a[0] * b[1] - a[1] * b[0];
}

/*
 * The fixed 3/4 view: looking down at the box from the front right, y up
 * (assimp's convention). The scale fits the union box's projected
 * corners into 90% of a pw x ph panel.
 */
static void camera_fit(struct camera *cam, const float lo[3], const float hi[3],
		       uint32_t pw, uint32_t ph)
{
	double eye[3] = { 1.0, 0.8, 1.35 }, up[3] = { 0, 1, 0 };
	double minx = INFINITY, maxx = -INFINITY, miny = INFINITY, maxy = -INFINITY;
	double sx, sy;

	normalise(eye);
	for (int c = 0; c < 3; c++) {
		cam->f[c] = -eye[c];
		cam->c[c] = 0.5 * ((double)lo[c] + hi[c]);
	}
	cross3(cam->r, cam->f, up);
	normalise(cam->r);
	cross3(cam->u, cam->r, cam->f);
	for (int c = 0; c < 3; c++)  /* from the upper left, behind the viewer */
		cam->light[c] = -0.45 * cam->r[c] + 0.6 * cam->u[c] -
				0.65 * cam->f[c];
	normalise(cam->light);
	for (int k = 0; k < 8; k++) {
		double p[3], x, y;

		for (int c = 0; c < 3; c++)
			p[c] = ((k >> c) & 1 ? hi[c] : lo[c]) - cam->c[c];
		x = dot3(p, cam->r);
		y = dot3(p, cam->u);
		minx = x < minx ? x : minx;
		maxx = x > maxx ? x : maxx;
		miny = y < miny ? y : miny;
		maxy = y > maxy ? y : maxy;
	}
	/* centre the projected box, not the box centre's projection */
	for (int c = 0; c < 3; c++)
		cam->c[c] += 0.5 * (minx + maxx) * cam->r[c] +
			     0.5 * (miny + maxy) * cam->u[c];
	sx = maxx - minx > 1e-30 ? 0.9 * pw / (maxx - minx) : INFINITY;
	sy = maxy - miny > 1e-30 ? 0.9 * ph / (maxy - miny) : INFINITY;
	cam->scale = sx < sy ? sx : sy;
	if (!isfinite(cam->scale))
		cam->scale = 1;
}

enum paint { PAINT_GREY, PAINT_RED, PAINT_GREEN, PAINT_RAMP };

struct panel {
	struct vlt_image *img;
	float *z;
	uint32_t x0, w, h;
	const struct camera *cam;
	const float *delta;   /* PAINT_RAMP: per-vertex values */
	double delta_max, delta_eps;
};

static void put_pixel(struct panel *pn, uint32_t x, uint32_t y,
		      const double rgb[3], double shade)
{
	uint8_t *px = pn->img->rgba + 4 * ((size_t)y * pn->img->width + pn->x0 + x);

	for (int c = 0; c < 3; c++) {
		double v = rgb[c] * shade;

		px[c] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v + 0.5);
	}
	px[3] = 255;
}

static void ramp(double t, double rgb[3])
{
	t = t < 0 ? 0 : t > 1 ? 1 : t;
	rgb[0] = 40 + 215 * t;
	rgb[1] = 70 - 40 * t;
	rgb[2] = 255 - 215 * t;
}

static void draw_triangle(struct panel *pn, const struct vlt_mesh *m,
			  uint32_t t, enum paint paint)
{
	static const double grey[3] = { 190, 190, 195 }, red[3] = { 225, 60, 50 },
			    green[3] = { 60, 205, 90 };
	const struct camera *cam = pn->cam;
	double sx[3], sy[3], sz[3], dv[3] = { 0, 0, 0 }, e1[3], e2[3], n[3];
	double area, shade, minx, maxx, miny, maxy;
	const double *base = paint == PAINT_RED ? red :
			     paint == PAINT_GREEN ? green : grey;
	int ramped = 0;

	for (int k = 0; k < 3; k++) {
		uint32_t vi = m->triangles[3 * (size_t)t + k];
		const float *v = m->vertices + 3 * (size_t)vi;
		double p[3] = { v[0] - cam->c[0], v[1] - cam->c[1], v[2] - cam->c[2] };

		sx[k] = 0.5 * pn->w + dot3(p, cam->r) * cam->scale;
		sy[k] = 0.5 * pn->h - dot3(p, cam->u) * cam->scale;
		sz[k] = dot3(p, cam->f);
		if (paint == PAINT_RAMP) {
			dv[k] = pn->delta[vi];
			ramped |= dv[k] > pn->delta_eps;
		}
	}
	area = (sx[1] - sx[0]) * (sy[2] - sy[0]) - (sx[2] - sx[0]) * (sy[1] - sy[0]);
	if (!(fabs(area) > 1e-12))
		return;
	for (int c = 0; c < 3; c++) {
		const float *v0 = m->vertices + 3 * (size_t)m->triangles[3 * (size_t)t];
		const float *v1 = m->vertices + 3 * (size_t)m->triangles[3 * (size_t)t + 1];
		const float *v2 = m->vertices + 3 * (size_t)m->triangles[3 * (size_t)t + 2];

		e1[c] = (double)v1[c] - v0[c];
		e2[c] = (double)v2[c] - v0[c];
	}
	cross3(n, e1, e2);
	normalise(n);
	shade = 0.35 + 0.65 * fabs(dot3(n, cam->light));  /* two-sided */

	minx = fmin(sx[0], fmin(sx[1], sx[2]));
	maxx = fmax(sx[0], fmax(sx[1], sx[2]));
	miny = fmin(sy[0], fmin(sy[1], sy[2]));
	maxy = fmax(sy[0], fmax(sy[1], sy[2]));
	if (maxx < 0 || maxy < 0 || minx >= pn->w || miny >= pn->h)
		return;
	{
		uint32_t x0 = minx < 0 ? 0 : (uint32_t)minx;
		uint32_t y0 = miny < 0 ? 0 : (uint32_t)miny;
		uint32_t x1 = maxx >= pn->w - 1 ? pn->w - 1 : (uint32_t)maxx;
		uint32_t y1 = maxy >= pn->h - 1 ? pn->h - 1 : (uint32_t)maxy;

		for (uint32_t y = y0; y <= y1; y++)
			for (uint32_t x = x0; x <= x1; x++) {
				double px = x + 0.5, py = y + 0.5, w[3], z, rgb[3];
				float *zb = &pn->z[(size_t)y * pn->w + x];

				w[0] = ((sx[1] - px) * (sy[2] - py) -
					(sx[2] - px) * (sy[1] - py)) / area;
				w[1] = ((sx[2] - px) * (sy[0] - py) -
					(sx[0] - px) * (sy[2] - py)) / area;
				w[2] = 1 - w[0] - w[1];
				if (w[0] < 0 || w[1] < 0 || w[2] < 0)
					continue;
				z = w[0] * sz[0] + w[1] * sz[1] + w[2] * sz[2];
				if (z >= *zb)
					continue;
				*zb = (float)z;
				if (ramped) {
					double dd = w[0] * dv[0] + w[1] * dv[1] +
						    w[2] * dv[2];

					if (dd > pn->delta_eps) {
						ramp(pn->delta_max > 0 ?
						     dd / pn->delta_max : 1, rgb);
						put_pixel(pn, x, y, rgb, shade);
						continue;
					}
				}
				put_pixel(pn, x, y, base, shade);
			}
	}
}

/* Draw m into a panel; paint[i] says how object i is coloured. */
static void draw_mesh(struct panel *pn, const struct vlt_mesh *m,
		      const enum paint *paint)
{
	for (size_t i = 0; i < (size_t)pn->w * pn->h; i++)
		pn->z[i] = INFINITY;
	for (uint32_t o = 0; o < m->nobjects; o++) {
		const struct vlt_mesh_object *ob = &m->objects[o];

		for (uint32_t t = ob->first_triangle;
		     t < ob->first_triangle + ob->ntriangles && t < m->ntriangles;
		     t++)
			draw_triangle(pn, m, t, paint ? paint[o] : PAINT_GREY);
	}
}

/*
 * A ring around vertex vi of m: where the largest move is, so that one
 * vertex pulled on a dense mesh is found at a glance. Drawn over the
 * surface, even when the vertex is hidden behind it.
 */
static void draw_marker(struct panel *pn, const struct vlt_mesh *m,
			uint32_t vi)
{
	static const double yellow[3] = { 255, 215, 0 };
	const struct camera *cam = pn->cam;
	const float *v = m->vertices + 3 * (size_t)vi;
	double p[3] = { v[0] - cam->c[0], v[1] - cam->c[1], v[2] - cam->c[2] };
	double cx = 0.5 * pn->w + dot3(p, cam->r) * cam->scale;
	double cy = 0.5 * pn->h - dot3(p, cam->u) * cam->scale;
	double r = (pn->w < pn->h ? pn->w : pn->h) / 40.0;

	if (r < 5)
		r = 5;
	for (long y = (long)(cy - r - 2); y <= (long)(cy + r + 2); y++)
		for (long x = (long)(cx - r - 2); x <= (long)(cx + r + 2); x++) {
			double dx = x + 0.5 - cx, dy = y + 0.5 - cy;
			double dist = sqrt(dx * dx + dy * dy);

			if (x < 0 || y < 0 || x >= (long)pn->w || y >= (long)pn->h ||
			    fabs(dist - r) > 1.0)
				continue;
			put_pixel(pn, (uint32_t)x, (uint32_t)y, yellow, 1);
		}
}

static void union_box(const struct vlt_mesh *a, const struct vlt_mesh *b,
		      float lo[3], float hi[3])
{
	for (int c = 0; c < 3; c++) {
		lo[c] = a->bbox_min[c];
		hi[c] = a->bbox_max[c];
		if (b && b->nvertices) {
			if (!a->nvertices || b->bbox_min[c] < lo[c])
				lo[c] = b->bbox_min[c];
			if (!a->nvertices || b->bbox_max[c] > hi[c])
				hi[c] = b->bbox_max[c];
		}
	}
}

int vlt_mesh_render(const struct vlt_mesh *a, const struct vlt_mesh *b,
		    const struct vlt_mesh_diff *d, struct vlt_image *out,
		    uint32_t width, uint32_t height)
{
	enum paint *pa = NULL, *pb = NULL;
	struct camera cam;
	struct panel pn;
	uint32_t wa = b ? width / 2 : width;
	float lo[3], hi[3], *z = NULL;
	int err = 0;

	vlt_image_release(out);
	if (!width || !height || (uint64_t)width * height > VLT_IMAGE_MAX_PIXELS ||
	    (b && width < 3))
		return vlt_error_set(VLT_E_INVALID, "render size %ux%u out of "
				     "range", width, height);
	VLT_TRY(vlt_image_alloc(out, width, height));
	for (size_t i = 0; i < (size_t)width * height; i++) {
		out->rgba[4 * i] = (VLT_MESH_RENDER_BG >> 16) & 0xff;
		out->rgba[4 * i + 1] = (VLT_MESH_RENDER_BG >> 8) & 0xff;
		out->rgba[4 * i + 2] = VLT_MESH_RENDER_BG & 0xff;
	}
	z = malloc((size_t)width * height * sizeof(*z));
	pa = calloc((size_t)a->nobjects + 1, sizeof(*pa));
	pb = b ? calloc((size_t)b->nobjects + 1, sizeof(*pb)) : NULL;
	if (!z || !pa || (b && !pb)) {
		err = vlt_error_set(VLT_E_NOMEM, "out of memory");
		goto done;
	}
	union_box(a, b, lo, hi);
	/* both panels share the camera: fit the narrower (b's) */
	camera_fit(&cam, lo, hi, b ? width - wa - 1 : wa, height);
	memset(&pn, 0, sizeof(pn));
	pn.img = out;
	pn.z = z;
	pn.h = height;
	pn.cam = &cam;

	if (b && d) {
		int ramp_ok = d->vertex_delta && d->nvertex_delta == b->nvertices &&
			      d->method != VLT_MESH_DIFF_NONE &&
			      d->max_displacement > 0;
		double diag = 0;

		for (int c = 0; c < 3; c++)
			diag += ((double)hi[c] - lo[c]) * ((double)hi[c] - lo[c]);
		for (uint32_t o = 0; o < b->nobjects; o++)
			pb[o] = ramp_ok ? PAINT_RAMP : PAINT_GREY;
		for (uint32_t k = 0; k < d->nobjects; k++) {
			const struct vlt_mesh_object_diff *od = &d->objects[k];

			if (od->change == VLT_MESH_REMOVED && od->a >= 0 &&
			    (uint32_t)od->a < a->nobjects)
				pa[od->a] = PAINT_RED;
			if (od->change == VLT_MESH_ADDED && od->b >= 0 &&
			    (uint32_t)od->b < b->nobjects)
				pb[od->b] = PAINT_GREEN;
		}
		pn.delta = ramp_ok ? d->vertex_delta : NULL;
		pn.delta_max = d->max_displacement;
		/* surface distances carry rounding noise; vertex moves do not */
		pn.delta_eps = d->method == VLT_MESH_DIFF_HAUSDORFF ?
			1e-5 * sqrt(diag) : 0;
	}

	pn.x0 = 0;
	pn.w = wa;
	draw_mesh(&pn, a, pa);
	if (b) {
		for (uint32_t y = 0; y < height; y++) {
			uint8_t *px = out->rgba + 4 * ((size_t)y * width + wa);

			px[0] = (VLT_MESH_RENDER_SEPARATOR >> 16) & 0xff;
			px[1] = (VLT_MESH_RENDER_SEPARATOR >> 8) & 0xff;
			px[2] = VLT_MESH_RENDER_SEPARATOR & 0xff;
		}
		pn.x0 = wa + 1;
		pn.w = width - wa - 1;
		draw_mesh(&pn, b, pb);
		if (pn.delta && pn.delta_max > 0) {
			uint32_t top = 0;

			for (uint32_t i = 1; i < b->nvertices; i++)
				if (pn.delta[i] > pn.delta[top])
					top = i;
			draw_marker(&pn, b, top);
		}
	}
done:
	free(z);
	free(pa);
	free(pb);
	if (err < 0)
		vlt_image_release(out);
	return err;
}

/* ---- captions and the colour key ------------------------------------ */

static const uint8_t text_fg[3] = { 230, 230, 235 }, text_dim[3] = { 160, 160, 170 };

static void bg_rgb(uint8_t rgb[3])
{
	rgb[0] = (VLT_MESH_RENDER_BG >> 16) & 0xff;
	rgb[1] = (VLT_MESH_RENDER_BG >> 8) & 0xff;
	rgb[2] = VLT_MESH_RENDER_BG & 0xff;
}

/* A swatch and its name; returns the x after it. */
static int64_t swatch(struct vlt_image *img, int64_t x, int64_t y,
		      const uint8_t rgb[3], const char *name)
{
	vlt_image_fill_rect(img, x, y + 3, 12, 12, rgb);
	x += 16;
	x += vlt_image_draw_text(img, x, y, 0, name, text_fg);
	return x + 16;
}

/* The yellow ring of the most moved vertex, as a legend entry. */
static int64_t ring_swatch(struct vlt_image *img, int64_t x, int64_t y,
			   const char *name)
{
	static const uint8_t yellow[3] = { 255, 215, 0 };

	for (int dy = -6; dy <= 6; dy++)
		for (int dx = -6; dx <= 6; dx++) {
			double r = sqrt((double)(dx * dx + dy * dy));

			if (fabs(r - 5) <= 0.8)
				vlt_image_fill_rect(img, x + 6 + dx, y + 9 + dy,
						    1, 1, yellow);
		}
	x += 16;
	x += vlt_image_draw_text(img, x, y, 0, name, text_fg);
	return x + 16;
}

#define CAPTION_H (VLT_TEXT_HEIGHT + 8)
#define LEGEND_H (2 * VLT_TEXT_HEIGHT + 16)

static void draw_legend(struct vlt_image *img, uint32_t y0,
			const struct vlt_mesh_diff *d, int ramped, int ringed)
{
	static const uint8_t grey[3] = { 190, 190, 195 }, green[3] = { 60, 205, 90 },
			     red[3] = { 225, 60, 50 };
	char num[64], text[160];
	int64_t x = 8, y = y0 + 4;

	if (ramped) {
		const uint32_t bar = 160;

		x += vlt_image_draw_text(img, x, y, 0, "0", text_fg) + 6;
		for (uint32_t i = 0; i < bar; i++) {
			double rgb[3];
			uint8_t c[3];

			ramp((double)i / (bar - 1), rgb);
			for (int k = 0; k < 3; k++)
				c[k] = (uint8_t)(rgb[k] + 0.5);
			vlt_image_fill_rect(img, x + i, y + 3, 1, 12, c);
		}
		x += bar + 6;
		snprintf(num, sizeof(num), "%.4g", d->max_displacement);
		snprintf(text, sizeof(text), "%s model units: %s", num,
			 d->method == VLT_MESH_DIFF_VERTEX ?
			 "vertex moves, A to B" :
			 "surface distance, B to A");
		vlt_image_draw_text(img, x, y, img->width > x + 8 ?
				    (uint32_t)(img->width - x - 8) : 1, text,
				    text_fg);
	} else {
		vlt_image_draw_text(img, x, y, img->width - 16,
				    d->method == VLT_MESH_DIFF_NONE ?
				    "no surface to compare" :
				    "nothing moved (objects on both sides)",
				    text_dim);
	}
	x = 8;
	y += VLT_TEXT_HEIGHT + 6;
	x = swatch(img, x, y, grey, "unchanged");
	if (d->nadded)
		x = swatch(img, x, y, green, "added in B");
	if (d->nremoved)
		x = swatch(img, x, y, red, "removed (shown in A)");
	if (ringed)
		ring_swatch(img, x, y, "moved most");
}

int vlt_mesh_render_labelled(const struct vlt_mesh *a,
			     const struct vlt_mesh *b,
			     const struct vlt_mesh_diff *d,
			     struct vlt_image *out, uint32_t width,
			     uint32_t height, const char *label_a,
			     const char *label_b)
{
	uint32_t wa = b ? width / 2 : width;
	/* without a caption font (it warned once) no caption, no key */
	int text = vlt_image_text_ready() == 0;
	uint32_t top = text && (label_a || label_b) ? CAPTION_H : 0;
	uint32_t bottom = text && b && d ? LEGEND_H : 0;
	uint8_t bg[3];
	int ramped, ringed, err;

	VLT_TRY(vlt_mesh_render(a, b, d, out, width, height));
	if (!top && !bottom)
		return 0;
	bg_rgb(bg);
	if ((err = vlt_image_extend(out, top, bottom, 0, bg)) < 0) {
		vlt_image_release(out);
		return err;
	}
	for (int side = 0; side < 2 && top; side++) {
		const char *label = side ? label_b : label_a;
		struct vlt_buf t = VLT_BUF_INIT;

		if (!label || (side && !b))
			continue;
		if ((err = vlt_buf_addf(&t, "%s%s", !b ? "" : side ? "B: " : "A: ",
					label)) < 0) {
			vlt_image_release(out);
			return err;
		}
		vlt_image_draw_text(out, side ? wa + 9 : 8, 4,
				    side ? (width - wa > 17 ? width - wa - 17 : 1) :
				    (wa > 16 ? wa - 16 : 1), t.data, text_fg);
		vlt_buf_release(&t);
	}
	if (bottom) {
		ramped = d->vertex_delta && d->nvertex_delta == b->nvertices &&
			 d->method != VLT_MESH_DIFF_NONE &&
			 d->max_displacement > 0;
		ringed = ramped;
		draw_legend(out, top + height, d, ramped, ringed);
	}
	return 0;
}

int vlt_mesh_thumbnail(const struct vlt_mesh *m, struct vlt_image *out,
		       uint32_t width, uint32_t height)
{
	return vlt_mesh_render(m, NULL, NULL, out, width, height);
}
