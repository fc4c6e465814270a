/*
 * git-import.c - git history into snapshots through libgit2.
 *
 * Commits are converted parents first (a topological walk, reversed).
 * Each commit's tree is converted against its first parent's: an entry
 * whose git id and mode did not change keeps the parent snapshot's entry
 * whole (same object, same mtime), so a subtree that did not change costs
 * nothing and a file's mtime is the time of the commit that last changed
 * it. The map commit -> snapshot (key git/import-map, format.md section
 * 10) makes a second import convert only new commits; an entry is trusted
 * only while its snapshot is reachable from a ref, since only then does
 * gc keep all of its objects.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <git2.h>

#include "backend.h"
#include "buf.h"
#include "error.h"
#include "fsutil.h"
#include "git-internal.h"
#include "git-interop.h"
#include "lock.h"
#include "odb.h"
#include "oidset.h"
#include "refs.h"
#include "revparse.h"
#include "tree.h"
#include "worktree.h"

#define MAP_KEY "git/import-map"
#define MAP_LOCK "git/import-map.lock"
#define MAP_MAGIC "# vault import-git map v1"

struct blob_ent {
	struct vlt_oid file;
	uint64_t size;
};

struct import {
	struct vlt_repo *r;
	git_repository *git;
	const struct vlt_git_import_opts *o;
	char *gitdir;
	struct vlt_oidmap map;        /* git commit (padded) -> vlt_oid snapshot */
	struct vlt_oidmap blobs;      /* git blob (padded) -> struct blob_ent */
	struct vlt_git_import_stats st;
	struct vlt_git_progress prog;
	struct vlt_buf path;          /* for messages */
	size_t depth;                 /* of the tree being imported */
	int dirty;
};

static void warnf(struct import *im, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void warnf(struct import *im, const char *fmt, ...)
{
	va_list ap;
	char msg[1024];

	if (!im->o || !im->o->warn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	im->o->warn(msg, im->o->cb_data);
}

/* git ids are 20 bytes; the maps are keyed by 32: pad with zeros. */
static void key_of(struct vlt_oid *k, const git_oid *g)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->id, g->id, GIT_OID_RAWSZ);
}

static int map_put(struct vlt_oidmap *m, const git_oid *g,
		   const struct vlt_oid *snap)
{
	struct vlt_oid k, *v = malloc(sizeof(*v));
	void *old;

	if (!v)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	*v = *snap;
	key_of(&k, g);
	if (vlt_oidmap_get(m, &k, &old))
		free(old);
	if (vlt_oidmap_put(m, &k, v) < 0) {
		free(v);
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	}
	return 0;
}

static const struct vlt_oid *map_get(const struct vlt_oidmap *m,
				     const git_oid *g)
{
	struct vlt_oid k;
	void *v;

	key_of(&k, g);
	return vlt_oidmap_get(m, &k, &v) ? v : NULL;
}

/* --- which snapshots the refs keep ------------------------------------- */

struct reach {
	struct vlt_repo *r;
	struct vlt_oidset seen;
	struct vlt_oid *stack;
	size_t nr, alloc;
};

static int reach_ref(const char *name, const struct vlt_oid *oid, void *data)
{
	struct reach *rc = data;

	(void)name;
	if (VLT_ALLOC_GROW(rc->stack, rc->nr + 1, rc->alloc) < 0)
		return VLT_E_NOMEM;
	rc->stack[rc->nr++] = *oid;
	return 0;
}

/* Every snapshot reachable from a ref, through parents. */
static int reachable_snapshots(struct vlt_repo *r, struct vlt_oidset *out)
{
	struct reach rc = { r, VLT_OIDSET_INIT, NULL, 0, 0 };
	int err;

	if ((err = vlt_ref_for_each(r, "refs/", reach_ref, &rc)) < 0)
		goto done;
	while (rc.nr) {
		struct vlt_oid cur = rc.stack[--rc.nr];
		struct vlt_snapshot s;
		enum vlt_obj_kind kind;
		int rcode = vlt_oidset_insert(&rc.seen, &cur);

		if (rcode < 0) {
			err = rcode;
			break;
		}
		if (!rcode || vlt_odb_info(r, &cur, &kind, NULL) < 0 ||
		    kind != VLT_OBJ_SNAPSHOT ||
		    vlt_snapshot_read(r, &cur, &s) < 0)
			continue;
		for (size_t i = 0; i < s.nparents && !err; i++)
			err = reach_ref(NULL, &s.parents[i], &rc);
		vlt_snapshot_release(&s);
		if (err)
			break;
	}
	vlt_error_clear();
done:
	free(rc.stack);
	*out = rc.seen;
	return err;
}

