/*
 * config.c - a small git-config-like INI reader and writer (see config.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "error.h"

void vlt_config_init(struct vlt_config *c)
{
	memset(c, 0, sizeof(*c));
}

void vlt_config_release(struct vlt_config *c)
{
	for (size_t i = 0; i < c->nr; i++) {
		free(c->entries[i].key);
		free(c->entries[i].value);
	}
	free(c->entries);
	vlt_config_init(c);
}

static int add_entry(struct vlt_config *c, const char *key, const char *value)
{
	struct vlt_config_entry *e;

	VLT_TRY(VLT_ALLOC_GROW(c->entries, c->nr + 1, c->alloc));
	e = &c->entries[c->nr];
	e->key = strdup(key);
	e->value = strdup(value ? value : "");
	if (!e->key || !e->value) {
		free(e->key);
		free(e->value);
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	}
	c->nr++;
	return 0;
}

/* Parse a value: trim, handle quotes and trailing comments. */
static int parse_value(const char *p, const char *end, struct vlt_buf *out)
{
	int quoted = 0;
	size_t keep = 0;

	vlt_buf_reset(out);
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	for (; p < end; p++) {
		char ch = *p;

		if (ch == '"') {
			quoted = !quoted;
			keep = out->len;
			continue;
		}
		if (!quoted && (ch == '#' || ch == ';'))
			break;
		if (ch == '\\' && p + 1 < end) {
			char n = *++p;

			ch = n == 'n' ? '\n' : n == 't' ? '\t' : n;
			VLT_TRY(vlt_buf_addch(out, ch));
			keep = out->len;
			continue;
		}
		VLT_TRY(vlt_buf_addch(out, ch));
		if (quoted || (ch != ' ' && ch != '\t'))
			keep = out->len;
	}
	if (quoted)
		return vlt_error_set(VLT_E_INVALID, "unterminated quote");
	vlt_buf_setlen(out, keep);
	return 0;
}

int vlt_config_parse(struct vlt_config *c, const char *text, size_t len,
		     const char *name)
{
	struct vlt_buf section = VLT_BUF_INIT, key = VLT_BUF_INIT,
		       value = VLT_BUF_INIT;
	const char *p = text, *end = text + len;
	int lineno = 0, err = 0;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *le = eol ? eol : end;

		lineno++;
		/* A NUL would silently cut a value short; the file is text. */
		if (memchr(p, '\0', (size_t)(le - p))) {
			err = vlt_error_set(VLT_E_INVALID, "%s line %d: NUL byte",
					    name, lineno);
			goto done;
		}
		while (p < le && isspace((unsigned char)*p))
			p++;
		if (p == le || *p == '#' || *p == ';')
			goto next;
		if (*p == '[') {
			const char *q = memchr(p, ']', (size_t)(le - p));
			const char *sp;

			if (!q)
				goto bad;
			vlt_buf_reset(&section);
			sp = memchr(p, ' ', (size_t)(q - p));
			if (sp) {
				/* [section "sub"] */
				const char *q1 = memchr(sp, '"', (size_t)(q - sp));
				const char *q2 = q1 ? memchr(q1 + 1, '"',
							    (size_t)(q - q1 - 1)) : NULL;

				if (!q1 || !q2)
					goto bad;
				if ((err = vlt_buf_add(&section, p + 1,
						       (size_t)(sp - p - 1))) < 0)
					goto done;
				if ((err = vlt_buf_addch(&section, '.')) < 0 ||
				    (err = vlt_buf_add(&section, q1 + 1,
						       (size_t)(q2 - q1 - 1))) < 0)
					goto done;
			} else {
				if ((err = vlt_buf_add(&section, p + 1,
						       (size_t)(q - p - 1))) < 0)
					goto done;
			}
			if (!section.len || section.data[0] == '.')
				goto bad;
			for (const char *k = p + 1; k < (sp ? sp : q); k++)
				if (!isalnum((unsigned char)*k) && *k != '-' &&
				    *k != '.')
					goto bad;
			goto next;
		}
		{
			const char *eq = memchr(p, '=', (size_t)(le - p));
			const char *ke = eq ? eq : le;

			while (ke > p && isspace((unsigned char)ke[-1]))
				ke--;
			if (!section.len || ke == p)
				goto bad;
			for (const char *k = p; k < ke; k++)
				if (!isalnum((unsigned char)*k) && *k != '-' &&
				    *k != '_')
					goto bad;
			vlt_buf_reset(&key);
			if ((err = vlt_buf_addf(&key, "%s.", section.data)) < 0)
				goto done;
			if ((err = vlt_buf_add(&key, p, (size_t)(ke - p))) < 0)
				goto done;
			if (eq) {
				if ((err = parse_value(eq + 1, le, &value)) < 0) {
					vlt_error_set(err, "%s line %d: %s", name,
						      lineno, vlt_error_last());
					goto done;
				}
			} else if ((err = vlt_buf_set(&value, "true", 4)) < 0) {
				goto done;
			}
			/* an empty value ("key =") leaves value.data NULL */
			if ((err = add_entry(c, key.data, value.data ? value.data
							: "")) < 0)
				goto done;
		}
next:
		p = eol ? eol + 1 : end;
	}
	goto done;
bad:
	err = vlt_error_set(VLT_E_INVALID, "%s line %d: syntax error", name,
			    lineno);
done:
	vlt_buf_release(&section);
	vlt_buf_release(&key);
	vlt_buf_release(&value);
	return err;
}

/* Split "a.b.c" into section part "a.b" and name "c". */
static size_t section_len(const char *key)
{
	const char *dot = strrchr(key, '.');

	return dot ? (size_t)(dot - key) : 0;
}

