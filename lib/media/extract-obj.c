/*
 * extract-obj.c - one object ("o NAME") or group ("g NAME") of a
 * Wavefront OBJ model, as a standalone OBJ (with the materials it uses
 * from the MTL) or put back into another version of the model.
 *
 * An object's block runs from its "o" line to the next "o" line; a
 * group's from its "g" line to the next "o" or "g" line. A name given
 * several times (an OBJ may reopen a group) means all its blocks. The
 * vertex lists (v, vt, vn) are global in OBJ, so an extracted block gets
 * the vertices its faces use, copied as text (no precision lost) and
 * renumbered from 1 in the order first used. Negative (relative) indices
 * are resolved where they stand.
 *
 * Replace keeps every line of the current file outside the object (its
 * own vertex lines too, so no other face needs new numbers) and appends
 * the old object's block with its vertices after the last line, numbered
 * to follow the current vertex lists.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "extract-internal.h"

enum kw { KW_OTHER, KW_V, KW_VT, KW_VN, KW_FACE, KW_O, KW_G, KW_USEMTL,
	  KW_MTLLIB };

struct line {
	const char *p;
	size_t len;           /* without the newline (and a '\r') */
	enum kw kw;
	size_t before[3];     /* v, vt, vn defined before this line */
};

struct obj {
	struct line *v;
	size_t nr, alloc;
	size_t count[3];      /* v, vt, vn in the whole file */
};

static void obj_release(struct obj *o)
{
	free(o->v);
	memset(o, 0, sizeof(*o));
}

static int word_is(const char *p, size_t len, const char *w)
{
	size_t n = strlen(w);

	return len >= n && !memcmp(p, w, n) &&
	       (len == n || p[n] == ' ' || p[n] == '\t');
}

static enum kw classify(const char *p, size_t len)
{
	if (word_is(p, len, "v"))
		return KW_V;
	if (word_is(p, len, "vt"))
		return KW_VT;
	if (word_is(p, len, "vn"))
		return KW_VN;
	if (word_is(p, len, "f") || word_is(p, len, "l") ||
	    word_is(p, len, "p"))
		return KW_FACE;
	if (word_is(p, len, "o"))
		return KW_O;
	if (word_is(p, len, "g"))
		return KW_G;
	if (word_is(p, len, "usemtl"))
		return KW_USEMTL;
	if (word_is(p, len, "mtllib"))
		return KW_MTLLIB;
	return KW_OTHER;
}

static int obj_parse(const void *data, size_t len, struct obj *o)
{
	const char *p = data, *end = p + len;
	size_t c[3] = { 0, 0, 0 };

	memset(o, 0, sizeof(*o));
	if (len && memchr(data, '\0', len))
		return vlt_error_set(VLT_E_CORRUPT, "not a text OBJ file (it "
				     "holds NUL bytes)");
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		struct line *l;

		if (VLT_ALLOC_GROW(o->v, o->nr + 1, o->alloc) < 0)
			return VLT_E_NOMEM;
		l = &o->v[o->nr++];
		/* leading blanks are not part of the keyword */
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		l->p = p;
		l->len = (size_t)(e - p);
		if (l->len && p[l->len - 1] == '\r')
			l->len--;
		l->kw = classify(l->p, l->len);
		memcpy(l->before, c, sizeof(c));
		if (l->kw == KW_V)
			c[0]++;
		else if (l->kw == KW_VT)
			c[1]++;
		else if (l->kw == KW_VN)
			c[2]++;
		p = nl ? nl + 1 : end;
	}
	memcpy(o->count, c, sizeof(c));
	return 0;
}

/* The rest of a line after its keyword, without surrounding blanks. */
static void rest(const struct line *l, const char **s, size_t *n)
{
	const char *p = l->p, *e = l->p + l->len;

	while (p < e && *p != ' ' && *p != '\t')
		p++;
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	*s = p;
	*n = (size_t)(e - p);
}

static int rest_is(const struct line *l, const char *name)
{
	const char *s;
	size_t n;

	rest(l, &s, &n);
	return n == strlen(name) && !memcmp(s, name, n);
}

