/*
 * extract-gltf.c - one node (with its children) or mesh of a glTF 2.0
 * model (.gltf with its .bin buffers, or .glb) as a standalone glTF.
 *
 * The JSON is read with jansson. What the element needs is gathered by
 * following indices: nodes -> meshes -> accessors -> bufferViews ->
 * buffers, and meshes -> materials -> textures -> images and samplers.
 * Everything gathered gets a new index in the order first met; the bytes
 * of each bufferView used are copied into one new buffer (its alignment
 * modulo 4 kept, so every accessor stays aligned), which becomes the
 * GLB's BIN chunk or a .bin file beside a .gltf.
 *
 * The checks of the Khronos validator that matter for reading the data
 * are made before anything is copied: every index in range, every
 * bufferView inside its buffer (and inside the bytes there really are),
 * every accessor inside its bufferView and aligned to its component
 * size. POSITION accessors without min/max get them computed.
 *
 * Not carried, and named: skins (their joints may lie outside the node),
 * animations, image files referenced by uri (the uri is kept), cameras.
 *
 * Replacing (vlt_gltf_replace) extracts the old meshes the same way into
 * a part of their own, then appends that part to the current file: its
 * bytes after the current buffer 0's (4-aligned, so every accessor stays
 * aligned), its bufferViews and accessors after the current ones, its
 * samplers, images, textures and materials after the current ones
 * unless an identical one is there; the current mesh of the old one's
 * name gets the part's primitives. Nothing else of the JSON changes and
 * no existing byte of the buffer moves.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "error.h"
#include "extract-internal.h"

#define GLB_MAGIC 0x46546c67u
#define GLB_JSON 0x4e4f534au
#define GLB_BIN 0x004e4942u

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void put_le32(struct vlt_buf *b, uint32_t v)
{
	unsigned char p[4] = { (unsigned char)v, (unsigned char)(v >> 8),
			       (unsigned char)(v >> 16),
			       (unsigned char)(v >> 24) };

	vlt_buf_add(b, p, 4);
}

struct blob {
	const unsigned char *data;
	size_t len;
};

struct gltf {
	json_t *root;
	struct blob *buffers;    /* one per buffers[] entry (NULL data: absent) */
	size_t nbuffers;
	struct blob glb_bin;
};

static void gltf_release(struct gltf *g)
{
	json_decref(g->root);
	free(g->buffers);
	memset(g, 0, sizeof(*g));
}

static json_t *array_of(json_t *root, const char *key)
{
	json_t *a = json_object_get(root, key);

	return json_is_array(a) ? a : NULL;
}

static size_t count_of(json_t *root, const char *key)
{
	json_t *a = array_of(root, key);

	return a ? json_array_size(a) : 0;
}

static const char *name_of(json_t *o)
{
	json_t *n = json_object_get(o, "name");

	return json_is_string(n) ? json_string_value(n) : NULL;
}

static int is_data_uri(const char *uri)
{
	return !strncmp(uri, "data:", 5);
}

/* An integer index of o[key] below n: 0 and *out, 1 when absent, <0. */
static int get_index(json_t *o, const char *key, size_t n, const char *what,
		     size_t *out)
{
	json_t *v = json_object_get(o, key);
	json_int_t i;

	if (!v)
		return 1;
	if (!json_is_integer(v) || (i = json_integer_value(v)) < 0 ||
	    (uint64_t)i >= n)
		return vlt_error_set(VLT_E_CORRUPT, "glTF: %s %s is not an "
				     "index below %zu", what, key, n);
	*out = (size_t)i;
	return 0;
}

