/*
 * mesh-diff.c - comparing two meshes (see mesh.h).
 *
 * Diff. Objects are matched by name. When every object kept its
 * topology the comparison is vertex by vertex (exact); otherwise it is a
 * symmetric Hausdorff distance between the two surfaces, from
 * area-weighted sample points (fixed seed) plus the vertices, each
 * measured to the nearest point of the other surface through a BVH.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "mesh-internal.h"
#include "mesh.h"

/* Hausdorff: random points per surface, and at most this many vertices of
 * a as extra points (all of b's are measured: they colour the render). */
#define HAUSDORFF_SAMPLES 20000u
#define HAUSDORFF_MAX_VERTEX_SAMPLES 200000u
#define HAUSDORFF_SEED 0x7661756c746d7368ull

/* ---- diff: matching ------------------------------------------------- */

void vlt_mesh_diff_init(struct vlt_mesh_diff *d)
{
	memset(d, 0, sizeof(*d));
	d->max_object = -1;
}

void vlt_mesh_diff_release(struct vlt_mesh_diff *d)
{
	for (uint32_t i = 0; i < d->nobjects; i++)
		free(d->objects[i].name);
	free(d->objects);
	free(d->vertex_delta);
	vlt_mesh_diff_init(d);
}

struct named {
	const char *name;
	uint32_t index;
};

static int cmp_named(const void *x, const void *y)
{
	return strcmp(((const struct named *)x)->name,
		      ((const struct named *)y)->name);
}

static struct named *sorted_names(const struct vlt_mesh *m)
{
	struct named *v = malloc(((size_t)m->nobjects + 1) * sizeof(*v));

	if (!v)
		return NULL;
	for (uint32_t i = 0; i < m->nobjects; i++) {
		v[i].name = m->objects[i].name;
		v[i].index = i;
	}
	qsort(v, m->nobjects, sizeof(*v), cmp_named);
	return v;
}

static const char *material_name(const struct vlt_mesh *m, int32_t i)
{
	return i >= 0 && (size_t)i < m->materials.nr ? m->materials.v[i] : "";
}

static double dist3(const float *p, const float *q)
{
	double dx = (double)p[0] - q[0], dy = (double)p[1] - q[1],
	       dz = (double)p[2] - q[2];

	return sqrt(dx * dx + dy * dy + dz * dz);
}

/* Fill what can be said of a matched pair without a surface search. */
static void compare_objects(const struct vlt_mesh *a, const struct vlt_mesh *b,
			    struct vlt_mesh_object_diff *od)
{
	const struct vlt_mesh_object *oa = &a->objects[od->a];
	const struct vlt_mesh_object *ob = &b->objects[od->b];
	int moved = 0;

	od->topology_kept = oa->nvertices == ob->nvertices &&
			    oa->ntriangles == ob->ntriangles;
	for (uint32_t t = 0; od->topology_kept && t < oa->ntriangles; t++)
		for (int c = 0; c < 3; c++) {
			uint32_t ia = a->triangles[3 * ((size_t)oa->first_triangle + t) + c];
			uint32_t ib = b->triangles[3 * ((size_t)ob->first_triangle + t) + c];

			if (ia - oa->first_vertex != ib - ob->first_vertex)
				od->topology_kept = 0;
		}
	if (oa->ntriangles == ob->ntriangles) {
		for (uint32_t t = 0; t < oa->ntriangles; t++)
			if (strcmp(material_name(a, a->triangle_materials[oa->first_triangle + t]),
				   material_name(b, b->triangle_materials[ob->first_triangle + t])))
				od->material_changed = 1;
	} else {
		od->material_changed = strcmp(material_name(a, oa->material),
					      material_name(b, ob->material)) != 0;
	}
	if (od->topology_kept)
		for (uint32_t i = 0; i < oa->nvertices; i++) {
			const float *p = a->vertices + 3 * ((size_t)oa->first_vertex + i);
			const float *q = b->vertices + 3 * ((size_t)ob->first_vertex + i);
			double d = dist3(p, q);

			if (p[0] != q[0] || p[1] != q[1] || p[2] != q[2])
				moved = 1;
			if (d > od->max_displacement)
				od->max_displacement = d;
		}
	od->change = !od->topology_kept || moved || od->material_changed ?
		VLT_MESH_CHANGED : VLT_MESH_SAME;
}

