/*
 * walk.c - history walks that know forgotten snapshots (see walk.h).
 *
 * A forgotten snapshot is marked by the key forgotten/<id>
 * (Documentation/format.md, section 9.1); this file and gc are the only
 * ones that know it.
 */
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "odb.h"
#include "revparse.h"
#include "walk.h"

#define FORGOTTEN_PREFIX "forgotten/"

static int forgotten_key(struct vlt_buf *key, const struct vlt_oid *oid)
{
	return vlt_buf_addf(key, FORGOTTEN_PREFIX "%s", vlt_oid_hex(oid));
}

int vlt_snapshot_forgotten(struct vlt_repo *r, const struct vlt_oid *oid)
{
	struct vlt_buf key = VLT_BUF_INIT;
	struct vlt_stat st;
	int err;

	if ((err = forgotten_key(&key, oid)) == 0)
		err = vlt_backend_stat(r->be, key.data, &st);
	vlt_buf_release(&key);
	if (err == VLT_E_NOTFOUND) {
		vlt_error_clear();
		return 0;
	}
	return err < 0 ? err : 1;
}

int vlt_snapshot_forget(struct vlt_repo *r, const struct vlt_oid *oid)
{
	struct vlt_buf key = VLT_BUF_INIT;
	int err;

	if ((err = forgotten_key(&key, oid)) == 0)
		err = vlt_backend_put_if_absent(r->be, key.data, "forgotten\n",
						10);
	vlt_buf_release(&key);
	if (err == VLT_E_EXISTS) {
		vlt_error_clear();
		return 0;
	}
	return err;
}

static int list_mark(const char *key, const struct vlt_stat *st, void *data)
{
	struct vlt_oid oid;
	const char *hex = key + strlen(FORGOTTEN_PREFIX);

	(void)st;
	if (strncmp(key, FORGOTTEN_PREFIX, strlen(FORGOTTEN_PREFIX)) ||
	    vlt_oid_from_hex(&oid, hex) < 0) {
		vlt_error_clear();
		return 0;  /* not a mark (a temporary file, say) */
	}
	return vlt_oidset_insert(data, &oid) < 0 ?
	       vlt_error_set(VLT_E_NOMEM, "out of memory") : 0;
}

int vlt_forgotten_load(struct vlt_repo *r, struct vlt_oidset *set)
{
	int err = vlt_backend_list(r->be, FORGOTTEN_PREFIX, list_mark, set);

	if (err == VLT_E_NOTFOUND) {  /* no mark ever made */
		vlt_error_clear();
		return 0;
	}
	return err;
}

int vlt_walk_init(struct vlt_walk *w, struct vlt_repo *r, unsigned flags)
{
	memset(w, 0, sizeof(*w));
	w->r = r;
	w->flags = flags;
	vlt_snapshot_init(&w->cur.snap);
	return vlt_forgotten_load(r, &w->forgotten);
}

int vlt_walk_push(struct vlt_walk *w, const struct vlt_oid *start)
{
	VLT_TRY(VLT_ALLOC_GROW(w->todo, w->nr + 1, w->alloc));
	w->todo[w->nr++] = *start;
	return 0;
}

static int is_forgotten(struct vlt_walk *w, const struct vlt_oid *oid)
{
	return vlt_oidset_contains(&w->forgotten, oid);
}

/* The state of the first parent of e, and its tree when stored. */
static int parent_state(struct vlt_walk *w, struct vlt_walk_entry *e)
{
	struct vlt_snapshot ps;
	int has, err;

	if (!e->snap.nparents) {
		e->parent = VLT_PARENT_NONE;
		return 0;
	}
	e->parent_id = e->snap.parents[0];
	if ((has = vlt_odb_has(w->r, &e->parent_id)) < 0)
		return has;
	if (!has) {
		e->parent = is_forgotten(w, &e->parent_id) ?
			    VLT_PARENT_FORGOTTEN : VLT_PARENT_MISSING;
		return 0;
	}
	if ((err = vlt_snapshot_read(w->r, &e->parent_id, &ps)) < 0)
		return vlt_error_wrap(err, "parent of snapshot %s",
				      vlt_oid_hex(&e->oid));
	e->parent_tree = ps.tree;
	if ((has = vlt_odb_has(w->r, &e->parent_tree)) < 0) {
		vlt_snapshot_release(&ps);
		return has;
	}
	if (w->have_next)
		vlt_snapshot_release(&w->next);
	w->next = ps;   /* kept for the next step */
	w->next_oid = e->parent_id;
	w->next_has_tree = has;
	w->have_next = 1;
	if (has)
		e->parent = VLT_PARENT_OK;
	else
		e->parent = is_forgotten(w, &e->parent_id) ?
			    VLT_PARENT_FORGOTTEN : VLT_PARENT_MISSING;
	return 0;
}

