/*
 * chunker.h - where to cut a byte stream into chunks.
 *
 * Algorithms: fixed-size blocks, FastCDC 2020 (gear rolling hash,
 * normalized chunking level 1, two bytes per step), which with the default
 * gear table cuts exactly where the authors' C reference (destor) and the
 * Rust `fastcdc` crate's v2020 module cut. A repository may later key the
 * gear table (vlt_chunker_set_gear) so cut points do not leak content.
 *
 * The cut function is pure: given the bytes from the start of the current
 * chunk it returns that chunk's length. Streaming callers keep at least
 * `max` bytes buffered (or everything up to EOF) and call it repeatedly;
 * vlt_chunker_next() does that buffering over a file descriptor.
 */
#ifndef VLT_CHUNKER_H
#define VLT_CHUNKER_H

#include <stddef.h>
#include <stdint.h>

enum vlt_chunker_algo {
	VLT_CHUNKER_FIXED = 0,
	VLT_CHUNKER_FASTCDC = 1,
	VLT_CHUNKER_ASSET = 2,    /* cuts at a game asset's structure, FastCDC
				   * inside big sections (chunker-asset.c) */
};

/* Defaults for multi-GB binary assets; see Documentation/format.md. */
#define VLT_CHUNK_MIN_DEFAULT   (64u * 1024)
#define VLT_CHUNK_AVG_DEFAULT   (256u * 1024)
#define VLT_CHUNK_MAX_DEFAULT   (1024u * 1024)
/* Limits accepted for min/avg/max (FastCDC's own: 64 B .. 1 GiB). */
#define VLT_CHUNK_SIZE_MIN      64u
#define VLT_CHUNK_SIZE_MAX      (1024u * 1024 * 1024)

struct vlt_chunker_params {
	enum vlt_chunker_algo algo;
	uint32_t min, avg, max;   /* for FIXED only avg is used (block size) */
};

struct vlt_chunker {
	struct vlt_chunker_params p;
	uint64_t mask_s, mask_l, mask_s_ls, mask_l_ls;
	const uint64_t *gear;     /* 256 entries; default table unless keyed */
	const uint64_t *gear_ls;  /* gear[i] << 1 */
	uint64_t keyed[2][256];   /* storage for a keyed table */
};

/* Fill params with the defaults for algo. */
void vlt_chunker_params_default(struct vlt_chunker_params *p,
				enum vlt_chunker_algo algo);

/*
 * The parameters for algo derived from a repository's (base): the same
 * avg, and never a larger max (what the repository's objects and buffers
 * are sized for). fixed: blocks of avg. fastcdc/asset from a fixed base:
 * min avg/4 (at least 64), max avg. Used where a path's attributes pick
 * another chunker than the repository's.
 */
void vlt_chunker_params_for(const struct vlt_chunker_params *base,
			    enum vlt_chunker_algo algo,
			    struct vlt_chunker_params *out);

/* Check params (min <= avg <= max, within limits) and precompute masks.
 * Returns 0 or VLT_E_INVALID with a message. */
int vlt_chunker_init(struct vlt_chunker *c, const struct vlt_chunker_params *p);

/* Replace the gear table by one derived from a 32-byte key. */
void vlt_chunker_set_gear(struct vlt_chunker *c, const unsigned char key[32]);

/*
 * Length of the chunk that starts at data[0], given len available bytes.
 * If len < max and more data follows, the caller must not call this (keep
 * buffering); at EOF any len is fine. Returns a value in 1..len (len > 0).
 */
size_t vlt_chunker_cut(const struct vlt_chunker *c, const unsigned char *data,
		       size_t len);

/*
 * Extensions, mostly for compatibility tests against the reference:
 *
 * vlt_chunker_set_normalization: FastCDC normalization level 0..3 (init
 * sets 1, the reference's default). VLT_E_INVALID when the MASKS table has
 * no entry for round(log2(avg)) +/- level.
 *
 * vlt_chunker_set_gear_seed: the fastcdc crate's with_level_and_seed():
 * XOR the default tables with seed (and seed << 1). Seed 0 restores the
 * default table. Unlike vlt_chunker_set_gear this does not hide content.
 *
 * vlt_chunker_cut_hash: vlt_chunker_cut that also returns the gear hash at
 * the cut (the crate's Chunk.hash; 0 for a tail not longer than min, and
 * 0 for fixed-size chunks).
 *
 * Keyed tables live inside struct vlt_chunker and gear/gear_ls point at
 * them: do not copy an initialised struct vlt_chunker by value.
 */
