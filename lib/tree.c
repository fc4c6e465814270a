/*
 * tree.c - encoding and decoding of file, tree and snapshot objects.
 *
 * Binary layouts (file, tree) use LEB128 varints; snapshots are text, in
 * the style of git commits. See Documentation/format.md.
 */
#include <ctype.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "tree.h"

#define FILE_VERSION 1
#define TREE_VERSION 1

/* --- file objects ---------------------------------------------------- */

void vlt_file_init(struct vlt_file *f)
{
	memset(f, 0, sizeof(*f));
}

void vlt_file_release(struct vlt_file *f)
{
	free(f->chunks);
	vlt_file_init(f);
}

int vlt_file_add(struct vlt_file *f, const struct vlt_oid *oid, uint32_t len)
{
	VLT_TRY(VLT_ALLOC_GROW(f->chunks, f->nr + 1, f->alloc));
	f->chunks[f->nr].oid = *oid;
	f->chunks[f->nr].len = len;
	f->nr++;
	f->size += len;
	return 0;
}

int vlt_file_encode(const struct vlt_file *f, struct vlt_buf *out)
{
	vlt_buf_reset(out);
	VLT_TRY(vlt_buf_grow(out, 16 + f->nr * (VLT_OID_RAWSZ + 5)));
	VLT_TRY(vlt_buf_addch(out, FILE_VERSION));
	VLT_TRY(vlt_buf_add_varint(out, f->size));
	VLT_TRY(vlt_buf_add_varint(out, f->nr));
	for (size_t i = 0; i < f->nr; i++) {
		VLT_TRY(vlt_buf_add(out, f->chunks[i].oid.id, VLT_OID_RAWSZ));
		VLT_TRY(vlt_buf_add_varint(out, f->chunks[i].len));
	}
	return 0;
}

int vlt_file_decode(const void *data, size_t len, struct vlt_file *f)
{
	const unsigned char *p = data, *end = p + len;
	uint64_t size, count, sum = 0;

	vlt_file_init(f);
	if (len < 1 || *p++ != FILE_VERSION)
		return vlt_error_set(VLT_E_CORRUPT, "file object: bad version");
	if (vlt_varint_get(&p, end, &size) < 0 ||
	    vlt_varint_get(&p, end, &count) < 0)
		return vlt_error_set(VLT_E_CORRUPT, "file object: truncated");
	if (count > (uint64_t)(end - p) / (VLT_OID_RAWSZ + 1))
		return vlt_error_set(VLT_E_CORRUPT, "file object: bad chunk count");
	for (uint64_t i = 0; i < count; i++) {
		struct vlt_oid oid;
		uint64_t clen;
		int err;

		if (end - p < VLT_OID_RAWSZ)
			goto trunc;
		memcpy(oid.id, p, VLT_OID_RAWSZ);
		p += VLT_OID_RAWSZ;
		if (vlt_varint_get(&p, end, &clen) < 0 || clen == 0 ||
		    clen > UINT32_MAX)
			goto trunc;
		if ((err = vlt_file_add(f, &oid, (uint32_t)clen)) < 0) {
			vlt_file_release(f);
			return err;
		}
		sum += clen;
	}
	if (p != end || sum != size) {
		vlt_file_release(f);
		return vlt_error_set(VLT_E_CORRUPT, "file object: sizes do not add "
				     "up");
	}
	return 0;
trunc:
	vlt_file_release(f);
	return vlt_error_set(VLT_E_CORRUPT, "file object: truncated");
}

/* --- trees ----------------------------------------------------------- */

void vlt_tree_init(struct vlt_tree *t)
{
	memset(t, 0, sizeof(*t));
}

void vlt_tree_release(struct vlt_tree *t)
{
	for (size_t i = 0; i < t->nr; i++)
		free(t->entries[i].name);
	free(t->entries);
	vlt_tree_init(t);
}

const char *vlt_entry_type_name(enum vlt_entry_type t)
{
	switch (t) {
	case VLT_ENTRY_FILE: return "file";
	case VLT_ENTRY_DIR: return "tree";
	case VLT_ENTRY_SYMLINK: return "symlink";
	}
	return "unknown";
}