int vlt_walk_next(struct vlt_walk *w, const struct vlt_walk_entry **out)
{
	struct vlt_walk_entry *e = &w->cur;
	int err, has;

	if (w->have_cur) {
		struct vlt_snapshot *s = &e->snap;

		/* what the last entry leads to, first parent on top */
		if (w->flags & VLT_WALK_FIRST_PARENT) {
			if (s->nparents && (err = vlt_walk_push(w,
					    &s->parents[0])) < 0)
				return err;
		} else {
			for (size_t i = s->nparents; i-- > 0;)
				if ((err = vlt_walk_push(w, &s->parents[i])) < 0)
					return err;
		}
		vlt_snapshot_release(s);
		vlt_snapshot_init(s);
		w->have_cur = 0;
	}
	for (;;) {
		struct vlt_oid oid;
		int added;

		if (!w->nr)
			return 0;
		oid = w->todo[--w->nr];
		if ((added = vlt_oidset_insert(&w->seen, &oid)) < 0)
			return vlt_error_set(VLT_E_NOMEM, "out of memory");
		if (!added)
			continue;
		if ((has = vlt_odb_has(w->r, &oid)) < 0)
			return has;
		if (!has) {
			if (is_forgotten(w, &oid)) {
				w->met_forgotten = 1;
				continue;  /* forgotten, object and all */
			}
			return vlt_error_set(VLT_E_CORRUPT, "snapshot %s is "
					     "missing and was not forgotten: "
					     "the history is damaged here (run "
					     "'vault fsck')", vlt_oid_hex(&oid));
		}
		memset(e, 0, sizeof(*e));
		e->oid = oid;
		if (w->have_next && !vlt_oid_cmp(&w->next_oid, &oid)) {
			e->snap = w->next;   /* read as the last one's parent */
			e->has_tree = w->next_has_tree;
			w->have_next = 0;
			w->have_cur = 1;
		} else {
			if ((err = vlt_snapshot_read(w->r, &oid, &e->snap)) < 0)
				return err;
			w->have_cur = 1;
			if ((has = vlt_odb_has(w->r, &e->snap.tree)) < 0)
				return has;
			e->has_tree = has;
		}
		e->forgotten = is_forgotten(w, &oid);
		if ((err = parent_state(w, e)) < 0)
			return err;
		if ((e->forgotten && !e->has_tree) ||
		    e->parent == VLT_PARENT_FORGOTTEN)
			w->met_forgotten = 1;
		*out = e;
		return 1;
	}
}

void vlt_walk_release(struct vlt_walk *w)
{
	if (w->have_cur)
		vlt_snapshot_release(&w->cur.snap);
	if (w->have_next)
		vlt_snapshot_release(&w->next);
	vlt_oidset_release(&w->forgotten);
	vlt_oidset_release(&w->seen);
	free(w->todo);
	memset(w, 0, sizeof(*w));
}

struct forgotten_check {
	struct vlt_repo *r;
	vlt_check_fn fn;
	void *data;
	int errors;
};

static int check_mark(const char *key, const struct vlt_stat *st, void *data)
{
	struct forgotten_check *fc = data;
	struct vlt_buf b = VLT_BUF_INIT;
	struct vlt_oid oid;
	int err;

	(void)st;
	if (strstr(key, ".tmp-"))
		return 0;  /* a writer's temporary file */
	if (strncmp(key, FORGOTTEN_PREFIX, strlen(FORGOTTEN_PREFIX)) ||
	    vlt_oid_from_hex(&oid, key + strlen(FORGOTTEN_PREFIX)) < 0) {
		vlt_error_clear();
		fc->fn(VLT_CHECK_WARNING, key, "unexpected file (not a snapshot "
		       "id)", fc->data);
		return 0;
	}
	if ((err = vlt_backend_get(fc->r->be, key, &b)) < 0) {
		if (err == VLT_E_NOMEM)
			return err;
		fc->errors++;
		fc->fn(VLT_CHECK_ERROR, key, vlt_error_last(), fc->data);
		vlt_error_clear();
		return 0;
	}
	if (b.len != 10 || memcmp(b.data, "forgotten\n", 10)) {
		fc->errors++;
		fc->fn(VLT_CHECK_ERROR, key, "the mark of a forgotten snapshot "
		       "does not hold \"forgotten\": it is damaged. The snapshot "
		       "stays forgotten (the mark's name says which); write "
		       "\"forgotten\" into it again", fc->data);
	}
	vlt_buf_release(&b);
	return 0;
}

int vlt_forgotten_check(struct vlt_repo *r, vlt_check_fn fn, void *data)
{
	struct forgotten_check fc = { r, fn, data, 0 };
	int err = vlt_backend_list(r->be, FORGOTTEN_PREFIX, check_mark, &fc);

	if (err == VLT_E_NOTFOUND) {  /* no mark ever made */
		vlt_error_clear();
		err = 0;
	}
	return err < 0 ? err : fc.errors;
}
