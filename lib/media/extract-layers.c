/*
 * extract-layers.c - one layer of an OpenRaster (.ora) or Krita (.kra)
 * file: listed, taken out as a file of its own, or put back into another
 * version of the file.
 *
 * Both are zip archives with a "mimetype" member first (format.md does
 * not describe them: they are the painting programs' formats). OpenRaster
 * lists its layers in stack.xml (<stack> groups holding <layer name= src=>
 * whose src is a PNG member); Krita in maindoc.xml (<layer name=
 * filename= nodetype=> under <layers>, groups nesting <layers>, masks
 * under <masks>), with each layer's data in members named
 * IMAGE/layers/FILENAME and IMAGE/layers/FILENAME.SUFFIX. vault never
 * decodes Krita's tiles: a layer's members are copied bit-exact, which is
 * what keeps its pixels exact.
 *
 * Archives are read through libzip and the XML through libxml2 with no
 * network and no entity expansion (a document that declares entities is
 * refused). Hostile archives are refused before anything is unpacked: a
 * member name that is absolute or climbs out with "..", a member larger
 * than VLT_EXTRACT_MAX_MEMBER, an archive larger than
 * VLT_EXTRACT_MAX_TOTAL, or a member compressed more than
 * MAX_RATIO times (a zip bomb).
 *
 * Writing: a new archive puts "mimetype" first and stored; a replace
 * edits the current archive through libzip, which copies every member it
 * is not told to change as it was (compressed bytes included).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <zip.h>

#include "error.h"
#include "extract-internal.h"
#include "fsutil.h"
#include "image.h"

/* A member larger than this that is also compressed more than MAX_RATIO
 * times is a bomb (real layers are PNG or compressed tiles: a few times
 * at most). */
#define RATIO_MIN_SIZE (16ull << 20)
#define MAX_RATIO 200
#define THUMB_BOX 256
/* The zlib level of the merged picture drawn for an extracted layer: a
 * preview, written fast (image.h: levels 0..2 use one cheap filter). */
#define MERGED_LEVEL 2

struct zin {
	zip_t *za;
	const char *what;    /* "OpenRaster", "Krita" */
};

static int unsafe_name(const char *n)
{
	const char *p = n;

	if (!*n || *n == '/' || strchr(n, '\\') || strchr(n, ':'))
		return 1;
	while (*p) {
		size_t l = strcspn(p, "/");

		if (l == 2 && p[0] == '.' && p[1] == '.')
			return 1;
		p += l;
		if (*p)
			p++;
	}
	return 0;
}

static int zin_open(struct zin *z, const void *data, size_t len,
		    enum vlt_extract_format fmt)
{
	zip_error_t ze;
	zip_source_t *src;
	zip_int64_t n, i;
	uint64_t total = 0;

	z->za = NULL;
	z->what = fmt == VLT_EXTRACT_KRA ? "Krita" : "OpenRaster";
	zip_error_init(&ze);
	if (!(src = zip_source_buffer_create(data, len, 0, &ze))) {
		zip_error_fini(&ze);
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	}
	if (!(z->za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS,
					   &ze))) {
		int err = vlt_error_set(VLT_E_CORRUPT, "truncated or damaged "
					"%s file (its zip archive: %s)",
					z->what, zip_error_strerror(&ze));

		zip_source_free(src);
		zip_error_fini(&ze);
		return err;
	}
	zip_error_fini(&ze);
	n = zip_get_num_entries(z->za, 0);
	for (i = 0; i < n; i++) {
		zip_stat_t st;

		zip_stat_init(&st);
		if (zip_stat_index(z->za, (zip_uint64_t)i, 0, &st) < 0 ||
		    !(st.valid & ZIP_STAT_NAME) ||
		    !(st.valid & ZIP_STAT_SIZE))
			return vlt_error_set(VLT_E_CORRUPT, "%s file: member "
					     "%" PRId64 ": %s", z->what, i,
					     zip_strerror(z->za));
		if (unsafe_name(st.name))
			return vlt_error_set(VLT_E_UNSAFE, "%s file: member "
					     "name '%s' would escape the "
					     "archive: refused", z->what,
					     st.name);
		if (st.size > VLT_EXTRACT_MAX_MEMBER)
			return vlt_error_set(VLT_E_CORRUPT, "%s file: member "
					     "'%s' unpacks to %" PRIu64 " bytes, "
					     "more than the limit (%llu)",
					     z->what, st.name, (uint64_t)st.size,
					     VLT_EXTRACT_MAX_MEMBER);
		if (st.size > RATIO_MIN_SIZE && (st.valid & ZIP_STAT_COMP_SIZE) &&
		    st.size / (st.comp_size ? st.comp_size : 1) > MAX_RATIO)
			return vlt_error_set(VLT_E_CORRUPT, "%s file: member "
					     "'%s' is compressed %" PRIu64
					     " times (%" PRIu64 " bytes from %"
					     PRIu64 "): a zip bomb, refused",
					     z->what, st.name,
					     (uint64_t)(st.size /
							(st.comp_size ?
							 st.comp_size : 1)),
					     (uint64_t)st.size,
					     (uint64_t)st.comp_size);
		total += st.size;
		if (total > VLT_EXTRACT_MAX_TOTAL)
			return vlt_error_set(VLT_E_CORRUPT, "%s file unpacks "
					     "to more than %llu bytes: refused",
					     z->what, VLT_EXTRACT_MAX_TOTAL);
	}
	return 0;
}

static void zin_close(struct zin *z)
{
	if (z->za)
		zip_discard(z->za);
	z->za = NULL;
}

/* A member's bytes, never more than its declared size. */
static int zin_read_index(struct zin *z, zip_int64_t idx, struct vlt_buf *out)
{
	zip_stat_t st;
	zip_file_t *zf;
	char extra;
	int err = 0;

	vlt_buf_reset(out);
	zip_stat_init(&st);
	if (zip_stat_index(z->za, (zip_uint64_t)idx, 0, &st) < 0)
		return vlt_error_set(VLT_E_CORRUPT, "%s file: %s", z->what,
				     zip_strerror(z->za));
	if ((err = vlt_buf_grow(out, (size_t)st.size + 1)) < 0)
		return err;
	if (!(zf = zip_fopen_index(z->za, (zip_uint64_t)idx, 0)))
		return vlt_error_set(VLT_E_CORRUPT, "%s file: cannot unpack "
				     "%s: %s", z->what, st.name,
				     zip_strerror(z->za));
	while (out->len < st.size) {
		zip_int64_t n = zip_fread(zf, out->data + out->len,
					  st.size - out->len);

		if (n <= 0) {
			err = vlt_error_set(VLT_E_CORRUPT, "truncated or "
					    "damaged %s file: %s: %s", z->what,
					    st.name, n < 0 ?
					    zip_file_strerror(zf) :
					    "shorter than its header says");
			goto done;
		}
		vlt_buf_setlen(out, out->len + (size_t)n);
	}
	if (zip_fread(zf, &extra, 1) != 0)
		err = vlt_error_set(VLT_E_CORRUPT, "%s file: %s is longer "
				    "than its header says (or damaged)",
				    z->what, st.name);
done:
	zip_fclose(zf);
	return err;
}

