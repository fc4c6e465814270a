/*
 * git-export.c - snapshots into git commits through libgit2.
 *
 * The big idea: the conversion of a snapshot is a pure function of its
 * objects and of the tree options (LFS threshold, .gitattributes), so
 * re-exporting gives the same commit ids. Three caches make a second
 * export cost only what is new, all in GIT_DIR/vault/export-map:
 * snapshot -> commit, vault tree -> git tree (valid only for the tree
 * options they were made with) and vault file -> git blob / LFS oid.
 * Every cached git object is checked to still exist before it is reused.
 * The map and its lock are kept by git-export-map.c (format in
 * Documentation/format.md section 10), the LFS helpers shared with
 * import are in git-lfs.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <git2.h>
#include <git2/sys/commit.h>
#include <git2/sys/odb_backend.h>
#include <openssl/evp.h>

#include "backend.h"
#include "buf.h"
#include "cleanup.h"
#include "error.h"
#include "fsutil.h"
#include "git-internal.h"
#include "git-interop.h"
#include "odb.h"
#include "oidset.h"
#include "pool.h"
#include "revparse.h"
#include "tree.h"
#include "walk.h"
#include "worktree.h"

void vlt_git_export_warn(struct vlt_git_export *x, const char *fmt, ...)
{
	va_list ap;
	char msg[1024];

	if (!x->o.warn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	x->o.warn(msg, x->o.cb_data);
}

/*
 * libgit2 writes loose objects at zlib's default level (6); git itself
 * uses level 1 for them (core.looseCompression), which is several times
 * faster for the same format. Put a level-1 loose backend in front so
 * that writes go to it; reads still find everything.
 */
static int add_fast_loose(git_repository *git, git_odb *odb, int no_fsync)
{
	struct vlt_buf dir = VLT_BUF_INIT;
	git_odb_backend *be = NULL;
	int err = 0;

	vlt_buf_addf(&dir, "%sobjects", git_repository_path(git));
	if (!dir.data)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	if (git_odb_backend_loose(&be, dir.data, 1, !no_fsync, 0, 0) < 0 ||
	    git_odb_add_backend(odb, be, 100) < 0) {
		if (be)
			be->free(be);
		err = vlt_git_fail(VLT_E_IO, dir.data);
	}
	vlt_buf_release(&dir);
	return err;
}

static int open_git(struct vlt_git_export *x, const char *path)
{
	int err = git_repository_open_ext(&x->git, path,
					  GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);

	if (err == GIT_ENOTFOUND) {
		git_repository_init_options io;

		git_repository_init_options_init(&io,
						 GIT_REPOSITORY_INIT_OPTIONS_VERSION);

		io.flags = GIT_REPOSITORY_INIT_MKPATH |
			   (x->o.bare ? GIT_REPOSITORY_INIT_BARE : 0);
		if (git_repository_init_ext(&x->git, path, &io) < 0)
			return vlt_git_fail(VLT_E_IO, path);
		x->created = 1;
	} else if (err < 0) {
		return vlt_git_fail(VLT_E_IO, path);
	}
	if (git_repository_odb(&x->odb, x->git) < 0)
		return vlt_git_fail(VLT_E_IO, path);
	return add_fast_loose(x->git, x->odb, x->o.no_fsync);
}

int vlt_git_export_open(struct vlt_git_export **out, struct vlt_repo *r,
			const char *path, const struct vlt_git_export_opts *o)
{
	struct vlt_git_export *x = calloc(1, sizeof(*x));
	struct vlt_buf b = VLT_BUF_INIT;
	int err;

	*out = NULL;
	if (!x)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	git_libgit2_init();
	git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, o && o->no_fsync ? 0 : 1);
	x->r = r;
	if (o)
		x->o = *o;
	vlt_oidmap_init(&x->snaps);
	vlt_oidmap_init(&x->files);
	vlt_oidmap_init(&x->trees);
	if ((err = open_git(x, path)) < 0)
		goto fail;
	x->gitdir = strdup(git_repository_path(x->git));
	vlt_buf_addf(&b, "%svault", x->gitdir);
	if (!x->gitdir || !b.data) {
		err = vlt_error_set(VLT_E_NOMEM, "out of memory");
		goto fail;
	}
	if ((err = vlt_mkdir_p(b.data, 0755)) < 0)
		goto fail;
	vlt_buf_adds(&b, "/export-map");
	x->map_path = vlt_buf_detach(&b, NULL);
	vlt_buf_addf(&b, "%svault/export.lock", x->gitdir);
	x->lock_path = vlt_buf_detach(&b, NULL);
	if (!x->map_path || !x->lock_path) {
		err = vlt_error_set(VLT_E_NOMEM, "out of memory");
		goto fail;
	}
	if ((err = vlt_git_export_lock(x)) < 0 ||
	    (err = vlt_git_export_map_load(x)) < 0)
		goto fail;
	*out = x;
	return 0;
fail:
	vlt_buf_release(&b);
	vlt_git_export_free(x);
	return err;
}

