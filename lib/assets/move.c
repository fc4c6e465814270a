/*
 * move.c - `vault assets mv`: rename a file or folder of the working
 * folder and rewrite every reference to what moved, so nothing breaks.
 *
 * A plan is made first (renames, sidecars included, and every edit:
 * file, position, old and new text), from a graph of the working folder.
 * New text keeps the reference's style: a relative path stays relative
 * to its file (the moved file's own references too), "res://" stays
 * "res://", an absolute path stays absolute, ids need no edit. Then the
 * plan is applied in two phases: every edited file is written to a
 * temporary file beside it and synced (a zip container is copied and
 * its member replaced), and only when all are written are the files
 * renamed and the temporary files moved over them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "assets.h"
#include "cleanup.h"
#include "error.h"
#include "fsutil.h"
#include "parsers.h"

static const char *const sidecars[] = { ".meta", ".import", ".uid", NULL };

void vlt_asset_move_init(struct vlt_asset_move *m)
{
	memset(m, 0, sizeof(*m));
}

void vlt_asset_move_release(struct vlt_asset_move *m)
{
	size_t i;

	for (i = 0; i < m->nrenames; i++) {
		free(m->renames[i].from);
		free(m->renames[i].to);
	}
	for (i = 0; i < m->nedits; i++) {
		free(m->edits[i].file);
		free(m->edits[i].dest);
		free(m->edits[i].member);
		free(m->edits[i].old_text);
		free(m->edits[i].new_text);
		free(m->edits[i].quoted);
	}
	free(m->renames);
	free(m->edits);
	vlt_strlist_release(&m->cannot);
	memset(m, 0, sizeof(*m));
}

static int add_rename(struct vlt_asset_move *m, const char *from,
		      const char *to, int is_dir)
{
	struct vlt_asset_rename *r;

	if (VLT_ALLOC_GROW(m->renames, m->nrenames + 1, m->renames_alloc) < 0)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	r = &m->renames[m->nrenames];
	r->from = strdup(from);
	r->to = strdup(to);
	r->is_dir = is_dir;
	if (!r->from || !r->to) {
		free(r->from);
		free(r->to);
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	}
	m->nrenames++;
	return 0;
}

/* Where path is after the move (a new string), or NULL: it stays. */
static char *moved(const struct vlt_asset_move *m, const char *path)
{
	struct vlt_buf out = VLT_BUF_INIT;
	size_t i, n;

	for (i = 0; i < m->nrenames; i++) {
		const struct vlt_asset_rename *r = &m->renames[i];

		n = strlen(r->from);
		if (!strcmp(path, r->from))
			return strdup(r->to);
		if (r->is_dir && !strncmp(path, r->from, n) && path[n] == '/') {
			if (vlt_buf_addf(&out, "%s%s", r->to, path + n) < 0)
				return NULL;
			return vlt_buf_detach(&out, NULL);
		}
	}
	return NULL;
}

static int exists_on_disk(const struct vlt_asset_graph *g, const char *rel,
			  struct stat *st)
{
	struct vlt_buf p = VLT_BUF_INIT;
	int ok;

	if (vlt_buf_addf(&p, "%s/%s", g->root, rel) < 0)
		return 0;
	ok = lstat(p.data, st) == 0;
	vlt_buf_release(&p);
	return ok;
}

/* The folder of the nearest project.godot above path ("" if none). */
static const char *godot_root(const struct vlt_asset_graph *g, const char *path,
			      struct vlt_buf *out)
{
	size_t i, best = 0, n;
	int found = 0;

	vlt_buf_reset(out);
	for (i = 0; i < g->nfiles; i++) {
		const char *f = g->files[i].path, *slash = strrchr(f, '/');

		if (strcmp(slash ? slash + 1 : f, "project.godot"))
			continue;
		n = slash ? (size_t)(slash - f) : 0;
		if ((n == 0 || (!strncmp(path, f, n) && path[n] == '/')) &&
		    (!found || n >= best)) {
			best = n;
			found = 1;
			vlt_buf_set(out, f, n);
		}
	}
	if (!out->data)
		vlt_buf_set(out, "", 0);
	return out->data;
}

