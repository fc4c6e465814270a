/*
 * chunker-asset.c - unit tests for lib/chunker-asset.c.
 *
 * Assets are built in memory (RIFF, PNG, GLB, ZIP, DDS, KTX2, OBJ, with
 * pseudo-random payloads) and cut with small sizes (min 1 KiB, avg 4 KiB,
 * max 16 KiB) so that sections are both smaller and larger than the
 * bounds. Checked: cuts at section starts, what each cut names, FastCDC
 * inside big sections, merging of small sections, stability of the
 * payload's chunks when a header grows or entries move, lying sizes
 * (no error, the file is still covered), the bounds, determinism, and
 * that the streaming reader cuts exactly where the in-memory cut does.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "chunker.h"
#include "error.h"
#include "tap.h"

static uint64_t rng_state;

static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void add_random(struct vlt_buf *b, size_t n, uint64_t seed)
{
	rng_state = seed;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)rng_next();

		vlt_buf_add(b, &c, 1);
	}
}

static void add_le32(struct vlt_buf *b, uint32_t v)
{
	unsigned char p[4] = { (unsigned char)v, (unsigned char)(v >> 8),
			       (unsigned char)(v >> 16),
			       (unsigned char)(v >> 24) };

	vlt_buf_add(b, p, 4);
}

static void add_le16(struct vlt_buf *b, uint16_t v)
{
	unsigned char p[2] = { (unsigned char)v, (unsigned char)(v >> 8) };

	vlt_buf_add(b, p, 2);
}

static void add_le64(struct vlt_buf *b, uint64_t v)
{
	add_le32(b, (uint32_t)v);
	add_le32(b, (uint32_t)(v >> 32));
}

static void add_be32(struct vlt_buf *b, uint32_t v)
{
	unsigned char p[4] = { (unsigned char)(v >> 24),
			       (unsigned char)(v >> 16),
			       (unsigned char)(v >> 8), (unsigned char)v };

	vlt_buf_add(b, p, 4);
}

#define MAXCUTS 4096

struct cuts {
	size_t n;
	uint64_t off[MAXCUTS];
	size_t len[MAXCUTS];
	uint64_t sum[MAXCUTS];      /* a content fingerprint per chunk */
	char why[MAXCUTS][400];
};

static struct vlt_chunker ch;

static uint64_t fingerprint(const unsigned char *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h;
}

static void cut_mem(const struct vlt_buf *b, struct cuts *c)
{
	struct vlt_asset *a;
	size_t pos = 0;

	c->n = 0;
	if (vlt_asset_new(&a) < 0)
		abort();
	while (pos < b->len && c->n < MAXCUTS) {
		const char *why;
		size_t n = vlt_asset_cut(a, &ch, (const unsigned char *)b->data +
					 pos, b->len - pos, &why);

		c->off[c->n] = pos;
		c->len[c->n] = n;
		c->sum[c->n] = fingerprint((const unsigned char *)b->data + pos,
					   n);
		snprintf(c->why[c->n], sizeof(c->why[0]), "%s", why);
		c->n++;
		if (!n)
			break;
		pos += n;
	}
	vlt_asset_free(a);
}

/* The same through vlt_chunk_reader over a file. */
static int cut_stream_matches(const struct vlt_buf *b, const struct cuts *c)
{
	char path[4096];
	struct vlt_chunk_reader r;
	size_t i = 0;
	int fd, same = 1;

	snprintf(path, sizeof(path), "%s/asset.bin", tap_tmpdir());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, b->data, b->len) != (ssize_t)b->len ||
	    lseek(fd, 0, SEEK_SET) < 0)
		return 0;
	if (vlt_chunk_reader_init(&r, &ch, fd) < 0)
		return 0;
	for (;;) {
		const unsigned char *d;
		size_t n;

		if (vlt_chunk_reader_next(&r, &d, &n) < 0) {
			same = 0;
			break;
		}
		if (!n)
			break;
		if (i >= c->n || c->len[i] != n || strcmp(c->why[i], r.why))
			same = 0;
		i++;
	}
	vlt_chunk_reader_release(&r);
	close(fd);
	return same && i == c->n;
}