void vlt_git_export_free(struct vlt_git_export *x)
{
	if (!x)
		return;
	if (x->locked) {
		vlt_cleanup_forget_path(x->lock_path);
		unlink(x->lock_path);
	}
	vlt_git_free_vals(&x->snaps);
	vlt_git_free_vals(&x->files);
	vlt_git_free_vals(&x->trees);
	git_odb_free(x->odb);
	git_repository_free(x->git);
	free(x->gitdir);
	free(x->map_path);
	free(x->lock_path);
	vlt_buf_release(&x->path);
	vlt_buf_release(&x->chunk);
	free(x);
	git_libgit2_shutdown();
}

int vlt_git_export_close(struct vlt_git_export *x,
			 struct vlt_git_export_stats *stats)
{
	int err = vlt_git_export_map_save(x);

	if (stats)
		*stats = x->st;
	vlt_git_export_free(x);
	return err;
}

/* --- content ----------------------------------------------------------- */

/* Calls fn for each chunk of a file object (lengths checked by
 * vlt_file_object_for_each_chunk); *bytes counts what was read. */
typedef int (*chunk_fn)(const void *data, size_t len, void *arg);

struct counted {
	chunk_fn fn;
	void *arg;
	uint64_t *bytes;
};

static int counted_chunk(const void *data, size_t len, void *arg)
{
	struct counted *c = arg;
	int err;

	if (!data)
		return 0;
	if ((err = c->fn(data, len, c->arg)) == 0)
		*c->bytes += len;
	return err;
}

static int for_each_chunk(struct vlt_repo *r, const struct vlt_oid *file,
			  struct vlt_buf *chunk, uint64_t *size, uint64_t *bytes,
			  chunk_fn fn, void *arg)
{
	struct counted c = { fn, arg, bytes };

	return vlt_file_object_for_each_chunk(r, file, chunk, size,
					      counted_chunk, &c);
}

static int stream_write(const void *data, size_t len, void *arg)
{
	if (git_odb_stream_write(arg, data, len) < 0)
		return vlt_git_fail(VLT_E_IO, "write blob");
	return 0;
}

/* Stream a file object's content into odb as a blob (no size limit). */
static int stream_blob(struct vlt_repo *r, git_odb *odb,
		       const struct vlt_oid *file, uint64_t size,
		       struct vlt_buf *chunk, uint64_t *bytes, git_oid *out)
{
	git_odb_stream *ws = NULL;
	uint64_t got = 0;
	int err;

	if (git_odb_open_wstream(&ws, odb, (git_object_size_t)size,
				 GIT_OBJECT_BLOB) < 0)
		return vlt_git_fail(VLT_E_IO, "write blob");
	err = for_each_chunk(r, file, chunk, &got, bytes, stream_write, ws);
	if (!err && got != size)
		err = vlt_error_set(VLT_E_CORRUPT, "file object %s holds %llu "
				    "bytes, its tree entry says %llu",
				    vlt_oid_hex(file), (unsigned long long)got,
				    (unsigned long long)size);
	if (!err && git_odb_stream_finalize_write(out, ws) < 0)
		err = vlt_git_fail(VLT_E_IO, "write blob");
	git_odb_stream_free(ws);
	return err;
}

/* The git blob of a file object's content. */
static int file_blob(struct vlt_git_export *x, const struct vlt_oid *file,
		     uint64_t size, git_oid *out)
{
	struct vlt_git_file_ent *fe = vlt_git_export_file(x, file);
	uint64_t bytes = 0;
	int err;

	if (!fe)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	if (fe->has_blob && git_odb_exists(x->odb, &fe->blob)) {
		git_oid_cpy(out, &fe->blob);
		return 0;
	}
	err = stream_blob(x->r, x->odb, file, size, &x->chunk, &bytes, out);
	x->st.bytes += bytes;
	x->prog.bytes += bytes;
	if (err < 0)
		return err;
	git_oid_cpy(&fe->blob, out);
	fe->has_blob = 1;
	x->st.blobs_new++;
	return 0;
}

/* --- parallel blob conversion ----------------------------------------- */

/*
 * Deflating blobs (zlib, git's format) is the cost of an export, so the
 * files a snapshot needs are converted first on the core pool's threads
 * (lib/pool.h), each with its own libgit2 repository handle (libgit2
 * objects are not shared between threads); the serial tree walk then
 * finds them in the cache.
 */
struct blob_job {
	struct vlt_oid file;
	uint64_t size;
	git_oid blob;
};

struct blob_pool {
	struct vlt_git_export *x;
	struct blob_job *jobs;
	size_t nr, alloc, next;
	struct vlt_oidset queued;
	pthread_mutex_t mu;
	uint64_t bytes;
	unsigned finished;         /* workers that have returned */
	int err;
	char msg[512];
};

