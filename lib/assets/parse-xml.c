/*
 * parse-xml.c - references in XML formats: SVG (href, xlink:href), and
 * the zip containers OpenRaster (.ora: stack.xml) and Krita (.kra:
 * maindoc.xml).
 *
 * XML is parsed by libxml2 with the network off and entities left
 * unsubstituted (no XML_PARSE_NOENT, no DTD loading): an external
 * entity is never fetched and libxml2's amplification checks stop an
 * entity bomb ("billion laughs") with an error. libxml2 gives line
 * numbers but no byte offsets; each attribute's value is located in the
 * raw text (searched from its element's line, in document order) so a
 * move can rewrite exactly those bytes.
 *
 * Zip containers are read with libzip from memory, with limits against
 * zip bombs and member names that would escape the archive (parsers.h).
 * What is a reference: in an .ora, a layer src naming a member of the
 * archive is internal (the normal case) and not reported; a src the
 * archive lacks is reported as a file relative to the .ora's folder. In
 * a .kra, a file layer's source= names an outside file (Krita's "file
 * layer"); paint layers are members and not reported.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <zip.h>

#include "error.h"
#include "parsers.h"

/* --- zip ------------------------------------------------------------- */

static int unsafe_member(const char *name)
{
	const char *p = name;

	if (name[0] == '/' || name[0] == '\\' ||
	    (name[0] && name[1] == ':'))
		return 1;
	while (*p) {
		size_t n = strcspn(p, "/\\");

		if (n == 2 && p[0] == '.' && p[1] == '.')
			return 1;
		p += n;
		if (*p)
			p++;
	}
	return 0;
}

static int zip_fail(const char *path, zip_error_t *ze, const char *what)
{
	int ret = vlt_error_set(VLT_E_CORRUPT, "%s: %s: %s", path, what,
				zip_error_strerror(ze));

	zip_error_fini(ze);
	return ret;
}

int vlt_asset_zip_read(const char *path, const void *buf, size_t len,
		       const char *member, struct vlt_buf *out,
		       struct vlt_strlist *names)
{
	zip_error_t ze;
	zip_source_t *src;
	zip_t *za;
	zip_file_t *zf = NULL;
	zip_int64_t n, i, got;
	zip_stat_t st;
	unsigned long long total = 0;
	int ret = 0, found = -1;

	zip_error_init(&ze);
	src = zip_source_buffer_create(len ? buf : "", len, 0, &ze);
	if (!src)
		return zip_fail(path, &ze, "cannot read the zip");
	za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
	if (!za) {
		zip_source_free(src);
		return zip_fail(path, &ze, "not a valid zip container");
	}
	zip_error_fini(&ze);
	n = zip_get_num_entries(za, 0);
	if (n < 0 || n > VLT_ZIP_MAX_MEMBERS) {
		ret = vlt_error_set(VLT_E_CORRUPT, "%s: %lld members (at most "
				    "%d are read)", path, (long long)n,
				    VLT_ZIP_MAX_MEMBERS);
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (zip_stat_index(za, i, 0, &st) < 0 ||
		    !(st.valid & ZIP_STAT_NAME) || !(st.valid & ZIP_STAT_SIZE) ||
		    !(st.valid & ZIP_STAT_COMP_SIZE)) {
			ret = vlt_error_set(VLT_E_CORRUPT, "%s: unreadable "
					    "zip entry %lld", path, (long long)i);
			goto out;
		}
		if (unsafe_member(st.name)) {
			ret = vlt_error_set(VLT_E_UNSAFE, "%s: member \"%s\" "
					    "points outside the archive "
					    "(absolute or with ..): refused",
					    path, st.name);
			goto out;
		}
		if (st.size > VLT_ZIP_MAX_MEMBER ||
		    (st.size > VLT_ZIP_RATIO_MIN &&
		     (st.comp_size == 0 ||
		      st.size / st.comp_size > VLT_ZIP_MAX_RATIO))) {
			ret = vlt_error_set(VLT_E_CORRUPT, "%s: member \"%s\" "
					    "expands to %llu bytes from %llu: "
					    "looks like a zip bomb, refused",
					    path, st.name,
					    (unsigned long long)st.size,
					    (unsigned long long)st.comp_size);
			goto out;
		}
		total += st.size;
		if (total > VLT_ZIP_MAX_TOTAL) {
			ret = vlt_error_set(VLT_E_CORRUPT, "%s: members expand "
					    "to more than %llu bytes: refused",
					    path, VLT_ZIP_MAX_TOTAL);
			goto out;
		}
		if (names && (ret = vlt_strlist_add(names, st.name)) < 0)
			goto out;
		if (!strcmp(st.name, member))
			found = (int)i;
	}
	if (names)
		vlt_strlist_sort(names);
	if (found < 0) {
		ret = vlt_error_set(VLT_E_NOTFOUND, "%s: no %s in the archive",
				    path, member);
		goto out;
	}
	if (zip_stat_index(za, found, 0, &st) < 0 || st.size > VLT_ZIP_MAX_XML) {
		ret = vlt_error_set(VLT_E_CORRUPT, "%s: %s is larger than %llu "
				    "bytes", path, member, VLT_ZIP_MAX_XML);
		goto out;
	}
	zf = zip_fopen_index(za, found, 0);
	vlt_buf_reset(out);
	if (!zf || (ret = vlt_buf_grow(out, st.size + 1)) < 0) {
		ret = ret ? ret : vlt_error_set(VLT_E_CORRUPT, "%s: cannot open "
						"%s: %s", path, member,
						zip_strerror(za));
		goto out;
	}
	got = zip_fread(zf, out->data, st.size + 1);
	if (got < 0 || (zip_uint64_t)got != st.size) {
		ret = vlt_error_set(VLT_E_CORRUPT, "%s: %s: damaged (%s)", path,
				    member, got < 0 ? zip_file_strerror(zf)
						    : "wrong size");
		goto out;
	}
	vlt_buf_setlen(out, (size_t)got);
out:
	if (zf)
		zip_fclose(zf);
	zip_discard(za);
	return ret;
}

