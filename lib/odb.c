/*
 * odb.c - the object database over packs (see odb.h).
 *
 * Locking: `packs_lock` (rwlock) guards the array of loaded pack indexes,
 * which only grows while the repository is open; `wlock` guards the pack
 * being filled (`cur`) and the full ones being stored (`sealing`).
 * Compression, sealing, pack reads and pack stores happen outside both, so
 * workers keep compressing while a full pack is written and fsynced. An
 * object is always findable: it sits in `cur`, then in `sealing`, then in a
 * loaded pack, and a pack is added to the loaded set before it leaves
 * `sealing`. A lookup that misses the packs checks the pending packs, then
 * the packs again, because a store may complete in between.
 *
 * The multi-pack index is midx.c, the compressors' pool compress-pool.c.
 *
 * Packs that gc has slated for deletion ("doomed") stay readable but are
 * never used to deduplicate: a writer stores its own copy instead (see the
 * gc protocol in Documentation/format.md).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "midx.h"
#include "odb.h"
#include "tree.h"
#include "oidset.h"
#include "seal.h"
#include "testhook.h"

/* A pack being built in memory, with a hash table of its objects. */
struct pending {
	struct vlt_pack_writer w;
	uint32_t *table;      /* open addressing: writer entry index + 1 */
	size_t cap;           /* power of two */
};

/* At most this many full packs are being stored while writers go on. */
#define MAX_SEALING 2

struct vlt_odb {
	pthread_rwlock_t packs_lock;
	struct vlt_pack **packs;
	size_t npacks, packs_alloc;
	struct vlt_midx *midx;   /* the loaded multi-pack index, or NULL */

	pthread_mutex_t wlock;
	pthread_cond_t sealed;
	struct pending *cur;                 /* where new objects go */
	struct pending *sealing[MAX_SEALING];/* full, being stored */
	int nsealing;
	struct pending *spare[1];            /* a stored one, for reuse */
	int nspare;
	int seal_err;                        /* first error of a store */
	char seal_msg[512];

	char **doomed;        /* names of packs gc will delete */
	size_t ndoomed, doomed_alloc;

	struct vlt_compressor_pool pool;  /* compress-pool.c */

	struct vlt_oidmap damaged;  /* id -> name of the pack holding a
				     * damaged copy (damaged/ID keys) */
	int load_errors;      /* indexes that could not be loaded */
	char load_msg[512];   /* the first such error */
};

/* --- loading packs --------------------------------------------------- */

static int have_pack(struct vlt_odb *o, const char *name)
{
	for (size_t i = 0; i < o->npacks; i++)
		if (!strcmp(o->packs[i]->name, name))
			return 1;
	return 0;
}

static int is_doomed_name(struct vlt_odb *o, const char *name)
{
	for (size_t i = 0; i < o->ndoomed; i++)
		if (!strcmp(o->doomed[i], name))
			return 1;
	return 0;
}