static int collect_blobs(struct blob_pool *bp, const struct vlt_oid *toid,
			 size_t depth)
{
	struct vlt_git_export *x = bp->x;
	struct vlt_buf buf = VLT_BUF_INIT;
	struct vlt_tree t;
	void *v;
	int err;

	if (vlt_oidmap_get(&x->trees, toid, &v)) {
		struct vlt_git_tree_ent *te = v;

		if (te->empty || git_odb_exists(x->odb, &te->tree))
			return 0;
	}
	vlt_tree_init(&t);
	/* too deep: export_tree reports it with the path */
	if (depth > VLT_TREE_DEPTH_MAX)
		return 0;
	if ((err = vlt_odb_read_kind(x->r, toid, VLT_OBJ_TREE, &buf)) < 0 ||
	    (err = vlt_tree_decode(buf.data, buf.len, &t)) < 0)
		goto done;
	for (size_t i = 0; i < t.nr && !err; i++) {
		const struct vlt_tree_entry *e = &t.entries[i];

		if (e->type == VLT_ENTRY_DIR) {
			err = collect_blobs(bp, &e->oid, depth + 1);
			continue;
		}
		if (e->type != VLT_ENTRY_FILE ||
		    (x->o.lfs_threshold && e->size >= x->o.lfs_threshold))
			continue;
		if (vlt_oidmap_get(&x->files, &e->oid, &v)) {
			struct vlt_git_file_ent *fe = v;

			if (fe->has_blob && git_odb_exists(x->odb, &fe->blob))
				continue;
		}
		if ((err = vlt_oidset_insert(&bp->queued, &e->oid)) <= 0)
			continue;
		if ((err = VLT_ALLOC_GROW(bp->jobs, bp->nr + 1, bp->alloc)) < 0)
			break;
		bp->jobs[bp->nr].file = e->oid;
		bp->jobs[bp->nr].size = e->size;
		bp->nr++;
	}
done:
	vlt_tree_release(&t);
	vlt_buf_release(&buf);
	return err;
}