int vlt_asset_zip_replace(const char *zip_path, size_t nr,
			  const char *const *members,
			  const struct vlt_buf *data)
{
	zip_source_t *src;
	zip_int64_t idx;
	zip_t *za;
	size_t i;
	int err, fd;

	za = zip_open(zip_path, 0, &err);
	if (!za)
		return vlt_error_set(VLT_E_IO, "%s: cannot open the zip to "
				     "rewrite it (libzip error %d)", zip_path,
				     err);
	for (i = 0; i < nr; i++) {
		idx = zip_name_locate(za, members[i], 0);
		src = idx < 0 ? NULL : zip_source_buffer(za, data[i].data,
							  data[i].len, 0);
		if (!src || zip_file_replace(za, idx, src, 0) < 0) {
			if (src)
				zip_source_free(src);
			err = vlt_error_set(VLT_E_IO, "%s: cannot replace %s: %s",
					    zip_path, members[i], zip_strerror(za));
			zip_discard(za);
			return err;
		}
	}
	if (zip_close(za) < 0) {
		err = vlt_error_set(VLT_E_IO, "%s: cannot write the zip: %s",
				    zip_path, zip_strerror(za));
		zip_discard(za);
		return err;
	}
	fd = open(zip_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0) {
		err = vlt_error_set(VLT_E_IO, "fsync %s: %s", zip_path,
				    strerror(errno));
		if (fd >= 0)
			close(fd);
		return err;
	}
	close(fd);
	return 0;
}

/* --- XML ------------------------------------------------------------- */

struct xml_walk {
	const char *path;	/* the file, for messages */
	const char *member;	/* NULL for a plain SVG */
	const char *raw;	/* the XML's bytes */
	size_t len;
	size_t *lines;		/* byte offset of each line's start */
	size_t nlines;
	size_t cursor;		/* end of the last value located */
	const struct vlt_asset_sink *sink;
	const struct vlt_strlist *internal;	/* archive members (ORA) */
};

