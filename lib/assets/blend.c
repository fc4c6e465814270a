/*
 * blend.c - the external files a Blender .blend refers to, read without
 * Blender.
 *
 * A .blend is a header, a run of blocks (a block header: a 4-byte code,
 * the length, the writer's pointer, an index into the DNA's struct list
 * and a count; then the bytes) and ENDB. The DNA1 block, written last,
 * describes every struct: its fields' types and names. The fields we
 * want (Image.filepath, Library.filepath, ...) are found by name in that
 * DNA, so the parser follows the file's own version, pointer size and
 * byte order instead of offsets hard-coded per Blender release. The
 * layout is described in Documentation/assets-formats-unity-blend.md.
 *
 * The input is read as a stream (plain, zstd or gzip), once: blocks
 * whose ID code names a struct we read are kept (they are small), the
 * rest are skipped, and the kept ones are decoded at ENDB, by the DNA.
 * Memory stays bounded whatever the file claims; a compressed file is
 * refused once it inflates past VLT_BLEND_MAX_INFLATED.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <zlib.h>
#include <zstd.h>

#include "buf.h"
#include "error.h"
#include "parsers.h"

/* DNA1 larger than this is not a Blender DNA (4.x writes ~200 KiB). */
#define DNA_MAX (4u << 20)
/* An ID block we decode (an Image is about 1.5 KiB). */
#define KEPT_BLOCK_MAX (1u << 20)
/* All kept blocks together. */
#define KEPT_TOTAL_MAX (256u << 20)
#define WIN_SIZE (128u << 10)

/* ------------------------------------------------------------------ */
/* The byte stream: the buffer itself, or what zstd/gzip inflate.     */

enum src_kind { SRC_RAW, SRC_ZSTD, SRC_GZIP };

struct src {
	const char *path;
	enum src_kind kind;
	const unsigned char *raw;
	size_t rawlen, rawpos;
	ZSTD_DCtx *zd;
	ZSTD_inBuffer zin;
	size_t zret;		/* last ZSTD_decompressStream result */
	z_stream gz;
	int gz_live, gz_end;
	unsigned char *win;
	size_t wpos, wlen;
	uint64_t pos;		/* offset in the uncompressed .blend */
};

static int src_init(struct src *s, const char *path, const void *buf,
		    size_t len)
{
	const unsigned char *p = buf;

	memset(s, 0, sizeof(*s));
	s->path = path;
	s->raw = p;
	s->rawlen = len;
	if (len >= 4 && p[0] == 0x28 && p[1] == 0xB5 && p[2] == 0x2F &&
	    p[3] == 0xFD) {
		unsigned long long fcs = ZSTD_getFrameContentSize(p, len);

		if (fcs != ZSTD_CONTENTSIZE_UNKNOWN &&
		    fcs != ZSTD_CONTENTSIZE_ERROR &&
		    fcs > VLT_BLEND_MAX_INFLATED)
			return vlt_error_set(VLT_E_CORRUPT,
				"%s: zstd frame claims %llu bytes, more than "
				"the %llu a .blend may inflate to", path, fcs,
				(unsigned long long)VLT_BLEND_MAX_INFLATED);
		s->kind = SRC_ZSTD;
		s->zd = ZSTD_createDCtx();
		s->win = malloc(WIN_SIZE);
		if (!s->zd || !s->win)
			return vlt_error_set(VLT_E_NOMEM, "%s: out of memory",
					     path);
		s->zin.src = p;
		s->zin.size = len;
		s->zret = 1;
	} else if (len >= 2 && p[0] == 0x1F && p[1] == 0x8B) {
		s->kind = SRC_GZIP;
		s->win = malloc(WIN_SIZE);
		if (!s->win)
			return vlt_error_set(VLT_E_NOMEM, "%s: out of memory",
					     path);
		if (inflateInit2(&s->gz, 16 + MAX_WBITS) != Z_OK)
			return vlt_error_set(VLT_E_NOMEM, "%s: inflateInit "
					     "failed", path);
		s->gz_live = 1;
		s->gz.next_in = (unsigned char *)p;
		s->gz.avail_in = len > UINT32_MAX ? UINT32_MAX : (uInt)len;
	} else {
		s->kind = SRC_RAW;
	}
	return 0;
}