/* Which lines are in the element: in[i] set. kw_out: KW_O or KW_G. */
static int find_blocks(const struct obj *o, const char *name, char *in,
		       enum kw *kw_out)
{
	enum kw want;
	size_t i;
	int found = 0;

	for (want = KW_O; want <= KW_G && !found; want++) {
		int on = 0;

		for (i = 0; i < o->nr; i++) {
			enum kw k = o->v[i].kw;

			if (k == KW_O || (want == KW_G && k == KW_G))
				on = k == want && rest_is(&o->v[i], name);
			if (on) {
				in[i] = 1;
				found = 1;
			}
		}
		if (found)
			*kw_out = want;
	}
	return found;
}

/* Resolve one index of a face reference. kind 0 v, 1 vt, 2 vn. */
static int resolve(const struct obj *o, size_t line, const char *tok,
		   size_t n, int kind, size_t *out)
{
	static const char *const what[] = { "vertex", "texture coordinate",
					    "normal" };
	char buf[32];
	char *end;
	long long v;

	if (!n || n >= sizeof(buf))
		goto bad;
	memcpy(buf, tok, n);
	buf[n] = '\0';
	errno = 0;
	v = strtoll(buf, &end, 10);
	if (errno || *end || !v)
		goto bad;
	if (v < 0)
		v = (long long)o->v[line].before[kind] + v + 1;
	if (v < 1 || (unsigned long long)v > o->count[kind])
		return vlt_error_set(VLT_E_CORRUPT, "OBJ line %zu: %s %s out "
				     "of range (the file has %zu)", line + 1,
				     what[kind], buf, o->count[kind]);
	*out = (size_t)v;
	return 0;
bad:
	return vlt_error_set(VLT_E_CORRUPT, "OBJ line %zu: '%.*s' is not a "
			     "%s index", line + 1, (int)n, tok, what[kind]);
}

/*
 * Walk the face references of a line: map[k][old] gets a new number
 * (from *next[k]) the first time an index is used; with out set, the
 * line is written with the new numbers plus base[k].
 */
static int renumber(const struct obj *o, size_t i, size_t *map[3],
		    size_t next[3], const size_t base[3], struct vlt_buf *out)
{
	const struct line *l = &o->v[i];
	const char *p = l->p, *e = l->p + l->len;
	int err;

	while (p < e && *p != ' ' && *p != '\t')
		p++;
	if (out && (err = vlt_buf_add(out, l->p, (size_t)(p - l->p))) < 0)
		return err;
	while (p < e) {
		const char *t;
		int k = 0;

		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		if (p >= e || *p == '#')
			break;
		if (out && (err = vlt_buf_addch(out, ' ')) < 0)
			return err;
		t = p;
		while (p < e && *p != ' ' && *p != '\t') {
			const char *s = p;
			size_t idx = 0;

			while (p < e && *p != '/' && *p != ' ' && *p != '\t')
				p++;
			if (k > 2)
				return vlt_error_set(VLT_E_CORRUPT, "OBJ line "
						     "%zu: '%.*s' has more "
						     "than three indices",
						     i + 1, (int)(p - t), t);
			if (p > s) {
				if ((err = resolve(o, i, s, (size_t)(p - s), k,
						   &idx)) < 0)
					return err;
				if (!map[k][idx])
					map[k][idx] = ++next[k];
				if (out && (err = vlt_buf_addf(out, "%zu",
							       map[k][idx] +
							       base[k])) < 0)
					return err;
			} else if (k == 0) {
				return vlt_error_set(VLT_E_CORRUPT, "OBJ line "
						     "%zu: a face corner "
						     "without a vertex",
						     i + 1);
			}
			if (p < e && *p == '/') {
				if (out && (err = vlt_buf_addch(out, '/')) < 0)
					return err;
				p++;
				k++;
			}
		}
	}
	if (out && (err = vlt_buf_addch(out, '\n')) < 0)
		return err;
	return 0;
}

struct maps {
	size_t *m[3];
	size_t next[3];
};