#define VLT_CHUNK_FASTCDC_AVG_MAX (16u * 1024 * 1024)

int vlt_chunker_set_normalization(struct vlt_chunker *c, unsigned level);
void vlt_chunker_set_gear_seed(struct vlt_chunker *c, uint64_t seed);
size_t vlt_chunker_cut_hash(const struct vlt_chunker *c,
			    const unsigned char *data, size_t len,
			    uint64_t *hash);

/* FastCDC's cut whatever c->p.algo says (the asset chunker inside a
 * section; c must not be FIXED). */
size_t vlt_chunker_cut_fastcdc(const struct vlt_chunker *c,
			       const unsigned char *data, size_t len);

/* Parse "fixed" / "fastcdc" / "asset" (returns 0 or VLT_E_INVALID). */
int vlt_chunker_algo_parse(const char *name, enum vlt_chunker_algo *out);
const char *vlt_chunker_algo_name(enum vlt_chunker_algo algo);

/*
 * The asset chunker (chunker-asset.c; Documentation/format.md, "The asset
 * chunker"). It follows a file's structure as its bytes stream by, so it
 * keeps state from one cut to the next: one struct vlt_asset per file
 * being cut (vlt_asset_reset() before the next file). vlt_asset_cut() has
 * vlt_chunker_cut()'s contract (data[0] is where the last cut ended, len
 * is at least c->p.max unless the file ends within it) and sets *why to
 * the structure that made the cut ("riff:data", "zip:entry a.png",
 * "fastcdc in png:IDAT", "fastcdc"), valid until the next call. The
 * format is sniffed from the first bytes, never the name; unknown formats
 * and structures that lie are cut by FastCDC. vlt_chunker_cut() on an
 * ASSET chunker has no state and cuts like FastCDC: stream through
 * vlt_chunk_reader (or vlt_asset_cut) to follow the structure.
 * vlt_asset_new returns 0 or VLT_E_NOMEM; vlt_asset_free(NULL) is a no-op.
 */
struct vlt_asset;

int vlt_asset_new(struct vlt_asset **out);
void vlt_asset_reset(struct vlt_asset *a);
void vlt_asset_free(struct vlt_asset *a);
size_t vlt_asset_cut(struct vlt_asset *a, const struct vlt_chunker *c,
		     const unsigned char *data, size_t len, const char **why);

/*
 * A streaming reader over a file descriptor: holds a buffer of 2*max bytes
 * (max + 1 MiB when max is smaller than 1 MiB; for FIXED, max is avg) and
 * yields chunks one by one. The returned pointer is valid until the next
 * call. *len is 0 at EOF; after a call, offset - *len is the chunk's file
 * offset. init returns 0 or VLT_E_NOMEM, next 0 or VLT_E_IO (read errors,
 * EINTR is retried). The reader does not own or close fd.
 */
struct vlt_chunk_reader {
	const struct vlt_chunker *c;
	int fd;
	unsigned char *buf;       /* owned */
	size_t cap, start, end;
	int eof;
	uint64_t offset;          /* file offset of the next chunk */
	struct vlt_asset *asset;  /* owned; ASSET chunkers only */
	const char *why;          /* what made the last cut: "fixed",
				   * "fastcdc", or the asset chunker's *why */
};

int vlt_chunk_reader_init(struct vlt_chunk_reader *r,
			  const struct vlt_chunker *c, int fd);
int vlt_chunk_reader_next(struct vlt_chunk_reader *r,
			  const unsigned char **chunk, size_t *len);
/* Start over on another file, keeping the buffer (no new allocation). */
void vlt_chunk_reader_rebind(struct vlt_chunk_reader *r, int fd);
void vlt_chunk_reader_release(struct vlt_chunk_reader *r);

#endif
