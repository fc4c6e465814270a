/*
 * micro.c - single-core throughput of the building blocks of a backup.
 *
 * usage: micro [MIB [REPS]]   (default: 256 MiB, best of 5)
 *
 * Each line is the best of REPS runs over the same in-memory buffer, in
 * MB/s (10^6 bytes per second) of input: memcpy as the memory-bandwidth
 * yardstick, FastCDC with the default and 16 KiB parameters,
 * SHA-256 (OpenSSL, via vlt_sha256) in 1 MiB pieces, chunking
 * and chunk object ids together (what vault-chunk does per byte), XXH3,
 * and zstd levels 1 and 3 on 1 MiB blocks of a half-compressible buffer.
 * Hashing and chunking run on pseudo-random data (no cut-point luck).
 * See bench/RESULTS.md for recorded numbers.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xxhash.h>
#include <zstd.h>

#include "chunker.h"
#include "error.h"
#include "hash.h"
#include "object.h"

#define MIB (1024u * 1024)

static size_t len;
static int reps;
static unsigned char *src, *dst, *text;
static volatile uint64_t sink;  /* keeps results alive */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static uint64_t rng = 0x853c49e6748fea9bULL;

static uint64_t next_rand(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void fill_random(unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		uint64_t v = next_rand();

		memcpy(p + i, &v, 8);
	}
	for (; i < n; i++)
		p[i] = (unsigned char)next_rand();
}

/* Alternating 2 KiB of random bytes and 2 KiB of words from a small
 * vocabulary: compresses to about half with zstd -1. */
static void fill_half_compressible(unsigned char *p, size_t n)
{
	static const char *const words[] = {
		"vertex ", "normal ", "texture ", "0.125 ", "-1.5 ", "mesh ",
		"layer ", "opacity ", "frame ", "sample ", "{ ", "} ",
		"\"name\": ", "1024 ", "true ", "null ",
	};
	size_t i = 0;

	while (i < n) {
		size_t end = i + 2048 < n ? i + 2048 : n;

		fill_random(p + i, end - i);
		i = end;
		end = i + 2048 < n ? i + 2048 : n;
		while (i < end) {
			const char *w = words[next_rand() & 15];
			size_t wl = strlen(w);

			if (wl > end - i)
				wl = end - i;
			memcpy(p + i, w, wl);
			i += wl;
		}
	}
}

typedef void (*bench_fn)(const void *arg);

static double best_of(bench_fn fn, const void *arg)
{
	double best = 1e30;
	int r;

	for (r = 0; r < reps; r++) {
		double t = now();

		fn(arg);
		t = now() - t;
		if (t < best)
			best = t;
	}
	return best;
}

static void row(const char *name, size_t bytes, double secs,
		const char *note)
{
	double mbs = bytes / secs / 1e6;

	printf("%-24s %12.0f %9.2f   %s\n", name, mbs, mbs / 1000, note);
	fflush(stdout);
}

/* ---- the measured operations ------------------------------------------ */

static void run_memcpy(const void *arg)
{
	(void)arg;
	memcpy(dst, src, len);
	sink += dst[len / 2];
}

static size_t last_chunks;

static void run_chunker(const void *arg)
{
	const struct vlt_chunker *c = arg;
	size_t pos = 0, n = 0;

	while (pos < len) {
		pos += vlt_chunker_cut(c, src + pos, len - pos);
		n++;
	}
	last_chunks = n;
}

static void run_chunk_ids(const void *arg)
{
	const struct vlt_chunker *c = arg;
	struct vlt_idfn fn;
	struct vlt_oid oid;
	size_t pos = 0;

	vlt_idfn_parse(&fn, "sha256");
	while (pos < len) {
		size_t n = vlt_chunker_cut(c, src + pos, len - pos);

		if (vlt_object_id(&fn, VLT_OBJ_CHUNK, src + pos, n, &oid) < 0)
			abort();
		sink += oid.id[0];
		pos += n;
	}
}

static void run_sha256(const void *arg)
{
	unsigned char out[32];
	size_t pos;

	(void)arg;
	for (pos = 0; pos < len; pos += MIB) {
		vlt_sha256(src + pos, len - pos < MIB ? len - pos : MIB, out);
		sink += out[0];
	}
}

static void run_xxh3(const void *arg)
{
	(void)arg;
	sink += XXH3_64bits(src, len);
}

struct zjob {
	int level;
	size_t len;          /* of text */
	unsigned char *out;  /* compressed blocks, one slot per block */
	size_t slot;
	size_t *sizes;
	size_t total;
};