static void src_release(struct src *s)
{
	ZSTD_freeDCtx(s->zd);
	if (s->gz_live)
		inflateEnd(&s->gz);
	free(s->win);
}

static int inflated_too_far(struct src *s)
{
	return vlt_error_set(VLT_E_CORRUPT,
		"%s: inflates past %llu bytes, the most a .blend may "
		"(a compression bomb?)", s->path,
		(unsigned long long)VLT_BLEND_MAX_INFLATED);
}

/* Refill the window: 1 with bytes, 0 at the clean end, or an error. */
static int src_fill(struct src *s)
{
	while (s->wpos == s->wlen) {
		if (s->kind == SRC_ZSTD) {
			ZSTD_outBuffer out = { s->win, WIN_SIZE, 0 };
			size_t r;

			if (s->zin.pos == s->zin.size && s->zret == 0)
				return 0;
			r = ZSTD_decompressStream(s->zd, &out, &s->zin);
			if (ZSTD_isError(r))
				return vlt_error_set(VLT_E_CORRUPT,
					"%s: zstd: %s", s->path,
					ZSTD_getErrorName(r));
			s->zret = r;
			s->wpos = 0;
			s->wlen = out.pos;
			if (!out.pos && s->zin.pos == s->zin.size && r)
				return vlt_error_set(VLT_E_CORRUPT,
					"%s: zstd stream truncated", s->path);
		} else {
			int r;
			size_t used;

			if (s->gz_end)
				return 0;
			s->gz.next_out = s->win;
			s->gz.avail_out = WIN_SIZE;
			r = inflate(&s->gz, Z_NO_FLUSH);
			if (r != Z_OK && r != Z_STREAM_END &&
			    !(r == Z_BUF_ERROR && s->gz.avail_out < WIN_SIZE))
				return vlt_error_set(VLT_E_CORRUPT,
					"%s: gzip: %s", s->path,
					r == Z_BUF_ERROR ? "stream truncated" :
					s->gz.msg ? s->gz.msg : "bad data");
			if (r == Z_STREAM_END)
				s->gz_end = 1;
			used = WIN_SIZE - s->gz.avail_out;
			s->wpos = 0;
			s->wlen = used;
		}
		if (s->pos + s->wlen > VLT_BLEND_MAX_INFLATED)
			return inflated_too_far(s);
	}
	return 1;
}

static int truncated(struct src *s, const char *what)
{
	return vlt_error_set(VLT_E_CORRUPT,
		"%s: truncated at offset %" PRIu64 " (in %s)", s->path,
		s->pos, what);
}

/* Read exactly n bytes into dst (NULL: skip them). */
static int src_read(struct src *s, void *dst, uint64_t n, const char *what)
{
	unsigned char *d = dst;

	if (s->kind == SRC_RAW) {
		if (n > s->rawlen - s->rawpos)
			return truncated(s, what);
		if (d && n)
			memcpy(d, s->raw + s->rawpos, (size_t)n);
		s->rawpos += (size_t)n;
		s->pos += n;
		return 0;
	}
	while (n) {
		size_t take;
		int r = src_fill(s);

		if (r < 0)
			return r;
		if (!r)
			return truncated(s, what);
		take = s->wlen - s->wpos;
		if (take > n)
			take = (size_t)n;
		if (d) {
			memcpy(d, s->win + s->wpos, take);
			d += take;
		}
		s->wpos += take;
		s->pos += take;
		n -= take;
	}
	return 0;
}

/* Bytes left in a plain file, or UINT64_MAX when streaming. */
static uint64_t src_left(const struct src *s)
{
	return s->kind == SRC_RAW ? s->rawlen - s->rawpos : UINT64_MAX;
}

/* ------------------------------------------------------------------ */
/* The DNA                                                            */

struct dna_struct {
	uint32_t type;
	uint32_t nfields;
	uint32_t *fields;	/* nfields pairs: type, name */
};

struct blend {
	const char *path;
	int psize;		/* 4 or 8 */
	int big;		/* big-endian */
	int large;		/* LargeBHead8 */
	unsigned char *dna;
	size_t dnalen;
	uint32_t nnames, ntypes, nstructs;
	const char **names, **types;
	uint32_t *tlen;
	struct dna_struct *structs;
};