/* --- the map ----------------------------------------------------------- */

static int load_map(struct import *im)
{
	struct vlt_buf b = VLT_BUF_INIT;
	struct vlt_oidset live = VLT_OIDSET_INIT;
	char *line, *next;
	int err;

	if ((err = vlt_backend_get(im->r->be, MAP_KEY, &b)) < 0) {
		vlt_buf_release(&b);
		if (err != VLT_E_NOTFOUND)
			return err;
		vlt_error_clear();
		return 0;
	}
	vlt_buf_addch(&b, '\0');
	if (strncmp(b.data, MAP_MAGIC "\n", sizeof(MAP_MAGIC))) {
		vlt_buf_release(&b);
		return vlt_error_set(VLT_E_UNSUPPORTED, "%s: unknown format",
				     MAP_KEY);
	}
	if ((err = reachable_snapshots(im->r, &live)) < 0)
		goto done;
	for (line = b.data + sizeof(MAP_MAGIC); *line; line = next) {
		struct vlt_oid snap;
		git_oid g;

		if ((next = strchr(line, '\n')))
			*next++ = '\0';
		else
			next = line + strlen(line);
		if (strlen(line) != GIT_OID_HEXSZ + 1 + VLT_OID_HEXSZ ||
		    line[GIT_OID_HEXSZ] != ' ')
			continue;
		line[GIT_OID_HEXSZ] = '\0';
		if (git_oid_fromstr(&g, line) < 0 ||
		    vlt_oid_from_hex(&snap, line + GIT_OID_HEXSZ + 1) < 0)
			continue;
		/* kept whole by gc only while a ref reaches it */
		if (!vlt_oidset_contains(&live, &snap)) {
			im->dirty = 1;
			continue;
		}
		if ((err = map_put(&im->map, &g, &snap)) < 0)
			break;
	}
done:
	vlt_oidset_release(&live);
	vlt_buf_release(&b);
	return err;
}

static int save_map(struct import *im)
{
	struct vlt_buf b = VLT_BUF_INIT;
	char ghex[GIT_OID_HEXSZ + 1], hex[VLT_OID_HEXSZ + 1];
	struct vlt_oid k;
	size_t pos = 0;
	void *v;
	int err;

	vlt_buf_addf(&b, "%s\n", MAP_MAGIC);
	while (vlt_oidmap_next(&im->map, &pos, &k, &v)) {
		git_oid g;

		memcpy(g.id, k.id, GIT_OID_RAWSZ);
		vlt_buf_addf(&b, "%s %s\n", git_oid_tostr(ghex, sizeof(ghex), &g),
			     vlt_oid_to_hex(v, hex));
	}
	if (!b.data)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	err = vlt_backend_put(im->r->be, MAP_KEY, b.data, b.len);
	vlt_buf_release(&b);
	return err;
}

/* --- content ----------------------------------------------------------- */

/*
 * An LFS pointer whose object is present (and is what the pointer says)
 * is stored as that object's content: 1 and the file object, 0 when the
 * pointer must stay a pointer.
 */
static int import_lfs(struct import *im, const unsigned char sha[32],
		      uint64_t size, struct vlt_oid *file)
{
	struct vlt_buf p = VLT_BUF_INIT;
	unsigned char got[32];
	uint64_t got_size, stored;
	int fd, err = 0;

	if ((err = vlt_git_lfs_object_path(&p, im->gitdir, sha, 0)) < 0) {
		vlt_buf_release(&p);
		return err;
	}
	if ((fd = open(p.data, O_RDONLY | O_CLOEXEC)) < 0) {
		warnf(im, "%s: LFS object %s is not in %slfs/objects: the "
		      "pointer file is imported as it is", im->path.data,
		      strrchr(p.data, '/') + 1, im->gitdir);
		im->st.lfs_missing++;
		goto done;
	}
	if ((err = vlt_git_lfs_hash_fd(fd, p.data, got, &got_size)) < 0)
		goto done;
	if (got_size != size || memcmp(got, sha, 32)) {
		warnf(im, "%s: LFS object %s does not match its pointer: the "
		      "pointer file is imported as it is", im->path.data,
		      strrchr(p.data, '/') + 1);
		im->st.lfs_missing++;
		goto done;
	}
	if (lseek(fd, 0, SEEK_SET) < 0) {
		err = vlt_error_set(VLT_E_IO, "seek %s: %s", p.data,
				    strerror(errno));
		goto done;
	}
	if ((err = vlt_worktree_store_fd(im->r, fd, p.data, file, &stored,
					 NULL)) < 0)
		goto done;
	im->st.lfs_files++;
	im->st.bytes += stored;
	im->prog.bytes += stored;
	err = 1;
done:
	if (fd >= 0)
		close(fd);
	vlt_buf_release(&p);
	return err;
}