static void run_zstd_compress(const void *arg)
{
	struct zjob *z = (struct zjob *)arg;
	ZSTD_CCtx *cctx = ZSTD_createCCtx();
	size_t pos, i = 0;

	z->total = 0;
	for (pos = 0; pos < z->len; pos += MIB, i++) {
		size_t n = z->len - pos < MIB ? z->len - pos : MIB;
		size_t r = ZSTD_compressCCtx(cctx, z->out + i * z->slot, z->slot,
					     text + pos, n, z->level);

		if (ZSTD_isError(r))
			abort();
		z->sizes[i] = r;
		z->total += r;
	}
	ZSTD_freeCCtx(cctx);
}

static void run_zstd_decompress(const void *arg)
{
	const struct zjob *z = arg;
	ZSTD_DCtx *dctx = ZSTD_createDCtx();
	size_t pos, i = 0;

	for (pos = 0; pos < z->len; pos += MIB, i++) {
		size_t r = ZSTD_decompressDCtx(dctx, dst + pos, MIB,
					       z->out + i * z->slot,
					       z->sizes[i]);

		if (ZSTD_isError(r))
			abort();
	}
	sink += dst[0];
	ZSTD_freeDCtx(dctx);
}

static void bench_fastcdc(const char *name, uint32_t min, uint32_t avg,
			  uint32_t max)
{
	struct vlt_chunker_params p = { VLT_CHUNKER_FASTCDC, min, avg, max };
	struct vlt_chunker c;
	char note[96];
	double t;

	if (vlt_chunker_init(&c, &p) < 0) {
		fprintf(stderr, "%s: %s\n", name, vlt_error_last());
		exit(1);
	}
	t = best_of(run_chunker, &c);
	snprintf(note, sizeof(note), "%u/%u/%u, %zu chunks, mean %zu",
		 min, avg, max, last_chunks, len / last_chunks);
	row(name, len, t, note);
}

int main(int argc, char **argv)
{
	struct vlt_chunker_params p;
	struct vlt_chunker c;
	size_t zlen;
	int level;

	len = (argc > 1 ? strtoul(argv[1], NULL, 10) : 256) * MIB;
	reps = argc > 2 ? atoi(argv[2]) : 5;
	if (!len || reps < 1) {
		fprintf(stderr, "usage: micro [MIB [REPS]]\n");
		return 2;
	}
	zlen = len < 64 * MIB ? len : 64 * MIB;
	src = malloc(len);
	dst = malloc(len);
	text = malloc(zlen);
	if (!src || !dst || !text) {
		fprintf(stderr, "out of memory\n");
		return 1;
	}
	fill_random(src, len);
	fill_half_compressible(text, zlen);
	memset(dst, 0, len);

	printf("# %zu MiB random data (zstd: %zu MiB half-compressible, 1 MiB blocks), best of %d, one thread\n",
	       len / MIB, zlen / MIB, reps);
	printf("%-24s %12s %9s   %s\n", "operation", "MB/s", "GB/s", "notes");

	row("memcpy", len, best_of(run_memcpy, NULL), "");
	bench_fastcdc("fastcdc (default)", VLT_CHUNK_MIN_DEFAULT,
		      VLT_CHUNK_AVG_DEFAULT, VLT_CHUNK_MAX_DEFAULT);
	bench_fastcdc("fastcdc (16K avg)", 4096, 16384, 65536);

	/* fixed-size chunking reads no byte (cut = min(len, size)): there is
	 * nothing to time, so it has no row */
	row("sha256 (vlt_sha256)", len, best_of(run_sha256, NULL),
	    "OpenSSL EVP, 1 MiB pieces");
	vlt_chunker_params_default(&p, VLT_CHUNKER_FASTCDC);
	vlt_chunker_init(&c, &p);
	row("fastcdc + chunk ids", len, best_of(run_chunk_ids, &c),
	    "default params, vlt_object_id per chunk");
	row("xxh3 (XXH3_64bits)", len, best_of(run_xxh3, NULL), "");

	for (level = 1; level <= 3; level += 2) {
		struct zjob z = { 0 };
		size_t blocks = (zlen + MIB - 1) / MIB;
		char name[64], note[64];

		z.level = level;
		z.len = zlen;
		z.slot = ZSTD_compressBound(MIB);
		z.out = malloc(blocks * z.slot);
		z.sizes = malloc(blocks * sizeof(*z.sizes));
		if (!z.out || !z.sizes)
			return 1;
		snprintf(name, sizeof(name), "zstd -%d compress", level);
		row(name, zlen, best_of(run_zstd_compress, &z), "");
		snprintf(name, sizeof(name), "zstd -%d decompress", level);
		snprintf(note, sizeof(note), "ratio %.2f",
			 (double)zlen / z.total);
		row(name, zlen, best_of(run_zstd_decompress, &z), note);
		if (memcmp(dst, text, zlen)) {
			fprintf(stderr, "zstd round trip differs\n");
			return 1;
		}
		free(z.out);
		free(z.sizes);
	}
	free(src);
	free(dst);
	free(text);
	return 0;
}
