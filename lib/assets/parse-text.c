/*
 * parse-text.c - references in line-oriented text formats: Wavefront
 * OBJ (mtllib) and MTL (texture maps), and Godot's text files (.tscn,
 * .tres, .gd, .gdshader, project.godot, .uid, .import).
 *
 * These formats store paths as plain bytes, so every reference is
 * rewritable in place (VLT_ASSET_RAW). Documentation/vault-assets.md
 * lists what is read from each.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "parsers.h"

/* Report one reference whose text is buf[off, off + len). */
static int emit(const struct vlt_asset_sink *sink, const char *buf,
		size_t off, size_t len, const char *kind, unsigned line,
		int fallback)
{
	struct vlt_asset_ref ref;
	char *target;
	int ret;

	target = malloc(len + 1);
	if (!target)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	memcpy(target, buf + off, len);
	target[len] = '\0';
	memset(&ref, 0, sizeof(ref));
	ref.target = target;
	ref.type = strncmp(target, "uid://", 6) ? VLT_ASSET_PATH
						 : VLT_ASSET_ID;
	ref.kind = kind;
	ref.line = line;
	ref.off = off;
	ref.len = len;
	ref.quoting = VLT_ASSET_RAW;
	ref.fallback = fallback;
	ret = sink->ref(&ref, sink->ctx);
	free(target);
	return ret;
}

static int emit_id(const struct vlt_asset_sink *sink, const char *id,
		   size_t idlen, const char *path)
{
	struct vlt_asset_id decl;
	char *copy, *base;
	const char *slash;
	size_t plen;
	int ret;

	if (!sink->id)
		return 0;
	slash = strrchr(path, '/');
	base = (char *)(slash ? slash + 1 : path);
	plen = strlen(base);
	copy = malloc(idlen + 1 + plen + 1);
	if (!copy)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	memcpy(copy, id, idlen);
	copy[idlen] = '\0';
	memcpy(copy + idlen + 1, base, plen + 1);
	decl.id = copy;
	decl.path = copy + idlen + 1;
	ret = sink->id(&decl, sink->ctx);
	free(copy);
	return ret;
}

/* The next line of buf from *pos: [*start, *end) without its line end. */
static int next_line(const char *buf, size_t len, size_t *pos,
		     size_t *start, size_t *end)
{
	const char *nl;

	if (*pos >= len)
		return 0;
	*start = *pos;
	nl = memchr(buf + *pos, '\n', len - *pos);
	*end = nl ? (size_t)(nl - buf) : len;
	*pos = nl ? *end + 1 : len;
	if (*end > *start && buf[*end - 1] == '\r')
		(*end)--;
	return 1;
}

static size_t skip_space(const char *buf, size_t i, size_t end)
{
	while (i < end && (buf[i] == ' ' || buf[i] == '\t'))
		i++;
	return i;
}

static size_t token_end(const char *buf, size_t i, size_t end)
{
	while (i < end && buf[i] != ' ' && buf[i] != '\t')
		i++;
	return i;
}

static int ends_with_ci(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len >= n && !strncasecmp(s + len - n, suffix, n);
}

static int keyword_is(const char *buf, size_t a, size_t b, const char *kw)
{
	return b - a == strlen(kw) && !strncasecmp(buf + a, kw, b - a);
}

/*
 * OBJ: "mtllib a.mtl b.mtl". Names are separated by spaces, yet tools
 * write names with spaces unquoted ("mtllib my model.mtl"): words are
 * joined until one ends in ".mtl", so both read as meant.
 */
int vlt_asset_obj_parse(const char *path, const void *data, size_t len,
			const struct vlt_asset_sink *sink)
{
	const char *buf = data;
	size_t pos = 0, s, e, i, w, group;
	unsigned line = 0;
	int ret;

	(void)path;
	while (next_line(buf, len, &pos, &s, &e)) {
		line++;
		i = skip_space(buf, s, e);
		w = token_end(buf, i, e);
		if (!keyword_is(buf, i, w, "mtllib"))
			continue;
		i = skip_space(buf, w, e);
		group = i;
		while (i < e) {
			w = token_end(buf, i, e);
			if (ends_with_ci(buf + group, w - group, ".mtl")) {
				if ((ret = emit(sink, buf, group, w - group,
						"mtllib", line, 0)))
					return ret;
				group = skip_space(buf, w, e);
			}
			i = skip_space(buf, w, e);
		}
		while (e > group && (buf[e - 1] == ' ' || buf[e - 1] == '\t'))
			e--;
		if (e > group &&
		    (ret = emit(sink, buf, group, e - group, "mtllib", line, 0)))
			return ret;
	}
	return 0;
}

