/*
 * gc.c - mark and sweep beside running backups (see gc.h and the
 * "Garbage collection" section of Documentation/format.md).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "gc.h"
#include "odb.h"
#include "oidset.h"
#include "pack.h"
#include "records.h"
#include "refs.h"
#include "revparse.h"
#include "testhook.h"
#include "tree.h"
#include "walk.h"

#define PLAN_PREFIX "gc/plan-"
#define DONE_PREFIX "gc/done-"

/* --- plans ------------------------------------------------------------- */

struct plan {
	uint64_t n;
	int done;
	char **packs;
	size_t npacks, alloc;
};

struct plans {
	struct plan *v;
	size_t nr, alloc;
};

static void plans_release(struct plans *ps)
{
	for (size_t i = 0; i < ps->nr; i++) {
		for (size_t k = 0; k < ps->v[i].npacks; k++)
			free(ps->v[i].packs[k]);
		free(ps->v[i].packs);
	}
	free(ps->v);
	memset(ps, 0, sizeof(*ps));
}

static struct plan *plan_get(struct plans *ps, uint64_t n)
{
	for (size_t i = 0; i < ps->nr; i++)
		if (ps->v[i].n == n)
			return &ps->v[i];
	if (VLT_ALLOC_GROW(ps->v, ps->nr + 1, ps->alloc) < 0)
		return NULL;
	memset(&ps->v[ps->nr], 0, sizeof(ps->v[0]));
	ps->v[ps->nr].n = n;
	return &ps->v[ps->nr++];
}

static int parse_num(const char *s, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 10);
	return !errno && end != s && !*end ? 0 : -1;
}

static int list_plan_key(const char *key, const struct vlt_stat *st, void *data)
{
	struct plans *ps = data;
	uint64_t n;
	struct plan *p;

	(void)st;
	if (!strncmp(key, PLAN_PREFIX, strlen(PLAN_PREFIX))) {
		if (parse_num(key + strlen(PLAN_PREFIX), &n) < 0)
			return 0;
		if (!(p = plan_get(ps, n)))
			return VLT_E_NOMEM;
	} else if (!strncmp(key, DONE_PREFIX, strlen(DONE_PREFIX))) {
		if (parse_num(key + strlen(DONE_PREFIX), &n) < 0)
			return 0;
		if (!(p = plan_get(ps, n)))
			return VLT_E_NOMEM;
		p->done = 1;
	}
	return 0;
}

static int cmp_plan(const void *a, const void *b)
{
	uint64_t x = ((const struct plan *)a)->n, y = ((const struct plan *)b)->n;

	return x < y ? -1 : x > y;
}

/*
 * gc's text files (plans, gc/refs) carry, after their 16-byte first line,
 * a line "sum <SHA-256 of every byte after this line>" (format.md 9.3):
 * a flipped digit of a pack name still looks like a pack name.
 */
#define SUM_LINE_LEN (4 + VLT_OID_HEXSZ + 1)

static int text_sum(const char *p, size_t n, char hex[VLT_OID_HEXSZ + 1])
{
	struct vlt_idfn plain = { .kind = VLT_IDFN_SHA256 };
	struct vlt_idctx ctx = { 0 };
	struct vlt_oid d;
	int err;

	VLT_TRY(vlt_idctx_init(&ctx, &plain));
	if ((err = vlt_idctx_update(&ctx, p, n)) == 0)
		err = vlt_idctx_final(&ctx, &d);
	vlt_idctx_release(&ctx);
	if (err == 0)
		vlt_oid_to_hex(&d, hex);
	return err;
}

/* text (len >= 16, its first line checked by the caller) with a sum line
 * inserted after the first line, into out. */
static int add_sum(const char *text, size_t len, struct vlt_buf *out)
{
	char hex[VLT_OID_HEXSZ + 1];

	VLT_TRY(text_sum(text + 16, len - 16, hex));
	vlt_buf_reset(out);
	VLT_TRY(vlt_buf_add(out, text, 16));
	VLT_TRY(vlt_buf_addf(out, "sum %s\n", hex));
	return vlt_buf_add(out, text + 16, len - 16);
}

/* 1: the sum line is there and matches; 0: there is none (a file of an
 * older vault); -1: it does not match (damage). */
static int sum_state(const char *text, size_t len)
{
	char hex[VLT_OID_HEXSZ + 1];

	if (len < 16 + 4 || memcmp(text + 16, "sum ", 4))
		return 0;
	if (len < 16 + SUM_LINE_LEN || text[16 + SUM_LINE_LEN - 1] != '\n' ||
	    text_sum(text + 16 + SUM_LINE_LEN, len - 16 - SUM_LINE_LEN, hex) < 0 ||
	    memcmp(text + 20, hex, VLT_OID_HEXSZ))
		return -1;
	return 1;
}

/* "delete <64 lower-case hex>": a damaged name must never become a key */
static int plan_line_ok(const char *line)
{
	const char *h = line + 7;
	size_t n = strlen(h);

	if (strncmp(line, "delete ", 7) || n != VLT_OID_HEXSZ)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f')))
			return 0;
	return 1;
}

