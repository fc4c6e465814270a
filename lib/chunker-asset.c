/*
 * chunker-asset.c - the asset chunker: cut game assets at their structure.
 *
 * A file is a sequence of sections (a RIFF chunk, a PNG chunk, a GLB
 * chunk, a ZIP local entry, a DDS or KTX2 mip level, an OBJ object or
 * group); every section starts a new chunk, so bytes that move because a
 * header grew or entries were reordered keep their chunks. The format is
 * sniffed from the first bytes, then followed as the bytes stream by: a
 * section's header is parsed when the cut reaches it, and it must lie
 * within the window of max bytes the reader guarantees (DDS and KTX2 read
 * their whole mip table at the start, at most 848 bytes). Nothing else is
 * buffered and no file size is needed.
 *
 * Inside a section of min bytes or more, FastCDC cuts with the
 * repository's parameters, starting afresh at the section's start and
 * ending at its end, so an edit inside a big mip level or archive entry
 * costs the chunks around it, not the whole section. A section smaller than
 * min is merged with the small sections (each under min) after it while
 * the chunk stays under min; a section of min bytes or more always starts
 * its own chunk, so a run of small headers before a big section becomes
 * one chunk below min rather than shifting the big one's cuts (ZIP
 * entries are never merged, so any order of entries keeps each entry's
 * chunks). When the structure lies (a header past the window, a size that
 * overflows, an unknown record) the rest of the file is cut by FastCDC,
 * with no error. Documentation/format.md, "The asset chunker", has the
 * rules per format.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chunker.h"
#include "error.h"

enum fmt { F_UNKNOWN, F_RIFF, F_PNG, F_GLB, F_ZIP, F_DDS, F_KTX2, F_OBJ };

#define NO_END UINT64_MAX
#define PLAN_MAX 34         /* header, 32 levels, the rest */
#define LABEL_MAX 160

struct planned {
	uint64_t end;            /* file offset where the section ends */
	char label[32];
};

struct vlt_asset {
	int sniffed;
	enum fmt fmt;
	int stage;               /* sequential formats: 0 before the header */
	uint64_t off;            /* file offset of data[0] at the next call */
	uint64_t sec_start, sec_end;   /* the current section */
	char label[LABEL_MAX];   /* its name; "" once FastCDC took over */
	char why[LABEL_MAX * 2];
	struct planned plan[PLAN_MAX];   /* DDS and KTX2: computed sections */
	int nplan, iplan;
	int obj_boundary;        /* OBJ: the last cut ended at an o/g line */
};

int vlt_asset_new(struct vlt_asset **out)
{
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	return 0;
}

void vlt_asset_reset(struct vlt_asset *a)
{
	memset(a, 0, sizeof(*a));
}

