/*
 * oidset.h - in-memory sets and maps keyed by object id.
 *
 * Open addressing with linear probing over a power-of-two table, grown at
 * 3/4 load. Ids are cryptographic hashes, so their first 8 bytes are
 * already a good hash and no hashing is done. An empty slot is the
 * all-zero id; the zero id itself (which names no object) is still a
 * valid key, kept beside the table. About 43-64 bytes per entry for a
 * set (32-byte ids at 50-75% load), plus 8 per entry for a map's values.
 *
 * For walks over many objects (stats, fsck, gc marking): "have I seen
 * this id?" in O(1). Not thread-safe; a zeroed struct is a valid empty
 * set, and _release on it is safe.
 */
#ifndef VLT_OIDSET_H
#define VLT_OIDSET_H

#include <stddef.h>

#include "hash.h"

struct vlt_oidset {
	struct vlt_oid *slots;  /* cap slots, owned; zero id = empty */
	size_t nr;              /* entries, the zero id included */
	size_t cap;             /* 0 or a power of two */
	int has_zero;
};

#define VLT_OIDSET_INIT { NULL, 0, 0, 0 }

void vlt_oidset_init(struct vlt_oidset *s);
void vlt_oidset_release(struct vlt_oidset *s);
/* Room for n entries without growing (optional). 0 or VLT_E_NOMEM. */
int vlt_oidset_reserve(struct vlt_oidset *s, size_t n);
/* 1 if oid was added, 0 if it was there already, VLT_E_NOMEM. */
int vlt_oidset_insert(struct vlt_oidset *s, const struct vlt_oid *oid);
/* 1 if present, else 0. */
int vlt_oidset_contains(const struct vlt_oidset *s, const struct vlt_oid *oid);
static inline size_t vlt_oidset_count(const struct vlt_oidset *s)
{
	return s->nr;
}
/*
 * Iterate in no particular order: start with *pos = 0; each call that
 * returns 1 stores one id in *out. Returns 0 after the last. The set must
 * not change during the iteration.
 */
int vlt_oidset_next(const struct vlt_oidset *s, size_t *pos,
		    struct vlt_oid *out);

/* The same table with a pointer per id. Values are not owned. */
struct vlt_oidmap {
	struct vlt_oidset keys;
	void **vals;            /* keys.cap values, owned (the array) */
	void *zero_val;
};

#define VLT_OIDMAP_INIT { VLT_OIDSET_INIT, NULL, NULL }

void vlt_oidmap_init(struct vlt_oidmap *m);
/* Frees the table, not the values (free them first if they are owned). */
void vlt_oidmap_release(struct vlt_oidmap *m);
/* Add or replace. 1 if added, 0 if replaced, VLT_E_NOMEM. */
int vlt_oidmap_put(struct vlt_oidmap *m, const struct vlt_oid *oid, void *val);
/* 1 and *val when present (val may be NULL), else 0. */
int vlt_oidmap_get(const struct vlt_oidmap *m, const struct vlt_oid *oid,
		   void **val);
static inline size_t vlt_oidmap_count(const struct vlt_oidmap *m)
{
	return m->keys.nr;
}
/* Like vlt_oidset_next, with the value too (out and val may be NULL). */
int vlt_oidmap_next(const struct vlt_oidmap *m, size_t *pos,
		    struct vlt_oid *out, void **val);

#endif