static int is_number(const char *buf, size_t a, size_t b)
{
	char tmp[64], *end;

	if (b - a == 0 || b - a >= sizeof(tmp))
		return 0;
	memcpy(tmp, buf + a, b - a);
	tmp[b - a] = '\0';
	strtod(tmp, &end);
	return *end == '\0';
}

/* How many words follow an MTL map option; -1: one to three numbers. */
static int option_args(const char *buf, size_t a, size_t b)
{
	static const struct { const char *name; int args; } opts[] = {
		{ "-blendu", 1 }, { "-blendv", 1 }, { "-cc", 1 },
		{ "-clamp", 1 }, { "-bm", 1 }, { "-boost", 1 },
		{ "-texres", 1 }, { "-imfchan", 1 }, { "-type", 1 },
		{ "-mm", 2 }, { "-o", -1 }, { "-s", -1 }, { "-t", -1 },
	};
	size_t k;

	for (k = 0; k < sizeof(opts) / sizeof(opts[0]); k++)
		if (keyword_is(buf, a, b, opts[k].name))
			return opts[k].args;
	return -1;
}

static int mtl_map_keyword(const char *buf, size_t a, size_t b)
{
	static const char *const kws[] = {
		"bump", "disp", "decal", "refl", "norm", NULL,
	};
	size_t k;

	if (b - a > 4 && !strncasecmp(buf + a, "map_", 4))
		return 1;
	for (k = 0; kws[k]; k++)
		if (keyword_is(buf, a, b, kws[k]))
			return 1;
	return 0;
}

/*
 * MTL: "map_Kd [-options args] file name.png". The options come first
 * (each with a known number of words, -o/-s/-t with one to three
 * numbers); the rest of the line is the file name, spaces included.
 */
int vlt_asset_mtl_parse(const char *path, const void *data, size_t len,
			const struct vlt_asset_sink *sink)
{
	const char *buf = data;
	size_t pos = 0, s, e, i, w, kw_s, kw_e;
	unsigned line = 0;
	char kind[32];
	int ret, n;

	(void)path;
	while (next_line(buf, len, &pos, &s, &e)) {
		line++;
		kw_s = skip_space(buf, s, e);
		kw_e = token_end(buf, kw_s, e);
		if (!mtl_map_keyword(buf, kw_s, kw_e))
			continue;
		i = skip_space(buf, kw_e, e);
		while (i < e && buf[i] == '-') {
			w = token_end(buf, i, e);
			if (is_number(buf, i, w))
				break;	/* a file name starting with '-' */
			n = option_args(buf, i, w);
			i = skip_space(buf, w, e);
			if (n < 0) {
				for (n = 0; n < 3 && i < e; n++) {
					w = token_end(buf, i, e);
					if (!is_number(buf, i, w))
						break;
					i = skip_space(buf, w, e);
				}
			} else {
				while (n-- > 0 && i < e)
					i = skip_space(buf, token_end(buf, i, e), e);
			}
		}
		while (e > i && (buf[e - 1] == ' ' || buf[e - 1] == '\t'))
			e--;
		if (e <= i)
			continue;
		n = (int)(kw_e - kw_s < sizeof(kind) ? kw_e - kw_s
						       : sizeof(kind) - 1);
		memcpy(kind, buf + kw_s, n);
		kind[n] = '\0';
		if ((ret = emit(sink, buf, i, e - i, kind, line, 0)))
			return ret;
	}
	return 0;
}

/*
 * The value of attribute key="..." in buf[s, e) (Godot's bracket
 * lines): its position, or 0 when absent.
 */
static int find_attr(const char *buf, size_t s, size_t e, const char *key,
		     size_t *vs, size_t *ve)
{
	size_t klen = strlen(key), i;

	for (i = s; i + klen + 2 <= e; i++) {
		if (buf[i] == '"') {	/* skip a quoted value */
			for (i++; i < e && buf[i] != '"'; i++)
				if (buf[i] == '\\')
					i++;
			continue;
		}
		if ((i == s || buf[i - 1] == ' ' || buf[i - 1] == '[') &&
		    !memcmp(buf + i, key, klen) && buf[i + klen] == '=' &&
		    buf[i + klen + 1] == '"') {
			*vs = i + klen + 2;
			for (*ve = *vs; *ve < e && buf[*ve] != '"'; (*ve)++)
				;
			return *ve < e;
		}
	}
	return 0;
}

/* A string's text names a project file: res://, uid://, or no scheme. */
static int project_string(const char *buf, size_t a, size_t b)
{
	size_t i;

	if (b == a)
		return 0;
	if (b - a >= 6 && (!memcmp(buf + a, "res://", 6) ||
			   !memcmp(buf + a, "uid://", 6)))
		return 1;
	for (i = a; i + 2 < b && isalpha((unsigned char)buf[i]); i++)
		;
	return !(i > a && i + 2 < b && !memcmp(buf + i, "://", 3));
}