static void blob_worker(void *arg, int index)
{
	struct blob_pool *bp = arg;
	struct vlt_git_export *x = bp->x;
	git_repository *git = NULL;
	git_odb *odb = NULL;
	struct vlt_buf chunk = VLT_BUF_INIT;
	uint64_t bytes = 0;
	int err = 0;

	if (git_repository_open_ext(&git, x->gitdir,
				    GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0 ||
	    git_repository_odb(&odb, git) < 0)
		err = vlt_git_fail(VLT_E_IO, x->gitdir);
	else
		err = add_fast_loose(git, odb, x->o.no_fsync);
	for (;;) {
		size_t i;

		pthread_mutex_lock(&bp->mu);
		if (err < 0 && !bp->err) {
			bp->err = err;
			snprintf(bp->msg, sizeof(bp->msg), "%s", vlt_error_last());
		}
		i = bp->err ? bp->nr : bp->next++;
		bp->bytes += bytes;
		bytes = 0;
		pthread_mutex_unlock(&bp->mu);
		if (i >= bp->nr)
			break;
		err = stream_blob(x->r, odb, &bp->jobs[i].file, bp->jobs[i].size,
				  &chunk, &bytes, &bp->jobs[i].blob);
	}
	vlt_buf_release(&chunk);
	git_odb_free(odb);
	git_repository_free(git);
	(void)index;
	pthread_mutex_lock(&bp->mu);
	bp->finished++;
	pthread_mutex_unlock(&bp->mu);
}

static int cmp_job_size(const void *a, const void *b)
{
	const struct blob_job *ja = a, *jb = b;

	return ja->size < jb->size ? 1 : ja->size > jb->size ? -1 : 0;
}

static int prefetch_blobs(struct vlt_git_export *x, const struct vlt_oid *tree)
{
	struct blob_pool bp;
	struct vlt_pool pool = VLT_POOL_INIT;
	size_t nthreads;
	uint64_t total = 0, progress_base = x->prog.bytes;
	int started, err;

	memset(&bp, 0, sizeof(bp));
	bp.x = x;
	vlt_oidset_init(&bp.queued);
	if ((err = collect_blobs(&bp, tree, 0)) < 0)
		goto done;
	for (size_t i = 0; i < bp.nr; i++)
		total += bp.jobs[i].size;
	nthreads = (size_t)vlt_pool_threads(0, 8);
	if (nthreads > bp.nr)
		nthreads = bp.nr;
	/* small work is done by the serial walk, without thread start-up */
	if (nthreads < 2 || total < (8u << 20))
		goto done;
	/* largest first, so no thread is left alone with a big file at the end */
	qsort(bp.jobs, bp.nr, sizeof(*bp.jobs), cmp_job_size);
	pthread_mutex_init(&bp.mu, NULL);
	if ((started = vlt_pool_start(&pool, (int)nthreads, blob_worker,
				      &bp)) < 0)
		started = 0;  /* no memory for the pool: convert here */
	if (!started)
		blob_worker(&bp, -1);
	/* report progress while the workers convert (big files take seconds) */
	while (started && x->o.progress) {
		unsigned finished;

		usleep(250000);
		pthread_mutex_lock(&bp.mu);
		finished = bp.finished;
		x->prog.bytes = progress_base + bp.bytes;
		pthread_mutex_unlock(&bp.mu);
		x->o.progress(&x->prog, x->o.cb_data);
		if (finished == (unsigned)started)
			break;
	}
	vlt_pool_join(&pool);
	pthread_mutex_destroy(&bp.mu);
	x->st.bytes += bp.bytes;
	x->prog.bytes = progress_base + bp.bytes;
	if (bp.err) {
		err = vlt_error_set(bp.err, "%s", bp.msg);
		goto done;
	}
	for (size_t i = 0; i < bp.nr; i++) {
		struct vlt_git_file_ent *fe =
			vlt_git_export_file(x, &bp.jobs[i].file);

		if (!fe) {
			err = vlt_error_set(VLT_E_NOMEM, "out of memory");
			break;
		}
		git_oid_cpy(&fe->blob, &bp.jobs[i].blob);
		fe->has_blob = 1;
		x->st.blobs_new++;
	}
done:
	free(bp.jobs);
	vlt_oidset_release(&bp.queued);
	return err;
}

struct lfs_write {
	EVP_MD_CTX *md;
	int fd;
	const char *path;
};

static int lfs_chunk(const void *data, size_t len, void *arg)
{
	struct lfs_write *w = arg;

	if (EVP_DigestUpdate(w->md, data, len) != 1)
		return vlt_error_set(VLT_E_GENERIC, "sha256 failed");
	return vlt_write_full(w->fd, data, len, w->path);
}

/*
 * Put a file's content where git-lfs keeps objects
 * (GIT_DIR/lfs/objects/ab/cd/abcd...), durably, and return its SHA-256.
 */
static int file_lfs(struct vlt_git_export *x, const struct vlt_oid *file,
		    uint64_t size, unsigned char sha[32])
{
	struct vlt_git_file_ent *fe = vlt_git_export_file(x, file);
	struct vlt_buf tmp = VLT_BUF_INIT, dst = VLT_BUF_INIT;
	struct lfs_write w = { NULL, -1, NULL };
	struct stat st;
	uint64_t got = 0;
	unsigned mdlen = 32;
	int err;

	if (!fe)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	if (fe->has_lfs) {
		if ((err = vlt_git_lfs_object_path(&dst, x->gitdir, fe->lfs,
						   0)) < 0)
			goto done;
		if (stat(dst.data, &st) == 0 && (uint64_t)st.st_size == size) {
			memcpy(sha, fe->lfs, 32);
			goto done;
		}
	}
	vlt_buf_addf(&tmp, "%slfs/tmp", x->gitdir);
	if ((err = vlt_mkdir_p(tmp.data, 0755)) < 0)
		goto done;
	vlt_buf_addf(&tmp, "/vault-%ld-%p", (long)getpid(), (void *)fe);
	w.path = tmp.data;
	if ((w.fd = open(tmp.data, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			 0644)) < 0) {
		err = vlt_error_set(VLT_E_IO, "create %s: %s", tmp.data,
				    strerror(errno));
		goto done;
	}
	if (!(w.md = EVP_MD_CTX_new()) ||
	    EVP_DigestInit_ex(w.md, EVP_sha256(), NULL) != 1) {
		err = vlt_error_set(VLT_E_NOMEM, "sha256 init failed");
		goto done;
	}
	{
		uint64_t bytes = 0;

		err = for_each_chunk(x->r, file, &x->chunk, &got, &bytes,
				     lfs_chunk, &w);
		x->st.bytes += bytes;
		x->prog.bytes += bytes;
		if (err < 0)
			goto done;
	}
	if (got != size) {
		err = vlt_error_set(VLT_E_CORRUPT, "file object %s holds %llu "
				    "bytes, its tree entry says %llu",
				    vlt_oid_hex(file), (unsigned long long)got,
				    (unsigned long long)size);
		goto done;
	}
	if (EVP_DigestFinal_ex(w.md, sha, &mdlen) != 1) {
		err = vlt_error_set(VLT_E_GENERIC, "sha256 failed");
		goto done;
	}
	if (!x->o.no_fsync && fsync(w.fd) < 0) {
		err = vlt_error_set(VLT_E_IO, "fsync %s: %s", tmp.data,
				    strerror(errno));
		goto done;
	}
	close(w.fd);
	w.fd = -1;
	if ((err = vlt_git_lfs_object_path(&dst, x->gitdir, sha, 1)) < 0 ||
	    (err = vlt_mkdir_p(dst.data, 0755)) < 0 ||
	    (err = vlt_git_lfs_object_path(&dst, x->gitdir, sha, 0)) < 0)
		goto done;
	if (rename(tmp.data, dst.data) < 0) {
		err = vlt_error_set(VLT_E_IO, "rename %s: %s", dst.data,
				    strerror(errno));
		goto done;
	}
	*strrchr(dst.data, '/') = '\0';
	if (!x->o.no_fsync && (err = vlt_fsync_dir(dst.data)) < 0)
		goto done;
	memcpy(fe->lfs, sha, 32);
	fe->has_lfs = 1;
	x->st.lfs_bytes += size;
done:
	if (w.fd >= 0) {
		close(w.fd);
		unlink(tmp.data);
	}
	EVP_MD_CTX_free(w.md);
	vlt_buf_release(&tmp);
	vlt_buf_release(&dst);
	return err;
}

/* --- trees ------------------------------------------------------------- */

static int tree_insert(struct vlt_git_export *x, git_treebuilder *tb,
		       const char *name, const git_oid *oid,
		       git_filemode_t mode)
{
	if (git_treebuilder_insert(NULL, tb, name, oid, mode) < 0) {
		/* a name git refuses (.git, .GIT, git~1 ...): leave it out */
		const git_error *e = git_error_last();

		vlt_git_export_warn(x, "%s%s: left out, git cannot hold it (%s)",
		      x->path.len ? x->path.data : "", name,
		      e && e->message ? e->message : "invalid name");
		x->st.skipped++;
	}
	return 0;
}

static int read_chunk_text(struct vlt_git_export *x, const struct vlt_oid *oid,
			   struct vlt_buf *out)
{
	return vlt_odb_read_kind(x->r, oid, VLT_OBJ_CHUNK, out);
}

static int export_tree(struct vlt_git_export *x, const struct vlt_oid *toid,
		       git_oid *out, int *empty);

/* Append the lines of add that content does not hold yet, so that a
 * .gitattributes which already names the LFS files (an imported export,
 * say) stays as it is and commit ids survive a round trip. */
static int add_missing_lines(struct vlt_buf *content, const struct vlt_buf *add)
{
	const char *p = add->data, *end = p + add->len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
		int found = 0;

		for (size_t i = 0; content->len >= n && i + n <= content->len;) {
			const char *c = content->data + i;
			const char *cnl = memchr(c, '\n', content->len - i);
			size_t cn = cnl ? (size_t)(cnl - c) + 1 : content->len - i;

			if (cn == n && !memcmp(c, p, n)) {
				found = 1;
				break;
			}
			i += cn;
		}
		if (!found)
			VLT_TRY(vlt_buf_add(content, p, n));
		p += n;
	}
	return 0;
}