static int zin_read(struct zin *z, const char *name, struct vlt_buf *out)
{
	zip_int64_t idx = zip_name_locate(z->za, name, 0);

	if (idx < 0)
		return vlt_error_set(VLT_E_CORRUPT, "%s file: no member '%s'",
				     z->what, name);
	return zin_read_index(z, idx, out);
}

/* --- XML ---------------------------------------------------------------- */

static int xml_parse(const struct vlt_buf *b, const char *what,
		     const char *name, xmlDocPtr *out)
{
	xmlDocPtr doc;
	xmlDtdPtr dtd;

	if (b->len > INT32_MAX)
		return vlt_error_set(VLT_E_CORRUPT, "%s file: %s too large",
				     what, name);
	doc = xmlReadMemory(b->data, (int)b->len, name, NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR |
			    XML_PARSE_NOWARNING);
	if (!doc) {
		const xmlError *e = xmlGetLastError();

		return vlt_error_set(VLT_E_CORRUPT, "%s file: %s is not valid "
				     "XML (line %d: %s)", what, name,
				     e ? e->line : 0,
				     e && e->message ? e->message : "?");
	}
	dtd = xmlGetIntSubset(doc);
	if (dtd && dtd->entities) {
		xmlFreeDoc(doc);
		return vlt_error_set(VLT_E_UNSAFE, "%s file: %s declares XML "
				     "entities: refused", what, name);
	}
	*out = doc;
	return 0;
}

static int is_elem(xmlNodePtr n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE &&
	       !strcmp((const char *)n->name, name);
}

static xmlNodePtr first_child(xmlNodePtr n, const char *name)
{
	for (n = n ? n->children : NULL; n; n = n->next)
		if (is_elem(n, name))
			return n;
	return NULL;
}

/* An attribute as a string owned by the caller ("" when absent). */
static char *attr(xmlNodePtr n, const char *name)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	char *s = strdup(v ? (const char *)v : "");

	xmlFree(v);
	return s;
}

static int attr_is(xmlNodePtr n, const char *name, const char *value)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	int same = v && !strcmp((const char *)v, value);

	xmlFree(v);
	return same;
}

static int xml_dump(xmlDocPtr doc, struct vlt_buf *out)
{
	xmlChar *mem = NULL;
	int size = 0, err;

	xmlDocDumpMemoryEnc(doc, &mem, &size, "UTF-8");
	if (!mem)
		return vlt_error_set(VLT_E_NOMEM, "cannot write the XML");
	err = vlt_buf_set(out, mem, (size_t)size);
	xmlFree(mem);
	return err;
}

/* --- the layer tree ----------------------------------------------------- */

struct layer {
	xmlNodePtr node;
	char *path;
	char kind[24];
};

struct layers {
	struct layer *v;
	size_t nr, alloc;
	enum vlt_extract_format fmt;
	xmlNodePtr top;       /* ORA: the root <stack>; Krita: IMAGE's <layers> */
	char *image_name;     /* Krita: IMAGE name= (the members' folder) */
};

static void layers_release(struct layers *l)
{
	size_t i;

	for (i = 0; i < l->nr; i++)
		free(l->v[i].path);
	free(l->v);
	free(l->image_name);
	memset(l, 0, sizeof(*l));
}

static int layers_add(struct layers *l, xmlNodePtr n, const char *parent,
		      const char *kind, char **path_out)
{
	char *name = attr(n, "name");
	struct vlt_buf p = VLT_BUF_INIT;
	struct layer *e;

	if (!name || VLT_ALLOC_GROW(l->v, l->nr + 1, l->alloc) < 0) {
		free(name);
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	}
	if ((*parent && (vlt_buf_adds(&p, parent) < 0 ||
			 vlt_buf_addch(&p, '/') < 0)) ||
	    vlt_buf_adds(&p, name) < 0) {
		free(name);
		vlt_buf_release(&p);
		return VLT_E_NOMEM;
	}
	free(name);
	e = &l->v[l->nr++];
	e->node = n;
	e->path = vlt_buf_detach(&p, NULL);
	snprintf(e->kind, sizeof(e->kind), "%s", kind);
	*path_out = e->path;
	return 0;
}

/* ORA: <layer> and nested <stack> children of a stack, top first. */
static int walk_ora(struct layers *l, xmlNodePtr stack, const char *parent,
		    int depth)
{
	xmlNodePtr n;
	int err;

	if (depth > 64)
		return vlt_error_set(VLT_E_CORRUPT, "OpenRaster file: stacks "
				     "nested more than 64 deep");
	for (n = stack->children; n; n = n->next) {
		char *path;

		if (is_elem(n, "layer")) {
			if ((err = layers_add(l, n, parent, "layer", &path)) < 0)
				return err;
		} else if (is_elem(n, "stack")) {
			if ((err = layers_add(l, n, parent, "stack", &path)) < 0 ||
			    (err = walk_ora(l, n, path, depth + 1)) < 0)
				return err;
		}
	}
	return 0;
}

/* Krita: <layer nodetype=...> children of a <layers>, top first. */
static int walk_kra(struct layers *l, xmlNodePtr list, const char *parent,
		    int depth)
{
	xmlNodePtr n;
	int err;

	if (depth > 64)
		return vlt_error_set(VLT_E_CORRUPT, "Krita file: groups "
				     "nested more than 64 deep");
	for (n = list->children; n; n = n->next) {
		char *type, *path;
		xmlNodePtr sub;

		if (!is_elem(n, "layer"))
			continue;
		if (!(type = attr(n, "nodetype")))
			return VLT_E_NOMEM;
		err = layers_add(l, n, parent, *type ? type : "layer", &path);
		free(type);
		if (err < 0)
			return err;
		if ((sub = first_child(n, "layers")) &&
		    (err = walk_kra(l, sub, path, depth + 1)) < 0)
			return err;
	}
	return 0;
}

