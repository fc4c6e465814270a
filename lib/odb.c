/*
 * odb.c - the object database over packs (see odb.h).
 *
 * Locking: `packs_lock` (rwlock) guards the array of loaded pack indexes,
 * which only grows while the repository is open; `wlock` guards the pack
 * being written and the hash table of its objects. Compression, sealing and
 * pack reads happen outside both. A lookup that misses the packs checks the
 * pending pack, then the packs again, because a flush may move an object
 * from one to the other in between.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "odb.h"
#include "seal.h"

struct cz_pool {
	struct vlt_compressor **items;
	size_t nr, alloc;
	pthread_mutex_t lock;
};

struct vlt_odb {
	pthread_rwlock_t packs_lock;
	struct vlt_pack **packs;
	size_t npacks, packs_alloc;

	pthread_mutex_t wlock;
	struct vlt_pack_writer writer;
	uint32_t *table;      /* open addressing: writer entry index + 1 */
	size_t table_cap;     /* power of two */

	struct cz_pool pool;

	int load_errors;      /* indexes that could not be loaded */
	char load_msg[512];   /* the first such error */
};

static int stored_count;
static long abort_after = -1;

void vlt_odb_test_abort_check(void)
{
	if (abort_after < 0) {
		const char *s = getenv("VAULT_TEST_ABORT_AFTER");

		abort_after = s ? atol(s) : 0;
	}
	if (abort_after > 0 && __atomic_add_fetch(&stored_count, 1,
						  __ATOMIC_SEQ_CST) >= abort_after)
		kill(getpid(), SIGKILL);
}

/* --- compressor pool ------------------------------------------------ */

static struct vlt_compressor *cz_get(struct vlt_repo *r)
{
	struct cz_pool *p = &r->odb->pool;
	struct vlt_compressor *c = NULL;

	pthread_mutex_lock(&p->lock);
	if (p->nr)
		c = p->items[--p->nr];
	pthread_mutex_unlock(&p->lock);
	if (!c) {
		c = malloc(sizeof(*c));
		if (!c)
			return NULL;
		if (vlt_compressor_init(c, r->codec, r->level) < 0) {
			free(c);
			return NULL;
		}
	}
	return c;
}