static uint64_t get_u(const struct blend *b, const unsigned char *p, int n)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < n; i++)
		v |= (uint64_t)p[b->big ? n - 1 - i : i] << (8 * i);
	return v;
}

static int dna_lie(const struct blend *b, const char *what)
{
	return vlt_error_set(VLT_E_CORRUPT, "%s: DNA1: %s", b->path, what);
}

/* The 4-byte tag at *pos (4-aligned first), then a count. */
static int dna_section(struct blend *b, size_t *pos, const char *tag,
		       uint32_t *count)
{
	char msg[64];

	*pos = (*pos + 3) & ~(size_t)3;
	if (b->dnalen < 8 || *pos > b->dnalen - 4 ||
	    memcmp(b->dna + *pos, tag, 4)) {
		snprintf(msg, sizeof(msg), "no %s table", tag);
		return dna_lie(b, msg);
	}
	*pos += 4;
	if (!count)
		return 0;
	if (*pos > b->dnalen - 4) {
		snprintf(msg, sizeof(msg), "%s count cut off", tag);
		return dna_lie(b, msg);
	}
	*count = (uint32_t)get_u(b, b->dna + *pos, 4);
	*pos += 4;
	/* every entry takes at least one byte (two for TLEN, four for STRC) */
	if (*count > b->dnalen - *pos || *count > INT32_MAX) {
		snprintf(msg, sizeof(msg), "%s count %" PRIu32
			 " larger than the block", tag, *count);
		return dna_lie(b, msg);
	}
	return 0;
}

static int dna_strings(struct blend *b, size_t *pos, uint32_t n,
		       const char ***out, const char *tag)
{
	uint32_t i;
	char msg[64];

	if (!(*out = calloc(n ? n : 1, sizeof(**out))))
		return vlt_error_set(VLT_E_NOMEM, "%s: out of memory", b->path);
	for (i = 0; i < n; i++) {
		const unsigned char *e = memchr(b->dna + *pos, 0,
						b->dnalen - *pos);

		if (!e) {
			snprintf(msg, sizeof(msg), "%s entry %" PRIu32
				 " runs past the block", tag, i);
			return dna_lie(b, msg);
		}
		(*out)[i] = (const char *)b->dna + *pos;
		*pos = (size_t)(e - b->dna) + 1;
	}
	return 0;
}

static int dna_parse(struct blend *b)
{
	size_t pos = 0;
	uint32_t i, j;
	char msg[128];
	int r;

	if ((r = dna_section(b, &pos, "SDNA", NULL)) < 0 ||
	    (r = dna_section(b, &pos, "NAME", &b->nnames)) < 0 ||
	    (r = dna_strings(b, &pos, b->nnames, &b->names, "NAME")) < 0 ||
	    (r = dna_section(b, &pos, "TYPE", &b->ntypes)) < 0 ||
	    (r = dna_strings(b, &pos, b->ntypes, &b->types, "TYPE")) < 0 ||
	    (r = dna_section(b, &pos, "TLEN", NULL)) < 0)
		return r;
	if ((b->dnalen - pos) / 2 < b->ntypes)
		return dna_lie(b, "TLEN table cut off");
	if (!(b->tlen = calloc(b->ntypes ? b->ntypes : 1, sizeof(*b->tlen))))
		return vlt_error_set(VLT_E_NOMEM, "%s: out of memory", b->path);
	for (i = 0; i < b->ntypes; i++, pos += 2)
		b->tlen[i] = (uint32_t)get_u(b, b->dna + pos, 2);
	if ((r = dna_section(b, &pos, "STRC", &b->nstructs)) < 0)
		return r;
	if (!(b->structs = calloc(b->nstructs ? b->nstructs : 1,
				  sizeof(*b->structs))))
		return vlt_error_set(VLT_E_NOMEM, "%s: out of memory", b->path);
	for (i = 0; i < b->nstructs; i++) {
		struct dna_struct *st = &b->structs[i];

		if (b->dnalen - pos < 4) {
			snprintf(msg, sizeof(msg), "struct %" PRIu32
				 " runs past the block", i);
			return dna_lie(b, msg);
		}
		st->type = (uint32_t)get_u(b, b->dna + pos, 2);
		st->nfields = (uint32_t)get_u(b, b->dna + pos + 2, 2);
		pos += 4;
		if (st->type >= b->ntypes) {
			snprintf(msg, sizeof(msg), "struct %" PRIu32 " has type "
				 "%" PRIu32 ", there are %" PRIu32, i,
				 st->type, b->ntypes);
			return dna_lie(b, msg);
		}
		if ((b->dnalen - pos) / 4 < st->nfields) {
			snprintf(msg, sizeof(msg), "struct %s: %" PRIu32
				 " fields run past the block",
				 b->types[st->type], st->nfields);
			return dna_lie(b, msg);
		}
		if (!(st->fields = calloc(st->nfields ? 2 * st->nfields : 1,
					  sizeof(*st->fields))))
			return vlt_error_set(VLT_E_NOMEM, "%s: out of memory",
					     b->path);
		for (j = 0; j < st->nfields; j++, pos += 4) {
			uint32_t t = (uint32_t)get_u(b, b->dna + pos, 2);
			uint32_t n = (uint32_t)get_u(b, b->dna + pos + 2, 2);

			if (t >= b->ntypes || n >= b->nnames) {
				snprintf(msg, sizeof(msg), "struct %s field %"
					 PRIu32 " names type %" PRIu32
					 " / name %" PRIu32 ", out of range",
					 b->types[st->type], j, t, n);
				return dna_lie(b, msg);
			}
			st->fields[2 * j] = t;
			st->fields[2 * j + 1] = n;
		}
	}
	return 0;
}

