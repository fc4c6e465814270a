/*
 * attributes.c - .vaultattributes parsing and lookup (see attributes.h).
 *
 * Each line becomes one rule: its pattern is held by a vlt_ignore set of
 * its own (lib/ignore.c does all the matching, with .vaultignore's exact
 * semantics and directory anchoring), and its attributes by three
 * values. A lookup tries the rules in the order they were added (defaults,
 * then directories parents first, lines in file order) and lets every
 * match overwrite the attributes it sets, so the last matching line of
 * the deepest file wins, per attribute, as in git.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attributes.h"
#include "buf.h"
#include "config.h"
#include "error.h"
#include "fsutil.h"
#include "ignore.h"
#include "repo.h"

#define UNSPEC (-1)          /* !attr, or a line that does not mention it */
#define CLEAR (-2)           /* !attr: back to unspecified */
#define AUTO (-3)            /* compress=auto */

struct rule {
	struct vlt_ignore *pattern;
	int chunker, compress, delta;   /* UNSPEC, CLEAR, AUTO or a value */
};

struct vlt_attrs {
	struct rule *rules;
	size_t nr, alloc;
};

/*
 * The game profile (attributes.defaults = game; Documentation/
 * vaultattributes.md lists it): no recompression of formats that are
 * compressed already, the asset chunker for formats it follows, deltas
 * for build outputs. *.ktx2 is in both: stored as is (its levels are
 * often supercompressed) and cut at its levels.
 */
static const char game_defaults[] =
	"*.png compress=none\n"
	"*.jpg compress=none\n"
	"*.jpeg compress=none\n"
	"*.ogg compress=none\n"
	"*.mp3 compress=none\n"
	"*.zip compress=none\n"
	"*.pck compress=none\n"
	"*.ktx2 compress=none\n"
	"*.basis compress=none\n"
	"*.wav chunker=asset\n"
	"*.glb chunker=asset\n"
	"*.gltf chunker=asset\n"
	"*.pak chunker=asset\n"
	"*.dds chunker=asset\n"
	"*.ktx2 chunker=asset\n"
	"*.obj chunker=asset\n"
	"Builds/** delta=on\n";

const char *vlt_attrs_defaults_text(const char *name)
{
	if (!strcmp(name, "game"))
		return game_defaults;
	return NULL;
}

int vlt_attrs_new(struct vlt_attrs **out)
{
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	return 0;
}

static void rules_free(struct rule *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		vlt_ignore_free(r[i].pattern);
}

void vlt_attrs_free(struct vlt_attrs *a)
{
	if (!a)
		return;
	rules_free(a->rules, a->nr);
	free(a->rules);
	free(a);
}

static int bad(const char *source, unsigned line, const char *what,
	       const char *tok, size_t n)
{
	return vlt_error_set(VLT_E_INVALID, "%s:%u: %s '%.*s'", source, line,
			     what, (int)n, tok);
}

/* One "attr", "-attr", "!attr" or "attr=value" token into r. */
static int parse_attr(struct rule *r, const char *t, size_t n,
		      const char *source, unsigned line)
{
	const char *eq = memchr(t, '=', n);
	const char *name = t, *val = eq ? eq + 1 : NULL;
	size_t nlen = eq ? (size_t)(eq - t) : n, vlen = eq ? n - nlen - 1 : 0;
	int prefix = 0, *slot;

	if (*t == '-' || *t == '!') {
		if (eq)
			return bad(source, line, "no value allowed after '-' "
				   "or '!':", t, n);
		prefix = *t;
		name++;
		nlen--;
	}
	if (nlen == 7 && !memcmp(name, "chunker", 7))
		slot = &r->chunker;
	else if (nlen == 8 && !memcmp(name, "compress", 8))
		slot = &r->compress;
	else if (nlen == 5 && !memcmp(name, "delta", 5))
		slot = &r->delta;
	else
		return bad(source, line, "unknown attribute (chunker, "
			   "compress, delta):", name, nlen);
	if (prefix == '!') {
		*slot = CLEAR;
		return 0;
	}
	if (slot == &r->delta) {
		if (prefix == '-' || (val && vlen == 3 && !memcmp(val, "off", 3)))
			*slot = 0;
		else if (!val || (vlen == 2 && !memcmp(val, "on", 2)))
			*slot = 1;
		else
			return bad(source, line, "delta is on or off, not", val,
				   vlen);
		return 0;
	}
	if (slot == &r->compress && prefix == '-') {
		*slot = VLT_CODEC_NONE;
		return 0;
	}
	if (!val || prefix)
		return bad(source, line, "needs a value:", t, n);
	{
		char v[16];
		enum vlt_chunker_algo algo;
		enum vlt_codec codec;

		if (vlen >= sizeof(v))
			return bad(source, line, slot == &r->chunker ?
				   "chunker is fixed, fastcdc or asset, not" :
				   "compress is zstd, zlib, none or auto, not",
				   val, vlen);
		memcpy(v, val, vlen);
		v[vlen] = '\0';
		if (slot == &r->chunker) {
			if (vlt_chunker_algo_parse(v, &algo) < 0)
				return bad(source, line, "chunker is fixed, "
					   "fastcdc or asset, not", val, vlen);
			*slot = (int)algo;
		} else if (!strcmp(v, "auto")) {
			*slot = AUTO;
		} else {
			if (vlt_codec_parse(v, &codec) < 0)
				return bad(source, line, "compress is zstd, zlib, "
					   "none or auto, not", val, vlen);
			*slot = (int)codec;
		}
	}
	vlt_error_clear();
	return 0;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* One line (no newline) into *r; 1 if it holds a rule, 0 if blank. */
static int parse_line(const char *dir, const char *s, size_t n,
		      const char *source, unsigned line, struct rule *r)
{
	size_t i = 0, start;
	int err;

	while (i < n && is_space(s[i]))
		i++;
	if (i == n || s[i] == '#')
		return 0;
	if (s[i] == '!')
		return vlt_error_set(VLT_E_INVALID, "%s:%u: negative patterns "
				     "are not allowed (use -attr or !attr)",
				     source, line);
	if (s[i] == '"')
		return vlt_error_set(VLT_E_INVALID, "%s:%u: quoted patterns "
				     "are not supported", source, line);
	start = i;
	while (i < n && !is_space(s[i]))
		i++;
	r->chunker = r->compress = r->delta = UNSPEC;
	if ((err = vlt_ignore_new(0, &r->pattern)) < 0)
		return err;
	if ((err = vlt_ignore_add_rules(r->pattern, dir, s + start, i - start,
					source)) < 0)
		goto fail;
	for (;;) {
		while (i < n && is_space(s[i]))
			i++;
		if (i == n)
			break;
		start = i;
		while (i < n && !is_space(s[i]))
			i++;
		if ((err = parse_attr(r, s + start, i - start, source, line)) < 0)
			goto fail;
	}
	return 1;
fail:
	vlt_ignore_free(r->pattern);
	r->pattern = NULL;
	return err;
}

int vlt_attrs_add(struct vlt_attrs *a, const char *dir, const char *text,
		  size_t len, const char *source_name)
{
	size_t first = a->nr, pos = 0;
	unsigned line = 0;
	int err = 0;

	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		pos = 3;
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		struct rule r = { 0 };

		line++;
		if ((err = parse_line(dir, text + pos, end - pos, source_name,
				      line, &r)) < 0)
			goto fail;
		if (err == 1) {
			if (a->nr == a->alloc) {
				size_t n = a->alloc ? 2 * a->alloc : 16;
				struct rule *p = realloc(a->rules,
							 n * sizeof(*p));

				if (!p) {
					vlt_ignore_free(r.pattern);
					err = vlt_error_set(VLT_E_NOMEM,
							    "out of memory");
					goto fail;
				}
				a->rules = p;
				a->alloc = n;
			}
			a->rules[a->nr++] = r;
		}
		pos = end + 1;
	}
	return 0;
fail:
	rules_free(a->rules + first, a->nr - first);
	a->nr = first;
	return err;
}