static const char *stack_member(enum vlt_extract_format fmt)
{
	return fmt == VLT_EXTRACT_KRA ? "maindoc.xml" : "stack.xml";
}

/* Read the stack document of an open archive and list its layers. */
static int layers_read(struct zin *z, enum vlt_extract_format fmt,
		       xmlDocPtr *doc, struct layers *l)
{
	struct vlt_buf b = VLT_BUF_INIT;
	const char *member = stack_member(fmt);
	xmlNodePtr root;
	int err;

	memset(l, 0, sizeof(*l));
	l->fmt = fmt;
	*doc = NULL;
	err = zin_read(z, member, &b);
	if (!err)
		err = xml_parse(&b, z->what, member, doc);
	vlt_buf_release(&b);
	if (err < 0)
		return err;
	root = xmlDocGetRootElement(*doc);
	if (fmt == VLT_EXTRACT_ORA) {
		if (!is_elem(root, "image") ||
		    !(l->top = first_child(root, "stack")))
			return vlt_error_set(VLT_E_CORRUPT, "OpenRaster file: "
					     "stack.xml has no <image><stack>");
		return walk_ora(l, l->top, "", 0);
	}
	{
		xmlNodePtr image = first_child(root, "IMAGE");

		if (!is_elem(root, "DOC") || !image ||
		    !(l->top = first_child(image, "layers")))
			return vlt_error_set(VLT_E_CORRUPT, "Krita file: "
					     "maindoc.xml has no "
					     "<DOC><IMAGE><layers>");
		if (!(l->image_name = attr(image, "name")))
			return VLT_E_NOMEM;
		if (!*l->image_name || unsafe_name(l->image_name) ||
		    strchr(l->image_name, '/'))
			return vlt_error_set(VLT_E_UNSAFE, "Krita file: image "
					     "name '%s' is not a safe folder "
					     "name: refused", l->image_name);
	}
	return walk_kra(l, l->top, "", 0);
}

/* The layer named by a path, or by a name when only one layer has it. */
static int layers_find(const struct layers *l, const char *what,
		       const char *element, struct layer **out)
{
	struct layer *hit = NULL;
	size_t i, n = 0;

	for (i = 0; i < l->nr; i++)
		if (!strcmp(l->v[i].path, element)) {
			*out = &l->v[i];
			return 0;
		}
	for (i = 0; i < l->nr; i++) {
		const char *slash = strrchr(l->v[i].path, '/');
		const char *name = slash ? slash + 1 : l->v[i].path;

		if (!strcmp(name, element)) {
			if (!hit)
				hit = &l->v[i];
			n++;
		}
	}
	if (n > 1)
		return vlt_error_set(VLT_E_AMBIGUOUS, "%s file: %zu layers are "
				     "named '%s': give its path, such as "
				     "'%s'", what, n, element, hit->path);
	if (!hit)
		return vlt_error_set(VLT_E_NOTFOUND, "%s file has no layer "
				     "'%s' (vault extract FILE --list lists "
				     "them)", what, element);
	*out = hit;
	return 0;
}

int vlt_layers_list(const void *data, size_t len,
		    enum vlt_extract_format fmt, struct vlt_element_list *out)
{
	struct zin z;
	struct layers l;
	xmlDocPtr doc = NULL;
	size_t i;
	int err;

	memset(&l, 0, sizeof(l));
	if ((err = zin_open(&z, data, len, fmt)) < 0 ||
	    (err = layers_read(&z, fmt, &doc, &l)) < 0)
		goto done;
	for (i = 0; i < l.nr && !err; i++)
		err = vlt_element_add(out, l.v[i].path, l.v[i].kind, 0, 0);
done:
	layers_release(&l);
	xmlFreeDoc(doc);
	zin_close(&z);
	return err;
}

/* --- what a layer's subtree needs -------------------------------------- */

/* The data file attributes of every layer or mask under (and at) n:
 * ORA src=, Krita filename=. */
static int collect_files_but(xmlNodePtr n, xmlNodePtr skip,
			     enum vlt_extract_format fmt,
			     struct vlt_strlist *out, int depth)
{
	const char *key = fmt == VLT_EXTRACT_KRA ? "filename" : "src";
	xmlNodePtr c;
	int err;

	if (n == skip)
		return 0;
	if (depth > 130)
		return vlt_error_set(VLT_E_CORRUPT, "layers nested too deep");
	if (is_elem(n, "layer") || is_elem(n, "mask")) {
		xmlChar *v = xmlGetProp(n, (const xmlChar *)key);

		if (v && *v) {
			if (unsafe_name((const char *)v) ||
			    (fmt == VLT_EXTRACT_KRA &&
			     strchr((const char *)v, '/'))) {
				err = vlt_error_set(VLT_E_UNSAFE, "layer data "
						    "file '%s' would escape "
						    "the archive: refused",
						    (const char *)v);
				xmlFree(v);
				return err;
			}
			err = vlt_strlist_add(out, (const char *)v);
			xmlFree(v);
			if (err < 0)
				return err;
		} else {
			xmlFree(v);
		}
	}
	for (c = n->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE &&
		    (err = collect_files_but(c, skip, fmt, out,
					     depth + 1)) < 0)
			return err;
	return 0;
}

static int collect_files(xmlNodePtr n, enum vlt_extract_format fmt,
			 struct vlt_strlist *out, int depth)
{
	return collect_files_but(n, NULL, fmt, out, depth);
}

/* 1 when member belongs to the Krita layer file fn (folder prefix
 * "IMAGE/layers/"): the file itself or FN.SUFFIX. */
static int kra_member_of(const char *member, const char *prefix,
			 const char *fn)
{
	size_t p = strlen(prefix), f = strlen(fn);

	return !strncmp(member, prefix, p) && !strncmp(member + p, fn, f) &&
	       (member[p + f] == '\0' || member[p + f] == '.');
}

static int kra_member_of_any(const char *member, const char *prefix,
			     const struct vlt_strlist *files)
{
	size_t i;

	for (i = 0; i < files->nr; i++)
		if (kra_member_of(member, prefix, files->v[i]))
			return 1;
	return 0;
}

/* Name what a layer's subtree cannot carry. other: the document the layer
 * goes into (NULL for a file of its own). */
static int warn_kinds(xmlNodePtr n, const struct layers *other,
		      struct vlt_extract_result *res, int depth)
{
	xmlNodePtr c;
	int err = 0;