/* A blob's content as a file object (cached by blob id for the run). */
static int import_blob(struct import *im, const git_oid *id,
		       struct vlt_oid *file, uint64_t *size)
{
	struct vlt_oid k;
	struct blob_ent *be;
	git_blob *blob = NULL;
	const void *data;
	unsigned char sha[32];
	uint64_t lfs_size;
	size_t len;
	void *v;
	int err;

	key_of(&k, id);
	if (vlt_oidmap_get(&im->blobs, &k, &v)) {
		be = v;
		*file = be->file;
		*size = be->size;
		return 0;
	}
	/* libgit2 has no streaming blob reader: the content is in memory */
	if (git_blob_lookup(&blob, im->git, id) < 0)
		return vlt_git_fail(VLT_E_CORRUPT, im->path.data);
	data = git_blob_rawcontent(blob);
	len = (size_t)git_blob_rawsize(blob);
	err = 0;
	if (vlt_git_lfs_parse(data, len, sha, &lfs_size) == 1)
		err = import_lfs(im, sha, lfs_size, file);
	if (err == 1) {
		*size = lfs_size;
		err = 0;
	} else if (err == 0) {
		err = vlt_file_from_mem(im->r, &im->r->idfn, &im->r->chunking,
					data, len, file, NULL);
		*size = len;
		im->st.bytes += len;
		im->prog.bytes += len;
	}
	git_blob_free(blob);
	if (err < 0)
		return vlt_error_wrap(err, "%s", im->path.data);
	if (!(be = malloc(sizeof(*be))))
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	be->file = *file;
	be->size = *size;
	if (vlt_oidmap_put(&im->blobs, &k, be) < 0) {
		free(be);
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	}
	im->st.blobs_new++;
	return 0;
}

static int import_symlink(struct import *im, const git_oid *id,
			  struct vlt_oid *chunk, uint64_t *size)
{
	git_blob *blob = NULL;
	int err;

	if (git_blob_lookup(&blob, im->git, id) < 0)
		return vlt_git_fail(VLT_E_CORRUPT, im->path.data);
	*size = (uint64_t)git_blob_rawsize(blob);
	err = vlt_odb_write(im->r, VLT_OBJ_CHUNK, git_blob_rawcontent(blob),
			    (size_t)*size, chunk);
	git_blob_free(blob);
	return err;
}

/* --- trees ------------------------------------------------------------- */

/*
 * Convert git tree g into a vault tree. base_g / base_t are the same
 * directory in the first parent (git tree and vault tree), or NULL /
 * NULL: entries that did not change are taken from base_t as they are.
 */
static int import_tree(struct import *im, git_tree *g, git_tree *base_g,
		       const struct vlt_tree *base_t, int64_t when,
		       struct vlt_oid *out)
{
	struct vlt_tree t;
	struct vlt_buf enc = VLT_BUF_INIT;
	size_t n = git_tree_entrycount(g), plen = im->path.len;
	int err = 0;