static int get_uint(json_t *o, const char *key, uint64_t dflt, uint64_t *out)
{
	json_t *v = json_object_get(o, key);

	if (!v) {
		*out = dflt;
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return vlt_error_set(VLT_E_CORRUPT, "glTF: %s is not a "
				     "non-negative integer", key);
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

static int gltf_load(const void *data, size_t len,
		     const struct vlt_extract_side *sides, size_t nsides,
		     struct gltf *g)
{
	const unsigned char *p = data;
	const char *json = data;
	size_t json_len = len, i;
	json_error_t je;
	json_t *bufs;

	memset(g, 0, sizeof(*g));
	if (len >= 12 && le32(p) == GLB_MAGIC) {
		uint32_t total = le32(p + 8), clen, ctype;

		if (le32(p + 4) != 2)
			return vlt_error_set(VLT_E_UNSUPPORTED, "GLB version "
					     "%" PRIu32 ": only 2 is read",
					     le32(p + 4));
		if (total > len || total < 20)
			return vlt_error_set(VLT_E_CORRUPT, "GLB: its header "
					     "says %" PRIu32 " bytes, the file "
					     "has %zu", total, len);
		clen = le32(p + 12);
		ctype = le32(p + 16);
		if (ctype != GLB_JSON || clen > total - 20)
			return vlt_error_set(VLT_E_CORRUPT, "GLB: the first "
					     "chunk is not a JSON chunk inside "
					     "the file");
		json = (const char *)p + 20;
		json_len = clen;
		if ((size_t)20 + clen + 8 <= total) {
			const unsigned char *c = p + 20 + clen;
			uint32_t blen = le32(c);

			if (le32(c + 4) == GLB_BIN &&
			    blen <= total - 28 - clen) {
				g->glb_bin.data = c + 8;
				g->glb_bin.len = blen;
			} else if (le32(c + 4) == GLB_BIN) {
				return vlt_error_set(VLT_E_CORRUPT, "GLB: the "
						     "BIN chunk runs past the "
						     "end of the file");
			}
		}
	}
	if (!(g->root = json_loadb(json, json_len, 0, &je)) ||
	    !json_is_object(g->root))
		return vlt_error_set(VLT_E_CORRUPT, "glTF: not valid JSON "
				     "(line %d: %s)", je.line,
				     g->root ? "not an object" : je.text);
	bufs = array_of(g->root, "buffers");
	g->nbuffers = bufs ? json_array_size(bufs) : 0;
	if (g->nbuffers &&
	    !(g->buffers = calloc(g->nbuffers, sizeof(*g->buffers))))
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	for (i = 0; i < g->nbuffers; i++) {
		json_t *b = json_array_get(bufs, i), *u = json_object_get(b, "uri");
		size_t s;

		if (!u) {
			if (i == 0 && g->glb_bin.data)
				g->buffers[i] = g->glb_bin;
			continue;
		}
		if (!json_is_string(u))
			return vlt_error_set(VLT_E_CORRUPT, "glTF: buffer %zu "
					     "has a uri that is not a string",
					     i);
		for (s = 0; s < nsides; s++)
			if (!strcmp(sides[s].name, json_string_value(u))) {
				g->buffers[i].data = sides[s].data;
				g->buffers[i].len = sides[s].len;
			}
	}
	return 0;
}

/* Old index -> new index, in the order first met. */
struct remap {
	size_t *to;        /* to[old] = new + 1, 0: not taken */
	size_t *order;     /* order[new] = old */
	size_t n, nr;
};

static int remap_init(struct remap *m, size_t n)
{
	memset(m, 0, sizeof(*m));
	m->n = n;
	if (!n)
		return 0;
	if (!(m->to = calloc(n, sizeof(*m->to))) ||
	    !(m->order = calloc(n, sizeof(*m->order))))
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	return 0;
}

static void remap_release(struct remap *m)
{
	free(m->to);
	free(m->order);
}

static size_t take(struct remap *m, size_t old)
{
	if (!m->to[old]) {
		m->order[m->nr] = old;
		m->to[old] = ++m->nr;
	}
	return m->to[old] - 1;
}

enum { NODES, MESHES, ACCESSORS, VIEWS, MATERIALS, TEXTURES, IMAGES,
       SAMPLERS, NKINDS };
static const char *const kind_key[NKINDS] = {
	"nodes", "meshes", "accessors", "bufferViews", "materials",
	"textures", "images", "samplers",
};

struct ctx {
	struct gltf *g;
	struct remap m[NKINDS];
	struct vlt_extract_result *res;
	int warned_skin, warned_camera;
	int replacing;    /* image uris are checked against the target */
};

/* Rewrite o[key], an index of kind k, to its new index (taking it). */
static int relink(struct ctx *c, json_t *o, const char *key, int k,
		  const char *what)
{
	size_t old;
	int err = get_index(o, key, c->m[k].n, what, &old);

	if (err)
		return err < 0 ? err : 0;
	return json_object_set_new(o, key, json_integer((json_int_t)
							 take(&c->m[k], old)))
	       ? vlt_error_set(VLT_E_NOMEM, "out of memory") : 0;
}

/* Texture references anywhere in a material: objects under keys ending
 * in "Texture" with an "index". */
static int relink_textures(struct ctx *c, json_t *o, int depth)
{
	const char *key;
	json_t *v;
	int err;

	if (depth > 16)
		return 0;
	json_object_foreach(o, key, v) {
		size_t kl = strlen(key);

		if (!json_is_object(v))
			continue;
		if (kl >= 7 && !strcmp(key + kl - 7, "Texture") &&
		    (err = relink(c, v, "index", TEXTURES, "texture")) < 0)
			return err;
		if ((err = relink_textures(c, v, depth + 1)) < 0)
			return err;
	}
	return 0;
}

static int copy_node(struct ctx *c, size_t old, json_t *out_nodes,
		     int depth);

/* The copy of node old (and, first met, its children). */
static int copy_node(struct ctx *c, size_t old, json_t *out_nodes, int depth)
{
	json_t *nodes = array_of(c->g->root, "nodes");
	json_t *n = json_deep_copy(json_array_get(nodes, old)), *kids;
	size_t i, me = take(&c->m[NODES], old);
	int err = 0;

	if (!n)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	if (depth > 64) {
		json_decref(n);
		return vlt_error_set(VLT_E_CORRUPT, "glTF: nodes nested more "
				     "than 64 deep (or a cycle)");
	}
	/* the slot for this node, filled in below */
	while (json_array_size(out_nodes) <= me)
		json_array_append_new(out_nodes, json_null());
	if (json_object_get(n, "skin")) {
		json_object_del(n, "skin");
		if (!c->warned_skin++)
			err = vlt_extract_warn(c->res, "skins are not carried "
					       "(their joints may lie outside "
					       "the extracted node)");
	}
	if (!err && json_object_get(n, "camera")) {
		json_object_del(n, "camera");
		if (!c->warned_camera++)
			err = vlt_extract_warn(c->res, "cameras are not "
					       "carried");
	}
	if (!err)
		err = relink(c, n, "mesh", MESHES, "node");
	kids = json_object_get(n, "children");
	if (!err && kids) {
		json_t *nk = json_array();

		if (!json_is_array(kids) || !nk) {
			json_decref(nk);
			err = vlt_error_set(VLT_E_CORRUPT, "glTF: node %zu: "
					    "children is not an array", old);
		}
		for (i = 0; !err && i < json_array_size(kids); i++) {
			json_t *k = json_array_get(kids, i);
			json_int_t ki = json_is_integer(k) ?
					json_integer_value(k) : -1;

			if (ki < 0 || (uint64_t)ki >= c->m[NODES].n) {
				err = vlt_error_set(VLT_E_CORRUPT, "glTF: node "
						    "%zu: child out of range",
						    old);
			} else if (c->m[NODES].to[ki]) {
				err = vlt_error_set(VLT_E_CORRUPT, "glTF: node "
						    "%" JSON_INTEGER_FORMAT
						    " has two parents (or is "
						    "its own ancestor)", ki);
			} else {
				size_t ni = c->m[NODES].nr;

				json_array_append_new(nk, json_integer(
							(json_int_t)ni));
				err = copy_node(c, (size_t)ki, out_nodes,
						depth + 1);
			}
		}
		if (!err)
			json_object_set_new(n, "children", nk);
		else if (nk)
			json_decref(nk);
	}
	if (err) {
		json_decref(n);
		return err;
	}
	json_array_set_new(out_nodes, me, n);
	return 0;
}

static int copy_mesh(struct ctx *c, json_t *mesh)
{
	json_t *prims = json_object_get(mesh, "primitives"), *p;
	size_t i;
	int err;

	if (!json_is_array(prims) || !json_array_size(prims))
		return vlt_error_set(VLT_E_CORRUPT, "glTF: a mesh without "
				     "primitives");
	json_array_foreach(prims, i, p) {
		json_t *attrs = json_object_get(p, "attributes"), *targets, *t;
		const char *key;
		json_t *v;
		size_t j;

		if (json_object_get(json_object_get(p, "extensions"),
				    "KHR_draco_mesh_compression"))
			return vlt_error_set(VLT_E_UNSUPPORTED, "glTF: Draco "
					     "compressed meshes are not "
					     "supported");
		if (!json_is_object(attrs))
			return vlt_error_set(VLT_E_CORRUPT, "glTF: a primitive "
					     "without attributes");
		json_object_foreach(attrs, key, v)
			if ((err = relink(c, attrs, key, ACCESSORS,
					  "attribute")) < 0)
				return err;
		if ((err = relink(c, p, "indices", ACCESSORS, "primitive")) < 0 ||
		    (err = relink(c, p, "material", MATERIALS,
				  "primitive")) < 0)
			return err;
		targets = json_object_get(p, "targets");
		json_array_foreach(targets, j, t)
			json_object_foreach(t, key, v)
				if ((err = relink(c, t, key, ACCESSORS,
						  "morph target")) < 0)
					return err;
	}
	return 0;
}

static int comp_size(json_int_t t)
{
	switch (t) {
	case 5120: case 5121: return 1;
	case 5122: case 5123: return 2;
	case 5125: case 5126: return 4;
	default: return 0;
	}
}

static int type_count(const char *t)
{
	static const struct { const char *n; int c; } types[] = {
		{ "SCALAR", 1 }, { "VEC2", 2 }, { "VEC3", 3 }, { "VEC4", 4 },
		{ "MAT2", 4 }, { "MAT3", 9 }, { "MAT4", 16 },
	};
	size_t i;

	for (i = 0; t && i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(t, types[i].n))
			return types[i].c;
	return 0;
}

/* The bytes of bufferView v: checked inside its buffer. */
static int view_bytes(struct gltf *g, size_t v, struct blob *out,
		      uint64_t *stride, uint64_t *offset)
{
	json_t *view = json_array_get(array_of(g->root, "bufferViews"), v);
	json_t *buf;
	uint64_t off, len, blen;
	size_t b;
	int err;

	if ((err = get_index(view, "buffer", g->nbuffers, "bufferView",
			     &b)) != 0)
		return err < 0 ? err : vlt_error_set(VLT_E_CORRUPT, "glTF: "
						     "bufferView %zu has no "
						     "buffer", v);
	buf = json_array_get(array_of(g->root, "buffers"), b);
	if ((err = get_uint(view, "byteOffset", 0, &off)) < 0 ||
	    (err = get_uint(view, "byteLength", 0, &len)) < 0 ||
	    (err = get_uint(view, "byteStride", 0, stride)) < 0 ||
	    (err = get_uint(buf, "byteLength", 0, &blen)) < 0)
		return err;
	if (!g->buffers[b].data) {
		json_t *u = json_object_get(buf, "uri");

		if (json_is_string(u) && is_data_uri(json_string_value(u)))
			return vlt_error_set(VLT_E_UNSUPPORTED, "glTF: buffer "
					     "%zu is embedded as a data: URI, "
					     "which vault does not read", b);
		return vlt_error_set(VLT_E_NOTFOUND, "glTF: buffer %zu (%s) "
				     "is not beside the file", b,
				     json_is_string(u) ? json_string_value(u)
				     : "the GLB has no BIN chunk");
	}
	if (off > blen || len > blen - off)
		return vlt_error_set(VLT_E_CORRUPT, "glTF: bufferView %zu "
				     "(bytes %" PRIu64 "..%" PRIu64 ") runs "
				     "past its buffer (%" PRIu64 " bytes)", v,
				     off, off + len, blen);
	if (off + len > g->buffers[b].len)
		return vlt_error_set(VLT_E_CORRUPT, "glTF: bufferView %zu "
				     "runs past the end of buffer %zu's data "
				     "(%zu bytes)", v, b, g->buffers[b].len);
	if (*stride && (*stride < 4 || *stride > 252 || *stride % 4))
		return vlt_error_set(VLT_E_CORRUPT, "glTF: bufferView %zu: "
				     "byteStride %" PRIu64 " is not 4..252 "
				     "in steps of 4", v, *stride);
	out->data = g->buffers[b].data + off;
	out->len = (size_t)len;
	if (offset)
		*offset = off;
	return 0;
}

/* Check accessor a (one view's part) and compute POSITION bounds. */
static int check_accessor(struct ctx *c, size_t old, json_t *a, int position)
{
	json_int_t ct = json_integer_value(json_object_get(a, "componentType"));
	const char *type = json_string_value(json_object_get(a, "type"));
	int cs = comp_size(ct), tc = type_count(type);
	uint64_t count, off, stride = 0, elem, voff = 0;
	struct blob bytes;
	size_t v;
	int err;

	if (!cs || !tc)
		return vlt_error_set(VLT_E_CORRUPT, "glTF: accessor %zu: bad "
				     "componentType or type", old);
	if ((err = get_uint(a, "count", 0, &count)) < 0 ||
	    (err = get_uint(a, "byteOffset", 0, &off)) < 0)
		return err;
	if (!count)
		return vlt_error_set(VLT_E_CORRUPT, "glTF: accessor %zu has "
				     "count 0", old);
	if ((err = get_index(a, "bufferView", c->m[VIEWS].n, "accessor",
			     &v)) != 0)
		return err < 0 ? err : 0;  /* all zeros, no data */
	if ((err = view_bytes(c->g, v, &bytes, &stride, &voff)) < 0)
		return err;
	elem = (uint64_t)cs * (uint64_t)tc;
	if (!stride)
		stride = elem;
	if (stride < elem)
		return vlt_error_set(VLT_E_CORRUPT, "glTF: accessor %zu: its "
				     "elements (%" PRIu64 " bytes) are longer "
				     "than the bufferView's stride", old, elem);
	if (off % (uint64_t)cs || (voff + off) % (uint64_t)cs)
		return vlt_error_set(VLT_E_CORRUPT, "glTF: accessor %zu: "
				     "byteOffset %" PRIu64 " is not a multiple "
				     "of its component size %d", old, off, cs);
	if (count > (UINT64_MAX - elem - off) / stride ||
	    off + stride * (count - 1) + elem > bytes.len)
		return vlt_error_set(VLT_E_CORRUPT, "glTF: accessor %zu "
				     "(%" PRIu64 " x %" PRIu64 " bytes from "
				     "%" PRIu64 ") runs past its bufferView "
				     "(%zu bytes)", old, count, elem, off,
				     bytes.len);
	if (position && ct == 5126 && tc == 3 &&
	    (!json_object_get(a, "min") || !json_object_get(a, "max"))) {
		float mn[3] = { INFINITY, INFINITY, INFINITY },
		      mx[3] = { -INFINITY, -INFINITY, -INFINITY };
		uint64_t i;
		int k;

		for (i = 0; i < count; i++)
			for (k = 0; k < 3; k++) {
				float f;

				memcpy(&f, bytes.data + off + i * stride +
				       (size_t)k * 4, 4);
				if (f < mn[k])
					mn[k] = f;
				if (f > mx[k])
					mx[k] = f;
			}
		json_object_set_new(a, "min", json_pack("[f,f,f]", (double)mn[0],
							(double)mn[1],
							(double)mn[2]));
		json_object_set_new(a, "max", json_pack("[f,f,f]", (double)mx[0],
							(double)mx[1],
							(double)mx[2]));
	}
	return 0;
}

/* Find the element: "node:N", "mesh:N", a node name, a mesh name. */
static int find_element(struct gltf *g, const char *element, int *is_mesh,
			size_t *idx)
{
	static const char *const keys[2] = { "nodes", "meshes" };
	int k;

	for (k = 0; k < 2; k++) {
		const char *pre = k ? "mesh:" : "node:";
		size_t pl = strlen(pre);

		if (!strncmp(element, pre, pl)) {
			char *end;
			unsigned long long i = strtoull(element + pl, &end, 10);

			if (!element[pl] || *end || i >= count_of(g->root,
								 keys[k]))
				return vlt_error_set(VLT_E_NOTFOUND, "glTF: "
						     "no %s %s", k ? "mesh" :
						     "node", element + pl);
			*is_mesh = k;
			*idx = (size_t)i;
			return 0;
		}
	}
	for (k = 0; k < 2; k++) {
		json_t *a = array_of(g->root, keys[k]), *o;
		size_t i, hits = 0;

		json_array_foreach(a, i, o) {
			const char *n = name_of(o);

			if (n && !strcmp(n, element)) {
				if (!hits++) {
					*is_mesh = k;
					*idx = i;
				}
			}
		}
		if (hits > 1)
			return vlt_error_set(VLT_E_AMBIGUOUS, "glTF: %zu %s are "
					     "named '%s': give %s:N", hits,
					     keys[k], element,
					     k ? "mesh" : "node");
		if (hits)
			return 0;
	}
	return vlt_error_set(VLT_E_NOTFOUND, "the glTF file has no node or "
			     "mesh '%s' (vault extract FILE --list lists "
			     "them)", element);
}

/* Copy the taken items of kind k into out[kind_key[k]], relinking what
 * they refer to; items may take more items of later kinds. */
static int copy_kind(struct ctx *c, int k, json_t *out)
{
	json_t *src = array_of(c->g->root, kind_key[k]), *dst;
	size_t i;
	int err = 0;

	if (!c->m[k].nr)
		return 0;
	if (!(dst = json_array()))
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	for (i = 0; i < c->m[k].nr && !err; i++) {
		size_t old = c->m[k].order[i];
		json_t *o = json_deep_copy(json_array_get(src, old));

		if (!o) {
			err = vlt_error_set(VLT_E_NOMEM, "out of memory");
			break;
		}
		switch (k) {
		case MESHES:
			err = copy_mesh(c, o);
			break;
		case ACCESSORS: {
			json_t *sp = json_object_get(o, "sparse");
			int pos = 0;
			size_t mi, pi;

			/* is it some primitive's POSITION? */
			for (mi = 0; mi < c->m[MESHES].nr && !pos; mi++) {
				json_t *m = json_array_get(array_of(c->g->root,
						"meshes"), c->m[MESHES].order[mi]);
				json_t *p;

				json_array_foreach(json_object_get(m,
						   "primitives"), pi, p) {
					json_t *at = json_object_get(json_object_get(
							p, "attributes"),
							"POSITION");

					if (json_is_integer(at) &&
					    (size_t)json_integer_value(at) == old)
						pos = 1;
				}
			}
			if (!(err = check_accessor(c, old, o, pos)))
				err = relink(c, o, "bufferView", VIEWS,
					     "accessor");
			if (!err && sp)
				err = vlt_error_set(VLT_E_UNSUPPORTED, "glTF: "
						    "accessor %zu is sparse, "
						    "which is not supported",
						    old);
			break;
		}
		case MATERIALS:
			err = relink_textures(c, o, 0);
			break;
		case TEXTURES:
			if (!(err = relink(c, o, "source", IMAGES, "texture")))
				err = relink(c, o, "sampler", SAMPLERS,
					     "texture");
			if (!err && json_object_get(o, "extensions")) {
				json_object_del(o, "extensions");
				err = vlt_extract_warn(c->res, "texture %zu: "
						       "its extensions (other "
						       "image sources) are not "
						       "carried", old);
			}
			break;
		case IMAGES: {
			json_t *u = json_object_get(o, "uri");

			err = relink(c, o, "bufferView", VIEWS, "image");
			if (!err && !c->replacing && json_is_string(u) &&
			    !is_data_uri(json_string_value(u)))
				err = vlt_extract_warn(c->res, "image '%s' is a "
						       "file beside the model, "
						       "not copied: put it "
						       "beside the output",
						       json_string_value(u));
			break;
		}
		default:
			break;
		}
		if (err)
			json_decref(o);
		else if (json_array_append_new(dst, o))
			err = vlt_error_set(VLT_E_NOMEM, "out of memory");
	}
	if (!err && json_object_set_new(out, kind_key[k], dst))
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	if (err)
		json_decref(dst);
	return err;
}

/* The bufferViews taken, their bytes copied into bin. */
static int copy_views(struct ctx *c, json_t *out, struct vlt_buf *bin)
{
	json_t *src = array_of(c->g->root, "bufferViews"), *dst;
	size_t i;
	int err = 0;

	if (!c->m[VIEWS].nr)
		return 0;
	if (!(dst = json_array()))
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	for (i = 0; i < c->m[VIEWS].nr && !err; i++) {
		size_t old = c->m[VIEWS].order[i];
		json_t *v = json_deep_copy(json_array_get(src, old));
		uint64_t off, stride;
		struct blob bytes;

		if (!v || (err = view_bytes(c->g, old, &bytes, &stride,
					    NULL)) < 0 ||
		    (err = get_uint(v, "byteOffset", 0, &off)) < 0) {
			json_decref(v);
			if (!err)
				err = vlt_error_set(VLT_E_NOMEM, "out of memory");
			break;
		}
		while (bin->len % 4 != off % 4)
			vlt_buf_addch(bin, 0);
		json_object_set_new(v, "buffer", json_integer(0));
		json_object_set_new(v, "byteOffset", json_integer((json_int_t)
								   bin->len));
		if (bytes.len)
			err = vlt_buf_add(bin, bytes.data, bytes.len);
		json_array_append_new(dst, v);
	}
	while (!err && bin->len % 4)
		err = vlt_buf_addch(bin, 0);
	if (!err && json_object_set_new(out, "bufferViews", dst))
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	if (err)
		json_decref(dst);
	return err;
}

static int ctx_init(struct ctx *c, struct gltf *g,
		    struct vlt_extract_result *res)
{
	int k, err;

	memset(c, 0, sizeof(*c));
	c->g = g;
	c->res = res;
	for (k = 0; k < NKINDS; k++)
		if ((err = remap_init(&c->m[k], count_of(g->root,
							   kind_key[k]))) < 0)
			return err;
	return 0;
}

static void ctx_release(struct ctx *c)
{
	int k;

	for (k = 0; k < NKINDS; k++)
		remap_release(&c->m[k]);
}

/* A GLB of out's JSON and bin as its BIN chunk, then tail (the chunks
 * an input had after its BIN chunk, kept as they were). */
static int write_glb(json_t *out, const struct vlt_buf *bin,
		     const unsigned char *tail, size_t tail_len,
		     struct vlt_buf *dst)
{
	char *text = json_dumps(out, JSON_COMPACT | JSON_PRESERVE_ORDER);
	size_t tl, jl, total;

	if (!text)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	tl = strlen(text);
	jl = (tl + 3) & ~(size_t)3;
	total = 12 + 8 + jl + (bin->len ? 8 + bin->len : 0) + tail_len;
	if (total > UINT32_MAX) {
		free(text);
		return vlt_error_set(VLT_E_UNSUPPORTED, "the GLB would be "
				     "larger than 4 GiB");
	}
	vlt_buf_reset(dst);
	put_le32(dst, GLB_MAGIC);
	put_le32(dst, 2);
	put_le32(dst, (uint32_t)total);
	put_le32(dst, (uint32_t)jl);
	put_le32(dst, GLB_JSON);
	vlt_buf_add(dst, text, tl);
	while (dst->len % 4)
		vlt_buf_addch(dst, ' ');
	if (bin->len) {
		put_le32(dst, (uint32_t)bin->len);
		put_le32(dst, GLB_BIN);
		vlt_buf_add(dst, bin->data, bin->len);
	}
	if (tail_len)
		vlt_buf_add(dst, tail, tail_len);
	free(text);
	return dst->len == total ? 0 :
	       vlt_error_set(VLT_E_NOMEM, "out of memory");
}

int vlt_gltf_extract(const void *data, size_t len, const char *element,
		     const char *out_name,
		     const struct vlt_extract_side *sides, size_t nsides,
		     const char *side_name, struct vlt_extract_result *res)
{
	struct vlt_buf bin = VLT_BUF_INIT;
	struct gltf g;
	struct ctx c;
	json_t *out = NULL, *nodes = NULL, *v;
	size_t idx = 0;
	int is_mesh = 0, glb = vlt_extract_has_ext(out_name, ".glb"), err;

	memset(&c, 0, sizeof(c));
	if ((err = gltf_load(data, len, sides, nsides, &g)) < 0 ||
	    (err = ctx_init(&c, &g, res)) < 0 ||
	    (err = find_element(&g, element, &is_mesh, &idx)) < 0)
		goto done;
	if (!side_name)
		glb = 1;  /* no name for a .bin: the GLB holds it */
	if (!(out = json_object()) || !(nodes = json_array())) {
		err = vlt_error_set(VLT_E_NOMEM, "out of memory");
		goto done;
	}
	v = json_object_get(g.root, "asset");
	json_object_set_new(out, "asset", v ? json_deep_copy(v) :
			    json_pack("{s:s}", "version", "2.0"));
	json_object_set_new(json_object_get(out, "asset"), "generator",
			    json_string("vault extract"));
	if ((v = json_object_get(g.root, "extensionsUsed")))
		json_object_set_new(out, "extensionsUsed", json_deep_copy(v));
	if ((v = json_object_get(g.root, "extensionsRequired")))
		json_object_set_new(out, "extensionsRequired",
				    json_deep_copy(v));
	json_object_set_new(out, "scene", json_integer(0));
	json_object_set_new(out, "scenes", json_pack("[{s:[i]}]", "nodes", 0));
	if (is_mesh) {
		json_t *m = json_array_get(array_of(g.root, "meshes"), idx);
		json_t *n = json_object();

		take(&c.m[MESHES], idx);
		if (name_of(m))
			json_object_set_new(n, "name", json_string(name_of(m)));
		json_object_set_new(n, "mesh", json_integer(0));
		json_array_append_new(nodes, n);
	} else {
		if ((err = copy_node(&c, idx, nodes, 0)) < 0)
			goto done;
		/* a node extracted keeps its own transform: it is the root */
	}
	json_object_set_new(out, "nodes", nodes);
	nodes = NULL;
	/* order matters: each kind takes items of the kinds after it */
	if ((err = copy_kind(&c, MESHES, out)) < 0 ||
	    (err = copy_kind(&c, MATERIALS, out)) < 0 ||
	    (err = copy_kind(&c, TEXTURES, out)) < 0 ||
	    (err = copy_kind(&c, SAMPLERS, out)) < 0 ||
	    (err = copy_kind(&c, IMAGES, out)) < 0 ||
	    (err = copy_kind(&c, ACCESSORS, out)) < 0 ||
	    (err = copy_views(&c, out, &bin)) < 0)
		goto done;
	if (bin.len) {
		json_t *b = json_pack("[{s:I}]", "byteLength",
				      (json_int_t)bin.len);

		if (!glb)
			json_object_set_new(json_array_get(b, 0), "uri",
					    json_string(side_name));
		json_object_set_new(out, "buffers", b);
	}
	if (count_of(g.root, "animations") &&
	    (err = vlt_extract_warn(res, "animations are not carried")) < 0)
		goto done;
	if (glb) {
		err = write_glb(out, &bin, NULL, 0, &res->data);
	} else {
		char *text = json_dumps(out, JSON_INDENT(2) |
					JSON_PRESERVE_ORDER);

		if (!text) {
			err = vlt_error_set(VLT_E_NOMEM, "out of memory");
			goto done;
		}
		if (!(err = vlt_buf_set(&res->data, text, strlen(text))) &&
		    !(err = vlt_buf_addch(&res->data, '\n')))
			err = vlt_buf_set(&res->side, bin.data ? bin.data : "",
					  bin.len);
		free(text);
	}
done:
	json_decref(out);
	json_decref(nodes);
	vlt_buf_release(&bin);
	ctx_release(&c);
	gltf_release(&g);
	return err;
}

int vlt_gltf_list(const void *data, size_t len,
		  const struct vlt_extract_side *sides, size_t nsides,
		  struct vlt_element_list *out)
{
	struct gltf g;
	json_t *o;
	size_t i;
	int err;

	if ((err = gltf_load(data, len, sides, nsides, &g)) < 0)
		goto done;
	json_array_foreach(array_of(g.root, "nodes"), i, o) {
		char label[64];
		const char *n = name_of(o);

		snprintf(label, sizeof(label), "node:%zu", i);
		if ((err = vlt_element_add(out, n && *n ? n : label, "node",
					   0, 0)) < 0)
			goto done;
	}
	json_array_foreach(array_of(g.root, "meshes"), i, o) {
		char label[64];
		const char *n = name_of(o);
		uint64_t verts = 0, faces = 0;
		json_t *p;
		size_t j;

		json_array_foreach(json_object_get(o, "primitives"), j, p) {
			json_t *acc = array_of(g.root, "accessors");
			json_t *pos = json_object_get(json_object_get(p,
						"attributes"), "POSITION");
			json_t *ind = json_object_get(p, "indices");
			json_t *mode = json_object_get(p, "mode");
			uint64_t pc = 0, ic = 0;

			if (json_is_integer(pos))
				get_uint(json_array_get(acc, (size_t)
					json_integer_value(pos)), "count", 0, &pc);
			if (json_is_integer(ind))
				get_uint(json_array_get(acc, (size_t)
					json_integer_value(ind)), "count", 0, &ic);
			vlt_error_clear();
			verts += pc;
			if (!mode || json_integer_value(mode) == 4)
				faces += (ic ? ic : pc) / 3;
		}
		snprintf(label, sizeof(label), "mesh:%zu", i);
		if ((err = vlt_element_add(out, n && *n ? n : label, "mesh",
					   verts, faces)) < 0)
			goto done;
	}
done:
	gltf_release(&g);
	return err;
}

int vlt_gltf_buffer_uris(const void *data, size_t len, struct vlt_strlist *out)
{
	struct gltf g;
	json_t *b;
	size_t i;
	int err;

	if ((err = gltf_load(data, len, NULL, 0, &g)) < 0)
		goto done;
	json_array_foreach(array_of(g.root, "buffers"), i, b) {
		json_t *u = json_object_get(b, "uri");

		if (json_is_string(u) && !is_data_uri(json_string_value(u)) &&
		    (err = vlt_strlist_add(out, json_string_value(u))) < 0)
			goto done;
	}
done:
	gltf_release(&g);
	return err;
}

/* ---- replace ---- */

/* Take the meshes of node idx and of its children (each node once). */
static int take_node_meshes(struct ctx *c, size_t idx, unsigned char *seen,
			    int depth)
{
	json_t *n = json_array_get(array_of(c->g->root, "nodes"), idx), *k;
	size_t m, i;
	int err;

	if (depth > 64 || seen[idx])
		return vlt_error_set(VLT_E_CORRUPT, "glTF: node %zu is met "
				     "twice below the node (two parents, or "
				     "a cycle)", idx);
	seen[idx] = 1;
	if ((err = get_index(n, "mesh", c->m[MESHES].n, "node", &m)) < 0)
		return err;
	if (!err)
		take(&c->m[MESHES], m);
	json_array_foreach(json_object_get(n, "children"), i, k) {
		json_int_t ki = json_is_integer(k) ? json_integer_value(k) : -1;

		if (ki < 0 || (uint64_t)ki >= c->m[NODES].n)
			return vlt_error_set(VLT_E_CORRUPT, "glTF: node %zu: "
					     "child out of range", idx);
		if ((err = take_node_meshes(c, (size_t)ki, seen,
					    depth + 1)) < 0)
			return err;
	}
	return 0;
}

/* o[key], an index into the part, becomes map[it] (base + it when map
 * is NULL). */
static int shift(json_t *o, const char *key, const size_t *map, size_t base)
{
	json_t *v = json_object_get(o, key);
	size_t i;

	if (!json_is_integer(v))
		return 0;
	i = (size_t)json_integer_value(v);
	return json_object_set_new(o, key, json_integer((json_int_t)
						(map ? map[i] : base + i)))
	       ? vlt_error_set(VLT_E_NOMEM, "out of memory") : 0;
}

/* Texture references in a part's material, as relink_textures finds them. */
static int shift_textures(json_t *o, const size_t *tmap, int depth)
{
	const char *key;
	json_t *v;
	int err;

	if (depth > 16)
		return 0;
	json_object_foreach(o, key, v) {
		size_t kl = strlen(key);

		if (!json_is_object(v))
			continue;
		if (kl >= 7 && !strcmp(key + kl - 7, "Texture") && tmap &&
		    (err = shift(v, "index", tmap, 0)) < 0)
			return err;
		if ((err = shift_textures(v, tmap, depth + 1)) < 0)
			return err;
	}
	return 0;
}

/*
 * Append the part's items of key to cur's; with dedupe an item equal to
 * one cur has is not added but that one used. *map_out[i] is part item
 * i's index in cur (NULL when the part has none); *added counts new ones.
 */
static int merge_items(json_t *cur, json_t *part, const char *key,
		       int dedupe, size_t **map_out, size_t *added)
{
	json_t *src = array_of(part, key), *dst = array_of(cur, key), *o, *e;
	size_t n = src ? json_array_size(src) : 0, i, j;
	size_t *map;

	*map_out = NULL;
	*added = 0;
	if (!n)
		return 0;
	if (!(map = calloc(n, sizeof(*map))))
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	if (!dst && (!(dst = json_array()) ||
		     json_object_set_new(cur, key, dst))) {
		free(map);
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	}
	json_array_foreach(src, i, o) {
		size_t found = SIZE_MAX;

		if (dedupe)
			json_array_foreach(dst, j, e)
				if (found == SIZE_MAX && json_equal(e, o))
					found = j;
		if (found == SIZE_MAX) {
			found = json_array_size(dst);
			if (json_array_append(dst, o)) {
				free(map);
				return vlt_error_set(VLT_E_NOMEM, "out of "
						     "memory");
			}
			++*added;
		}
		map[i] = found;
	}
	*map_out = map;
	return 0;
}

/* Add to cur's extensionsUsed (and Required, when old requires it) each
 * extension the part names. */
static int add_extensions(json_t *v, json_t *cur, json_t *old, int depth)
{
	const char *key;
	json_t *x;
	size_t i;
	int err;

	if (depth > 32)
		return 0;
	if (json_is_array(v)) {
		json_array_foreach(v, i, x)
			if ((err = add_extensions(x, cur, old, depth + 1)) < 0)
				return err;
		return 0;
	}
	if (!json_is_object(v))
		return 0;
	json_object_foreach(json_object_get(v, "extensions"), key, x) {
		static const char *const lists[2] = { "extensionsUsed",
						      "extensionsRequired" };
		int l;

		for (l = 0; l < 2; l++) {
			json_t *have = array_of(cur, lists[l]), *e;
			json_t *want = array_of(old, lists[l]);
			int found = 0, wanted = !l;

			json_array_foreach(want, i, e)
				wanted |= json_is_string(e) &&
					  !strcmp(json_string_value(e), key);
			json_array_foreach(have, i, e)
				found |= json_is_string(e) &&
					 !strcmp(json_string_value(e), key);
			if (!wanted || found)
				continue;
			if (!have && (!(have = json_array()) ||
				      json_object_set_new(cur, lists[l], have)))
				return vlt_error_set(VLT_E_NOMEM, "out of "
						     "memory");
			if (json_array_append_new(have, json_string(key)))
				return vlt_error_set(VLT_E_NOMEM, "out of "
						     "memory");
		}
	}
	json_object_foreach(v, key, x)
		if ((err = add_extensions(x, cur, old, depth + 1)) < 0)
			return err;
	return 0;
}

/* The index of cur's only mesh named name. */
static int cur_mesh(json_t *root, const char *name, size_t *out)
{
	json_t *m;
	size_t i, hits = 0;

	json_array_foreach(array_of(root, "meshes"), i, m)
		if (name_of(m) && !strcmp(name_of(m), name) && !hits++)
			*out = i;
	if (hits > 1)
		return vlt_error_set(VLT_E_AMBIGUOUS, "the current file has "
				     "%zu meshes named '%s': vault cannot "
				     "tell which to replace", hits, name);
	if (!hits)
		return vlt_error_set(VLT_E_NOTFOUND, "the current file has no "
				     "mesh '%s' to replace (--as NAME adds "
				     "the old one as a new mesh)", name);
	return 0;
}

static int named_in(json_t *root, const char *key, const char *name)
{
	json_t *o;
	size_t i;

	json_array_foreach(array_of(root, key), i, o)
		if (name_of(o) && !strcmp(name_of(o), name))
			return 1;
	return 0;
}

/* The part's mesh k with its indices made cur's. */
static int shift_mesh(json_t *mesh, const size_t *amap, const size_t *mmap)
{
	json_t *p, *t, *v;
	const char *key;
	size_t i, j;
	int err;

	json_array_foreach(json_object_get(mesh, "primitives"), i, p) {
		json_t *attrs = json_object_get(p, "attributes");

		json_object_foreach(attrs, key, v)
			if ((err = shift(attrs, key, amap, 0)) < 0)
				return err;
		if ((err = shift(p, "indices", amap, 0)) < 0 ||
		    (mmap && (err = shift(p, "material", mmap, 0)) < 0))
			return err;
		json_array_foreach(json_object_get(p, "targets"), j, t)
			json_object_foreach(t, key, v)
				if ((err = shift(t, key, amap, 0)) < 0)
					return err;
	}
	return 0;
}

/* Put the part's meshes into cur: each replaces the primitives (and
 * morph weights) of cur's mesh of its name, or with as_name the one
 * mesh is added with a node at the root of cur's scene. */
static int place_meshes(struct gltf *og, struct ctx *c, json_t *part,
			json_t *root, const size_t *amap, const size_t *mmap,
			const char *as_name)
{
	json_t *pm = array_of(part, "meshes"), *meshes = array_of(root,
								   "meshes");
	size_t k;
	int err;

	if (as_name) {
		json_t *m = json_deep_copy(json_array_get(pm, 0)), *nodes;
		json_t *scenes, *sc, *sn;
		size_t si = 0, ni;

		if (!m)
			return vlt_error_set(VLT_E_NOMEM, "out of memory");
		if ((err = shift_mesh(m, amap, mmap)) < 0) {
			json_decref(m);
			return err;
		}
		json_object_set_new(m, "name", json_string(as_name));
		if (!meshes)
			json_object_set_new(root, "meshes",
					    meshes = json_array());
		json_array_append_new(meshes, m);
		if (!(nodes = array_of(root, "nodes")))
			json_object_set_new(root, "nodes", nodes = json_array());
		ni = json_array_size(nodes);
		json_array_append_new(nodes, json_pack("{s:s,s:I}", "name",
				      as_name, "mesh", (json_int_t)
				      (json_array_size(meshes) - 1)));
		if (!(scenes = array_of(root, "scenes")) ||
		    !json_array_size(scenes)) {
			json_object_set_new(root, "scenes", scenes =
					    json_pack("[{s:[]}]", "nodes"));
			json_object_set_new(root, "scene", json_integer(0));
		}
		if (get_index(root, "scene", json_array_size(scenes), "file",
			      &si) < 0)
			return vlt_error_set(VLT_E_CORRUPT, "glTF: the current "
					     "file's scene is not one of its "
					     "scenes");
		sc = json_array_get(scenes, si);
		if (!json_is_array(sn = json_object_get(sc, "nodes")))
			json_object_set_new(sc, "nodes", sn = json_array());
		return json_array_append_new(sn, json_integer((json_int_t)ni))
		       ? vlt_error_set(VLT_E_NOMEM, "out of memory") : 0;
	}
	for (k = 0; k < json_array_size(pm); k++) {
		json_t *old = json_array_get(array_of(og->root, "meshes"),
					     c->m[MESHES].order[k]);
		json_t *m = json_array_get(pm, k), *target, *prims, *w;
		size_t ci = 0;

		if ((err = cur_mesh(root, name_of(old), &ci)) < 0 ||
		    (err = shift_mesh(m, amap, mmap)) < 0)
			return err;
		target = json_array_get(meshes, ci);
		prims = json_object_get(m, "primitives");
		if (json_object_set(target, "primitives", prims))
			return vlt_error_set(VLT_E_NOMEM, "out of memory");
		/* morph weights go with the targets of the primitives */
		if ((w = json_object_get(m, "weights")))
			json_object_set(target, "weights", w);
		else
			json_object_del(target, "weights");
	}
	return 0;
}

int vlt_gltf_replace(const void *cur, size_t cur_len,
		     const struct vlt_extract_side *cur_sides, size_t ncur,
		     const void *old, size_t old_len,
		     const struct vlt_extract_side *old_sides, size_t nold,
		     const char *element, const char *as_name,
		     struct vlt_extract_result *res)
{
	static const int kinds[] = { MESHES, MATERIALS, TEXTURES, SAMPLERS,
				     IMAGES, ACCESSORS };
	const unsigned char *cp = cur;
	struct vlt_buf bin = VLT_BUF_INIT, buf = VLT_BUF_INIT;
	struct gltf cg, og;
	struct ctx c;
	json_t *part = NULL, *root, *b0 = NULL, *o;
	size_t *vmap = NULL, *amap = NULL, *smap = NULL, *imap = NULL,
	       *tmap = NULL, *mmap = NULL;
	size_t idx = 0, start, tail_off = 0, added, i;
	unsigned char *seen = NULL;
	int is_mesh = 0, glb = cur_len >= 12 && le32(cp) == GLB_MAGIC, err, k;
	uint64_t blen = 0;

	memset(&c, 0, sizeof(c));
	memset(&og, 0, sizeof(og));
	if ((err = gltf_load(cur, cur_len, cur_sides, ncur, &cg)) < 0 ||
	    (err = gltf_load(old, old_len, old_sides, nold, &og)) < 0 ||
	    (err = ctx_init(&c, &og, res)) < 0)
		goto done;
	if ((err = find_element(&og, element, &is_mesh, &idx)) < 0) {
		if (err == VLT_E_NOTFOUND)
			vlt_error_set(err, "the old version has no node or "
				      "mesh '%s' (vault extract REV:FILE "
				      "--list lists them)", element);
		goto done;
	}
	root = cg.root;
	c.replacing = 1;
	if (is_mesh) {
		take(&c.m[MESHES], idx);
	} else {
		if (!(seen = calloc(c.m[NODES].n, 1))) {
			err = vlt_error_set(VLT_E_NOMEM, "out of memory");
			goto done;
		}
		if ((err = take_node_meshes(&c, idx, seen, 0)) < 0)
			goto done;
		if (!c.m[MESHES].nr) {
			err = vlt_error_set(VLT_E_NOTFOUND, "glTF: node '%s' of "
					    "the old version uses no mesh: "
					    "there is nothing to replace",
					    element);
			goto done;
		}
	}
	if (as_name && c.m[MESHES].nr > 1) {
		err = vlt_error_set(VLT_E_INVALID, "--as adds one mesh: '%s' "
				    "uses %zu; name one of them", element,
				    c.m[MESHES].nr);
		goto done;
	}
	if (as_name && (named_in(root, "meshes", as_name) ||
			named_in(root, "nodes", as_name))) {
		err = vlt_error_set(VLT_E_EXISTS, "the current file already "
				    "has a mesh or node named '%s'", as_name);
		goto done;
	}
	for (i = 0; !as_name && i < c.m[MESHES].nr; i++) {
		json_t *m = json_array_get(array_of(og.root, "meshes"),
					   c.m[MESHES].order[i]);
		size_t ci;

		if (!name_of(m)) {
			err = vlt_error_set(VLT_E_INVALID, "glTF: mesh:%zu of "
					    "the old version has no name to "
					    "find it by in the current file "
					    "(--as NAME adds it as a new mesh)",
					    c.m[MESHES].order[i]);
			goto done;
		}
		if ((err = cur_mesh(root, name_of(m), &ci)) < 0)
			goto done;
	}

	/* the buffer appended to: cur's buffer 0 (a GLB without one gets
	 * one, its BIN chunk) */
	if (cg.nbuffers) {
		json_t *u;

		b0 = json_array_get(array_of(root, "buffers"), 0);
		u = json_object_get(b0, "uri");
		if (json_is_string(u) && is_data_uri(json_string_value(u))) {
			err = vlt_error_set(VLT_E_UNSUPPORTED, "glTF: the "
					    "current file's buffer 0 is a "
					    "data: URI, which vault does not "
					    "write");
			goto done;
		}
		if (!cg.buffers[0].data) {
			err = vlt_error_set(VLT_E_NOTFOUND, "glTF: the current "
					    "file's buffer 0 (%s) is not beside "
					    "it", json_is_string(u) ?
					    json_string_value(u) : "the GLB "
					    "has no BIN chunk");
			goto done;
		}
		if ((err = get_uint(b0, "byteLength", 0, &blen)) < 0)
			goto done;
		if (json_is_string(u) &&
		    !(res->side_name = strdup(json_string_value(u)))) {
			err = vlt_error_set(VLT_E_NOMEM, "out of memory");
			goto done;
		}
		if ((err = vlt_buf_add(&buf, cg.buffers[0].data,
				       cg.buffers[0].len)) < 0)
			goto done;
	} else if (!glb) {
		err = vlt_error_set(VLT_E_UNSUPPORTED, "glTF: the current file "
				    "has no buffer to add the mesh's data to");
		goto done;
	}
	start = buf.len > blen ? buf.len : (size_t)blen;
	start = (start + 3) & ~(size_t)3;

	/* the old meshes as a part of their own, its bytes in bin */
	if (!(part = json_object())) {
		err = vlt_error_set(VLT_E_NOMEM, "out of memory");
		goto done;
	}
	for (k = 0; k < (int)(sizeof(kinds) / sizeof(kinds[0])); k++)
		if ((err = copy_kind(&c, kinds[k], part)) < 0)
			goto done;
	if ((err = copy_views(&c, part, &bin)) < 0)
		goto done;
	if (start + bin.len > UINT32_MAX) {
		err = vlt_error_set(VLT_E_UNSUPPORTED, "glTF: the buffer would "
				    "be larger than 4 GiB");
		goto done;
	}
	while (buf.len < start)
		if ((err = vlt_buf_addch(&buf, 0)) < 0)
			goto done;
	if (bin.len && (err = vlt_buf_add(&buf, bin.data, bin.len)) < 0)
		goto done;
	if (!b0) {
		json_t *bufs = json_pack("[{s:I}]", "byteLength",
					 (json_int_t)buf.len);

		if (!bufs || json_object_set_new(root, "buffers", bufs)) {
			err = vlt_error_set(VLT_E_NOMEM, "out of memory");
			goto done;
		}
	} else {
		json_object_set_new(b0, "byteLength", json_integer((json_int_t)
								    buf.len));
	}

	/* the part's items after cur's, in the order they refer */
	json_array_foreach(array_of(part, "bufferViews"), i, o)
		json_object_set_new(o, "byteOffset", json_integer(
			json_integer_value(json_object_get(o, "byteOffset")) +
			(json_int_t)start));
	if ((err = merge_items(root, part, "bufferViews", 0, &vmap,
			       &added)) < 0)
		goto done;
	json_array_foreach(array_of(part, "accessors"), i, o)
		if ((err = shift(o, "bufferView", vmap, 0)) < 0)
			goto done;
	if ((err = merge_items(root, part, "accessors", 0, &amap, &added)) < 0 ||
	    (err = merge_items(root, part, "samplers", 1, &smap, &added)) < 0)
		goto done;
	json_array_foreach(array_of(part, "images"), i, o)
		if (vmap && (err = shift(o, "bufferView", vmap, 0)) < 0)
			goto done;
	if ((err = merge_items(root, part, "images", 1, &imap, &added)) < 0)
		goto done;
	json_array_foreach(array_of(part, "images"), i, o) {
		json_t *u = json_object_get(o, "uri");
		size_t before = json_array_size(array_of(root, "images")) -
				added;

		if (imap[i] >= before && json_is_string(u) &&
		    !is_data_uri(json_string_value(u)) &&
		    (err = vlt_extract_warn(res, "image '%s' is a file beside "
					    "the model: check that it is "
					    "beside the current file too",
					    json_string_value(u))) < 0)
			goto done;
	}
	json_array_foreach(array_of(part, "textures"), i, o)
		if ((imap && (err = shift(o, "source", imap, 0)) < 0) ||
		    (smap && (err = shift(o, "sampler", smap, 0)) < 0))
			goto done;
	if ((err = merge_items(root, part, "textures", 1, &tmap, &added)) < 0)
		goto done;
	json_array_foreach(array_of(part, "materials"), i, o)
		if ((err = shift_textures(o, tmap, 0)) < 0)
			goto done;
	if ((err = merge_items(root, part, "materials", 1, &mmap,
			       &added)) < 0 ||
	    (err = add_extensions(part, root, og.root, 0)) < 0 ||
	    (err = place_meshes(&og, &c, part, root, amap, mmap,
				as_name)) < 0)
		goto done;

	if (glb) {
		uint32_t clen = le32(cp + 12);

		tail_off = 20 + (size_t)clen;
		if (cg.glb_bin.data)
			tail_off += 8 + cg.glb_bin.len;
		if (res->side_name) {
			/* buffer 0 is a file: the BIN chunk stays as it was */
			err = write_glb(root, &(struct vlt_buf){
					(char *)cg.glb_bin.data,
					cg.glb_bin.len, 0 }, cp + tail_off,
					le32(cp + 8) - tail_off, &res->data);
		} else {
			err = write_glb(root, &buf, cp + tail_off,
					le32(cp + 8) - tail_off, &res->data);
		}
		if (err < 0)
			goto done;
	} else {
		char *text = json_dumps(root, JSON_INDENT(2) |
					JSON_PRESERVE_ORDER);

		if (!text) {
			err = vlt_error_set(VLT_E_NOMEM, "out of memory");
			goto done;
		}
		err = vlt_buf_set(&res->data, text, strlen(text));
		free(text);
		if (err < 0 || (err = vlt_buf_addch(&res->data, '\n')) < 0)
			goto done;
	}
	if (res->side_name)
		err = vlt_buf_set(&res->side, buf.data ? buf.data : "",
				  buf.len);
done:
	free(vmap);
	free(amap);
	free(smap);
	free(imap);
	free(tmap);
	free(mmap);
	free(seen);
	json_decref(part);
	vlt_buf_release(&bin);
	vlt_buf_release(&buf);
	ctx_release(&c);
	gltf_release(&og);
	gltf_release(&cg);
	return err;
}