static void blend_release(struct blend *b)
{
	uint32_t i;

	if (b->structs)
		for (i = 0; i < b->nstructs; i++)
			free(b->structs[i].fields);
	free(b->structs);
	free(b->names);
	free(b->types);
	free(b->tlen);
	free(b->dna);
}

/* A field name's bare identifier: "*packedfile" and "filepath[1024]"
 * match "packedfile" and "filepath"; "(*func)()" matches "func". */
static int name_is(const char *name, const char *want)
{
	size_t n = strlen(want);

	while (*name == '*' || *name == '(')
		name++;
	return !strncmp(name, want, n) &&
	       (name[n] == '\0' || name[n] == '[' || name[n] == ')');
}

/* Bytes a field takes: pointers by the file's pointer size, other types
 * by TLEN, times every [N]. */
static int field_size(const struct blend *b, uint32_t type,
		      const char *name, uint64_t *size)
{
	uint64_t n = 1;
	const char *p;
	int ptr = name[0] == '*' || name[0] == '(';

	for (p = strchr(name, '['); p; p = strchr(p, '[')) {
		char *end;
		unsigned long v = strtoul(p + 1, &end, 10);

		if (end == p + 1 || *end != ']' || v > UINT32_MAX)
			return vlt_error_set(VLT_E_CORRUPT, "%s: DNA1: bad "
					     "array field '%s'", b->path, name);
		n *= v;
		if (n > UINT32_MAX)
			return vlt_error_set(VLT_E_CORRUPT, "%s: DNA1: array "
					     "field '%s' overflows", b->path,
					     name);
		p = end;
	}
	*size = n * (ptr ? (uint64_t)b->psize : b->tlen[type]);
	return 0;
}

struct field {
	uint64_t off, size;
	uint32_t type;
	int ptr, array;
};

/*
 * Find a top-level field of struct st by name. Returns 1 and fills *f,
 * 0 when the struct has no such field, or an error. Also checks that the
 * fields add up to the struct's length, as makesdna guarantees: a DNA
 * that disagrees with itself is not trusted.
 */
static int field_find(const struct blend *b, const struct dna_struct *st,
		      const char *want, struct field *f)
{
	uint64_t off = 0, size = 0;
	uint32_t j;
	int found = 0, r;

	for (j = 0; j < st->nfields; j++) {
		uint32_t t = st->fields[2 * j];
		const char *name = b->names[st->fields[2 * j + 1]];

		if ((r = field_size(b, t, name, &size)) < 0)
			return r;
		if (!found && name_is(name, want)) {
			f->off = off;
			f->size = size;
			f->type = t;
			f->ptr = name[0] == '*';
			f->array = strchr(name, '[') != NULL;
			found = 1;
		}
		off += size;
		if (off > b->tlen[st->type])
			break;
	}
	if (off != b->tlen[st->type])
		return vlt_error_set(VLT_E_CORRUPT, "%s: DNA1: struct %s: "
			"fields add up to %" PRIu64 " bytes, its length says %"
			PRIu32, b->path, b->types[st->type], off,
			b->tlen[st->type]);
	return found;
}

