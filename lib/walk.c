/*
 * walk.c - history walks that know forgotten snapshots (see walk.h).
 *
 * A forgotten snapshot is marked by the key forgotten/<id>
 * (Documentation/format.md, section 9.1); this file is the only one that
 * knows it. The object walk below is the one reachability walk of the
 * library: gc marks with it, stats counts with it.
 */
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "odb.h"
#include "records.h"
#include "refs.h"
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

/* --- the object walk ------------------------------------------------- */

int vlt_objwalk_init(struct vlt_objwalk *w, struct vlt_repo *r,
		     unsigned flags, vlt_object_fn fn,
		     vlt_objwalk_damage_fn damage, void *data)
{
	memset(w, 0, sizeof(*w));
	w->r = r;
	w->flags = flags;
	w->fn = fn;
	w->damage = damage;
	w->data = data;
	VLT_TRY(vlt_strlist_add(&w->from, ""));
	return vlt_forgotten_load(r, &w->forgotten);
}

int vlt_objwalk_set_from(struct vlt_objwalk *w, const char *label)
{
	VLT_TRY(vlt_strlist_add(&w->from, label));
	w->cur_from = (uint32_t)(w->from.nr - 1);
	return 0;
}

int vlt_objwalk_seen(const struct vlt_objwalk *w, const struct vlt_oid *oid)
{
	return vlt_oidset_contains(&w->seen, oid);
}

static void visit_init(const struct vlt_objwalk *w,
		       const struct vlt_objwalk_item *it, const char *path,
		       struct vlt_object_visit *v)
{
	memset(v, 0, sizeof(*v));
	v->oid = &it->oid;
	v->kind = (enum vlt_obj_kind)it->kind;
	v->snap = &it->snap;
	v->from = w->from.v[it->from];
	v->path = path;
	v->depth = it->depth;
	v->parent_kind = (enum vlt_obj_kind)it->parent_kind;
}

static int damage(struct vlt_objwalk *w, const struct vlt_object_visit *v,
		  enum vlt_objwalk_damage what, int err)
{
	static const char *const says[] = {
		[VLT_OBJWALK_NOT_FOUND] = "cannot be found",
		[VLT_OBJWALK_UNREADABLE] = "cannot be read",
		[VLT_OBJWALK_CORRUPT] = "is damaged",
		[VLT_OBJWALK_PARENT_MISSING] = "is missing and was not forgotten",
		[VLT_OBJWALK_TOO_DEEP] = "is nested too deep",
	};

	if (w->damage)
		return w->damage(v, what, err, w->data);
	return vlt_error_wrap(err, "%s %s%s%.12s (reached from %s) %s",
			      vlt_obj_kind_name(v->kind), vlt_oid_hex(v->oid),
			      vlt_oid_is_zero(v->snap) ? "" : " of snapshot ",
			      vlt_oid_is_zero(v->snap) ? "" :
			      vlt_oid_hex(v->snap), *v->from ? v->from : "a root",
			      says[what]);
}

/* A leaf reached for the first time: looked up, then visited. */
static int visit_leaf(struct vlt_objwalk *w, const struct vlt_objwalk_item *it)
{
	struct vlt_object_visit v;
	int has;

	visit_init(w, it, w->path.len ? w->path.data : "", &v);
	if (!(w->flags & VLT_OBJWALK_NO_LEAF_CHECK) &&
	    (has = vlt_odb_has(w->r, &it->oid)) != 1)
		return damage(w, &v, VLT_OBJWALK_NOT_FOUND, has < 0 ? has :
			      vlt_error_set(VLT_E_NOTFOUND, "object not found"));
	return w->fn ? w->fn(&v, w->data) : 0;
}

/* Reach oid as kind from the item being visited (or as a root): name is
 * its entry name below the current path, NULL for none. */
static int reach_as(struct vlt_objwalk *w, const struct vlt_oid *oid,
		    enum vlt_obj_kind kind, const char *name, int defer)
{
	struct vlt_objwalk_item *it, leaf;
	int rc = defer ? 1 : vlt_oidset_insert(&w->seen, oid);