static int export_entries(struct vlt_git_export *x, const struct vlt_tree *t,
			  git_treebuilder *tb)
{
	struct vlt_buf attrs = VLT_BUF_INIT, tmp = VLT_BUF_INIT;
	const struct vlt_tree_entry *gitattributes = NULL;
	size_t base = x->path.len;
	git_oid oid;
	int err = 0;

	for (size_t i = 0; i < t->nr && !err; i++) {
		const struct vlt_tree_entry *e = &t->entries[i];

		vlt_buf_setlen(&x->path, base);
		/* what git fsck --strict rejects (hasDotgit, gitmodulesSymlink)
		 * never goes in: git would refuse to check it out, or worse */
		if (vlt_name_is_dotgit(e->name) ||
		    (e->type == VLT_ENTRY_SYMLINK &&
		     vlt_name_is_dotgitmodules(e->name))) {
			vlt_git_export_warn(x, "%s%s: left out, git must not hold it (%s)",
			      x->path.len ? x->path.data : "", e->name,
			      e->type == VLT_ENTRY_SYMLINK &&
			      vlt_name_is_dotgitmodules(e->name) ?
			      "a .gitmodules symlink" : "a name git takes for .git");
			x->st.skipped++;
			continue;
		}
		if (e->type == VLT_ENTRY_DIR) {
			int empty;

			vlt_buf_addf(&x->path, "%s/", e->name);
			x->depth++;
			err = export_tree(x, &e->oid, &oid, &empty);
			x->depth--;
			vlt_buf_setlen(&x->path, base);
			if (!err && !empty)
				err = tree_insert(x, tb, e->name, &oid,
						  GIT_FILEMODE_TREE);
		} else if (e->type == VLT_ENTRY_SYMLINK) {
			if ((err = read_chunk_text(x, &e->oid, &tmp)) < 0)
				break;
			if (git_blob_create_from_buffer(&oid, x->git, tmp.data,
							tmp.len) < 0) {
				err = vlt_git_fail(VLT_E_IO, "write symlink blob");
				break;
			}
			err = tree_insert(x, tb, e->name, &oid, GIT_FILEMODE_LINK);
		} else if (!strcmp(e->name, ".gitattributes") &&
			   x->o.lfs_threshold && !x->o.no_gitattributes) {
			gitattributes = e;   /* merged with the LFS lines below */
		} else {
			git_filemode_t mode = (e->mode & 0100) ?
				GIT_FILEMODE_BLOB_EXECUTABLE : GIT_FILEMODE_BLOB;

			if (x->o.lfs_threshold && e->size >= x->o.lfs_threshold) {
				unsigned char sha[32];

				if ((err = file_lfs(x, &e->oid, e->size, sha)) < 0 ||
				    (err = vlt_git_lfs_pointer(&tmp, sha, e->size)) < 0)
					break;
				if (git_blob_create_from_buffer(&oid, x->git, tmp.data,
								tmp.len) < 0) {
					err = vlt_git_fail(VLT_E_IO, "write LFS pointer");
					break;
				}
				x->st.lfs_files++;
				if (!x->o.no_gitattributes) {
					vlt_git_attr_pattern(&tmp, e->name);
					vlt_buf_add(&attrs, tmp.data, tmp.len);
					vlt_buf_adds(&attrs, VLT_GIT_LFS_ATTRS "\n");
				}
			} else if ((err = file_blob(x, &e->oid, e->size,
						    &oid)) < 0) {
				vlt_error_wrap(err, "%s%s", x->path.data ?
					       x->path.data : "", e->name);
				break;
			}
			err = tree_insert(x, tb, e->name, &oid, mode);
		}
	}
	vlt_buf_setlen(&x->path, base);
	if (!err && (gitattributes || attrs.len)) {
		struct vlt_buf content = VLT_BUF_INIT;
		uint64_t size;

		/* the user's own lines first, then ours */
		if (gitattributes) {
			if ((err = vlt_odb_read_kind(x->r, &gitattributes->oid,
						     VLT_OBJ_FILE, &tmp)) == 0) {
				struct vlt_file f;

				vlt_file_init(&f);
				err = vlt_file_decode(tmp.data, tmp.len, &f);
				for (size_t i = 0; !err && i < f.nr; i++) {
					err = read_chunk_text(x, &f.chunks[i].oid, &tmp);
					if (!err)
						vlt_buf_add(&content, tmp.data, tmp.len);
				}
				size = f.size;
				vlt_file_release(&f);
				(void)size;
			}
			if (!err && content.len && attrs.len &&
			    content.data[content.len - 1] != '\n')
				vlt_buf_addch(&content, '\n');
		}
		if (!err)
			err = add_missing_lines(&content, &attrs);
		if (!err && git_blob_create_from_buffer(&oid, x->git,
				content.data ? content.data : "", content.len) < 0)
			err = vlt_git_fail(VLT_E_IO, "write .gitattributes");
		if (!err)
			err = tree_insert(x, tb, ".gitattributes", &oid,
					  gitattributes && (gitattributes->mode & 0100) ?
					  GIT_FILEMODE_BLOB_EXECUTABLE :
					  GIT_FILEMODE_BLOB);
		vlt_buf_release(&content);
	}
	vlt_buf_release(&attrs);
	vlt_buf_release(&tmp);
	return err;
}