/* ------------------------------------------------------------------ */
/* The blocks                                                         */

struct kept {
	char code[5];
	uint32_t sdna;
	uint64_t nr, len, at;	/* at: offset of the block header */
	unsigned char *data;
};

/* The ID blocks we read, by code and the struct Blender writes them as. */
static const struct id_kind {
	char code[3];
	const char *sname;
	const char *kind;
} id_kinds[] = {
	{ "IM", "Image", "image" },
	{ "LI", "Library", "library" },
	{ "VF", "VFont", "font" },
	{ "SO", "bSound", "sound" },
	{ "MC", "MovieClip", "movieclip" },
	{ "CF", "CacheFile", "cache" },
	{ "VO", "Volume", "volume" },
};
#define NKINDS (sizeof(id_kinds) / sizeof(id_kinds[0]))

static const struct id_kind *kind_of(const unsigned char code[4])
{
	size_t i;

	if (code[2] || code[3])
		return NULL;
	for (i = 0; i < NKINDS; i++)
		if (code[0] == (unsigned char)id_kinds[i].code[0] &&
		    code[1] == (unsigned char)id_kinds[i].code[1])
			return &id_kinds[i];
	return NULL;
}

static void code_str(char out[5], const unsigned char code[4])
{
	int i;

	for (i = 0; i < 4; i++)
		out[i] = code[i] >= 0x20 && code[i] < 0x7F ? (char)code[i] :
			 code[i] ? '?' : '\0';
	out[4] = '\0';
	if (!out[0])
		strcpy(out, "?");
}

static int header_parse(struct src *s, struct blend *b)
{
	unsigned char h[17];
	int r;

	if (s->kind == SRC_RAW && s->rawlen < 12)
		return vlt_error_set(VLT_E_CORRUPT, "%s: not a .blend file "
				     "(%zu bytes)", s->path, s->rawlen);
	if ((r = src_read(s, h, 12, "the file header")) < 0)
		return r;
	if (memcmp(h, "BLENDER", 7))
		return vlt_error_set(VLT_E_CORRUPT, "%s: not a .blend file "
				     "(no BLENDER header)", s->path);
	if ((h[7] == '_' || h[7] == '-') && (h[8] == 'v' || h[8] == 'V')) {
		b->psize = h[7] == '_' ? 4 : 8;
		b->big = h[8] == 'V';
		return 0;
	}
	/* Blender 4.5/5.x: "BLENDER17-01v0500", always LargeBHead8. */
	if (h[7] == '1' && h[8] == '7' && h[9] == '-') {
		if ((r = src_read(s, h + 12, 5, "the file header")) < 0)
			return r;
		if (h[10] != '0' || h[11] != '1' || h[12] != 'v')
			return vlt_error_set(VLT_E_UNSUPPORTED, "%s: .blend "
				"file format %.2s is not one vault reads "
				"(01 is)", s->path, (const char *)h + 10);
		b->psize = 8;
		b->large = 1;
		return 0;
	}
	return vlt_error_set(VLT_E_CORRUPT, "%s: not a .blend file (header "
			     "'%.12s')", s->path, (const char *)h);
}

static int keep_block(struct kept **kept, size_t *nkept, size_t *alloc,
		      struct kept *k)
{
	if (VLT_ALLOC_GROW(*kept, *nkept + 1, *alloc))
		return VLT_E_NOMEM;
	(*kept)[(*nkept)++] = *k;
	return 0;
}