static int add_object_diff(struct vlt_mesh_diff *d, const char *name,
			   enum vlt_mesh_change change, int32_t ia, int32_t ib)
{
	struct vlt_mesh_object_diff *od;

	if (VLT_ALLOC_GROW(d->objects, (size_t)d->nobjects + 1,
			   d->alloc_objects) < 0)
		return VLT_E_NOMEM;
	od = &d->objects[d->nobjects];
	memset(od, 0, sizeof(*od));
	if (!(od->name = strdup(name)))
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	d->nobjects++;
	od->change = change;
	od->a = ia;
	od->b = ib;
	return 0;
}

/* ---- diff: nearest point on a surface ---------------------------------- */

struct bvh_node {
	float lo[3], hi[3];
	uint32_t first;  /* leaf: first of tri[]; inner: left child (right = +1) */
	uint32_t count;  /* triangles in a leaf; 0 for an inner node */
};

struct bvh {
	const struct vlt_mesh *m;
	struct bvh_node *nodes;
	uint32_t nnodes;
	uint32_t *tri;
	float *centroid;
};

static void tri_points(const struct vlt_mesh *m, uint32_t t, const float *v[3])
{
	for (int c = 0; c < 3; c++)
		v[c] = m->vertices + 3 * (size_t)m->triangles[3 * (size_t)t + c];
}

/*
 * Reorder tri[lo, hi) so that tri[k] holds the k-th by centroid[axis] and
 * nothing before it is larger (Hoare's selection, median-of-three pivot;
 * with more than 16 items the three are distinct, so every partition
 * shrinks the range).
 */
