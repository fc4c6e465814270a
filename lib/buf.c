/*
 * buf.c - growable buffer, growable arrays and varints (see buf.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"


void vlt_buf_init(struct vlt_buf *b)
{
	b->data = NULL;
	b->len = b->cap = 0;
}

void vlt_buf_release(struct vlt_buf *b)
{
	free(b->data);
	vlt_buf_init(b);
}

int vlt_buf_grow(struct vlt_buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (extra > SIZE_MAX - b->len - 1)
		return vlt_error_set(VLT_E_NOMEM, "buffer too large");
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap < SIZE_MAX / 2 ? cap * 2 : need;
	p = realloc(b->data, cap);
	if (!p)
		return vlt_error_set(VLT_E_NOMEM, "out of memory (%zu bytes)", cap);
	if (!b->data)
		p[0] = '\0';
	b->data = p;
	b->cap = cap;
	return 0;
}

int vlt_buf_alloc_aligned(struct vlt_buf *b, size_t cap, size_t align)
{
	void *p;

	if (b->data)
		return vlt_buf_grow(b, cap > b->len ? cap - b->len : 0);
	if (posix_memalign(&p, align, cap + 1) != 0)
		return vlt_error_set(VLT_E_NOMEM, "out of memory (%zu bytes)", cap);
	b->data = p;
	b->data[0] = '\0';
	b->len = 0;
	b->cap = cap + 1;
	return 0;
}

int vlt_buf_add(struct vlt_buf *b, const void *data, size_t len)
{
	VLT_TRY(vlt_buf_grow(b, len));
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int vlt_buf_adds(struct vlt_buf *b, const char *s)
{
	return vlt_buf_add(b, s, strlen(s));
}

int vlt_buf_addch(struct vlt_buf *b, int c)
{
	char ch = (char)c;

	return vlt_buf_add(b, &ch, 1);
}

int vlt_buf_addf(struct vlt_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	VLT_TRY(vlt_buf_grow(b, 64));
	va_start(ap, fmt);
	n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return vlt_error_set(VLT_E_INVALID, "bad format");
	if ((size_t)n >= b->cap - b->len) {
		VLT_TRY(vlt_buf_grow(b, (size_t)n));
		va_start(ap, fmt);
		vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
	return 0;
}

int vlt_buf_set(struct vlt_buf *b, const void *data, size_t len)
{
	vlt_buf_reset(b);
	return vlt_buf_add(b, data, len);
}

void vlt_buf_reset(struct vlt_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void vlt_buf_setlen(struct vlt_buf *b, size_t len)
{
	if (!b->data)
		return;
	b->len = len < b->cap ? len : b->cap - 1;
	b->data[b->len] = '\0';
}

char *vlt_buf_detach(struct vlt_buf *b, size_t *len)
{
	char *p = b->data;

	if (len)
		*len = b->len;
	if (!p) {
		p = malloc(1);
		if (p)
			p[0] = '\0';
	}
	vlt_buf_init(b);
	return p;
}

int vlt_buf_add_varint(struct vlt_buf *b, uint64_t v)
{
	unsigned char tmp[10];
	size_t n = 0;

	do {
		unsigned char c = v & 0x7f;

		v >>= 7;
		tmp[n++] = c | (v ? 0x80 : 0);
	} while (v);
	return vlt_buf_add(b, tmp, n);
}

int vlt_buf_add_be32(struct vlt_buf *b, uint32_t v)
{
	unsigned char tmp[4];

	vlt_put_be32(tmp, v);
	return vlt_buf_add(b, tmp, 4);
}

int vlt_buf_add_be64(struct vlt_buf *b, uint64_t v)
{
	unsigned char tmp[8];

	vlt_put_be64(tmp, v);
	return vlt_buf_add(b, tmp, 8);
}

int vlt_alloc_grow_(void **arr, size_t nr, size_t *alloc, size_t elem)
{
	size_t cap;
	void *p;

	if (nr <= *alloc)
		return 0;
	cap = *alloc ? *alloc : 16;
	while (cap < nr)
		cap = cap < SIZE_MAX / 2 ? cap * 2 : nr;
	if (cap > SIZE_MAX / elem)
		return vlt_error_set(VLT_E_NOMEM, "array too large");
	p = realloc(*arr, cap * elem);
	if (!p)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	*arr = p;
	*alloc = cap;
	return 0;
}

int vlt_varint_get(const unsigned char **p, const unsigned char *end,
		   uint64_t *out)
{
	const unsigned char *q = *p;
	uint64_t v = 0;
	int shift = 0;

	while (q < end && shift < 70) {
		unsigned char c = *q++;

		if (shift == 63 && (c & 0x7e))
			break;
		v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80)) {
			*p = q;
			*out = v;
			return 0;
		}
		shift += 7;
	}
	return vlt_error_set(VLT_E_CORRUPT, "bad varint");
}


int vlt_strlist_add(struct vlt_strlist *l, const char *s)
{
	char *dup;

	if (VLT_ALLOC_GROW(l->v, l->nr + 1, l->alloc) < 0 || !(dup = strdup(s)))
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	l->v[l->nr++] = dup;
	return 0;
}

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void vlt_strlist_sort(struct vlt_strlist *l)
{
	if (l->nr > 1)
		qsort(l->v, l->nr, sizeof(*l->v), cmp_strp);
}

int vlt_strlist_has_sorted(const struct vlt_strlist *l, const char *s)
{
	return l->nr && bsearch(&s, l->v, l->nr, sizeof(*l->v), cmp_strp);
}

void vlt_strlist_release(struct vlt_strlist *l)
{
	for (size_t i = 0; i < l->nr; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->nr = l->alloc = 0;
}

int vlt_strlist_collect(const char *key, const struct vlt_stat *st,
			void *data)
{
	(void)st;
	return vlt_strlist_add(data, key);
}