static int export_tree(struct vlt_git_export *x, const struct vlt_oid *toid,
		       git_oid *out, int *empty)
{
	struct vlt_buf buf = VLT_BUF_INIT;
	git_treebuilder *tb = NULL;
	struct vlt_git_tree_ent *te;
	struct vlt_tree t;
	void *v;
	int err;

	if (vlt_oidmap_get(&x->trees, toid, &v)) {
		te = v;
		if (te->empty || git_odb_exists(x->odb, &te->tree)) {
			*empty = te->empty;
			git_oid_cpy(out, &te->tree);
			return 0;
		}
	}
	vlt_tree_init(&t);
	if ((err = vlt_tree_depth_check(x->depth, x->path.data)) < 0 ||
	    (err = vlt_odb_read_kind(x->r, toid, VLT_OBJ_TREE, &buf)) < 0 ||
	    (err = vlt_tree_decode(buf.data, buf.len, &t)) < 0)
		goto done;
	if (git_treebuilder_new(&tb, x->git, NULL) < 0) {
		err = vlt_git_fail(VLT_E_NOMEM, "tree builder");
		goto done;
	}
	if ((err = export_entries(x, &t, tb)) < 0)
		goto done;
	*empty = git_treebuilder_entrycount(tb) == 0 && x->path.len;
	if (*empty) {
		/* git keeps no empty directories: the parent leaves it out */
		x->st.empty_dirs++;
		memset(out, 0, sizeof(*out));
	} else if (git_treebuilder_write(out, tb) < 0) {
		err = vlt_git_fail(VLT_E_IO, "write tree");
		goto done;
	}
	if (!(te = calloc(1, sizeof(*te)))) {
		err = vlt_error_set(VLT_E_NOMEM, "out of memory");
		goto done;
	}
	git_oid_cpy(&te->tree, out);
	te->empty = *empty;
	if (vlt_oidmap_get(&x->trees, toid, &v))
		free(v);
	if (vlt_oidmap_put(&x->trees, toid, te) < 0) {
		free(te);
		err = vlt_error_set(VLT_E_NOMEM, "out of memory");
	}
done:
	git_treebuilder_free(tb);
	vlt_tree_release(&t);
	vlt_buf_release(&buf);
	return err;
}

/* --- commits ----------------------------------------------------------- */

/* "Name <email>" (email optional) into a signature at time/tz. */
static int make_sig(git_signature **out, const char *who, int64_t time,
		    int tz)
{
	struct vlt_buf name = VLT_BUF_INIT, email = VLT_BUF_INIT;
	const char *lt = strrchr(who, '<');
	const char *gt = lt ? strchr(lt, '>') : NULL;
	int err = 0;

	if (lt && gt) {
		const char *end = lt;

		while (end > who && end[-1] == ' ')
			end--;
		vlt_buf_add(&name, who, (size_t)(end - who));
		vlt_buf_add(&email, lt + 1, (size_t)(gt - lt - 1));
	} else {
		vlt_buf_adds(&name, who);
	}
	vlt_buf_addch(&name, '\0');
	vlt_buf_addch(&email, '\0');
	/* git forbids angle brackets and newlines in either part */
	for (char *p = name.data; p && *p; p++)
		if (*p == '<' || *p == '>' || *p == '\n')
			*p = ' ';
	for (char *p = email.data; p && *p; p++)
		if (*p == '<' || *p == '>' || *p == '\n')
			*p = ' ';
	if (!name.data || !email.data)
		err = vlt_error_set(VLT_E_NOMEM, "out of memory");
	else if (git_signature_new(out, *name.data ? name.data : "unknown",
				   email.data, (git_time_t)time, tz) < 0)
		err = vlt_git_fail(VLT_E_INVALID, "author");
	vlt_buf_release(&name);
	vlt_buf_release(&email);
	return err;
}