static void cz_put(struct vlt_repo *r, struct vlt_compressor *c)
{
	struct cz_pool *p = &r->odb->pool;

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

/* --- loading packs --------------------------------------------------- */

static int have_pack(struct vlt_odb *o, const char *name)
{
	for (size_t i = 0; i < o->npacks; i++)
		if (!strcmp(o->packs[i]->name, name))
			return 1;
	return 0;
}

static int add_pack(struct vlt_repo *r, const char *name)
{
	struct vlt_odb *o = r->odb;
	struct vlt_pack *p;
	int err;

	if (have_pack(o, name))
		return 0;
	if ((err = vlt_pack_open(r->be, name, &p)) < 0)
		return err;
	pthread_rwlock_wrlock(&o->packs_lock);
	err = VLT_ALLOC_GROW(o->packs, o->npacks + 1, o->packs_alloc);
	if (!err)
		o->packs[o->npacks++] = p;
	pthread_rwlock_unlock(&o->packs_lock);
	if (err)
		vlt_pack_close(r->be, p);
	return err;
}

struct scan_ctx {
	struct vlt_repo *r;
	int err;
};

static int scan_one(const char *key, const struct vlt_stat *st, void *data)
{
	struct scan_ctx *sc = data;
	const char *base = strrchr(key, '/');
	size_t n;
	char name[VLT_OID_HEXSZ + 1];

	(void)st;
	base = base ? base + 1 : key;
	n = strlen(base);
	if (n != VLT_OID_HEXSZ + 4 || strcmp(base + VLT_OID_HEXSZ, ".idx"))
		return 0;
	memcpy(name, base, VLT_OID_HEXSZ);
	name[VLT_OID_HEXSZ] = '\0';
	if (add_pack(sc->r, name) < 0) {
		struct vlt_odb *o = sc->r->odb;

		if (!o->load_errors++)
			snprintf(o->load_msg, sizeof(o->load_msg), "%s",
				 vlt_error_last());
		if (!sc->err)
			sc->err = vlt_error_last_code() ? vlt_error_last_code() :
				  VLT_E_CORRUPT;
	}
	return 0;
}

int vlt_odb_reload(struct vlt_repo *r)
{
	struct scan_ctx sc = { r, 0 };
	int err = vlt_backend_list(r->be, "packs/", scan_one, &sc);

	return err < 0 ? err : sc.err;
}

int vlt_odb_open(struct vlt_repo *r)
{
	struct vlt_odb *o = calloc(1, sizeof(*o));

	if (!o)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	pthread_rwlock_init(&o->packs_lock, NULL);
	pthread_mutex_init(&o->wlock, NULL);
	pthread_mutex_init(&o->pool.lock, NULL);
	vlt_pack_writer_init(&o->writer);
	r->odb = o;
	/*
	 * A damaged index must not make the whole repository unreadable:
	 * remember the error (vlt_odb_load_errors) but keep the packs that
	 * did load. Only a failure to list the packs at all is fatal.
	 */
	{
		struct scan_ctx sc = { r, 0 };
		int err = vlt_backend_list(r->be, "packs/", scan_one, &sc);

		return err < 0 ? err : 0;
	}
}

int vlt_odb_load_errors(struct vlt_repo *r, const char **first)
{
	if (first)
		*first = r->odb->load_msg;
	return r->odb->load_errors;
}

void vlt_odb_close(struct vlt_repo *r)
{
	struct vlt_odb *o = r->odb;

	if (!o)
		return;
	for (size_t i = 0; i < o->npacks; i++)
		vlt_pack_close(r->be, o->packs[i]);
	free(o->packs);
	for (size_t i = 0; i < o->pool.nr; i++) {
		vlt_compressor_release(o->pool.items[i]);
		free(o->pool.items[i]);
	}
	free(o->pool.items);
	vlt_pack_writer_release(&o->writer);
	free(o->table);
	pthread_rwlock_destroy(&o->packs_lock);
	pthread_mutex_destroy(&o->wlock);
	pthread_mutex_destroy(&o->pool.lock);
	free(o);
	r->odb = NULL;
}

size_t vlt_odb_pack_count(struct vlt_repo *r)
{
	return r->odb->npacks;
}

struct vlt_pack *vlt_odb_pack_at(struct vlt_repo *r, size_t i)
{
	return i < r->odb->npacks ? r->odb->packs[i] : NULL;
}

/* --- the pending (unflushed) pack ------------------------------------ */

static size_t slot_of(const struct vlt_oid *oid, size_t cap)
{
	uint64_t h;

	memcpy(&h, oid->id, sizeof(h));
	return (size_t)h & (cap - 1);
}

/* Index into writer entries, or -1. Caller holds wlock. */
static long pending_find(struct vlt_odb *o, const struct vlt_oid *oid)
{
	if (!o->table_cap)
		return -1;
	for (size_t i = slot_of(oid, o->table_cap); o->table[i];
	     i = (i + 1) & (o->table_cap - 1)) {
		uint32_t e = o->table[i] - 1;

		if (!vlt_oid_cmp(&o->writer.entries[e].oid, oid))
			return e;
	}
	return -1;
}

static int pending_insert(struct vlt_odb *o, const struct vlt_oid *oid,
			  uint32_t idx)
{
	size_t i;

	if ((o->writer.nr + 1) * 2 > o->table_cap) {
		size_t cap = o->table_cap ? o->table_cap * 2 : 1024;
		uint32_t *t = calloc(cap, sizeof(*t));

		if (!t)
			return vlt_error_set(VLT_E_NOMEM, "out of memory");
		for (size_t j = 0; j < o->table_cap; j++) {
			uint32_t e = o->table[j];

			if (!e)
				continue;
			i = slot_of(&o->writer.entries[e - 1].oid, cap);
			while (t[i])
				i = (i + 1) & (cap - 1);
			t[i] = e;
		}
		free(o->table);
		o->table = t;
		o->table_cap = cap;
	}
	i = slot_of(oid, o->table_cap);
	while (o->table[i])
		i = (i + 1) & (o->table_cap - 1);
	o->table[i] = idx + 1;
	return 0;
}

/* Caller holds wlock. Stores the pending pack and makes it visible. */
static int flush_locked(struct vlt_repo *r)
{
	struct vlt_odb *o = r->odb;
	char name[VLT_OID_HEXSZ + 1];
	int err;

	if (!o->writer.nr)
		return 0;
	if ((err = vlt_pack_writer_finish(&o->writer, r->be, name)) < 0)
		return err;
	if (o->table_cap)
		memset(o->table, 0, o->table_cap * sizeof(*o->table));
	return add_pack(r, name);
}

int vlt_odb_flush(struct vlt_repo *r)
{
	int err;

	if (!r->odb)
		return 0;
	pthread_mutex_lock(&r->odb->wlock);
	err = flush_locked(r);
	pthread_mutex_unlock(&r->odb->wlock);
	return err;
}

/* --- lookups --------------------------------------------------------- */

struct loc {
	struct vlt_pack *pack;  /* NULL when pending */
	uint32_t pos;
	struct vlt_pack_entry e;
};

static int find_in_packs(struct vlt_odb *o, const struct vlt_oid *oid,
			 struct loc *l)
{
	int found = 0;

	pthread_rwlock_rdlock(&o->packs_lock);
	/* newest packs first: recent objects are looked up most */
	for (size_t i = o->npacks; i-- > 0;) {
		int64_t pos = vlt_pack_find(o->packs[i], oid);

		if (pos >= 0) {
			l->pack = o->packs[i];
			l->pos = (uint32_t)pos;
			vlt_pack_entry_at(l->pack, l->pos, &l->e);
			found = 1;
			break;
		}
	}
	pthread_rwlock_unlock(&o->packs_lock);
	return found;
}

/*
 * Find oid. If it is pending and stored is not NULL, copy its stored bytes
 * there (under the lock, since a flush may reuse the buffer).
 */
static int locate(struct vlt_repo *r, const struct vlt_oid *oid, struct loc *l,
		  struct vlt_buf *stored)
{
	struct vlt_odb *o = r->odb;
	long e;
	int err = 0;

	if (find_in_packs(o, oid, l))
		return 1;
	pthread_mutex_lock(&o->wlock);
	e = pending_find(o, oid);
	if (e >= 0) {
		l->pack = NULL;
		l->e = o->writer.entries[e];
		if (stored)
			err = vlt_buf_set(stored, o->writer.data.data +
					  l->e.offset + VLT_PACK_ENTRY_HDR,
					  l->e.stored_len);
	}
	pthread_mutex_unlock(&o->wlock);
	if (err < 0)
		return err;
	if (e >= 0)
		return 1;
	return find_in_packs(o, oid, l);
}

int vlt_odb_has(struct vlt_repo *r, const struct vlt_oid *oid)
{
	struct loc l;

	return locate(r, oid, &l, NULL);
}

int vlt_odb_info(struct vlt_repo *r, const struct vlt_oid *oid,
		 enum vlt_obj_kind *kind, uint64_t *size)
{
	struct loc l;
	int rc = locate(r, oid, &l, NULL);

	if (rc < 0)
		return rc;
	if (!rc)
		return vlt_error_set(VLT_E_NOTFOUND, "object %s not found",
				     vlt_oid_hex(oid));
	if (kind)
		*kind = l.e.kind;
	if (size)
		*size = l.e.raw_len;
	return 0;
}

int vlt_odb_read(struct vlt_repo *r, const struct vlt_oid *oid,
		 enum vlt_obj_kind *kind, struct vlt_buf *out)
{
	struct vlt_buf stored = VLT_BUF_INIT, scratch = VLT_BUF_INIT;
	struct vlt_compressor *cz = NULL;
	const void *plain;
	size_t plen;
	struct vlt_oid got;
	struct loc l;
	int err;

	err = locate(r, oid, &l, &stored);
	if (err == 0)
		err = vlt_error_set(VLT_E_NOTFOUND, "object %s not found",
				    vlt_oid_hex(oid));
	if (err < 0)
		goto done;
	if (l.pack && (err = vlt_pack_read_stored(r->be, l.pack, l.pos, &l.e,
						  &stored)) < 0)
		goto done;
	if ((err = vlt_unseal(&r->sealer, oid, stored.data, stored.len, &plain,
			      &plen, &scratch)) < 0)
		goto damaged;
	if (!(cz = cz_get(r))) {
		err = vlt_error_set(VLT_E_NOMEM, "out of memory");
		goto done;
	}
	vlt_buf_reset(out);
	if ((err = vlt_buf_grow(out, l.e.raw_len)) < 0)
		goto done;
	if ((err = vlt_decompress(cz, l.e.codec, plain, plen, out->data,
				  l.e.raw_len)) < 0)
		goto damaged;
	vlt_buf_setlen(out, l.e.raw_len);
	if (r->verify_reads) {
		if ((err = vlt_object_id(&r->idfn, l.e.kind, out->data, out->len,
					 &got)) < 0)
			goto done;
		if (vlt_oid_cmp(&got, oid)) {
			err = vlt_error_set(VLT_E_CORRUPT, "content hashes to %s",
					    vlt_oid_hex(&got));
			goto damaged;
		}
	}
	if (kind)
		*kind = l.e.kind;
	goto done;
damaged:
	vlt_error_wrap(VLT_E_CORRUPT, "object %s in pack %s is damaged",
		       vlt_oid_hex(oid), l.pack ? l.pack->name : "(pending)");
	err = VLT_E_CORRUPT;
done:
	if (cz)
		cz_put(r, cz);
	vlt_buf_release(&stored);
	vlt_buf_release(&scratch);
	return err;
}

int vlt_odb_read_kind(struct vlt_repo *r, const struct vlt_oid *oid,
		      enum vlt_obj_kind kind, struct vlt_buf *out)
{
	enum vlt_obj_kind got;

	VLT_TRY(vlt_odb_read(r, oid, &got, out));
	if (got != kind)
		return vlt_error_set(VLT_E_INVALID, "object %s is a %s, not a %s",
				     vlt_oid_hex(oid), vlt_obj_kind_name(got),
				     vlt_obj_kind_name(kind));
	return 0;
}

/* --- writes ---------------------------------------------------------- */

int vlt_odb_write_hashed(struct vlt_repo *r, enum vlt_obj_kind kind,
			 const void *data, size_t len,
			 const struct vlt_oid *oid)
{
	struct vlt_odb *o = r->odb;
	struct vlt_buf packed = VLT_BUF_INIT, scratch = VLT_BUF_INIT;
	struct vlt_compressor *cz;
	enum vlt_codec codec;
	const void *sealed;
	size_t slen;
	int err;

	if (len > UINT32_MAX)
		return vlt_error_set(VLT_E_INVALID, "object too large (%zu bytes)",
				     len);
	err = vlt_odb_has(r, oid);
	if (err != 0)
		return err < 0 ? err : 0;
	if (!(cz = cz_get(r)))
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	err = vlt_compress(cz, data, len, &packed, &codec);
	cz_put(r, cz);
	if (err < 0 ||
	    (err = vlt_seal(&r->sealer, oid, packed.data, packed.len, &sealed,
			    &slen, &scratch)) < 0)
		goto done;

	pthread_mutex_lock(&o->wlock);
	if (pending_find(o, oid) >= 0) {
		err = 0;  /* another thread stored it meanwhile */
		goto unlock;
	}
	if (o->writer.nr &&
	    vlt_pack_writer_size(&o->writer) + VLT_PACK_ENTRY_HDR + slen >
	    r->pack_target) {
		if ((err = flush_locked(r)) < 0)
			goto unlock;
	}
	if ((err = vlt_pack_writer_add(&o->writer, oid, kind, codec,
				       (uint32_t)len, sealed, slen)) < 0)
		goto unlock;
	if ((err = pending_insert(o, oid, (uint32_t)(o->writer.nr - 1))) < 0)
		goto unlock;
	err = 1;
unlock:
	pthread_mutex_unlock(&o->wlock);
	if (err == 1)
		vlt_odb_test_abort_check();
done:
	vlt_buf_release(&packed);
	vlt_buf_release(&scratch);
	return err;
}

int vlt_odb_write(struct vlt_repo *r, enum vlt_obj_kind kind,
		  const void *data, size_t len, struct vlt_oid *oid)
{
	int err;

	VLT_TRY(vlt_object_id(&r->idfn, kind, data, len, oid));
	err = vlt_odb_write_hashed(r, kind, data, len, oid);
	return err < 0 ? err : 0;
}

/* --- prefixes -------------------------------------------------------- */

static int prefix_match(const unsigned char *id, const unsigned char *key,
			size_t nbytes, int odd, unsigned char last)
{
	if (memcmp(id, key, nbytes))
		return 0;
	return !odd || (id[nbytes] >> 4) == last;
}

int vlt_odb_resolve_prefix(struct vlt_repo *r, const char *hex,
			   struct vlt_oid *out)
{
	struct vlt_odb *o = r->odb;
	unsigned char key[VLT_OID_RAWSZ] = { 0 };
	size_t n = strlen(hex), nbytes = n / 2;
	int odd = n & 1, found = 0;
	unsigned char last = 0;
	struct vlt_oid cand;

	if (!vlt_is_hex_prefix(hex))
		return vlt_error_set(VLT_E_INVALID, "'%s' is not an id prefix", hex);
	if (n == VLT_OID_HEXSZ) {
		VLT_TRY(vlt_oid_from_hex(out, hex));
		return 0;
	}
	for (size_t i = 0; i < nbytes; i++) {
		char two[3] = { hex[2 * i], hex[2 * i + 1], 0 };

		key[i] = (unsigned char)strtoul(two, NULL, 16);
	}
	if (odd) {
		char one[2] = { hex[n - 1], 0 };

		last = (unsigned char)strtoul(one, NULL, 16);
		key[nbytes] = (unsigned char)(last << 4);
	}
	pthread_rwlock_rdlock(&o->packs_lock);
	for (size_t i = 0; i < o->npacks; i++) {
		struct vlt_pack *p = o->packs[i];
		uint32_t pos = vlt_pack_lower_bound(p, key, nbytes + odd);

		for (; pos < p->count; pos++) {
			const unsigned char *id = p->ids +
						  (size_t)pos * VLT_OID_RAWSZ;

			if (!prefix_match(id, key, nbytes, odd, last))
				break;
			if (found && !memcmp(cand.id, id, VLT_OID_RAWSZ))
				continue;
			if (found++)
				break;
			memcpy(cand.id, id, VLT_OID_RAWSZ);
		}
	}
	pthread_rwlock_unlock(&o->packs_lock);
	pthread_mutex_lock(&o->wlock);
	for (size_t i = 0; i < o->writer.nr && found < 2; i++) {
		const unsigned char *id = o->writer.entries[i].oid.id;

		if (!prefix_match(id, key, nbytes, odd, last) ||
		    (found && !memcmp(cand.id, id, VLT_OID_RAWSZ)))
			continue;
		if (!found++)
			memcpy(cand.id, id, VLT_OID_RAWSZ);
	}
	pthread_mutex_unlock(&o->wlock);
	if (!found)
		return vlt_error_set(VLT_E_NOTFOUND, "no object with id prefix %s",
				     hex);
	if (found > 1)
		return vlt_error_set(VLT_E_AMBIGUOUS, "id prefix %s is ambiguous",
				     hex);
	*out = cand;
	return 0;
}
