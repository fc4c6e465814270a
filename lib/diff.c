/*
 * diff.c - comparing two trees (see diff.h).
 *
 * The walk is a merge of two sorted entry lists per directory. Equal
 * subtree ids are the fast path: nothing below them is read. A path
 * filter is checked once per entry on the way down; below a directory the
 * filter fully covers, checks stop.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "diff.h"
#include "error.h"
#include "odb.h"

enum match { MATCH_NONE = 0, MATCH_PARENT = 1, MATCH_ALL = 2 };

struct walk {
	struct vlt_repo *r;
	char **paths;          /* normalised filters; NULL: everything */
	size_t npaths;
	vlt_diff_fn fn;
	void *data;
	struct vlt_buf path;
	size_t depth;          /* of the directories being compared */
};

/* Strip leading and trailing slashes; "" and "." match everything (then
 * no filter is needed at all: returns 1). */
static int normalise_paths(struct walk *w, const char *const *paths)
{
	size_t n = 0;

	if (!paths)
		return 0;
	while (paths[n])
		n++;
	if (!n)
		return 0;
	if (!(w->paths = calloc(n, sizeof(*w->paths))))
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		const char *p = paths[i];
		size_t len;

		while (*p == '/')
			p++;
		len = strlen(p);
		while (len && p[len - 1] == '/')
			len--;
		if (!len || (len == 1 && p[0] == '.')) {
			/* matches everything: drop all filters */
			for (size_t j = 0; j < w->npaths; j++)
				free(w->paths[j]);
			free(w->paths);
			w->paths = NULL;
			w->npaths = 0;
			return 0;
		}
		if (!(w->paths[w->npaths] = strndup(p, len)))
			return vlt_error_set(VLT_E_NOMEM, "out of memory");
		w->npaths++;
	}
	return 0;
}

/* How path relates to the filters: inside one (or equal), above one (a
 * directory that leads to a filter), or neither. */
static enum match match_path(const struct walk *w, const char *path,
			     size_t len, int is_dir)
{
	enum match best = MATCH_NONE;

	for (size_t i = 0; i < w->npaths; i++) {
		const char *f = w->paths[i];
		size_t flen = strlen(f);

		if (len >= flen && !memcmp(path, f, flen) &&
		    (len == flen || path[flen] == '/'))
			return MATCH_ALL;
		if (is_dir && flen > len && !memcmp(path, f, len) &&
		    f[len] == '/')
			best = MATCH_PARENT;
	}
	return best;
}

static int emit(struct walk *w, enum vlt_diff_status st,
		const struct vlt_tree_entry *old_e,
		const struct vlt_tree_entry *new_e)
{
	struct vlt_diff_change c = { st, w->path.data, old_e, new_e };

	return w->fn(&c, w->data);
}

static int walk_dirs(struct walk *w, const struct vlt_oid *a,
		     const struct vlt_oid *b, int filtered);

/*
 * One name present on one or both sides (NULL when absent). The path of
 * the entry is already in w->path.
 */
static int diff_entry(struct walk *w, const struct vlt_tree_entry *ea,
		      const struct vlt_tree_entry *eb, int filtered)
{
	int a_dir = ea && ea->type == VLT_ENTRY_DIR;
	int b_dir = eb && eb->type == VLT_ENTRY_DIR;
	int err;

	if (filtered) {
		enum match m = match_path(w, w->path.data, w->path.len,
					  a_dir || b_dir);

		if (m == MATCH_NONE)
			return 0;
		if (m == MATCH_ALL) {
			filtered = 0;
		} else {
			/* a directory leading to a filter: only the directory
			 * side is of interest (a file of that name is not) */
			if (a_dir && b_dir)
				return walk_dirs(w, &ea->oid, &eb->oid, 1);
			return walk_dirs(w, a_dir ? &ea->oid : NULL,
					 b_dir ? &eb->oid : NULL, 1);
		}
	}
	if (a_dir && b_dir)
		return walk_dirs(w, &ea->oid, &eb->oid, filtered);
	if (!a_dir && !b_dir) {
		if (!ea)
			return emit(w, VLT_DIFF_ADDED, NULL, eb);
		if (!eb)
			return emit(w, VLT_DIFF_DELETED, ea, NULL);
		if (ea->type != eb->type || vlt_oid_cmp(&ea->oid, &eb->oid) ||
		    (ea->mode & 07777) != (eb->mode & 07777))
			return emit(w, VLT_DIFF_MODIFIED, ea, eb);
		return 0;
	}
	/* a directory on one side only: the other side's entry (if any)
	 * first, it sorts before the directory's contents */
	if (a_dir) {
		if (eb && (err = emit(w, VLT_DIFF_ADDED, NULL, eb)) != 0)
			return err;
		return walk_dirs(w, &ea->oid, NULL, filtered);
	}
	if (ea && (err = emit(w, VLT_DIFF_DELETED, ea, NULL)) != 0)
		return err;
	return walk_dirs(w, NULL, &eb->oid, filtered);
}

