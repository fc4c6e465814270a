/*
 * mesh.c - load, compare and draw 3D models (see mesh.h).
 *
 * Loading. assimp parses the file and nothing else: it is called with no
 * post-processing flags at all, and the conversion below walks the scene
 * graph itself (node transforms multiplied down to world space), welds
 * vertices and triangulates. The flags we leave out, and why:
 *
 *  - aiProcess_JoinIdenticalVertices compares normals, UVs and colours
 *    as well as positions (an STL cube, with one normal per facet, stays
 *    at 24 vertices) and welds within an epsilon. We weld on exact
 *    position instead, per object, numbering vertices in order of first
 *    use by the faces. That order depends only on the face list, so two
 *    versions of a file whose faces are the same get the same vertex
 *    numbering whatever moved: vertex i of one is vertex i of the other.
 *    OBJ, STL and FBX come out of assimp unshared (a vertex per corner),
 *    glTF and PLY indexed; all end up the same way.
 *  - aiProcess_Triangulate picks a quad's diagonal and clips n-gon ears
 *    by looking at vertex positions, so moving one vertex can change the
 *    triangle list and break the vertex-by-vertex comparison; and the
 *    Debian build of assimp 5.2 has its assertions on, and Triangulate
 *    asserts (abort()) on the malformed faces a truncated PLY yields. We
 *    triangulate each polygon as a fan from its first corner: stable, but
 *    a concave polygon is drawn and sampled slightly wrong.
 *  - aiProcess_PreTransformVertices, OptimizeGraph and OptimizeMeshes
 *    merge and rename nodes, losing the objects' identity; FindDegenerates
 *    and FindInvalidData drop faces depending on positions, so an edit
 *    could change the face count; ValidateDataStructure refuses whole
 *    files over animation or metadata faults that do not matter here (the
 *    conversion checks every index it uses); normals, tangents, UVs and
 *    bounding boxes are not needed.
 *
 * Isolation. A few malformed inputs make assimp 5.2 abort (assertions) or
 * loop forever (a PLY cut inside its header), so by default the import
 * runs in a forked child that sends the converted mesh back through a
 * pipe, with its stdout and stderr captured and a time limit. Known traps
 * are also caught before assimp sees them (empty input, PLY headers and
 * bodies walked in full, STL and GLB sizes).
 *
 * Diff. Objects are matched by name. When every object kept its
 * topology the comparison is vertex by vertex (exact); otherwise it is a
 * symmetric Hausdorff distance between the two surfaces, from
 * area-weighted sample points (fixed seed) plus the vertices, each
 * measured to the nearest point of the other surface through a BVH.
 *
 * Render. An orthographic 3/4 view, a float z-buffer, flat Lambert
 * shading; a and b side by side with the same camera.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <assimp/cimport.h>
#include <assimp/material.h>
#include <assimp/scene.h>

#include "error.h"
#include "image.h"
#include "mesh.h"

/* assimp is built single-threaded: one import at a time per process. */
static pthread_mutex_t import_lock = PTHREAD_MUTEX_INITIALIZER;

#define MAX_SCENE_DEPTH 256
#define MAX_PLY_HEADER (64 * 1024)
#define MAX_PLY_ELEMENTS 32
#define MAX_PLY_PROPS 64
#define MAX_POLYGON (1u << 20)
#define MAX_MODEL_BYTES ((size_t)UINT32_MAX)
/* Hausdorff: random points per surface, and at most this many vertices of
 * a as extra points (all of b's are measured: they colour the render). */
#define HAUSDORFF_SAMPLES 20000u
#define HAUSDORFF_MAX_VERTEX_SAMPLES 200000u
#define HAUSDORFF_SEED 0x7661756c746d7368ull

void vlt_mesh_init(struct vlt_mesh *m)
{
	memset(m, 0, sizeof(*m));
}

void vlt_mesh_release(struct vlt_mesh *m)
{
	for (uint32_t i = 0; i < m->nobjects; i++)
		free(m->objects[i].name);
	free(m->objects);
	free(m->vertices);
	free(m->triangles);
	free(m->triangle_materials);
	vlt_strlist_release(&m->materials);
	vlt_mesh_init(m);
}

int32_t vlt_mesh_find_object(const struct vlt_mesh *m, const char *name)
{
	for (uint32_t i = 0; i < m->nobjects; i++)
		if (!strcmp(m->objects[i].name, name))
			return (int32_t)i;
	return -1;
}

static uint32_t get_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* ---- format sniffing ------------------------------------------------ */

static const char *const formats[] = {
	"obj", "stl", "ply", "gltf", "glb", "fbx", NULL
};

/* Our spelling of a known extension, or NULL. */
static const char *known_format(const char *ext)
{
	if (!ext)
		return NULL;
	for (int i = 0; formats[i]; i++)
		if (!strcasecmp(ext, formats[i]))
			return formats[i];
	return NULL;
}

/* The extension of the last path component of name, or NULL. */
static const char *name_ext(const char *name)
{
	const char *slash, *dot;

	if (!name)
		return NULL;
	slash = strrchr(name, '/');
	dot = strrchr(slash ? slash + 1 : name, '.');
	return dot && dot[1] ? dot + 1 : NULL;
}

static int binary_stl_size_matches(const unsigned char *p, size_t len)
{
	return len >= 84 && 84 + 50 * (uint64_t)get_le32(p + 80) == len;
}

static int starts_with(const unsigned char *p, const unsigned char *end,
		       const char *s)
{
	size_t n = strlen(s);

	return (size_t)(end - p) >= n && !memcmp(p, s, n);
}

/*
 * An OBJ is text whose meaningful lines (not blank, not '#') all start
 * with an OBJ keyword; look at the first 200 of them, or 64 KiB.
 */
static int looks_like_obj(const unsigned char *p, size_t len)
{
	static const char *const kw[] = {
		"v", "vt", "vn", "vp", "f", "fo", "o", "g", "s", "l", "p",
		"mtllib", "usemtl", "usemap", "maplib", "cstype", "deg",
		"curv", "curv2", "surf", "parm", "end", "bevel", "c_interp",
		"d_interp", "lod", "shadow_obj", "trace_obj", "call", NULL
	};
	size_t window = len < 65536 ? len : 65536;
	const unsigned char *end = p + window;
	int lines = 0, geometry = 0;

	if (memchr(p, 0, window))
		return 0;
	while (p < end && lines < 200) {
		const unsigned char *eol = memchr(p, '\n', (size_t)(end - p));
		const unsigned char *w;
		size_t n;
		int i;

		if (!eol) {
			if (window < len)
				break;  /* a partial line at the window's end */
			eol = end;
		}
		while (p < eol && (*p == ' ' || *p == '\t' || *p == '\r'))
			p++;
		if (p == eol || *p == '#') {
			p = eol + 1;
			continue;
		}
		for (w = p; w < eol && *w != ' ' && *w != '\t' && *w != '\r'; w++)
			;
		n = (size_t)(w - p);
		for (i = 0; kw[i]; i++)
			if (strlen(kw[i]) == n && !memcmp(p, kw[i], n))
				break;
		if (!kw[i])
			return 0;
		if (n <= 2 && (*p == 'v' || *p == 'f'))
			geometry = 1;
		lines++;
		p = eol + 1;
	}
	return geometry;
}