void vlt_asset_free(struct vlt_asset *a)
{
	free(a);
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint16_t le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint64_t le64(const unsigned char *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* prefix + n bytes of s, non-printable bytes as '?', trailing spaces
 * dropped (RIFF's "fmt "). */
static void set_label(char *dst, size_t cap, const char *prefix,
		      const unsigned char *s, size_t n)
{
	size_t k = (size_t)snprintf(dst, cap, "%s", prefix);

	while (n && s[n - 1] == ' ')
		n--;
	for (size_t i = 0; i < n && k + 1 < cap; i++)
		dst[k++] = s[i] >= 0x20 && s[i] < 0x7f ? (char)s[i] : '?';
	dst[k < cap ? k : cap - 1] = '\0';
}

/* --- sniffing -------------------------------------------------------- */

static const unsigned char png_sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n',
					  0x1a, '\n' };
static const unsigned char ktx2_sig[12] = { 0xab, 'K', 'T', 'X', ' ', '2',
					    '0', 0xbb, '\r', '\n', 0x1a,
					    '\n' };

static int obj_keyword(const unsigned char *p, size_t n)
{
	static const char *const kw[] = { "v ", "vt ", "vn ", "vp ", "o ",
					  "g ", "f ", "s ", "l ", "mtllib ",
					  "usemtl " };

	for (size_t i = 0; i < sizeof(kw) / sizeof(kw[0]); i++) {
		size_t k = strlen(kw[i]);

		if (n >= k && !memcmp(p, kw[i], k))
			return 1;
	}
	return 0;
}

/* OBJ has no magic: text without NUL whose first line that is neither
 * blank nor a comment starts with an OBJ keyword. */
static int sniff_obj(const unsigned char *p, size_t n)
{
	size_t i = 0;

	if (n > 4096)
		n = 4096;
	if (memchr(p, 0, n))
		return 0;
	while (i < n) {
		const unsigned char *nl = memchr(p + i, '\n', n - i);
		size_t end = nl ? (size_t)(nl - p) : n;

		if (p[i] != '#' && p[i] != '\r' && p[i] != '\n')
			return obj_keyword(p + i, end - i);
		if (!nl)
			break;
		i = end + 1;
	}
	return 0;
}

static enum fmt sniff(const unsigned char *p, size_t n)
{
	if (n >= 12 && !memcmp(p, "RIFF", 4))
		return F_RIFF;
	if (n >= 8 && !memcmp(p, png_sig, 8))
		return F_PNG;
	if (n >= 12 && !memcmp(p, "glTF", 4) && le32(p + 4) == 2)
		return F_GLB;
	if (n >= 30 && !memcmp(p, "PK\3\4", 4))
		return F_ZIP;
	if (n >= 128 && !memcmp(p, "DDS ", 4) && le32(p + 4) == 124)
		return F_DDS;
	if (n >= 80 && !memcmp(p, ktx2_sig, 12))
		return F_KTX2;
	if (sniff_obj(p, n))
		return F_OBJ;
	return F_UNKNOWN;
}

/* --- DDS and KTX2: the mip table, read once ------------------------ */

static void plan_add(struct vlt_asset *a, uint64_t end, const char *fmtstr,
		     int level)
{
	struct planned *s = &a->plan[a->nplan++];

	s->end = end;
	snprintf(s->label, sizeof(s->label), fmtstr, level);
}

/* Bytes per 4x4 block for a block-compressed DXGI format, per pixel
 * (negative) for an uncompressed one, 0 when unknown. */
static int dxgi_size(uint32_t f)
{
	if ((f >= 70 && f <= 72) || (f >= 79 && f <= 81))
		return 8;                 /* BC1, BC4 */
	if ((f >= 73 && f <= 78) || (f >= 82 && f <= 84) ||
	    (f >= 94 && f <= 99))
		return 16;                /* BC2, BC3, BC5, BC6H, BC7 */
	if (f >= 1 && f <= 4)
		return -16;               /* R32G32B32A32 */
	if (f >= 9 && f <= 14)
		return -8;                /* R16G16B16A16 */
	if ((f >= 27 && f <= 32) || (f >= 87 && f <= 93) ||
	    (f >= 23 && f <= 26))
		return -4;                /* R8G8B8A8, B8G8R8A8, R10G10B10A2 */
	if (f >= 60 && f <= 65)
		return -1;                /* R8, A8 */
	return 0;
}

/*
 * The header (128 bytes, 148 with DX10), then the mip levels of the main
 * surface: a cube map's other faces, an array's other slices and anything
 * else are one last section. Returns 1, or 0 when the header is not one
 * we can follow (the caller falls back).
 */
static int plan_dds(struct vlt_asset *a, const unsigned char *p, size_t n)
{
	uint32_t flags = le32(p + 8), h = le32(p + 12), w = le32(p + 16);
	uint32_t mips = le32(p + 28), pf_flags = le32(p + 80);
	uint32_t fourcc = le32(p + 84), bits = le32(p + 88);
	uint32_t caps2 = le32(p + 112);
	uint64_t hdr = 128, end;
	int block = 0, volume = 0;

	if (!memcmp(p + 84, "DX10", 4)) {
		if (n < 148)
			return 0;
		hdr = 148;
		block = dxgi_size(le32(p + 128));
		volume = le32(p + 132) == 4;      /* TEXTURE3D */
	} else if (pf_flags & 0x4) {              /* DDPF_FOURCC */
		if (!memcmp(p + 84, "DXT1", 4) || !memcmp(p + 84, "ATI1", 4) ||
		    !memcmp(p + 84, "BC4U", 4) || !memcmp(p + 84, "BC4S", 4))
			block = 8;
		else if (!memcmp(p + 84, "DXT2", 4) ||
			 !memcmp(p + 84, "DXT3", 4) ||
			 !memcmp(p + 84, "DXT4", 4) ||
			 !memcmp(p + 84, "DXT5", 4) ||
			 !memcmp(p + 84, "ATI2", 4) ||
			 !memcmp(p + 84, "BC5U", 4) ||
			 !memcmp(p + 84, "BC5S", 4))
			block = 16;
		(void)fourcc;
	} else if (bits && bits % 8 == 0 && bits <= 128) {
		block = -(int)(bits / 8);
	}
	if (caps2 & 0x200000)                     /* DDSCAPS2_VOLUME */
		volume = 1;
	if (!(flags & 0x20000) || !mips)          /* DDSD_MIPMAPCOUNT */
		mips = 1;
	plan_add(a, hdr, "dds:header", 0);
	if (!block || volume || !w || !h || w > 1u << 20 || h > 1u << 20 ||
	    mips > 32) {
		plan_add(a, NO_END, "dds:data", 0);
		return 1;
	}
	end = hdr;
	for (uint32_t i = 0; i < mips; i++) {
		uint64_t lw = w >> i ? w >> i : 1, lh = h >> i ? h >> i : 1;
		uint64_t size;

		if (block > 0)
			size = ((lw + 3) / 4) * ((lh + 3) / 4) * (uint64_t)block;
		else
			size = lw * lh * (uint64_t)-block;
		end += size;
		plan_add(a, end, "dds:mip %d", (int)i);
	}
	plan_add(a, NO_END, "dds:rest", 0);
	return 1;
}

/*
 * KTX2: the header with its level index (80 + 24 bytes per level), the
 * data format descriptor and key/values up to the first level's bytes,
 * then each level's bytes in file order (the smallest level usually
 * first), padding included, then the rest. Returns 1, 0 when the index
 * does not fit in n, -1 when it lies.
 */
static int plan_ktx2(struct vlt_asset *a, const unsigned char *p, size_t n)
{
	uint32_t levels = le32(p + 40);
	uint64_t off[32], len[32], hdr, prev;
	int idx[32], nr = 0;

	if (!levels)
		levels = 1;
	if (levels > 32)
		return -1;
	hdr = 80 + 24 * (uint64_t)levels;
	if (hdr > n)
		return 0;
	for (uint32_t i = 0; i < levels; i++) {
		uint64_t o = le64(p + 80 + 24 * i), l = le64(p + 88 + 24 * i);
		int k;

		if (!l)
			continue;
		if (o < hdr || o > NO_END / 2 || l > NO_END / 2)
			return -1;
		/* insertion sort by offset */
		for (k = nr; k > 0 && off[k - 1] > o; k--) {
			off[k] = off[k - 1];
			len[k] = len[k - 1];
			idx[k] = idx[k - 1];
		}
		off[k] = o;
		len[k] = l;
		idx[k] = (int)i;
		nr++;
	}
	if (!nr)
		return -1;
	for (int i = 1; i < nr; i++)
		if (off[i] < off[i - 1] + len[i - 1])
			return -1;          /* levels overlap */
	plan_add(a, off[0], "ktx2:header", 0);
	prev = off[0];
	for (int i = 0; i < nr; i++) {
		uint64_t end = i + 1 < nr ? off[i + 1] : off[i] + len[i];

		if (end > prev)
			plan_add(a, end, "ktx2:level %d", idx[i]);
		prev = end;
	}
	plan_add(a, NO_END, "ktx2:rest", 0);
	return 1;
}

/* --- sections -------------------------------------------------------- */

/*
 * Parse the section that starts at p (file offset at), with n bytes of
 * the window from there. Returns 1 and fills *len (NO_END: to the end of
 * the file) and label; 0 when its header lies beyond the window; -1 when
 * the structure cannot be followed from here.
 */
static int next_section(struct vlt_asset *a, const unsigned char *p, size_t n,
			uint64_t at, uint64_t *len, char *label)
{
	uint32_t sz;

	if (a->nplan) {
		if (a->iplan >= a->nplan)
			return -1;
		*len = a->plan[a->iplan].end == NO_END ? NO_END :
		       a->plan[a->iplan].end - at;
		snprintf(label, LABEL_MAX, "%s", a->plan[a->iplan].label);
		a->iplan++;
		return 1;
	}
	switch (a->fmt) {
	case F_RIFF:
		if (!a->stage) {
			a->stage = 1;
			*len = 12;
			set_label(label, LABEL_MAX, "riff:header ", p + 8, 4);
			return 1;
		}
		if (n < 8)
			return 0;
		sz = le32(p + 4);
		*len = 8 + (uint64_t)sz + (sz & 1);
		set_label(label, LABEL_MAX, "riff:", p, 4);
		return 1;
	case F_PNG:
		if (!a->stage) {
			a->stage = 1;
			*len = 8;
			snprintf(label, LABEL_MAX, "png:signature");
			return 1;
		}
		if (a->stage == 2) {
			*len = NO_END;
			snprintf(label, LABEL_MAX, "png:after IEND");
			return 1;
		}
		if (n < 8)
			return 0;
		sz = be32(p);
		if (sz > 0x7fffffffu)
			return -1;          /* the PNG spec's limit */
		*len = 12 + (uint64_t)sz;
		set_label(label, LABEL_MAX, "png:", p + 4, 4);
		if (!memcmp(p + 4, "IEND", 4))
			a->stage = 2;
		return 1;
	case F_GLB:
		if (!a->stage) {
			a->stage = 1;
			*len = 12;
			snprintf(label, LABEL_MAX, "glb:header");
			return 1;
		}
		if (n < 8)
			return 0;
		sz = le32(p);
		*len = 8 + (uint64_t)sz;
		set_label(label, LABEL_MAX, "glb:", p + 4,
			  p[7] ? 4 : 3);     /* "BIN\0" */
		return 1;
	case F_ZIP: {
		uint32_t csize;
		uint16_t flags, nlen, xlen;

		if (n < 4)
			return 0;
		if (!memcmp(p, "PK\1\2", 4) || !memcmp(p, "PK\5\6", 4) ||
		    !memcmp(p, "PK\6\6", 4)) {
			*len = NO_END;
			snprintf(label, LABEL_MAX, "zip:central directory");
			return 1;
		}
		if (memcmp(p, "PK\3\4", 4))
			return -1;
		if (n < 30)
			return 0;
		flags = le16(p + 6);
		csize = le32(p + 18);
		nlen = le16(p + 26);
		xlen = le16(p + 28);
		/* sizes in a data descriptor after the data, or in a zip64
		 * extra field: not followed */
		if ((flags & 0x8) || csize == 0xffffffffu)
			return -1;
		if (n < 30 + (size_t)nlen)
			return 0;
		*len = 30 + (uint64_t)nlen + xlen + csize;
		set_label(label, LABEL_MAX, "zip:entry ", p + 30, nlen);
		return 1;
	}
	case F_DDS:
		if (!a->stage) {
			a->stage = 1;
			if (!plan_dds(a, p, n))
				return -1;
			return next_section(a, p, n, at, len, label);
		}
		return -1;
	case F_KTX2:
		if (!a->stage) {
			int r = plan_ktx2(a, p, n);

			if (r <= 0)
				return r;
			a->stage = 1;
			return next_section(a, p, n, at, len, label);
		}
		return -1;
	default:
		return -1;
	}
}

static void fall_back(struct vlt_asset *a, uint64_t at)
{
	a->sec_start = at;
	a->sec_end = NO_END;
	a->label[0] = '\0';
	a->nplan = a->iplan = 0;
}

static void start_section(struct vlt_asset *a, const unsigned char *p,
			  size_t n)
{
	uint64_t len;
	char label[LABEL_MAX];

	if (next_section(a, p, n, a->off, &len, label) <= 0 || !len) {
		fall_back(a, a->off);
		return;
	}
	a->sec_start = a->off;
	a->sec_end = len == NO_END || len > NO_END - a->off ? NO_END :
		     a->off + len;
	memcpy(a->label, label, sizeof(label));
}

static void add_why(struct vlt_asset *a, const char *label)
{
	size_t k = strlen(a->why);

	if (k + 4 >= sizeof(a->why))
		return;
	if (k + strlen(label) + 8 >= sizeof(a->why))
		snprintf(a->why + k, sizeof(a->why) - k, " ...");
	else
		snprintf(a->why + k, sizeof(a->why) - k, "%s%s",
			 k ? " + " : "", label);
}

/* --- OBJ: sections start at "o " and "g " lines --------------------- */

/* The first section start in (from, n): a line beginning with "o " or
 * "g "; n when there is none. */
static size_t obj_next(const unsigned char *p, size_t from, size_t n)
{
	size_t k = from;

	while (k < n) {
		const unsigned char *nl = memchr(p + k, '\n', n - k);

		if (!nl)
			break;
		k = (size_t)(nl - p) + 1;
		if (k + 1 < n && (p[k] == 'o' || p[k] == 'g') &&
		    p[k + 1] == ' ')
			return k;
	}
	return n;
}

static void obj_label(char *dst, const unsigned char *p, size_t n)
{
	const unsigned char *nl = memchr(p, '\n', n);
	size_t k = nl ? (size_t)(nl - p) : n;

	if (k && p[k - 1] == '\r')
		k--;
	set_label(dst, LABEL_MAX, "obj:", p, k > 64 ? 64 : k);
}

static size_t obj_cut(struct vlt_asset *a, const struct vlt_chunker *c,
		      const unsigned char *data, size_t len, size_t win)
{
	size_t k = obj_next(data, 0, win);
	char label[LABEL_MAX];

	if (!a->off)
		snprintf(label, sizeof(label), "obj:start");
	else if (a->obj_boundary)
		obj_label(label, data, win);
	else
		snprintf(label, sizeof(label), "fastcdc in obj");
	a->why[0] = '\0';
	add_why(a, label);
	if (k == win) {
		/* no section starts within max: FastCDC, which cannot cut
		 * past the window */
		a->obj_boundary = 0;
		return vlt_chunker_cut_fastcdc(c, data, len);
	}
	while (k < c->p.min) {
		size_t k2 = obj_next(data, k, win);

		/* the same rule as for other formats: a block of min bytes or
		 * more starts its own chunk */
		if (k2 == win || k2 - k >= c->p.min)
			break;
		obj_label(label, data + k, win - k);
		add_why(a, label);
		k = k2;
	}
	a->obj_boundary = 1;
	return k;
}

/* --- the cut ----------------------------------------------------- */

size_t vlt_asset_cut(struct vlt_asset *a, const struct vlt_chunker *c,
		     const unsigned char *data, size_t len, const char **why)
{
	size_t win = len < c->p.max ? len : c->p.max, n;
	uint64_t remaining;

	if (!len) {
		*why = "fastcdc";
		return 0;
	}
	if (!a->sniffed) {
		a->sniffed = 1;
		a->fmt = sniff(data, win);
		a->sec_start = a->sec_end = 0;
		if (a->fmt == F_UNKNOWN || a->fmt == F_OBJ)
			fall_back(a, 0);
	}
	if (a->fmt == F_OBJ) {
		n = obj_cut(a, c, data, len, win);
		a->off += n;
		*why = a->why;
		return n;
	}
	if (a->off >= a->sec_end)
		start_section(a, data, win);
	remaining = a->sec_end - a->off;
	if (a->off == a->sec_start && remaining < c->p.min) {
		/* a whole section, and the small ones after it */
		uint64_t k = remaining;

		a->why[0] = '\0';
		add_why(a, a->label);
		while (k < c->p.min && k < win && a->fmt != F_ZIP) {
			uint64_t slen;
			char label[LABEL_MAX];
			int r = next_section(a, data + k, win - (size_t)k,
					     a->off + k, &slen, label);

			if (r == 0)
				break;      /* parsed again by the next call */
			if (r < 0 || !slen) {
				fall_back(a, a->off + k);
				break;
			}
			a->sec_start = a->off + k;
			a->sec_end = slen == NO_END ||
				     slen > NO_END - a->sec_start ? NO_END :
				     a->sec_start + slen;
			memcpy(a->label, label, sizeof(label));
			if (slen >= c->p.min || slen > c->p.max - k)
				break;      /* the next one starts a chunk */
			k += slen;
			add_why(a, label);
		}
		n = k < len ? (size_t)k : len;
	} else {
		size_t lim = remaining < len ? (size_t)remaining : len;

		n = vlt_chunker_cut_fastcdc(c, data, lim);
		if (!a->label[0])
			snprintf(a->why, sizeof(a->why), "fastcdc");
		else if (a->off == a->sec_start)
			snprintf(a->why, sizeof(a->why), "%s", a->label);
		else
			snprintf(a->why, sizeof(a->why), "fastcdc in %s",
				 a->label);
	}
	a->off += n;
	*why = a->why;
	return n;
}