int vlt_attrs_load_dir(struct vlt_attrs *a, int dirfd, const char *dir)
{
	struct vlt_buf text = VLT_BUF_INIT, name = VLT_BUF_INIT;
	char chunk[8192];
	int fd, err = 0;

	fd = openat(dirfd, VLT_ATTRIBUTES_FILE, O_RDONLY | O_NOFOLLOW |
		    O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		return vlt_error_set(VLT_E_IO, "%s%s" VLT_ATTRIBUTES_FILE ": %s",
				     dir, *dir ? "/" : "", strerror(errno));
	}
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = vlt_error_set(VLT_E_IO, "%s%s" VLT_ATTRIBUTES_FILE
					    ": %s", dir, *dir ? "/" : "",
					    strerror(errno));
			goto done;
		}
		if (!n)
			break;
		if ((err = vlt_buf_add(&text, chunk, (size_t)n)) < 0)
			goto done;
	}
	if ((err = vlt_buf_addf(&name, "%s%s" VLT_ATTRIBUTES_FILE, dir,
				*dir ? "/" : "")) < 0)
		goto done;
	err = vlt_attrs_add(a, dir, text.len ? (const char *)text.data : "",
			    text.len, name.data);
done:
	close(fd);
	vlt_buf_release(&text);
	vlt_buf_release(&name);
	return err;
}

int vlt_attrs_add_repo(struct vlt_attrs *a, struct vlt_repo *r)
{
	const char *v = vlt_config_get(vlt_repo_config(r),
				       "attributes.defaults");
	const char *text;

	if (!v || !strcmp(v, "none"))
		return 0;
	if (!(text = vlt_attrs_defaults_text(v)))
		return vlt_error_set(VLT_E_INVALID, "config attributes.defaults: "
				     "'%s' is not game or none", v);
	return vlt_attrs_add(a, "", text, strlen(text), "<defaults: game>");
}

static void apply(int *res, int v)
{
	if (v != UNSPEC)
		*res = v;
}

int vlt_attr_lookup(const struct vlt_attrs *a, const char *path,
		    struct vlt_attr_result *res)
{
	int chunker = CLEAR, compress = CLEAR, delta = CLEAR;

	for (size_t i = 0; a && i < a->nr; i++) {
		const struct rule *r = &a->rules[i];

		if (!vlt_ignore_match(r->pattern, path, 0))
			continue;
		apply(&chunker, r->chunker);
		apply(&compress, r->compress);
		apply(&delta, r->delta);
	}
	res->has_chunker = chunker >= 0;
	res->chunker = chunker >= 0 ? (enum vlt_chunker_algo)chunker :
		       VLT_CHUNKER_FASTCDC;
	res->has_compress = compress >= 0;
	res->codec = compress >= 0 ? (enum vlt_codec)compress : VLT_CODEC_ZSTD;
	res->delta = delta >= 0 ? delta : -1;
	return 0;
}