static int parse_xml(const char *path, const char *member, const char *buf,
		     size_t len, xmlDocPtr *out)
{
	xmlParserCtxtPtr ctxt;
	xmlDocPtr doc;
	const xmlError *e;
	int ret = 0;

	if (len > (size_t)0x7fffffff)
		return vlt_error_set(VLT_E_INVALID, "%s: XML too large", path);
	ctxt = xmlNewParserCtxt();
	if (!ctxt)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	doc = xmlCtxtReadMemory(ctxt, buf, (int)len, NULL, NULL,
				XML_PARSE_NONET | XML_PARSE_NOERROR |
				XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
	e = xmlCtxtGetLastError(ctxt);
	if (!doc || (e && e->level >= XML_ERR_ERROR)) {
		char msg[200] = "not well-formed";
		size_t n;

		if (e && e->message) {
			n = strlen(e->message);
			while (n && e->message[n - 1] == '\n')
				n--;
			snprintf(msg, sizeof(msg), "%.*s", (int)n, e->message);
			/* libxml2's messages may run over lines ("Bytes:") */
			for (n = 0; msg[n]; n++)
				if (msg[n] == '\n')
					msg[n] = ' ';
		}
		ret = vlt_error_set(VLT_E_CORRUPT, "%s%s%s: line %d: malformed "
				    "XML: %s", path, member ? ": " : "",
				    member ? member : "", e ? e->line : 0, msg);
		xmlFreeDoc(doc);
		doc = NULL;
	}
	xmlFreeParserCtxt(ctxt);
	*out = doc;
	return ret;
}

static int index_lines(struct xml_walk *w)
{
	size_t alloc = 0, i;

	w->nlines = 0;
	w->lines = NULL;
	if (VLT_ALLOC_GROW(w->lines, 1, alloc) < 0)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	w->lines[w->nlines++] = 0;
	for (i = 0; i < w->len; i++)
		if (w->raw[i] == '\n') {
			if (VLT_ALLOC_GROW(w->lines, w->nlines + 1, alloc) < 0)
				return vlt_error_set(VLT_E_NOMEM, "out of memory");
			w->lines[w->nlines++] = i + 1;
		}
	return 0;
}

/* Decode XML character references and the five entities of raw[a, b). */
static int xml_text_is(const char *raw, size_t a, size_t b, const char *value)
{
	static const struct { const char *ent; char c; } ents[] = {
		{ "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' },
		{ "&quot;", '"' }, { "&apos;", '\'' },
	};
	size_t i = a, k, v = 0;

	while (i < b) {
		if (raw[i] == '&') {
			for (k = 0; k < 5; k++) {
				size_t n = strlen(ents[k].ent);

				if (b - i >= n && !memcmp(raw + i, ents[k].ent, n)) {
					if (value[v++] != ents[k].c)
						return 0;
					i += n;
					break;
				}
			}
			if (k == 5)
				return 0;	/* &#..; or a named entity */
			continue;
		}
		if (value[v++] != raw[i++])
			return 0;
	}
	return value[v] == '\0';
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * Find attribute `name` (local name; any prefix) with `value` in the raw
 * text from the element's line on: its value's [*off, *off + *len).
 */
static int locate(struct xml_walk *w, long line, const char *name,
		  const char *value, size_t *off, size_t *vlen)
{
	size_t nlen = strlen(name), i, j, a;
	char q;

	i = line > 0 && (size_t)line <= w->nlines ? w->lines[line - 1] : 0;
	if (i < w->cursor)
		i = w->cursor;
	for (; i + nlen < w->len; i++) {
		if (memcmp(w->raw + i, name, nlen) || i == 0 ||
		    !(is_space(w->raw[i - 1]) || w->raw[i - 1] == ':'))
			continue;
		j = i + nlen;
		while (j < w->len && is_space(w->raw[j]))
			j++;
		if (j >= w->len || w->raw[j] != '=')
			continue;
		j++;
		while (j < w->len && is_space(w->raw[j]))
			j++;
		if (j >= w->len || (w->raw[j] != '"' && w->raw[j] != '\''))
			continue;
		q = w->raw[j];
		a = ++j;
		while (j < w->len && w->raw[j] != q)
			j++;
		if (j >= w->len)
			return 0;
		if (xml_text_is(w->raw, a, j, value)) {
			*off = a;
			*vlen = j - a;
			w->cursor = j;
			return 1;
		}
	}
	return 0;
}

static int emit_attr(struct xml_walk *w, xmlNodePtr node, const char *attr,
		     const char *value, const char *kind, size_t cut)
{
	struct vlt_asset_ref ref;
	size_t off = 0, vlen = 0;
	char *target;
	int ret;

	target = strndup(value, cut);
	if (!target)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	memset(&ref, 0, sizeof(ref));
	ref.target = target;
	ref.type = VLT_ASSET_PATH;
	ref.kind = kind;
	ref.line = (unsigned)xmlGetLineNo(node);
	ref.member = w->member;
	ref.quoting = VLT_ASSET_XML;
	if (locate(w, xmlGetLineNo(node), attr, value, &off, &vlen)) {
		/* "a.svg#id": only the path part is rewritten */
		const char *hash = memchr(w->raw + off, '#', vlen);

		size_t lo = 0, hi = w->nlines;

		ref.off = off;
		ref.len = hash ? (size_t)(hash - (w->raw + off)) : vlen;
		/* the line of the value itself (libxml2 gives the line where
		 * the start tag ends) */
		while (hi - lo > 1) {
			size_t mid = lo + (hi - lo) / 2;

			if (w->lines[mid] <= off)
				lo = mid;
			else
				hi = mid;
		}
		ref.line = (unsigned)lo + 1;
	}
	ret = w->sink->ref(&ref, w->sink->ctx);
	free(target);
	return ret;
}

/* A link in an href: "#id" is inside the document, "http:"/"data:" no file. */
static size_t href_path_len(const char *v)
{
	size_t i;

	if (!*v || *v == '#')
		return 0;
	for (i = 0; (v[i] >= 'a' && v[i] <= 'z') || (v[i] >= 'A' && v[i] <= 'Z') ||
		    v[i] == '+' || v[i] == '-' || v[i] == '.'; i++)
		;
	if (i > 1 && v[i] == ':')
		return 0;
	return strcspn(v, "#?");
}

static int walk_svg(struct xml_walk *w, xmlNodePtr node)
{
	xmlAttrPtr a;
	int ret;

	for (; node; node = node->next) {
		if (node->type != XML_ELEMENT_NODE)
			continue;
		for (a = node->properties;
		     a && xmlStrcmp(node->name, BAD_CAST "a"); a = a->next) {
			xmlChar *v;
			size_t cut;

			if (xmlStrcmp(a->name, BAD_CAST "href"))
				continue;
			v = xmlNodeGetContent((xmlNodePtr)a);
			if (!v)
				continue;
			cut = href_path_len((const char *)v);
			ret = cut ? emit_attr(w, node, "href", (const char *)v,
					      "href", cut) : 0;
			xmlFree(v);
			if (ret)
				return ret;
		}
		if ((ret = walk_svg(w, node->children)))
			return ret;
	}
	return 0;
}

/* ORA stack.xml: <layer src=...> not in the archive; KRA maindoc.xml:
 * <layer nodetype="filelayer" source=...>. */
static int walk_layers(struct xml_walk *w, xmlNodePtr node, int kra)
{
	const char *attr = kra ? "source" : "src";
	xmlChar *v, *type;
	int ret = 0;

	for (; node; node = node->next) {
		if (node->type != XML_ELEMENT_NODE)
			continue;
		if (!xmlStrcmp(node->name, BAD_CAST "layer") &&
		    (v = xmlGetProp(node, BAD_CAST attr))) {
			int want = *v != '\0';

			if (kra) {
				type = xmlGetProp(node, BAD_CAST "nodetype");
				want = want && type &&
				       !xmlStrcmp(type, BAD_CAST "filelayer");
				xmlFree(type);
			} else {
				want = want && !vlt_strlist_has_sorted(
						w->internal, (const char *)v);
			}
			if (want)
				ret = emit_attr(w, node, attr, (const char *)v,
						kra ? "filelayer" : "layer",
						strlen((const char *)v));
			xmlFree(v);
			if (ret)
				return ret;
		}
		if ((ret = walk_layers(w, node->children, kra)))
			return ret;
	}
	return 0;
}

static int xml_refs(const char *path, const char *member, const char *buf,
		    size_t len, const struct vlt_strlist *internal, int kind,
		    const struct vlt_asset_sink *sink)
{
	struct xml_walk w;
	xmlDocPtr doc;
	int ret;

	if ((ret = parse_xml(path, member, buf, len, &doc)) < 0)
		return ret;
	memset(&w, 0, sizeof(w));
	w.path = path;
	w.member = member;
	w.raw = buf;
	w.len = len;
	w.sink = sink;
	w.internal = internal;
	if ((ret = index_lines(&w)) == 0) {
		xmlNodePtr root = xmlDocGetRootElement(doc);

		if (kind == 0)
			ret = walk_svg(&w, root);
		else
			ret = walk_layers(&w, root, kind == 2);
	}
	free(w.lines);
	xmlFreeDoc(doc);
	return ret;
}

int vlt_asset_svg_parse(const char *path, const void *buf, size_t len,
			const struct vlt_asset_sink *sink)
{
	return xml_refs(path, NULL, buf, len, NULL, 0, sink);
}

static int container(const char *path, const void *buf, size_t len,
		     const char *member, int kind,
		     const struct vlt_asset_sink *sink)
{
	struct vlt_strlist names = VLT_STRLIST_INIT;
	struct vlt_buf xml = VLT_BUF_INIT;
	int ret;

	ret = vlt_asset_zip_read(path, buf, len, member, &xml, &names);
	if (ret == 0)
		ret = xml_refs(path, member, xml.data, xml.len, &names, kind,
			       sink);
	vlt_buf_release(&xml);
	vlt_strlist_release(&names);
	return ret;
}

int vlt_asset_ora_parse(const char *path, const void *buf, size_t len,
			const struct vlt_asset_sink *sink)
{
	return container(path, buf, len, "stack.xml", 1, sink);
}

int vlt_asset_kra_parse(const char *path, const void *buf, size_t len,
			const struct vlt_asset_sink *sink)
{
	return container(path, buf, len, "maindoc.xml", 2, sink);
}