static int maps_init(struct maps *mp, const struct obj *o)
{
	int k;

	memset(mp, 0, sizeof(*mp));
	for (k = 0; k < 3; k++)
		if (!(mp->m[k] = calloc(o->count[k] + 1, sizeof(size_t))))
			return vlt_error_set(VLT_E_NOMEM, "out of memory");
	return 0;
}

static void maps_release(struct maps *mp)
{
	int k;

	for (k = 0; k < 3; k++)
		free(mp->m[k]);
}

/* Number the vertices the element's faces use. */
static int map_element(const struct obj *o, const char *in, struct maps *mp)
{
	static const size_t zero[3] = { 0, 0, 0 };
	size_t i;
	int err;

	for (i = 0; i < o->nr; i++)
		if (in[i] && o->v[i].kw == KW_FACE &&
		    (err = renumber(o, i, mp->m, mp->next, zero, NULL)) < 0)
			return err;
	return 0;
}

/* The vertex lines the element uses, in their new order. */
static int write_vertices(const struct obj *o, const struct maps *mp,
			  struct vlt_buf *out)
{
	static const enum kw kws[3] = { KW_V, KW_VT, KW_VN };
	size_t *order = NULL;
	int k, err = 0;

	for (k = 0; k < 3 && !err; k++) {
		size_t i, n = 0;

		if (!mp->next[k])
			continue;
		free(order);
		if (!(order = calloc(mp->next[k] + 1, sizeof(*order))))
			return vlt_error_set(VLT_E_NOMEM, "out of memory");
		for (i = 0; i < o->nr; i++)
			if (o->v[i].kw == kws[k]) {
				size_t idx = o->v[i].before[k] + 1;

				if (mp->m[k][idx])
					order[mp->m[k][idx]] = i + 1;
			}
		for (n = 1; n <= mp->next[k] && !err; n++)
			if (!(err = vlt_buf_add(out, o->v[order[n] - 1].p,
						o->v[order[n] - 1].len)))
				err = vlt_buf_addch(out, '\n');
	}
	free(order);
	return err;
}

/* The element's own lines: its first o/g line, then (after the caller's
 * vertices) everything but vertex data and mtllib, faces renumbered. */
static int write_body(const struct obj *o, const char *in, struct maps *mp,
		      const size_t base[3], const char *active_mtl,
		      struct vlt_buf *out)
{
	size_t i;
	int err, seen_mtl = 0;

	for (i = 0; i < o->nr; i++) {
		const struct line *l = &o->v[i];

		if (!in[i] || l->kw == KW_V || l->kw == KW_VT ||
		    l->kw == KW_VN || l->kw == KW_MTLLIB)
			continue;
		if (l->kw == KW_USEMTL)
			seen_mtl = 1;
		if (l->kw == KW_FACE) {
			if (!seen_mtl && active_mtl) {
				if ((err = vlt_buf_addf(out, "usemtl %s\n",
							active_mtl)) < 0)
					return err;
				seen_mtl = 1;
			}
			err = renumber(o, i, mp->m, mp->next, base, out);
		} else if (!(err = vlt_buf_add(out, l->p, l->len))) {
			err = vlt_buf_addch(out, '\n');
		}
		if (err < 0)
			return err;
	}
	return 0;
}

/* The material active where the element starts (from lines before its
 * first line), or NULL. Returned in buf. */
static const char *material_at_start(const struct obj *o, const char *in,
				     struct vlt_buf *buf)
{
	const char *s;
	size_t i, n;
	ssize_t last = -1;

	for (i = 0; i < o->nr && !in[i]; i++)
		if (o->v[i].kw == KW_USEMTL)
			last = (ssize_t)i;
	if (last < 0)
		return NULL;
	rest(&o->v[last], &s, &n);
	vlt_buf_reset(buf);
	if (!n || vlt_buf_add(buf, s, n) < 0)
		return NULL;
	return buf->data;
}