static int read_plan(struct vlt_repo *r, struct plan *p)
{
	struct vlt_buf key = VLT_BUF_INIT, text = VLT_BUF_INIT;
	char *line, *save = NULL;
	int err;

	if ((err = vlt_buf_addf(&key, PLAN_PREFIX "%020" PRIu64, p->n)) < 0 ||
	    (err = vlt_backend_get(r->be, key.data, &text)) < 0)
		goto done;
	if (text.len < 16 || strncmp(text.data, "vault gc plan 1\n", 16)) {
		err = vlt_error_set(VLT_E_CORRUPT, "%s: not a gc plan", key.data);
		goto done;
	}
	if (sum_state(text.data, text.len) < 0) {
		err = vlt_error_set(VLT_E_CORRUPT, "%s: damaged (its checksum "
				    "does not match); run 'vault fsck'", key.data);
		goto done;
	}
	for (line = strtok_r(text.data, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *copy;

		if (strncmp(line, "delete ", 7))
			continue;
		if (!plan_line_ok(line)) {
			err = vlt_error_set(VLT_E_CORRUPT, "%s: bad line", key.data);
			goto done;
		}
		if ((err = VLT_ALLOC_GROW(p->packs, p->npacks + 1, p->alloc)) < 0)
			goto done;
		if (!(copy = strdup(line + 7))) {
			err = vlt_error_set(VLT_E_NOMEM, "out of memory");
			goto done;
		}
		p->packs[p->npacks++] = copy;
	}
done:
	vlt_buf_release(&key);
	vlt_buf_release(&text);
	return err;
}

/* All plans, sorted; packs of unswept plans read. */
static int load_plans(struct vlt_repo *r, struct plans *ps)
{
	int err = vlt_backend_list(r->be, "gc/", list_plan_key, ps);

	if (err < 0)
		return err;
	if (ps->nr > 1)
		qsort(ps->v, ps->nr, sizeof(*ps->v), cmp_plan);
	for (size_t i = 0; i < ps->nr; i++)
		if (!ps->v[i].done && (err = read_plan(r, &ps->v[i])) < 0)
			return err;
	return 0;
}

static uint64_t newest(const struct plans *ps)
{
	return ps->nr ? ps->v[ps->nr - 1].n : 0;
}

int vlt_gc_load_plans(struct vlt_repo *r, uint64_t *generation)
{
	struct plans ps = { 0 };
	int err;

	if ((err = load_plans(r, &ps)) < 0)
		goto done;
	for (size_t i = 0; i < ps.nr && !err; i++)
		for (size_t k = 0; k < ps.v[i].npacks && !err; k++)
			err = vlt_odb_set_doomed(r, ps.v[i].packs[k]);
	*generation = newest(&ps);
done:
	plans_release(&ps);
	return err;
}

/* --- writers ----------------------------------------------------------- */

int vlt_writer_begin(struct vlt_repo *r, struct vlt_repo_lock *lock,
		     uint64_t *generation, const char *what)
{
	int err;

	/*
	 * Create the lock first (it says no generation yet, which holds off
	 * any sweep), then read the plans, then record what we saw.
	 */
	VLT_TRY(vlt_repo_lock(r, VLT_LOCK_SHARED, what, lock));
	/* packs written from now on carry this lock's id (its random part) */
	{
		const char *hex = lock->key + strlen("locks/shared-");

		for (int i = 0; i < 16 && hex[2 * i] && hex[2 * i + 1]; i++) {
			char two[3] = { hex[2 * i], hex[2 * i + 1], 0 };

			r->writer_id[i] = (unsigned char)strtoul(two, NULL, 16);
		}
	}
	if ((err = vlt_odb_reload(r)) < 0 && err != VLT_E_CORRUPT)
		goto fail;
	/* never deduplicate against a pack whose file is gone or cut short */
	if ((err = vlt_odb_check_packs(r, NULL)) < 0 ||
	    (err = vlt_gc_load_plans(r, generation)) < 0 ||
	    (err = vlt_repo_lock_set_gen(r, lock, what, *generation)) < 0)
		goto fail;
	return 0;
fail:
	vlt_repo_unlock(r, lock);
	return err;
}

/* Copy every object reachable from oid that is not in a live pack. */
static int revive(struct vlt_repo *r, const struct vlt_oid *oid,
		  enum vlt_obj_kind kind, struct vlt_oidset *seen,
		  uint64_t *copied, size_t depth)
{
	struct vlt_buf buf = VLT_BUF_INIT;
	int err, live, rc;

	/* one frame per tree level: the format's limit bounds the stack */
	if ((err = vlt_tree_depth_check(depth, vlt_oid_hex(oid))) < 0)
		return err;
	if ((rc = vlt_oidset_insert(seen, oid)) <= 0)
		return rc;
	live = vlt_odb_has_live(r, oid) == 1;
	if (kind == VLT_OBJ_CHUNK && live)
		return 0;
	if ((err = vlt_odb_read_kind(r, oid, kind, &buf)) < 0)
		goto done;
	if (!live) {
		if ((err = vlt_odb_write_hashed(r, kind, buf.data, buf.len,
						oid)) < 0)
			goto done;
		(*copied)++;
	}
	if (kind == VLT_OBJ_SNAPSHOT) {
		struct vlt_snapshot s;

		if ((err = vlt_snapshot_decode(buf.data, buf.len, &s)) < 0)
			goto done;
		/* parents are already published: only this tree is ours */
		err = revive(r, &s.tree, VLT_OBJ_TREE, seen, copied, 0);
		vlt_snapshot_release(&s);
	} else if (kind == VLT_OBJ_TREE) {
		struct vlt_tree t;

		if ((err = vlt_tree_decode(buf.data, buf.len, &t)) < 0)
			goto done;
		for (size_t i = 0; i < t.nr && !err; i++) {
			const struct vlt_tree_entry *e = &t.entries[i];

			err = revive(r, &e->oid, e->type == VLT_ENTRY_DIR ?
				     VLT_OBJ_TREE : e->type == VLT_ENTRY_FILE ?
				     VLT_OBJ_FILE : VLT_OBJ_CHUNK, seen, copied,
				     depth + 1);
		}
		vlt_tree_release(&t);
	} else if (kind == VLT_OBJ_FILE) {
		struct vlt_file f;

		if ((err = vlt_file_decode(buf.data, buf.len, &f)) < 0)
			goto done;
		for (size_t i = 0; i < f.nr && !err; i++)
			err = revive(r, &f.chunks[i].oid, VLT_OBJ_CHUNK, seen,
				     copied, depth);
		vlt_file_release(&f);
	} else if (kind == VLT_OBJ_RECORD) {
		struct vlt_record rec;

		/* a new record keeps what it links to (format.md, 6.5) */
		if ((err = vlt_record_decode(buf.data, buf.len, &rec)) < 0)
			goto done;
		for (size_t i = 0; i < rec.nlinks && !err; i++)
			err = revive(r, &rec.links[i].oid, rec.links[i].kind,
				     seen, copied, rec.links[i].kind ==
				     VLT_OBJ_RECORD ? depth + 1 : 0);
		vlt_record_release(&rec);
	}
done:
	vlt_buf_release(&buf);
	return err < 0 ? err : 0;
}

int vlt_writer_settle_many(struct vlt_repo *r, struct vlt_repo_lock *lock,
			   uint64_t *generation, const struct vlt_oid *roots,
			   size_t nroots)
{
	for (;;) {
		struct vlt_oidset seen = VLT_OIDSET_INIT;
		uint64_t gen, copied = 0;
		enum vlt_obj_kind kind;
		int err = 0;

		VLT_TRY(vlt_odb_reload(r) == VLT_E_NOMEM ? VLT_E_NOMEM : 0);
		VLT_TRY(vlt_gc_load_plans(r, &gen));
		if (gen == *generation)
			return 0;
		/* a gc published a plan while we worked: keep what we need */
		for (size_t i = 0; i < nroots && !err; i++)
			if ((err = vlt_odb_info(r, &roots[i], &kind, NULL)) == 0)
				err = revive(r, &roots[i], kind, &seen, &copied, 0);
		vlt_oidset_release(&seen);
		if (err < 0 || (err = vlt_odb_flush(r)) < 0 ||
		    (err = vlt_repo_lock_set_gen(r, lock, "backup", gen)) < 0)
			return err;
		*generation = gen;
	}
}

int vlt_writer_settle(struct vlt_repo *r, struct vlt_repo_lock *lock,
		      uint64_t *generation, const struct vlt_oid *root)
{
	return vlt_writer_settle_many(r, lock, generation, root, 1);
}

int vlt_writer_end(struct vlt_repo *r, struct vlt_repo_lock *lock)
{
	memset(r->writer_id, 0, sizeof(r->writer_id));
	return vlt_repo_unlock(r, lock);
}

/* --- marking ----------------------------------------------------------- */

/* One object to follow, with where it was reached from (for messages). */
struct mark {
	struct vlt_repo *r;
	struct vlt_objwalk walk;      /* walk.seen: everything live */
	int64_t expire_before;        /* reflog entries this old or older:
				       * not roots */
	struct vlt_strlist refnames;  /* the refs that exist */
	struct vlt_strlist lost_refs; /* reflogs whose ref is gone */
	uint64_t reflog_roots;
	char refs_digest[VLT_OID_HEXSZ + 1]; /* what the refs were */
	struct vlt_idctx refs_ctx;
};

/* "gc stopped: tree X of snapshot S (reached from ref R) ...": damage on
 * the mark walk stops gc before it deletes anything (format.md, 9.2). */
static int walk_damage(const struct vlt_object_visit *v,
		       enum vlt_objwalk_damage what, int err, void *data)
{
	char snap[80] = "";

	(void)data;
	if (what == VLT_OBJWALK_PARENT_MISSING) {
		char pa[VLT_OID_HEXSZ + 1];

		vlt_oid_to_hex(v->oid, pa);
		return vlt_error_set(err, "gc stopped: snapshot %s, parent of "
				     "snapshot %s (reached from %s), is missing "
				     "and was not forgotten: what lies beyond it "
				     "is history, not garbage; nothing was "
				     "deleted (run 'vault fsck')", pa,
				     vlt_oid_hex(v->snap), v->from);
	}
	if (!vlt_oid_is_zero(v->snap) && vlt_oid_cmp(v->snap, v->oid))
		snprintf(snap, sizeof(snap), " of snapshot %.12s",
			 vlt_oid_hex(v->snap));
	return vlt_error_wrap(err, "gc stopped: %s %s%s (reached from %s) %s; "
			      "nothing was deleted (run 'vault fsck')",
			      vlt_obj_kind_name(v->kind), vlt_oid_hex(v->oid),
			      snap, v->from, what == VLT_OBJWALK_NOT_FOUND ?
			      "cannot be found" : what == VLT_OBJWALK_CORRUPT ?
			      "is damaged" : "cannot be read");
}

static int set_from(struct mark *m, const char *fmt, const char *name)
{
	struct vlt_buf b = VLT_BUF_INIT;
	int err;

	if ((err = vlt_buf_addf(&b, fmt, name)) == 0)
		err = vlt_objwalk_set_from(&m->walk, b.data);
	vlt_buf_release(&b);
	return err;
}

static int mark_ref(const char *name, const struct vlt_oid *oid, void *data)
{
	struct mark *m = data;
	enum vlt_obj_kind kind;
	int err;

	vlt_idctx_update(&m->refs_ctx, name, strlen(name) + 1);
	vlt_idctx_update(&m->refs_ctx, oid->id, VLT_OID_RAWSZ);
	VLT_TRY(vlt_strlist_add(&m->refnames, name));
	VLT_TRY(set_from(m, "ref %s", name));
	if ((err = vlt_odb_info(m->r, oid, &kind, NULL)) < 0)
		return vlt_error_wrap(err, "gc stopped: ref %s points to %s, "
				      "which cannot be found; nothing was "
				      "deleted (run 'vault fsck')", name,
				      vlt_oid_hex(oid));
	/* what a ref names is kept whole, forgotten or not: a tag or a
	 * branch head is a promise */
	return vlt_objwalk_add(&m->walk, oid, kind, VLT_OBJWALK_WHOLE);
}

/*
 * Every id a reflog names (and that still exists) is a root, as in git:
 * a ref that was lost or moved back keeps its history until the entries
 * expire (gc.reflogExpire). Reached this way, a forgotten snapshot keeps
 * only its snapshot object, as in the history of a branch.
 */
static int mark_reflog(const char *name, void *data)
{
	struct mark *m = data;
	struct vlt_reflog_entry *ents = NULL;
	size_t n = 0;
	int err, exists;

	if ((exists = vlt_ref_exists(m->r, name)) < 0)
		return exists;
	if (!exists && strcmp(name, "HEAD") &&
	    (err = vlt_strlist_add(&m->lost_refs, name)) < 0)
		return err;
	if ((err = vlt_reflog_read(m->r, name, &ents, &n)) < 0)
		return vlt_error_wrap(err, "gc stopped: the reflog of %s cannot "
				      "be read, and what it reaches must not "
				      "be lost; nothing was deleted", name);
	if ((err = set_from(m, "the reflog of %s", name)) < 0)
		goto done;
	for (size_t i = 0; i < n && !err; i++) {
		const struct vlt_oid *ids[2] = { &ents[i].old_oid,
						 &ents[i].new_oid };

		/* "now" expires an entry written this very second too */
		if (ents[i].time <= m->expire_before)
			continue;
		for (int k = 0; k < 2 && !err; k++) {
			enum vlt_obj_kind kind;

			if (vlt_oid_is_zero(ids[k]) ||
			    vlt_odb_info(m->r, ids[k], &kind, NULL) < 0) {
				vlt_error_clear();
				continue;  /* collected under an earlier expiry */
			}
			m->reflog_roots += !vlt_objwalk_seen(&m->walk, ids[k]);
			err = vlt_objwalk_add(&m->walk, ids[k], kind, 0);
		}
	}
done:
	vlt_reflog_free(ents, n);
	return err;
}

static int mark_all(struct mark *m)
{
	struct vlt_idfn plain = { .kind = VLT_IDFN_SHA256 };
	struct vlt_oid digest;
	int err;

	if ((err = vlt_objwalk_init(&m->walk, m->r, 0, NULL, walk_damage,
				    m)) < 0)
		return err;
	if ((err = vlt_idctx_init(&m->refs_ctx, &plain)) < 0)
		return err;
	err = vlt_ref_for_each_all(m->r, mark_ref, m);
	{
		struct vlt_oid head;
		struct vlt_buf target = VLT_BUF_INIT;

		/* a detached HEAD is a root too */
		if (!err && vlt_ref_resolve_name(m->r, "HEAD", &target) == 0 &&
		    !strcmp(target.data, "HEAD") &&
		    vlt_ref_read(m->r, "HEAD", &head) == 0)
			err = mark_ref("HEAD", &head, m);
		vlt_buf_release(&target);
	}
	vlt_idctx_final(&m->refs_ctx, &digest);
	vlt_oid_to_hex(&digest, m->refs_digest);
	if (err)
		return err < 0 ? err : VLT_E_GENERIC;
	/* what the refs reach first, so that reflog_roots counts what only
	 * the reflogs keep */
	if ((err = vlt_objwalk_run(&m->walk)) < 0 ||
	    (err = vlt_reflog_for_each_name(m->r, mark_reflog, m)) < 0)
		return err;
	return vlt_objwalk_run(&m->walk);
}

static int digest_ref(const char *name, const struct vlt_oid *oid, void *data)
{
	struct vlt_idctx *ctx = data;

	vlt_idctx_update(ctx, name, strlen(name) + 1);
	vlt_idctx_update(ctx, oid->id, VLT_OID_RAWSZ);
	return 0;
}

/* A digest of every ref and its value: equal digests, same roots. */
static int refs_digest(struct vlt_repo *r, char out[VLT_OID_HEXSZ + 1])
{
	struct vlt_idfn plain = { .kind = VLT_IDFN_SHA256 };
	struct vlt_idctx ctx = { 0 };
	struct vlt_oid d, head;
	struct vlt_buf target = VLT_BUF_INIT;
	int err;

	VLT_TRY(vlt_idctx_init(&ctx, &plain));
	err = vlt_ref_for_each_all(r, digest_ref, &ctx);
	if (!err && vlt_ref_resolve_name(r, "HEAD", &target) == 0 &&
	    !strcmp(target.data, "HEAD") && vlt_ref_read(r, "HEAD", &head) == 0)
		digest_ref("HEAD", &head, &ctx);
	vlt_buf_release(&target);
	vlt_idctx_final(&ctx, &d);
	vlt_oid_to_hex(&d, out);
	return err < 0 ? err : 0;
}

static void mark_release(struct mark *m)
{
	vlt_objwalk_release(&m->walk);
	vlt_strlist_release(&m->refnames);
	vlt_strlist_release(&m->lost_refs);
	vlt_idctx_release(&m->refs_ctx);
}

/* --- sweeping ---------------------------------------------------------- */

struct lockscan {
	struct vlt_repo *r;
	uint64_t need;
	int blocked, stale;
	char who[512];
	uint64_t min_gen;    /* lowest generation of a writer lock */
	unsigned char (*ids)[16];  /* ids of every writer lock present */
	size_t nids, ids_alloc;
};

static int check_writer(const char *key, const struct vlt_stat *st, void *data)
{
	struct lockscan *ls = data;
	struct vlt_lock_info info;

	(void)st;
	if (strncmp(key, "locks/shared-", 13))
		return 0;
	/* the protection scan (need = all) collects the writers' ids */
	if (ls->need == UINT64_MAX && strlen(key + 13) == 32 &&
	    VLT_ALLOC_GROW(ls->ids, ls->nids + 1, ls->ids_alloc) == 0) {
		for (int i = 0; i < 16; i++) {
			char two[3] = { key[13 + 2 * i], key[14 + 2 * i], 0 };

			ls->ids[ls->nids][i] = (unsigned char)strtoul(two, NULL, 16);
		}
		ls->nids++;
	}
	if (vlt_lock_read(ls->r, key, &info) < 0) {
		if (vlt_error_last_code() == VLT_E_NOTFOUND)
			return 0;  /* released meanwhile */
		ls->blocked++;
		ls->min_gen = 0;
		snprintf(ls->who, sizeof(ls->who), "%s (unreadable)", key);
		return 0;
	}
	if (!info.has_gen)
		ls->min_gen = 0;
	else if (info.gen < ls->min_gen)
		ls->min_gen = info.gen;
	if (info.has_gen && info.gen >= ls->need)
		return 0;
	ls->blocked++;
	if (vlt_lock_is_stale(&info))
		ls->stale++;
	snprintf(ls->who, sizeof(ls->who), "%s (pid %ld on %s%s)", key,
		 info.pid, info.host, vlt_lock_is_stale(&info) ? ", stale" : "");
	return 0;
}

/* Delete the plan's packs whose objects are all dead or live elsewhere. */
static int sweep_plan(struct vlt_repo *r, struct plan *p,
		      const struct vlt_oidset *live, struct vlt_gc_stats *st)
{
	struct vlt_buf key = VLT_BUF_INIT;
	int err = 0;

	for (size_t k = 0; k < p->npacks && !err; k++) {
		struct vlt_pack *pk = NULL;
		int keep = 0;

		for (size_t i = 0; i < vlt_odb_pack_count(r); i++)
			if (!strcmp(vlt_odb_pack_at(r, i)->name, p->packs[k]))
				pk = vlt_odb_pack_at(r, i);
		for (uint32_t i = 0; pk && i < pk->count && !keep; i++) {
			struct vlt_oid oid;

			memcpy(oid.id, pk->ids + (size_t)i * VLT_OID_RAWSZ,
			       VLT_OID_RAWSZ);
			keep = vlt_oidset_contains(live, &oid) &&
			       vlt_odb_has_live(r, &oid) != 1;
		}
		if (keep) {
			st->packs_pending++;  /* needed again: not deleted */
			continue;
		}
		/* index first: once it is gone, nobody finds the pack */
		vlt_buf_reset(&key);
		vlt_buf_addf(&key, "packs/%s.idx", p->packs[k]);
		err = vlt_backend_del(r->be, key.data);
		if (err == VLT_E_NOTFOUND)
			err = 0;
		vlt_buf_reset(&key);
		vlt_buf_addf(&key, "packs/%s.pack", p->packs[k]);
		if (!err) {
			struct vlt_stat ps;

			if (vlt_backend_stat(r->be, key.data, &ps) == 0)
				st->bytes_freed += ps.size;
			err = vlt_backend_del(r->be, key.data);
			if (err == VLT_E_NOTFOUND)
				err = 0;
			else if (!err)
				st->packs_deleted++;
			/* the abort-after test hook counts deletions too, so crash
			 * tests can kill a gc in the middle of its sweep */
			vlt_testhook_count("abort-after");
		}
	}
	if (!err) {
		vlt_buf_reset(&key);
		vlt_buf_addf(&key, DONE_PREFIX "%020" PRIu64, p->n);
		err = vlt_backend_put(r->be, key.data, "swept\n", 6);
	}
	vlt_buf_release(&key);
	return err;
}

/* --- the run ------------------------------------------------------------ */

struct orphan_scan {
	struct vlt_repo *r;
	struct vlt_strlist names;
};

static int find_orphans(const char *key, const struct vlt_stat *st, void *data)
{
	struct orphan_scan *os = data;
	const char *b = strrchr(key, '/');
	char name[VLT_OID_HEXSZ + 1];
	int loaded = 0;

	(void)st;
	b = b ? b + 1 : key;
	if (strlen(b) != VLT_OID_HEXSZ + 5 || strcmp(b + VLT_OID_HEXSZ, ".pack"))
		return 0;
	memcpy(name, b, VLT_OID_HEXSZ);
	name[VLT_OID_HEXSZ] = '\0';
	for (size_t i = 0; i < vlt_odb_pack_count(os->r) && !loaded; i++)
		loaded = !strcmp(vlt_odb_pack_at(os->r, i)->name, name);
	if (loaded)
		return 0;
	return vlt_strlist_add(&os->names, name);
}


/* A pack written by a writer whose lock is still present (running, or
 * stale until removed); an unreadable header counts as protected. */
static int is_protected(struct vlt_repo *r, const char *name,
			const struct lockscan *ls)
{
	unsigned char w[16];

	if (!ls->nids)
		return 0;
	if (vlt_pack_read_writer(r->be, name, w) < 0)
		return 1;
	for (size_t i = 0; i < ls->nids; i++)
		if (!memcmp(ls->ids[i], w, 16))
			return 1;
	return 0;
}

/* Bytes of a pack's objects, from its index. */
static uint64_t pack_bytes(const struct vlt_pack *p)
{
	uint64_t n = 0;

	for (uint32_t k = 0; k < p->count; k++) {
		struct vlt_pack_entry e;

		vlt_pack_entry_at(p, k, &e);
		n += e.stored_len + VLT_PACK_ENTRY_HDR;
	}
	return n;
}

/*
 * Index again every pack that has no index (format.md, 4.1), except packs
 * a gc plan dooms (a sweep deletes the index first, then the pack). A pack
 * that cannot be indexed (damaged) is left as it is: nothing is deleted
 * that cannot be read. Caller holds gc/lock and has loaded the plans.
 */
static int reindex_orphans(struct vlt_repo *r, uint64_t *made, uint64_t *bad,
			   char *note, size_t notelen)
{
	struct orphan_scan os = { r, VLT_STRLIST_INIT };
	int err;

	if ((err = vlt_backend_list(r->be, "packs/", find_orphans, &os)) < 0)
		goto done;
	for (size_t i = 0; i < os.names.nr; i++) {
		int did = 0;

		if (vlt_odb_is_doomed(r, os.names.v[i]))
			continue;
		if (vlt_pack_reindex(r->be, os.names.v[i], &did) < 0) {
			if (vlt_error_last_code() == VLT_E_NOTFOUND)
				continue;  /* deleted meanwhile */
			(*bad)++;
			if (note && !*note)
				snprintf(note, notelen, "%s", vlt_error_last());
			vlt_error_clear();
			continue;
		}
		*made += did;
	}
	if (os.names.nr && (err = vlt_odb_reload(r)) == VLT_E_CORRUPT)
		err = 0;  /* reported by the caller through load_errors */
done:
	vlt_strlist_release(&os.names);
	return err;
}

int vlt_gc_reindex(struct vlt_repo *r, uint64_t *made, uint64_t *bad,
		   char *note, size_t notelen)
{
	uint64_t gen;
	int err;

	*made = *bad = 0;
	if (note && notelen)
		*note = '\0';
	VLT_TRY(vlt_lock_key(r, "gc/lock", "index packs"));
	if ((err = vlt_gc_load_plans(r, &gen)) == 0)
		err = reindex_orphans(r, made, bad, note, notelen);
	vlt_unlock_key(r, "gc/lock");
	return err;
}

int vlt_gc_parse_expire(const char *s, int64_t *secs)
{
	char *end;
	long long days;

	if (!strcmp(s, "never") || !strcmp(s, "false")) {
		*secs = -1;
		return 0;
	}
	if (!strcmp(s, "now") || !strcmp(s, "all")) {
		*secs = 0;
		return 0;
	}
	errno = 0;
	days = strtoll(s, &end, 10);
	if (errno || end == s || days < 0 || days > 1000000 ||
	    (*end && strcmp(end, "d") && strcmp(end, "days") &&
	     strcmp(end, ".days")))
		return vlt_error_set(VLT_E_INVALID, "bad reflog expiry '%s' "
				     "(never, now, or a number of days: 90, "
				     "90d)", s);
	*secs = (int64_t)days * 86400;
	return 0;
}

#define REFS_SEEN_KEY "gc/refs"

/* The refs the last gc saw (gc/refs, format.md 9.4), into out. */
static int read_refs_seen(struct vlt_repo *r, struct vlt_strlist *out)
{
	struct vlt_buf b = VLT_BUF_INIT;
	char *line, *save = NULL;
	int err = vlt_backend_get(r->be, REFS_SEEN_KEY, &b);

	if (err == VLT_E_NOTFOUND) {
		vlt_error_clear();
		return 0;  /* no gc recorded any yet */
	}
	if (err < 0)
		return err;
	if (b.len < 16 || strncmp(b.data, "vault gc refs 1\n", 16) ||
	    sum_state(b.data, b.len) < 0) {
		vlt_buf_release(&b);
		return 0;  /* an unreadable record only loses this check */
	}
	for (line = strtok_r(b.data + 16, "\n", &save); line && !err;
	     line = strtok_r(NULL, "\n", &save))
		if (!strncmp(line, "ref ", 4) && vlt_ref_name_valid(line + 4))
			err = vlt_strlist_add(out, line + 4);
	vlt_buf_release(&b);
	return err;
}

static int write_refs_seen(struct vlt_repo *r, const struct vlt_strlist *names)
{
	struct vlt_buf b = VLT_BUF_INIT;
	int err = vlt_buf_adds(&b, "vault gc refs 1\n");

	struct vlt_buf text = VLT_BUF_INIT;

	for (size_t i = 0; i < names->nr && !err; i++)
		err = vlt_buf_addf(&b, "ref %s\n", names->v[i]);
	if (!err && (err = add_sum(b.data, b.len, &text)) == 0)
		err = vlt_backend_put(r->be, REFS_SEEN_KEY, text.data, text.len);
	vlt_buf_release(&b);
	vlt_buf_release(&text);
	return err;
}

/*
 * Refs that vanished: present at the last gc and gone now, or with a
 * reflog but no ref (deleting a ref deletes its log). If any did, and the
 * garbage is more than VLT_GC_VANISHED_SHARE percent of the bytes, stop
 * unless forced: a lost ref file must not turn into a freed repository.
 */
static int check_vanished(struct vlt_repo *r, const struct vlt_gc_opts *o,
			  struct mark *m, const struct lockscan *ls)
{
	struct vlt_strlist seen = VLT_STRLIST_INIT, gone = VLT_STRLIST_INIT;
	struct vlt_buf names = VLT_BUF_INIT;
	uint64_t total = 0, live = 0;
	int err;

	if ((err = read_refs_seen(r, &seen)) < 0)
		goto done;
	vlt_strlist_sort(&m->refnames);
	for (size_t i = 0; i < m->lost_refs.nr && !err; i++)
		err = vlt_strlist_add(&gone, m->lost_refs.v[i]);
	for (size_t i = 0; i < seen.nr && !err; i++)
		if (!vlt_strlist_has_sorted(&m->refnames, seen.v[i]) &&
		    vlt_ref_exists(r, seen.v[i]) == 0)
			err = vlt_strlist_add(&gone, seen.v[i]);
	if (err < 0 || !gone.nr || o->force)
		goto done;
	for (size_t i = 0; i < vlt_odb_pack_count(r); i++) {
		struct vlt_pack *p = vlt_odb_pack_at(r, i);

		if (p->doomed || p->gone || is_protected(r, p->name, ls))
			continue;
		for (uint32_t k = 0; k < p->count; k++) {
			struct vlt_pack_entry e;
			uint64_t n;

			vlt_pack_entry_at(p, k, &e);
			n = e.stored_len + VLT_PACK_ENTRY_HDR;
			total += n;
			live += vlt_objwalk_seen(&m->walk, &e.oid) ? n : 0;
		}
	}
	if (!total || (total - live) * 100 <= total * VLT_GC_VANISHED_SHARE)
		goto done;
	vlt_strlist_sort(&gone);
	for (size_t i = 0; i < gone.nr && names.len < 300; i++)
		if (!i || strcmp(gone.v[i], gone.v[i - 1]))
			vlt_buf_addf(&names, "%s%s", names.len ? ", " : "",
				     gone.v[i]);
	err = vlt_error_set(VLT_E_CONFLICT, "gc stopped: %s vanished since the "
			    "last gc, and this gc would free %" PRIu64 "%% of the "
			    "repository's bytes; nothing was deleted. Restore "
			    "the ref ('vault fsck' says how), or, if it was "
			    "deleted on purpose, run 'vault gc --force'",
			    names.data, (total - live) * 100 / total);
done:
	vlt_strlist_release(&seen);
	vlt_strlist_release(&gone);
	vlt_buf_release(&names);
	return err;
}

int vlt_gc_run(struct vlt_repo *r, const struct vlt_gc_opts *o,
	       struct vlt_gc_stats *st)
{
	struct mark m;
	struct plans ps = { 0 };
	struct vlt_buf plan = VLT_BUF_INIT, key = VLT_BUF_INIT;
	char digest[VLT_OID_HEXSZ + 1];
	uint64_t gen = 0, ndoom = 0, nsmall = 0;
	struct lockscan ls = { r, UINT64_MAX, 0, 0, "", UINT64_MAX, NULL, 0, 0 };
	int64_t expire = -1;
	int err, threshold = o->repack_threshold > 0 ? o->repack_threshold : 50;

	memset(st, 0, sizeof(*st));
	memset(&m, 0, sizeof(m));
	m.r = r;
	if (o->reflog_expire_set) {
		expire = o->reflog_expire;
	} else {
		const char *v = vlt_config_get(&r->config, "gc.reflogExpire");

		if (v && (err = vlt_gc_parse_expire(v, &expire)) < 0)
			return vlt_error_wrap(err, "config gc.reflogExpire");
	}
	m.expire_before = expire < 0 ? INT64_MIN : (int64_t)time(NULL) - expire;
	if ((err = vlt_lock_key(r, "gc/lock", "gc")) < 0)
		return err;
	/* stale locks and temporary files of killed writers (notices) */
	if (!o->dry_run) {
		struct vlt_clean_stats cs;

		if ((err = vlt_repo_clean_dead_writers(r, &cs)) < 0)
			goto done;
	}
	if ((err = vlt_odb_reload(r)) < 0 && err != VLT_E_CORRUPT)
		goto done;
	if (vlt_odb_load_errors(r, NULL)) {
		const char *msg;

		vlt_odb_load_errors(r, &msg);
		err = vlt_error_set(VLT_E_CORRUPT, "gc stopped: a pack index "
				    "cannot be read (%s); run 'vault fsck'", msg);
		goto done;
	}
	if ((err = vlt_gc_load_plans(r, &gen)) < 0)
		goto done;
	/* a pack without an index is indexed again, never deleted unread */
	if (!o->dry_run &&
	    (err = reindex_orphans(r, &st->packs_reindexed,
				   &st->packs_unindexable, st->unindexable,
				   sizeof(st->unindexable))) < 0)
		goto done;
	if ((err = mark_all(&m)) < 0) {
		if (st->packs_unindexable) {
			char why[1024];

			snprintf(why, sizeof(why), "%s", vlt_error_last());
			vlt_error_set(err, "%s; %" PRIu64 " pack(s) without an "
				      "index cannot be indexed (first: %s)", why,
				      st->packs_unindexable, st->unindexable);
		}
		goto done;
	}
	memcpy(digest, m.refs_digest, sizeof(digest));
	st->reflog_roots = m.reflog_roots;
	st->plan = gen;

	/* decide pack by pack; a repacked pack's live objects get copies
	 * first (doomed before copying, so the copies are real) */
	if ((err = vlt_buf_adds(&plan, "vault gc plan 1\n")) < 0)
		goto done;
	st->packs_before = vlt_odb_pack_count(r);
	/*
	 * Packs written by a writer whose lock is still there may be its own,
	 * not yet referenced: they are left alone (without this, a gc loop
	 * could doom a running writer's fresh copies over and over). Safety
	 * does not depend on it: see 9.3.
	 */
	{
		for (;;) {
			if ((err = vlt_backend_list(r->be, "locks/", check_writer,
						    &ls)) < 0)
				goto done;
			/* --wait: let running backups finish first */
			if (!o->wait || !ls.blocked || ls.stale)
				break;
			sleep(1);
			ls.blocked = ls.stale = 0;
			ls.nids = 0;
		}
		if (ls.blocked)
			snprintf(st->note, sizeof(st->note), "%s%s", ls.stale ?
				 "a stale writer lock " : "a running backup ",
				 ls.who);
		if (ls.stale)
			snprintf(st->note + strlen(st->note),
				 sizeof(st->note) - strlen(st->note), "; remove "
				 "it with 'vault unlock --remove-stale'");
	}
	if ((err = check_vanished(r, o, &m, &ls)) < 0)
		goto done;
	/* many small packs (one per backup of a few changes) are merged */
	for (size_t i = 0; i < vlt_odb_pack_count(r); i++) {
		struct vlt_pack *p = vlt_odb_pack_at(r, i);
		if (p->doomed || !p->count || is_protected(r, p->name, &ls))
			continue;
		nsmall += pack_bytes(p) < r->pack_target / 8;
	}
	for (size_t i = 0; i < vlt_odb_pack_count(r) && !err; i++) {
		struct vlt_pack *p = vlt_odb_pack_at(r, i);
		uint64_t live_bytes = 0, total = 0, nlive = 0;
		/* small packs are merged; packs with a damaged copy rewritten
		 * (their other objects copied, the damaged one is intact
		 * elsewhere or lost either way) */
		int merge = (nsmall >= 4 && pack_bytes(p) < r->pack_target / 8) ||
			    vlt_odb_pack_damaged(r, p->name);

		if (p->doomed)
			continue;  /* an earlier plan has it */
		if (is_protected(r, p->name, &ls)) {
			st->packs_protected++;
			continue;
		}
		for (uint32_t k = 0; k < p->count; k++) {
			struct vlt_pack_entry e;

			vlt_pack_entry_at(p, k, &e);
			total += e.stored_len + VLT_PACK_ENTRY_HDR;
			if (vlt_objwalk_seen(&m.walk, &e.oid)) {
				live_bytes += e.stored_len + VLT_PACK_ENTRY_HDR;
				nlive++;
			}
		}
		st->bytes_before += total;
		st->objects_live += nlive;
		st->objects_dead += p->count - nlive;
		if (!merge && (nlive == p->count ||
			       (nlive && live_bytes * 100 >=
				total * (uint64_t)threshold)))
			continue;
		if (o->dry_run) {
			ndoom++;
			st->bytes_repacked += live_bytes;
			continue;
		}
		if ((err = vlt_odb_set_doomed(r, p->name)) < 0)
			break;
		for (uint32_t k = 0; k < p->count && !err; k++) {
			struct vlt_oid oid;
			struct vlt_buf obj = VLT_BUF_INIT;
			enum vlt_obj_kind kind;

			memcpy(oid.id, p->ids + (size_t)k * VLT_OID_RAWSZ,
			       VLT_OID_RAWSZ);
			if (!vlt_objwalk_seen(&m.walk, &oid) ||
			    vlt_odb_has_live(r, &oid) == 1)
				continue;
			if ((err = vlt_odb_read(r, &oid, &kind, &obj)) == 0 &&
			    (err = vlt_odb_write_hashed(r, kind, obj.data, obj.len,
							&oid)) >= 0) {
				st->bytes_repacked += obj.len;
				err = 0;
			}
			vlt_buf_release(&obj);
		}
		ndoom++;
		err = err < 0 ? err : vlt_buf_addf(&plan, "delete %s\n", p->name);
	}
	if (err < 0)
		goto done;
	if (err < 0 || o->dry_run) {
		st->packs_deleted = ndoom;
		goto done;
	}
	if (ndoom) {
		/* the copies are durable before anything is doomed in public */
		if ((err = vlt_odb_flush(r)) < 0)
			goto done;
		struct vlt_buf text = VLT_BUF_INIT;

		vlt_buf_addf(&key, PLAN_PREFIX "%020" PRIu64, gen + 1);
		if ((err = add_sum(plan.data, plan.len, &text)) == 0)
			err = vlt_backend_put_if_absent(r->be, key.data, text.data,
							text.len);
		vlt_buf_release(&text);
		if (err < 0)
			goto done;
		st->plan = gen + 1;
	}

	/* sweep every plan whose writers have all seen it */
	if ((err = load_plans(r, &ps)) < 0)
		goto done;
	for (size_t i = 0; i < ps.nr && !err; i++) {
		struct plan *p = &ps.v[i];
		struct lockscan ws = { r, p->n, 0, 0, "", UINT64_MAX, NULL, 0, 0 };

		if (p->done)
			continue;
		for (;;) {
			ws.blocked = ws.stale = 0;
			if ((err = vlt_backend_list(r->be, "locks/", check_writer,
						    &ws)) < 0)
				goto done;
			if (!ws.blocked || !o->wait || ws.stale)
				break;
			sleep(1);
		}
		if (ws.blocked) {
			st->packs_pending += p->npacks;
			if (ws.stale)
				snprintf(st->note, sizeof(st->note), "plan %" PRIu64
					 " waits for a stale writer lock %s; remove "
					 "it with 'vault unlock --remove-stale'",
					 p->n, ws.who);
			else
				snprintf(st->note, sizeof(st->note), "plan %" PRIu64
					 " waits for %s", p->n, ws.who);
			continue;
		}
		/* refs moved since the mark (a backup landed): mark again */
		{
			char now[VLT_OID_HEXSZ + 1];

			if ((err = refs_digest(r, now)) < 0)
				goto done;
			if (strcmp(now, digest)) {
				mark_release(&m);
				memset(&m, 0, sizeof(m));
				m.r = r;
				m.expire_before = expire < 0 ? INT64_MIN :
						  (int64_t)time(NULL) - expire;
				if ((err = vlt_odb_reload(r)) < 0 &&
				    err != VLT_E_CORRUPT)
					goto done;
				if ((err = mark_all(&m)) < 0)
					goto done;
				memcpy(digest, m.refs_digest, sizeof(digest));
			}
			err = sweep_plan(r, p, &m.walk.seen, st);
		}
	}
	/* what this gc saw, so the next one notices refs that vanish */
	if (!err && !o->dry_run)
		err = write_refs_seen(r, &m.refnames);
	st->packs_after = vlt_odb_pack_count(r) - st->packs_deleted;
	/* one multi-pack index over what is left; older ones name deleted
	 * packs and only cost lookups, so they go */
	if (!err && st->packs_after > 1) {
		struct vlt_strlist mx = VLT_STRLIST_INIT;
		char name[VLT_OID_HEXSZ + 1];

		if (vlt_odb_write_midx(r, name) == 0 &&
		    vlt_backend_list(r->be, "index/", vlt_strlist_collect, &mx) == 0)
			for (size_t i = 0; i < mx.nr; i++)
				if (!strstr(mx.v[i], name))
					vlt_backend_del(r->be, mx.v[i]);
		vlt_strlist_release(&mx);
	}
done:
	free(ls.ids);
	plans_release(&ps);
	mark_release(&m);
	vlt_buf_release(&plan);
	vlt_buf_release(&key);
	vlt_unlock_key(r, "gc/lock");
	return err;
}

/* --- checking gc's files (fsck) ------------------------------------------ */

struct gc_check {
	struct vlt_repo *r;
	vlt_check_fn fn;
	void *data;
	int errors;
	struct plans ps;
	struct vlt_strlist plans_seen;  /* keys of the plans that exist */
};

static void gc_report(struct gc_check *gc, enum vlt_check_severity sev,
		      const char *file, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void gc_report(struct gc_check *gc, enum vlt_check_severity sev,
		      const char *file, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	gc->errors += sev == VLT_CHECK_ERROR;
	gc->fn(sev, file, msg, gc->data);
}

/* NULL when text is a plan exactly as vlt_gc_run writes it, else why not. */
static const char *plan_text_problem(char *text, size_t len)
{
	char *line, *save = NULL;

	if (len < 16 || memcmp(text, "vault gc plan 1\n", 16))
		return "does not start with \"vault gc plan 1\"";
	if (memchr(text, '\0', len))
		return "holds a NUL byte";
	if (text[len - 1] != '\n')
		return "does not end with a newline (cut short?)";
	if (sum_state(text, len) < 0)
		return "does not match its checksum (the sum line)";
	for (line = strtok_r(text + 16 + (sum_state(text, len) ? SUM_LINE_LEN : 0),
			     "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		if (!plan_line_ok(line))
			return "has a line that is not \"delete <pack name>\"";
	return NULL;
}

/* NULL when text is gc/refs exactly as write_refs_seen writes it. */
static const char *refs_text_problem(char *text, size_t len)
{
	char *line, *save = NULL;

	if (len < 16 || memcmp(text, "vault gc refs 1\n", 16))
		return "does not start with \"vault gc refs 1\"";
	if (memchr(text, '\0', len))
		return "holds a NUL byte";
	if (text[len - 1] != '\n')
		return "does not end with a newline (cut short?)";
	if (sum_state(text, len) < 0)
		return "does not match its checksum (the sum line)";
	for (line = strtok_r(text + 16 + (sum_state(text, len) ? SUM_LINE_LEN : 0),
			     "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		if (strncmp(line, "ref ", 4) || !vlt_ref_name_valid(line + 4) ||
		    !strcmp(line + 4, "HEAD"))
			return "has a line that is not \"ref <valid ref name>\"";
	return NULL;
}

static int check_gc_key(const char *key, const struct vlt_stat *st, void *data)
{
	struct gc_check *gc = data;
	struct vlt_buf b = VLT_BUF_INIT;
	const char *why = NULL;
	uint64_t n;
	int err;

	(void)st;
	if (strstr(key, ".tmp-") || !strcmp(key, "gc/lock"))
		return 0;  /* a writer's temporary file; gc's own lock */
	if (!strncmp(key, PLAN_PREFIX, strlen(PLAN_PREFIX)) &&
	    parse_num(key + strlen(PLAN_PREFIX), &n) == 0) {
		if ((err = vlt_strlist_add(&gc->plans_seen, key)) < 0)
			return err;
	} else if (!(!strncmp(key, DONE_PREFIX, strlen(DONE_PREFIX)) &&
		     parse_num(key + strlen(DONE_PREFIX), &n) == 0) &&
		   strcmp(key, REFS_SEEN_KEY)) {
		gc_report(gc, VLT_CHECK_WARNING, key, "unexpected file");
		return 0;
	}
	if ((err = vlt_backend_get(gc->r->be, key, &b)) < 0) {
		if (err == VLT_E_NOTFOUND) {  /* a gc removed it meanwhile */
			vlt_error_clear();
			return 0;
		}
		gc_report(gc, VLT_CHECK_ERROR, key, "cannot be read: %s",
			  vlt_error_last());
		vlt_error_clear();
		return 0;
	}
	if ((err = vlt_buf_addch(&b, '\0')) < 0)
		goto done;
	b.len--;
	if (!strncmp(key, PLAN_PREFIX, strlen(PLAN_PREFIX))) {
		if ((why = plan_text_problem(b.data, b.len)))
			gc_report(gc, VLT_CHECK_ERROR, key, "gc plan %s. Unless its done marker "
				  "exists (then the plan is finished and this "
				  "file may be deleted), backups and gc refuse to "
				  "run until a copy is put back; deleting it "
				  "instead leaves its packs undeleted, which only "
				  "costs space", why);
	} else if (!strcmp(key, REFS_SEEN_KEY)) {
		if ((why = refs_text_problem(b.data, b.len)))
			gc_report(gc, VLT_CHECK_ERROR, key, "record of the refs the "
				  "last gc saw %s; delete it (the next gc writes it "
				  "again, but cannot tell then which refs "
				  "vanished since the last one)", why);
	} else if (b.len != 6 || memcmp(b.data, "swept\n", 6)) {
		gc_report(gc, VLT_CHECK_ERROR, key, "gc done marker does not "
			  "hold \"swept\": it is damaged; its plan is finished, "
			  "so write \"swept\" into it again (deleting it makes "
			  "the next gc sweep that plan again, which is safe)");
	}
done:
	vlt_buf_release(&b);
	return err;
}

int vlt_gc_check(struct vlt_repo *r, vlt_check_fn fn, void *data)
{
	struct gc_check gc = { r, fn, data, 0, { 0 }, VLT_STRLIST_INIT };
	struct vlt_buf key = VLT_BUF_INIT;
	int err = vlt_backend_list(r->be, "gc/", check_gc_key, &gc);

	if (err == VLT_E_NOTFOUND) {  /* gc never ran */
		vlt_error_clear();
		err = 0;
	}
	if (err < 0)
		goto done;
	/* plans without a done marker: waiting for a writer, or a gc
	 * stopped (the next gc sweeps them) */
	if ((err = vlt_backend_list(r->be, "gc/", list_plan_key, &gc.ps)) < 0)
		goto done;
	vlt_strlist_sort(&gc.plans_seen);
	for (size_t i = 0; i < gc.ps.nr && !err; i++) {
		const struct plan *p = &gc.ps.v[i];

		vlt_buf_reset(&key);
		if ((err = vlt_buf_addf(&key, PLAN_PREFIX "%020" PRIu64, p->n)) < 0)
			break;
		if (!vlt_strlist_has_sorted(&gc.plans_seen, key.data))
			continue;  /* only a done marker: a finished plan */
		if (!p->done)
			gc_report(&gc, VLT_CHECK_NOTE, key.data, "gc plan %" PRIu64
				  " is not completed yet (it waits for running "
				  "backups, or a gc stopped; the next 'vault gc' "
				  "sweeps it)", p->n);
	}
done:
	plans_release(&gc.ps);
	vlt_strlist_release(&gc.plans_seen);
	vlt_buf_release(&key);
	return err < 0 ? err : gc.errors;
}