	if (depth > 130)
		return 0;
	if (is_elem(n, "layer") || is_elem(n, "mask")) {
		char *name = attr(n, "name"), *type = attr(n, "nodetype");

		if (!name || !type) {
			err = VLT_E_NOMEM;
		} else if (!strcmp(type, "adjustmentlayer")) {
			char *f = attr(n, "filtername");

			err = vlt_extract_warn(res, "'%s' is a filter layer "
					       "(%s): its settings are carried, "
					       "its effect on the layers below "
					       "it is not", name,
					       f && *f ? f : "unknown filter");
			free(f);
		} else if (!strcmp(type, "clonelayer")) {
			char *from = attr(n, "clonefrom");
			struct layer *src = NULL;

			if (from && (!other || layers_find(other, "", from,
							   &src) < 0))
				err = vlt_extract_warn(res, "'%s' is a clone "
						       "layer of '%s': its "
						       "source is not carried",
						       name, from);
			vlt_error_clear();
			free(from);
		} else if (!strcmp(type, "filelayer")) {
			char *f = attr(n, "source");

			err = vlt_extract_warn(res, "'%s' is a file layer: the "
					       "file it shows (%s) is not "
					       "carried", name, f ? f : "?");
			free(f);
		}
		free(name);
		free(type);
		if (err < 0)
			return err;
	}
	for (c = n->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE &&
		    (err = warn_kinds(c, other, res, depth + 1)) < 0)
			return err;
	return 0;
}

/* --- writing archives -------------------------------------------------- */

/* Add or replace member name with a copy of data (deflated, or stored). */
static int zout_put(zip_t *za, const char *name, const void *data,
		    size_t len, int store)
{
	void *copy = malloc(len ? len : 1);
	zip_source_t *s;
	zip_int64_t idx;

	if (!copy)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	if (len)
		memcpy(copy, data, len);
	if (!(s = zip_source_buffer(za, copy, len, 1))) {
		free(copy);
		return vlt_error_set(VLT_E_NOMEM, "zip: %s", zip_strerror(za));
	}
	if ((idx = zip_file_add(za, name, s, ZIP_FL_OVERWRITE |
				ZIP_FL_ENC_UTF_8)) < 0) {
		zip_source_free(s);
		return vlt_error_set(VLT_E_GENERIC, "zip: cannot add %s: %s",
				     name, zip_strerror(za));
	}
	if (zip_set_file_compression(za, (zip_uint64_t)idx,
				     store ? ZIP_CM_STORE : ZIP_CM_DEFLATE,
				     0) < 0)
		return vlt_error_set(VLT_E_GENERIC, "zip: %s", zip_strerror(za));
	return 0;
}

/* Close the archive written into src and take its bytes. */
static int zout_finish(zip_t *za, zip_source_t *src, struct vlt_buf *out)
{
	zip_int64_t size;
	int err = 0;

	zip_source_keep(src);
	if (zip_close(za) < 0) {
		err = vlt_error_set(VLT_E_GENERIC, "cannot write the zip "
				    "archive: %s", zip_strerror(za));
		zip_discard(za);
		zip_source_free(src);
		return err;
	}
	if (zip_source_open(src) < 0) {
		zip_source_free(src);
		return vlt_error_set(VLT_E_GENERIC, "cannot read the new zip "
				     "archive");
	}
	if (zip_source_seek(src, 0, SEEK_END) < 0 ||
	    (size = zip_source_tell(src)) < 0 ||
	    zip_source_seek(src, 0, SEEK_SET) < 0 ||
	    (err = vlt_buf_grow(out, (size_t)size + 1)) < 0 ||
	    zip_source_read(src, out->data, (zip_uint64_t)size) != size) {
		if (!err)
			err = vlt_error_set(VLT_E_GENERIC, "cannot read the "
					    "new zip archive");
	} else {
		vlt_buf_setlen(out, (size_t)size);
	}
	zip_source_close(src);
	zip_source_free(src);
	return err;
}

static int zout_new(zip_t **za, zip_source_t **src)
{
	zip_error_t ze;

	zip_error_init(&ze);
	*za = NULL;
	if (!(*src = zip_source_buffer_create(NULL, 0, 0, &ze)) ||
	    !(*za = zip_open_from_source(*src, ZIP_TRUNCATE, &ze))) {
		int err = vlt_error_set(VLT_E_GENERIC, "zip: %s",
					zip_error_strerror(&ze));

		if (*src)
			zip_source_free(*src);
		zip_error_fini(&ze);
		return err;
	}
	zip_error_fini(&ze);
	return 0;
}

/* Copy member name from the input archive into the output, same name. */
/*
 * Copy member idx of the input archive into the output as name, its
 * compressed bytes as they are (no recompression: a layer's member is
 * the same bytes in both archives). It is unpacked once first, which
 * checks its CRC and its size. The input archive must stay open until
 * the output is closed.
 */
static int copy_index(struct zin *z, zip_int64_t idx, zip_t *za,
		      const char *name)
{
	struct vlt_buf b = VLT_BUF_INIT;
	zip_source_t *s;
	int err = zin_read_index(z, idx, &b);

	vlt_buf_release(&b);
	if (err < 0)
		return err;
	if (!(s = zip_source_zip(za, z->za, (zip_uint64_t)idx,
				 ZIP_FL_COMPRESSED, 0, -1)))
		return vlt_error_set(VLT_E_GENERIC, "zip: %s", zip_strerror(za));
	if (zip_file_add(za, name, s, ZIP_FL_OVERWRITE | ZIP_FL_ENC_UTF_8) < 0) {
		zip_source_free(s);
		return vlt_error_set(VLT_E_GENERIC, "zip: cannot add %s: %s",
				     name, zip_strerror(za));
	}
	return 0;
}

static int copy_member(struct zin *z, zip_t *za, const char *name,
		       const char *as)
{
	zip_int64_t idx = zip_name_locate(z->za, name, 0);

	if (idx < 0)
		return vlt_error_set(VLT_E_CORRUPT, "%s file: no member '%s'",
				     z->what, name);
	return copy_index(z, idx, za, as ? as : name);
}

/* --- OpenRaster's merged picture --------------------------------------- */

static long attr_long(xmlNodePtr n, const char *name)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	long x = v ? strtol((const char *)v, NULL, 10) : 0;

	xmlFree(v);
	return x;
}

static double attr_double(xmlNodePtr n, const char *name, double dflt)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	double x = v ? strtod((const char *)v, NULL) : dflt;

	xmlFree(v);
	return x < 0 ? 0 : x > 1 ? 1 : x;
}