/* Material names the element uses (once each, in order). */
static int element_materials(const struct obj *o, const char *in,
			     const char *active, struct vlt_strlist *out)
{
	char tmp[512];
	size_t i, j;
	int err;

	/* the material active before the block counts when a face of the
	 * block comes before the block's own usemtl */
	for (i = 0; active && i < o->nr; i++) {
		if (!in[i] || (o->v[i].kw != KW_FACE &&
			       o->v[i].kw != KW_USEMTL))
			continue;
		if (o->v[i].kw == KW_FACE &&
		    (err = vlt_strlist_add(out, active)) < 0)
			return err;
		break;
	}
	for (i = 0; i < o->nr; i++) {
		const char *s;
		size_t n;
		int dup = 0;

		if (!in[i] || o->v[i].kw != KW_USEMTL)
			continue;
		rest(&o->v[i], &s, &n);
		if (!n || n >= sizeof(tmp))
			continue;
		memcpy(tmp, s, n);
		tmp[n] = '\0';
		for (j = 0; j < out->nr && !dup; j++)
			dup = !strcmp(out->v[j], tmp);
		if (!dup && (err = vlt_strlist_add(out, tmp)) < 0)
			return err;
	}
	return 0;
}

int vlt_obj_mtllibs(const void *data, size_t len, struct vlt_strlist *out)
{
	struct obj o;
	char tmp[1024];
	size_t i, j;
	int err;

	if ((err = obj_parse(data, len, &o)) < 0)
		goto done;
	for (i = 0; i < o.nr; i++) {
		const char *s;
		size_t n;
		int dup = 0;

		if (o.v[i].kw != KW_MTLLIB)
			continue;
		rest(&o.v[i], &s, &n);
		if (!n || n >= sizeof(tmp))
			continue;
		memcpy(tmp, s, n);
		tmp[n] = '\0';
		for (j = 0; j < out->nr && !dup; j++)
			dup = !strcmp(out->v[j], tmp);
		if (!dup && (err = vlt_strlist_add(out, tmp)) < 0)
			goto done;
	}
done:
	obj_release(&o);
	return err;
}

int vlt_obj_list(const void *data, size_t len, struct vlt_element_list *out)
{
	struct obj o;
	struct maps mp;
	char *in = NULL;
	char name[512];
	size_t i, j;
	int err;

	memset(&mp, 0, sizeof(mp));
	if ((err = obj_parse(data, len, &o)) < 0)
		goto done;
	for (i = 0; i < o.nr; i++) {
		const char *s;
		size_t n, faces = 0;
		enum kw kw = KW_OTHER;
		int dup = 0;

		if (o.v[i].kw != KW_O && o.v[i].kw != KW_G)
			continue;
		rest(&o.v[i], &s, &n);
		if (!n || n >= sizeof(name))
			continue;
		memcpy(name, s, n);
		name[n] = '\0';
		for (j = 0; j < out->nr && !dup; j++)
			dup = !strcmp(out->v[j].path, name) &&
			      !strcmp(out->v[j].kind, o.v[i].kw == KW_O ?
				      "object" : "group");
		if (dup)
			continue;
		free(in);
		maps_release(&mp);
		if (!(in = calloc(o.nr, 1))) {
			err = vlt_error_set(VLT_E_NOMEM, "out of memory");
			goto done;
		}
		if ((err = maps_init(&mp, &o)) < 0)
			goto done;
		find_blocks(&o, name, in, &kw);
		if (kw != o.v[i].kw)
			continue;  /* a group named like an object */
		if ((err = map_element(&o, in, &mp)) < 0)
			goto done;
		for (j = 0; j < o.nr; j++)
			faces += in[j] && o.v[j].kw == KW_FACE;
		if ((err = vlt_element_add(out, name, kw == KW_O ? "object" :
					   "group", mp.next[0], faces)) < 0)
			goto done;
	}
done:
	free(in);
	maps_release(&mp);
	obj_release(&o);
	return err;
}

static int not_found(const char *element)
{
	return vlt_error_set(VLT_E_NOTFOUND, "the OBJ file has no object or "
			     "group '%s' (vault extract FILE --list lists "
			     "them)", element);
}

/* The materials of names from the MTL files into out; what is missing
 * is named. */
