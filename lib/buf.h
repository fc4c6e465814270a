/*
 * buf.h - the growable byte buffer and the growable-array macro.
 *
 * struct vlt_buf is git's strbuf: data is always NUL-terminated (so text
 * can be used as a C string) and len excludes that NUL. A zeroed buffer
 * is valid and empty; vlt_buf_release() on it is safe. All functions
 * return 0 or VLT_E_NOMEM.
 */
#ifndef VLT_BUF_H
#define VLT_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

struct vlt_buf {
	char *data;   /* owned; NULL when nothing was ever allocated */
	size_t len;
	size_t cap;
};

#define VLT_BUF_INIT { NULL, 0, 0 }

void vlt_buf_init(struct vlt_buf *b);
void vlt_buf_release(struct vlt_buf *b);
/* Make room for at least extra more bytes (plus the NUL). */
int vlt_buf_grow(struct vlt_buf *b, size_t extra);
/* Give an empty, unallocated b room for cap bytes at an address aligned to
 * align (a power of two, at least sizeof(void *)): for buffers written
 * with O_DIRECT. Later growth may lose the alignment. */
int vlt_buf_alloc_aligned(struct vlt_buf *b, size_t cap, size_t align);
int vlt_buf_add(struct vlt_buf *b, const void *data, size_t len);
int vlt_buf_adds(struct vlt_buf *b, const char *s);
int vlt_buf_addch(struct vlt_buf *b, int c);
int vlt_buf_addf(struct vlt_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int vlt_buf_set(struct vlt_buf *b, const void *data, size_t len);
void vlt_buf_reset(struct vlt_buf *b);
void vlt_buf_setlen(struct vlt_buf *b, size_t len);
/* Hand the memory to the caller (who frees it); b becomes empty. */
char *vlt_buf_detach(struct vlt_buf *b, size_t *len);
/* Append an unsigned LEB128 varint. */
int vlt_buf_add_varint(struct vlt_buf *b, uint64_t v);
/* Append big-endian integers. */
int vlt_buf_add_be32(struct vlt_buf *b, uint32_t v);
int vlt_buf_add_be64(struct vlt_buf *b, uint64_t v);

/*
 * Grow an array so that index nr-1 fits: VLT_ALLOC_GROW(arr, nr, alloc)
 * evaluates to 0 or VLT_E_NOMEM; arr/alloc are updated in place.
 */
int vlt_alloc_grow_(void **arr, size_t nr, size_t *alloc, size_t elem);
#define VLT_ALLOC_GROW(arr, nr, alloc) \
	vlt_alloc_grow_((void **)&(arr), (nr), &(alloc), sizeof(*(arr)))

/*
 * A growable list of owned strings (storage keys, names). A zeroed list is
 * valid and empty.
 */
struct vlt_strlist {
	char **v;
	size_t nr, alloc;
};

#define VLT_STRLIST_INIT { NULL, 0, 0 }

/* Append a copy of s. 0 or VLT_E_NOMEM. */
int vlt_strlist_add(struct vlt_strlist *l, const char *s);
/* Sort bytewise (strcmp). */
void vlt_strlist_sort(struct vlt_strlist *l);
/* 1 if s is in a sorted list. */
int vlt_strlist_has_sorted(const struct vlt_strlist *l, const char *s);
void vlt_strlist_release(struct vlt_strlist *l);
/* A vlt_list_fn (backend.h) that adds every key to the list in data. */
struct vlt_stat;
int vlt_strlist_collect(const char *key, const struct vlt_stat *st,
			void *data);

/* Read an unsigned LEB128 varint from [*p, end); advance *p.
 * Returns 0, or VLT_E_CORRUPT when truncated or longer than 10 bytes. */
int vlt_varint_get(const unsigned char **p, const unsigned char *end,
		   uint64_t *out);

static inline uint32_t vlt_get_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t vlt_get_be64(const unsigned char *p)
{
	return (uint64_t)vlt_get_be32(p) << 32 | vlt_get_be32(p + 4);
}

static inline void vlt_put_be32(unsigned char *p, uint32_t v)
{
	p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v;
}

static inline void vlt_put_be64(unsigned char *p, uint64_t v)
{
	vlt_put_be32(p, v >> 32);
	vlt_put_be32(p + 4, (uint32_t)v);
}

#endif
