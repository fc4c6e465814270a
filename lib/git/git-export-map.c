/*
 * git-export-map.c - the export's caches and lock in GIT_DIR/vault/:
 * export-map (snapshot -> commit, vault tree -> git tree for the tree
 * options they were made with, vault file -> git blob / LFS oid; its
 * format is in Documentation/format.md section 10) and export.lock,
 * which keeps two exports out of one git repository.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <git2.h>

#include "buf.h"
#include "cleanup.h"
#include "error.h"
#include "fsutil.h"
#include "git-internal.h"
#include "git-interop.h"
#include "oidset.h"

#define MAP_MAGIC "# vault export-git map v1"

/* The tree options a cached tree was made with. */
static void tree_params(const struct vlt_git_export *x, char *buf, size_t n)
{
	snprintf(buf, n, "lfs-threshold %llu attributes %d",
		 (unsigned long long)x->o.lfs_threshold,
		 !x->o.no_gitattributes);
}

int vlt_git_export_put_oid(struct vlt_oidmap *m, const struct vlt_oid *k,
			   const git_oid *v)
{
	git_oid *copy = malloc(sizeof(*copy));
	void *old;

	if (!copy)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	git_oid_cpy(copy, v);
	if (vlt_oidmap_get(m, k, &old))
		free(old);
	if (vlt_oidmap_put(m, k, copy) < 0) {
		free(copy);
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	}
	return 0;
}

struct vlt_git_file_ent *vlt_git_export_file(struct vlt_git_export *x,
					     const struct vlt_oid *k)
{
	void *v;
	struct vlt_git_file_ent *fe;

	if (vlt_oidmap_get(&x->files, k, &v))
		return v;
	if (!(fe = calloc(1, sizeof(*fe))))
		return NULL;
	if (vlt_oidmap_put(&x->files, k, fe) < 0) {
		free(fe);
		return NULL;
	}
	return fe;
}

/* "--lfs-threshold N" and "--no-gitattributes", as a user gave them. */
static void describe_params(const char *params, char *buf, size_t n)
{
	unsigned long long thr;
	int attrs;

	if (sscanf(params, "lfs-threshold %llu attributes %d", &thr, &attrs) != 2)
		snprintf(buf, n, "unknown options (%s)", params);
	else if (thr)
		snprintf(buf, n, "--lfs-threshold %llu%s", thr,
			 attrs ? "" : " --no-gitattributes");
	else
		snprintf(buf, n, "no --lfs-threshold");
}

int vlt_git_export_map_load(struct vlt_git_export *x)
{
	struct vlt_buf b = VLT_BUF_INIT;
	char params[128], old_params[128] = "", *line, *next;
	int trees_ok = 0, err;

	if ((err = vlt_read_file(x->map_path, &b)) < 0) {
		vlt_buf_release(&b);
		if (err == VLT_E_NOTFOUND) {
			vlt_error_clear();
			return 0;
		}
		return err;
	}
	tree_params(x, params, sizeof(params));
	vlt_buf_addch(&b, '\0');
	if (strncmp(b.data, MAP_MAGIC "\n", sizeof(MAP_MAGIC))) {
		/* an unknown map is only a lost cache: start afresh */
		vlt_buf_release(&b);
		return 0;
	}
	for (line = b.data + sizeof(MAP_MAGIC); *line; line = next) {
		struct vlt_oid k;
		git_oid g;
		char *sp;

		if ((next = strchr(line, '\n')))
			*next++ = '\0';
		else
			next = line + strlen(line);
		if (!strncmp(line, "params ", 7)) {
			unsigned long long thr;
			int attrs;

			/* options not given: those of the last export, so a
			 * forgotten --lfs-threshold does not change the trees */
			if (x->o.keep_tree_params &&
			    sscanf(line + 7, "lfs-threshold %llu attributes %d",
				   &thr, &attrs) == 2) {
				x->o.lfs_threshold = thr;
				x->o.no_gitattributes = !attrs;
				tree_params(x, params, sizeof(params));
			}
			trees_ok = !strcmp(line + 7, params);
			if (!trees_ok)
				snprintf(old_params, sizeof(old_params), "%s",
					 line + 7);
			continue;
		}
		if (strlen(line) < 3 || line[1] != ' ' ||
		    !(sp = strchr(line + 2, ' ')))
			continue;
		*sp = '\0';
		if (vlt_oid_from_hex(&k, line + 2) < 0)
			continue;
		switch (line[0]) {
		case 's':
			/* made with other tree options: checked below */
			if (git_oid_fromstr(&g, sp + 1) == 0)
				err = vlt_git_export_put_oid(&x->snaps, &k, &g);
			break;
		case 't': {
			struct vlt_git_tree_ent *te;

			if (!trees_ok)
				break;
			if (!(te = calloc(1, sizeof(*te)))) {
				err = vlt_error_set(VLT_E_NOMEM, "out of memory");
				break;
			}
			if (!strcmp(sp + 1, "-"))
				te->empty = 1;
			else if (git_oid_fromstr(&te->tree, sp + 1) < 0) {
				free(te);
				break;
			}
			if (vlt_oidmap_put(&x->trees, &k, te) < 0) {
				free(te);
				err = vlt_error_set(VLT_E_NOMEM, "out of memory");
			}
			break;
		}
		case 'f': case 'l': {
			struct vlt_git_file_ent *fe = vlt_git_export_file(x, &k);
			unsigned char sha[32];

			if (!fe) {
				err = vlt_error_set(VLT_E_NOMEM, "out of memory");
				break;
			}
			if (line[0] == 'f' && git_oid_fromstr(&g, sp + 1) == 0) {
				git_oid_cpy(&fe->blob, &g);
				fe->has_blob = 1;
			} else if (line[0] == 'l' && strlen(sp + 1) == 64 &&
				   vlt_git_sha256_from_hex(sha, sp + 1) == 0) {
				memcpy(fe->lfs, sha, 32);
				fe->has_lfs = 1;
			}
			break;
		}
		}
		if (err < 0)
			break;
	}
	vlt_buf_release(&b);
	/*
	 * The commits of the map were made with other tree options than this
	 * run's: reusing them would silently ignore the new options, making
	 * new ones changes every commit id. Only when asked.
	 */
	if (!err && *old_params && vlt_oidmap_count(&x->snaps)) {
		char was[96], now[96];

		describe_params(old_params, was, sizeof(was));
		describe_params(params, now, sizeof(now));
		if (!x->o.reconvert)
			return vlt_error_set(VLT_E_CONFLICT, "the %zu snapshots "
					     "already in this git repository were "
					     "exported with %s; %s would change "
					     "every one of their commits (new ids, "
					     "rewritten history): give --force to "
					     "convert them again and move the "
					     "branches and tags, or leave the "
					     "option out to keep %s",
					     vlt_oidmap_count(&x->snaps), was, now,
					     was);
		x->st.reconverted = vlt_oidmap_count(&x->snaps);
		vlt_git_export_warn(x, "converting again: %s instead of %s changes the "
		      "commit of each of the %zu snapshots exported before",
		      now, was, vlt_oidmap_count(&x->snaps));
		vlt_git_free_vals(&x->snaps);
		vlt_oidmap_init(&x->snaps);
	}
	return err;
}

