/*
 * mesh-load.c - reading 3D models into a struct vlt_mesh (see mesh.h):
 * format sniffing, the checks that keep inputs assimp mishandles away
 * from it (PLY headers and bodies walked in full, STL and GLB sizes),
 * and the conversion of assimp's scene into our mesh.
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
 * The import itself runs in a forked child by default (mesh-sandbox.c);
 * VLT_MESH_LOAD_IN_PROCESS runs it here.
 */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <assimp/cimport.h>
#include <assimp/material.h>
#include <assimp/scene.h>

#include "error.h"
#include "fsutil.h"
#include "mesh-internal.h"
#include "mesh.h"

pthread_mutex_t vlt_mesh_import_lock = PTHREAD_MUTEX_INITIALIZER;

#define MAX_SCENE_DEPTH 256
#define MAX_PLY_HEADER (64 * 1024)
#define MAX_PLY_ELEMENTS 32
#define MAX_PLY_PROPS 64
#define MAX_POLYGON (1u << 20)
#define MAX_MODEL_BYTES ((size_t)UINT32_MAX)

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
 * An ASCII element: one line per item, as assimp reads it. A file with
 * fewer lines than the element claims, or a list with fewer items than
 * its length, is truncated (*p set to NULL); a list length must be a
 * number no larger than MAX_POLYGON (-1). A line may end before the
 * properties the header lists do (a
 * Blender 2.77 PLY declares vertex_indices on its vertices and writes
 * none): assimp takes what is there, so do we.
 */
static int check_ply_ascii(const struct ply_elem *e, const unsigned char **p,
			   const unsigned char *end)
{
	const unsigned char *s = *p;

	for (uint64_t i = 0; i < e->count; i++) {
		const unsigned char *eol, *tok;
		size_t tn;

		/* blank lines between items do not count */
		while (s < end && (*s == ' ' || *s == '\t' || *s == '\r' ||
				   *s == '\n'))
			s++;
		if (s == end) {
			*p = NULL;
			return 0;
		}
		eol = memchr(s, '\n', (size_t)(end - s));
		if (!eol)
			eol = end;
		for (int k = 0; k < e->nprops; k++) {
			uint64_t n = 1;

			if (!next_token(&s, eol, &tok, &tn))
				break;
			if (e->props[k].list) {
				if (ply_ascii_count(tok, tn, &n) < 0)
					return -1;
				/* a list cut short is a file cut short (assimp
				 * would make up the missing indices) */
				for (uint64_t j = 0; j < n; j++)
					if (!next_token(&s, eol, &tok, &tn)) {
						*p = NULL;
						return 0;
					}
			}
		}
		s = eol;
	}
	*p = s;
	return 0;
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
		/* a long comment (Blender writes the source file's path) is
		 * cut: no line that matters is that long */
		if (n >= sizeof(line))
			n = sizeof(line) - 1;
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
		}
		/* Any other line is skipped, as assimp's reader skips it:
		 * exporters write lines outside the grammar (Blender 2.4's
		 * "Created by Blender3D 247 - www.blender.org"). */
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
		if (format == PLY_ASCII) {
			if (check_ply_ascii(e, &p, end) < 0)
				goto bad_list;
			if (p == NULL)
				goto truncated;
			continue;
		}
		if (!has_list) {
			if (fixed && e->count > (uint64_t)(end - p) / fixed)
				goto truncated;
			p += e->count * fixed;
			continue;
		}
		for (uint64_t i = 0; i < e->count; i++) {
			for (int k = 0; k < e->nprops; k++) {
				const struct ply_prop *pr = &e->props[k];
				uint64_t n = 1;
				int neg;

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
		/* assimp's RAW reader leaves a child it moved up as NULL */
		if (!node->mChildren || !node->mChildren[i])
			continue;
		VLT_TRY(convert_tree(cv, node->mChildren[i], &t, depth + 1));
	}
	return 0;
}

void vlt_mesh_compute_bbox(struct vlt_mesh *m)
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
		return vlt_error_set(VLT_E_UNSUPPORTED, "%s: no triangles (an "
				     "empty scene)", label);
	cv.matmap = malloc((scene->mNumMaterials + 1) * sizeof(*cv.matmap));
	if (!cv.matmap)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	for (unsigned i = 0; i < scene->mNumMaterials; i++)
		cv.matmap[i] = -2;
	snprintf(m->format, sizeof(m->format), "%s", *fmt ? fmt : "model");
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
		vlt_mesh_compute_bbox(m);
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

int vlt_mesh_import_here(struct vlt_mesh *m, const char *fmt, const void *data,
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

static int import(struct vlt_mesh *m, const char *fmt, const void *data,
		  size_t len, const char *path, const char *label,
		  const struct vlt_mesh_load_opts *opts)
{
	int err;

	if (opts && (opts->flags & VLT_MESH_LOAD_IN_PROCESS)) {
		pthread_mutex_lock(&vlt_mesh_import_lock);
		err = vlt_mesh_import_here(m, fmt, data, len, path, label);
		pthread_mutex_unlock(&vlt_mesh_import_lock);
		return err;
	}
	return vlt_mesh_import_sandboxed(m, fmt, data, len, path, label,
					 opts && opts->timeout_ms ?
					 opts->timeout_ms :
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
		pthread_mutex_lock(&vlt_mesh_import_lock);
		ok = aiIsExtensionSupported(dotted) == AI_TRUE;
		pthread_mutex_unlock(&vlt_mesh_import_lock);
		if (ok) {
			*fmt = ext;
			return 0;
		}
	}
	/* No extension at all: assimp tells by content (its readers check
	 * signatures), in the sandbox like any other import. */
	if (!ext) {
		*fmt = "";
		return 0;
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
static int read_model(const char *path, struct vlt_buf *out)
{
	int err = vlt_read_file_max(path, MAX_MODEL_BYTES, out);

	if (err == VLT_E_UNSUPPORTED)
		return vlt_error_set(err, "%s: too large for the model reader",
				     path);
	return err;
}

int vlt_mesh_load_file_opts(struct vlt_mesh *m, const char *path,
			    const struct vlt_mesh_load_opts *opts)
{
	struct vlt_buf b = VLT_BUF_INIT;
	const char *fmt, *ext = name_ext(path);
	int err;

	vlt_mesh_release(m);
	if ((err = read_model(path, &b)) < 0 ||
	    (err = pick_format(b.data, b.len, ext, path, &fmt)) < 0 ||
	    (err = check_input(fmt, (const unsigned char *)b.data, b.len,
			       path)) < 0)
		goto done;
	/*
	 * Formats that refer to files beside them (OBJ to its MTL, glTF to
	 * its buffers) are read by path so assimp can find those, when the
	 * extension leads assimp to the same reader; so are the formats
	 * assimp picks by extension or content (an Unreal .3d needs its
	 * _a.3d and _d.3d, a Half-Life MDL its textures file); the rest from
	 * memory.
	 */
	if (((!strcmp(fmt, "obj") || !strcmp(fmt, "gltf")) &&
	     known_format(ext) == fmt) || !known_format(fmt))
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
