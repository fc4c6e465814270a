/*
 * dirwalk.c - walking a folder into an in-memory shape and storing its
 * trees (see dirwalk.h). The recursion has one small frame per level
 * (symlink targets are read into the heap): a folder may nest down to
 * the format's depth limit, which is checked before going deeper.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dirwalk.h"
#include "error.h"
#include "odb.h"

void vlt_dirwalk_init(struct vlt_dirwalk *w, struct vlt_repo *r,
		      const struct vlt_dirwalk_ops *ops, void *data)
{
	memset(w, 0, sizeof(*w));
	w->r = r;
	w->ops = ops;
	w->data = data;
	vlt_buf_init(&w->rel);
	vlt_buf_init(&w->show);
}

void vlt_dirwalk_release(struct vlt_dirwalk *w)
{
	for (size_t i = 0; i < w->ndirs; i++) {
		for (size_t k = 0; k < w->dirs[i].nr; k++)
			free(w->dirs[i].ents[k].name);
		free(w->dirs[i].ents);
	}
	free(w->dirs);
	w->dirs = NULL;
	w->ndirs = w->dirs_alloc = 0;
	vlt_buf_release(&w->rel);
	vlt_buf_release(&w->show);
}

static int add_dir(struct vlt_dirwalk *w, long parent, long parent_ent,
		   long *out)
{
	VLT_TRY(VLT_ALLOC_GROW(w->dirs, w->ndirs + 1, w->dirs_alloc));
	memset(&w->dirs[w->ndirs], 0, sizeof(w->dirs[0]));
	w->dirs[w->ndirs].parent = parent;
	w->dirs[w->ndirs].parent_ent = parent_ent;
	*out = (long)w->ndirs++;
	return 0;
}

static struct vlt_walk_ent *add_ent(struct vlt_dirwalk *w, long d,
				    const char *name, const struct stat *st,
				    enum vlt_entry_type type)
{
	struct vlt_walk_dir *dir = &w->dirs[d];
	struct vlt_walk_ent *b;

	if (VLT_ALLOC_GROW(dir->ents, dir->nr + 1, dir->alloc) < 0)
		return NULL;
	b = &dir->ents[dir->nr++];
	memset(b, 0, sizeof(*b));
	if (!(b->name = strdup(name))) {
		dir->nr--;
		vlt_error_set(VLT_E_NOMEM, "out of memory");
		return NULL;
	}
	b->type = type;
	b->mode = st->st_mode & 07777;
	b->msec = st->st_mtim.tv_sec;
	b->mnsec = (uint32_t)st->st_mtim.tv_nsec;
	b->dir = -1;
	return b;
}

/* The path of the entry at w->rel as errors show it. */
static const char *shown(struct vlt_dirwalk *w)
{
	const char *rel = w->rel.len ? w->rel.data : "";

	if (!w->show_root)
		return rel[0] ? rel : ".";
	vlt_buf_reset(&w->show);
	if (vlt_buf_addf(&w->show, "%s%s%s", w->show_root, rel[0] ? "/" : "",
			 rel) < 0)
		return rel[0] ? rel : w->show_root;
	return w->show.data;
}

static int failed(struct vlt_dirwalk *w, const char *op, int errnum)
{
	return w->ops->error(w->data, op, shown(w), errnum);
}

static int walk_symlink(struct vlt_dirwalk *w, int dirfd, long d,
			const char *name, const struct stat *st)
{
	/* on the heap: the walk recurses once per level, and 4096 levels
	 * of PATH_MAX frames overflow the stack */
	char *target = malloc(PATH_MAX);
	struct vlt_walk_ent *b;
	ssize_t n;
	int err;

	if (!target)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	n = readlinkat(dirfd, name, target, PATH_MAX);
	if (n <= 0) {
		free(target);
		return failed(w, "readlink", n < 0 ? errno : EINVAL);
	}
	if (!(b = add_ent(w, d, name, st, VLT_ENTRY_SYMLINK))) {
		free(target);
		return VLT_E_NOMEM;
	}
	b->mode = 0777;
	b->size = (uint64_t)n;
	err = vlt_odb_write(w->r, VLT_OBJ_CHUNK, target, (size_t)n, &b->oid);
	free(target);
	if (err < 0)
		return err;
	w->nsymlinks++;
	return 0;
}

static int walk_dir(struct vlt_dirwalk *w, int dirfd, long d);

