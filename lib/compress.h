/*
 * compress.h - per-object compression: zstd (default), zlib, or none.
 *
 * The compressor decides per object: when compression would save less than
 * 1/32 of the size (already-compressed PNG, JPEG, OGG, ZIP...), the object
 * is stored raw. Large inputs are first judged on a sample so incompressible
 * data costs almost nothing. Each thread owns its own struct vlt_compressor.
 */
#ifndef VLT_COMPRESS_H
#define VLT_COMPRESS_H

#include <pthread.h>
#include <stddef.h>

#include "buf.h"

enum vlt_codec {
	VLT_CODEC_NONE = 0,
	VLT_CODEC_ZSTD = 1,
	VLT_CODEC_ZLIB = 2,
};

struct vlt_compressor {
	enum vlt_codec codec;  /* what to try; NONE stores everything raw */
	int level;
	void *zc;              /* ZSTD_CCtx*, owned */
	void *zd;              /* ZSTD_DCtx*, owned */
	struct vlt_buf out;    /* output scratch kept between objects, so a
				* stream of chunks allocates (and faults in)
				* its compression buffer once */
};

int vlt_codec_parse(const char *name, enum vlt_codec *out);
const char *vlt_codec_name(enum vlt_codec codec);

int vlt_compressor_init(struct vlt_compressor *c, enum vlt_codec codec,
			int level);
void vlt_compressor_release(struct vlt_compressor *c);

/*
 * Compress in into out (replacing its content). *used tells which codec the
 * output is in: the configured one, or VLT_CODEC_NONE when storing raw (then
 * out holds a copy of in).
 */
int vlt_compress(struct vlt_compressor *c, const void *in, size_t len,
		 struct vlt_buf *out, enum vlt_codec *used);
/* The same without the copy for raw data: *res points into scratch when
 * compressed, at in itself when stored raw. */
int vlt_compress_ref(struct vlt_compressor *c, const void *in, size_t len,
		     struct vlt_buf *scratch, const void **res, size_t *reslen,
		     enum vlt_codec *used);

/* Decompress exactly rawlen bytes into dst; anything else is corrupt. */
int vlt_decompress(struct vlt_compressor *c, enum vlt_codec codec,
		   const void *in, size_t len, void *dst, size_t rawlen);

/*
 * A pool of compressors for threads that compress and decompress often
 * (compress-pool.c): taking one is a pop under a mutex, and its zstd and
 * zlib contexts are reused instead of made anew for every object.
 */
struct vlt_compressor_pool {
	struct vlt_compressor **items;
	size_t nr, alloc;
	pthread_mutex_t lock;
};

void vlt_compressor_pool_init(struct vlt_compressor_pool *p);
/* Free every compressor in the pool (none may be taken). */
void vlt_compressor_pool_release(struct vlt_compressor_pool *p);
/* A compressor from the pool, or a new one for codec and level; NULL
 * when out of memory. Give it back with vlt_compressor_pool_put(). */
struct vlt_compressor *vlt_compressor_pool_get(struct vlt_compressor_pool *p,
					       enum vlt_codec codec, int level);
void vlt_compressor_pool_put(struct vlt_compressor_pool *p,
			     struct vlt_compressor *c);

#endif
