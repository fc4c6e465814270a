/*
 * history.c - the path history walker (see history.h).
 *
 * Each step compares the path's entry in a snapshot with its entry in the
 * first parent. Only when the path is new in a snapshot is a full diff
 * of the two trees needed, to tell a rename from an addition; every other
 * step is two path lookups.
 */
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "error.h"
#include "history.h"
#include "revparse.h"

int vlt_history_path_init(struct vlt_history *h, struct vlt_repo *r,
			  const struct vlt_oid *start, const char *path,
			  unsigned flags)
{
	int err;

	memset(h, 0, sizeof(*h));
	h->r = r;
	h->flags = flags;
	if (!(h->path = strdup(path)))
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	if ((err = vlt_walk_init(&h->w, r, VLT_WALK_FIRST_PARENT)) < 0 ||
	    (err = vlt_walk_push(&h->w, start)) < 0)
		vlt_history_path_release(h);
	return err;
}

/* The entry at path in tree: 1 found, 0 absent, < 0 on error. */
static int lookup(struct vlt_repo *r, const struct vlt_oid *tree,
		  const char *path, struct vlt_tree_entry *e)
{
	int err = vlt_tree_lookup_path(r, tree, path, e);

	if (err == VLT_E_NOTFOUND) {
		vlt_error_clear();
		return 0;
	}
	if (err < 0)
		return err;
	free(e->name);
	e->name = NULL;
	return 1;
}

/* *old gets the old name of path if the parent->tree diff pairs it as a
 * rename, else NULL. */
static int renamed_from(struct vlt_repo *r, const struct vlt_oid *ptree,
			const struct vlt_oid *tree, const char *path,
			char **old)
{
	struct vlt_diff_list l = VLT_DIFF_LIST_INIT;
	int err = vlt_diff_trees_list(r, ptree, tree, NULL, 1, &l);

	*old = NULL;
	for (size_t i = 0; !err && i < l.nr; i++)
		if (l.items[i].status == VLT_DIFF_RENAMED &&
		    !strcmp(l.items[i].path, path)) {
			free(*old);
			if (!(*old = strdup(l.items[i].old_path)))
				err = vlt_error_set(VLT_E_NOMEM, "out of memory");
		}
	vlt_diff_list_release(&l);
	return err;
}

int vlt_history_path_next(struct vlt_history *h,
			  const struct vlt_history_version **out)
{
	/* the version last returned was a rename: go on under the old name */
	if (h->old_path) {
		free(h->path);
		h->path = h->old_path;
		h->old_path = NULL;
	}
	free(h->cur_path);
	h->cur_path = NULL;
	for (;;) {
		const struct vlt_walk_entry *we;
		struct vlt_tree_entry e, pe;
		int has, phas = 0, rc = vlt_walk_next(&h->w, &we);
		char change = 0, *old = NULL;

		h->met_forgotten = h->w.met_forgotten;
		if (rc <= 0)
			return rc;
		if (!we->has_tree)
			continue;  /* forgotten: its files are gone */
		if (we->parent == VLT_PARENT_MISSING)
			return vlt_error_set(VLT_E_CORRUPT, "snapshot %s: its "
					     "parent %s is missing (run 'vault "
					     "fsck')", vlt_oid_hex(&we->oid),
					     vlt_oid_hex(&we->parent_id));
		if ((has = lookup(h->r, &we->snap.tree, h->path, &e)) < 0)
			return has;
		/* a forgotten parent: the kept history starts here */
		if (we->parent == VLT_PARENT_OK &&
		    (phas = lookup(h->r, &we->parent_tree, h->path, &pe)) < 0)
			return phas;
		if (has && phas) {
			if (e.type != pe.type)
				change = VLT_HISTORY_TYPE;
			else if (vlt_oid_cmp(&e.oid, &pe.oid) || e.mode != pe.mode)
				change = VLT_HISTORY_MODIFIED;
		} else if (has) {
			int err = 0;

			if (we->parent == VLT_PARENT_OK &&
			    e.type == VLT_ENTRY_FILE &&
			    !(h->flags & VLT_HISTORY_NO_FOLLOW))
				err = renamed_from(h->r, &we->parent_tree,
						   &we->snap.tree, h->path, &old);
			if (err < 0)
				return err;
			change = old ? VLT_HISTORY_RENAMED : VLT_HISTORY_ADDED;
		} else if (phas) {
			change = VLT_HISTORY_DELETED;
		}
		if (!change)
			continue;
		memset(&h->v, 0, sizeof(h->v));
		h->v.snap = we->oid;
		h->v.s = &we->snap;
		h->v.change = (enum vlt_history_change)change;
		h->cur_path = h->path;
		if (!(h->path = strdup(h->cur_path))) {
			free(old);
			return vlt_error_set(VLT_E_NOMEM, "out of memory");
		}
		h->v.path = h->cur_path;
		h->old_path = old;
		h->v.old_path = old;
		if (change != VLT_HISTORY_DELETED) {
			h->v.has_entry = 1;
			h->v.e = e;
		}
		*out = &h->v;
		return 1;
	}
}

void vlt_history_path_release(struct vlt_history *h)
{
	vlt_walk_release(&h->w);
	free(h->path);
	free(h->cur_path);
	free(h->old_path);
	memset(h, 0, sizeof(*h));
}