/* src-over of a layer PNG onto the canvas at (x, y), non-premultiplied. */
static void blend(struct vlt_image *dst, const struct vlt_image *src,
		  long ox, long oy, double opacity)
{
	uint32_t x, y;

	for (y = 0; y < src->height; y++) {
		long dy = oy + (long)y;

		if (dy < 0 || dy >= (long)dst->height)
			continue;
		for (x = 0; x < src->width; x++) {
			long dx = ox + (long)x;
			const uint8_t *s;
			uint8_t *d;
			double sa, da, oa;
			int c;

			if (dx < 0 || dx >= (long)dst->width)
				continue;
			s = src->rgba + ((size_t)y * src->width + x) * 4;
			d = dst->rgba + ((size_t)dy * dst->width + dx) * 4;
			sa = s[3] / 255.0 * opacity;
			da = d[3] / 255.0;
			oa = sa + da * (1 - sa);
			for (c = 0; c < 3 && oa > 0; c++)
				d[c] = (uint8_t)((s[c] * sa + d[c] * da *
						  (1 - sa)) / oa + 0.5);
			d[3] = (uint8_t)(oa * 255 + 0.5);
		}
	}
}

/* Draw the stack under n (or the layer n itself) bottom up. */
static int draw(struct zin *z, xmlNodePtr n, struct vlt_image *canvas,
		int depth)
{
	xmlNodePtr c, last = NULL;
	int err = 0;

	if (depth > 64 || attr_is(n, "visibility", "hidden"))
		return 0;
	if (is_elem(n, "layer")) {
		struct vlt_buf png = VLT_BUF_INIT;
		struct vlt_image img;
		char *src = attr(n, "src");

		vlt_image_init(&img);
		if (!src)
			return VLT_E_NOMEM;
		if (!(err = zin_read(z, src, &png)) &&
		    !(err = vlt_image_decode(&img, png.data, png.len)))
			blend(canvas, &img, attr_long(n, "x"),
			      attr_long(n, "y"),
			      attr_double(n, "opacity", 1.0));
		if (err)
			err = vlt_error_wrap(err, "OpenRaster layer %s", src);
		free(src);
		vlt_buf_release(&png);
		vlt_image_release(&img);
		return err;
	}
	for (c = n->children; c; c = c->next)
		last = c;
	for (c = last; c && !err; c = c->prev)
		if (is_elem(c, "layer") || is_elem(c, "stack"))
			err = draw(z, c, canvas, depth + 1);
	return err;
}

/* 1 when layer n alone is the whole w x h picture: a visible paint layer
 * at 0,0, fully opaque, whose PNG is w x h (its IHDR says). */
static int covers(struct zin *z, xmlNodePtr n, uint32_t w, uint32_t h)
{
	struct vlt_buf png = VLT_BUF_INIT;
	char *src;
	int yes = 0;

	if (!is_elem(n, "layer") || attr_long(n, "x") || attr_long(n, "y") ||
	    attr_double(n, "opacity", 1.0) < 1.0 ||
	    attr_is(n, "visibility", "hidden") || !(src = attr(n, "src")))
		return 0;
	if (!zin_read(z, src, &png) && png.len >= 24 &&
	    !memcmp(png.data, "\x89PNG\r\n\x1a\n", 8) &&
	    vlt_get_be32((const unsigned char *)png.data + 16) == w &&
	    vlt_get_be32((const unsigned char *)png.data + 20) == h)
		yes = 1;
	vlt_error_clear();
	vlt_buf_release(&png);
	free(src);
	return yes;
}

static int ora_merged(struct zin *z, xmlNodePtr image, xmlNodePtr layer,
		      zip_t *za)
{
	struct vlt_image canvas, thumb;
	struct vlt_buf png = VLT_BUF_INIT;
	long w = attr_long(image, "w"), h = attr_long(image, "h");
	int err;

	vlt_image_init(&canvas);
	vlt_image_init(&thumb);
	if (w <= 0 || h <= 0 || (uint64_t)w * (uint64_t)h > VLT_IMAGE_MAX_PIXELS)
		return vlt_error_set(VLT_E_CORRUPT, "OpenRaster file: image "
				     "size %ldx%ld is not usable", w, h);
	if ((err = vlt_image_alloc(&canvas, (uint32_t)w, (uint32_t)h)) < 0)
		return err;
	memset(canvas.rgba, 0, (size_t)w * (size_t)h * 4);
	if ((err = draw(z, layer, &canvas, 0)) < 0)
		goto done;
	if (covers(z, layer, (uint32_t)w, (uint32_t)h)) {
		/* the layer is the picture: its PNG is the merged image */
		char *src = attr(layer, "src");

		err = src ? copy_member(z, za, src, "mergedimage.png") :
			    VLT_E_NOMEM;
		free(src);
	} else if (!(err = vlt_image_encode_png_level(&canvas, MERGED_LEVEL,
						      &png))) {
		err = zout_put(za, "mergedimage.png", png.data, png.len, 0);
	}
	if (!err &&
	    !(err = vlt_image_thumbnail(&thumb, &canvas, THUMB_BOX,
					THUMB_BOX)) &&
	    !(err = vlt_image_encode_png(&thumb, &png)))
		err = zout_put(za, "Thumbnails/thumbnail.png", png.data,
			       png.len, 0);
done:
	vlt_buf_release(&png);
	vlt_image_release(&canvas);
	vlt_image_release(&thumb);
	return err;
}

/* --- extract ------------------------------------------------------------ */