	if (rc <= 0)
		return rc < 0 ? vlt_error_set(VLT_E_NOMEM, "out of memory") : 0;
	if (kind == VLT_OBJ_CHUNK && !defer) {
		memset(&leaf, 0, sizeof(leaf));
		leaf.oid = *oid;
		leaf.snap = w->cur_snap;
		leaf.from = w->cur_from;
		leaf.depth = w->cur_depth;
		leaf.kind = (unsigned char)kind;
		leaf.parent_kind = (unsigned char)w->cur_kind;
		return visit_leaf(w, &leaf);
	}
	VLT_TRY(VLT_ALLOC_GROW(w->stack, w->nr + 1, w->alloc));
	it = &w->stack[w->nr];
	memset(it, 0, sizeof(*it));
	it->oid = *oid;
	it->snap = kind == VLT_OBJ_SNAPSHOT ? *oid : w->cur_snap;
	it->from = w->cur_from;
	it->kind = (unsigned char)kind;
	it->parent_kind = (unsigned char)w->cur_kind;
	it->deferred = (unsigned char)defer;
	it->path_off = w->paths.len;
	if (kind == VLT_OBJ_SNAPSHOT) {
		it->depth = 0;
	} else if (name) {
		it->depth = w->cur_depth + (kind == VLT_OBJ_TREE);
		if (w->path.len) {
			VLT_TRY(vlt_buf_add(&w->paths, w->path.data,
					    w->path.len));
			VLT_TRY(vlt_buf_addch(&w->paths, '/'));
		}
		VLT_TRY(vlt_buf_adds(&w->paths, name));
	} else {
		it->depth = w->cur_depth;
		if (w->path.len)
			VLT_TRY(vlt_buf_add(&w->paths, w->path.data,
					    w->path.len));
	}
	it->path_len = w->paths.len - it->path_off;
	w->nr++;
	return 0;
}

static int reach(struct vlt_objwalk *w, const struct vlt_oid *oid,
		 enum vlt_obj_kind kind, const char *name)
{
	return reach_as(w, oid, kind, name, 0);
}

int vlt_objwalk_add(struct vlt_objwalk *w, const struct vlt_oid *oid,
		    enum vlt_obj_kind kind, unsigned flags)
{
	if ((flags & VLT_OBJWALK_WHOLE) && kind == VLT_OBJ_SNAPSHOT &&
	    vlt_oidset_insert(&w->whole, oid) < 0)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	vlt_oid_clear(&w->cur_snap);
	w->cur_depth = 0;
	w->cur_kind = VLT_OBJ_NONE;
	vlt_buf_reset(&w->path);
	return reach(w, oid, kind, NULL);
}

static int add_ref(const char *name, const struct vlt_oid *oid, void *data)
{
	struct vlt_objwalk *w = data;
	struct vlt_objwalk_item it;
	struct vlt_object_visit v;
	enum vlt_obj_kind kind;
	int err;

	struct vlt_buf label = VLT_BUF_INIT;

	if ((err = vlt_buf_addf(&label, "ref %s", name)) == 0)
		err = vlt_objwalk_set_from(w, label.data);
	vlt_buf_release(&label);
	if (err < 0)
		return err;
	if ((err = vlt_odb_info(w->r, oid, &kind, NULL)) < 0) {
		memset(&it, 0, sizeof(it));
		it.oid = *oid;
		it.from = w->cur_from;
		it.kind = VLT_OBJ_SNAPSHOT;
		visit_init(w, &it, "", &v);
		return damage(w, &v, VLT_OBJWALK_NOT_FOUND, err);
	}
	return vlt_objwalk_add(w, oid, kind, VLT_OBJWALK_WHOLE);
}

int vlt_objwalk_add_refs(struct vlt_objwalk *w)
{
	struct vlt_buf target = VLT_BUF_INIT;
	struct vlt_oid head;
	int err;

	if ((err = vlt_ref_for_each_all(w->r, add_ref, w)) != 0)
		return err < 0 ? err : VLT_E_GENERIC;
	/* a detached HEAD is a root too */
	if (vlt_ref_resolve_name(w->r, "HEAD", &target) == 0 &&
	    !strcmp(target.data, "HEAD") && vlt_ref_read(w->r, "HEAD", &head) == 0)
		err = add_ref("HEAD", &head, w);
	vlt_error_clear();
	vlt_buf_release(&target);
	return err < 0 ? err : 0;
}

static int follow_snapshot(struct vlt_objwalk *w, struct vlt_objwalk_item *it,
			   struct vlt_object_visit *v)
{
	const struct vlt_snapshot *s = v->snapshot;
	int err = 0;