/* Read the blocks up to ENDB: keep DNA1 in b and the ID blocks we want. */
static int blocks_read(struct src *s, struct blend *b, struct kept **kept,
		       size_t *nkept)
{
	size_t alloc = 0;
	uint64_t total = 0;
	int r;

	for (;;) {
		unsigned char h[32];
		size_t hlen = b->large ? 32 : b->psize == 8 ? 24 : 20;
		struct kept k;
		int64_t len, nr;
		uint64_t at = s->pos;

		r = s->kind == SRC_RAW ? src_left(s) > 0 : src_fill(s);
		if (r < 0)
			return r;
		if (!r)
			return vlt_error_set(VLT_E_CORRUPT, "%s: truncated: "
				"ends at offset %" PRIu64 " without an ENDB "
				"block", s->path, at);
		if ((r = src_read(s, h, hlen, "a block header")) < 0)
			return r;
		memset(&k, 0, sizeof(k));
		code_str(k.code, h);
		if (b->large) {
			k.sdna = (uint32_t)get_u(b, h + 4, 4);
			len = (int64_t)get_u(b, h + 16, 8);
			nr = (int64_t)get_u(b, h + 24, 8);
		} else {
			len = (int32_t)(uint32_t)get_u(b, h + 4, 4);
			k.sdna = (uint32_t)get_u(b, h + 8 + b->psize, 4);
			nr = (int32_t)(uint32_t)get_u(b, h + 12 + b->psize, 4);
		}
		if (!memcmp(h, "ENDB", 4))
			return 0;
		if (len < 0 || nr < 0)
			return vlt_error_set(VLT_E_CORRUPT, "%s: block %s at "
				"offset %" PRIu64 " has a negative %s (%" PRId64
				")", s->path, k.code, at,
				len < 0 ? "length" : "count", len < 0 ? len : nr);
		if ((uint64_t)len > src_left(s))
			return vlt_error_set(VLT_E_CORRUPT, "%s: block %s at "
				"offset %" PRIu64 " claims %" PRId64 " bytes, "
				"only %" PRIu64 " are left", s->path, k.code,
				at, len, src_left(s));
		k.len = (uint64_t)len;
		k.nr = (uint64_t)nr;
		k.at = at;
		if (!memcmp(h, "DNA1", 4)) {
			if (b->dna)
				return vlt_error_set(VLT_E_CORRUPT, "%s: two "
					"DNA1 blocks (offset %" PRIu64 ")",
					s->path, at);
			if (k.len > DNA_MAX)
				return vlt_error_set(VLT_E_CORRUPT, "%s: DNA1 "
					"block claims %" PRIu64 " bytes, more "
					"than a DNA takes (%u)", s->path,
					k.len, DNA_MAX);
			if (!(b->dna = malloc(k.len ? k.len : 1)))
				return vlt_error_set(VLT_E_NOMEM, "%s: out of "
						     "memory", s->path);
			b->dnalen = k.len;
			if ((r = src_read(s, b->dna, k.len, "DNA1")) < 0)
				return r;
			continue;
		}
		if (!kind_of(h)) {
			if ((r = src_read(s, NULL, k.len, "a block")) < 0)
				return r;
			continue;
		}
		if (k.len > KEPT_BLOCK_MAX)
			return vlt_error_set(VLT_E_CORRUPT, "%s: block %s at "
				"offset %" PRIu64 " claims %" PRIu64 " bytes, "
				"more than an ID block takes", s->path,
				k.code, at, k.len);
		total += k.len;
		if (total > KEPT_TOTAL_MAX)
			return vlt_error_set(VLT_E_CORRUPT, "%s: more than %u "
				"bytes of image/library blocks", s->path,
				KEPT_TOTAL_MAX);
		if (!(k.data = malloc(k.len ? k.len : 1)))
			return vlt_error_set(VLT_E_NOMEM, "%s: out of memory",
					     s->path);
		if ((r = src_read(s, k.data, k.len, "a block")) < 0 ||
		    (r = keep_block(kept, nkept, &alloc, &k)) < 0) {
			free(k.data);
			return r < 0 && r != VLT_E_NOMEM ? r :
			       vlt_error_set(VLT_E_NOMEM, "%s: out of memory",
					     s->path);
		}
	}
}

/* The text of a char-array field: up to its first NUL, or all of it. */
static int field_string(const struct kept *k, const struct field *f,
			struct vlt_buf *out)
{
	const unsigned char *p = k->data + f->off;
	const unsigned char *nul = memchr(p, 0, (size_t)f->size);

	vlt_buf_reset(out);
	return vlt_buf_add(out, p, nul ? (size_t)(nul - p) : (size_t)f->size);
}

static int field_nonzero(const struct kept *k, const struct field *f,
			 int psize)
{
	uint64_t i, n = f->size < (uint64_t)psize ? f->size : (uint64_t)psize;

	for (i = 0; i < n; i++)
		if (k->data[f->off + i])
			return 1;
	return 0;
}