static const char *sniff(const void *data, size_t len, const char *ext)
{
	const unsigned char *p = data, *end = p + len, *t;
	size_t head = len < 4096 ? len : 4096;

	if (len >= 12 && !memcmp(p, "glTF", 4))
		return "glb";
	if (starts_with(p, end, "Kaydara FBX Binary"))
		return "fbx";
	if (starts_with(p, end, "ply\n") || starts_with(p, end, "ply\r") ||
	    starts_with(p, end, "PLY\n") || starts_with(p, end, "PLY\r"))
		return "ply";
	/* Before the text checks: a binary STL header may say "solid". */
	if (binary_stl_size_matches(p, len))
		return "stl";
	t = p;
	if (starts_with(t, end, "\xef\xbb\xbf"))
		t += 3;
	while (t < end && (*t == ' ' || *t == '\t' || *t == '\r' || *t == '\n'))
		t++;
	if (t < end && *t == '{' && memmem(p, len, "\"asset\"", 7))
		return "gltf";
	if (starts_with(t, end, "; FBX") ||
	    memmem(p, head, "FBXHeaderExtension", 18))
		return "fbx";
	if (starts_with(t, end, "solid") &&
	    (memmem(p, len, "facet", 5) || memmem(p, len, "endsolid", 8)))
		return "stl";
	if (looks_like_obj(p, len))
		return "obj";
	return known_format(ext);
}

const char *vlt_mesh_sniff(const void *data, size_t len, const char *name)
{
	return sniff(data, len, name_ext(name));
}

/* ---- checks before assimp ------------------------------------------ */

enum { PLY_ASCII, PLY_LE, PLY_BE };

struct ply_prop {
	int list;
	int count_size, count_signed;  /* list length type */
	int size;                      /* scalar or list item size */
};

struct ply_elem {
	char name[32];
	uint64_t count;
	int nprops;
	struct ply_prop props[MAX_PLY_PROPS];
};

/* Size and signedness of a PLY scalar type name; 0 if unknown. */
static int ply_type(const char *s, int *is_signed)
{
	static const struct { const char *name; int size, sign; } t[] = {
		{ "char", 1, 1 }, { "int8", 1, 1 }, { "uchar", 1, 0 },
		{ "uint8", 1, 0 }, { "short", 2, 1 }, { "int16", 2, 1 },
		{ "ushort", 2, 0 }, { "uint16", 2, 0 }, { "int", 4, 1 },
		{ "int32", 4, 1 }, { "uint", 4, 0 }, { "uint32", 4, 0 },
		{ "float", 4, 1 }, { "float32", 4, 1 }, { "double", 8, 1 },
		{ "float64", 8, 1 },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(s, t[i].name)) {
			*is_signed = t[i].sign;
			return t[i].size;
		}
	return 0;
}