int vlt_tree_depth_check(size_t depth, const char *path)
{
	size_t n = path ? strlen(path) : 0;

	if (depth <= VLT_TREE_DEPTH_MAX)
		return 0;
	if (n > 80)
		return vlt_error_set(VLT_E_CORRUPT, "%.36s...%s: directories "
				     "nested deeper than the format's limit of "
				     "%d levels", path, path + n - 36,
				     VLT_TREE_DEPTH_MAX);
	return vlt_error_set(VLT_E_CORRUPT, "%s: directories nested deeper "
			     "than the format's limit of %d levels",
			     n ? path : "/", VLT_TREE_DEPTH_MAX);
}

/* The next code point of UTF-8 text at *p, skipping those HFS+ ignores
 * when it compares names (git's next_hfs_char); 0 at the end, -1 for bad
 * UTF-8. */
static long next_hfs_char(const unsigned char **p)
{
	for (;;) {
		const unsigned char *s = *p;
		long c;
		int n;

		if (!*s)
			return 0;
		if (s[0] < 0x80) {
			c = s[0];
			n = 1;
		} else if ((s[0] & 0xe0) == 0xc0) {
			c = s[0] & 0x1f;
			n = 2;
		} else if ((s[0] & 0xf0) == 0xe0) {
			c = s[0] & 0x0f;
			n = 3;
		} else if ((s[0] & 0xf8) == 0xf0) {
			c = s[0] & 0x07;
			n = 4;
		} else {
			return -1;
		}
		for (int i = 1; i < n; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return -1;
			c = c << 6 | (s[i] & 0x3f);
		}
		*p = s + n;
		if ((c >= 0x200c && c <= 0x200f) || (c >= 0x202a && c <= 0x202e) ||
		    (c >= 0x206a && c <= 0x206f) || c == 0xfeff)
			continue;
		return c;
	}
}

/* HFS+: "." + needle compared case-insensitively, ignorables skipped. */
static int is_hfs_dot(const char *name, const char *needle)
{
	const unsigned char *p = (const unsigned char *)name;
	long c = next_hfs_char(&p);

	if (c != '.')
		return 0;
	for (; *needle; needle++) {
		c = next_hfs_char(&p);
		if (c <= 0 || c > 127 || tolower((int)c) != *needle)
			return 0;
	}
	c = next_hfs_char(&p);
	return c == 0 || c == '/';
}

/* NTFS: the component ends at '\\' or ':' too, and trailing spaces and
 * dots are dropped. 1 if its first skip bytes are followed by nothing
 * else. */
static int ntfs_rest_blank(const char *name, size_t skip)
{
	size_t len = strcspn(name, "\\/:");

	if (len < skip)
		return 0;
	for (size_t i = skip; i < len; i++)
		if (name[i] != ' ' && name[i] != '.')
			return 0;
	return 1;
}

int vlt_name_is_dotgit(const char *name)
{
	if (is_hfs_dot(name, "git"))
		return 1;
	return (!strncasecmp(name, ".git", 4) && ntfs_rest_blank(name, 4)) ||
	       (!strncasecmp(name, "git~1", 5) && ntfs_rest_blank(name, 5));
}

int vlt_name_is_dotgitmodules(const char *name)
{
	if (is_hfs_dot(name, "gitmodules"))
		return 1;
	if (!strncasecmp(name, ".gitmodules", 11) && ntfs_rest_blank(name, 11))
		return 1;
	/* NTFS 8.3 short names: "gitmod~1".."gitmod~4", and git's hashed
	 * "gi7eba~N" form */
	if ((!strncasecmp(name, "gitmod~", 7) ||
	     !strncasecmp(name, "gi7eba~", 7)) &&
	    name[7] >= '1' && name[7] <= '9' && ntfs_rest_blank(name, 8))
		return 1;
	return 0;
}

int vlt_tree_name_valid(const char *name, size_t len)
{
	if (len == 0 || (len == 1 && name[0] == '.') ||
	    (len == 2 && name[0] == '.' && name[1] == '.'))
		return 0;
	return !memchr(name, '/', len) && !memchr(name, '\0', len);
}