/*
 * Look up a field and check it lies inside the block. Returns 1 found,
 * 0 absent, or an error.
 */
static int block_field(const struct blend *b, const struct kept *k,
		       const struct dna_struct *st, const char *name,
		       struct field *f)
{
	int r = field_find(b, st, name, f);

	if (r <= 0)
		return r;
	if (f->off + f->size > k->len)
		return vlt_error_set(VLT_E_CORRUPT, "%s: block %s at offset %"
			PRIu64 " holds %" PRIu64 " bytes, its %s.%s ends at %"
			PRIu64, b->path, k->code, k->at, k->len,
			b->types[st->type], name, f->off + f->size);
	return 1;
}

/* Is the char-array field `name` there? 1 yes (in *f), 0 no, or error. */
static int path_field(const struct blend *b, const struct kept *k,
		      const struct dna_struct *st, const char *name,
		      struct field *f)
{
	int r = block_field(b, k, st, name, f);

	if (r <= 0)
		return r;
	return !f->ptr && f->array && !strcmp(b->types[f->type], "char");
}

/*
 * Where a struct keeps its file path. Blender 2.93 renamed the stored
 * path of Image, Library, VFont, bSound and MovieClip from `name` to
 * `filepath`; before that Library.filepath was the absolute path worked
 * out at load time, so a Library without `filepath_abs` uses `name`.
 */
static int find_path(const struct blend *b, const struct kept *k,
		     const struct dna_struct *st, const struct id_kind *kind,
		     struct field *f)
{
	struct field tmp;
	int r;

	if (!strcmp(kind->sname, "Library")) {
		if ((r = block_field(b, k, st, "filepath_abs", &tmp)) < 0)
			return r;
		if (!r && (r = path_field(b, k, st, "name", f)) != 0)
			return r;
	}
	if ((r = path_field(b, k, st, "filepath", f)) != 0)
		return r;
	return path_field(b, k, st, "name", f);
}

/* Blender's IMA_SRC_* values (DNA_image_types.h). */
#define IMA_SRC_GENERATED 4
#define IMA_SRC_VIEWER 5
#define IMA_SRC_TILED 6

/*
 * A tiled (UDIM) image saved before Blender 2.91 names its first tile
 * ("skin.1001.png"); write the token instead, as later versions do.
 */
static int udim_token(struct vlt_buf *p)
{
	size_t i, base = 0;
	ssize_t at = -1;

	if (strstr(p->data, "<UDIM>"))
		return 0;
	for (i = 0; i < p->len; i++)
		if (p->data[i] == '/' || p->data[i] == '\\')
			base = i + 1;
	for (i = base; i + 4 <= p->len; i++) {
		if (p->data[i] != '1' || (i > base && p->data[i - 1] >= '0' &&
					   p->data[i - 1] <= '9'))
			continue;
		if (p->data[i + 1] >= '0' && p->data[i + 1] <= '9' &&
		    p->data[i + 2] >= '0' && p->data[i + 2] <= '9' &&
		    p->data[i + 3] >= '0' && p->data[i + 3] <= '9' &&
		    (i + 4 == p->len || p->data[i + 4] < '0' ||
		     p->data[i + 4] > '9'))
			at = (ssize_t)i;
	}
	if (at < 0)
		return 0;
	{
		struct vlt_buf n = VLT_BUF_INIT;
		int r;

		if ((r = vlt_buf_add(&n, p->data, (size_t)at)) < 0 ||
		    (r = vlt_buf_adds(&n, "<UDIM>")) < 0 ||
		    (r = vlt_buf_adds(&n, p->data + at + 4)) < 0) {
			vlt_buf_release(&n);
			return r;
		}
		vlt_buf_release(p);
		*p = n;
	}
	return 0;
}

/*
 * Report one kept block's file, unless it has none or it is packed. With
 * sink NULL, only check the block: every block is checked before the
 * first reference goes out, so a lying file reports nothing.
 */