/* Next whitespace-separated token of [*p, end), or 0 when none is left. */
static int next_token(const unsigned char **p, const unsigned char *end,
		      const unsigned char **tok, size_t *n)
{
	const unsigned char *s = *p;

	while (s < end && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n'))
		s++;
	if (s == end)
		return 0;
	*tok = s;
	while (s < end && *s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
		s++;
	*n = (size_t)(s - *tok);
	*p = s;
	return 1;
}

static int ply_ascii_count(const unsigned char *tok, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 0;

	if (n && tok[0] == '+')
		i++;
	if (i == n)
		return -1;
	for (; i < n; i++) {
		if (tok[i] < '0' || tok[i] > '9' || v > MAX_POLYGON)
			return -1;
		v = v * 10 + (uint64_t)(tok[i] - '0');
	}
	*out = v;
	return 0;
}

static uint64_t ply_binary_count(const unsigned char *p, int size, int sign,
				 int order, int *negative)
{
	uint64_t v = 0;

	for (int i = 0; i < size; i++)
		v |= (uint64_t)p[order == PLY_LE ? i : size - 1 - i] << (8 * i);
	*negative = sign && (v >> (8 * size - 1)) & 1;
	return v;
}

/*
 * Walk a PLY header and body the way the file describes them, and refuse
 * a file that ends early. assimp's PLY reader hangs on a header cut short
 * and invents faces from a body cut short.
 */
static int check_ply_with(struct ply_elem *elems, const unsigned char *data,
			  size_t len, const char *label);

static int check_ply(const unsigned char *data, size_t len, const char *label)
{
	struct ply_elem *elems = calloc(MAX_PLY_ELEMENTS, sizeof(*elems));
	int err = check_ply_with(elems, data, len, label);

	free(elems);
	return err;
}

static int check_ply_with(struct ply_elem *elems, const unsigned char *data,
			  size_t len, const char *label)
{
	const unsigned char *p = data, *end = data + len, *body = NULL;
	int nelems = 0, format = -1, first = 1;
	char line[256];

	if (!elems)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");

	while (p < end && p - data < MAX_PLY_HEADER) {
		const unsigned char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t n;
		char *w, *save = NULL;

		if (!eol)
			break;
		n = (size_t)(eol - p);
		if (n && p[n - 1] == '\r')
			n--;
		if (n >= sizeof(line))
			return vlt_error_set(VLT_E_CORRUPT, "%s: PLY header "
					     "line too long", label);
		memcpy(line, p, n);
		line[n] = '\0';
		p = eol + 1;
		if (first) {
			first = 0;
			continue;  /* "ply", checked by the sniffer */
		}
		w = strtok_r(line, " \t", &save);
		if (!w || !strcmp(w, "comment") || !strcmp(w, "obj_info"))
			continue;
		if (!strcmp(w, "end_header")) {
			body = p;
			break;
		}
		if (!strcmp(w, "format")) {
			w = strtok_r(NULL, " \t", &save);
			if (w && !strcmp(w, "ascii"))
				format = PLY_ASCII;
			else if (w && !strcmp(w, "binary_little_endian"))
				format = PLY_LE;
			else if (w && !strcmp(w, "binary_big_endian"))
				format = PLY_BE;
			else
				return vlt_error_set(VLT_E_UNSUPPORTED, "%s: "
						     "unknown PLY format '%s'",
						     label, w ? w : "");
		} else if (!strcmp(w, "element")) {
			struct ply_elem *e;
			char *name = strtok_r(NULL, " \t", &save);
			char *cnt = strtok_r(NULL, " \t", &save), *cend;

			if (nelems == MAX_PLY_ELEMENTS)
				return vlt_error_set(VLT_E_UNSUPPORTED, "%s: more "
						     "than %d PLY elements",
						     label, MAX_PLY_ELEMENTS);
			if (!name || !cnt || *cnt < '0' || *cnt > '9')
				return vlt_error_set(VLT_E_CORRUPT, "%s: bad PLY "
						     "element line", label);
			e = &elems[nelems++];
			memset(e, 0, sizeof(*e));
			snprintf(e->name, sizeof(e->name), "%s", name);
			errno = 0;
			e->count = strtoull(cnt, &cend, 10);
			if (errno || *cend || e->count > len)
				return vlt_error_set(VLT_E_CORRUPT, "%s: PLY "
						     "element %s claims %s items "
						     "in a file of %zu bytes",
						     label, e->name, cnt, len);
		} else if (!strcmp(w, "property")) {
			struct ply_elem *e = nelems ? &elems[nelems - 1] : NULL;
			struct ply_prop *pr;
			char *t = strtok_r(NULL, " \t", &save);
			int sign;

			if (!e || e->nprops == MAX_PLY_PROPS || !t)
				return vlt_error_set(VLT_E_CORRUPT, "%s: bad PLY "
						     "property line", label);
			pr = &e->props[e->nprops++];
			memset(pr, 0, sizeof(*pr));
			if (!strcmp(t, "list")) {
				char *ct = strtok_r(NULL, " \t", &save);
				char *it = strtok_r(NULL, " \t", &save);

				pr->list = 1;
				pr->count_size = ct ? ply_type(ct, &pr->count_signed) : 0;
				pr->size = it ? ply_type(it, &sign) : 0;
				if (pr->count_size == 8)
					pr->count_size = 0;  /* a float length */
			} else {
				pr->size = ply_type(t, &sign);
			}
			if (!pr->size || (pr->list && !pr->count_size))
				return vlt_error_set(VLT_E_CORRUPT, "%s: bad PLY "
						     "property type", label);
		} else {
			return vlt_error_set(VLT_E_CORRUPT, "%s: unknown PLY "
					     "header line '%s'", label, w);
		}
	}
	if (!body)
		return vlt_error_set(VLT_E_CORRUPT, "%s: truncated PLY header "
				     "(no end_header)", label);
	if (format < 0)
		return vlt_error_set(VLT_E_CORRUPT, "%s: PLY header has no "
				     "format line", label);

	p = body;
	for (int ei = 0; ei < nelems; ei++) {
		const struct ply_elem *e = &elems[ei];
		uint64_t fixed = 0;
		int has_list = 0;

		for (int k = 0; k < e->nprops; k++) {
			has_list |= e->props[k].list;
			fixed += (uint64_t)e->props[k].size;
		}
		if (format != PLY_ASCII && !has_list) {
			if (fixed && e->count > (uint64_t)(end - p) / fixed)
				goto truncated;
			p += e->count * fixed;
			continue;
		}
		for (uint64_t i = 0; i < e->count; i++) {
			for (int k = 0; k < e->nprops; k++) {
				const struct ply_prop *pr = &e->props[k];
				const unsigned char *tok;
				uint64_t n = 1;
				size_t tn;
				int neg;

				if (format == PLY_ASCII) {
					if (!next_token(&p, end, &tok, &tn))
						goto truncated;
					if (pr->list &&
					    ply_ascii_count(tok, tn, &n) < 0)
						goto bad_list;
					for (uint64_t j = 0; pr->list && j < n; j++)
						if (!next_token(&p, end, &tok, &tn))
							goto truncated;
					continue;
				}
				if (pr->list) {
					if ((size_t)(end - p) < (size_t)pr->count_size)
						goto truncated;
					n = ply_binary_count(p, pr->count_size,
							     pr->count_signed,
							     format, &neg);
					if (neg || n > MAX_POLYGON)
						goto bad_list;
					p += pr->count_size;
				}
				if (n > (uint64_t)(end - p) / (uint64_t)pr->size)
					goto truncated;
				p += n * (uint64_t)pr->size;
			}
		}
		continue;
truncated:
		return vlt_error_set(VLT_E_CORRUPT, "%s: truncated PLY: element "
				     "%s ends early (file has %zu bytes)",
				     label, e->name, len);
bad_list:
		return vlt_error_set(VLT_E_CORRUPT, "%s: bad PLY list length "
				     "in element %s", label, e->name);
	}
	return 0;
}

/* Refuse inputs we know assimp mishandles, with a message that says why. */
static int check_input(const char *fmt, const unsigned char *p, size_t len,
		       const char *label)
{
	if (!strcmp(fmt, "ply"))
		return check_ply(p, len, label);
	if (!strcmp(fmt, "stl")) {
		if (binary_stl_size_matches(p, len))
			return 0;
		if (len >= 5 && !memcmp(p, "solid", 5)) {
			if (!memmem(p, len, "endsolid", 8))
				return vlt_error_set(VLT_E_CORRUPT, "%s: truncated "
						     "ASCII STL (no endsolid)",
						     label);
			return 0;
		}
		if (len < 84)
			return vlt_error_set(VLT_E_CORRUPT, "%s: %zu bytes is "
					     "too short for a binary STL", label,
					     len);
		return vlt_error_set(VLT_E_CORRUPT, "%s: binary STL of %zu bytes "
				     "but its header counts %u facets (%llu "
				     "bytes)", label, len, get_le32(p + 80),
				     84 + 50 * (unsigned long long)get_le32(p + 80));
	}
	if (!strcmp(fmt, "glb") && (len < 12 || memcmp(p, "glTF", 4)))
		return vlt_error_set(VLT_E_CORRUPT, "%s: not a GLB (no glTF "
				     "magic)", label);
	if (!strcmp(fmt, "glb") && get_le32(p + 8) > len)
		return vlt_error_set(VLT_E_CORRUPT, "%s: truncated GLB (header "
				     "says %u bytes, file has %zu)", label,
				     get_le32(p + 8), len);
	return 0;
}

/* ---- scene conversion ----------------------------------------------- */

/* Exact-position weld table: slots hold local vertex numbers + 1. */
struct weld {
	uint32_t *slots;
	size_t mask;
	float *pos;      /* x, y, z per welded vertex (node space) */
	uint32_t n;
	size_t alloc;
};

static uint32_t hash_pos(const uint32_t k[3])
{
	uint32_t h = k[0] * 0x9e3779b1u ^ k[1] * 0x85ebca77u ^ k[2] * 0xc2b2ae3du;

	h ^= h >> 16;
	h *= 0x7feb352du;
	h ^= h >> 15;
	h *= 0x846ca68bu;
	h ^= h >> 16;
	return h;
}

/* The welded number of position v, adding it when new. */
static int weld_add(struct weld *w, const float v[3], uint32_t *out,
		    uint32_t limit, const char *label)
{
	uint32_t k[3];
	float f[3];
	size_t i;

	for (int c = 0; c < 3; c++) {
		f[c] = v[c] == 0.0f ? 0.0f : v[c];  /* -0 welds with +0 */
		memcpy(&k[c], &f[c], 4);
	}
	for (i = hash_pos(k) & w->mask; w->slots[i]; i = (i + 1) & w->mask) {
		const float *q = w->pos + 3 * (size_t)(w->slots[i] - 1);

		if (!memcmp(q, f, sizeof(f))) {
			*out = w->slots[i] - 1;
			return 0;
		}
	}
	if (w->n >= limit)
		return vlt_error_set(VLT_E_UNSUPPORTED, "%s: more than %u "
				     "vertices", label, VLT_MESH_MAX_VERTICES);
	if (VLT_ALLOC_GROW(w->pos, 3 * ((size_t)w->n + 1), w->alloc) < 0)
		return VLT_E_NOMEM;
	memcpy(w->pos + 3 * (size_t)w->n, f, sizeof(f));
	w->slots[i] = ++w->n;
	*out = w->n - 1;
	return 0;
}

struct convert {
	struct vlt_mesh *m;
	const struct aiScene *scene;
	const char *label;
	int32_t *matmap;      /* scene material -> index in m->materials */
	struct weld weld;
	uint32_t *remap;      /* assimp vertex -> welded number */
	size_t remap_alloc;
	uint32_t *names;      /* name set: object numbers + 1 */
	size_t names_mask;
};

static uint32_t hash_str(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

/* Make the name set big enough for one more object. */
static int names_reserve(struct convert *cv)
{
	size_t cap = cv->names ? cv->names_mask + 1 : 0, ncap;
	uint32_t *slots;

	if ((size_t)cv->m->nobjects * 2 + 2 <= cap)
		return 0;
	ncap = cap ? cap * 2 : 64;
	slots = calloc(ncap, sizeof(*slots));
	if (!slots)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	for (size_t i = 0; i < cap; i++) {
		size_t j;

		if (!cv->names[i])
			continue;
		j = hash_str(cv->m->objects[cv->names[i] - 1].name) & (ncap - 1);
		while (slots[j])
			j = (j + 1) & (ncap - 1);
		slots[j] = cv->names[i];
	}
	free(cv->names);
	cv->names = slots;
	cv->names_mask = ncap - 1;
	return 0;
}

/* The slot for name: where it is, or the empty slot where it would go. */
static size_t names_find(const struct convert *cv, const char *name)
{
	size_t j = hash_str(name) & cv->names_mask;

	while (cv->names[j] &&
	       strcmp(cv->m->objects[cv->names[j] - 1].name, name))
		j = (j + 1) & cv->names_mask;
	return j;
}

/* A copy of base, made unique in the mesh with "#2", "#3"... */
static int unique_name(struct convert *cv, const char *base, char **out)
{
	struct vlt_buf b = VLT_BUF_INIT;

	VLT_TRY(vlt_buf_adds(&b, base));
	for (unsigned k = 2; cv->names[names_find(cv, b.data)]; k++) {
		vlt_buf_reset(&b);
		if (vlt_buf_addf(&b, "%s#%u", base, k) < 0) {
			vlt_buf_release(&b);
			return VLT_E_NOMEM;
		}
	}
	*out = vlt_buf_detach(&b, NULL);
	return 0;
}

/* Index in m->materials of scene material i, or -1 (unnamed, assimp's
 * default, out of range). Only materials faces use are listed. */
static int material_of(struct convert *cv, unsigned i, int32_t *out)
{
	const struct aiScene *s = cv->scene;
	struct aiString name;

	*out = -1;
	if (i >= s->mNumMaterials || !s->mMaterials || !s->mMaterials[i])
		return 0;
	if (cv->matmap[i] != -2) {
		*out = cv->matmap[i];
		return 0;
	}
	cv->matmap[i] = -1;
	if (aiGetMaterialString(s->mMaterials[i], AI_MATKEY_NAME, &name) !=
	    aiReturn_SUCCESS || !name.length || name.length >= MAXLEN)
		return 0;
	name.data[name.length] = '\0';
	if (!strcmp(name.data, AI_DEFAULT_MATERIAL_NAME) || strlen(name.data) == 0)
		return 0;
	if (cv->m->materials.nr >= (1u << 20))
		return 0;
	VLT_TRY(vlt_strlist_add(&cv->m->materials, name.data));
	cv->matmap[i] = (int32_t)(cv->m->materials.nr - 1);
	*out = cv->matmap[i];
	return 0;
}

static void transform(const struct aiMatrix4x4 *t, const float in[3],
		      double out[3])
{
	double x = in[0], y = in[1], z = in[2];

	out[0] = t->a1 * x + t->a2 * y + t->a3 * z + t->a4;
	out[1] = t->b1 * x + t->b2 * y + t->b3 * z + t->b4;
	out[2] = t->c1 * x + t->c2 * y + t->c3 * z + t->c4;
}

static void mat_mul(struct aiMatrix4x4 *out, const struct aiMatrix4x4 *a,
		    const struct aiMatrix4x4 *b)
{
	const ai_real *x = &a->a1, *y = &b->a1;
	ai_real r[16];

	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 4; j++)
			r[i * 4 + j] = x[i * 4] * y[j] + x[i * 4 + 1] * y[4 + j] +
				       x[i * 4 + 2] * y[8 + j] +
				       x[i * 4 + 3] * y[12 + j];
	memcpy(&out->a1, r, sizeof(r));
}

/* One object from the meshes a node holds, in world space t. */
static int convert_node(struct convert *cv, const struct aiNode *node,
			const struct aiMatrix4x4 *t)
{
	const struct aiScene *s = cv->scene;
	struct vlt_mesh *m = cv->m;
	struct vlt_mesh_object *obj;
	uint64_t ntri = 0, maxverts = 0;
	const char *base;
	size_t cap, old_alloc;
	int err;

	for (unsigned k = 0; k < node->mNumMeshes; k++) {
		const struct aiMesh *me;

		if (!node->mMeshes || node->mMeshes[k] >= s->mNumMeshes ||
		    !s->mMeshes || !(me = s->mMeshes[node->mMeshes[k]]))
			return vlt_error_set(VLT_E_CORRUPT, "%s: node '%s' "
					     "refers to a missing mesh",
					     cv->label, node->mName.data);
		if (me->mNumFaces && !me->mFaces)
			return vlt_error_set(VLT_E_CORRUPT, "%s: mesh without "
					     "faces", cv->label);
		for (unsigned f = 0; f < me->mNumFaces; f++)
			if (me->mFaces[f].mNumIndices >= 3)
				ntri += me->mFaces[f].mNumIndices - 2;
		maxverts += me->mNumVertices;
	}
	if (!ntri)
		return 0;  /* points, lines or nothing: not an object */
	if (ntri > VLT_MESH_MAX_TRIANGLES - m->ntriangles)
		return vlt_error_set(VLT_E_UNSUPPORTED, "%s: more than %u "
				     "triangles", cv->label,
				     VLT_MESH_MAX_TRIANGLES);
	if (m->nobjects >= VLT_MESH_MAX_OBJECTS)
		return vlt_error_set(VLT_E_UNSUPPORTED, "%s: more than %u "
				     "objects", cv->label, VLT_MESH_MAX_OBJECTS);

	base = node->mName.length && node->mName.length < MAXLEN ?
		node->mName.data : "";
	if (!*base && s->mMeshes[node->mMeshes[0]]->mName.length &&
	    s->mMeshes[node->mMeshes[0]]->mName.length < MAXLEN)
		base = s->mMeshes[node->mMeshes[0]]->mName.data;
	if (!*base)
		base = "unnamed";
	VLT_TRY(names_reserve(cv));
	if (VLT_ALLOC_GROW(m->objects, (size_t)m->nobjects + 1,
			   m->alloc_objects) < 0)
		return VLT_E_NOMEM;
	obj = &m->objects[m->nobjects];
	memset(obj, 0, sizeof(*obj));
	VLT_TRY(unique_name(cv, base, &obj->name));
	cv->names[names_find(cv, obj->name)] = ++m->nobjects;
	obj->first_vertex = m->nvertices;
	obj->first_triangle = m->ntriangles;

	old_alloc = m->alloc_triangles;
	if (VLT_ALLOC_GROW(m->triangles, 3 * ((size_t)m->ntriangles + ntri),
			   m->alloc_triangles) < 0)
		return VLT_E_NOMEM;
	if (m->alloc_triangles != old_alloc || !m->triangle_materials) {
		/* triangle_materials keeps the capacity of triangles */
		int32_t *tm = realloc(m->triangle_materials,
				      (m->alloc_triangles / 3 + 1) * sizeof(*tm));

		if (!tm)
			return vlt_error_set(VLT_E_NOMEM, "out of memory");
		m->triangle_materials = tm;
	}

	/* weld table sized for every distinct position this node can have */
	if (maxverts > VLT_MESH_MAX_VERTICES)
		maxverts = VLT_MESH_MAX_VERTICES;
	for (cap = 64; cap < 2 * maxverts; cap *= 2)
		;
	free(cv->weld.slots);
	cv->weld.slots = calloc(cap, sizeof(*cv->weld.slots));
	if (!cv->weld.slots)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	cv->weld.mask = cap - 1;
	cv->weld.n = 0;

	for (unsigned k = 0; k < node->mNumMeshes; k++) {
		const struct aiMesh *me = s->mMeshes[node->mMeshes[k]];
		int32_t mat;

		if (me->mNumVertices && !me->mVertices)
			return vlt_error_set(VLT_E_CORRUPT, "%s: mesh '%s' has "
					     "no positions", cv->label,
					     me->mName.data);
		if (VLT_ALLOC_GROW(cv->remap, me->mNumVertices ? me->mNumVertices : 1,
				   cv->remap_alloc) < 0)
			return VLT_E_NOMEM;
		memset(cv->remap, 0xff, me->mNumVertices * sizeof(*cv->remap));
		VLT_TRY(material_of(cv, me->mMaterialIndex, &mat));
		for (unsigned f = 0; f < me->mNumFaces; f++) {
			const struct aiFace *face = &me->mFaces[f];
			uint32_t *tri;

			if (face->mNumIndices < 3)
				continue;
			if (!face->mIndices)
				return vlt_error_set(VLT_E_CORRUPT, "%s: face "
						     "without indices", cv->label);
			for (unsigned c = 0; c < face->mNumIndices; c++) {
				unsigned idx = face->mIndices[c];
				float v[3];

				if (idx >= me->mNumVertices)
					return vlt_error_set(VLT_E_CORRUPT, "%s: "
							     "face index %u out of "
							     "range (%u vertices)",
							     cv->label, idx,
							     me->mNumVertices);
				if (cv->remap[idx] != UINT32_MAX)
					continue;
				v[0] = (float)me->mVertices[idx].x;
				v[1] = (float)me->mVertices[idx].y;
				v[2] = (float)me->mVertices[idx].z;
				if (!isfinite(v[0]) || !isfinite(v[1]) ||
				    !isfinite(v[2]))
					return vlt_error_set(VLT_E_CORRUPT, "%s: "
							     "vertex with a "
							     "non-finite "
							     "coordinate",
							     cv->label);
				if ((err = weld_add(&cv->weld, v, &cv->remap[idx],
						    VLT_MESH_MAX_VERTICES -
						    m->nvertices, cv->label)) < 0)
					return err;
			}
			for (unsigned c = 1; c + 1 < face->mNumIndices; c++) {
				tri = m->triangles + 3 * (size_t)m->ntriangles;
				tri[0] = obj->first_vertex +
					 cv->remap[face->mIndices[0]];
				tri[1] = obj->first_vertex +
					 cv->remap[face->mIndices[c]];
				tri[2] = obj->first_vertex +
					 cv->remap[face->mIndices[c + 1]];
				m->triangle_materials[m->ntriangles++] = mat;
			}
		}
	}

	if (VLT_ALLOC_GROW(m->vertices, 3 * ((size_t)m->nvertices + cv->weld.n),
			   m->alloc_vertices) < 0)
		return VLT_E_NOMEM;
	for (uint32_t i = 0; i < cv->weld.n; i++) {
		float *v = m->vertices + 3 * ((size_t)m->nvertices + i);
		double w[3];

		transform(t, cv->weld.pos + 3 * (size_t)i, w);
		for (int c = 0; c < 3; c++) {
			v[c] = (float)w[c];
			if (!isfinite(v[c]))
				return vlt_error_set(VLT_E_CORRUPT, "%s: object "
						     "'%s' leaves the float range "
						     "in world space", cv->label,
						     obj->name);
		}
	}
	m->nvertices += cv->weld.n;
	obj->nvertices = cv->weld.n;
	obj->ntriangles = m->ntriangles - obj->first_triangle;
	obj->material = m->triangle_materials[obj->first_triangle];
	return 0;
}

static int convert_tree(struct convert *cv, const struct aiNode *node,
			const struct aiMatrix4x4 *parent, int depth)
{
	struct aiMatrix4x4 t;

	if (depth > MAX_SCENE_DEPTH)
		return vlt_error_set(VLT_E_UNSUPPORTED, "%s: scene graph deeper "
				     "than %d nodes", cv->label, MAX_SCENE_DEPTH);
	mat_mul(&t, parent, &node->mTransformation);
	VLT_TRY(convert_node(cv, node, &t));
	for (unsigned i = 0; i < node->mNumChildren; i++) {
		if (!node->mChildren || !node->mChildren[i])
			return vlt_error_set(VLT_E_CORRUPT, "%s: missing scene "
					     "node", cv->label);
		VLT_TRY(convert_tree(cv, node->mChildren[i], &t, depth + 1));
	}
	return 0;
}

static void compute_bbox(struct vlt_mesh *m)
{
	for (int c = 0; c < 3; c++)
		m->bbox_min[c] = m->bbox_max[c] = 0;
	for (uint32_t i = 0; i < m->nvertices; i++)
		for (int c = 0; c < 3; c++) {
			float v = m->vertices[3 * (size_t)i + c];

			if (!i || v < m->bbox_min[c])
				m->bbox_min[c] = v;
			if (!i || v > m->bbox_max[c])
				m->bbox_max[c] = v;
		}
}

static int convert_scene(struct vlt_mesh *m, const struct aiScene *scene,
			 const char *fmt, const char *label)
{
	static const struct aiMatrix4x4 identity = {
		1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1
	};
	struct convert cv;
	int err;

	memset(&cv, 0, sizeof(cv));
	cv.m = m;
	cv.scene = scene;
	cv.label = label;
	if (!scene->mRootNode)
		return vlt_error_set(VLT_E_CORRUPT, "%s: no scene", label);
	cv.matmap = malloc((scene->mNumMaterials + 1) * sizeof(*cv.matmap));
	if (!cv.matmap)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	for (unsigned i = 0; i < scene->mNumMaterials; i++)
		cv.matmap[i] = -2;
	snprintf(m->format, sizeof(m->format), "%s", fmt);
	err = convert_tree(&cv, scene->mRootNode, &identity, 0);
	if (!err && !m->ntriangles)
		err = vlt_error_set(VLT_E_UNSUPPORTED, "%s: no triangles (an "
				    "empty scene, or only points and lines)",
				    label);
	free(cv.matmap);
	free(cv.weld.slots);
	free(cv.weld.pos);
	free(cv.remap);
	free(cv.names);
	if (!err)
		compute_bbox(m);
	return err;
}

/* ---- calling assimp --------------------------------------------------- */

static pthread_once_t quiet_once = PTHREAD_ONCE_INIT;

/* No log stream may print: drop any, so assimp's DefaultLogger is gone. */
static void quiet_assimp(void)
{
	aiDetachAllLogStreams();
}

/* assimp's message, with its placeholder file name replaced by ours. */
static int assimp_error(const char *label)
{
	const char *msg = aiGetErrorString();
	struct vlt_buf b = VLT_BUF_INIT;
	const char *magic = "$$$___magic___$$$", *q;
	int code = VLT_E_CORRUPT;

	if (!msg || !*msg)
		msg = "unknown error";
	while ((q = strstr(msg, magic))) {
		vlt_buf_add(&b, msg, (size_t)(q - msg));
		vlt_buf_adds(&b, label);
		msg = q + strlen(magic);
		if (*msg == '.')  /* and its ".ext" */
			for (msg++; isalnum((unsigned char)*msg); msg++)
				;
	}
	vlt_buf_adds(&b, msg);
	while (b.len && (b.data[b.len - 1] == '\n' || b.data[b.len - 1] == ' '))
		vlt_buf_setlen(&b, b.len - 1);
	if (b.data && strstr(b.data, "No suitable reader"))
		code = VLT_E_UNSUPPORTED;
	vlt_error_set(code, "%s: cannot read model: %s", label,
		      b.data ? b.data : "out of memory");
	vlt_buf_release(&b);
	return code;
}

/* Import and convert in this process. The caller holds import_lock. */
static int import_here(struct vlt_mesh *m, const char *fmt, const void *data,
		       size_t len, const char *path, const char *label)
{
	const struct aiScene *scene;
	int err;

	pthread_once(&quiet_once, quiet_assimp);
	if (path)
		scene = aiImportFile(path, 0);
	else
		scene = aiImportFileFromMemory(data, (unsigned)len, 0, fmt);
	if (!scene)
		return assimp_error(label);
	err = convert_scene(m, scene, fmt, label);
	aiReleaseImport(scene);
	if (err < 0)
		vlt_mesh_release(m);
	return err;
}

/* The sandbox protocol: what the child writes, in host byte order. */
#define WIRE_MAGIC 0x31534d56u  /* "VMS1" */

static int put(struct vlt_buf *b, const void *p, size_t n)
{
	return vlt_buf_add(b, p, n);
}

static int put_u32(struct vlt_buf *b, uint32_t v)
{
	return put(b, &v, 4);
}

static int serialise(struct vlt_buf *b, int rc, const struct vlt_mesh *m)
{
	uint32_t magic = WIRE_MAGIC;
	int32_t code = rc;

	VLT_TRY(put(b, &magic, 4));
	VLT_TRY(put(b, &code, 4));
	if (rc < 0) {
		const char *msg = vlt_error_last();

		VLT_TRY(put_u32(b, (uint32_t)strlen(msg)));
		return put(b, msg, strlen(msg));
	}
	VLT_TRY(put(b, m->format, sizeof(m->format)));
	VLT_TRY(put_u32(b, m->nobjects));
	VLT_TRY(put_u32(b, m->nvertices));
	VLT_TRY(put_u32(b, m->ntriangles));
	VLT_TRY(put_u32(b, (uint32_t)m->materials.nr));
	for (uint32_t i = 0; i < m->nobjects; i++) {
		const struct vlt_mesh_object *o = &m->objects[i];

		VLT_TRY(put_u32(b, o->first_vertex));
		VLT_TRY(put_u32(b, o->nvertices));
		VLT_TRY(put_u32(b, o->first_triangle));
		VLT_TRY(put_u32(b, o->ntriangles));
		VLT_TRY(put(b, &o->material, 4));
		VLT_TRY(put_u32(b, (uint32_t)strlen(o->name)));
		VLT_TRY(put(b, o->name, strlen(o->name)));
	}
	VLT_TRY(put(b, m->vertices, 12 * (size_t)m->nvertices));
	VLT_TRY(put(b, m->triangles, 12 * (size_t)m->ntriangles));
	VLT_TRY(put(b, m->triangle_materials, 4 * (size_t)m->ntriangles));
	for (size_t i = 0; i < m->materials.nr; i++) {
		VLT_TRY(put_u32(b, (uint32_t)strlen(m->materials.v[i])));
		VLT_TRY(put(b, m->materials.v[i], strlen(m->materials.v[i])));
	}
	return 0;
}

struct reader {
	const unsigned char *p, *end;
};

static int take(struct reader *r, void *out, size_t n)
{
	if ((size_t)(r->end - r->p) < n)
		return -1;
	memcpy(out, r->p, n);
	r->p += n;
	return 0;
}

static int take_str(struct reader *r, char **out)
{
	uint32_t n;

	if (take(r, &n, 4) < 0 || (size_t)(r->end - r->p) < n)
		return -1;
	*out = malloc((size_t)n + 1);
	if (!*out)
		return -1;
	memcpy(*out, r->p, n);
	(*out)[n] = '\0';
	r->p += n;
	return 0;
}

/* Rebuild the child's mesh (or its error) from the wire. */
static int deserialise(struct vlt_mesh *m, const struct vlt_buf *b,
		       const char *label)
{
	struct reader r = { (const unsigned char *)b->data,
			    (const unsigned char *)b->data + b->len };
	uint32_t magic, nmat;
	int32_t code;

	if (take(&r, &magic, 4) < 0 || magic != WIRE_MAGIC ||
	    take(&r, &code, 4) < 0)
		goto bad;
	if (code < 0) {
		char *msg;

		if (take_str(&r, &msg) < 0)
			goto bad;
		vlt_error_set(code, "%s", msg);
		free(msg);
		return code;
	}
	if (take(&r, m->format, sizeof(m->format)) < 0 ||
	    take(&r, &m->nobjects, 4) < 0 || take(&r, &m->nvertices, 4) < 0 ||
	    take(&r, &m->ntriangles, 4) < 0 || take(&r, &nmat, 4) < 0 ||
	    m->nobjects > VLT_MESH_MAX_OBJECTS ||
	    m->nvertices > VLT_MESH_MAX_VERTICES ||
	    m->ntriangles > VLT_MESH_MAX_TRIANGLES)
		goto bad;
	m->format[sizeof(m->format) - 1] = '\0';
	m->objects = calloc(m->nobjects ? m->nobjects : 1, sizeof(*m->objects));
	m->vertices = malloc(12 * (size_t)m->nvertices + 1);
	m->triangles = malloc(12 * (size_t)m->ntriangles + 1);
	m->triangle_materials = malloc(4 * (size_t)m->ntriangles + 1);
	if (!m->objects || !m->vertices || !m->triangles ||
	    !m->triangle_materials) {
		vlt_mesh_release(m);
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	}
	m->alloc_objects = m->nobjects;
	m->alloc_vertices = 3 * (size_t)m->nvertices;
	m->alloc_triangles = 3 * (size_t)m->ntriangles;
	for (uint32_t i = 0; i < m->nobjects; i++) {
		struct vlt_mesh_object *o = &m->objects[i];

		if (take(&r, &o->first_vertex, 4) < 0 ||
		    take(&r, &o->nvertices, 4) < 0 ||
		    take(&r, &o->first_triangle, 4) < 0 ||
		    take(&r, &o->ntriangles, 4) < 0 ||
		    take(&r, &o->material, 4) < 0 || take_str(&r, &o->name) < 0)
			goto bad;
	}
	if (take(&r, m->vertices, 12 * (size_t)m->nvertices) < 0 ||
	    take(&r, m->triangles, 12 * (size_t)m->ntriangles) < 0 ||
	    take(&r, m->triangle_materials, 4 * (size_t)m->ntriangles) < 0)
		goto bad;
	for (uint32_t i = 0; i < nmat; i++) {
		char *s;
		int err;

		if (take_str(&r, &s) < 0)
			goto bad;
		err = vlt_strlist_add(&m->materials, s);
		free(s);
		if (err < 0) {
			vlt_mesh_release(m);
			return err;
		}
	}
	for (size_t i = 0; i < 3 * (size_t)m->ntriangles; i++)
		if (m->triangles[i] >= m->nvertices)
			goto bad;
	compute_bbox(m);
	return 0;
bad:
	vlt_mesh_release(m);
	return vlt_error_set(VLT_E_GENERIC, "%s: garbled reply from the model "
			     "import process", label);
}

static int write_all(int fd, const void *p, size_t n)
{
	const char *s = p;

	while (n) {
		ssize_t w = write(fd, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The child: import, send the result, leave without running atexit. */
static void child_import(int out, int msgs, const char *fmt, const void *data,
			 size_t len, const char *path, const char *label)
{
	struct vlt_mesh m;
	struct vlt_buf b = VLT_BUF_INIT;
	const char *test;
	int rc;

	if (dup2(msgs, 1) < 0 || dup2(msgs, 2) < 0)
		_exit(3);
	signal(SIGPIPE, SIG_DFL);
	/* VAULT_TEST_MESH_CHILD=abort|hang: act out assimp's failures */
	test = getenv("VAULT_TEST_MESH_CHILD");
	if (test && !strcmp(test, "abort")) {
		fputs("ai_assert failure in test\n", stderr);
		fflush(stderr);
		abort();
	}
	while (test && !strcmp(test, "hang"))
		pause();
	vlt_mesh_init(&m);
	rc = import_here(&m, fmt, data, len, path, label);
	if (serialise(&b, rc, &m) < 0 || write_all(out, b.data, b.len) < 0)
		_exit(2);
	_exit(0);
}

/* Import in a child process; see the comment at the top of the file. */
static int import_sandboxed(struct vlt_mesh *m, const char *fmt,
			    const void *data, size_t len, const char *path,
			    const char *label, unsigned timeout_ms)
{
	int res[2] = { -1, -1 }, msg[2] = { -1, -1 }, status = 0, timed_out = 0;
	struct vlt_buf out = VLT_BUF_INIT;
	char errtext[512];
	size_t errlen = 0;
	long long deadline;
	pid_t pid;
	int err;

	if (pipe2(res, O_CLOEXEC) < 0 || pipe2(msg, O_CLOEXEC) < 0) {
		err = vlt_error_set(VLT_E_IO, "pipe: %s", strerror(errno));
		goto done;
	}
	pthread_mutex_lock(&import_lock);  /* no import half-done in the copy */
	pid = fork();
	if (pid == 0) {
		close(res[0]);
		close(msg[0]);
		child_import(res[1], msg[1], fmt, data, len, path, label);
	}
	pthread_mutex_unlock(&import_lock);
	if (pid < 0) {
		err = vlt_error_set(VLT_E_IO, "fork: %s", strerror(errno));
		goto done;
	}
	close(res[1]);
	close(msg[1]);
	res[1] = msg[1] = -1;

	deadline = now_ms() + timeout_ms;
	while (res[0] >= 0 || msg[0] >= 0) {
		struct pollfd pf[2];
		long long left = deadline - now_ms();
		int n = 0, rc;

		if (left <= 0) {
			timed_out = 1;
			kill(pid, SIGKILL);
			break;
		}
		if (res[0] >= 0)
			pf[n++] = (struct pollfd){ .fd = res[0], .events = POLLIN };
		if (msg[0] >= 0)
			pf[n++] = (struct pollfd){ .fd = msg[0], .events = POLLIN };
		rc = poll(pf, (nfds_t)n, left > 1000 ? 1000 : (int)left);
		if (rc < 0 && errno != EINTR) {
			kill(pid, SIGKILL);
			break;
		}
		for (int i = 0; i < n && rc > 0; i++) {
			ssize_t got;

			if (!pf[i].revents)
				continue;
			if (pf[i].fd == res[0]) {
				if (vlt_buf_grow(&out, 65536) < 0) {
					kill(pid, SIGKILL);
					close(res[0]);
					res[0] = -1;
					continue;
				}
				got = read(res[0], out.data + out.len, 65536);
				if (got > 0)
					vlt_buf_setlen(&out, out.len + (size_t)got);
			} else {
				char tmp[512];

				got = read(msg[0], tmp, sizeof(tmp));
				if (got > 0 && errlen < sizeof(errtext) - 1) {
					size_t k = (size_t)got;

					if (k > sizeof(errtext) - 1 - errlen)
						k = sizeof(errtext) - 1 - errlen;
					memcpy(errtext + errlen, tmp, k);
					errlen += k;
				}
			}
			if (got == 0 || (got < 0 && errno != EINTR &&
					 errno != EAGAIN)) {
				close(pf[i].fd);
				if (pf[i].fd == res[0])
					res[0] = -1;
				else
					msg[0] = -1;
			}
		}
	}
	errtext[errlen] = '\0';
	errtext[strcspn(errtext, "\n")] = '\0';
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;

	if (timed_out)
		err = vlt_error_set(VLT_E_CORRUPT, "%s: cannot read model: "
				    "assimp did not finish in %.3g s",
				    label, timeout_ms / 1000.0);
	else if (WIFSIGNALED(status))
		err = vlt_error_set(VLT_E_CORRUPT, "%s: cannot read model: "
				    "assimp crashed (signal %d)%s%s", label,
				    WTERMSIG(status), errlen ? ": " : "",
				    errtext);
	else if (out.len >= 8)
		err = deserialise(m, &out, label);
	else
		err = vlt_error_set(VLT_E_GENERIC, "%s: model import process "
				    "failed (exit %d)%s%s", label,
				    WIFEXITED(status) ? WEXITSTATUS(status) : -1,
				    errlen ? ": " : "", errtext);
done:
	for (int i = 0; i < 2; i++) {
		if (res[i] >= 0)
			close(res[i]);
		if (msg[i] >= 0)
			close(msg[i]);
	}
	vlt_buf_release(&out);
	return err;
}

static int import(struct vlt_mesh *m, const char *fmt, const void *data,
		  size_t len, const char *path, const char *label,
		  const struct vlt_mesh_load_opts *opts)
{
	int err;

	if (opts && (opts->flags & VLT_MESH_LOAD_IN_PROCESS)) {
		pthread_mutex_lock(&import_lock);
		err = import_here(m, fmt, data, len, path, label);
		pthread_mutex_unlock(&import_lock);
		return err;
	}
	return import_sandboxed(m, fmt, data, len, path, label,
				opts && opts->timeout_ms ? opts->timeout_ms :
				VLT_MESH_IMPORT_TIMEOUT_MS);
}

/* Which format to ask assimp for: ours, or another it knows by ext. */
static int pick_format(const void *data, size_t len, const char *ext,
		       const char *label, const char **fmt)
{
	char dotted[32];
	int ok;

	if (!len)
		return vlt_error_set(VLT_E_CORRUPT, "%s: empty file", label);
	if (len > MAX_MODEL_BYTES)
		return vlt_error_set(VLT_E_UNSUPPORTED, "%s: too large for the "
				     "model reader (%zu bytes)", label, len);
	if ((*fmt = sniff(data, len, ext)))
		return 0;
	if (ext && strlen(ext) < 16) {
		snprintf(dotted, sizeof(dotted), ".%s", ext);
		pthread_mutex_lock(&import_lock);
		ok = aiIsExtensionSupported(dotted) == AI_TRUE;
		pthread_mutex_unlock(&import_lock);
		if (ok) {
			*fmt = ext;
			return 0;
		}
	}
	return vlt_error_set(VLT_E_UNSUPPORTED, "%s: not a 3D model format "
			     "vault reads (OBJ, STL, PLY, glTF, GLB, FBX)",
			     label);
}

int vlt_mesh_load_mem_opts(struct vlt_mesh *m, const void *data, size_t len,
			   const char *ext, const char *name,
			   const struct vlt_mesh_load_opts *opts)
{
	const char *label = name ? name : "model", *fmt;

	vlt_mesh_release(m);
	if (!ext)
		ext = name_ext(name);
	VLT_TRY(pick_format(data, len, ext, label, &fmt));
	VLT_TRY(check_input(fmt, data, len, label));
	return import(m, fmt, data, len, NULL, label, opts);
}

int vlt_mesh_load_mem(struct vlt_mesh *m, const void *data, size_t len,
		      const char *ext, const char *name)
{
	return vlt_mesh_load_mem_opts(m, data, len, ext, name, NULL);
}

/*
 * Read the whole file: the format checks need it all (a PLY body is
 * walked), and assimp holds it all in memory anyway.
 */
static int read_file(const char *path, struct vlt_buf *out)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return vlt_error_set(errno == ENOENT ? VLT_E_NOTFOUND : VLT_E_IO,
				     "open %s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0) {
		err = vlt_error_set(VLT_E_IO, "stat %s: %s", path,
				    strerror(errno));
		goto done;
	}
	if ((uint64_t)st.st_size > MAX_MODEL_BYTES) {
		err = vlt_error_set(VLT_E_UNSUPPORTED, "%s: too large for the "
				    "model reader", path);
		goto done;
	}
	for (;;) {
		ssize_t n;

		if ((err = vlt_buf_grow(out, 65536)) < 0)
			goto done;
		n = read(fd, out->data + out->len, out->cap - out->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = vlt_error_set(VLT_E_IO, "read %s: %s", path,
					    strerror(errno));
			goto done;
		}
		if (!n)
			break;
		vlt_buf_setlen(out, out->len + (size_t)n);
		if (out->len > MAX_MODEL_BYTES) {
			err = vlt_error_set(VLT_E_UNSUPPORTED, "%s: too large "
					    "for the model reader", path);
			goto done;
		}
	}
done:
	close(fd);
	return err;
}

int vlt_mesh_load_file_opts(struct vlt_mesh *m, const char *path,
			    const struct vlt_mesh_load_opts *opts)
{
	struct vlt_buf b = VLT_BUF_INIT;
	const char *fmt, *ext = name_ext(path);
	int err;

	vlt_mesh_release(m);
	if ((err = read_file(path, &b)) < 0 ||
	    (err = pick_format(b.data, b.len, ext, path, &fmt)) < 0 ||
	    (err = check_input(fmt, (const unsigned char *)b.data, b.len,
			       path)) < 0)
		goto done;
	/*
	 * Formats that refer to files beside them (OBJ to its MTL, glTF to
	 * its buffers) are read by path so assimp can find those, when the
	 * extension leads assimp to the same reader; the rest from memory.
	 */
	if ((!strcmp(fmt, "obj") || !strcmp(fmt, "gltf")) &&
	    known_format(ext) == fmt)
		err = import(m, fmt, NULL, 0, path, path, opts);
	else
		err = import(m, fmt, b.data, b.len, NULL, path, opts);
done:
	vlt_buf_release(&b);
	return err;
}

int vlt_mesh_load_file(struct vlt_mesh *m, const char *path)
{
	return vlt_mesh_load_file_opts(m, path, NULL);
}

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

static double dot3(const double a[3], const double b[3])
{
	return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
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