/* Point n and everything under it from namespace from to to. */
static void repoint_ns(xmlNodePtr n, xmlNsPtr from, xmlNsPtr to, int depth)
{
	xmlNodePtr c;
	xmlAttrPtr a;

	if (depth > 130)
		return;
	if (n->ns == from)
		n->ns = to;
	for (a = n->properties; a; a = a->next)
		if (a->ns == from)
			a->ns = to;
	for (c = n->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			repoint_ns(c, from, to, depth + 1);
}

/*
 * A node copied from another document carries its own declaration of the
 * namespace the new parent already declares (Krita's): drop it, so the
 * document reads as Krita writes it.
 */
static void tidy_ns(xmlDocPtr doc, xmlNodePtr copy)
{
	xmlNsPtr *prev = &copy->nsDef, d;

	while ((d = *prev)) {
		xmlNsPtr outer = copy->parent ?
			xmlSearchNs(doc, copy->parent, d->prefix) : NULL;

		if (outer && outer->href && d->href &&
		    !xmlStrcmp(outer->href, d->href)) {
			repoint_ns(copy, d, outer, 0);
			*prev = d->next;
			d->next = NULL;
			xmlFreeNs(d);
		} else {
			prev = &d->next;
		}
	}
}

/* A copy of doc holding only layer L under the top list. */
static int single_doc(xmlDocPtr doc, const struct layers *l, xmlNodePtr L,
		      xmlDocPtr *out)
{
	xmlDocPtr nd = xmlCopyDoc(doc, 1);
	xmlNodePtr top, c, next, copy;

	if (!nd)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	/* find the copy of the top list: same position under the root */
	top = xmlDocGetRootElement(nd);
	if (l->fmt == VLT_EXTRACT_ORA)
		top = first_child(top, "stack");
	else
		top = first_child(first_child(top, "IMAGE"), "layers");
	for (c = top->children; c; c = next) {
		next = c->next;
		xmlUnlinkNode(c);
		xmlFreeNode(c);
	}
	if (!(copy = xmlDocCopyNode(L, nd, 1)) || !xmlAddChild(top, copy)) {
		xmlFreeNode(copy);
		xmlFreeDoc(nd);
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	}
	tidy_ns(nd, copy);
	*out = nd;
	return 0;
}

int vlt_layers_extract(const void *data, size_t len,
		       enum vlt_extract_format fmt, const char *element,
		       const char *out_name, struct vlt_extract_result *res)
{
	struct vlt_strlist files = VLT_STRLIST_INIT;
	struct vlt_buf xml = VLT_BUF_INIT, prefix = VLT_BUF_INIT;
	struct zin z;
	struct layers l;
	struct layer *L;
	xmlDocPtr doc = NULL, nd = NULL;
	zip_t *za = NULL;
	zip_source_t *src = NULL;
	size_t i;
	int err;

	memset(&l, 0, sizeof(l));
	if ((err = zin_open(&z, data, len, fmt)) < 0 ||
	    (err = layers_read(&z, fmt, &doc, &l)) < 0 ||
	    (err = layers_find(&l, z.what, element, &L)) < 0 ||
	    (err = collect_files(L->node, fmt, &files, 0)) < 0)
		goto done;
	if (vlt_extract_has_ext(out_name, ".png")) {
		if (fmt != VLT_EXTRACT_ORA || strcmp(L->kind, "layer")) {
			err = vlt_error_set(VLT_E_UNSUPPORTED, "'%s' is %s: "
					    "only an OpenRaster paint layer "
					    "comes out as a PNG (write a .%s)",
					    L->path, fmt == VLT_EXTRACT_KRA ?
					    "a Krita layer" : "a group",
					    fmt == VLT_EXTRACT_KRA ? "kra" :
					    "ora");
			goto done;
		}
		err = zin_read(&z, files.v[0], &res->data);
		goto done;
	}
	if ((err = warn_kinds(L->node, NULL, res, 0)) < 0 ||
	    (err = single_doc(doc, &l, L->node, &nd)) < 0 ||
	    (err = xml_dump(nd, &xml)) < 0 ||
	    (err = zout_new(&za, &src)) < 0)
		goto done;
	if (fmt == VLT_EXTRACT_ORA) {
		if ((err = zout_put(za, "mimetype", "image/openraster", 16,
				    1)) < 0 ||
		    (err = zout_put(za, "stack.xml", xml.data, xml.len, 0)) < 0)
			goto done;
		for (i = 0; i < files.nr; i++)
			if (zip_name_locate(za, files.v[i], 0) < 0 &&
			    (err = copy_member(&z, za, files.v[i], NULL)) < 0)
				goto done;
		if ((err = ora_merged(&z, xmlDocGetRootElement(doc), L->node,
				      za)) < 0)
			goto done;
	} else {
		zip_int64_t n = zip_get_num_entries(z.za, 0), k;

		if ((err = vlt_buf_addf(&prefix, "%s/layers/",
					l.image_name)) < 0 ||
		    (err = zout_put(za, "mimetype", "application/x-krita", 19,
				    1)) < 0 ||
		    (err = zout_put(za, "maindoc.xml", xml.data, xml.len,
				    0)) < 0)
			goto done;
		/* everything but other layers' data and the pictures of the
		 * whole image */
		for (k = 0; k < n; k++) {
			const char *m = zip_get_name(z.za, (zip_uint64_t)k, 0);

			if (!m || !strcmp(m, "mimetype") ||
			    !strcmp(m, "maindoc.xml") ||
			    !strcmp(m, "mergedimage.png") ||
			    !strcmp(m, "preview.png") ||
			    m[strlen(m) - 1] == '/')
				continue;
			if (!strncmp(m, prefix.data, prefix.len) &&
			    !kra_member_of_any(m, prefix.data, &files))
				continue;
			if ((err = copy_member(&z, za, m, NULL)) < 0)
				goto done;
		}
		if ((err = vlt_extract_warn(res, "the extracted Krita file has "
					    "no mergedimage.png (vault does "
					    "not draw Krita layers): Krita "
					    "draws the picture when it opens "
					    "the file, other programs show no "
					    "preview")) < 0)
			goto done;
	}
	err = zout_finish(za, src, &res->data);
	za = NULL;
	src = NULL;
done:
	if (za)
		zip_discard(za);
	vlt_strlist_release(&files);
	vlt_buf_release(&xml);
	vlt_buf_release(&prefix);
	layers_release(&l);
	xmlFreeDoc(doc);
	xmlFreeDoc(nd);
	zin_close(&z);
	return err;
}

/* --- replace ------------------------------------------------------------ */

/* 1 when some member of the archive is the file fn (ORA: the member
 * itself; Krita: fn under prefix, or FN.SUFFIX). */
static int name_taken(zip_t *za, enum vlt_extract_format fmt,
		      const char *prefix, const char *fn,
		      const struct vlt_strlist *freed)
{
	zip_int64_t n = zip_get_num_entries(za, 0), k;
	size_t i;

	for (i = 0; i < freed->nr; i++)
		if (!strcmp(freed->v[i], fn))
			return 0;
	if (fmt == VLT_EXTRACT_ORA)
		return zip_name_locate(za, fn, 0) >= 0;
	for (k = 0; k < n; k++) {
		const char *m = zip_get_name(za, (zip_uint64_t)k, 0);

		if (m && kra_member_of(m, prefix, fn))
			return 1;
	}
	return 0;
}

/* A data file name for the current archive: the old one when free, else
 * the same with "-N" before the extension (ORA) or a number (Krita). */
static int fresh_name(zip_t *za, enum vlt_extract_format fmt,
		      const char *prefix, const char *want,
		      const struct vlt_strlist *freed,
		      const struct vlt_strlist *taken,
		      const struct vlt_strlist *assigned, struct vlt_buf *out)
{
	const char *dot = fmt == VLT_EXTRACT_ORA ? strrchr(want, '.') : NULL;
	size_t stem = dot && !strchr(dot, '/') ? (size_t)(dot - want) :
		      strlen(want);
	unsigned n;

	for (n = 0; n < 100000; n++) {
		size_t i;
		int used;

		vlt_buf_reset(out);
		if (!n) {
			if (vlt_buf_adds(out, want) < 0)
				return VLT_E_NOMEM;
		} else if (vlt_buf_add(out, want, stem) < 0 ||
			   vlt_buf_addf(out, "-%u%s", n,
					want + stem) < 0) {
			return VLT_E_NOMEM;
		}
		used = name_taken(za, fmt, prefix, out->data, freed);
		for (i = 0; i < taken->nr && !used; i++)
			used = !strcmp(taken->v[i], out->data);
		for (i = 0; i < assigned->nr && !used; i++)
			used = !strcmp(assigned->v[i], out->data);
		if (!used)
			return 0;
	}
	return vlt_error_set(VLT_E_GENERIC, "no free member name for %s",
			     want);
}

/* Point every file attribute under n from old names to new ones. */
static void rename_files(xmlNodePtr n, enum vlt_extract_format fmt,
			 const struct vlt_strlist *from,
			 const struct vlt_strlist *to, int depth)
{
	const char *key = fmt == VLT_EXTRACT_KRA ? "filename" : "src";
	xmlNodePtr c;

	if (depth > 130)
		return;
	if (is_elem(n, "layer") || is_elem(n, "mask")) {
		xmlChar *v = xmlGetProp(n, (const xmlChar *)key);
		size_t i;

		for (i = 0; v && i < from->nr; i++)
			if (!strcmp(from->v[i], (const char *)v)) {
				xmlSetProp(n, (const xmlChar *)key,
					   (const xmlChar *)to->v[i]);
				break;
			}
		xmlFree(v);
	}
	for (c = n->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			rename_files(c, fmt, from, to, depth + 1);
}

/* Krita nodes are known by uuid: a layer added beside the old one gets
 * new ones. */
static int new_uuids(xmlNodePtr n, int depth)
{
	xmlNodePtr c;
	int err;

	if (depth > 130)
		return 0;
	if (xmlHasProp(n, (const xmlChar *)"uuid")) {
		unsigned char r[16];
		char s[40];

		if ((err = vlt_random_bytes(r, sizeof(r))) < 0)
			return err;
		r[6] = (r[6] & 0x0f) | 0x40;
		r[8] = (r[8] & 0x3f) | 0x80;
		snprintf(s, sizeof(s), "{%02x%02x%02x%02x-%02x%02x-%02x%02x-"
			 "%02x%02x-%02x%02x%02x%02x%02x%02x}", r[0], r[1],
			 r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9],
			 r[10], r[11], r[12], r[13], r[14], r[15]);
		xmlSetProp(n, (const xmlChar *)"uuid", (const xmlChar *)s);
	}
	for (c = n->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE &&
		    (err = new_uuids(c, depth + 1)) < 0)
			return err;
	return 0;
}

static int has_keyframes(xmlNodePtr n, int depth)
{
	xmlNodePtr c;

	if (depth > 130)
		return 0;
	if (xmlHasProp(n, (const xmlChar *)"keyframes"))
		return 1;
	for (c = n->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && has_keyframes(c, depth + 1))
			return 1;
	return 0;
}

/* Copy the old layer's data files into the current archive under the
 * new names. */
static int copy_files(struct zin *oz, const struct layers *ol, zip_t *za,
		      const struct layers *cl,
		      const struct vlt_strlist *from,
		      const struct vlt_strlist *to)
{
	struct vlt_buf op = VLT_BUF_INIT, cp = VLT_BUF_INIT,
		       dst = VLT_BUF_INIT, b = VLT_BUF_INIT;
	zip_int64_t n, k;
	size_t i;
	int err = 0;

	if (ol->fmt == VLT_EXTRACT_ORA) {
		for (i = 0; i < from->nr && !err; i++)
			err = copy_member(oz, za, from->v[i], to->v[i]);
		return err;
	}
	if ((err = vlt_buf_addf(&op, "%s/layers/", ol->image_name)) < 0 ||
	    (err = vlt_buf_addf(&cp, "%s/layers/", cl->image_name)) < 0)
		goto done;
	n = zip_get_num_entries(oz->za, 0);
	for (k = 0; k < n && !err; k++) {
		const char *m = zip_get_name(oz->za, (zip_uint64_t)k, 0);

		for (i = 0; m && i < from->nr; i++) {
			if (!kra_member_of(m, op.data, from->v[i]))
				continue;
			vlt_buf_reset(&dst);
			if ((err = vlt_buf_addf(&dst, "%s%s%s", cp.data,
						to->v[i], m + op.len +
						strlen(from->v[i]))) < 0 ||
			    (err = copy_index(oz, k, za, dst.data)) < 0)
				break;
			break;
		}
	}
done:
	vlt_buf_release(&op);
	vlt_buf_release(&cp);
	vlt_buf_release(&dst);
	vlt_buf_release(&b);
	return err;
}

/* Delete the current layer's data files that nothing else uses. */
static int delete_files(zip_t *za, const struct layers *cl,
			const struct vlt_strlist *freed,
			const struct vlt_strlist *kept)
{
	struct vlt_buf cp = VLT_BUF_INIT;
	zip_int64_t n = zip_get_num_entries(za, 0), k;
	int err = 0;

	if (cl->fmt == VLT_EXTRACT_KRA &&
	    (err = vlt_buf_addf(&cp, "%s/layers/", cl->image_name)) < 0)
		return err;
	for (k = 0; k < n; k++) {
		const char *m = zip_get_name(za, (zip_uint64_t)k, 0);
		size_t i;
		int gone = 0, keep = 0;

		for (i = 0; m && i < freed->nr; i++)
			if (cl->fmt == VLT_EXTRACT_ORA ?
			    !strcmp(m, freed->v[i]) :
			    kra_member_of(m, cp.data, freed->v[i]))
				gone = 1;
		for (i = 0; gone && i < kept->nr; i++)
			if (cl->fmt == VLT_EXTRACT_ORA ?
			    !strcmp(m, kept->v[i]) :
			    kra_member_of(m, cp.data, kept->v[i]))
				keep = 1;
		if (gone && !keep && zip_delete(za, (zip_uint64_t)k) < 0) {
			err = vlt_error_set(VLT_E_GENERIC, "zip: %s",
					    zip_strerror(za));
			break;
		}
	}
	vlt_buf_release(&cp);
	return err;
}

int vlt_layers_replace(const void *cur, size_t cur_len, const void *old,
		       size_t old_len, enum vlt_extract_format fmt,
		       const char *element, const char *as_name,
		       struct vlt_extract_result *res)
{
	struct vlt_strlist from = VLT_STRLIST_INIT, to = VLT_STRLIST_INIT,
			   freed = VLT_STRLIST_INIT, kept = VLT_STRLIST_INIT;
	struct vlt_buf xml = VLT_BUF_INIT, name = VLT_BUF_INIT,
		       prefix = VLT_BUF_INIT;
	struct zin oz, cz;
	struct layers ol, cl;
	struct layer *OL, *CL = NULL;
	xmlDocPtr odoc = NULL, cdoc = NULL;
	xmlNodePtr copy = NULL;
	zip_error_t ze;
	zip_source_t *src = NULL;
	zip_t *za = NULL;
	size_t i;
	int err;

	memset(&ol, 0, sizeof(ol));
	memset(&cl, 0, sizeof(cl));
	cz.za = NULL;
	zip_error_init(&ze);
	if ((err = zin_open(&oz, old, old_len, fmt)) < 0 ||
	    (err = layers_read(&oz, fmt, &odoc, &ol)) < 0 ||
	    (err = layers_find(&ol, oz.what, element, &OL)) < 0 ||
	    (err = zin_open(&cz, cur, cur_len, fmt)) < 0 ||
	    (err = layers_read(&cz, fmt, &cdoc, &cl)) < 0)
		goto done;
	if (as_name) {
		if (!*as_name || strchr(as_name, '/')) {
			err = vlt_error_set(VLT_E_INVALID, "--as '%s': a layer "
					    "name, without '/'", as_name);
			goto done;
		}
		for (i = 0; i < cl.nr; i++)
			if (!strcmp(cl.v[i].path, as_name)) {
				err = vlt_error_set(VLT_E_EXISTS, "the current "
						    "file already has a layer "
						    "'%s': replace it by that "
						    "name, or choose another "
						    "--as", as_name);
				goto done;
			}
	} else {
		if ((err = layers_find(&cl, cz.what, OL->path, &CL)) < 0) {
			err = vlt_error_wrap(err, "the current version: give "
					     "--as NAME to add the old layer");
			goto done;
		}
		if ((err = collect_files(CL->node, fmt, &freed, 0)) < 0)
			goto done;
	}
	if ((err = collect_files(OL->node, fmt, &from, 0)) < 0 ||
	    (err = warn_kinds(OL->node, &cl, res, 0)) < 0)
		goto done;
	/* every data file the rest of the current document keeps */
	if ((err = collect_files_but(cl.top, CL ? CL->node : NULL, fmt,
				     &kept, 0)) < 0)
		goto done;
	if (fmt == VLT_EXTRACT_KRA &&
	    (err = vlt_buf_addf(&prefix, "%s/layers/", cl.image_name)) < 0)
		goto done;

	if (!(src = zip_source_buffer_create(cur, cur_len, 0, &ze)) ||
	    !(za = zip_open_from_source(src, 0, &ze))) {
		err = vlt_error_set(VLT_E_GENERIC, "zip: %s",
				    zip_error_strerror(&ze));
		if (src)
			zip_source_free(src);
		src = NULL;
		goto done;
	}
	for (i = 0; i < from.nr; i++) {
		/* a paint layer replaced by a paint layer keeps its file */
		const char *want = CL && from.nr == 1 && freed.nr == 1 ?
				   freed.v[0] : from.v[i];

		if ((err = fresh_name(za, fmt, prefix.data ? prefix.data : "",
				      want, &freed, &kept, &to, &name)) < 0 ||
		    (err = vlt_strlist_add(&to, name.data)) < 0)
			goto done;
	}
	if (fmt == VLT_EXTRACT_KRA && has_keyframes(OL->node, 0))
		for (i = 0; i < from.nr; i++)
			if (strcmp(from.v[i], to.v[i])) {
				err = vlt_error_set(VLT_E_UNSUPPORTED, "'%s' is "
						    "animated and its files "
						    "would need new names: "
						    "not supported", OL->path);
				goto done;
			}
	if (!(copy = xmlDocCopyNode(OL->node, cdoc, 1))) {
		err = vlt_error_set(VLT_E_NOMEM, "out of memory");
		goto done;
	}
	rename_files(copy, fmt, &from, &to, 0);
	if (as_name) {
		xmlSetProp(copy, (const xmlChar *)"name",
			   (const xmlChar *)as_name);
		if ((err = new_uuids(copy, 0)) < 0)
			goto done;
		if (!cl.top->children)
			xmlAddChild(cl.top, copy);
		else
			xmlAddPrevSibling(cl.top->children, copy);
	} else {
		xmlNodePtr gone = xmlReplaceNode(CL->node, copy);

		xmlFreeNode(gone);
		CL->node = NULL;
	}
	tidy_ns(cdoc, copy);
	copy = NULL;
	if ((err = delete_files(za, &cl, &freed, &kept)) < 0 ||
	    (err = copy_files(&oz, &ol, za, &cl, &from, &to)) < 0 ||
	    (err = xml_dump(cdoc, &xml)) < 0 ||
	    (err = zout_put(za, stack_member(fmt), xml.data, xml.len, 0)) < 0)
		goto done;
	err = zout_finish(za, src, &res->data);
	za = NULL;
	src = NULL;
	if (!err && zip_name_locate(cz.za, "mergedimage.png", 0) >= 0)
		err = vlt_extract_warn(res, "mergedimage.png and the "
				       "thumbnail still show the picture "
				       "before the replace: vault does not "
				       "redraw the stack (saving the file in "
				       "the painting program does)");
done:
	if (za)
		zip_discard(za);
	xmlFreeNode(copy);
	zip_error_fini(&ze);
	vlt_strlist_release(&from);
	vlt_strlist_release(&to);
	vlt_strlist_release(&freed);
	vlt_strlist_release(&kept);
	vlt_buf_release(&xml);
	vlt_buf_release(&name);
	vlt_buf_release(&prefix);
	layers_release(&ol);
	layers_release(&cl);
	xmlFreeDoc(odoc);
	xmlFreeDoc(cdoc);
	zin_close(&oz);
	zin_close(&cz);
	return err;
}