static int add_pack(struct vlt_repo *r, const char *name)
{
	struct vlt_odb *o = r->odb;
	struct vlt_pack *p;
	int err, have;

	pthread_rwlock_rdlock(&o->packs_lock);
	have = have_pack(o, name);
	pthread_rwlock_unlock(&o->packs_lock);
	if (have)
		return 0;
	if ((err = vlt_pack_open(r->be, name, &p)) < 0)
		return err;
	pthread_rwlock_wrlock(&o->packs_lock);
	if (have_pack(o, name)) {
		pthread_rwlock_unlock(&o->packs_lock);
		vlt_pack_close(r->be, p);
		return 0;
	}
	p->doomed = is_doomed_name(o, name);
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

		/* deleted since listed (gc sweeps index first, then pack):
		 * no damage, and its live objects have copies elsewhere */
		if (vlt_error_last_code() == VLT_E_NOTFOUND) {
			vlt_error_clear();
			return 0;
		}

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

/* --- the multi-pack index (midx.c) -------------------------------- */

/* Load the multi-pack index covering the most packs. Caller: open only.
 * Without one (or failing to load it) every pack is searched. */
static void midx_load(struct vlt_repo *r)
{
	struct vlt_odb *o = r->odb;
	struct vlt_midx *m;

	if (vlt_midx_load(r->be, &m) < 0 || !m)
		return;
	if (vlt_midx_bind(m, o->packs, o->npacks) < 0) {
		vlt_midx_free(r->be, m);
		return;
	}
	o->midx = m;
}

int vlt_odb_write_midx(struct vlt_repo *r, char name_hex[VLT_OID_HEXSZ + 1])
{
	struct vlt_odb *o = r->odb;
	struct vlt_pack **packs = NULL;
	size_t np = 0;
	int err;

	/* doomed packs are left out: gc deletes them. Loaded packs stay
	 * until close, so the list may be used outside the lock. */
	pthread_rwlock_rdlock(&o->packs_lock);
	if (o->npacks)
		packs = malloc(o->npacks * sizeof(*packs));
	for (size_t i = 0; packs && i < o->npacks; i++)
		if (!o->packs[i]->doomed)
			packs[np++] = o->packs[i];
	pthread_rwlock_unlock(&o->packs_lock);
	if (o->npacks && !packs)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	err = vlt_midx_write(r->be, packs, np, name_hex);
	free(packs);
	return err;
}

int vlt_odb_uncovered_packs(struct vlt_repo *r)
{
	struct vlt_odb *o = r->odb;
	int n = 0;

	pthread_rwlock_rdlock(&o->packs_lock);
	for (size_t i = 0; i < o->npacks; i++)
		n += !o->packs[i]->in_midx;
	pthread_rwlock_unlock(&o->packs_lock);
	return n;
}

static int load_damaged(const char *key, const struct vlt_stat *st,
			void *data);

static struct pending *pending_new(void)
{
	struct pending *p = calloc(1, sizeof(*p));

	if (p)
		vlt_pack_writer_init(&p->w);
	else
		vlt_error_set(VLT_E_NOMEM, "out of memory");
	return p;
}

static void pending_free(struct pending *p)
{
	if (!p)
		return;
	vlt_pack_writer_release(&p->w);
	free(p->table);
	free(p);
}

int vlt_odb_open(struct vlt_repo *r)
{
	struct vlt_odb *o = calloc(1, sizeof(*o));
	struct scan_ctx sc = { r, 0 };
	int err;

	if (!o)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	pthread_rwlock_init(&o->packs_lock, NULL);
	pthread_mutex_init(&o->wlock, NULL);
	pthread_cond_init(&o->sealed, NULL);
	vlt_compressor_pool_init(&o->pool);
	r->odb = o;
	if (!(o->cur = pending_new()))
		return VLT_E_NOMEM;
	/*
	 * A damaged index must not make the whole repository unreadable:
	 * remember the error (vlt_odb_load_errors) but keep the packs that
	 * did load. Only a failure to list the packs at all is fatal.
	 */
	err = vlt_backend_list(r->be, "packs/", scan_one, &sc);
	if (err < 0)
		return err;
	midx_load(r);
	vlt_backend_list(r->be, "damaged/", load_damaged, r);
	return 0;
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
	vlt_compressor_pool_release(&o->pool);
	vlt_midx_free(r->be, o->midx);
	{
		size_t pos = 0;
		struct vlt_oid k;
		void *v;

		while (vlt_oidmap_next(&o->damaged, &pos, &k, &v))
			free(v);
		vlt_oidmap_release(&o->damaged);
	}
	pending_free(o->cur);
	for (int i = 0; i < o->nspare; i++)
		pending_free(o->spare[i]);
	for (size_t i = 0; i < o->ndoomed; i++)
		free(o->doomed[i]);
	free(o->doomed);
	pthread_rwlock_destroy(&o->packs_lock);
	pthread_mutex_destroy(&o->wlock);
	pthread_cond_destroy(&o->sealed);
	free(o);
	r->odb = NULL;
}

size_t vlt_odb_pack_count(struct vlt_repo *r)
{
	size_t n;

	pthread_rwlock_rdlock(&r->odb->packs_lock);
	n = r->odb->npacks;
	pthread_rwlock_unlock(&r->odb->packs_lock);
	return n;
}

struct vlt_pack *vlt_odb_pack_at(struct vlt_repo *r, size_t i)
{
	struct vlt_pack *p;

	pthread_rwlock_rdlock(&r->odb->packs_lock);
	p = i < r->odb->npacks ? r->odb->packs[i] : NULL;
	pthread_rwlock_unlock(&r->odb->packs_lock);
	return p;
}

/* The size a pack must have at least: its last object's end + trailer. */
static uint64_t pack_min_size(const struct vlt_pack *p)
{
	uint64_t end = VLT_PACK_HDR_SIZE;

	for (uint32_t k = 0; k < p->count; k++) {
		struct vlt_pack_entry e;

		vlt_pack_entry_at(p, k, &e);
		if ((uint64_t)e.offset + VLT_PACK_ENTRY_HDR + e.stored_len > end)
			end = (uint64_t)e.offset + VLT_PACK_ENTRY_HDR + e.stored_len;
	}
	return end + VLT_PACK_TRAILER;
}

int vlt_odb_check_packs(struct vlt_repo *r, size_t *nlost)
{
	struct vlt_odb *o = r->odb;
	struct vlt_buf key = VLT_BUF_INIT;
	size_t n = vlt_odb_pack_count(r), lost = 0;
	int err = 0;

	for (size_t i = 0; i < n; i++) {
		struct vlt_pack *p = vlt_odb_pack_at(r, i);
		struct vlt_stat st;
		int gone;

		vlt_buf_reset(&key);
		if ((err = vlt_buf_addf(&key, "packs/%s.pack", p->name)) < 0)
			break;
		err = vlt_backend_stat(r->be, key.data, &st);
		if (err < 0 && err != VLT_E_NOTFOUND)
			break;
		gone = err == VLT_E_NOTFOUND || st.size < pack_min_size(p);
		err = 0;
		pthread_rwlock_wrlock(&o->packs_lock);
		p->lost = gone;
		pthread_rwlock_unlock(&o->packs_lock);
		lost += (size_t)gone;
	}
	if (!err)
		vlt_error_clear();
	vlt_buf_release(&key);
	if (nlost)
		*nlost = lost;
	return err;
}

int vlt_odb_set_doomed(struct vlt_repo *r, const char *name)
{
	struct vlt_odb *o = r->odb;
	char *copy;
	int err = 0;

	pthread_rwlock_wrlock(&o->packs_lock);
	if (is_doomed_name(o, name))
		goto done;
	if (!(copy = strdup(name))) {
		err = vlt_error_set(VLT_E_NOMEM, "out of memory");
		goto done;
	}
	if ((err = VLT_ALLOC_GROW(o->doomed, o->ndoomed + 1, o->doomed_alloc)) < 0) {
		free(copy);
		goto done;
	}
	o->doomed[o->ndoomed++] = copy;
	for (size_t i = 0; i < o->npacks; i++)
		if (!strcmp(o->packs[i]->name, name))
			o->packs[i]->doomed = 1;
done:
	pthread_rwlock_unlock(&o->packs_lock);
	return err;
}

int vlt_odb_is_doomed(struct vlt_repo *r, const char *name)
{
	int d;

	pthread_rwlock_rdlock(&r->odb->packs_lock);
	d = is_doomed_name(r->odb, name);
	pthread_rwlock_unlock(&r->odb->packs_lock);
	return d;
}

/* --- pending packs --------------------------------------------------- */

static size_t slot_of(const struct vlt_oid *oid, size_t cap)
{
	uint64_t h;

	memcpy(&h, oid->id, sizeof(h));
	return (size_t)h & (cap - 1);
}

/* Index into p's writer entries, or -1. Caller holds wlock. */
static long pending_find(const struct pending *p, const struct vlt_oid *oid)
{
	if (!p || !p->cap)
		return -1;
	for (size_t i = slot_of(oid, p->cap); p->table[i];
	     i = (i + 1) & (p->cap - 1)) {
		uint32_t e = p->table[i] - 1;

		if (!vlt_oid_cmp(&p->w.entries[e].oid, oid))
			return e;
	}
	return -1;
}

static int pending_insert(struct pending *p, const struct vlt_oid *oid,
			  uint32_t idx)
{
	size_t i;

	if ((p->w.nr + 1) * 2 > p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 1024;
		uint32_t *t = calloc(cap, sizeof(*t));

		if (!t)
			return vlt_error_set(VLT_E_NOMEM, "out of memory");
		for (size_t j = 0; j < p->cap; j++) {
			uint32_t e = p->table[j];

			if (!e)
				continue;
			i = slot_of(&p->w.entries[e - 1].oid, cap);
			while (t[i])
				i = (i + 1) & (cap - 1);
			t[i] = e;
		}
		free(p->table);
		p->table = t;
		p->cap = cap;
	}
	i = slot_of(oid, p->cap);
	while (p->table[i])
		i = (i + 1) & (p->cap - 1);
	p->table[i] = idx + 1;
	return 0;
}

/* Which pending pack holds oid (cur or one being stored)? Caller holds
 * wlock. */
static struct pending *pending_holder(struct vlt_odb *o,
				      const struct vlt_oid *oid, long *pos)
{
	if ((*pos = pending_find(o->cur, oid)) >= 0)
		return o->cur;
	for (int i = 0; i < o->nsealing; i++)
		if ((*pos = pending_find(o->sealing[i], oid)) >= 0)
			return o->sealing[i];
	return NULL;
}

/*
 * Move `cur` to the sealing list and store it, outside the lock. Caller
 * holds wlock (and still holds it on return); cur is not empty.
 */
static int seal_cur_locked(struct vlt_repo *r)
{
	struct vlt_odb *o = r->odb;
	struct pending *p, *fresh;
	char name[VLT_OID_HEXSZ + 1];
	int err;

	while (o->nsealing >= MAX_SEALING)
		pthread_cond_wait(&o->sealed, &o->wlock);
	if (!o->cur->w.nr)
		return 0;  /* someone sealed it while we waited */
	/* reuse a stored pack's buffers: no page faults, no regrowth */
	fresh = o->nspare ? o->spare[--o->nspare] : pending_new();
	if (!fresh)
		return VLT_E_NOMEM;
	p = o->cur;
	o->cur = fresh;
	o->sealing[o->nsealing++] = p;
	pthread_mutex_unlock(&o->wlock);

	err = vlt_pack_writer_finish(&p->w, r->be, name);
	if (err == 0)
		err = add_pack(r, name);

	pthread_mutex_lock(&o->wlock);
	for (int i = 0; i < o->nsealing; i++)
		if (o->sealing[i] == p) {
			o->sealing[i] = o->sealing[--o->nsealing];
			break;
		}
	if (err < 0 && !o->seal_err) {
		o->seal_err = err;
		snprintf(o->seal_msg, sizeof(o->seal_msg), "%s", vlt_error_last());
	}
	pthread_cond_broadcast(&o->sealed);
	/*
	 * On failure the objects are lost from this process's view; the error
	 * is sticky so the next flush (and so the backup) fails instead of
	 * publishing a snapshot that needs them.
	 */
	if (o->nspare < 1) {
		p->w.nr = 0;
		vlt_buf_reset(&p->w.data);
		if (p->cap)
			memset(p->table, 0, p->cap * sizeof(*p->table));
		o->spare[o->nspare++] = p;
	} else {
		pending_free(p);
	}
	return err;
}

int vlt_odb_flush(struct vlt_repo *r)
{
	struct vlt_odb *o = r->odb;
	int err = 0;

	if (!o || r->dry_run)
		return 0;
	pthread_mutex_lock(&o->wlock);
	if (o->cur->w.nr)
		err = seal_cur_locked(r);
	while (o->nsealing)
		pthread_cond_wait(&o->sealed, &o->wlock);
	if (!err && o->seal_err)
		err = vlt_error_set(o->seal_err, "storing a pack failed: %s",
				    o->seal_msg);
	pthread_mutex_unlock(&o->wlock);
	return err;
}

/* --- lookups --------------------------------------------------------- */

struct loc {
	struct vlt_pack *pack;  /* NULL when pending */
	uint32_t pos;
	struct vlt_pack_entry e;
};

static int find_in_packs(struct vlt_odb *o, const struct vlt_oid *oid,
			 struct loc *l, int live_only, const char *avoid)
{
	const struct vlt_pack *skip = NULL;
	int found = 0, use_midx = 0;
	void *bad;

	/* a copy known to be damaged is no copy, for deduplication */
	if (live_only && !avoid && vlt_oidmap_get(&o->damaged, oid, &bad))
		avoid = bad;
	pthread_rwlock_rdlock(&o->packs_lock);
	if (o->midx) {
		struct vlt_pack *p;
		uint32_t at;

		use_midx = 1;
		if (vlt_midx_find(o->midx, oid, &p, &at)) {
			if (p && !p->gone && at < p->count &&
			    !(live_only && (p->doomed || p->lost)) &&
			    !(avoid && !strcmp(p->name, avoid)) &&
			    !memcmp(p->ids + (size_t)at * VLT_OID_RAWSZ, oid->id,
				    VLT_OID_RAWSZ)) {
				l->pack = p;
				l->pos = at;
				vlt_pack_entry_at(p, at, &l->e);
				found = 1;
				goto out;
			}
			/* its pack is gone or doomed: another copy may exist */
			use_midx = 0;
			skip = p;
		}
	}
	/* newest packs first: recent objects are looked up most */
	for (size_t i = o->npacks; i-- > 0;) {
		int64_t pos;

		if ((live_only && (o->packs[i]->doomed || o->packs[i]->lost)) ||
		    o->packs[i]->gone ||
		    o->packs[i] == skip ||
		    (use_midx && o->packs[i]->in_midx) ||
		    (avoid && !strcmp(o->packs[i]->name, avoid)))
			continue;
		pos = vlt_pack_find(o->packs[i], oid);
		if (pos >= 0) {
			l->pack = o->packs[i];
			l->pos = (uint32_t)pos;
			vlt_pack_entry_at(l->pack, l->pos, &l->e);
			found = 1;
			break;
		}
	}
out:
	pthread_rwlock_unlock(&o->packs_lock);
	return found;
}

/*
 * Find oid. If it is pending and stored is not NULL, copy its stored bytes
 * there (under the lock, since a store frees the buffer). live_only skips
 * doomed packs.
 */
static int locate(struct vlt_repo *r, const struct vlt_oid *oid, struct loc *l,
		  struct vlt_buf *stored, int live_only)
{
	struct vlt_odb *o = r->odb;
	struct pending *p;
	long e;
	int err = 0;

	if (find_in_packs(o, oid, l, live_only, NULL))
		return 1;
	pthread_mutex_lock(&o->wlock);
	p = pending_holder(o, oid, &e);
	if (p) {
		l->pack = NULL;
		l->e = p->w.entries[e];
		if (stored)
			err = vlt_buf_set(stored, p->w.data.data + l->e.offset +
					  VLT_PACK_ENTRY_HDR, l->e.stored_len);
	}
	pthread_mutex_unlock(&o->wlock);
	if (err < 0)
		return err;
	if (p)
		return 1;
	return find_in_packs(o, oid, l, live_only, NULL);
}

int vlt_odb_has(struct vlt_repo *r, const struct vlt_oid *oid)
{
	struct loc l;

	return locate(r, oid, &l, NULL, 0);
}

int vlt_odb_has_live(struct vlt_repo *r, const struct vlt_oid *oid)
{
	struct loc l;

	return locate(r, oid, &l, NULL, 1);
}

int vlt_odb_info(struct vlt_repo *r, const struct vlt_oid *oid,
		 enum vlt_obj_kind *kind, uint64_t *size)
{
	struct loc l;
	int rc = locate(r, oid, &l, NULL, 0);

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

/* Unseal, decompress and check the stored bytes of oid found at l. */
static int decode(struct vlt_repo *r, const struct vlt_oid *oid,
		  const struct loc *l, const struct vlt_buf *stored,
		  struct vlt_buf *out)
{
	struct vlt_buf scratch = VLT_BUF_INIT;
	struct vlt_compressor *cz = NULL;
	const void *plain;
	size_t plen;
	struct vlt_oid got;
	int err;

	if ((err = vlt_unseal(&r->sealer, oid, stored->data, stored->len, &plain,
			      &plen, &scratch)) < 0)
		goto damaged;
	if (!(cz = vlt_compressor_pool_get(&r->odb->pool, r->codec, r->level))) {
		err = vlt_error_set(VLT_E_NOMEM, "out of memory");
		goto done;
	}
	vlt_buf_reset(out);
	/* a size is a claim until the content hashes: bound it first */
	if ((err = vlt_obj_size_check(oid, (enum vlt_obj_kind)l->e.kind,
				      l->e.raw_len, r->chunking.max)) < 0)
		goto damaged;
	if ((err = vlt_buf_grow(out, l->e.raw_len)) < 0)
		goto done;
	if ((err = vlt_decompress(cz, l->e.codec, plain, plen, out->data,
				  l->e.raw_len)) < 0)
		goto damaged;
	vlt_buf_setlen(out, l->e.raw_len);
	if (r->verify_reads) {
		if ((err = vlt_object_id(&r->idfn, l->e.kind, out->data, out->len,
					 &got)) < 0)
			goto done;
		if (vlt_oid_cmp(&got, oid)) {
			err = vlt_error_set(VLT_E_CORRUPT, "content hashes to %s",
					    vlt_oid_hex(&got));
			goto damaged;
		}
	}
	goto done;
damaged:
	vlt_error_wrap(VLT_E_CORRUPT, "object %s in pack %s is damaged",
		       vlt_oid_hex(oid), l->pack ? l->pack->name : "(pending)");
	err = VLT_E_CORRUPT;
done:
	if (cz)
		vlt_compressor_pool_put(&r->odb->pool, cz);
	vlt_buf_release(&scratch);
	return err;
}

/*
 * The pack holding l's copy vanished under us: gc deleted it, which it does
 * only after copying every live object into a new pack stored before the
 * deletion (format.md, 9.3). Forget the pack, look for packs stored since
 * open, and find the object again. Returns 1 with l filled, 0 if no other
 * copy exists (then the object was garbage), negative on error.
 */
static int relocate_vanished(struct vlt_repo *r, const struct vlt_oid *oid,
			     struct loc *l, struct vlt_buf *stored)
{
	int err;

	pthread_rwlock_wrlock(&r->odb->packs_lock);
	l->pack->gone = 1;
	pthread_rwlock_unlock(&r->odb->packs_lock);
	err = vlt_odb_reload(r);
	if (err < 0 && err != VLT_E_CORRUPT && err != VLT_E_NOTFOUND)
		return err;
	vlt_error_clear();
	return locate(r, oid, l, stored, 0);
}

int vlt_odb_read(struct vlt_repo *r, const struct vlt_oid *oid,
		 enum vlt_obj_kind *kind, struct vlt_buf *out)
{
	struct vlt_buf stored = VLT_BUF_INIT;
	struct loc l, l2;
	int err, tries = 0;

	err = locate(r, oid, &l, &stored, 0);
again:
	if (err == 0)
		err = vlt_error_set(VLT_E_NOTFOUND, "object %s not found",
				    vlt_oid_hex(oid));
	if (err < 0)
		goto done;
	err = 0;  /* found: pending objects' bytes are in stored already */
	if (l.pack && (err = vlt_pack_read_stored(r->be, l.pack, l.pos, &l.e,
						  &stored)) == VLT_E_NOTFOUND &&
	    tries++ < 8) {
		char first[512];

		snprintf(first, sizeof(first), "%s", vlt_error_last());
		err = relocate_vanished(r, oid, &l, &stored);
		if (err == 0)
			err = vlt_error_set(VLT_E_NOTFOUND, "%s (and no other "
					    "copy of object %s exists)", first,
					    vlt_oid_hex(oid));
		goto again;
	}
	if (err < 0 && err != VLT_E_CORRUPT)
		goto done;
	if (err == 0)
		err = decode(r, oid, &l, &stored, out);
	/*
	 * A damaged copy, or its pack file gone or cut short: another pack
	 * may hold a good one (a later backup stores a fresh copy of what
	 * fsck found damaged, or of what a lost pack held).
	 */
	if ((err == VLT_E_CORRUPT || err == VLT_E_NOTFOUND) && l.pack &&
	    find_in_packs(r->odb, oid, &l2, 0, l.pack->name)) {
		char first[512];

		snprintf(first, sizeof(first), "%s", vlt_error_last());
		if (vlt_pack_read_stored(r->be, l2.pack, l2.pos, &l2.e,
					 &stored) == 0 &&
		    decode(r, oid, &l2, &stored, out) == 0) {
			l = l2;
			err = 0;
		} else {
			err = vlt_error_set(err, "%s", first);
		}
	}
	if (err == 0 && kind)
		*kind = l.e.kind;
done:
	vlt_buf_release(&stored);
	return err;
}

int vlt_odb_read_in_pack(struct vlt_repo *r, struct vlt_pack *p, uint32_t pos,
			 struct vlt_buf *out)
{
	struct vlt_buf stored = VLT_BUF_INIT;
	struct loc l;
	int err;

	l.pack = p;
	l.pos = pos;
	if ((err = vlt_pack_read_stored(r->be, p, pos, &l.e, &stored)) == 0)
		err = decode(r, &l.e.oid, &l, &stored, out);
	else if (err == VLT_E_CORRUPT)
		vlt_error_wrap(err, "object at position %u of pack %s is damaged",
			       pos, p->name);
	vlt_buf_release(&stored);
	return err;
}

int vlt_odb_mark_damaged(struct vlt_repo *r, const struct vlt_oid *oid,
			 const char *pack_name)
{
	struct vlt_buf key = VLT_BUF_INIT, val = VLT_BUF_INIT;
	char *copy = strdup(pack_name);
	void *old;
	int err;

	if (!copy)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	if ((err = vlt_buf_addf(&key, "damaged/%s", vlt_oid_hex(oid))) < 0 ||
	    (err = vlt_buf_addf(&val, "%s\n", pack_name)) < 0)
		goto done;
	err = vlt_backend_put_if_absent(r->be, key.data, val.data, val.len);
	if (err == VLT_E_EXISTS)
		err = 0;
	if (err < 0)
		goto done;
	pthread_rwlock_wrlock(&r->odb->packs_lock);
	if (vlt_oidmap_get(&r->odb->damaged, oid, &old))
		free(old);
	err = vlt_oidmap_put(&r->odb->damaged, oid, copy);
	pthread_rwlock_unlock(&r->odb->packs_lock);
	if (err >= 0) {
		copy = NULL;
		err = 0;
	}
done:
	free(copy);
	vlt_buf_release(&key);
	vlt_buf_release(&val);
	return err;
}

int vlt_odb_mark_pack_damaged(struct vlt_repo *r, const char *pack_name)
{
	struct vlt_oid name;

	VLT_TRY(vlt_oid_from_hex(&name, pack_name));
	return vlt_odb_mark_damaged(r, &name, pack_name);
}

size_t vlt_odb_damaged_count(struct vlt_repo *r)
{
	size_t n;

	pthread_rwlock_rdlock(&r->odb->packs_lock);
	n = vlt_oidmap_count(&r->odb->damaged);
	pthread_rwlock_unlock(&r->odb->packs_lock);
	return n;
}

int vlt_odb_pack_damaged(struct vlt_repo *r, const char *pack_name)
{
	size_t pos = 0;
	struct vlt_oid k;
	void *v;
	int found = 0;

	pthread_rwlock_rdlock(&r->odb->packs_lock);
	while (!found && vlt_oidmap_next(&r->odb->damaged, &pos, &k, &v))
		found = !strcmp(v, pack_name);
	pthread_rwlock_unlock(&r->odb->packs_lock);
	return found;
}

static int load_damaged(const char *key, const struct vlt_stat *st, void *data)
{
	struct vlt_repo *r = data;
	struct vlt_buf val = VLT_BUF_INIT;
	struct vlt_oid oid;
	const char *hex = strrchr(key, '/');
	char *name;

	(void)st;
	if (!hex || vlt_oid_from_hex(&oid, hex + 1) < 0 ||
	    vlt_backend_get(r->be, key, &val) < 0 || val.len < VLT_OID_HEXSZ) {
		vlt_buf_release(&val);
		return 0;  /* a bad marker only costs a missed repair */
	}
	name = strndup(val.data, VLT_OID_HEXSZ);
	vlt_buf_release(&val);
	if (!name || vlt_oidmap_put(&r->odb->damaged, &oid, name) < 0)
		free(name);
	return 0;
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
	return vlt_odb_write_hashed_codec(r, kind, data, len, oid, -1);
}

int vlt_odb_write_hashed_codec(struct vlt_repo *r, enum vlt_obj_kind kind,
			       const void *data, size_t len,
			       const struct vlt_oid *oid, int codec_choice)
{
	struct vlt_odb *o = r->odb;
	struct vlt_buf scratch = VLT_BUF_INIT;
	struct vlt_compressor *cz;
	enum vlt_codec codec;
	const void *sealed;
	size_t slen;
	long pos;
	int err;

	if (vlt_obj_size_limit(kind, r->chunking.max) < len)
		return vlt_error_set(VLT_E_INVALID, "a %s of %zu bytes is larger "
				     "than the format allows (%llu)",
				     vlt_obj_kind_name(kind), len,
				     (unsigned long long)vlt_obj_size_limit(
					     kind, r->chunking.max));
	err = vlt_odb_has_live(r, oid);
	if (err != 0)
		return err < 0 ? err : 0;
	if (r->dry_run && kind == VLT_OBJ_CHUNK)
		return 1;  /* a dry run keeps only the small structural objects */
	{
		enum vlt_codec want = codec_choice < 0 ? r->codec :
				      (enum vlt_codec)codec_choice;
		/* the repository's level for its codec, the codec's default
		 * for another (compression.level means nothing across codecs) */
		int level = want == r->codec ? r->level :
			    want == VLT_CODEC_ZLIB ? 6 : 1;

		if (!(cz = vlt_compressor_pool_get(&r->odb->pool, want, level)))
			return vlt_error_set(VLT_E_NOMEM, "out of memory");
		/* the pool hands out any of its compressors: this is the one
		 * place that compresses, so it says which codec every time */
		cz->codec = want;
		cz->level = level;
	}
	{
		const void *payload;
		size_t plen;

		/* cz (with its output buffer) is held until the object is in
		 * the pack */
		err = vlt_compress_ref(cz, data, len, &cz->out, &payload, &plen,
				       &codec);
		if (err < 0 ||
		    (err = vlt_seal(&r->sealer, oid, payload, plen, &sealed,
				    &slen, &scratch)) < 0)
			goto done;
	}

	pthread_mutex_lock(&o->wlock);
	if (pending_holder(o, oid, &pos)) {
		err = 0;  /* another thread stored it meanwhile */
		goto unlock;
	}
	if (!r->dry_run && o->cur->w.nr &&
	    vlt_pack_writer_size(&o->cur->w) + VLT_PACK_ENTRY_HDR + slen >
	    r->pack_target) {
		if ((err = seal_cur_locked(r)) < 0)
			goto unlock;
		if (pending_holder(o, oid, &pos)) {
			err = 0;
			goto unlock;
		}
	}
	if (!o->cur->w.nr)
		memcpy(o->cur->w.writer, r->writer_id, 16);
	/* page-aligned, so the local backend can write it with O_DIRECT */
	if (!o->cur->w.data.cap && !r->dry_run &&
	    (err = vlt_buf_alloc_aligned(&o->cur->w.data, r->pack_target +
					 VLT_PACK_TRAILER, 4096)) < 0)
		goto unlock;
	if ((err = vlt_pack_writer_add(&o->cur->w, oid, kind, codec,
				       (uint32_t)len, sealed, slen)) < 0)
		goto unlock;
	if ((err = pending_insert(o->cur, oid,
				  (uint32_t)(o->cur->w.nr - 1))) < 0)
		goto unlock;
	err = 1;
unlock:
	pthread_mutex_unlock(&o->wlock);
	if (err == 1 && !r->dry_run)
		vlt_testhook_count("abort-after");
done:
	vlt_compressor_pool_put(&r->odb->pool, cz);
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

static void prefix_scan_pending(const struct pending *p,
				const unsigned char *key, size_t nbytes,
				int odd, unsigned char last, int *found,
				struct vlt_oid *cand)
{
	for (size_t i = 0; p && i < p->w.nr && *found < 2; i++) {
		const unsigned char *id = p->w.entries[i].oid.id;

		if (!prefix_match(id, key, nbytes, odd, last) ||
		    (*found && !memcmp(cand->id, id, VLT_OID_RAWSZ)))
			continue;
		if (!(*found)++)
			memcpy(cand->id, id, VLT_OID_RAWSZ);
	}
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
	for (size_t i = 0; i < o->npacks && found < 2; i++) {
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
	prefix_scan_pending(o->cur, key, nbytes, odd, last, &found, &cand);
	for (int i = 0; i < o->nsealing; i++)
		prefix_scan_pending(o->sealing[i], key, nbytes, odd, last, &found,
				    &cand);
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

int vlt_odb_read_tree(struct vlt_repo *r, const struct vlt_oid *oid,
		      struct vlt_tree *t)
{
	struct vlt_buf buf = VLT_BUF_INIT;
	int err;

	vlt_tree_init(t);
	if (!oid || vlt_oid_is_zero(oid))
		return 0;
	if ((err = vlt_odb_read_kind(r, oid, VLT_OBJ_TREE, &buf)) == 0)
		err = vlt_tree_decode(buf.data, buf.len, t);
	vlt_buf_release(&buf);
	return err;
}