/* The path of target relative to folder dir ("" for the top). */
static int relative_to(const char *dir, const char *target, struct vlt_buf *out)
{
	size_t i = 0, common = 0, n;
	const char *p;

	vlt_buf_reset(out);
	/* the longest common leading folders */
	while (dir[i] && target[i] && dir[i] == target[i]) {
		if (dir[i] == '/')
			common = i + 1;
		i++;
	}
	if (!dir[i] && (target[i] == '/' || !*dir))
		common = *dir ? i + 1 : 0;
	n = strlen(dir);
	for (p = dir + (common < n ? common : n); *p; ) {
		if (vlt_buf_adds(out, "../") < 0)
			return VLT_E_NOMEM;
		p = strchr(p, '/');
		if (!p)
			break;
		p++;
	}
	return vlt_buf_adds(out, target + common);
}

static void dir_of(const char *path, struct vlt_buf *out)
{
	const char *slash = strrchr(path, '/');

	vlt_buf_reset(out);
	vlt_buf_set(out, path, slash ? (size_t)(slash - path) : 0);
}

/* Quote text as the file stores it; 1: it cannot be stored there. */
static int quote(enum vlt_asset_quoting q, const char *text, struct vlt_buf *out)
{
	static const char unreserved[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		"0123456789-._~/!$&'()*+,;=:@";
	struct vlt_buf uri = VLT_BUF_INIT;
	const char *s = text;
	json_t *j;
	char *dumped;
	int ret = 0;

	vlt_buf_reset(out);
	switch (q) {
	case VLT_ASSET_RAW:
		if (strpbrk(text, "\"\n\r"))
			return 1;
		return vlt_buf_adds(out, text);
	case VLT_ASSET_XML:
		for (; *s && !ret; s++) {
			switch (*s) {
			case '&': ret = vlt_buf_adds(out, "&amp;"); break;
			case '<': ret = vlt_buf_adds(out, "&lt;"); break;
			case '>': ret = vlt_buf_adds(out, "&gt;"); break;
			case '"': ret = vlt_buf_adds(out, "&quot;"); break;
			case '\'': ret = vlt_buf_adds(out, "&apos;"); break;
			default: ret = vlt_buf_addch(out, *s);
			}
		}
		return ret;
	case VLT_ASSET_URI:
		for (; *s && !ret; s++) {
			if (strchr(unreserved, *s))
				ret = vlt_buf_addch(&uri, *s);
			else
				ret = vlt_buf_addf(&uri, "%%%02X", (unsigned char)*s);
		}
		if (!ret)
			text = uri.data;
		/* a URI inside a JSON string */
		__attribute__((fallthrough));
	case VLT_ASSET_JSON:
		if (ret)
			break;
		j = json_string(text);
		dumped = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
		json_decref(j);
		if (!dumped) {
			ret = 1;
			break;
		}
		ret = vlt_buf_add(out, dumped + 1, strlen(dumped) - 2);
		free(dumped);
		break;
	}
	vlt_buf_release(&uri);
	return ret;
}

static int add_cannot(struct vlt_asset_move *m, const struct vlt_asset_graph *g,
		      const struct vlt_asset_edge *e, const char *why)
{
	struct vlt_buf line = VLT_BUF_INIT;
	int ret;

	ret = vlt_buf_addf(&line, "%s%s%s", g->files[e->from].path,
			   e->member ? ": " : "", e->member ? e->member : "");
	if (!ret && e->line)
		ret = vlt_buf_addf(&line, ":%u", e->line);
	if (!ret)
		ret = vlt_buf_addf(&line, ": %s (%s)", e->target, why);
	/* the tiles of one UDIM pattern are one reference */
	if (!ret && !(m->cannot.nr &&
		      !strcmp(m->cannot.v[m->cannot.nr - 1], line.data)))
		ret = vlt_strlist_add(&m->cannot, line.data);
	vlt_buf_release(&line);
	return ret;
}

/* The target's new text in the reference's own style. */
static int new_text(const struct vlt_asset_graph *g, const struct vlt_asset_edge *e,
		    const char *nfrom, const char *nto, struct vlt_buf *out)
{
	struct vlt_buf dir = VLT_BUF_INIT, rel = VLT_BUF_INIT;
	const char *t = e->target;
	int ret = 0, back;

	vlt_buf_reset(out);
	if (!strncmp(t, "res://", 6)) {
		const char *root = godot_root(g, nfrom, &dir);
		size_t n = strlen(root);

		if (n && (strncmp(nto, root, n) || nto[n] != '/'))
			ret = 1;	/* moved out of the Godot project */
		else
			ret = vlt_buf_addf(out, "res://%s", nto + (n ? n + 1 : 0));
	} else if (t[0] == '/') {
		ret = vlt_buf_addf(out, "%s/%s", g->root, nto);
	} else if (t[0] && t[1] == ':') {
		ret = 1;	/* a Windows absolute path: keep it as written */
	} else {
		dir_of(nfrom, &dir);
		ret = relative_to(dir.data ? dir.data : "", nto, &rel);
		back = strchr(t, '\\') && !strchr(t, '/');
		if (!ret && !strncmp(t, "./", 2))
			ret = vlt_buf_adds(out, "./");
		if (!ret)
			ret = vlt_buf_adds(out, rel.data);
		if (!ret && back) {
			char *p;

			for (p = out->data; *p; p++)
				if (*p == '/')
					*p = '\\';
		}
	}
	vlt_buf_release(&dir);
	vlt_buf_release(&rel);
	return ret;
}

static int cmp_edit(const void *a, const void *b)
{
	const struct vlt_asset_edit *x = a, *y = b;
	int c = strcmp(x->file, y->file);

	if (c)
		return c;
	c = strcmp(x->member ? x->member : "", y->member ? y->member : "");
	if (c)
		return c;
	return x->off < y->off ? -1 : x->off > y->off;
}

static int plan_edits(const struct vlt_asset_graph *g, struct vlt_asset_move *m)
{
	struct vlt_buf text = VLT_BUF_INIT, quoted = VLT_BUF_INIT;
	size_t i;
	int ret = 0, r;

	for (i = 0; i < g->nedges && ret >= 0; i++) {
		const struct vlt_asset_edge *e = &g->edges[i];
		const char *from = g->files[e->from].path;
		char *nfrom, *nto;
		struct vlt_asset_edit *ed;

		if (e->type != VLT_ASSET_PATH || e->to < 0 ||
		    (e->state != VLT_ASSET_OK && e->state != VLT_ASSET_BACKUP))
			continue;
		nfrom = moved(m, from);
		nto = moved(m, g->files[e->to].path);
		if (!nfrom && !nto)
			continue;
		if (e->udim) {
			ret = add_cannot(m, g, e, "a UDIM tile pattern: the "
					 "other tiles keep their names");
			goto next;
		}
		r = new_text(g, e, nfrom ? nfrom : from,
			     nto ? nto : g->files[e->to].path, &text);
		if (r < 0) {
			ret = r;
			goto next;
		}
		if (r > 0) {
			ret = add_cannot(m, g, e, "no path in the same style "
					 "reaches the new place");
			goto next;
		}
		if (!strcmp(text.data, e->target))
			goto next;
		if (e->len == 0) {
			ret = add_cannot(m, g, e, "stored in a binary format");
			goto next;
		}
		if ((r = quote(e->quoting, text.data, &quoted)) != 0) {
			ret = r < 0 ? r : add_cannot(m, g, e, "the new name "
						     "cannot be written there");
			goto next;
		}
		if (VLT_ALLOC_GROW(m->edits, m->nedits + 1, m->edits_alloc) < 0) {
			ret = vlt_error_set(VLT_E_NOMEM, "out of memory");
			goto next;
		}
		ed = &m->edits[m->nedits++];
		memset(ed, 0, sizeof(*ed));
		ed->file = strdup(from);
		ed->dest = strdup(nfrom ? nfrom : from);
		ed->member = e->member ? strdup(e->member) : NULL;
		ed->line = e->line;
		ed->off = e->off;
		ed->len = e->len;
		ed->old_text = strdup(e->target);
		ed->new_text = strdup(text.data);
		ed->quoted = strdup(quoted.data ? quoted.data : "");
		if (!ed->file || !ed->dest || !ed->old_text || !ed->new_text || !ed->quoted ||
		    (e->member && !ed->member))
			ret = vlt_error_set(VLT_E_NOMEM, "out of memory");
next:
		free(nfrom);
		free(nto);
	}
	vlt_buf_release(&text);
	vlt_buf_release(&quoted);
	if (ret >= 0 && m->nedits)
		qsort(m->edits, m->nedits, sizeof(*m->edits), cmp_edit);
	return ret < 0 ? ret : 0;
}

static int clean_path(const char *in, struct vlt_buf *out, const char *what)
{
	int ret = vlt_asset_path_join("", in, out);

	if (ret < 0)
		return ret;
	if (ret > 0 || !out->len || in[0] == '/')
		return vlt_error_set(VLT_E_INVALID, "%s: %s is not a path inside "
				     "the project", what, in);
	return 0;
}

int vlt_asset_move_plan(const struct vlt_asset_graph *g, const char *old_in,
			const char *new_in, struct vlt_asset_move *m)
{
	struct vlt_buf old = VLT_BUF_INIT, new = VLT_BUF_INIT, side = VLT_BUF_INIT,
		       nside = VLT_BUF_INIT;
	struct stat st;
	size_t i, k, n;
	int ret, is_dir;

	if (!g->is_worktree)
		return vlt_error_set(VLT_E_INVALID, "a move needs the working "
				     "folder, not a snapshot");
	if ((ret = clean_path(old_in, &old, "source")) < 0 ||
	    (ret = clean_path(new_in, &new, "destination")) < 0)
		goto out;
	if (!exists_on_disk(g, old.data, &st) ||
	    (!S_ISDIR(st.st_mode) && vlt_asset_graph_find(g, old.data) < 0)) {
		ret = vlt_error_set(VLT_E_NOTFOUND, "%s: no such file in the "
				    "project", old.data);
		goto out;
	}
	is_dir = S_ISDIR(st.st_mode);
	n = strlen(old.data);
	if (is_dir && !strncmp(new.data, old.data, n) && new.data[n] == '/') {
		ret = vlt_error_set(VLT_E_INVALID, "cannot move %s into itself",
				    old.data);
		goto out;
	}
	if ((ret = add_rename(m, old.data, new.data, is_dir)) < 0)
		goto out;
	for (k = 0; sidecars[k]; k++) {
		vlt_buf_reset(&side);
		vlt_buf_reset(&nside);
		if ((ret = vlt_buf_addf(&side, "%s%s", old.data, sidecars[k])) < 0 ||
		    (ret = vlt_buf_addf(&nside, "%s%s", new.data, sidecars[k])) < 0)
			goto out;
		if (exists_on_disk(g, side.data, &st) && S_ISREG(st.st_mode) &&
		    (ret = add_rename(m, side.data, nside.data, 0)) < 0)
			goto out;
	}
	for (i = 0; i < m->nrenames; i++) {
		if (exists_on_disk(g, m->renames[i].to, &st)) {
			ret = vlt_error_set(VLT_E_EXISTS, "%s already exists: "
					    "nothing moved", m->renames[i].to);
			goto out;
		}
	}
	ret = plan_edits(g, m);
out:
	vlt_buf_release(&old);
	vlt_buf_release(&new);
	vlt_buf_release(&side);
	vlt_buf_release(&nside);
	return ret;
}

/* --- applying ---------------------------------------------------------- */

struct pending {
	char *tmp;	/* the temporary file, beside the file it replaces */
	char *file;	/* the file it replaces (relative, before the move) */
};

/* Apply edits [*i, end) of one file (one member, or the file itself)
 * to data into out. */
static int apply_spans(const struct vlt_asset_move *m, size_t start, size_t end,
		       const struct vlt_buf *data, const char *what,
		       struct vlt_buf *out)
{
	size_t pos = 0, k;
	int ret = 0;

	vlt_buf_reset(out);
	for (k = start; k < end && !ret; k++) {
		const struct vlt_asset_edit *ed = &m->edits[k];

		if (ed->off < pos || ed->off + ed->len > data->len)
			return vlt_error_set(VLT_E_CONFLICT, "%s changed since "
					     "it was read: nothing moved", what);
		if ((ret = vlt_buf_add(out, data->data + pos, ed->off - pos)) == 0)
			ret = vlt_buf_adds(out, ed->quoted);
		pos = ed->off + ed->len;
	}
	if (!ret)
		ret = vlt_buf_add(out, data->data + pos, data->len - pos);
	if (!ret && !out->data)
		ret = vlt_buf_set(out, "", 0);
	return ret;
}

static int write_tmp(const char *path, const void *data, size_t len, int mode,
		     struct vlt_buf *tmp)
{
	unsigned char rnd[4];
	int fd, ret;

	if ((ret = vlt_random_bytes(rnd, sizeof(rnd))) < 0)
		return ret;
	vlt_buf_reset(tmp);
	if ((ret = vlt_buf_addf(tmp, "%s.tmp-%d-%02x%02x%02x%02x", path,
				(int)getpid(), rnd[0], rnd[1], rnd[2], rnd[3])) < 0)
		return ret;
	fd = open(tmp->data, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		return vlt_error_set(VLT_E_IO, "cannot create %s: %s", tmp->data,
				     strerror(errno));
	vlt_cleanup_add(tmp->data);
	ret = vlt_write_full(fd, data, len, tmp->data);
	if (!ret && fsync(fd) < 0)
		ret = vlt_error_set(VLT_E_IO, "fsync %s: %s", tmp->data,
				    strerror(errno));
	if (close(fd) < 0 && !ret)
		ret = vlt_error_set(VLT_E_IO, "close %s: %s", tmp->data,
				    strerror(errno));
	return ret;
}

/* Write the edited copy of one file (edits [start, end)) to a temporary
 * file beside it. */
static int prepare_file(const struct vlt_asset_graph *g,
			const struct vlt_asset_move *m, size_t start, size_t end,
			struct vlt_buf *tmp)
{
	struct vlt_buf path = VLT_BUF_INIT, data = VLT_BUF_INIT, out = VLT_BUF_INIT;
	struct vlt_buf *members = NULL;
	const char **names = NULL;
	const char *file = m->edits[start].file;
	size_t nm = 0, k, j;
	struct stat st;
	int ret;

	if ((ret = vlt_buf_addf(&path, "%s/%s", g->root, file)) < 0 ||
	    (ret = vlt_read_file(path.data, &data)) < 0)
		goto out;
	if (stat(path.data, &st) < 0)
		st.st_mode = 0644;
	if (!m->edits[start].member) {
		if ((ret = apply_spans(m, start, end, &data, file, &out)) == 0)
			ret = write_tmp(path.data, out.data, out.len,
					st.st_mode & 07777, tmp);
		goto out;
	}
	/* a zip container: each member's edits, then one rewrite */
	members = calloc(end - start, sizeof(*members));
	names = calloc(end - start, sizeof(*names));
	if (!members || !names) {
		ret = vlt_error_set(VLT_E_NOMEM, "out of memory");
		goto out;
	}
	for (k = start; k < end && !ret; k = j) {
		struct vlt_buf xml = VLT_BUF_INIT;

		for (j = k + 1; j < end && m->edits[j].member &&
		     !strcmp(m->edits[j].member, m->edits[k].member); j++)
			;
		ret = vlt_asset_zip_read(file, data.data, data.len,
					 m->edits[k].member, &xml, NULL);
		if (!ret)
			ret = apply_spans(m, k, j, &xml, file, &members[nm]);
		names[nm++] = m->edits[k].member;
		vlt_buf_release(&xml);
	}
	if (!ret)
		ret = write_tmp(path.data, data.data, data.len,
				st.st_mode & 07777, tmp);
	if (!ret)
		ret = vlt_asset_zip_replace(tmp->data, nm, names, members);
out:
	for (k = 0; members && k < nm; k++)
		vlt_buf_release(&members[k]);
	free(members);
	free(names);
	vlt_buf_release(&path);
	vlt_buf_release(&data);
	vlt_buf_release(&out);
	return ret;
}

static int mkdirs_for(const char *root, const char *rel)
{
	struct vlt_buf dir = VLT_BUF_INIT;
	const char *slash = strrchr(rel, '/');
	int ret = 0;

	if (!slash)
		return 0;
	if ((ret = vlt_buf_addf(&dir, "%s/%.*s", root, (int)(slash - rel), rel)) == 0)
		ret = vlt_mkdir_p(dir.data, 0777);
	vlt_buf_release(&dir);
	return ret;
}

static int move_one(const char *root, const char *from, const char *to)
{
	struct vlt_buf a = VLT_BUF_INIT, b = VLT_BUF_INIT;
	int ret;

	if ((ret = vlt_buf_addf(&a, "%s/%s", root, from)) < 0 ||
	    (ret = vlt_buf_addf(&b, "%s/%s", root, to)) < 0)
		goto out;
	if (renameat2(AT_FDCWD, a.data, AT_FDCWD, b.data, RENAME_NOREPLACE) < 0)
		ret = vlt_error_set(VLT_E_IO, "rename %s to %s: %s", from, to,
				    strerror(errno));
out:
	vlt_buf_release(&a);
	vlt_buf_release(&b);
	return ret;
}

int vlt_asset_move_apply(const struct vlt_asset_graph *g,
			 const struct vlt_asset_move *m)
{
	struct pending *pend = NULL;
	struct vlt_buf tmp = VLT_BUF_INIT, dst = VLT_BUF_INIT;
	size_t npend = 0, i, j, rootlen = strlen(g->root);
	int ret = 0;

	pend = calloc(m->nedits ? m->nedits : 1, sizeof(*pend));
	if (!pend)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	/* phase 1: every edited file written beside itself, synced */
	for (i = 0; i < m->nedits && !ret; i = j) {
		for (j = i + 1; j < m->nedits &&
		     !strcmp(m->edits[j].file, m->edits[i].file); j++)
			;
		ret = prepare_file(g, m, i, j, &tmp);
		if (tmp.data && *tmp.data) {
			pend[npend].file = strdup(m->edits[i].file);
			pend[npend].tmp = vlt_buf_detach(&tmp, NULL);
			npend++;
		}
	}
	if (ret) {
		for (i = 0; i < npend; i++) {
			unlink(pend[i].tmp);
			vlt_cleanup_forget_path(pend[i].tmp);
		}
		goto out;
	}
	/* phase 2: the renames, then each edited copy over its file */
	for (i = 0; i < m->nrenames && !ret; i++) {
		if ((ret = mkdirs_for(g->root, m->renames[i].to)) == 0)
			ret = move_one(g->root, m->renames[i].from, m->renames[i].to);
	}
	for (i = 0; i < npend && !ret; i++) {
		char *file = moved(m, pend[i].file), *tmprel;
		char *tmpnow;

		tmprel = pend[i].tmp + rootlen + 1;
		tmpnow = moved(m, tmprel);
		vlt_buf_reset(&tmp);
		vlt_buf_reset(&dst);
		if (vlt_buf_addf(&tmp, "%s/%s", g->root, tmpnow ? tmpnow : tmprel) < 0 ||
		    vlt_buf_addf(&dst, "%s/%s", g->root, file ? file : pend[i].file) < 0)
			ret = VLT_E_NOMEM;
		else if (rename(tmp.data, dst.data) < 0)
			ret = vlt_error_set(VLT_E_IO, "rename %s: %s", tmp.data,
					    strerror(errno));
		vlt_cleanup_forget_path(pend[i].tmp);
		free(file);
		free(tmpnow);
	}
	for (i = 0; i < m->nrenames && !ret; i++) {
		const char *sides[2] = { m->renames[i].from, m->renames[i].to };

		for (j = 0; j < 2 && !ret; j++) {
			struct vlt_buf d = VLT_BUF_INIT;
			const char *slash = strrchr(sides[j], '/');

			if (vlt_buf_addf(&d, "%s/%.*s", g->root,
					 slash ? (int)(slash - sides[j]) : 0,
					 sides[j]) == 0)
				ret = vlt_fsync_dir(d.data);
			vlt_buf_release(&d);
		}
	}
out:
	for (i = 0; i < npend; i++) {
		free(pend[i].tmp);
		free(pend[i].file);
	}
	free(pend);
	vlt_buf_release(&tmp);
	vlt_buf_release(&dst);
	return ret;
}