static int format_value(struct vlt_buf *out, const char *v)
{
	int quote = !*v || v[0] == ' ' || v[strlen(v) - 1] == ' ' ||
		    strpbrk(v, "#;") != NULL;

	if (quote)
		VLT_TRY(vlt_buf_addch(out, '"'));
	for (; *v; v++) {
		if (*v == '"' || *v == '\\')
			VLT_TRY(vlt_buf_addch(out, '\\'));
		if (*v == '\n')
			VLT_TRY(vlt_buf_adds(out, "\\n"));
		else
			VLT_TRY(vlt_buf_addch(out, *v));
	}
	if (quote)
		VLT_TRY(vlt_buf_addch(out, '"'));
	return 0;
}

int vlt_config_format(const struct vlt_config *c, struct vlt_buf *out)
{
	char *done = calloc(c->nr ? c->nr : 1, 1);
	int err = 0;

	if (!done)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	vlt_buf_reset(out);
	for (size_t i = 0; i < c->nr && !err; i++) {
		const char *k = c->entries[i].key;
		size_t sl = section_len(k);
		const char *dot = memchr(k, '.', sl);

		if (done[i])
			continue;
		if (dot)
			err = vlt_buf_addf(out, "[%.*s \"%.*s\"]\n", (int)(dot - k),
					   k, (int)(sl - (size_t)(dot - k) - 1),
					   dot + 1);
		else
			err = vlt_buf_addf(out, "[%.*s]\n", (int)sl, k);
		for (size_t j = i; j < c->nr && !err; j++) {
			const char *kj = c->entries[j].key;

			if (done[j] || section_len(kj) != sl || memcmp(kj, k, sl))
				continue;
			done[j] = 1;
			err = vlt_buf_addf(out, "\t%s = ", kj + sl + 1);
			if (!err)
				err = format_value(out, c->entries[j].value);
			if (!err)
				err = vlt_buf_addch(out, '\n');
		}
	}
	free(done);
	return err;
}

/* Keys compare case-insensitively in section and name, exactly in sub. */
static int key_eq(const char *a, const char *b)
{
	size_t sa = section_len(a), sb = section_len(b);
	const char *da = memchr(a, '.', sa), *db = memchr(b, '.', sb);
	size_t ha = da ? (size_t)(da - a) : sa, hb = db ? (size_t)(db - b) : sb;

	if (sa != sb || ha != hb || strncasecmp(a, b, ha))
		return 0;
	if (memcmp(a + ha, b + hb, sa - ha))
		return 0;
	return !strcasecmp(a + sa, b + sb);
}

const char *vlt_config_get(const struct vlt_config *c, const char *key)
{
	for (size_t i = c->nr; i-- > 0;)
		if (key_eq(c->entries[i].key, key))
			return c->entries[i].value;
	return NULL;
}

int vlt_config_set(struct vlt_config *c, const char *key, const char *value)
{
	size_t sl = section_len(key);

	if (!sl || !key[sl + 1])
		return vlt_error_set(VLT_E_INVALID, "bad config key '%s'", key);
	for (size_t i = c->nr; i-- > 0;)
		if (key_eq(c->entries[i].key, key)) {
			char *v = strdup(value);

			if (!v)
				return vlt_error_set(VLT_E_NOMEM, "out of memory");
			free(c->entries[i].value);
			c->entries[i].value = v;
			return 0;
		}
	return add_entry(c, key, value);
}

int vlt_config_get_int(const struct vlt_config *c, const char *key,
		       int64_t *out)
{
	const char *v = vlt_config_get(c, key);
	char *end;
	long long n;

	if (!v)
		return 0;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno || end == v || *end)
		return vlt_error_set(VLT_E_INVALID, "config %s: '%s' is not an "
				     "integer", key, v);
	*out = n;
	return 0;
}

int vlt_config_get_bool(const struct vlt_config *c, const char *key, int *out)
{
	const char *v = vlt_config_get(c, key);

	if (!v)
		return 0;
	if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") ||
	    !strcasecmp(v, "on") || !strcmp(v, "1"))
		*out = 1;
	else if (!strcasecmp(v, "false") || !strcasecmp(v, "no") ||
		 !strcasecmp(v, "off") || !strcmp(v, "0"))
		*out = 0;
	else
		return vlt_error_set(VLT_E_INVALID, "config %s: '%s' is not a "
				     "boolean", key, v);
	return 0;
}

int vlt_parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long n;
	uint64_t mul = 1;

	errno = 0;
	if (!*s || *s == '-')
		goto bad;
	n = strtoull(s, &end, 10);
	if (errno || end == s)
		goto bad;
	switch (tolower((unsigned char)*end)) {
	case '\0': break;
	case 'k': mul = 1024; end++; break;
	case 'm': mul = 1024 * 1024; end++; break;
	case 'g': mul = 1024ull * 1024 * 1024; end++; break;
	default: goto bad;
	}
	if (*end == 'i' || *end == 'I')
		end++;
	if (*end == 'b' || *end == 'B')
		end++;
	if (*end || (mul > 1 && n > UINT64_MAX / mul))
		goto bad;
	*out = n * mul;
	return 0;
bad:
	return vlt_error_set(VLT_E_INVALID, "'%s' is not a size", s);
}

int vlt_config_get_size(const struct vlt_config *c, const char *key,
			uint64_t *out)
{
	const char *v = vlt_config_get(c, key);

	if (!v)
		return 0;
	if (vlt_parse_size(v, out) < 0)
		return vlt_error_set(VLT_E_INVALID, "config %s: '%s' is not a "
				     "size", key, v);
	return 0;
}