static int block_report(const struct blend *b, const struct kept *k,
			const struct id_kind *kind,
			const struct vlt_asset_sink *sink, struct vlt_buf *path)
{
	const struct dna_struct *st;
	struct field f, pf;
	struct vlt_asset_ref ref;
	int r, tiled = 0;

	if (k->sdna >= b->nstructs)
		return vlt_error_set(VLT_E_CORRUPT, "%s: block %s at offset %"
			PRIu64 " names struct %" PRIu32 ", the DNA has %" PRIu32,
			b->path, k->code, k->at, k->sdna, b->nstructs);
	st = &b->structs[k->sdna];
	if (strcmp(b->types[st->type], kind->sname))
		return vlt_error_set(VLT_E_CORRUPT, "%s: block %s at offset %"
			PRIu64 " is a %s, not a %s", b->path, k->code, k->at,
			b->types[st->type], kind->sname);
	if ((r = find_path(b, k, st, kind, &f)) < 0)
		return r;
	if (k->nr < 1 || k->len / k->nr < b->tlen[st->type])
		return vlt_error_set(VLT_E_CORRUPT, "%s: block %s at offset %"
			PRIu64 " claims %" PRIu64 " %s structs of %" PRIu32
			" bytes in %" PRIu64 " bytes", b->path, k->code, k->at,
			k->nr, kind->sname, b->tlen[st->type], k->len);
	if (!r)
		return vlt_error_set(VLT_E_CORRUPT, "%s: DNA1: struct %s has "
				     "no file path field", b->path, kind->sname);
	/* packed into the .blend: not an external file */
	if ((r = block_field(b, k, st, "packedfile", &pf)) < 0)
		return r;
	if (r && pf.ptr && field_nonzero(k, &pf, b->psize))
		return 0;
	if ((r = block_field(b, k, st, "packedfiles", &pf)) < 0)
		return r;
	if (r && !pf.ptr && field_nonzero(k, &pf, b->psize))
		return 0;
	if (!strcmp(kind->sname, "Image")) {
		if ((r = block_field(b, k, st, "source", &pf)) < 0)
			return r;
		if (r && pf.size == 2) {
			uint64_t src = get_u(b, k->data + pf.off, 2);

			if (src == IMA_SRC_GENERATED || src == IMA_SRC_VIEWER)
				return 0;
			tiled = src == IMA_SRC_TILED;
		}
	}
	if ((r = field_string(k, &f, path)) < 0)
		return r;
	if (!strcmp(kind->sname, "VFont") && !strcmp(path->data, "<builtin>"))
		return 0;
	if (!strncmp(path->data, "//", 2)) {
		size_t i;

		memmove(path->data, path->data + 2, path->len - 1);
		path->len -= 2;
		for (i = 0; i < path->len; i++)
			if (path->data[i] == '\\')
				path->data[i] = '/';
	}
	if (!path->len)
		return 0;
	if (tiled && (r = udim_token(path)) < 0)
		return r;
	if (!sink)
		return 0;
	memset(&ref, 0, sizeof(ref));
	ref.target = path->data;
	ref.type = VLT_ASSET_PATH;
	ref.kind = kind->kind;
	ref.quoting = VLT_ASSET_RAW;
	return sink->ref(&ref, sink->ctx);
}

int vlt_asset_blend_parse(const char *path, const void *buf, size_t len,
			  const struct vlt_asset_sink *sink)
{
	struct src s;
	struct blend b;
	struct kept *kept = NULL;
	size_t nkept = 0, i;
	struct vlt_buf p = VLT_BUF_INIT;
	int r;

	memset(&b, 0, sizeof(b));
	b.path = path;
	if ((r = src_init(&s, path, buf, len)) < 0 ||
	    (r = header_parse(&s, &b)) < 0 ||
	    (r = blocks_read(&s, &b, &kept, &nkept)) < 0)
		goto done;
	if (!b.dna) {
		r = vlt_error_set(VLT_E_CORRUPT, "%s: no DNA1 block", path);
		goto done;
	}
	if ((r = dna_parse(&b)) < 0)
		goto done;
	for (i = 0; i < nkept && !r; i++)
		r = block_report(&b, &kept[i], kind_of((const unsigned char *)
						       kept[i].code), NULL, &p);
	for (i = 0; i < nkept && !r; i++)
		r = block_report(&b, &kept[i], kind_of((const unsigned char *)
						       kept[i].code), sink, &p);
done:
	for (i = 0; i < nkept; i++)
		free(kept[i].data);
	free(kept);
	vlt_buf_release(&p);
	blend_release(&b);
	src_release(&s);
	return r;
}