static int walk_subdir(struct vlt_dirwalk *w, int dirfd, long d,
		       const char *name, const struct stat *st)
{
	long child, ent;
	int err, fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			     O_CLOEXEC);

	if (fd < 0)
		return failed(w, "open", errno);
	if (!add_ent(w, d, name, st, VLT_ENTRY_DIR)) {
		close(fd);
		return VLT_E_NOMEM;
	}
	ent = (long)w->dirs[d].nr - 1;
	if ((err = add_dir(w, d, ent, &child)) < 0) {
		close(fd);
		return err;
	}
	w->dirs[d].ents[ent].dir = child;
	w->ndirs_seen++;
	/* a writer stores no tree deeper than readers accept */
	if ((err = vlt_tree_depth_check(w->depth + 1, shown(w))) < 0) {
		close(fd);
		return err;
	}
	w->depth++;
	err = walk_dir(w, fd, child);
	w->depth--;
	return err;
}

static int walk_dir(struct vlt_dirwalk *w, int dirfd, long d)
{
	const struct vlt_dirwalk_ops *ops = w->ops;
	DIR *dp;
	struct dirent *de;
	size_t base = w->rel.len;
	int err = 0;

	if (ops->enter &&
	    (err = ops->enter(w->data, dirfd, base ? w->rel.data : "")) < 0) {
		close(dirfd);
		return err;
	}
	dp = fdopendir(dirfd);
	if (!dp) {
		err = failed(w, "opendir", errno);
		close(dirfd);
		return err;
	}
	while ((de = readdir(dp)) != NULL && !err) {
		const char *name = de->d_name;
		struct stat st;

		if (name[0] == '.' && (!name[1] || (name[1] == '.' && !name[2])))
			continue;
		/* a repository is never stored into itself */
		if ((!w->depth || w->every_vault) && !strcmp(name, ".vault"))
			continue;
		vlt_buf_setlen(&w->rel, base);
		if ((err = vlt_buf_addf(&w->rel, "%s%s", base ? "/" : "",
					name)) < 0)
			break;
		if (ops->skip_early &&
		    ops->skip_early(w->data, w->rel.data, de->d_type))
			continue;
		if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT)   /* else: vanished while we looked */
				err = failed(w, "stat", errno);
			continue;
		}
		if (ops->skip && ops->skip(w->data, w->rel.data, &st))
			continue;
		if (S_ISREG(st.st_mode)) {
			struct vlt_walk_ent *b = add_ent(w, d, name, &st,
							 VLT_ENTRY_FILE);

			if (!b) {
				err = VLT_E_NOMEM;
				break;
			}
			b->size = (uint64_t)st.st_size;
			err = ops->file(w->data, dirfd, name, w->rel.data, &st, d,
					(long)w->dirs[d].nr - 1);
		} else if (S_ISLNK(st.st_mode)) {
			err = walk_symlink(w, dirfd, d, name, &st);
		} else if (S_ISDIR(st.st_mode)) {
			err = walk_subdir(w, dirfd, d, name, &st);
		}
		/* sockets, fifos and devices are not stored */
	}
	closedir(dp);
	vlt_buf_setlen(&w->rel, base);
	return err;
}

int vlt_dirwalk_run(struct vlt_dirwalk *w, int dirfd)
{
	long top;
	int err;

	if ((err = add_dir(w, -1, -1, &top)) < 0) {
		close(dirfd);
		return err;
	}
	vlt_buf_reset(&w->rel);
	w->depth = 0;
	return walk_dir(w, dirfd, top);
}

int vlt_dirwalk_write_trees(struct vlt_dirwalk *w, struct vlt_oid *root)
{
	struct vlt_buf enc = VLT_BUF_INIT;
	int err = 0;

	/* children come after their parents in walk order */
	for (size_t i = w->ndirs; i-- > 0 && !err;) {
		struct vlt_walk_dir *d = &w->dirs[i];
		struct vlt_tree t;
		struct vlt_oid oid;

		vlt_tree_init(&t);
		for (size_t k = 0; k < d->nr && !err; k++) {
			struct vlt_walk_ent *b = &d->ents[k];

			if (b->skip)
				continue;
			err = vlt_tree_add(&t, b->name, b->type, b->mode, b->size,
					   b->msec, b->mnsec, &b->oid);
		}
		if (!err && (err = vlt_tree_encode(&t, &enc)) == 0)
			err = vlt_odb_write(w->r, VLT_OBJ_TREE, enc.data, enc.len,
					    &oid);
		vlt_tree_release(&t);
		if (err)
			break;
		if (d->parent >= 0)
			w->dirs[d->parent].ents[d->parent_ent].oid = oid;
		else
			*root = oid;
	}
	vlt_buf_release(&enc);
	return err;
}