	/* a writer: vault stores no tree deeper than the format allows */
	if ((err = vlt_tree_depth_check(im->depth, im->path.data)) < 0)
		return err;
	vlt_tree_init(&t);
	for (size_t i = 0; i < n && !err; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(g, i);
		const char *name = git_tree_entry_name(e);
		const git_oid *id = git_tree_entry_id(e);
		git_filemode_t mode = git_tree_entry_filemode(e);
		const git_tree_entry *be = base_g ?
			git_tree_entry_byname(base_g, name) : NULL;
		const struct vlt_tree_entry *bt = base_t ?
			vlt_tree_find(base_t, name) : NULL;
		struct vlt_oid oid;
		uint64_t size = 0;

		vlt_buf_setlen(&im->path, plen);
		vlt_buf_adds(&im->path, name);
		if (!vlt_tree_name_valid(name, strlen(name))) {
			warnf(im, "%s: unsafe name in git tree, left out",
			      im->path.data);
			im->st.skipped++;
			continue;
		}
		/* git itself never stores these (verify_path); a tree that
		 * has one was forged to plant hooks in a checkout */
		if (vlt_name_is_dotgit(name)) {
			warnf(im, "%s: refusing a git directory name in a git "
			      "tree (CVE-2014-9390), left out", im->path.data);
			im->st.skipped++;
			continue;
		}
		if (be && bt && git_oid_equal(id, git_tree_entry_id(be)) &&
		    mode == git_tree_entry_filemode(be)) {
			/* unchanged since the first parent: reuse it whole */
			err = vlt_tree_add(&t, name, bt->type, bt->mode, bt->size,
					   bt->mtime_sec, bt->mtime_nsec, &bt->oid);
			continue;
		}
		switch (mode) {
		case GIT_FILEMODE_TREE: {
			git_tree *sub = NULL, *bsub = NULL;
			struct vlt_tree bsub_t;
			struct vlt_buf buf = VLT_BUF_INIT;
			int have_b = 0;

			vlt_tree_init(&bsub_t);
			if (git_tree_lookup(&sub, im->git, id) < 0) {
				err = vlt_git_fail(VLT_E_CORRUPT, im->path.data);
				break;
			}
			if (be && bt && bt->type == VLT_ENTRY_DIR &&
			    git_tree_entry_filemode(be) == GIT_FILEMODE_TREE &&
			    git_tree_lookup(&bsub, im->git,
					    git_tree_entry_id(be)) == 0 &&
			    vlt_odb_read_kind(im->r, &bt->oid, VLT_OBJ_TREE,
					      &buf) == 0 &&
			    vlt_tree_decode(buf.data, buf.len, &bsub_t) == 0)
				have_b = 1;
			vlt_error_clear();
			vlt_buf_addch(&im->path, '/');
			im->depth++;
			err = import_tree(im, sub, have_b ? bsub : NULL,
					  have_b ? &bsub_t : NULL, when, &oid);
			im->depth--;
			if (!err)
				err = vlt_tree_add(&t, name, VLT_ENTRY_DIR, 0755, 0,
						   when, 0, &oid);
			git_tree_free(sub);
			git_tree_free(bsub);
			vlt_tree_release(&bsub_t);
			vlt_buf_release(&buf);
			break;
		}
		case GIT_FILEMODE_LINK:
			if ((err = import_symlink(im, id, &oid, &size)) == 0)
				err = vlt_tree_add(&t, name, VLT_ENTRY_SYMLINK, 0777,
						   size, when, 0, &oid);
			break;
		case GIT_FILEMODE_BLOB:
		case GIT_FILEMODE_BLOB_EXECUTABLE:
			if ((err = import_blob(im, id, &oid, &size)) == 0)
				err = vlt_tree_add(&t, name, VLT_ENTRY_FILE,
						   mode == GIT_FILEMODE_BLOB ?
						   0644 : 0755, size, when, 0,
						   &oid);
			break;
		default:
			/* a submodule (gitlink) has no content here */
			warnf(im, "%s: submodule (commit %.12s) left out",
			      im->path.data, git_oid_tostr_s(id));
			im->st.skipped++;
			break;
		}
	}
	vlt_buf_setlen(&im->path, plen);
	if (!err && (err = vlt_tree_encode(&t, &enc)) == 0)
		err = vlt_odb_write(im->r, VLT_OBJ_TREE, enc.data, enc.len, out);
	vlt_buf_release(&enc);
	vlt_tree_release(&t);
	return err;
}

/* --- commits ----------------------------------------------------------- */

static int format_sig(struct vlt_buf *out, const git_signature *sig,
		      int with_time)
{
	int off = sig->when.offset, a = off < 0 ? -off : off;

	vlt_buf_reset(out);
	vlt_buf_addf(out, "%s <%s>", sig->name, sig->email);
	if (with_time)
		vlt_buf_addf(out, " %lld %c%02d%02d", (long long)sig->when.time,
			     off < 0 ? '-' : '+', a / 60, a % 60);
	return out->data ? 0 : vlt_error_set(VLT_E_NOMEM, "out of memory");
}