/* Compare two directories (either may be NULL: absent). w->path holds
 * their path ("" at the top). */
static int walk_dirs(struct walk *w, const struct vlt_oid *a,
		     const struct vlt_oid *b, int filtered)
{
	struct vlt_tree ta, tb;
	size_t i = 0, j = 0, base = w->path.len;
	int err;

	if (a && b && !vlt_oid_cmp(a, b))
		return 0;  /* the fast path: same subtree */
	if ((err = vlt_tree_depth_check(w->depth, w->path.data)) < 0)
		return err;
	if ((err = vlt_odb_read_tree(w->r, a, &ta)) < 0)
		return err;
	if ((err = vlt_odb_read_tree(w->r, b, &tb)) < 0) {
		vlt_tree_release(&ta);
		return err;
	}
	while (!err && (i < ta.nr || j < tb.nr)) {
		const struct vlt_tree_entry *ea = i < ta.nr ? &ta.entries[i] : NULL;
		const struct vlt_tree_entry *eb = j < tb.nr ? &tb.entries[j] : NULL;
		int cmp = !ea ? 1 : !eb ? -1 : strcmp(ea->name, eb->name);

		if (cmp < 0)
			eb = NULL, i++;
		else if (cmp > 0)
			ea = NULL, j++;
		else
			i++, j++;
		vlt_buf_setlen(&w->path, base);
		if ((base && (err = vlt_buf_addch(&w->path, '/')) < 0) ||
		    (err = vlt_buf_adds(&w->path, ea ? ea->name : eb->name)) < 0)
			break;
		w->depth++;
		err = diff_entry(w, ea, eb, filtered);
		w->depth--;
	}
	vlt_buf_setlen(&w->path, base);
	vlt_tree_release(&ta);
	vlt_tree_release(&tb);
	return err;
}

int vlt_diff_trees(struct vlt_repo *r, const struct vlt_oid *a,
		   const struct vlt_oid *b, const char *const *paths,
		   vlt_diff_fn fn, void *data)
{
	struct walk w = { r, NULL, 0, fn, data, VLT_BUF_INIT, 0 };
	int err;

	if ((err = normalise_paths(&w, paths)) == 0 &&
	    (err = vlt_buf_grow(&w.path, 256)) == 0) {
		if (a && vlt_oid_is_zero(a))
			a = NULL;
		if (b && vlt_oid_is_zero(b))
			b = NULL;
		err = walk_dirs(&w, a, b, w.npaths > 0);
	}
	for (size_t i = 0; i < w.npaths; i++)
		free(w.paths[i]);
	free(w.paths);
	vlt_buf_release(&w.path);
	return err;
}

/* --- collected diffs --------------------------------------------------- */

void vlt_diff_list_init(struct vlt_diff_list *l)
{
	memset(l, 0, sizeof(*l));
}

void vlt_diff_list_release(struct vlt_diff_list *l)
{
	for (size_t i = 0; i < l->nr; i++) {
		free(l->items[i].path);
		free(l->items[i].old_path);
	}
	free(l->items);
	memset(l, 0, sizeof(*l));
}

int vlt_diff_collect(const struct vlt_diff_change *c, void *data)
{
	struct vlt_diff_list *l = data;
	struct vlt_diff_item *it;

	if (VLT_ALLOC_GROW(l->items, l->nr + 1, l->alloc) < 0)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	it = &l->items[l->nr];
	memset(it, 0, sizeof(*it));
	if (!(it->path = strdup(c->path)))
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	it->status = c->status;
	if (c->old_e) {
		it->has_old = 1;
		it->old_e = *c->old_e;
		it->old_e.name = NULL;
	}
	if (c->new_e) {
		it->has_new = 1;
		it->new_e = *c->new_e;
		it->new_e.name = NULL;
	}
	l->nr++;
	return 0;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* A removed or added item that could be half of a rename. */
struct cand {
	const struct vlt_oid *oid;
	const char *path;
	size_t idx;          /* in the list */
};

static int cmp_cand(const void *pa, const void *pb)
{
	const struct cand *a = pa, *b = pb;
	int c = vlt_oid_cmp(a->oid, b->oid);

	return c ? c : strcmp(a->path, b->path);
}

/* Pair a group of removals with additions of the same id: same base name
 * first, then whatever is left, in path order. */
static void pair_group(const struct cand *dels, size_t nd,
		       const struct cand *adds, size_t na, size_t *partner,
		       unsigned char *used)
{
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < na; i++) {
			const char *an = base_name(adds[i].path);

			if (partner[adds[i].idx] != SIZE_MAX)
				continue;
			for (size_t k = 0; k < nd; k++) {
				if (used[dels[k].idx])
					continue;
				if (pass == 0 && strcmp(an, base_name(dels[k].path)))
					continue;
				partner[adds[i].idx] = dels[k].idx;
				used[dels[k].idx] = 1;
				break;
			}
		}
	}
}