static int copy_materials(const struct vlt_strlist *names,
			  const struct vlt_extract_side *sides, size_t nsides,
			  struct vlt_extract_result *res)
{
	struct vlt_strlist textures = VLT_STRLIST_INIT;
	size_t m, s;
	int err = 0;

	for (m = 0; m < names->nr && !err; m++) {
		int found = 0;

		for (s = 0; s < nsides && !found && !err; s++) {
			struct obj t;
			size_t i;
			int on = 0;

			if ((err = obj_parse(sides[s].data, sides[s].len,
					     &t)) < 0)
				break;
			for (i = 0; i < t.nr && !err; i++) {
				const char *r;
				size_t n;

				if (word_is(t.v[i].p, t.v[i].len, "newmtl")) {
					on = rest_is(&t.v[i], names->v[m]);
					found |= on;
				}
				if (!on)
					continue;
				if (!(err = vlt_buf_add(&res->side, t.v[i].p,
							t.v[i].len)))
					err = vlt_buf_addch(&res->side, '\n');
				rest(&t.v[i], &r, &n);
				if (!err && t.v[i].len > 4 &&
				    (!strncmp(t.v[i].p, "map_", 4) ||
				     word_is(t.v[i].p, t.v[i].len, "bump") ||
				     word_is(t.v[i].p, t.v[i].len, "norm") ||
				     word_is(t.v[i].p, t.v[i].len, "disp")) &&
				    n) {
					const char *sp = r + n;
					char tex[512];

					while (sp > r && sp[-1] != ' ')
						sp--;
					snprintf(tex, sizeof(tex), "%.*s",
						 (int)(r + n - sp), sp);
					err = vlt_strlist_add(&textures, tex);
				}
			}
			obj_release(&t);
		}
		if (!err && !found)
			err = vlt_extract_warn(res, "material '%s' is in no "
					       "material library found (%s): "
					       "not carried", names->v[m],
					       nsides ? sides[0].name :
					       "none given");
	}
	for (m = 0; m < textures.nr && !err; m++)
		err = vlt_extract_warn(res, "texture '%s' is named by the "
				       "material library, not copied: put it "
				       "beside the output", textures.v[m]);
	vlt_strlist_release(&textures);
	return err;
}

int vlt_obj_extract(const void *data, size_t len, const char *element,
		    const struct vlt_extract_side *sides, size_t nsides,
		    const char *side_name, struct vlt_extract_result *res)
{
	static const size_t zero[3] = { 0, 0, 0 };
	struct vlt_strlist mats = VLT_STRLIST_INIT;
	struct vlt_buf active = VLT_BUF_INIT;
	const char *mtl;
	struct obj o;
	struct maps mp;
	char *in = NULL;
	size_t i;
	enum kw kw;
	int err;

	memset(&mp, 0, sizeof(mp));
	if ((err = obj_parse(data, len, &o)) < 0 ||
	    (err = maps_init(&mp, &o)) < 0)
		goto done;
	if (!(in = calloc(o.nr + 1, 1))) {
		err = vlt_error_set(VLT_E_NOMEM, "out of memory");
		goto done;
	}
	if (!find_blocks(&o, element, in, &kw)) {
		err = not_found(element);
		goto done;
	}
	mtl = material_at_start(&o, in, &active);
	if ((err = map_element(&o, in, &mp)) < 0 ||
	    (err = element_materials(&o, in, mtl, &mats)) < 0 ||
	    (err = vlt_buf_addf(&res->data, "# %s '%s', taken out by vault "
				"extract\n", kw == KW_O ? "object" : "group",
				element)) < 0)
		goto done;
	if (mats.nr) {
		if ((err = copy_materials(&mats, sides, nsides, res)) < 0)
			goto done;
		if (res->side.len && side_name &&
		    (err = vlt_buf_addf(&res->data, "mtllib %s\n",
					side_name)) < 0)
			goto done;
	}
	for (i = 0; i < o.nr && !in[i]; i++)
		;
	if ((err = vlt_buf_add(&res->data, o.v[i].p, o.v[i].len)) < 0 ||
	    (err = vlt_buf_addch(&res->data, '\n')) < 0 ||
	    (err = write_vertices(&o, &mp, &res->data)) < 0)
		goto done;
	/* write_body numbers again from 1, in the same order */
	maps_release(&mp);
	if ((err = maps_init(&mp, &o)) < 0)
		goto done;
	in[i] = 0;
	err = write_body(&o, in, &mp, zero, mtl, &res->data);
done:
	free(in);
	maps_release(&mp);
	vlt_strlist_release(&mats);
	vlt_buf_release(&active);
	obj_release(&o);
	return err;
}