static int import_commit(struct import *im, git_commit *c,
			 struct vlt_oid *snap_out)
{
	const git_signature *author = git_commit_author(c);
	const git_signature *committer = git_commit_committer(c);
	unsigned nparents = git_commit_parentcount(c);
	git_tree *tree = NULL, *base_g = NULL;
	git_commit *p0 = NULL;
	struct vlt_tree base_t;
	struct vlt_snapshot s;
	struct vlt_buf buf = VLT_BUF_INIT;
	const struct vlt_oid *p0snap = NULL;
	int have_base = 0, err;
	char hex[GIT_OID_HEXSZ + 1];

	vlt_tree_init(&base_t);
	vlt_snapshot_init(&s);
	if (git_commit_tree(&tree, c) < 0) {
		err = vlt_git_fail(VLT_E_CORRUPT, "commit tree");
		goto done;
	}
	if (nparents)
		p0snap = map_get(&im->map, git_commit_parent_id(c, 0));
	if (p0snap) {
		struct vlt_snapshot ps;

		/* the first parent's trees, to reuse what did not change */
		if (git_commit_parent(&p0, c, 0) == 0 &&
		    git_commit_tree(&base_g, p0) == 0 &&
		    vlt_snapshot_read(im->r, p0snap, &ps) == 0) {
			if (vlt_odb_read_kind(im->r, &ps.tree, VLT_OBJ_TREE,
					      &buf) == 0 &&
			    vlt_tree_decode(buf.data, buf.len, &base_t) == 0)
				have_base = 1;
			vlt_snapshot_release(&ps);
		}
		vlt_error_clear();
	}
	vlt_buf_reset(&im->path);
	if ((err = import_tree(im, tree, have_base ? base_g : NULL,
			       have_base ? &base_t : NULL, author->when.time,
			       &s.tree)) < 0)
		goto done;
	for (unsigned i = 0; i < nparents; i++) {
		const struct vlt_oid *ps;

		if (!im->o->all_parents && i > 0)
			break;
		if (!(ps = map_get(&im->map, git_commit_parent_id(c, i)))) {
			warnf(im, "commit %.12s: parent %.12s was not imported; "
			      "the snapshot is left without it",
			      git_oid_tostr_s(git_commit_id(c)),
			      git_oid_tostr_s(git_commit_parent_id(c, i)));
			continue;
		}
		if ((err = vlt_snapshot_add_parent(&s, ps)) < 0)
			goto done;
	}
	s.time = author->when.time;
	s.tz_minutes = author->when.offset;
	if ((err = format_sig(&buf, author, 0)) < 0 ||
	    !(s.author = strdup(buf.data)) || !(s.host = strdup("git-import")) ||
	    !(s.message = strdup(git_commit_message_raw(c) ?
				 git_commit_message_raw(c) : ""))) {
		err = err < 0 ? err : vlt_error_set(VLT_E_NOMEM, "out of memory");
		goto done;
	}
	git_oid_tostr(hex, sizeof(hex), git_commit_id(c));
	if ((err = vlt_snapshot_add_meta(&s, "git-commit", hex)) < 0 ||
	    (err = format_sig(&buf, committer, 1)) < 0 ||
	    (err = vlt_snapshot_add_meta(&s, "git-committer", buf.data)) < 0)
		goto done;
	if ((err = vlt_snapshot_encode(&s, &buf)) < 0 ||
	    (err = vlt_odb_write(im->r, VLT_OBJ_SNAPSHOT, buf.data, buf.len,
				 snap_out)) < 0)
		goto done;
	err = map_put(&im->map, git_commit_id(c), snap_out);
	im->dirty = 1;
	im->st.commits_new++;
done:
	if (err < 0)
		vlt_error_wrap(err, "commit %s", git_oid_tostr_s(git_commit_id(c)));
	vlt_snapshot_release(&s);
	vlt_tree_release(&base_t);
	vlt_buf_release(&buf);
	git_tree_free(tree);
	git_tree_free(base_g);
	git_commit_free(p0);
	return err;
}