static void show(const struct cuts *c)
{
	for (size_t i = 0; i < c->n; i++)
		tap_diag("  %llu %zu %s", (unsigned long long)c->off[i],
			 c->len[i], c->why[i]);
}

static int covers(const struct vlt_buf *b, const struct cuts *c)
{
	uint64_t pos = 0;

	for (size_t i = 0; i < c->n; i++) {
		if (c->off[i] != pos || !c->len[i] || c->len[i] > ch.p.max)
			return 0;
		pos += c->len[i];
	}
	return pos == b->len;
}

static int cut_at(const struct cuts *c, uint64_t off, const char *why)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->off[i] == off)
			return !why || !strcmp(c->why[i], why);
	return 0;
}

static size_t count_why(const struct cuts *c, const char *prefix)
{
	size_t n = 0;

	for (size_t i = 0; i < c->n; i++)
		n += !strncmp(c->why[i], prefix, strlen(prefix));
	return n;
}

/* How many chunks of b (by fingerprint) are not in a. */
static size_t new_chunks(const struct cuts *a, const struct cuts *b)
{
	size_t n = 0;

	for (size_t i = 0; i < b->n; i++) {
		int found = 0;

		for (size_t j = 0; j < a->n && !found; j++)
			found = a->sum[j] == b->sum[i] && a->len[j] == b->len[i];
		n += !found;
	}
	return n;
}

/* --- builders ----------------------------------------------------- */

static void riff(struct vlt_buf *b, int with_list, uint32_t data_len,
		 uint64_t seed, uint32_t lie)
{
	vlt_buf_reset(b);
	vlt_buf_add(b, "RIFF", 4);
	add_le32(b, 0);
	vlt_buf_add(b, "WAVE", 4);
	vlt_buf_add(b, "fmt ", 4);
	add_le32(b, 16);
	add_random(b, 16, 7);
	if (with_list) {
		vlt_buf_add(b, "LIST", 4);
		add_le32(b, 34);
		vlt_buf_add(b, "INFOICMT", 8);
		add_le32(b, 22);
		vlt_buf_add(b, "a comment for the mix", 22);
	}
	vlt_buf_add(b, "data", 4);
	add_le32(b, lie ? lie : data_len);
	add_random(b, data_len, seed);
}

static void png_chunk(struct vlt_buf *b, const char *type, size_t n,
		      uint64_t seed)
{
	add_be32(b, (uint32_t)n);
	vlt_buf_add(b, type, 4);
	add_random(b, n + 4, seed);       /* data and a (fake) CRC */
}

static void zip_entry(struct vlt_buf *b, const char *name, size_t n,
		      uint64_t seed)
{
	vlt_buf_add(b, "PK\3\4", 4);
	add_le16(b, 10);
	add_le16(b, 0);
	add_le16(b, 0);                   /* stored */
	add_le32(b, 0);
	add_le32(b, (uint32_t)seed);      /* "crc" */
	add_le32(b, (uint32_t)n);
	add_le32(b, (uint32_t)n);
	add_le16(b, (uint16_t)strlen(name));
	add_le16(b, 0);
	vlt_buf_adds(b, name);
	add_random(b, n, seed);
}

static void zip_end(struct vlt_buf *b)
{
	vlt_buf_add(b, "PK\1\2", 4);
	add_random(b, 60, 99);
	vlt_buf_add(b, "PK\5\6", 4);
	add_random(b, 18, 98);
}

/* a 64x64 DXT1 texture with 7 mip levels; retouch one level */
static void dds(struct vlt_buf *b, int retouch)
{
	unsigned char hdr[128] = { 0 };
	uint32_t w = 64, h = 64;

	memcpy(hdr, "DDS ", 4);
	hdr[4] = 124;
	hdr[8] = 0x07; hdr[9] = 0x10; hdr[10] = 0x02;     /* MIPMAPCOUNT */
	hdr[12] = (unsigned char)h;
	hdr[16] = (unsigned char)w;
	hdr[28] = 7;
	hdr[76] = 32;
	hdr[80] = 0x4;
	memcpy(hdr + 84, "DXT1", 4);
	vlt_buf_reset(b);
	vlt_buf_add(b, hdr, sizeof(hdr));
	for (int i = 0; i < 7; i++) {
		uint32_t lw = w >> i ? w >> i : 1, lh = h >> i ? h >> i : 1;
		size_t n = ((lw + 3) / 4) * ((lh + 3) / 4) * 8;

		add_random(b, n, 100 + (uint64_t)i + (i == retouch ? 50 : 0));
	}
}