	/* a forgotten snapshot keeps its (small) object, so the history
	 * through it stays whole, but not its tree */
	if (!vlt_oidset_contains(&w->forgotten, &it->oid) ||
	    vlt_oidset_contains(&w->whole, &it->oid))
		err = reach(w, &s->tree, VLT_OBJ_TREE, NULL);
	for (size_t i = 0; i < s->nparents && !err; i++) {
		int has = vlt_odb_has(w->r, &s->parents[i]);

		if (has == 1) {
			err = reach(w, &s->parents[i], VLT_OBJ_SNAPSHOT, NULL);
		} else if (has == 0 && vlt_oidset_contains(&w->forgotten,
							   &s->parents[i])) {
			continue;  /* forgotten on purpose: the line ends */
		} else {
			struct vlt_objwalk_item p = *it;
			struct vlt_object_visit pv;

			p.oid = s->parents[i];
			visit_init(w, &p, "", &pv);
			pv.snap = &it->oid;
			err = damage(w, &pv, VLT_OBJWALK_PARENT_MISSING,
				     has < 0 ? has : VLT_E_NOTFOUND);
		}
	}
	return err;
}

static int follow_tree(struct vlt_objwalk *w, const struct vlt_tree *t)
{
	int err = 0;

	for (size_t k = 0; k < t->nr && !err; k++) {
		const struct vlt_tree_entry *e;
		enum vlt_obj_kind kind;
		int in_order = !!(w->flags & VLT_OBJWALK_IN_ORDER);

		/*
		 * In order, entries go on the stack last to first, so they
		 * come off first to last, and each is first met when it comes
		 * off (not when pushed), as in a recursive walk: an object
		 * under two names is met under the one a recursive walk
		 * meets first.
		 */
		e = &t->entries[in_order ? t->nr - 1 - k : k];
		kind = e->type == VLT_ENTRY_DIR ? VLT_OBJ_TREE :
		       e->type == VLT_ENTRY_FILE ? VLT_OBJ_FILE : VLT_OBJ_CHUNK;
		if (kind == VLT_OBJ_CHUNK && (w->flags & VLT_OBJWALK_NO_SYMLINKS))
			continue;
		err = reach_as(w, &e->oid, kind, e->name, in_order);
	}
	return err;
}

/*
 * A record keeps what it links to (format.md, 6.5): every link must name
 * an object of the kind it says, and a linked snapshot is kept whole like
 * one a ref names, its tree too when it was forgotten, even if the walk
 * already met it (through a branch) without its tree.
 */
static int follow_record(struct vlt_objwalk *w,
			 const struct vlt_object_visit *v)
{
	struct vlt_record rec;
	int err;

	if ((err = vlt_record_decode(w->obj.data, w->obj.len, &rec)) < 0)
		return damage(w, v, VLT_OBJWALK_CORRUPT, err);
	for (size_t i = 0; i < rec.nlinks && !err; i++) {
		const struct vlt_record_link *l = &rec.links[i];
		enum vlt_obj_kind kind;
		struct vlt_snapshot s;

		if ((err = vlt_odb_info(w->r, &l->oid, &kind, NULL)) < 0 ||
		    kind != l->kind) {
			struct vlt_objwalk_item li;
			struct vlt_object_visit lv;

			memset(&li, 0, sizeof(li));
			li.oid = l->oid;
			li.from = w->cur_from;
			li.kind = (unsigned char)l->kind;
			visit_init(w, &li, "", &lv);
			err = damage(w, &lv, VLT_OBJWALK_NOT_FOUND, err < 0 ? err :
				     vlt_error_set(VLT_E_CORRUPT, "linked from "
				     "record %s as a %s, it is a %s",
				     vlt_oid_hex(v->oid),
				     vlt_obj_kind_name(l->kind),
				     vlt_obj_kind_name(kind)));
			continue;
		}
		if (kind != VLT_OBJ_SNAPSHOT) {
			err = reach(w, &l->oid, kind, NULL);
			continue;
		}
		if (vlt_oidset_insert(&w->whole, &l->oid) < 0) {
			err = vlt_error_set(VLT_E_NOMEM, "out of memory");
			break;
		}
		if (!vlt_oidset_contains(&w->seen, &l->oid) ||
		    !vlt_oidset_contains(&w->forgotten, &l->oid)) {
			err = reach(w, &l->oid, VLT_OBJ_SNAPSHOT, NULL);
			continue;
		}
		/* met already as a forgotten snapshot, without its tree */
		if ((err = vlt_snapshot_read(w->r, &l->oid, &s)) < 0)
			break;
		w->cur_snap = l->oid;
		err = reach(w, &s.tree, VLT_OBJ_TREE, NULL);
		vlt_snapshot_release(&s);
	}
	vlt_record_release(&rec);
	return err;
}