int vlt_diff_find_renames(struct vlt_diff_list *l)
{
	struct cand *dels = NULL, *adds = NULL;
	size_t *partner = NULL, nd = 0, na = 0, i, j, out;
	unsigned char *used = NULL;
	int err = 0;

	if (!l->nr)
		return 0;
	dels = malloc(l->nr * sizeof(*dels));
	adds = malloc(l->nr * sizeof(*adds));
	partner = malloc(l->nr * sizeof(*partner));
	used = calloc(l->nr, 1);
	if (!dels || !adds || !partner || !used) {
		err = vlt_error_set(VLT_E_NOMEM, "out of memory");
		goto done;
	}
	for (i = 0; i < l->nr; i++) {
		struct vlt_diff_item *it = &l->items[i];
		const struct vlt_tree_entry *e;

		partner[i] = SIZE_MAX;
		if (it->status == VLT_DIFF_DELETED)
			e = &it->old_e;
		else if (it->status == VLT_DIFF_ADDED)
			e = &it->new_e;
		else
			continue;
		/* every empty file has the same id: never a rename */
		if (e->type != VLT_ENTRY_FILE || !e->size)
			continue;
		if (it->status == VLT_DIFF_DELETED)
			dels[nd++] = (struct cand){ &e->oid, it->path, i };
		else
			adds[na++] = (struct cand){ &e->oid, it->path, i };
	}
	if (!nd || !na)
		goto done;
	qsort(dels, nd, sizeof(*dels), cmp_cand);
	qsort(adds, na, sizeof(*adds), cmp_cand);
	/* walk both sorted lists one id group at a time */
	for (i = 0, j = 0; i < nd && j < na;) {
		int c = vlt_oid_cmp(dels[i].oid, adds[j].oid);
		size_t ie = i, je = j;

		if (c) {
			if (c < 0)
				i++;
			else
				j++;
			continue;
		}
		while (ie < nd && !vlt_oid_cmp(dels[ie].oid, dels[i].oid))
			ie++;
		while (je < na && !vlt_oid_cmp(adds[je].oid, adds[j].oid))
			je++;
		pair_group(dels + i, ie - i, adds + j, je - j, partner, used);
		i = ie;
		j = je;
	}
	/* paired additions become renames; paired removals go */
	for (i = 0; i < l->nr; i++) {
		struct vlt_diff_item *it = &l->items[i];

		if (partner[i] == SIZE_MAX)
			continue;
		it->status = VLT_DIFF_RENAMED;
		it->old_path = l->items[partner[i]].path;
		l->items[partner[i]].path = NULL;
		it->old_e = l->items[partner[i]].old_e;
		it->has_old = 1;
	}
	for (i = 0, out = 0; i < l->nr; i++) {
		if (used[i]) {
			free(l->items[i].path);
			continue;
		}
		l->items[out++] = l->items[i];
	}
	l->nr = out;
done:
	free(dels);
	free(adds);
	free(partner);
	free(used);
	return err;
}

int vlt_diff_trees_list(struct vlt_repo *r, const struct vlt_oid *a,
			const struct vlt_oid *b, const char *const *paths,
			int renames, struct vlt_diff_list *l)
{
	VLT_TRY(vlt_diff_trees(r, a, b, paths, vlt_diff_collect, l));
	return renames ? vlt_diff_find_renames(l) : 0;
}

void vlt_diff_summarize(const struct vlt_diff_list *l,
			struct vlt_diff_summary *s)
{
	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < l->nr; i++) {
		const struct vlt_diff_item *it = &l->items[i];
		uint64_t o = it->has_old ? it->old_e.size : 0;
		uint64_t n = it->has_new ? it->new_e.size : 0;

		s->changed++;
		switch (it->status) {
		case VLT_DIFF_ADDED:
			s->added++;
			s->added_bytes += n;
			break;
		case VLT_DIFF_DELETED:
			s->removed++;
			s->removed_bytes += o;
			break;
		case VLT_DIFF_MODIFIED:
			s->modified++;
			s->modified_old_bytes += o;
			s->modified_new_bytes += n;
			break;
		case VLT_DIFF_RENAMED:
			s->renamed++;
			s->renamed_bytes += n;
			break;
		}
		if (n > o)
			s->bytes_plus += n - o;
		else
			s->bytes_minus += o - n;
	}
}
