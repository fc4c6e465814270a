/*
 * parse-gltf.c - references in glTF 2.0: buffers[].uri and images[].uri
 * of a .gltf (JSON) or of a .glb's JSON chunk.
 *
 * The JSON is parsed by jansson. jansson gives no byte positions, so
 * the raw text is scanned for the string tokens that follow a "uri" key
 * and each decoded value is matched to one of them: that span is what a
 * move rewrites (quoting VLT_ASSET_URI: percent-encoded inside a JSON
 * string). data: URIs are embedded content, and URIs with a scheme
 * (http://...) name no project file: neither is a reference.
 *
 * GLB is binary (chunk lengths, 4-byte padding): its references are
 * reported with len == 0, not rewritable in place, and `vault assets
 * mv` lists them as such (Documentation/vault-assets.md).
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "error.h"
#include "parsers.h"

struct span {
	size_t off, len;
	unsigned line;
	int used;
};

/*
 * Every string token that is the value of a "uri" key, in text order.
 * Only strings are tokenised; the JSON itself was checked by jansson.
 */
static int find_uri_spans(const char *buf, size_t len, struct span **out,
			  size_t *nr)
{
	struct span *v = NULL;
	size_t alloc = 0, n = 0, i = 0, a, b, j;
	unsigned line = 1, start;

	while (i < len) {
		if (buf[i] == '\n')
			line++;
		if (buf[i] != '"') {
			i++;
			continue;
		}
		a = ++i;
		start = line;
		while (i < len && buf[i] != '"') {
			if (buf[i] == '\\')
				i++;
			else if (buf[i] == '\n')
				line++;
			i++;
		}
		b = i < len ? i : len;
		i = b + 1;
		if (b - a != 3 || memcmp(buf + a, "uri", 3))
			continue;
		for (j = i; j < len && isspace((unsigned char)buf[j]); j++)
			if (buf[j] == '\n')
				line++;
		if (j >= len || buf[j] != ':')
			continue;	/* the string "uri" as a value */
		for (j++; j < len && isspace((unsigned char)buf[j]); j++)
			if (buf[j] == '\n')
				line++;
		if (j >= len || buf[j] != '"')
			continue;
		a = j + 1;
		for (j = a; j < len && buf[j] != '"'; j++)
			if (buf[j] == '\\')
				j++;
		if (j >= len)
			break;
		if (VLT_ALLOC_GROW(v, n + 1, alloc) < 0) {
			free(v);
			return vlt_error_set(VLT_E_NOMEM, "out of memory");
		}
		v[n].off = a;
		v[n].len = j - a;
		v[n].line = start;
		v[n].used = 0;
		n++;
		i = j + 1;
	}
	*out = v;
	*nr = n;
	return 0;
}