/* Read, decode, visit and follow one item popped from the stack. */
static int visit_item(struct vlt_objwalk *w, struct vlt_objwalk_item *it)
{
	struct vlt_object_visit v;
	struct vlt_snapshot s;
	struct vlt_tree t;
	struct vlt_file f;
	int err;

	visit_init(w, it, w->path.data ? w->path.data : "", &v);
	if (it->kind == VLT_OBJ_TREE && (w->flags & VLT_OBJWALK_CHECK_DEPTH) &&
	    (err = vlt_tree_depth_check(it->depth, w->path.data)) < 0)
		return damage(w, &v, VLT_OBJWALK_TOO_DEEP, err);
	if ((err = vlt_odb_read_kind(w->r, &it->oid, (enum vlt_obj_kind)it->kind,
				     &w->obj)) < 0)
		return damage(w, &v, VLT_OBJWALK_UNREADABLE, err);
	switch (it->kind) {
	case VLT_OBJ_SNAPSHOT:
		if ((err = vlt_snapshot_decode(w->obj.data, w->obj.len, &s)) < 0)
			return damage(w, &v, VLT_OBJWALK_CORRUPT, err);
		v.snapshot = &s;
		if (!(err = w->fn ? w->fn(&v, w->data) : 0))
			err = follow_snapshot(w, it, &v);
		vlt_snapshot_release(&s);
		return err;
	case VLT_OBJ_TREE:
		if ((err = vlt_tree_decode(w->obj.data, w->obj.len, &t)) < 0)
			return damage(w, &v, VLT_OBJWALK_CORRUPT, err);
		v.tree = &t;
		if (!(err = w->fn ? w->fn(&v, w->data) : 0))
			err = follow_tree(w, &t);
		vlt_tree_release(&t);
		return err;
	case VLT_OBJ_FILE:
		if ((err = vlt_file_decode(w->obj.data, w->obj.len, &f)) < 0)
			return damage(w, &v, VLT_OBJWALK_CORRUPT, err);
		v.file = &f;
		err = w->fn ? w->fn(&v, w->data) : 0;
		for (size_t i = 0; i < f.nr && !err; i++)
			err = reach(w, &f.chunks[i].oid, VLT_OBJ_CHUNK, NULL);
		vlt_file_release(&f);
		return err;
	case VLT_OBJ_RECORD:
		if ((err = w->fn ? w->fn(&v, w->data) : 0) == 0)
			err = follow_record(w, &v);
		return err;
	default:
		return w->fn ? w->fn(&v, w->data) : 0;
	}
}

int vlt_objwalk_run(struct vlt_objwalk *w)
{
	int err = 0;

	while (w->nr && !err) {
		struct vlt_objwalk_item it = w->stack[--w->nr];

		/* the item's path leaves the stack's buffer, which its
		 * children's paths then reuse */
		vlt_buf_reset(&w->path);
		if (it.path_len && (err = vlt_buf_add(&w->path, w->paths.data +
						      it.path_off,
						      it.path_len)) < 0)
			break;
		w->paths.len = it.path_off;
		if (w->paths.data)
			w->paths.data[w->paths.len] = '\0';
		w->cur_from = it.from;
		w->cur_snap = it.snap;
		w->cur_depth = it.depth;
		w->cur_kind = it.kind;
		if (it.deferred) {
			int added = vlt_oidset_insert(&w->seen, &it.oid);

			if (added < 0) {
				err = vlt_error_set(VLT_E_NOMEM, "out of memory");
				break;
			}
			if (!added)
				continue;  /* met since it was pushed */
			if (it.kind == VLT_OBJ_CHUNK) {
				err = visit_leaf(w, &it);
				continue;
			}
		}
		err = visit_item(w, &it);
	}
	vlt_buf_reset(&w->path);
	return err;
}

void vlt_objwalk_release(struct vlt_objwalk *w)
{
	vlt_oidset_release(&w->seen);
	vlt_oidset_release(&w->forgotten);
	vlt_oidset_release(&w->whole);
	free(w->stack);
	vlt_buf_release(&w->paths);
	vlt_buf_release(&w->path);
	vlt_buf_release(&w->obj);
	vlt_strlist_release(&w->from);
	memset(w, 0, sizeof(*w));
}