/* .tscn / .tres: [gd_scene ... uid=] and [ext_resource ...] lines. */
static int godot_scene(const char *path, const char *buf, size_t len,
		       const struct vlt_asset_sink *sink)
{
	size_t pos = 0, s, e, ps, pe, us, ue;
	unsigned line = 0;
	int ret, has_uid;

	while (next_line(buf, len, &pos, &s, &e)) {
		line++;
		if (e - s < 2 || buf[s] != '[')
			continue;
		if ((!strncmp(buf + s, "[gd_scene", 9) ||
		     !strncmp(buf + s, "[gd_resource", 12)) &&
		    find_attr(buf, s, e, "uid", &us, &ue)) {
			if ((ret = emit_id(sink, buf + us, ue - us, path)))
				return ret;
			continue;
		}
		if (strncmp(buf + s, "[ext_resource", 13))
			continue;
		has_uid = find_attr(buf, s, e, "uid", &us, &ue) &&
			  ue - us > 6 && !memcmp(buf + us, "uid://", 6);
		if (has_uid && (ret = emit(sink, buf, us, ue - us,
					   "ext_resource", line, 0)))
			return ret;
		if (find_attr(buf, s, e, "path", &ps, &pe) && pe > ps &&
		    (ret = emit(sink, buf, ps, pe - ps, "ext_resource", line,
				has_uid)))
			return ret;
	}
	return 0;
}

/*
 * GDScript: preload("..."), load("...") (ResourceLoader.load too) and
 * extends "...". A small tokenizer: comments and strings are skipped
 * as GDScript reads them, so a path in a comment is no reference.
 */
static int godot_script(const char *buf, size_t len,
			const struct vlt_asset_sink *sink)
{
	char prev[16] = "", prev2[16] = "";
	size_t i = 0, a, b, n;
	unsigned line = 1;
	const char *kind;
	int ret, triple;
	char q;

	while (i < len) {
		char c = buf[i];

		if (c == '\n') {
			line++;
			i++;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r') {
			i++;
			continue;
		}
		if (c == '#') {
			while (i < len && buf[i] != '\n')
				i++;
			continue;
		}
		if (c == '"' || c == '\'') {
			unsigned start_line = line;

			q = c;
			triple = i + 2 < len && buf[i + 1] == q && buf[i + 2] == q;
			i += triple ? 3 : 1;
			a = i;
			while (i < len) {
				if (buf[i] == '\\') {
					i += 2;
					continue;
				}
				if (buf[i] == '\n')
					line++;
				if (buf[i] == q && (!triple ||
				    (i + 2 < len && buf[i + 1] == q &&
				     buf[i + 2] == q)))
					break;
				if (!triple && buf[i] == '\n')
					break;
				i++;
			}
			b = i < len ? i : len;
			i = b + (triple ? 3 : 1);
			kind = NULL;
			if (!strcmp(prev, "(") && !strcmp(prev2, "preload"))
				kind = "preload";
			else if (!strcmp(prev, "(") && !strcmp(prev2, "load"))
				kind = "load";
			else if (!strcmp(prev, "extends"))
				kind = "extends";
			if (kind && !triple && project_string(buf, a, b) &&
			    (ret = emit(sink, buf, a, b - a, kind, start_line, 0)))
				return ret;
			strcpy(prev2, prev);
			strcpy(prev, "\"");
			continue;
		}
		a = i;
		if (isalnum((unsigned char)c) || c == '_') {
			while (i < len && (isalnum((unsigned char)buf[i]) ||
					   buf[i] == '_'))
				i++;
		} else {
			i++;
		}
		n = i - a < sizeof(prev) ? i - a : sizeof(prev) - 1;
		strcpy(prev2, prev);
		memcpy(prev, buf + a, n);
		prev[n] = '\0';
	}
	return 0;
}

/* Shaders: #include "..." */
static int godot_shader(const char *buf, size_t len,
			const struct vlt_asset_sink *sink)
{
	size_t pos = 0, s, e, i, a;
	unsigned line = 0;
	int ret;

	while (next_line(buf, len, &pos, &s, &e)) {
		line++;
		i = skip_space(buf, s, e);
		if (e - i < 8 || memcmp(buf + i, "#include", 8))
			continue;
		i = skip_space(buf, i + 8, e);
		if (i >= e || buf[i] != '"')
			continue;
		a = ++i;
		while (i < e && buf[i] != '"')
			i++;
		if (i < e && i > a && (ret = emit(sink, buf, a, i - a,
						  "include", line, 0)))
			return ret;
	}
	return 0;
}