int vlt_git_export_map_save(struct vlt_git_export *x)
{
	struct vlt_buf b = VLT_BUF_INIT;
	char params[128], hex[VLT_OID_HEXSZ + 1], ghex[GIT_OID_HEXSZ + 1];
	struct vlt_oid k;
	size_t pos;
	void *v;
	int err;

	tree_params(x, params, sizeof(params));
	vlt_buf_addf(&b, "%s\nparams %s\n", MAP_MAGIC, params);
	pos = 0;
	while (vlt_oidmap_next(&x->snaps, &pos, &k, &v))
		vlt_buf_addf(&b, "s %s %s\n", vlt_oid_to_hex(&k, hex),
			     git_oid_tostr(ghex, sizeof(ghex), v));
	pos = 0;
	while (vlt_oidmap_next(&x->trees, &pos, &k, &v)) {
		struct vlt_git_tree_ent *te = v;

		vlt_buf_addf(&b, "t %s %s\n", vlt_oid_to_hex(&k, hex),
			     te->empty ? "-" :
			     git_oid_tostr(ghex, sizeof(ghex), &te->tree));
	}
	pos = 0;
	while (vlt_oidmap_next(&x->files, &pos, &k, &v)) {
		struct vlt_git_file_ent *fe = v;

		vlt_oid_to_hex(&k, hex);
		if (fe->has_blob)
			vlt_buf_addf(&b, "f %s %s\n", hex,
				     git_oid_tostr(ghex, sizeof(ghex), &fe->blob));
		if (fe->has_lfs) {
			vlt_buf_addf(&b, "l %s ", hex);
			for (int i = 0; i < 32; i++)
				vlt_buf_addf(&b, "%02x", fe->lfs[i]);
			vlt_buf_addch(&b, '\n');
		}
	}
	if (!b.data)
		err = vlt_error_set(VLT_E_NOMEM, "out of memory");
	else
		err = vlt_write_file_atomic(x->map_path, b.data, b.len, 0644, 0);
	vlt_buf_release(&b);
	return err;
}

int vlt_git_export_lock(struct vlt_git_export *x)
{
	char info[128];
	int fd, n;

	fd = open(x->lock_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		struct vlt_buf held = VLT_BUF_INIT;

		if (errno != EEXIST)
			return vlt_error_set(VLT_E_IO, "create %s: %s",
					     x->lock_path, strerror(errno));
		vlt_read_file(x->lock_path, &held);
		vlt_buf_addch(&held, '\0');
		vlt_error_set(VLT_E_LOCKED, "another export into this git "
			      "repository is running (%s holds %s; remove it if "
			      "that process is gone)",
			      held.len > 1 ? strtok(held.data, "\n") : "?",
			      x->lock_path);
		vlt_buf_release(&held);
		return VLT_E_LOCKED;
	}
	n = snprintf(info, sizeof(info), "pid %ld\n", (long)getpid());
	if (vlt_write_full(fd, info, (size_t)n, x->lock_path) < 0) {
		close(fd);
		unlink(x->lock_path);
		return VLT_E_IO;
	}
	close(fd);
	x->locked = 1;
	vlt_cleanup_add(x->lock_path);   /* released on Ctrl-C too */
	return 0;
}