int vlt_tree_add(struct vlt_tree *t, const char *name,
		 enum vlt_entry_type type, uint32_t mode, uint64_t size,
		 int64_t mtime_sec, uint32_t mtime_nsec,
		 const struct vlt_oid *oid)
{
	struct vlt_tree_entry *e;
	char *copy = strdup(name);

	if (!copy)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	if (VLT_ALLOC_GROW(t->entries, t->nr + 1, t->alloc) < 0) {
		free(copy);
		return VLT_E_NOMEM;
	}
	e = &t->entries[t->nr++];
	e->name = copy;
	e->type = type;
	e->mode = mode & 07777;
	e->size = size;
	e->mtime_sec = mtime_sec;
	e->mtime_nsec = mtime_nsec;
	e->oid = *oid;
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct vlt_tree_entry *)a)->name,
		      ((const struct vlt_tree_entry *)b)->name);
}

static uint64_t zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static int64_t unzigzag(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

int vlt_tree_encode(struct vlt_tree *t, struct vlt_buf *out)
{
	if (t->nr > 1)
		qsort(t->entries, t->nr, sizeof(*t->entries), cmp_entry);
	vlt_buf_reset(out);
	VLT_TRY(vlt_buf_addch(out, TREE_VERSION));
	VLT_TRY(vlt_buf_add_varint(out, t->nr));
	for (size_t i = 0; i < t->nr; i++) {
		const struct vlt_tree_entry *e = &t->entries[i];
		size_t n = strlen(e->name);

		if (!vlt_tree_name_valid(e->name, n))
			return vlt_error_set(VLT_E_INVALID, "bad entry name '%s'",
					     e->name);
		if (i && !strcmp(e->name, t->entries[i - 1].name))
			return vlt_error_set(VLT_E_INVALID, "duplicate entry '%s'",
					     e->name);
		VLT_TRY(vlt_buf_addch(out, e->type));
		VLT_TRY(vlt_buf_add_varint(out, e->mode));
		VLT_TRY(vlt_buf_add_varint(out, n));
		VLT_TRY(vlt_buf_add(out, e->name, n));
		VLT_TRY(vlt_buf_add_varint(out, e->size));
		VLT_TRY(vlt_buf_add_varint(out, zigzag(e->mtime_sec)));
		VLT_TRY(vlt_buf_add_varint(out, e->mtime_nsec));
		VLT_TRY(vlt_buf_add(out, e->oid.id, VLT_OID_RAWSZ));
		VLT_TRY(vlt_buf_add_varint(out, 0));  /* extension bytes */
	}
	return 0;
}

int vlt_tree_decode(const void *data, size_t len, struct vlt_tree *t)
{
	const unsigned char *p = data, *end = p + len;
	uint64_t count;
	int err = VLT_E_CORRUPT;

	vlt_tree_init(t);
	if (len < 1 || *p++ != TREE_VERSION)
		return vlt_error_set(VLT_E_CORRUPT, "tree: bad version");
	if (vlt_varint_get(&p, end, &count) < 0 ||
	    count > (uint64_t)(end - p) / (VLT_OID_RAWSZ + 8))
		return vlt_error_set(VLT_E_CORRUPT, "tree: bad entry count");
	for (uint64_t i = 0; i < count; i++) {
		uint64_t mode, nlen, size, msec, mnsec, extlen;
		unsigned type;
		struct vlt_oid oid;
		char *name;

		if (p >= end)
			goto trunc;
		type = *p++;
		if (type < VLT_ENTRY_FILE || type > VLT_ENTRY_SYMLINK) {
			vlt_error_set(VLT_E_CORRUPT, "tree: bad entry type %u", type);
			goto fail;
		}
		if (vlt_varint_get(&p, end, &mode) < 0 ||
		    vlt_varint_get(&p, end, &nlen) < 0 ||
		    nlen > (uint64_t)(end - p))
			goto trunc;
		if (mode > 07777) {
			vlt_error_set(VLT_E_CORRUPT, "tree: bad mode %llo",
				      (unsigned long long)mode);
			goto fail;
		}
		if (!vlt_tree_name_valid((const char *)p, (size_t)nlen)) {
			err = vlt_error_set(VLT_E_UNSAFE, "tree: unsafe entry name "
					    "'%.*s'", (int)nlen, (const char *)p);
			goto fail;
		}
		name = strndup((const char *)p, (size_t)nlen);
		if (!name) {
			err = vlt_error_set(VLT_E_NOMEM, "out of memory");
			goto fail;
		}
		p += nlen;
		if (vlt_varint_get(&p, end, &size) < 0 ||
		    vlt_varint_get(&p, end, &msec) < 0 ||
		    vlt_varint_get(&p, end, &mnsec) < 0 ||
		    end - p < VLT_OID_RAWSZ) {
			free(name);
			goto trunc;
		}
		memcpy(oid.id, p, VLT_OID_RAWSZ);
		p += VLT_OID_RAWSZ;
		if (vlt_varint_get(&p, end, &extlen) < 0 ||
		    extlen > (uint64_t)(end - p)) {
			free(name);
			goto trunc;
		}
		p += extlen;  /* extensions are skipped by this version */
		if (mnsec >= 1000000000u) {
			free(name);
			vlt_error_set(VLT_E_CORRUPT, "tree: bad mtime");
			goto fail;
		}
		if (t->nr && strcmp(t->entries[t->nr - 1].name, name) >= 0) {
			vlt_error_set(VLT_E_CORRUPT, "tree: entries not sorted or "
				      "duplicated at '%s'", name);
			free(name);
			goto fail;
		}
		if (VLT_ALLOC_GROW(t->entries, t->nr + 1, t->alloc) < 0) {
			free(name);
			err = VLT_E_NOMEM;
			goto fail;
		}
		t->entries[t->nr++] = (struct vlt_tree_entry) {
			.name = name, .type = (enum vlt_entry_type)type,
			.mode = (uint32_t)mode, .size = size,
			.mtime_sec = unzigzag(msec), .mtime_nsec = (uint32_t)mnsec,
			.oid = oid,
		};
	}
	if (p != end) {
		vlt_error_set(VLT_E_CORRUPT, "tree: trailing garbage");
		goto fail;
	}
	return 0;
trunc:
	vlt_error_set(VLT_E_CORRUPT, "tree: truncated");
fail:
	vlt_tree_release(t);
	return err;
}

const struct vlt_tree_entry *vlt_tree_find(const struct vlt_tree *t,
					   const char *name)
{
	size_t lo = 0, hi = t->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(t->entries[mid].name, name);

		if (!c)
			return &t->entries[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* --- snapshots ------------------------------------------------------- */

void vlt_snapshot_init(struct vlt_snapshot *s)
{
	memset(s, 0, sizeof(*s));
}

void vlt_snapshot_release(struct vlt_snapshot *s)
{
	free(s->parents);
	free(s->author);
	free(s->host);
	for (size_t i = 0; i < s->nmeta; i++) {
		free(s->meta[i].key);
		free(s->meta[i].value);
	}
	free(s->meta);
	free(s->message);
	vlt_snapshot_init(s);
}

int vlt_snapshot_add_parent(struct vlt_snapshot *s, const struct vlt_oid *p)
{
	VLT_TRY(VLT_ALLOC_GROW(s->parents, s->nparents + 1, s->parents_alloc));
	s->parents[s->nparents++] = *p;
	return 0;
}

static int meta_key_valid(const char *k, size_t n)
{
	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = k[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

int vlt_snapshot_add_meta(struct vlt_snapshot *s, const char *key,
			  const char *value)
{
	struct vlt_meta *m;

	if (!meta_key_valid(key, strlen(key)))
		return vlt_error_set(VLT_E_INVALID, "bad metadata key '%s'", key);
	VLT_TRY(VLT_ALLOC_GROW(s->meta, s->nmeta + 1, s->meta_alloc));
	m = &s->meta[s->nmeta];
	m->key = strdup(key);
	m->value = strdup(value);
	if (!m->key || !m->value) {
		free(m->key);
		free(m->value);
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	}
	s->nmeta++;
	return 0;
}

const char *vlt_snapshot_meta(const struct vlt_snapshot *s, const char *key)
{
	for (size_t i = s->nmeta; i-- > 0;)
		if (!strcmp(s->meta[i].key, key))
			return s->meta[i].value;
	return NULL;
}

static int replace_str(char **dst, const char *src)
{
	char *c = strdup(src);

	if (!c)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	free(*dst);
	*dst = c;
	return 0;
}

int vlt_snapshot_set_defaults(struct vlt_snapshot *s)
{
	const char *name = getenv("VAULT_AUTHOR_NAME");
	const char *email = getenv("VAULT_AUTHOR_EMAIL");
	const char *date = getenv("VAULT_AUTHOR_DATE");
	char host[256] = "localhost";
	struct vlt_buf who = VLT_BUF_INIT;
	struct tm tm;
	time_t now;
	int err;

	if (!name || !*name) {
		struct passwd *pw = getpwuid(getuid());

		name = pw && pw->pw_name ? pw->pw_name : "unknown";
	}
	if (gethostname(host, sizeof(host) - 1) < 0)
		strcpy(host, "localhost");
	host[sizeof(host) - 1] = '\0';
	if (!email || !*email) {
		if ((err = vlt_buf_addf(&who, "%s <%s@%s>", name, name, host)) < 0)
			goto done;
	} else if ((err = vlt_buf_addf(&who, "%s <%s>", name, email)) < 0) {
		goto done;
	}
	/* no newlines or NULs may reach the header lines */
	for (size_t i = 0; i < who.len; i++)
		if (who.data[i] == '\n' || who.data[i] == '\r')
			who.data[i] = ' ';
	if ((err = replace_str(&s->author, who.data)) < 0 ||
	    (err = replace_str(&s->host, host)) < 0)
		goto done;
	now = date && *date ? (time_t)strtoll(date, NULL, 10) : time(NULL);
	s->time = now;
	localtime_r(&now, &tm);
	s->tz_minutes = (int)(tm.tm_gmtoff / 60);
	if (date && *date)
		s->tz_minutes = 0;
done:
	vlt_buf_release(&who);
	return err;
}

static int has_newline(const char *s)
{
	return s && strpbrk(s, "\n\r") != NULL;
}

int vlt_snapshot_encode(const struct vlt_snapshot *s, struct vlt_buf *out)
{
	int tz = s->tz_minutes < 0 ? -s->tz_minutes : s->tz_minutes;

	if (!s->author || !s->host || has_newline(s->author) ||
	    has_newline(s->host))
		return vlt_error_set(VLT_E_INVALID, "snapshot: author and host "
				     "must be set, on one line");
	vlt_buf_reset(out);
	VLT_TRY(vlt_buf_addf(out, "tree %s\n", vlt_oid_hex(&s->tree)));
	for (size_t i = 0; i < s->nparents; i++)
		VLT_TRY(vlt_buf_addf(out, "parent %s\n",
				     vlt_oid_hex(&s->parents[i])));
	VLT_TRY(vlt_buf_addf(out, "time %" PRId64 " %c%02d%02d\n", s->time,
			     s->tz_minutes < 0 ? '-' : '+', tz / 60, tz % 60));
	VLT_TRY(vlt_buf_addf(out, "author %s\nhost %s\n", s->author, s->host));
	for (size_t i = 0; i < s->nmeta; i++) {
		const char *v = s->meta[i].value;

		VLT_TRY(vlt_buf_addf(out, "meta %s ", s->meta[i].key));
		/* escape backslash and newline so a value stays one line */
		for (; *v; v++) {
			if (*v == '\\')
				VLT_TRY(vlt_buf_adds(out, "\\\\"));
			else if (*v == '\n')
				VLT_TRY(vlt_buf_adds(out, "\\n"));
			else
				VLT_TRY(vlt_buf_addch(out, *v));
		}
		VLT_TRY(vlt_buf_addch(out, '\n'));
	}
	VLT_TRY(vlt_buf_addch(out, '\n'));
	return vlt_buf_adds(out, s->message ? s->message : "");
}

static int unescape(const char *p, size_t n, char **out)
{
	struct vlt_buf b = VLT_BUF_INIT;

	for (size_t i = 0; i < n; i++) {
		char c = p[i];

		if (c == '\\' && i + 1 < n) {
			c = p[++i] == 'n' ? '\n' : p[i];
		}
		if (vlt_buf_addch(&b, c) < 0) {
			vlt_buf_release(&b);
			return VLT_E_NOMEM;
		}
	}
	*out = vlt_buf_detach(&b, NULL);
	return *out ? 0 : VLT_E_NOMEM;
}

int vlt_snapshot_decode(const void *data, size_t len, struct vlt_snapshot *s)
{
	const char *p = data, *end = p + len;
	int have_tree = 0, have_time = 0, err = 0;

	vlt_snapshot_init(s);
	if (memchr(data, '\0', len))
		return vlt_error_set(VLT_E_CORRUPT, "snapshot: contains NUL");
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t n;
		char hex[VLT_OID_HEXSZ + 1];

		if (!eol)
			goto bad;
		n = (size_t)(eol - p);
		if (n == 0) {
			p = eol + 1;
			s->message = strndup(p, (size_t)(end - p));
			if (!s->message)
				goto nomem;
			break;
		}
		if (n == 5 + VLT_OID_HEXSZ && !memcmp(p, "tree ", 5) && !have_tree) {
			memcpy(hex, p + 5, VLT_OID_HEXSZ);
			hex[VLT_OID_HEXSZ] = 0;
			if (vlt_oid_from_hex(&s->tree, hex) < 0)
				goto bad;
			have_tree = 1;
		} else if (n == 7 + VLT_OID_HEXSZ && !memcmp(p, "parent ", 7)) {
			struct vlt_oid po;

			memcpy(hex, p + 7, VLT_OID_HEXSZ);
			hex[VLT_OID_HEXSZ] = 0;
			if (vlt_oid_from_hex(&po, hex) < 0)
				goto bad;
			if ((err = vlt_snapshot_add_parent(s, &po)) < 0)
				goto fail;
		} else if (n > 5 && !memcmp(p, "time ", 5)) {
			long long t;
			char sign;
			int hh, mm, used = 0;
			char line[64];

			if (n >= sizeof(line))
				goto bad;
			memcpy(line, p, n);
			line[n] = 0;
			if (sscanf(line, "time %lld %c%2d%2d%n", &t, &sign, &hh, &mm,
				   &used) != 4 || (size_t)used != n ||
			    (sign != '+' && sign != '-') || mm > 59)
				goto bad;
			s->time = t;
			s->tz_minutes = (sign == '-' ? -1 : 1) * (hh * 60 + mm);
			have_time = 1;
		} else if (n > 7 && !memcmp(p, "author ", 7)) {
			free(s->author);
			if (!(s->author = strndup(p + 7, n - 7)))
				goto nomem;
		} else if (n > 5 && !memcmp(p, "host ", 5)) {
			free(s->host);
			if (!(s->host = strndup(p + 5, n - 5)))
				goto nomem;
		} else if (n > 5 && !memcmp(p, "meta ", 5)) {
			const char *k = p + 5, *sp = memchr(k, ' ', (size_t)(eol - k));
			struct vlt_meta *m;

			if (!sp || !meta_key_valid(k, (size_t)(sp - k)))
				goto bad;
			if ((err = VLT_ALLOC_GROW(s->meta, s->nmeta + 1,
						  s->meta_alloc)) < 0)
				goto fail;
			m = &s->meta[s->nmeta];
			if (!(m->key = strndup(k, (size_t)(sp - k))))
				goto nomem;
			if (unescape(sp + 1, (size_t)(eol - sp - 1), &m->value) < 0) {
				free(m->key);
				goto nomem;
			}
			s->nmeta++;
		} else {
			goto bad;
		}
		p = eol + 1;
	}
	if (!have_tree || !have_time || !s->author || !s->host || !s->message)
		goto bad;
	return 0;
nomem:
	err = vlt_error_set(VLT_E_NOMEM, "out of memory");
	goto fail;
bad:
	err = vlt_error_set(VLT_E_CORRUPT, "snapshot: malformed");
fail:
	vlt_snapshot_release(s);
	return err;
}