/* Does the raw JSON string text buf[off, off + len) decode to value? */
static int span_is(const char *buf, const struct span *sp, const char *value)
{
	json_t *j;
	char *quoted;
	int same;

	if (sp->len == strlen(value) && !memcmp(buf + sp->off, value, sp->len))
		return 1;
	quoted = malloc(sp->len + 3);
	if (!quoted)
		return 0;
	quoted[0] = '"';
	memcpy(quoted + 1, buf + sp->off, sp->len);
	quoted[sp->len + 1] = '"';
	quoted[sp->len + 2] = '\0';
	j = json_loads(quoted, JSON_DECODE_ANY, NULL);
	free(quoted);
	same = j && json_is_string(j) && !strcmp(json_string_value(j), value);
	json_decref(j);
	return same;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* A relative URI reference -> a path ("%20" -> " "); NULL: not a path. */
static char *uri_to_path(const char *uri)
{
	size_t i, n = 0;
	char *out;
	int hi, lo;

	if (!strncmp(uri, "data:", 5) || !*uri)
		return NULL;
	for (i = 0; isalpha((unsigned char)uri[i]) || uri[i] == '+' ||
		    uri[i] == '-' || uri[i] == '.'; i++)
		;
	if (i > 1 && uri[i] == ':')
		return NULL;	/* a scheme: http:, file:, ... */
	out = malloc(strlen(uri) + 1);
	if (!out)
		return NULL;
	for (i = 0; uri[i]; i++) {
		if (uri[i] == '%' && (hi = hexval((unsigned char)uri[i + 1])) >= 0 &&
		    (lo = hexval((unsigned char)uri[i + 2])) >= 0) {
			out[n++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			out[n++] = uri[i];
		}
	}
	out[n] = '\0';
	return out;
}

static int gltf_json(const char *path, const char *buf, size_t len,
		     int rewritable, const struct vlt_asset_sink *sink)
{
	static const char *const arrays[] = { "buffers", "images" };
	static const char *const kinds[] = { "buffer", "image" };
	struct span *spans = NULL;
	size_t nspans = 0, k, i, s;
	json_error_t jerr;
	json_t *root, *arr, *el, *uri;
	int ret = 0;

	root = json_loadb(buf, len, 0, &jerr);
	if (!root)
		return vlt_error_set(VLT_E_CORRUPT, "%s: line %d: %s", path,
				     jerr.line, jerr.text);
	if (!json_is_object(root)) {
		json_decref(root);
		return vlt_error_set(VLT_E_CORRUPT,
				     "%s: not a glTF document (no JSON object)",
				     path);
	}
	if ((ret = find_uri_spans(buf, len, &spans, &nspans)) < 0)
		goto out;
	for (k = 0; k < 2 && !ret; k++) {
		arr = json_object_get(root, arrays[k]);
		if (!arr)
			continue;
		if (!json_is_array(arr)) {
			ret = vlt_error_set(VLT_E_CORRUPT, "%s: %s is not an array",
					    path, arrays[k]);
			break;
		}
		json_array_foreach(arr, i, el) {
			struct vlt_asset_ref ref;
			const char *value;
			char *target;

			uri = json_object_get(el, "uri");
			if (!uri)
				continue;
			if (!json_is_string(uri)) {
				ret = vlt_error_set(VLT_E_CORRUPT,
						    "%s: %s[%zu].uri is not a string",
						    path, arrays[k], i);
				break;
			}
			value = json_string_value(uri);
			target = uri_to_path(value);
			if (!target)
				continue;
			memset(&ref, 0, sizeof(ref));
			ref.target = target;
			ref.type = VLT_ASSET_PATH;
			ref.kind = kinds[k];
			ref.quoting = VLT_ASSET_URI;
			for (s = 0; s < nspans; s++) {
				if (!spans[s].used && span_is(buf, &spans[s], value)) {
					spans[s].used = 1;
					ref.line = spans[s].line;
					if (rewritable) {
						ref.off = spans[s].off;
						ref.len = spans[s].len;
					}
					break;
				}
			}
			ret = sink->ref(&ref, sink->ctx);
			free(target);
			if (ret)
				break;
		}
	}
out:
	free(spans);
	json_decref(root);
	return ret;
}

int vlt_asset_gltf_parse(const char *path, const void *buf, size_t len,
			 const struct vlt_asset_sink *sink)
{
	return gltf_json(path, buf, len, 1, sink);
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* GLB: 12-byte header ("glTF", version 2, length), then chunks; the
 * first is JSON (format.md of glTF 2.0, "Binary glTF Layout"). */
int vlt_asset_glb_parse(const char *path, const void *data, size_t len,
			const struct vlt_asset_sink *sink)
{
	const unsigned char *p = data;
	uint32_t total, clen;

	if (len < 20 || memcmp(p, "glTF", 4))
		return vlt_error_set(VLT_E_CORRUPT, "%s: not a GLB file "
				     "(too short or no \"glTF\" magic)", path);
	if (le32(p + 4) != 2)
		return vlt_error_set(VLT_E_UNSUPPORTED,
				     "%s: GLB version %u (only 2 is read)", path,
				     le32(p + 4));
	total = le32(p + 8);
	if (total > len)
		return vlt_error_set(VLT_E_CORRUPT, "%s: truncated GLB: header "
				     "says %u bytes, the file has %zu", path,
				     total, len);
	clen = le32(p + 12);
	if (memcmp(p + 16, "JSON", 4))
		return vlt_error_set(VLT_E_CORRUPT,
				     "%s: the first GLB chunk is not JSON", path);
	if (clen > total - 20)
		return vlt_error_set(VLT_E_CORRUPT, "%s: truncated GLB: JSON "
				     "chunk of %u bytes overruns the file",
				     path, clen);
	return gltf_json(path, (const char *)p + 20, clen, 0, sink);
}
