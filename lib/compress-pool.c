/*
 * compress-pool.c - compressors shared by threads (see compress.h): the
 * object database takes one for every object it compresses or reads, so
 * their contexts are kept and reused rather than allocated each time.
 */
#include <stdlib.h>

#include "buf.h"
#include "compress.h"

void vlt_compressor_pool_init(struct vlt_compressor_pool *p)
{
	p->items = NULL;
	p->nr = p->alloc = 0;
	pthread_mutex_init(&p->lock, NULL);
}

void vlt_compressor_pool_release(struct vlt_compressor_pool *p)
{
	for (size_t i = 0; i < p->nr; i++) {
		vlt_compressor_release(p->items[i]);
		free(p->items[i]);
	}
	free(p->items);
	p->items = NULL;
	p->nr = p->alloc = 0;
	pthread_mutex_destroy(&p->lock);
}

struct vlt_compressor *vlt_compressor_pool_get(struct vlt_compressor_pool *p,
					       enum vlt_codec codec, int level)
{
	struct vlt_compressor *c = NULL;

	pthread_mutex_lock(&p->lock);
	if (p->nr)
		c = p->items[--p->nr];
	pthread_mutex_unlock(&p->lock);
	if (!c) {
		c = malloc(sizeof(*c));
		if (!c)
			return NULL;
		if (vlt_compressor_init(c, codec, level) < 0) {
			free(c);
			return NULL;
		}
	}
	return c;
}

void vlt_compressor_pool_put(struct vlt_compressor_pool *p,
			     struct vlt_compressor *c)
{
	pthread_mutex_lock(&p->lock);
	if (VLT_ALLOC_GROW(p->items, p->nr + 1, p->alloc) == 0) {
		p->items[p->nr++] = c;
		c = NULL;
	}
	pthread_mutex_unlock(&p->lock);
	if (c) {
		vlt_compressor_release(c);
		free(c);
	}
}
