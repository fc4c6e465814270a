/*
 * unity.c - GUID references in Unity's text-serialised assets.
 *
 * Unity names every asset by the GUID in the .meta file beside it, and
 * scenes, prefabs, materials and the rest refer to assets by
 * {fileID: N, guid: G, type: T}. A .meta declares an id; every file
 * (a .meta included: importers remap materials by GUID) reports its
 * references. Paths never appear, so a move that takes the .meta along
 * breaks nothing; off/len still point at the guid's 32 hex digits.
 *
 * The YAML is read with libyaml's event parser. Unity's document starts
 * ("--- !u!1 &123456789", sometimes followed by " stripped") are not
 * plain YAML; they are blanked to "---" in a copy of the buffer first, so
 * lines and byte offsets stay those of the file.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "buf.h"
#include "error.h"
#include "parsers.h"

/* Deeper nesting than this is not a Unity asset. */
#define DEPTH_MAX 256

static const char *const unity_exts[] = {
	".meta", ".prefab", ".unity", ".mat", ".asset", ".controller",
	".anim", ".overrideController", ".mask", ".physicMaterial",
	".physicsMaterial2D", ".lighting", ".spriteatlas", ".flare",
	".renderTexture", ".cubemap", ".guiskin", ".fontsettings",
	".mixer", ".brush", ".terrainlayer", ".playable", ".signal",
	".preset",
};

int vlt_asset_unity_handles(const char *path)
{
	size_t i, n = strlen(path);

	for (i = 0; i < sizeof(unity_exts) / sizeof(unity_exts[0]); i++) {
		size_t e = strlen(unity_exts[i]);

		if (n > e && !strcmp(path + n - e, unity_exts[i]))
			return 1;
	}
	return 0;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), e = strlen(suffix);

	return n >= e && !strcmp(s + n - e, suffix);
}

/* 32 hex digits. */
static int is_guid(const char *s, size_t len)
{
	size_t i;

	if (len != 32)
		return 0;
	for (i = 0; i < 32; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f') ||
		      (s[i] >= 'A' && s[i] <= 'F')))
			return 0;
	return 1;
}

/* Unity's built-in resources (0000000000000000e000000000000000, ...f...)
 * and "no asset" (all zeros) are not files of the project. */
static int is_builtin(const char *guid)
{
	return !strncmp(guid, "0000000000000000", 16);
}

/* One open mapping or sequence. */
struct frame {
	int mapping;
	int want_value;		/* mapping: the next node is a value */
	int key_guid, key_fileid;	/* the pending key */
	int has_fileid;
	char guid[33];
	size_t guid_line, guid_col;
};

struct walk {
	const char *path;
	const char *buf;	/* the file, for byte offsets */
	size_t len;
	size_t *lines;		/* byte offset of each line's start */
	size_t nlines;
	const struct vlt_asset_sink *sink;	/* NULL: only check the YAML */
	int meta;
	char *meta_guid;
};

/* Blank Unity's "--- !u!CLASS &ID [stripped]" to "---" and spaces. */
static void blank_doc_starts(char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t eol = i;

		while (eol < len && s[eol] != '\n')
			eol++;
		if (eol - i >= 7 && !memcmp(s + i, "--- !u!", 7))
			memset(s + i + 3, ' ', eol - i - 3);
		i = eol + 1;
	}
}

static int index_lines(struct walk *w)
{
	size_t i, alloc = 0;

	if (VLT_ALLOC_GROW(w->lines, 1, alloc))
		return vlt_error_set(VLT_E_NOMEM, "%s: out of memory", w->path);
	w->lines[0] = 0;
	w->nlines = 1;
	for (i = 0; i < w->len; i++) {
		if (w->buf[i] != '\n')
			continue;
		if (VLT_ALLOC_GROW(w->lines, w->nlines + 1, alloc))
			return vlt_error_set(VLT_E_NOMEM, "%s: out of memory",
					     w->path);
		w->lines[w->nlines++] = i + 1;
	}
	return 0;
}

/* libyaml counts columns in characters: walk UTF-8 to the byte. */
static size_t byte_offset(const struct walk *w, size_t line, size_t col)
{
	size_t off;

	if (line >= w->nlines)
		return w->len;
	off = w->lines[line];
	while (col && off < w->len && w->buf[off] != '\n') {
		off++;
		while (off < w->len && ((unsigned char)w->buf[off] & 0xC0) ==
		       0x80)
			off++;
		col--;
	}
	return off;
}

static int report(struct walk *w, const struct frame *f)
{
	struct vlt_asset_ref ref;
	size_t off = byte_offset(w, f->guid_line, f->guid_col);

	if (!w->sink)
		return 0;
	memset(&ref, 0, sizeof(ref));
	ref.target = f->guid;
	ref.type = VLT_ASSET_ID;
	ref.kind = "guid";
	ref.line = (unsigned)(f->guid_line + 1);
	ref.quoting = VLT_ASSET_RAW;
	if (off + 32 <= w->len && !memcmp(w->buf + off, f->guid, 32)) {
		ref.off = off;
		ref.len = 32;
	}
	return w->sink->ref(&ref, w->sink->ctx);
}

static int yaml_fail(const struct walk *w, const yaml_parser_t *p)
{
	if (p->error == YAML_MEMORY_ERROR)
		return vlt_error_set(VLT_E_NOMEM, "%s: out of memory", w->path);
	return vlt_error_set(VLT_E_CORRUPT, "%s: line %zu: %s%s%s (not valid "
		"YAML)", w->path, p->problem_mark.line + 1,
		p->problem ? p->problem : "parse error",
		p->context ? " " : "", p->context ? p->context : "");
}