/*
 * project.godot: every string naming a project file ("res://...",
 * "*res://..." for autoloads, "uid://...").
 */
static int godot_project(const char *buf, size_t len,
			 const struct vlt_asset_sink *sink)
{
	size_t pos = 0, s, e, i, a;
	unsigned line = 0;
	int ret, autoload = 0;
	const char *kind;

	while (next_line(buf, len, &pos, &s, &e)) {
		line++;
		i = skip_space(buf, s, e);
		if (i < e && buf[i] == '[') {
			autoload = e - i >= 10 && !memcmp(buf + i, "[autoload]", 10);
			continue;
		}
		kind = autoload ? "autoload" : "setting";
		if (e - i > 15 && !memcmp(buf + i, "run/main_scene=", 15))
			kind = "main_scene";
		else if (e - i > 12 && !memcmp(buf + i, "config/icon=", 12))
			kind = "icon";
		while (i < e) {
			if (buf[i] != '"') {
				i++;
				continue;
			}
			a = ++i;
			while (i < e && buf[i] != '"') {
				if (buf[i] == '\\')
					i++;
				i++;
			}
			if (i > e)
				i = e;
			if (i - a > 1 && buf[a] == '*')
				a++;
			if (i - a > 6 && (!memcmp(buf + a, "res://", 6) ||
					  !memcmp(buf + a, "uid://", 6)) &&
			    (ret = emit(sink, buf, a, i - a, kind, line, 0)))
				return ret;
			i++;
		}
	}
	return 0;
}

/* "x.png.import" -> "x.png": the asset a sidecar belongs to. */
static int sidecar_id(const char *path, const char *suffix, const char *id,
		      size_t idlen, const struct vlt_asset_sink *sink)
{
	size_t plen = strlen(path), slen = strlen(suffix);
	char *asset;
	int ret;

	asset = malloc(plen + 1);
	if (!asset)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	memcpy(asset, path, plen - slen);
	asset[plen - slen] = '\0';
	ret = emit_id(sink, id, idlen, asset);
	free(asset);
	return ret;
}

/* .import: [remap] uid="uid://..." declares the source asset's id;
 * source_file= names it (dest_files under .godot/ are Godot's cache). */
static int godot_import(const char *path, const char *buf, size_t len,
			const struct vlt_asset_sink *sink)
{
	size_t pos = 0, s, e, a, b;
	unsigned line = 0;
	int ret;

	while (next_line(buf, len, &pos, &s, &e)) {
		line++;
		if (e - s > 6 && !memcmp(buf + s, "uid=\"", 5)) {
			a = s + 5;
			for (b = a; b < e && buf[b] != '"'; b++)
				;
			if (b - a > 6 && !memcmp(buf + a, "uid://", 6) &&
			    (ret = sidecar_id(path, ".import", buf + a, b - a,
					      sink)))
				return ret;
		} else if (e - s > 13 && !memcmp(buf + s, "source_file=\"", 13)) {
			a = s + 13;
			for (b = a; b < e && buf[b] != '"'; b++)
				;
			if (b > a && (ret = emit(sink, buf, a, b - a,
						 "source_file", line, 0)))
				return ret;
		}
	}
	return 0;
}

/* .uid (Godot 4.4): one line "uid://...", the id of the file beside it. */
static int godot_uid(const char *path, const char *buf, size_t len,
		     const struct vlt_asset_sink *sink)
{
	size_t e = len;

	while (e > 0 && isspace((unsigned char)buf[e - 1]))
		e--;
	if (e < 7 || memcmp(buf, "uid://", 6) || memchr(buf, '\n', e))
		return vlt_error_set(VLT_E_CORRUPT,
				     "%s: not a Godot .uid file (one line "
				     "\"uid://...\")", path);
	return sidecar_id(path, ".uid", buf, e, sink);
}

static int has_suffix(const char *path, const char *suffix)
{
	return ends_with_ci(path, strlen(path), suffix);
}

int vlt_asset_godot_parse(const char *path, const void *data, size_t len,
			  const struct vlt_asset_sink *sink)
{
	const char *buf = data, *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;

	if (!strcmp(base, "project.godot"))
		return godot_project(buf, len, sink);
	if (has_suffix(path, ".uid"))
		return godot_uid(path, buf, len, sink);
	if (has_suffix(path, ".import"))
		return godot_import(path, buf, len, sink);
	if (has_suffix(path, ".gd"))
		return godot_script(buf, len, sink);
	if (has_suffix(path, ".gdshader") || has_suffix(path, ".gdshaderinc"))
		return godot_shader(buf, len, sink);
	return godot_scene(path, buf, len, sink);
}