static void select_kth(struct bvh *t, uint32_t lo, uint32_t hi, uint32_t k,
		       int axis)
{
	uint32_t *v = t->tri;

	while (hi - lo > 16) {
		uint32_t mid = lo + (hi - lo) / 2, i = lo, j = hi - 1, tmp;
		float a = t->centroid[3 * (size_t)v[lo] + axis];
		float b = t->centroid[3 * (size_t)v[mid] + axis];
		float c = t->centroid[3 * (size_t)v[hi - 1] + axis];
		float pivot = a < b ? (b < c ? b : (a < c ? c : a)) :
				      (a < c ? a : (b < c ? c : b));

		for (;;) {
			while (t->centroid[3 * (size_t)v[i] + axis] < pivot)
				i++;
			while (t->centroid[3 * (size_t)v[j] + axis] > pivot)
				j--;
			if (i >= j)
				break;
			tmp = v[i];
			v[i] = v[j];
			v[j] = tmp;
			i++;
			j--;
		}
		if (k <= j)
			hi = j + 1;
		else
			lo = j + 1;
	}
	for (uint32_t i = lo + 1; i < hi; i++) {  /* a few left: insertion */
		uint32_t x = v[i], j = i;
		float key = t->centroid[3 * (size_t)x + axis];

		for (; j > lo && t->centroid[3 * (size_t)v[j - 1] + axis] > key; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

static uint32_t bvh_build_node(struct bvh *t, uint32_t node, uint32_t first,
			       uint32_t count)
{
	struct bvh_node *n = &t->nodes[node];
	float clo[3], chi[3];
	int axis = 0;

	for (int c = 0; c < 3; c++) {
		n->lo[c] = clo[c] = FLT_MAX;
		n->hi[c] = chi[c] = -FLT_MAX;
	}
	for (uint32_t i = first; i < first + count; i++) {
		const float *v[3];

		tri_points(t->m, t->tri[i], v);
		for (int c = 0; c < 3; c++) {
			float ce = t->centroid[3 * (size_t)t->tri[i] + c];

			for (int k = 0; k < 3; k++) {
				if (v[k][c] < n->lo[c])
					n->lo[c] = v[k][c];
				if (v[k][c] > n->hi[c])
					n->hi[c] = v[k][c];
			}
			if (ce < clo[c])
				clo[c] = ce;
			if (ce > chi[c])
				chi[c] = ce;
		}
	}
	if (count <= 4) {
		n->first = first;
		n->count = count;
		return node;
	}
	for (int c = 1; c < 3; c++)
		if (chi[c] - clo[c] > chi[axis] - clo[axis])
			axis = c;
	select_kth(t, first, first + count, first + count / 2, axis);
	n->first = t->nnodes;
	n->count = 0;
	t->nnodes += 2;
	bvh_build_node(t, n->first, first, count / 2);
	bvh_build_node(t, t->nodes[node].first + 1, first + count / 2,
		       count - count / 2);
	return node;
}

static int bvh_build(struct bvh *t, const struct vlt_mesh *m)
{
	memset(t, 0, sizeof(*t));
	t->m = m;
	if (!m->ntriangles)
		return 0;
	t->nodes = malloc(2 * (size_t)m->ntriangles * sizeof(*t->nodes));
	t->tri = malloc((size_t)m->ntriangles * sizeof(*t->tri));
	t->centroid = malloc(3 * (size_t)m->ntriangles * sizeof(*t->centroid));
	if (!t->nodes || !t->tri || !t->centroid)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	for (uint32_t i = 0; i < m->ntriangles; i++) {
		const float *v[3];

		tri_points(m, i, v);
		t->tri[i] = i;
		for (int c = 0; c < 3; c++)
			t->centroid[3 * (size_t)i + c] =
				(float)(((double)v[0][c] + v[1][c] + v[2][c]) / 3);
	}
	t->nnodes = 1;
	bvh_build_node(t, 0, 0, m->ntriangles);
	return 0;
}

static void bvh_free(struct bvh *t)
{
	free(t->nodes);
	free(t->tri);
	free(t->centroid);
	memset(t, 0, sizeof(*t));
}

static double box_dist2(const struct bvh_node *n, const double p[3])
{
	double s = 0;

	for (int c = 0; c < 3; c++) {
		double d = p[c] < n->lo[c] ? n->lo[c] - p[c] :
			   p[c] > n->hi[c] ? p[c] - n->hi[c] : 0;

		s += d * d;
	}
	return s;
}

static double seg_dist2(const double p[3], const double a[3], const double b[3])
{
	double ab[3], ap[3], t, l = 0, q[3];

	for (int c = 0; c < 3; c++) {
		ab[c] = b[c] - a[c];
		ap[c] = p[c] - a[c];
	}
	l = dot3(ab, ab);
	t = l > 0 ? dot3(ap, ab) / l : 0;
	t = t < 0 ? 0 : t > 1 ? 1 : t;
	for (int c = 0; c < 3; c++)
		q[c] = ap[c] - t * ab[c];
	return dot3(q, q);
}

/* Squared distance from p to triangle abc (Ericson, Real-Time Collision
 * Detection 5.1.5: find the Voronoi region of p, project onto it). */
static double tri_dist2(const double p[3], const float *fa, const float *fb,
			const float *fc)
{
	double a[3], b[3], c[3], ab[3], ac[3], ap[3], bp[3], cp[3], q[3];
	double d1, d2, d3, d4, d5, d6, va, vb, vc, v, w, den;

	for (int k = 0; k < 3; k++) {
		a[k] = fa[k];
		b[k] = fb[k];
		c[k] = fc[k];
		ab[k] = b[k] - a[k];
		ac[k] = c[k] - a[k];
		ap[k] = p[k] - a[k];
		bp[k] = p[k] - b[k];
		cp[k] = p[k] - c[k];
	}
	d1 = dot3(ab, ap);
	d2 = dot3(ac, ap);
	if (d1 <= 0 && d2 <= 0)
		return dot3(ap, ap);
	d3 = dot3(ab, bp);
	d4 = dot3(ac, bp);
	if (d3 >= 0 && d4 <= d3)
		return dot3(bp, bp);
	vc = d1 * d4 - d3 * d2;
	if (vc <= 0 && d1 >= 0 && d3 <= 0)
		return seg_dist2(p, a, b);
	d5 = dot3(ab, cp);
	d6 = dot3(ac, cp);
	if (d6 >= 0 && d5 <= d6)
		return dot3(cp, cp);
	vb = d5 * d2 - d1 * d6;
	if (vb <= 0 && d2 >= 0 && d6 <= 0)
		return seg_dist2(p, a, c);
	va = d3 * d6 - d5 * d4;
	if (va <= 0 && d4 - d3 >= 0 && d5 - d6 >= 0)
		return seg_dist2(p, b, c);
	den = va + vb + vc;
	if (!(den > 0)) {  /* degenerate: the nearest edge */
		double e1 = seg_dist2(p, a, b), e2 = seg_dist2(p, b, c),
		       e3 = seg_dist2(p, a, c);

		return e1 < e2 ? (e1 < e3 ? e1 : e3) : (e2 < e3 ? e2 : e3);
	}
	v = vb / den;
	w = vc / den;
	for (int k = 0; k < 3; k++)
		q[k] = ap[k] - ab[k] * v - ac[k] * w;
	return dot3(q, q);
}

/* Distance from p to the nearest point of the surface t holds. */
static double bvh_distance(const struct bvh *t, const double p[3])
{
	uint32_t stack[128];
	int sp = 0;
	double best = INFINITY;

	if (!t->nnodes)
		return INFINITY;
	stack[sp++] = 0;
	while (sp) {
		const struct bvh_node *n = &t->nodes[stack[--sp]];

		if (box_dist2(n, p) >= best)
			continue;
		if (n->count) {
			for (uint32_t i = n->first; i < n->first + n->count; i++) {
				const float *v[3];
				double d;

				tri_points(t->m, t->tri[i], v);
				d = tri_dist2(p, v[0], v[1], v[2]);
				if (d < best)
					best = d;
			}
			continue;
		}
		{
			double dl = box_dist2(&t->nodes[n->first], p);
			double dr = box_dist2(&t->nodes[n->first + 1], p);
			uint32_t closer = dl <= dr ? n->first : n->first + 1;

			/* depth <= 2 log2(n): 128 entries never fill */
			if (sp + 2 > (int)(sizeof(stack) / sizeof(stack[0])))
				continue;
			stack[sp++] = closer == n->first ? n->first + 1 : n->first;
			stack[sp++] = closer;  /* popped first */
		}
	}
	return sqrt(best);
}

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double uniform01(uint64_t *s)
{
	return (double)(splitmix(s) >> 11) * (1.0 / 9007199254740992.0);
}

static double tri_area(const struct vlt_mesh *m, uint32_t t)
{
	const float *v[3];
	double u[3], w[3], x[3];

	tri_points(m, t, v);
	for (int c = 0; c < 3; c++) {
		u[c] = (double)v[1][c] - v[0][c];
		w[c] = (double)v[2][c] - v[0][c];
	}
	x[0] = u[1] * w[2] - u[2] * w[1];
	x[1] = u[2] * w[0] - u[0] * w[2];
	x[2] = u[0] * w[1] - u[1] * w[0];
	return 0.5 * sqrt(dot3(x, x));
}

struct hstats {
	double max, sum, sumsq;
	uint32_t nrandom, npoints;
};

/*
 * Measure points of src against the surface in dst: nsamples random
 * points spread by area, then src's vertices (every stride-th). With
 * delta, the vertex distances are stored there too (stride must be 1).
 */
static int sample_surface(const struct vlt_mesh *src, const struct bvh *dst,
			  uint64_t *seed, uint32_t nsamples, uint32_t stride,
			  float *delta, struct hstats *st)
{
	double *cum, total = 0;

	cum = malloc(((size_t)src->ntriangles + 1) * sizeof(*cum));
	if (!cum)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	for (uint32_t t = 0; t < src->ntriangles; t++) {
		total += tri_area(src, t);
		cum[t] = total;
	}
	for (uint32_t s = 0; total > 0 && s < nsamples; s++) {
		double r = uniform01(seed) * total, r1 = uniform01(seed),
		       r2 = uniform01(seed), sq = sqrt(r1), p[3], d;
		uint32_t lo = 0, hi = src->ntriangles - 1;
		const float *v[3];

		while (lo < hi) {  /* first triangle with cum > r */
			uint32_t mid = lo + (hi - lo) / 2;

			if (cum[mid] > r)
				hi = mid;
			else
				lo = mid + 1;
		}
		tri_points(src, lo, v);
		for (int c = 0; c < 3; c++)
			p[c] = (1 - sq) * v[0][c] + sq * (1 - r2) * v[1][c] +
			       sq * r2 * v[2][c];
		d = bvh_distance(dst, p);
		if (d > st->max)
			st->max = d;
		st->sum += d;
		st->sumsq += d * d;
		st->nrandom++;
		st->npoints++;
	}
	free(cum);
	for (uint32_t i = 0; i < src->nvertices; i += stride) {
		const float *v = src->vertices + 3 * (size_t)i;
		double p[3] = { v[0], v[1], v[2] }, d = bvh_distance(dst, p);

		if (d > st->max)
			st->max = d;
		if (delta)
			delta[i] = (float)d;
		st->npoints++;
	}
	return 0;
}

static int hausdorff(const struct vlt_mesh *a, const struct vlt_mesh *b,
		     struct vlt_mesh_diff *d)
{
	struct bvh ta, tb;
	struct hstats sa = { 0 }, sb = { 0 };
	uint64_t seed = HAUSDORFF_SEED;
	uint32_t stride = a->nvertices / HAUSDORFF_MAX_VERTEX_SAMPLES + 1;
	int err;

	if ((err = bvh_build(&ta, a)) < 0 || (err = bvh_build(&tb, b)) < 0)
		goto done;
	if ((err = sample_surface(a, &tb, &seed, HAUSDORFF_SAMPLES, stride,
				  NULL, &sa)) < 0 ||
	    (err = sample_surface(b, &ta, &seed, HAUSDORFF_SAMPLES, 1,
				  d->vertex_delta, &sb)) < 0)
		goto done;
	d->hausdorff_ab = sa.max;
	d->hausdorff_ba = sb.max;
	d->max_displacement = sa.max > sb.max ? sa.max : sb.max;
	if (sa.nrandom + sb.nrandom) {
		double n = (double)sa.nrandom + sb.nrandom;

		d->mean_displacement = (sa.sum + sb.sum) / n;
		d->rms_displacement = sqrt((sa.sumsq + sb.sumsq) / n);
	}
	d->samples = sa.npoints + sb.npoints;
done:
	bvh_free(&ta);
	bvh_free(&tb);
	return err;
}

/* Vertex by vertex: every object is matched and kept its topology. */
static void vertex_moves(const struct vlt_mesh *a, const struct vlt_mesh *b,
			 struct vlt_mesh_diff *d)
{
	double sum = 0, sumsq = 0;
	uint64_t n = 0;

	for (uint32_t k = 0; k < d->nobjects; k++) {
		const struct vlt_mesh_object *oa, *ob;

		if (d->objects[k].a < 0 || d->objects[k].b < 0)
			continue;  /* added or removed: nothing to move */
		oa = &a->objects[d->objects[k].a];
		ob = &b->objects[d->objects[k].b];
		for (uint32_t i = 0; i < ob->nvertices; i++) {
			const float *p = a->vertices + 3 * ((size_t)oa->first_vertex + i);
			const float *q = b->vertices + 3 * ((size_t)ob->first_vertex + i);
			double dd = dist3(p, q);

			d->vertex_delta[ob->first_vertex + i] = (float)dd;
			if (p[0] != q[0] || p[1] != q[1] || p[2] != q[2])
				d->moved_vertices++;
			if (dd > d->max_displacement || d->max_object < 0) {
				d->max_displacement = dd;
				d->max_vertex = ob->first_vertex + i;
				d->max_object = d->objects[k].b;
			}
			sum += dd;
			sumsq += dd * dd;
			n++;
		}
	}
	if (n) {
		d->mean_displacement = sum / (double)n;
		d->rms_displacement = sqrt(sumsq / (double)n);
	}
}

/*
 * The objects of m that are on both sides (od->a or od->b, by side) as
 * one mesh of their own; map[i] is the index in m of its vertex i. For
 * measuring how far the shared objects moved without the surface of an
 * added or removed one.
 */
static int common_part(const struct vlt_mesh *m, const struct vlt_mesh_diff *d,
		       int side_b, struct vlt_mesh *out, uint32_t **map)
{
	uint32_t nv = 0, nt = 0;
	int first = 1;

	vlt_mesh_init(out);
	*map = NULL;
	for (uint32_t k = 0; k < d->nobjects; k++) {
		const struct vlt_mesh_object_diff *od = &d->objects[k];

		if (od->a < 0 || od->b < 0)
			continue;
		nv += m->objects[side_b ? od->b : od->a].nvertices;
		nt += m->objects[side_b ? od->b : od->a].ntriangles;
	}
	out->vertices = malloc(((size_t)nv + 1) * 3 * sizeof(float));
	out->triangles = malloc(((size_t)nt + 1) * 3 * sizeof(uint32_t));
	*map = malloc(((size_t)nv + 1) * sizeof(**map));
	if (!out->vertices || !out->triangles || !*map) {
		free(*map);
		*map = NULL;
		vlt_mesh_release(out);
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	}
	for (uint32_t k = 0; k < d->nobjects; k++) {
		const struct vlt_mesh_object_diff *od = &d->objects[k];
		const struct vlt_mesh_object *ob;
		uint32_t base = out->nvertices;

		if (od->a < 0 || od->b < 0)
			continue;
		ob = &m->objects[side_b ? od->b : od->a];
		for (uint32_t i = 0; i < ob->nvertices; i++) {
			const float *v = m->vertices +
					 3 * ((size_t)ob->first_vertex + i);

			memcpy(out->vertices + 3 * (size_t)out->nvertices, v,
			       3 * sizeof(float));
			for (int c = 0; c < 3; c++) {
				if (first || v[c] < out->bbox_min[c])
					out->bbox_min[c] = v[c];
				if (first || v[c] > out->bbox_max[c])
					out->bbox_max[c] = v[c];
			}
			first = 0;
			(*map)[out->nvertices++] = ob->first_vertex + i;
		}
		for (uint32_t t = 0; t < ob->ntriangles; t++)
			for (int c = 0; c < 3; c++)
				out->triangles[3 * ((size_t)out->ntriangles + t) + c] =
					m->triangles[3 * ((size_t)ob->first_triangle
							  + t) + c] -
					ob->first_vertex + base;
		out->ntriangles += ob->ntriangles;
	}
	return 0;
}

/* Surface distance between the objects on both sides; the distances of
 * b's vertices go to their places in d->vertex_delta (added objects'
 * stay 0). */
static int hausdorff_common(const struct vlt_mesh *a, const struct vlt_mesh *b,
			    struct vlt_mesh_diff *d)
{
	struct vlt_mesh ca, cb;
	uint32_t *map_a = NULL, *map_b = NULL;
	float *all = d->vertex_delta, *part = NULL;
	uint32_t nall = d->nvertex_delta;
	int err;

	vlt_mesh_init(&ca);
	vlt_mesh_init(&cb);
	if ((err = common_part(a, d, 0, &ca, &map_a)) < 0 ||
	    (err = common_part(b, d, 1, &cb, &map_b)) < 0)
		goto done;
	if (!ca.ntriangles || !cb.ntriangles)
		goto done;  /* no shared surface: nothing measured */
	part = calloc((size_t)cb.nvertices + 1, sizeof(*part));
	if (!part) {
		err = vlt_error_set(VLT_E_NOMEM, "out of memory");
		goto done;
	}
	d->vertex_delta = part;
	d->nvertex_delta = cb.nvertices;
	err = hausdorff(&ca, &cb, d);
	d->vertex_delta = all;
	d->nvertex_delta = nall;
	for (uint32_t i = 0; !err && i < cb.nvertices; i++)
		all[map_b[i]] = part[i];
done:
	free(part);
	free(map_a);
	free(map_b);
	vlt_mesh_release(&ca);
	vlt_mesh_release(&cb);
	return err;
}

int vlt_mesh_diff(const struct vlt_mesh *a, const struct vlt_mesh *b,
		  struct vlt_mesh_diff *d)
{
	struct named *na = NULL, *nb = NULL;
	uint32_t i = 0, j = 0;
	int kept = 1, err = 0;

	vlt_mesh_diff_release(d);
	d->before = (struct vlt_mesh_counts){ a->nvertices, a->ntriangles,
					      a->nobjects,
					      (uint32_t)a->materials.nr };
	d->after = (struct vlt_mesh_counts){ b->nvertices, b->ntriangles,
					     b->nobjects,
					     (uint32_t)b->materials.nr };
	memcpy(d->bbox_before_min, a->bbox_min, sizeof(d->bbox_before_min));
	memcpy(d->bbox_before_max, a->bbox_max, sizeof(d->bbox_before_max));
	memcpy(d->bbox_after_min, b->bbox_min, sizeof(d->bbox_after_min));
	memcpy(d->bbox_after_max, b->bbox_max, sizeof(d->bbox_after_max));

	if (!(na = sorted_names(a)) || !(nb = sorted_names(b))) {
		err = vlt_error_set(VLT_E_NOMEM, "out of memory");
		goto done;
	}
	while (i < a->nobjects || j < b->nobjects) {
		int c = i == a->nobjects ? 1 : j == b->nobjects ? -1 :
			strcmp(na[i].name, nb[j].name);

		if (c < 0) {
			err = add_object_diff(d, na[i].name, VLT_MESH_REMOVED,
					      (int32_t)na[i].index, -1);
			d->nremoved++;
			i++;
		} else if (c > 0) {
			err = add_object_diff(d, nb[j].name, VLT_MESH_ADDED, -1,
					      (int32_t)nb[j].index);
			d->nadded++;
			j++;
		} else {
			err = add_object_diff(d, na[i].name, VLT_MESH_SAME,
					      (int32_t)na[i].index,
					      (int32_t)nb[j].index);
			if (!err) {
				struct vlt_mesh_object_diff *od =
					&d->objects[d->nobjects - 1];

				compare_objects(a, b, od);
				kept &= od->topology_kept;
				d->ncommon++;
				d->nchanged += od->change == VLT_MESH_CHANGED;
			}
			i++;
			j++;
		}
		if (err < 0)
			goto done;
	}
	for (uint32_t k = 0; k < d->nobjects; k++) {
		struct vlt_mesh_object_diff *od = &d->objects[k];

		if (od->a >= 0) {
			od->nvertices_before = a->objects[od->a].nvertices;
			od->ntriangles_before = a->objects[od->a].ntriangles;
		}
		if (od->b >= 0) {
			od->nvertices_after = b->objects[od->b].nvertices;
			od->ntriangles_after = b->objects[od->b].ntriangles;
		}
	}

	if (!a->ntriangles || !b->ntriangles) {
		d->method = VLT_MESH_DIFF_NONE;
		goto done;
	}
	d->vertex_delta = calloc((size_t)b->nvertices + 1,
				 sizeof(*d->vertex_delta));
	if (!d->vertex_delta) {
		err = vlt_error_set(VLT_E_NOMEM, "out of memory");
		goto done;
	}
	d->nvertex_delta = b->nvertices;
	/*
	 * Displacement is measured over the objects on both sides: an added
	 * or removed object is reported as such, not as a surface that
	 * moved. With no object in common (every name changed) the whole
	 * surfaces are compared instead.
	 */
	if (!d->ncommon) {
		d->method = VLT_MESH_DIFF_HAUSDORFF;
		err = hausdorff(a, b, d);
	} else if (kept) {
		d->method = VLT_MESH_DIFF_VERTEX;
		vertex_moves(a, b, d);
	} else {
		d->method = VLT_MESH_DIFF_HAUSDORFF;
		err = hausdorff_common(a, b, d);
	}
done:
	free(na);
	free(nb);
	if (err < 0)
		vlt_mesh_diff_release(d);
	return err;
}