/* The branch a revision names ("main" for HEAD -> refs/heads/main). */
static void branch_of(git_repository *git, const char *rev, char *out,
		      size_t n)
{
	git_reference *ref = NULL, *resolved = NULL;

	out[0] = '\0';
	if (!strcmp(rev, "HEAD")) {
		if (git_repository_head(&ref, git) == 0 &&
		    git_reference_is_branch(ref))
			snprintf(out, n, "%s", git_reference_shorthand(ref));
	} else if (git_reference_dwim(&ref, git, rev) == 0 &&
		   git_reference_is_branch(ref)) {
		snprintf(out, n, "%s", git_reference_shorthand(ref));
	}
	git_reference_free(ref);
	git_reference_free(resolved);
	git_error_clear();
}

void vlt_git_import_result_release(struct vlt_git_import_result *res)
{
	free(res->created);
	res->created = NULL;
	res->ncreated = 0;
	for (size_t i = 0; i < res->ntags; i++) {
		free(res->tags[i].name);
		free(res->tags[i].message);
	}
	free(res->tags);
	res->tags = NULL;
	res->ntags = res->tags_alloc = 0;
}

struct tag_walk {
	struct import *im;
	struct vlt_git_import_result *res;
	int err;
};

/* git_tag_foreach: one tag, annotated or lightweight. */
static int collect_tag(const char *refname, git_oid *oid, void *data)
{
	struct tag_walk *tw = data;
	struct vlt_git_import_result *res = tw->res;
	git_object *obj = NULL, *commit = NULL;
	const struct vlt_oid *snap = NULL;
	const char *name = refname + strlen("refs/tags/");
	const char *msg = NULL;
	struct vlt_buf ref = VLT_BUF_INIT;
	struct vlt_git_import_tag *t;

	if (strncmp(refname, "refs/tags/", 10) ||
	    git_object_lookup(&obj, tw->im->git, oid, GIT_OBJECT_ANY) < 0)
		goto left_out;
	if (git_object_type(obj) == GIT_OBJECT_TAG)
		msg = git_tag_message((git_tag *)obj);
	if (git_object_peel(&commit, obj, GIT_OBJECT_COMMIT) < 0 ||
	    !(snap = map_get(&tw->im->map, git_object_id(commit))) ||
	    vlt_buf_addf(&ref, "refs/tags/%s", name) < 0 ||
	    !vlt_ref_name_valid(ref.data))
		goto left_out;
	if ((tw->err = VLT_ALLOC_GROW(res->tags, res->ntags + 1,
				      res->tags_alloc)) < 0)
		goto out;
	t = &res->tags[res->ntags];
	t->snap = *snap;
	t->name = strdup(name);
	t->message = msg ? strdup(msg) : NULL;
	if (!t->name || (msg && !t->message)) {
		free(t->name);
		free(t->message);
		tw->err = vlt_error_set(VLT_E_NOMEM, "out of memory");
		goto out;
	}
	res->ntags++;
	goto out;
left_out:
	res->tags_left_out++;
out:
	git_error_clear();
	git_object_free(commit);
	git_object_free(obj);
	vlt_buf_release(&ref);
	return tw->err < 0 ? 1 : 0;
}

static int cmp_tag(const void *a, const void *b)
{
	return strcmp(((const struct vlt_git_import_tag *)a)->name,
		      ((const struct vlt_git_import_tag *)b)->name);
}

/* The tags of the git repository whose commits have snapshots. */
static int collect_tags(struct import *im, struct vlt_git_import_result *res)
{
	struct tag_walk tw = { im, res, 0 };
	int rc = git_tag_foreach(im->git, collect_tag, &tw);

	if (tw.err < 0)
		return tw.err;
	if (rc < 0 && rc != GIT_EUSER)
		return vlt_git_fail(VLT_E_GENERIC, "list tags");
	if (res->ntags > 1)
		qsort(res->tags, res->ntags, sizeof(*res->tags), cmp_tag);
	return 0;
}

int vlt_git_import(struct vlt_repo *r, const char *path, const char *rev,
		   const struct vlt_git_import_opts *o,
		   struct vlt_git_import_result *res,
		   struct vlt_git_import_stats *stats)
{
	static const struct vlt_git_import_opts no_opts;
	struct import im;
	git_object *obj = NULL;
	git_revwalk *walk = NULL;
	git_oid *todo = NULL, id, tip;
	size_t ntodo = 0, todo_alloc = 0, created_alloc = 0;
	int err = 0, locked = 0;