/* A scalar, or a collection starting: it is a key or a value. */
static void node_seen(struct frame *top)
{
	if (top && top->mapping) {
		if (top->want_value)
			top->key_guid = top->key_fileid = 0;
		top->want_value = !top->want_value;
	}
}

static int walk_events(struct walk *w, yaml_parser_t *p)
{
	struct frame stack[DEPTH_MAX];
	int depth = 0, r = 0, done = 0;

	while (!done && !r) {
		yaml_event_t ev;
		struct frame *top = depth ? &stack[depth - 1] : NULL;

		if (!yaml_parser_parse(p, &ev))
			return yaml_fail(w, p);
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			depth = 0;
			break;
		case YAML_MAPPING_START_EVENT:
		case YAML_SEQUENCE_START_EVENT:
			if (depth == DEPTH_MAX) {
				r = vlt_error_set(VLT_E_CORRUPT, "%s: line %zu: "
					"nested more than %d deep", w->path,
					ev.start_mark.line + 1, DEPTH_MAX);
				break;
			}
			node_seen(top);
			memset(&stack[depth], 0, sizeof(stack[depth]));
			stack[depth].mapping = ev.type ==
					       YAML_MAPPING_START_EVENT;
			depth++;
			break;
		case YAML_MAPPING_END_EVENT:
		case YAML_SEQUENCE_END_EVENT:
			if (top && top->mapping && top->guid[0] &&
			    top->has_fileid && !is_builtin(top->guid))
				r = report(w, top);
			if (depth)
				depth--;
			break;
		case YAML_SCALAR_EVENT: {
			const char *v = (const char *)ev.data.scalar.value;
			size_t n = ev.data.scalar.length;

			if (top && top->mapping && !top->want_value) {
				top->key_guid = n == 4 && !memcmp(v, "guid", 4);
				top->key_fileid = n == 6 &&
						  !memcmp(v, "fileID", 6);
			} else if (top && top->mapping) {
				if (top->key_fileid)
					top->has_fileid = 1;
				if (top->key_guid && is_guid(v, n)) {
					memcpy(top->guid, v, 32);
					top->guid[32] = '\0';
					top->guid_line = ev.start_mark.line;
					top->guid_col = ev.start_mark.column;
					if (w->meta && depth == 1 &&
					    !w->meta_guid &&
					    !(w->meta_guid = strdup(top->guid)))
						r = vlt_error_set(VLT_E_NOMEM,
							"%s: out of memory",
							w->path);
				}
			}
			node_seen(top);
			break;
		}
		case YAML_ALIAS_EVENT:
			node_seen(top);
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	return r;
}

/* "Assets/x.png.meta" declares "x.png". */
static int declare_meta(struct walk *w)
{
	const char *base = strrchr(w->path, '/');
	struct vlt_asset_id id;
	char *name;
	int r;

	base = base ? base + 1 : w->path;
	if (!(name = strndup(base, strlen(base) - 5)))
		return vlt_error_set(VLT_E_NOMEM, "%s: out of memory", w->path);
	id.id = w->meta_guid;
	id.path = name;
	r = w->sink->id ? w->sink->id(&id, w->sink->ctx) : 0;
	free(name);
	return r;
}

int vlt_asset_unity_parse(const char *path, const void *buf, size_t len,
			  const struct vlt_asset_sink *sink)
{
	struct walk w;
	yaml_parser_t parser;
	char *copy;
	const char *s = buf;
	size_t skip = 0;
	int r, pass;

	memset(&w, 0, sizeof(w));
	w.path = path;
	w.buf = buf;
	w.len = len;
	w.sink = sink;
	w.meta = ends_with(path, ".meta");
	if (len >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3))
		skip = 3;
	if (!w.meta && (len - skip < 5 || memcmp(s + skip, "%YAML", 5)) &&
	    memchr(s, '\0', len < 4096 ? len : 4096))
		return vlt_error_set(VLT_E_UNSUPPORTED, "%s: a binary-"
			"serialised Unity asset; vault reads text assets only "
			"(Project Settings > Editor > Asset Serialization: "
			"Force Text)", path);
	if (memchr(s, '\0', len))
		return vlt_error_set(VLT_E_CORRUPT, "%s: a NUL byte in a text "
				     "asset", path);
	if (!(copy = malloc(len ? len : 1)))
		return vlt_error_set(VLT_E_NOMEM, "%s: out of memory", path);
	if (len)
		memcpy(copy, buf, len);
	blank_doc_starts(copy, len);
	if ((r = index_lines(&w)) < 0) {
		free(copy);
		free(w.lines);
		return r;
	}
	/*
	 * Twice: the first pass only checks the YAML, so a file that turns
	 * out malformed halfway reports nothing.
	 */
	for (pass = 0; pass < 2 && !r; pass++) {
		if (!yaml_parser_initialize(&parser)) {
			r = vlt_error_set(VLT_E_NOMEM, "%s: out of memory",
					  path);
			break;
		}
		yaml_parser_set_input_string(&parser,
					     (const unsigned char *)copy, len);
		w.sink = pass ? sink : NULL;
		r = walk_events(&w, &parser);
		yaml_parser_delete(&parser);
		if (!pass && !r && w.meta && !w.meta_guid)
			r = vlt_error_set(VLT_E_CORRUPT, "%s: a .meta file "
					  "with no guid", path);
	}
	if (!r && w.meta)
		r = declare_meta(&w);
	free(w.meta_guid);
	free(w.lines);
	free(copy);
	return r;
}
