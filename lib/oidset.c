/*
 * oidset.c - open-addressing sets and maps keyed by object id (see
 * oidset.h). The set and the map share one table layout; the map keeps a
 * parallel array of values that moves with the keys when the table grows.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "oidset.h"

#define MIN_CAP 64

static inline int is_empty(const struct vlt_oid *o)
{
	static const struct vlt_oid zero;

	return !memcmp(o, &zero, sizeof(zero));
}

static inline size_t home(const struct vlt_oid *o, size_t cap)
{
	uint64_t h;

	/* ids are uniformly distributed already; a cheap mix guards against
	 * made-up ids in tests that differ in one byte only */
	memcpy(&h, o->id, sizeof(h));
	h ^= vlt_get_be64(o->id + 24);
	h *= 0x9E3779B97F4A7C15ull;
	return (size_t)(h >> 17) & (cap - 1);
}

/* The slot holding oid, or the empty slot where it would go. The table
 * always has an empty slot (load stays below 3/4). */
static size_t probe(const struct vlt_oid *slots, size_t cap,
		    const struct vlt_oid *oid, int *found)
{
	size_t i = home(oid, cap);

	for (;;) {
		if (is_empty(&slots[i])) {
			*found = 0;
			return i;
		}
		if (!memcmp(&slots[i], oid, sizeof(*oid))) {
			*found = 1;
			return i;
		}
		i = (i + 1) & (cap - 1);
	}
}

/* Rehash into a table of newcap slots; vals (may be NULL) moves along. */
static int rehash(struct vlt_oidset *s, void ***vals, size_t newcap)
{
	struct vlt_oid *slots = calloc(newcap, sizeof(*slots));
	void **nv = NULL;

	if (!slots)
		return vlt_error_set(VLT_E_NOMEM, "out of memory (id set of %zu)",
				     newcap);
	if (vals && !(nv = calloc(newcap, sizeof(*nv)))) {
		free(slots);
		return vlt_error_set(VLT_E_NOMEM, "out of memory (id map of %zu)",
				     newcap);
	}
	for (size_t i = 0; i < s->cap; i++) {
		int found;
		size_t j;

		if (is_empty(&s->slots[i]))
			continue;
		j = probe(slots, newcap, &s->slots[i], &found);
		slots[j] = s->slots[i];
		if (nv)
			nv[j] = (*vals)[i];
	}
	free(s->slots);
	s->slots = slots;
	s->cap = newcap;
	if (vals) {
		free(*vals);
		*vals = nv;
	}
	return 0;
}

/* Make room for one more table entry. */
static int make_room(struct vlt_oidset *s, void ***vals)
{
	size_t in_table = s->nr - (size_t)s->has_zero;

	if (s->cap && (in_table + 1) * 4 < s->cap * 3)
		return 0;
	return rehash(s, vals, s->cap ? s->cap * 2 : MIN_CAP);
}

static int reserve(struct vlt_oidset *s, void ***vals, size_t n)
{
	size_t cap = s->cap ? s->cap : MIN_CAP;

	while (n * 4 >= cap * 3) {
		if (cap > SIZE_MAX / 4 / sizeof(struct vlt_oid))
			return vlt_error_set(VLT_E_NOMEM, "id set too large");
		cap *= 2;
	}
	return cap == s->cap ? 0 : rehash(s, vals, cap);
}

/* Insert; *slot gets the table index (SIZE_MAX for the zero id). */
static int insert(struct vlt_oidset *s, void ***vals,
		  const struct vlt_oid *oid, size_t *slot)
{
	int found;
	size_t i;

	if (is_empty(oid)) {
		*slot = SIZE_MAX;
		if (s->has_zero)
			return 0;
		s->has_zero = 1;
		s->nr++;
		return 1;
	}
	VLT_TRY(make_room(s, vals));
	i = probe(s->slots, s->cap, oid, &found);
	*slot = i;
	if (found)
		return 0;
	s->slots[i] = *oid;
	s->nr++;
	return 1;
}

/* 1 and *slot (SIZE_MAX for the zero id) when present, else 0. */
static int lookup(const struct vlt_oidset *s, const struct vlt_oid *oid,
		  size_t *slot)
{
	int found;

	if (is_empty(oid)) {
		*slot = SIZE_MAX;
		return s->has_zero;
	}
	if (!s->cap)
		return 0;
	*slot = probe(s->slots, s->cap, oid, &found);
	return found;
}

/* Next occupied position from *pos (0: the zero id; i + 1: slot i). */
static int next(const struct vlt_oidset *s, size_t *pos, size_t *slot)
{
	if (*pos == 0) {
		*pos = 1;
		if (s->has_zero) {
			*slot = SIZE_MAX;
			return 1;
		}
	}
	for (; *pos <= s->cap; (*pos)++) {
		if (!is_empty(&s->slots[*pos - 1])) {
			*slot = *pos - 1;
			(*pos)++;
			return 1;
		}
	}
	return 0;
}

/* --- sets ------------------------------------------------------------ */

void vlt_oidset_init(struct vlt_oidset *s)
{
	memset(s, 0, sizeof(*s));
}

void vlt_oidset_release(struct vlt_oidset *s)
{
	free(s->slots);
	memset(s, 0, sizeof(*s));
}

int vlt_oidset_reserve(struct vlt_oidset *s, size_t n)
{
	return reserve(s, NULL, n);
}

int vlt_oidset_insert(struct vlt_oidset *s, const struct vlt_oid *oid)
{
	size_t slot;

	return insert(s, NULL, oid, &slot);
}

int vlt_oidset_contains(const struct vlt_oidset *s, const struct vlt_oid *oid)
{
	size_t slot;

	return lookup(s, oid, &slot);
}

int vlt_oidset_next(const struct vlt_oidset *s, size_t *pos,
		    struct vlt_oid *out)
{
	size_t slot;

	if (!next(s, pos, &slot))
		return 0;
	if (slot == SIZE_MAX)
		memset(out, 0, sizeof(*out));
	else
		*out = s->slots[slot];
	return 1;
}

/* --- maps ------------------------------------------------------------ */

void vlt_oidmap_init(struct vlt_oidmap *m)
{
	memset(m, 0, sizeof(*m));
}

void vlt_oidmap_release(struct vlt_oidmap *m)
{
	vlt_oidset_release(&m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

int vlt_oidmap_put(struct vlt_oidmap *m, const struct vlt_oid *oid, void *val)
{
	size_t slot;
	int added = insert(&m->keys, &m->vals, oid, &slot);

	if (added < 0)
		return added;
	if (slot == SIZE_MAX)
		m->zero_val = val;
	else
		m->vals[slot] = val;
	return added;
}

int vlt_oidmap_get(const struct vlt_oidmap *m, const struct vlt_oid *oid,
		   void **val)
{
	size_t slot;

	if (!lookup(&m->keys, oid, &slot))
		return 0;
	if (val)
		*val = slot == SIZE_MAX ? m->zero_val : m->vals[slot];
	return 1;
}

int vlt_oidmap_next(const struct vlt_oidmap *m, size_t *pos,
		    struct vlt_oid *out, void **val)
{
	size_t slot;

	if (!next(&m->keys, pos, &slot))
		return 0;
	if (slot == SIZE_MAX) {
		if (out)
			memset(out, 0, sizeof(*out));
		if (val)
			*val = m->zero_val;
	} else {
		if (out)
			*out = m->keys.slots[slot];
		if (val)
			*val = m->vals[slot];
	}
	return 1;
}