/* meta git-committer "Name <email> TIME +HHMM" as written by import. */
static int committer_sig(git_signature **out, const char *v)
{
	const char *gt = strrchr(v, '>');
	long long t;
	int sign, hh, mm, n = 0;
	char tzs[8];

	if (!gt || sscanf(gt + 1, " %lld %7s%n", &t, tzs, &n) != 2 ||
	    strlen(tzs) != 5 || (tzs[0] != '+' && tzs[0] != '-') ||
	    sscanf(tzs + 1, "%2d%2d", &hh, &mm) != 2)
		return 1;  /* not ours: use the author */
	sign = tzs[0] == '-' ? -1 : 1;
	{
		char *who = strndup(v, (size_t)(gt - v + 1));
		int err;

		if (!who)
			return vlt_error_set(VLT_E_NOMEM, "out of memory");
		err = make_sig(out, who, t, sign * (hh * 60 + mm));
		free(who);
		return err;
	}
}

static int mapped_commit(struct vlt_git_export *x, const struct vlt_oid *snap,
			 git_oid *out)
{
	void *v;

	if (!vlt_oidmap_get(&x->snaps, snap, &v) ||
	    !git_odb_exists(x->odb, v))
		return 0;
	git_oid_cpy(out, v);
	return 1;
}

static int write_commit(struct vlt_git_export *x, const struct vlt_oid *soid,
			const struct vlt_snapshot *s, git_oid *out)
{
	git_signature *author = NULL, *committer = NULL;
	const git_oid **pp = NULL;
	git_oid *parents = NULL, tree;
	const char *cm;
	size_t np = 0;
	int err, empty;

	vlt_buf_reset(&x->path);
	if ((err = prefetch_blobs(x, &s->tree)) < 0 ||
	    (err = export_tree(x, &s->tree, &tree, &empty)) < 0)
		return vlt_error_wrap(err, "snapshot %s", vlt_oid_hex(soid));
	parents = calloc(s->nparents + 1, sizeof(*parents));
	pp = calloc(s->nparents + 1, sizeof(*pp));
	if (!parents || !pp) {
		err = vlt_error_set(VLT_E_NOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < s->nparents; i++) {
		if (!mapped_commit(x, &s->parents[i], &parents[np]))
			continue;  /* dropped: said when it was skipped */
		pp[np] = &parents[np];
		np++;
	}
	if ((err = make_sig(&author, s->author, s->time, s->tz_minutes)) < 0)
		goto done;
	cm = vlt_snapshot_meta(s, "git-committer");
	if (cm && (err = committer_sig(&committer, cm)) < 0)
		goto done;
	if (!committer && git_signature_dup(&committer, author) < 0) {
		err = vlt_git_fail(VLT_E_NOMEM, "signature");
		goto done;
	}
	if (git_commit_create_from_ids(out, x->git, NULL, author, committer,
				       NULL, s->message ? s->message : "",
				       &tree, np, pp) < 0) {
		err = vlt_git_fail(VLT_E_IO, "write commit");
		goto done;
	}
	x->st.commits_new++;
	err = vlt_git_export_put_oid(&x->snaps, soid, out);
done:
	git_signature_free(author);
	git_signature_free(committer);
	free(parents);
	free(pp);
	return err;
}

int vlt_git_export_snapshot(struct vlt_git_export *x,
			    const struct vlt_oid *snap,
			    char commit_hex[VLT_GIT_HEXSZ + 1])
{
	struct vlt_oid *stack = NULL;
	struct vlt_oidset skipped = VLT_OIDSET_INIT, counted = VLT_OIDSET_INIT;
	size_t nr = 0, alloc = 0;
	git_oid commit;
	int err = 0;

	/*
	 * Parents before children, without recursion (histories are long):
	 * a snapshot is written when all its parents have commits.
	 */
	if ((err = VLT_ALLOC_GROW(stack, nr + 1, alloc)) < 0)
		goto done;
	stack[nr++] = *snap;
	while (nr && !err) {
		struct vlt_oid cur = stack[nr - 1];
		struct vlt_snapshot s;
		size_t before = nr;

		if (mapped_commit(x, &cur, &commit)) {
			if (vlt_oidset_insert(&counted, &cur) == 1)
				x->st.snapshots++;
			nr--;
			continue;
		}
		if ((err = vlt_snapshot_read(x->r, &cur, &s)) < 0)
			break;
		for (size_t i = 0; i < s.nparents && !err; i++) {
			const struct vlt_oid *p = &s.parents[i];

			if (mapped_commit(x, p, &commit) ||
			    vlt_oidset_contains(&skipped, p))
				continue;
			if ((err = vlt_snapshot_forgotten(x->r, p)) < 0)
				break;
			if (err || vlt_odb_has(x->r, p) != 1) {
				if (!err) {
					err = vlt_error_set(VLT_E_CORRUPT,
						"snapshot %s: its parent %s is "
						"missing (run 'vault fsck')",
						vlt_oid_hex(&cur), vlt_oid_hex(p));
					break;
				}
				/* its data may be gone: the commit loses
				 * this parent rather than the export failing */
				if (!x->said_forgotten++)
					vlt_git_export_warn(x, "older snapshots were forgotten "
					      "(vault forget): the exported "
					      "history starts after them");
				err = vlt_oidset_insert(&skipped, p) < 0 ?
				      VLT_E_NOMEM : 0;
				continue;
			}
			if ((err = VLT_ALLOC_GROW(stack, nr + 1, alloc)) < 0)
				break;
			stack[nr++] = *p;
		}
		if (!err && nr == before) {
			err = write_commit(x, &cur, &s, &commit);
			if (!err && vlt_oidset_insert(&counted, &cur) == 1) {
				x->st.snapshots++;
				x->prog.done++;
				if (x->o.progress)
					x->o.progress(&x->prog, x->o.cb_data);
			}
			nr--;
		}
		vlt_snapshot_release(&s);
	}
	if (!err && !mapped_commit(x, snap, &commit))
		err = vlt_error_set(VLT_E_GENERIC, "snapshot %s was not exported",
				    vlt_oid_hex(snap));
	if (!err)
		git_oid_tostr(commit_hex, VLT_GIT_HEXSZ + 1, &commit);
done:
	free(stack);
	vlt_oidset_release(&skipped);
	vlt_oidset_release(&counted);
	return err;
}

/* --- refs -------------------------------------------------------------- */

/* Bring a non-bare working tree from old_commit (or nothing) to commit. */
static void update_workdir(struct vlt_git_export *x, const git_oid *old,
			   const git_oid *commit)
{
	git_checkout_options co;
	git_object *target = NULL;
	git_commit *oldc = NULL;
	git_tree *baseline = NULL;

	if (git_repository_is_bare(x->git))
		return;
	git_checkout_options_init(&co, GIT_CHECKOUT_OPTIONS_VERSION);
	co.checkout_strategy = GIT_CHECKOUT_SAFE;
	if (old && git_commit_lookup(&oldc, x->git, old) == 0 &&
	    git_commit_tree(&baseline, oldc) == 0)
		co.baseline = baseline;
	if (git_object_lookup(&target, x->git, commit, GIT_OBJECT_COMMIT) < 0 ||
	    git_checkout_tree(x->git, target, &co) < 0) {
		const git_error *e = git_error_last();

		vlt_git_export_warn(x, "working tree of %s left as it was (%s); the branch "
		      "moved: see git status", git_repository_workdir(x->git),
		      e && e->message ? e->message : "checkout failed");
	}
	git_object_free(target);
	git_tree_free(baseline);
	git_commit_free(oldc);
}

int vlt_git_export_set_ref(struct vlt_git_export *x, char kind,
			   const char *name, const char *commit_hex, int force)
{
	struct vlt_buf refname = VLT_BUF_INIT;
	git_reference *ref = NULL, *head = NULL;
	git_oid new_id, old_id;
	int have_old = 0, head_is_it = 0, err = 0, unborn;

	if (git_oid_fromstr(&new_id, commit_hex) < 0)
		return vlt_error_set(VLT_E_INVALID, "bad commit id %s", commit_hex);
	vlt_buf_addf(&refname, "refs/%s/%s", kind == 't' ? "tags" : "heads",
		     name);
	if (!refname.data)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	if (!git_reference_is_valid_name(refname.data)) {
		err = vlt_error_set(VLT_E_INVALID, "'%s' is not a valid git "
				    "ref name", refname.data);
		goto done;
	}
	if (git_reference_lookup(&ref, x->git, refname.data) == 0 &&
	    git_reference_target(ref)) {
		git_oid_cpy(&old_id, git_reference_target(ref));
		have_old = 1;
	}
	if (have_old && git_oid_equal(&old_id, &new_id))
		goto done;
	if (have_old && !force) {
		if (kind == 't') {
			err = vlt_error_set(VLT_E_CONFLICT, "git tag %s already "
					    "names another commit (--force moves"
					    " it)", name);
			goto done;
		}
		if (git_graph_descendant_of(x->git, &new_id, &old_id) != 1) {
			err = vlt_error_set(VLT_E_CONFLICT, "git branch %s has "
					    "commits that this export does not "
					    "contain (--force replaces it)", name);
			goto done;
		}
	}
	unborn = git_repository_head_unborn(x->git) == 1;
	if (kind == 'b') {
		if (git_reference_lookup(&head, x->git, "HEAD") == 0 &&
		    git_reference_type(head) == GIT_REFERENCE_SYMBOLIC &&
		    !strcmp(git_reference_symbolic_target(head), refname.data))
			head_is_it = 1;
	}
	git_reference_free(ref);
	ref = NULL;
	if (git_reference_create_matching(&ref, x->git, refname.data, &new_id,
					  1, have_old ? &old_id : NULL,
					  "vault export-git") < 0) {
		err = vlt_git_fail(VLT_E_CONFLICT, refname.data);
		goto done;
	}
	if (kind == 'b' && !head_is_it && unborn && !x->head_set) {
		/* a new repository: its HEAD names what we export */
		if (git_repository_set_head(x->git, refname.data) < 0) {
			err = vlt_git_fail(VLT_E_IO, "HEAD");
			goto done;
		}
		head_is_it = 1;
	}
	if (kind == 'b' && head_is_it) {
		x->head_set = 1;
		update_workdir(x, have_old ? &old_id : NULL, &new_id);
	}
done:
	git_reference_free(ref);
	git_reference_free(head);
	vlt_buf_release(&refname);
	return err;
}