int vlt_obj_replace(const void *cur, size_t cur_len, const void *old,
		    size_t old_len, const char *element,
		    struct vlt_extract_result *res)
{
	struct vlt_strlist mats = VLT_STRLIST_INIT;
	struct vlt_buf active = VLT_BUF_INIT;
	const char *mtl;
	struct obj o, c;
	struct maps mp;
	char *in = NULL, *cin = NULL;
	size_t i, j, first;
	enum kw kw, ckw;
	int err;

	memset(&mp, 0, sizeof(mp));
	memset(&c, 0, sizeof(c));
	if ((err = obj_parse(old, old_len, &o)) < 0 ||
	    (err = obj_parse(cur, cur_len, &c)) < 0 ||
	    (err = maps_init(&mp, &o)) < 0)
		goto done;
	if (!(in = calloc(o.nr + 1, 1)) || !(cin = calloc(c.nr + 1, 1))) {
		err = vlt_error_set(VLT_E_NOMEM, "out of memory");
		goto done;
	}
	if (!find_blocks(&o, element, in, &kw)) {
		err = vlt_error_wrap(not_found(element), "the old version");
		goto done;
	}
	if (!find_blocks(&c, element, cin, &ckw)) {
		err = vlt_error_wrap(not_found(element), "the current version");
		goto done;
	}
	mtl = material_at_start(&o, in, &active);
	if ((err = map_element(&o, in, &mp)) < 0 ||
	    (err = element_materials(&o, in, mtl, &mats)) < 0)
		goto done;
	/* the current file without the object's own lines (its vertex
	 * lines stay: other faces keep their numbers) */
	for (i = 0; i < c.nr; i++) {
		const struct line *l = &c.v[i];

		if (cin[i] && l->kw != KW_V && l->kw != KW_VT &&
		    l->kw != KW_VN && l->kw != KW_MTLLIB)
			continue;
		if (i + 1 == c.nr && !l->len)
			break;  /* the empty tail after the last newline */
		if ((err = vlt_buf_add(&res->data, l->p, l->len)) < 0 ||
		    (err = vlt_buf_addch(&res->data, '\n')) < 0)
			goto done;
	}
	for (first = 0; first < o.nr && !in[first]; first++)
		;
	if ((err = vlt_buf_add(&res->data, o.v[first].p,
			       o.v[first].len)) < 0 ||
	    (err = vlt_buf_addch(&res->data, '\n')) < 0 ||
	    (err = write_vertices(&o, &mp, &res->data)) < 0)
		goto done;
	maps_release(&mp);
	if ((err = maps_init(&mp, &o)) < 0)
		goto done;
	in[first] = 0;
	if ((err = write_body(&o, in, &mp, c.count, mtl, &res->data)) < 0)
		goto done;
	/* a material no line outside the object uses may be missing from
	 * the current material library */
	for (j = 0; j < mats.nr && !err; j++) {
		int used = 0;

		for (i = 0; i < c.nr && !used; i++)
			used = c.v[i].kw == KW_USEMTL &&
			       rest_is(&c.v[i], mats.v[j]);
		if (!used)
			err = vlt_extract_warn(res, "the old object uses "
					       "material '%s', which the "
					       "current file does not use: "
					       "check that its material "
					       "library still defines it",
					       mats.v[j]);
	}
done:
	free(in);
	free(cin);
	maps_release(&mp);
	vlt_strlist_release(&mats);
	vlt_buf_release(&active);
	obj_release(&o);
	obj_release(&c);
	return err;
}