/* KTX2 with 3 levels of 16000, 4000 and 1000 bytes, smallest first */
static void ktx2(struct vlt_buf *b, int lie)
{
	static const unsigned char id[12] = { 0xab, 'K', 'T', 'X', ' ', '2',
					      '0', 0xbb, '\r', '\n', 0x1a,
					      '\n' };
	uint64_t sizes[3] = { 16000, 4000, 1000 }, off[3];
	uint64_t pos = 80 + 3 * 24 + 64;

	off[2] = pos;
	off[1] = off[2] + sizes[2];
	off[0] = off[1] + sizes[1];
	vlt_buf_reset(b);
	vlt_buf_add(b, id, 12);
	add_le32(b, 37);
	add_le32(b, 1);
	add_le32(b, 64);
	add_le32(b, 64);
	add_le32(b, 0);
	add_le32(b, 0);
	add_le32(b, 1);
	add_le32(b, 3);
	add_le32(b, 0);
	for (int i = 0; i < 8; i++)
		add_le32(b, 0);
	for (int i = 0; i < 3; i++) {
		add_le64(b, lie && i == 1 ? off[0] + 10 : off[i]);
		add_le64(b, sizes[i]);
		add_le64(b, sizes[i]);
	}
	add_random(b, 64, 5);
	for (int i = 2; i >= 0; i--)
		add_random(b, sizes[i], 200 + (uint64_t)i);
}

static void obj(struct vlt_buf *b, int change)
{
	vlt_buf_reset(b);
	vlt_buf_adds(b, "# test\nmtllib a.mtl\n");
	for (int k = 0; k < 4; k++) {
		rng_state = 300 + (uint64_t)k + (k == change ? 9 : 0);
		vlt_buf_addf(b, "o Part%d\n", k);
		for (int i = 0; i < 200; i++)
			vlt_buf_addf(b, "v %u %u %u\n",
				     (unsigned)(rng_next() % 100000),
				     (unsigned)(rng_next() % 100000),
				     (unsigned)(rng_next() % 100000));
	}
}