	memset(&im, 0, sizeof(im));
	memset(res, 0, sizeof(*res));
	im.r = r;
	im.o = o ? o : &no_opts;
	vlt_oidmap_init(&im.map);
	vlt_oidmap_init(&im.blobs);
	git_libgit2_init();
	if (!rev)
		rev = "HEAD";
	if (git_repository_open_ext(&im.git, path, GIT_REPOSITORY_OPEN_NO_SEARCH,
				    NULL) < 0) {
		err = vlt_git_fail(VLT_E_NOTFOUND, path);
		goto done;
	}
	if (!(im.gitdir = strdup(git_repository_path(im.git)))) {
		err = vlt_error_set(VLT_E_NOMEM, "out of memory");
		goto done;
	}
	if (git_revparse_single(&obj, im.git, rev) < 0) {
		err = vlt_git_fail(VLT_E_NOTFOUND, rev);
		goto done;
	}
	{
		git_object *peeled = NULL;

		if (git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT) < 0) {
			err = vlt_git_fail(VLT_E_INVALID, rev);
			goto done;
		}
		git_oid_cpy(&tip, git_object_id(peeled));
		git_object_free(peeled);
	}
	branch_of(im.git, rev, res->branch, sizeof(res->branch));
	if ((err = vlt_lock_key(r, MAP_LOCK, "import-git")) < 0)
		goto done;
	locked = 1;
	if ((err = load_map(&im)) < 0)
		goto done;

	/* the commits to convert, parents first */
	if (git_revwalk_new(&walk, im.git) < 0 ||
	    git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE) < 0 ||
	    git_revwalk_push(walk, &tip) < 0) {
		err = vlt_git_fail(VLT_E_GENERIC, "walk history");
		goto done;
	}
	if (!im.o->all_parents)
		git_revwalk_simplify_first_parent(walk);
	{
		size_t pos = 0;
		struct vlt_oid k;
		git_odb *odb = NULL;

		if (git_repository_odb(&odb, im.git) < 0) {
			err = vlt_git_fail(VLT_E_IO, path);
			goto done;
		}
		while (vlt_oidmap_next(&im.map, &pos, &k, NULL)) {
			git_oid g;

			memcpy(g.id, k.id, GIT_OID_RAWSZ);
			/* commits of other histories are not in this repo */
			if (git_odb_exists(odb, &g))
				git_revwalk_hide(walk, &g);
		}
		git_odb_free(odb);
		git_error_clear();
	}
	while (git_revwalk_next(&id, walk) == 0) {
		if ((err = VLT_ALLOC_GROW(todo, ntodo + 1, todo_alloc)) < 0)
			goto done;
		git_oid_cpy(&todo[ntodo++], &id);
	}
	im.prog.total = ntodo;
	for (size_t i = 0; i < ntodo; i++) {
		git_commit *c = NULL;
		struct vlt_oid snap;

		if (git_commit_lookup(&c, im.git, &todo[i]) < 0) {
			err = vlt_git_fail(VLT_E_CORRUPT, "commit");
			goto done;
		}
		err = import_commit(&im, c, &snap);
		git_commit_free(c);
		if (err < 0)
			goto done;
		if ((err = VLT_ALLOC_GROW(res->created, res->ncreated + 1,
					  created_alloc)) < 0)
			goto done;
		res->created[res->ncreated++] = snap;
		im.prog.done++;
		if (im.o->progress)
			im.o->progress(&im.prog, im.o->cb_data);
	}
	{
		const struct vlt_oid *t = map_get(&im.map, &tip);

		if (!t) {
			err = vlt_error_set(VLT_E_GENERIC, "commit %s was not "
					    "imported", git_oid_tostr_s(&tip));
			goto done;
		}
		res->tip = *t;
	}
	if ((err = collect_tags(&im, res)) < 0)
		goto done;
	/* objects durable before the map names them */
	if ((err = vlt_odb_flush(r)) < 0)
		goto done;
	if (im.dirty && (err = save_map(&im)) < 0)
		goto done;
	im.st.commits = ntodo;
done:
	if (err < 0)
		vlt_git_import_result_release(res);
	if (locked)
		vlt_unlock_key(r, MAP_LOCK);
	if (stats)
		*stats = im.st;
	free(todo);
	git_revwalk_free(walk);
	git_object_free(obj);
	git_repository_free(im.git);
	free(im.gitdir);
	vlt_git_free_vals(&im.map);
	vlt_git_free_vals(&im.blobs);
	vlt_buf_release(&im.path);
	git_libgit2_shutdown();
	return err;
}