int main(void)
{
	struct vlt_chunker_params p = { VLT_CHUNKER_ASSET, 1024, 4096, 16384 };
	struct vlt_buf b = VLT_BUF_INIT, b2 = VLT_BUF_INIT;
	static struct cuts c, c2;
	enum vlt_chunker_algo algo;

	tap_plan_lazy();
	ok(vlt_chunker_algo_parse("asset", &algo) == 0 &&
	   algo == VLT_CHUNKER_ASSET, "\"asset\" parses");
	is_str(vlt_chunker_algo_name(VLT_CHUNKER_ASSET), "asset",
	       "and is named back");
	ok(vlt_chunker_init(&ch, &p) == 0, "asset chunker initialises");

	/* unknown content: exactly FastCDC */
	add_random(&b, 100000, 1);
	cut_mem(&b, &c);
	{
		struct vlt_chunker f;
		struct vlt_chunker_params fp = p;
		size_t pos = 0, i = 0;
		int same = 1;

		fp.algo = VLT_CHUNKER_FASTCDC;
		vlt_chunker_init(&f, &fp);
		while (pos < b.len) {
			size_t n = vlt_chunker_cut(&f, (unsigned char *)b.data +
						   pos, b.len - pos);

			same &= i < c.n && c.len[i] == n &&
				!strcmp(c.why[i], "fastcdc");
			pos += n;
			i++;
		}
		ok(same && i == c.n, "unknown format: FastCDC's cuts, named "
		   "\"fastcdc\"");
	}

	/* RIFF */
	riff(&b, 0, 60000, 11, 0);
	cut_mem(&b, &c);
	ok(covers(&b, &c), "wav: chunks cover the file within max");
	ok(cut_at(&c, 0, "riff:header WAVE + riff:fmt"),
	   "wav: the small header and fmt chunk are merged");
	ok(cut_at(&c, 36, "riff:data"), "wav: a cut at the data chunk");
	ok(count_why(&c, "fastcdc in riff:data") >= 2,
	   "wav: FastCDC inside the big data chunk");
	ok(cut_stream_matches(&b, &c), "wav: the streaming reader cuts the same");
	riff(&b2, 1, 60000, 11, 0);
	cut_mem(&b2, &c2);
	ok(cut_at(&c2, 78, "riff:data"),
	   "wav with a LIST chunk: the data chunk still starts a cut");
	is_int(new_chunks(&c, &c2), 1,
	       "wav whose header grew: only the header chunk is new");
	{
		/* an edit in the middle of the samples */
		memcpy(b2.data, b.data, b.len);
		b2.len = b.len;
		for (size_t i = 30000; i < 30100; i++)
			((unsigned char *)b2.data)[i] ^= 0x5a;
		cut_mem(&b2, &c2);
		ok(new_chunks(&c, &c2) <= 2 && new_chunks(&c, &c2) >= 1,
		   "wav: an edited region changes only the chunks around it");
	}
	riff(&b, 0, 20000, 12, 0x7fffffffu);
	cut_mem(&b, &c);
	ok(covers(&b, &c), "wav whose data size lies: covered, no error");
	riff(&b, 0, 20000, 12, 0);
	vlt_buf_add(&b, "dat", 3);          /* a truncated chunk header */
	cut_mem(&b, &c);
	ok(covers(&b, &c) && !strcmp(c.why[c.n - 1], "fastcdc"),
	   "wav with a truncated chunk header: FastCDC from there");

	/* PNG */
	vlt_buf_reset(&b);
	vlt_buf_add(&b, "\x89PNG\r\n\x1a\n", 8);
	png_chunk(&b, "IHDR", 13, 1);
	for (int i = 0; i < 4; i++)
		png_chunk(&b, "IDAT", 5000, 20 + (uint64_t)i);
	png_chunk(&b, "IEND", 0, 3);
	cut_mem(&b, &c);
	ok(covers(&b, &c) && cut_at(&c, 0, "png:signature + png:IHDR") &&
	   cut_at(&c, 33, "png:IDAT") && cut_at(&c, 33 + 5012, "png:IDAT") &&
	   count_why(&c, "png:IDAT") == 4,
	   "png: a cut at each IDAT, small chunks merged");
	ok(cut_stream_matches(&b, &c), "png: the streaming reader cuts the same");

	/* GLB */
	vlt_buf_reset(&b);
	vlt_buf_add(&b, "glTF", 4);
	add_le32(&b, 2);
	add_le32(&b, 12 + 8 + 2000 + 8 + 50000);
	add_le32(&b, 2000);
	vlt_buf_add(&b, "JSON", 4);
	add_random(&b, 2000, 4);
	add_le32(&b, 50000);
	vlt_buf_add(&b, "BIN\0", 4);
	add_random(&b, 50000, 5);
	cut_mem(&b, &c);
	ok(covers(&b, &c) && cut_at(&c, 0, "glb:header") &&
	   cut_at(&c, 12, "glb:JSON") && cut_at(&c, 2020, "glb:BIN") &&
	   count_why(&c, "fastcdc in glb:BIN") >= 1,
	   "glb: cuts at the JSON and BIN chunks, FastCDC inside BIN");

	/* ZIP */
	vlt_buf_reset(&b);
	zip_entry(&b, "a.png", 5000, 1);
	zip_entry(&b, "b.wav", 40000, 2);
	zip_entry(&b, "c.txt", 200, 3);
	zip_end(&b);
	cut_mem(&b, &c);
	ok(covers(&b, &c) && cut_at(&c, 0, "zip:entry a.png") &&
	   cut_at(&c, 5035, "zip:entry b.wav") &&
	   cut_at(&c, 5035 + 40035, "zip:entry c.txt") &&
	   cut_at(&c, 5035 + 40035 + 235, "zip:central directory"),
	   "zip: a cut at each entry and at the central directory");
	ok(cut_stream_matches(&b, &c), "zip: the streaming reader cuts the same");
	vlt_buf_reset(&b2);
	zip_entry(&b2, "c.txt", 200, 3);
	zip_entry(&b2, "b.wav", 40000, 2);
	zip_entry(&b2, "a.png", 5000, 1);
	zip_end(&b2);
	cut_mem(&b2, &c2);
	is_int(new_chunks(&c, &c2), 0,
	       "zip reordered: every chunk is an old one");
	vlt_buf_reset(&b2);
	zip_entry(&b2, "a.png", 5000, 1);
	zip_entry(&b2, "b.wav", 40000, 7);
	zip_entry(&b2, "c.txt", 200, 3);
	zip_end(&b2);
	cut_mem(&b2, &c2);
	{
		size_t nb = 0;

		for (size_t i = 0; i < c2.n; i++)
			nb += c2.off[i] >= 5035 && c2.off[i] < 5035 + 40035;
		is_int(new_chunks(&c, &c2), nb,
		       "zip with one entry changed: only its chunks are new");
	}
	vlt_buf_reset(&b);
	zip_entry(&b, "a.png", 5000, 1);
	((unsigned char *)b.data)[18] = 0xf0;        /* csize: 0x...f0 */
	((unsigned char *)b.data)[21] = 0x70;
	zip_entry(&b, "b.wav", 4000, 2);
	cut_mem(&b, &c);
	ok(covers(&b, &c), "zip whose entry size lies: covered, no error");

	/* DDS */
	dds(&b, -1);
	cut_mem(&b, &c);

	if (!ok(covers(&b, &c) && cut_at(&c, 0, "dds:header") &&
		cut_at(&c, 128, "dds:mip 0") && cut_at(&c, 128 + 2048,
		"dds:mip 1 + dds:mip 2 + dds:mip 3 + dds:mip 4 + dds:mip 5 + "
		"dds:mip 6"),
		"dds: cuts at the header and mip 0, small mips merged"))
		show(&c);
	dds(&b2, 0);
	cut_mem(&b2, &c2);
	ok(new_chunks(&c, &c2) == 1 && c2.sum[1] != c.sum[1],
	   "dds with mip 0 retouched: only that level's chunk is new");
	ok(cut_stream_matches(&b, &c), "dds: the streaming reader cuts the same");

	/* KTX2 */
	ktx2(&b, 0);
	cut_mem(&b, &c);
	ok(covers(&b, &c) && cut_at(&c, 0, "ktx2:header + ktx2:level 2") &&
	   cut_at(&c, 216 + 1000, "ktx2:level 1") &&
	   cut_at(&c, 216 + 5000, "ktx2:level 0"),
	   "ktx2: cuts at each level in file order");
	ktx2(&b, 1);
	cut_mem(&b, &c);
	ok(covers(&b, &c) && !strcmp(c.why[0], "fastcdc"),
	   "ktx2 with overlapping levels: FastCDC, no error");

	/* OBJ */
	obj(&b, -1);
	cut_mem(&b, &c);
	ok(covers(&b, &c) && count_why(&c, "obj:o Part") >= 3,
	   "obj: cuts at o lines");
	ok(cut_at(&c, 0, "obj:start") && cut_at(&c, 20, "obj:o Part0"),
	   "obj: the small header is not merged into the first big object");
	obj(&b2, 2);
	cut_mem(&b2, &c2);
	ok(new_chunks(&c, &c2) >= 1 && new_chunks(&c, &c2) * 2 < c2.n,
	   "obj with one object changed: most chunks are old");
	ok(cut_stream_matches(&b, &c), "obj: the streaming reader cuts the same");

	/* determinism */
	dds(&b, 3);
	cut_mem(&b, &c);
	cut_mem(&b, &c2);
	ok(c.n == c2.n && !memcmp(c.len, c2.len, c.n * sizeof(c.len[0])),
	   "same bytes, same cuts");

	vlt_buf_release(&b);
	vlt_buf_release(&b2);
	return tap_done();
}
