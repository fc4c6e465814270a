/*
 * backup.c - the backup engine (see backup.h).
 *
 * Three phases. (1) The walk (dirwalk.c, the one vault-write-tree uses
 * too), single-threaded, stats every entry, applies .vaultignore rules,
 * and .vaultattributes files (attributes.c), and asks the file cache about
 * each regular file: unchanged files get their file object id from the
 * cache; the others become jobs, each with the chunker and compression
 * its attributes choose. (2) The pipeline: this thread reads the jobs' files in
 * order and cuts them into chunks (FastCDC is cheaper than a read); each
 * chunk is copied into a task on a queue bounded in bytes; worker threads
 * hash, deduplicate, compress and store the chunks, and whoever completes a
 * file's last chunk writes its file object. (3) Trees are written
 * bottom-up from the walk's records (vlt_dirwalk_write_trees), and
 * everything is flushed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "attributes.h"
#include "backup.h"
#include "chunker.h"
#include "dirwalk.h"
#include "error.h"
#include "filecache.h"
#include "fsutil.h"
#include "gc.h"
#include "ignore.h"
#include "odb.h"
#include "pool.h"
#include "testhook.h"
#include "tree.h"

void vlt_backup_opts_init(struct vlt_backup_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->use_cache = 1;
	o->use_default_ignores = 1;
}

/* --- the walk's records (dirwalk.h) and the pipeline's ------------- */

struct job {
	char *path;          /* relative to the root */
	struct stat st;
	long dir, ent;       /* its entry in the walk's records */
	struct vlt_file f;   /* chunk list, filled as chunks complete */
	uint64_t submitted, done;
	int read_done, error, finished;
	int rereading;       /* the reader waits for its chunks to drain */
	int changed;         /* kept changing while read: stored as last read */
	int fd;              /* opened ahead by the reader, or -1 */
	char *errmsg;
	enum vlt_chunker_algo algo;   /* its attributes' chunker=, or the repo's */
	int codec;           /* its compress=, or -1 for the repository's */
};

struct task {
	struct task *next;
	long job;
	size_t index;        /* chunk number within the file */
	int codec;           /* the job's */
	size_t len;
	unsigned char data[];
};

struct engine {
	struct vlt_repo *r;
	const struct vlt_backup_opts *o;
	int rootfd;
	struct vlt_ignore *ig;
	struct vlt_attrs *attrs;   /* .vaultattributes and the config's */
	dev_t repo_dev;
	ino_t repo_ino;
	struct vlt_filecache *cache;
	int cache_valid;     /* cache written under the current gc generation */
	struct vlt_filecache_writer cw;

	struct vlt_dirwalk w;      /* the folder's shape */
	struct job *jobs;
	size_t njobs, jobs_alloc;

	/* pipeline */
	pthread_mutex_t lock;
	pthread_cond_t not_empty, not_full;
	pthread_cond_t job_idle;   /* a rereading job's chunks are all done */
	struct task *head, *tail;
	struct task *free_tasks;   /* recycled buffers of chunking.max bytes */
	size_t queued_bytes, queue_limit;
	int closing;
	int fatal;           /* a storage error: stop everything */
	char fatal_msg[512];

	/* read-ahead thread (see prefetcher()) */
	pthread_mutex_t pf_lock;
	pthread_cond_t pf_cond;
	uint64_t pf_read;    /* bytes the reader is past, in job order */
	uint64_t rd_base;    /* reader only: sizes of the jobs before this one */
	int pf_waiting, pf_stop;

	/* progress */
	struct vlt_backup_progress prog;
	struct timespec t0;
	int ticker_stop;
	pthread_cond_t tick;
};

static double seconds_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) +
	       (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

static void warn(struct engine *e, const char *path, const char *msg)
{
	__atomic_add_fetch(&e->prog.errors, 1, __ATOMIC_RELAXED);
	if (e->o->warn)
		e->o->warn(path, msg, e->o->cb_data);
}

static int set_fatal(struct engine *e, int err)
{
	pthread_mutex_lock(&e->lock);
	if (!e->fatal) {
		e->fatal = err;
		snprintf(e->fatal_msg, sizeof(e->fatal_msg), "%s", vlt_error_last());
	}
	pthread_cond_broadcast(&e->not_empty);
	pthread_cond_broadcast(&e->not_full);
	pthread_cond_broadcast(&e->job_idle);
	pthread_mutex_unlock(&e->lock);
	return err;
}

static void load_ignore_file(struct engine *e, int dirfd, const char *rel)
{
	if (vlt_ignore_load_dir(e->ig, dirfd, rel) < 0)
		warn(e, rel[0] ? rel : ".", vlt_error_last());
}

static int cache_hit_valid(struct engine *e, const struct vlt_fc_entry *c)
{
	struct vlt_buf buf = VLT_BUF_INIT;
	struct vlt_file f;
	int ok = 0;

	if (e->cache_valid)
		return 1;
	/*
	 * The cache predates a gc, a pack it relies on is lost, or fsck found
	 * damage: the file object (and each of its chunks) must still exist
	 * outside doomed, lost and damaged copies. Paid once: the cache
	 * written by this backup relies only on packs that are intact now.
	 */
	if (vlt_odb_has_live(e->r, &c->oid) != 1 ||
	    vlt_odb_read_kind(e->r, &c->oid, VLT_OBJ_FILE, &buf) < 0 ||
	    vlt_file_decode(buf.data, buf.len, &f) < 0)
		goto done;
	ok = 1;
	for (size_t i = 0; i < f.nr && ok; i++)
		ok = vlt_odb_has_live(e->r, &f.chunks[i].oid) == 1;
	vlt_file_release(&f);
done:
	vlt_buf_release(&buf);
	return ok;
}

/*
 * Where path stands to the only paths: 2 if it is one of them or below
 * one, 1 if one of them is below it (a directory on the way), 0 if it is
 * outside them all.
 */
static int only_relation(const char *const *only, const char *path)
{
	size_t n = strlen(path);
	int rel = 0;

	for (; *only; only++) {
		size_t k = strlen(*only);

		if (k <= n && !memcmp(*only, path, k) &&
		    (path[k] == '/' || !path[k]))
			return 2;
		if (k > n && !memcmp(*only, path, n) && (*only)[n] == '/')
			rel = 1;
	}
	return rel;
}

static int keep_unread(const char *path, void *data)
{
	return !only_relation(data, path);
}

static int walk_enter(void *data, int dirfd, const char *rel)
{
	struct engine *e = data;

	if (e->ig)
		load_ignore_file(e, dirfd, rel);
	/* a bad attribute line stops the backup before anything is read */
	return e->attrs ? vlt_attrs_load_dir(e->attrs, dirfd, rel) : 0;
}

/* Outside the only paths: carried over, not looked at. */
static int walk_skip_early(void *data, const char *rel, unsigned char d_type)
{
	struct engine *e = data;
	int relation;

	if (!e->o->only)
		return 0;
	relation = only_relation(e->o->only, rel);
	return !relation || (relation == 1 && d_type != DT_DIR &&
			     d_type != DT_UNKNOWN);
}

static int walk_skip(void *data, const char *rel, const struct stat *st)
{
	struct engine *e = data;

	if (e->o->only && !S_ISDIR(st->st_mode) &&
	    only_relation(e->o->only, rel) == 1)
		return 1;
	if (e->ig) {
		struct vlt_ignore_why why;

		if (vlt_ignore_match_why(e->ig, rel, S_ISDIR(st->st_mode), &why)) {
			e->prog.ignored++;
			if (e->o->ignored)
				e->o->ignored(rel, S_ISDIR(st->st_mode), &why,
					      e->o->cb_data);
			return 1;
		}
	}
	/* the repository itself (--repo inside PATH) */
	return S_ISDIR(st->st_mode) && st->st_dev == e->repo_dev &&
	       st->st_ino == e->repo_ino;
}

/* A regular file: from the file cache when unchanged, else a job. */
static int walk_file(void *data, int dirfd, const char *name, const char *rel,
		     const struct stat *st, long dir, long ent)
{
	struct engine *e = data;
	const struct vlt_fc_entry *c = e->cache ?
		vlt_filecache_match(e->cache, rel, st) : NULL;
	struct job *j;
	int err;

	(void)dirfd;
	(void)name;
	e->prog.files_total++;
	e->prog.bytes_total += (uint64_t)st->st_size;
	if (c && cache_hit_valid(e, c)) {
		struct vlt_walk_ent *b = vlt_dirwalk_ent(&e->w, dir, ent);

		b->oid = c->oid;
		e->prog.files_cached++;
		e->prog.files_done++;
		e->prog.bytes_done += (uint64_t)st->st_size;
		if (!e->o->dry_run &&
		    (err = vlt_filecache_writer_add(&e->cw, rel, st, &b->oid)) < 0)
			return err;
		return 0;
	}
	VLT_TRY(VLT_ALLOC_GROW(e->jobs, e->njobs + 1, e->jobs_alloc));
	j = &e->jobs[e->njobs];
	memset(j, 0, sizeof(*j));
	if (!(j->path = strdup(rel)))
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	j->st = *st;
	j->fd = -1;
	j->dir = dir;
	j->ent = ent;
	vlt_file_init(&j->f);
	e->njobs++;
	return 0;
}

/* What cannot be read is left out, with a warning; the backup goes on. */
static int walk_error(void *data, const char *op, const char *path, int errnum)
{
	(void)op;
	warn(data, path, strerror(errnum));
	return 0;
}

static const struct vlt_dirwalk_ops walk_ops = {
	.enter = walk_enter,
	.skip_early = walk_skip_early,
	.skip = walk_skip,
	.file = walk_file,
	.error = walk_error,
};

/* --- the pipeline ------------------------------------------------------ */

#define READ_AHEAD_FILES 16
#define READ_AHEAD_BYTES (2 << 20)
#define PREFETCH_WINDOW  (64u << 20)  /* how far the read-ahead runs ahead */
#define PREFETCH_STEP    (4u << 20)

/* The reader is at pf_read bytes (file sizes summed in job order). */
static void reader_progress(struct engine *e, uint64_t pos)
{
	__atomic_store_n(&e->pf_read, pos, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&e->pf_waiting, __ATOMIC_SEQ_CST)) {
		pthread_mutex_lock(&e->pf_lock);
		e->pf_waiting = 0;
		pthread_cond_signal(&e->pf_cond);
		pthread_mutex_unlock(&e->pf_lock);
	}
}

/*
 * Keep the disk busy while the reader thread chunks: ask the kernel to
 * read the files ahead of the reader, in job order, up to PREFETCH_WINDOW
 * bytes ahead of it (readahead() only queues the reads; it blocks when the
 * device queue is full, which is why it has a thread of its own). The
 * kernel's own read-ahead sees one file at a time in 128-256 KiB steps, so
 * a cold disk otherwise idles whenever the reader is cutting chunks.
 */
static void prefetcher(void *arg, int index)
{
	struct engine *e = arg;
	uint64_t pos = 0, base = 0;

	for (size_t i = 0; i < e->njobs; i++) {
		const struct job *j = &e->jobs[i];
		uint64_t size = (uint64_t)j->st.st_size;
		int fd = -1;

		for (uint64_t off = 0; off < size;) {
			uint64_t step = size - off < PREFETCH_STEP ?
					size - off : PREFETCH_STEP;

			pthread_mutex_lock(&e->pf_lock);
			for (;;) {
				if (__atomic_load_n(&e->pf_stop, __ATOMIC_SEQ_CST))
					break;
				__atomic_store_n(&e->pf_waiting, 1, __ATOMIC_SEQ_CST);
				if (pos < __atomic_load_n(&e->pf_read,
							  __ATOMIC_SEQ_CST) +
					  PREFETCH_WINDOW)
					break;
				pthread_cond_wait(&e->pf_cond, &e->pf_lock);
			}
			__atomic_store_n(&e->pf_waiting, 0, __ATOMIC_SEQ_CST);
			pthread_mutex_unlock(&e->pf_lock);
			if (__atomic_load_n(&e->pf_stop, __ATOMIC_SEQ_CST))
				goto out;
			if (fd < 0 &&
			    (fd = openat(e->rootfd, j->path, O_RDONLY |
					 O_NOFOLLOW | O_NONBLOCK |
					 O_CLOEXEC)) < 0)
				break;   /* the reader will report it */
			(void)readahead(fd, (off64_t)off, (size_t)step);
			off += step;
			pos += step;
		}
		if (fd >= 0)
			close(fd);
		base += size;
		pos = base;   /* the same count the reader keeps */
	}
out:
	(void)index;
}

static int finish_job(struct engine *e, struct job *j)
{
	struct vlt_buf enc = VLT_BUF_INIT;
	struct vlt_walk_ent *b = vlt_dirwalk_ent(&e->w, j->dir, j->ent);
	int err;

	if ((err = vlt_file_encode(&j->f, &enc)) == 0)
		err = vlt_odb_write(e->r, VLT_OBJ_FILE, enc.data, enc.len, &b->oid);
	vlt_buf_release(&enc);
	if (err < 0)
		return set_fatal(e, err);
	b->size = j->f.size;
	/* the chunk list is in the file object now: with 100,000 files its
	 * arrays would otherwise hold 64 MB until the backup ends */
	vlt_file_release(&j->f);
	__atomic_add_fetch(&e->prog.files_done, 1, __ATOMIC_RELAXED);
	return 0;
}

static void worker(void *arg, int index)
{
	struct engine *e = arg;

	(void)index;
	for (;;) {
		struct task *t;
		struct vlt_oid oid;
		struct job *j;
		int err, last;

		pthread_mutex_lock(&e->lock);
		while (!e->head && !e->closing && !e->fatal)
			pthread_cond_wait(&e->not_empty, &e->lock);
		if (e->fatal || (!e->head && e->closing)) {
			pthread_mutex_unlock(&e->lock);
			break;
		}
		t = e->head;
		e->head = t->next;
		if (!e->head)
			e->tail = NULL;
		e->queued_bytes -= e->r->chunking.max;
		pthread_cond_signal(&e->not_full);
		pthread_mutex_unlock(&e->lock);

		err = vlt_object_id(&e->r->idfn, VLT_OBJ_CHUNK, t->data, t->len,
				    &oid);
		if (err == 0)
			err = vlt_odb_write_hashed_codec(e->r, VLT_OBJ_CHUNK,
							 t->data, t->len, &oid,
							 t->codec);
		if (err < 0) {
			set_fatal(e, err);
			pthread_mutex_lock(&e->lock);
			t->next = e->free_tasks;
			e->free_tasks = t;
			pthread_mutex_unlock(&e->lock);
			break;
		}
		__atomic_add_fetch(&e->prog.chunks, 1, __ATOMIC_RELAXED);
		if (err == 1) {
			__atomic_add_fetch(&e->prog.chunks_new, 1, __ATOMIC_RELAXED);
			__atomic_add_fetch(&e->prog.bytes_new, t->len,
					   __ATOMIC_RELAXED);
		}
		__atomic_add_fetch(&e->prog.bytes_done, t->len, __ATOMIC_RELAXED);

		pthread_mutex_lock(&e->lock);
		j = &e->jobs[t->job];
		j->f.chunks[t->index].oid = oid;
		j->done++;
		if (j->rereading && j->done == j->submitted)
			pthread_cond_broadcast(&e->job_idle);
		last = j->read_done && j->done == j->submitted && !j->error &&
		       !j->finished;
		if (last)
			j->finished = 1;
		t->next = e->free_tasks;   /* recycled: no page faults next time */
		e->free_tasks = t;
		pthread_mutex_unlock(&e->lock);
		if (last && finish_job(e, j) < 0)
			break;
	}
}

static int enqueue(struct engine *e, long jobi, const unsigned char *data,
		   size_t len)
{
	struct task *t;
	struct job *j = &e->jobs[jobi];
	int err = 0;

	/* every task buffer holds up to chunking.max bytes: count that, so
	 * the queue's memory is bounded whatever the chunk sizes */
	pthread_mutex_lock(&e->lock);
	while (e->queued_bytes + e->r->chunking.max > e->queue_limit && e->head &&
	       !e->fatal)
		pthread_cond_wait(&e->not_full, &e->lock);
	t = e->free_tasks;
	if (t)
		e->free_tasks = t->next;
	pthread_mutex_unlock(&e->lock);
	if (!t && !(t = malloc(sizeof(*t) + e->r->chunking.max)))
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	t->next = NULL;
	t->job = jobi;
	t->codec = j->codec;
	t->len = len;
	memcpy(t->data, data, len);
	pthread_mutex_lock(&e->lock);
	if (e->fatal) {
		pthread_mutex_unlock(&e->lock);
		free(t);
		return e->fatal;
	}
	/* the chunk's slot exists before any worker can fill it */
	if ((err = vlt_file_add(&j->f, &(struct vlt_oid){ { 0 } },
				(uint32_t)len)) < 0) {
		pthread_mutex_unlock(&e->lock);
		free(t);
		return err;
	}
	t->index = j->f.nr - 1;
	j->submitted++;
	if (e->tail)
		e->tail->next = t;
	else
		e->head = t;
	e->tail = t;
	e->queued_bytes += e->r->chunking.max;
	pthread_cond_signal(&e->not_empty);
	pthread_mutex_unlock(&e->lock);
	return 0;
}

/* Reads before a file that keeps changing is stored as last read. */
#define READ_ATTEMPTS 3

static int same_version(const struct stat *a, const struct stat *b)
{
	return a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	       a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/*
 * The file changed while it was read: wait until the workers are done
 * with the chunks of this read, then forget them (they stay stored, as
 * garbage for gc) and start over.
 */
static int restart_job(struct engine *e, struct job *j, uint64_t bytes)
{
	int err;

	pthread_mutex_lock(&e->lock);
	j->rereading = 1;
	while (j->done < j->submitted && !e->fatal)
		pthread_cond_wait(&e->job_idle, &e->lock);
	j->rereading = 0;
	err = e->fatal;
	if (!err) {
		j->f.nr = 0;
		j->f.size = 0;
		j->submitted = j->done = 0;
	}
	pthread_mutex_unlock(&e->lock);
	__atomic_sub_fetch(&e->prog.bytes_done, bytes, __ATOMIC_RELAXED);
	return err;
}

static int read_job(struct engine *e, struct vlt_chunk_reader *rd, long jobi)
{
	struct job *j = &e->jobs[jobi];
	struct stat before, after;
	int fd, err = 0, last;

	/* O_NONBLOCK: a file swapped for a FIFO since the walk must not
	 * hang the backup (regular files ignore the flag) */
	fd = j->fd >= 0 ? j->fd :
	     openat(e->rootfd, j->path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
		    O_CLOEXEC);
	j->fd = -1;
	if (fd < 0) {
		err = vlt_error_set(VLT_E_IO, "%s", strerror(errno));
		goto failed;
	}
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	/*
	 * A file written while we read it would be stored torn: compare its
	 * size, mtime and ctime before and after (as tar and restic do), read
	 * it again if they differ, and after READ_ATTEMPTS store the last read
	 * with a warning.
	 */
	for (int attempt = 1;; attempt++) {
		if (fstat(fd, &before) < 0 || !S_ISREG(before.st_mode)) {
			close(fd);
			err = vlt_error_set(VLT_E_IO, "no longer a regular file");
			goto failed;
		}
		if (attempt > 1 && lseek(fd, 0, SEEK_SET) < 0) {
			err = vlt_error_set(VLT_E_IO, "seek: %s", strerror(errno));
			close(fd);
			goto failed;
		}
		vlt_chunk_reader_rebind(rd, fd);
		for (int first = 1;; first = 0) {
			const unsigned char *data;
			size_t len;

			if ((err = vlt_chunk_reader_next(rd, &data, &len)) < 0)
				break;
			if (!len)
				break;
			if ((err = enqueue(e, jobi, data, len)) < 0) {
				close(fd);
				return set_fatal(e, err);
			}
			reader_progress(e, e->rd_base + rd->offset);
			if (first)
				vlt_testhook_run("during-read");
		}
		if (err < 0)
			break;
		if (fstat(fd, &after) < 0) {
			err = vlt_error_set(VLT_E_IO, "stat: %s", strerror(errno));
			break;
		}
		if (same_version(&before, &after))
			break;
		if (attempt == READ_ATTEMPTS) {
			j->changed = 1;
			break;
		}
		if ((err = restart_job(e, j, rd->offset)) < 0) {
			close(fd);
			return err;
		}
	}
	close(fd);
	if (err < 0)
		goto failed;
	if (!j->changed) {
		/* the version read: what the tree and the cache record */
		struct vlt_walk_ent *b = vlt_dirwalk_ent(&e->w, j->dir, j->ent);

		j->st = after;
		b->mode = after.st_mode & 07777;
		b->msec = after.st_mtim.tv_sec;
		b->mnsec = (uint32_t)after.st_mtim.tv_nsec;
	} else {
		__atomic_add_fetch(&e->prog.files_changed, 1, __ATOMIC_RELAXED);
		if (e->o->changed)
			e->o->changed(j->path, e->o->cb_data);
	}
	pthread_mutex_lock(&e->lock);
	j->read_done = 1;
	last = j->done == j->submitted && !j->finished;
	if (last)
		j->finished = 1;
	pthread_mutex_unlock(&e->lock);
	return last ? finish_job(e, j) : 0;
failed:
	/* an unreadable file is left out; the backup goes on */
	pthread_mutex_lock(&e->lock);
	e->prog.files_failed++;
	e->prog.bytes_failed += (uint64_t)j->st.st_size;
	j->error = 1;
	j->read_done = 1;
	pthread_mutex_unlock(&e->lock);
	warn(e, j->path, vlt_error_last());
	return 0;
}

static void ticker(void *arg, int index)
{
	struct engine *e = arg;

	(void)index;
	pthread_mutex_lock(&e->lock);
	while (!e->ticker_stop) {
		struct timespec until;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 250000000;
		if (until.tv_nsec >= 1000000000) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&e->tick, &e->lock, &until);
		if (e->ticker_stop)
			break;
		e->prog.elapsed = seconds_since(&e->t0);
		{
			struct vlt_backup_progress snap = e->prog;

			pthread_mutex_unlock(&e->lock);
			e->o->progress(&snap, 0, e->o->cb_data);
			pthread_mutex_lock(&e->lock);
		}
	}
	pthread_mutex_unlock(&e->lock);
}

/*
 * One chunker and reader per algorithm a file's attributes may choose,
 * all with the repository's sizes (fixed blocks of chunker.avg), made
 * when a file first needs it: a backup without attributes has only the
 * repository's.
 */
#define NR_ALGOS 3

struct readers {
	struct vlt_chunker ch[NR_ALGOS];
	struct vlt_chunk_reader rd[NR_ALGOS];
	int ready[NR_ALGOS];
};

static int job_reader(struct engine *e, struct readers *rs, struct job *j,
		      struct vlt_chunk_reader **out)
{
	struct vlt_attr_result attr;
	struct vlt_chunker_params p;
	int err;

	j->algo = e->r->chunking.algo;
	j->codec = -1;
	if (e->attrs) {
		vlt_attr_lookup(e->attrs, j->path, &attr);
		if (attr.has_chunker)
			j->algo = attr.chunker;
		if (attr.has_compress)
			j->codec = (int)attr.codec;
	}
	if (!rs->ready[j->algo]) {
		vlt_chunker_params_for(&e->r->chunking, j->algo, &p);
		if ((err = vlt_chunker_init(&rs->ch[j->algo], &p)) < 0 ||
		    (err = vlt_chunk_reader_init(&rs->rd[j->algo],
						 &rs->ch[j->algo], -1)) < 0)
			return err;
		rs->ready[j->algo] = 1;
	}
	*out = &rs->rd[j->algo];
	return 0;
}

static int run_pipeline(struct engine *e)
{
	struct readers rs;
	struct vlt_chunk_reader *rd;
	struct vlt_pool workers = VLT_POOL_INIT, tick = VLT_POOL_INIT;
	struct vlt_pool pf = VLT_POOL_INIT;
	int nthreads = vlt_pool_threads(e->o->threads, 64);
	int started, prefetching = 0, err = 0;

	memset(&rs, 0, sizeof(rs));
	e->queue_limit = (size_t)nthreads * 4 * e->r->chunking.max;
	if (e->queue_limit < (32u << 20))
		e->queue_limit = 32u << 20;
	/* the workers: this thread reads, so at least one must run */
	if ((started = vlt_pool_start(&workers, nthreads, worker, e)) <= 0) {
		vlt_pool_join(&workers);
		return started < 0 ? started :
		       vlt_error_set(VLT_E_GENERIC, "cannot start threads");
	}
	/* the progress ticker and the read-ahead are optional */
	if (e->o->progress && vlt_pool_start(&tick, 1, ticker, e) < 0)
		vlt_error_clear();
	if (e->njobs && (prefetching = vlt_pool_start(&pf, 1, prefetcher, e)) < 0) {
		vlt_error_clear();
		prefetching = 0;
	}

	/*
	 * Open the next files ahead and ask the kernel to start reading
	 * their beginnings, so a cold disk works on many files at once
	 * while this thread chunks the current one.
	 */
	{
		size_t ahead = 0;

		for (size_t i = 0; i < e->njobs && !e->fatal; i++) {
			for (; ahead < e->njobs && ahead < i + READ_AHEAD_FILES;
			     ahead++) {
				struct job *a = &e->jobs[ahead];

				a->fd = openat(e->rootfd, a->path, O_RDONLY |
					       O_NOFOLLOW | O_NONBLOCK |
					       O_CLOEXEC);
				if (a->fd >= 0)
					posix_fadvise(a->fd, 0, READ_AHEAD_BYTES,
						      POSIX_FADV_WILLNEED);
			}
			if ((err = job_reader(e, &rs, &e->jobs[i], &rd)) < 0) {
				set_fatal(e, err);
				break;
			}
			if (read_job(e, rd, (long)i) < 0)
				break;
			e->rd_base += (uint64_t)e->jobs[i].st.st_size;
			reader_progress(e, e->rd_base);
		}
		for (size_t i = 0; i < ahead; i++)
			if (e->jobs[i].fd >= 0) {
				close(e->jobs[i].fd);
				e->jobs[i].fd = -1;
			}
	}
	for (int i = 0; i < NR_ALGOS; i++)
		if (rs.ready[i])
			vlt_chunk_reader_release(&rs.rd[i]);
	if (prefetching) {
		pthread_mutex_lock(&e->pf_lock);
		__atomic_store_n(&e->pf_stop, 1, __ATOMIC_SEQ_CST);
		pthread_cond_signal(&e->pf_cond);
		pthread_mutex_unlock(&e->pf_lock);
	}
	vlt_pool_join(&pf);

	pthread_mutex_lock(&e->lock);
	e->closing = 1;
	e->ticker_stop = 1;
	pthread_cond_broadcast(&e->not_empty);
	pthread_cond_broadcast(&e->tick);
	pthread_mutex_unlock(&e->lock);
	vlt_pool_join(&workers);
	vlt_pool_join(&tick);
	if (e->fatal)
		err = vlt_error_set(e->fatal, "%s", e->fatal_msg);
	/* tasks left behind by a failure, and the recycled ones */
	while (e->head) {
		struct task *t = e->head;

		e->head = t->next;
		free(t);
	}
	while (e->free_tasks) {
		struct task *t = e->free_tasks;

		e->free_tasks = t->next;
		free(t);
	}
	return err;
}

/* --- trees --------------------------------------------------------------- */

static int write_trees(struct engine *e, struct vlt_oid *root)
{
	/* files that could not be read are left out */
	for (size_t i = 0; i < e->njobs; i++)
		if (e->jobs[i].error)
			vlt_dirwalk_ent(&e->w, e->jobs[i].dir, e->jobs[i].ent)->skip = 1;
	return vlt_dirwalk_write_trees(&e->w, root);
}

static void engine_release(struct engine *e)
{
	vlt_dirwalk_release(&e->w);
	for (size_t i = 0; i < e->njobs; i++) {
		free(e->jobs[i].path);
		vlt_file_release(&e->jobs[i].f);
	}
	free(e->jobs);
	vlt_ignore_free(e->ig);
	vlt_attrs_free(e->attrs);
	vlt_filecache_free(e->cache);
	vlt_filecache_writer_release(&e->cw);
	pthread_mutex_destroy(&e->lock);
	pthread_cond_destroy(&e->not_empty);
	pthread_cond_destroy(&e->not_full);
	pthread_cond_destroy(&e->job_idle);
	pthread_cond_destroy(&e->tick);
	pthread_mutex_destroy(&e->pf_lock);
	pthread_cond_destroy(&e->pf_cond);
	if (e->rootfd >= 0)
		close(e->rootfd);
}

int vlt_backup_tree(struct vlt_repo *r, const char *root,
		    const struct vlt_backup_opts *o, struct vlt_oid *tree,
		    struct vlt_backup_progress *stats)
{
	struct engine e;
	char *absroot = realpath(root, NULL);
	uint64_t gen = 0;
	int err;

	memset(&e, 0, sizeof(e));
	e.r = r;
	e.o = o;
	e.rootfd = -1;
	vlt_dirwalk_init(&e.w, r, &walk_ops, &e);
	/* any .vault is left out: this project's or a nested project's */
	e.w.every_vault = 1;
	pthread_mutex_init(&e.lock, NULL);
	pthread_cond_init(&e.not_empty, NULL);
	pthread_cond_init(&e.not_full, NULL);
	pthread_cond_init(&e.job_idle, NULL);
	pthread_cond_init(&e.tick, NULL);
	pthread_mutex_init(&e.pf_lock, NULL);
	pthread_cond_init(&e.pf_cond, NULL);
	vlt_filecache_writer_init(&e.cw);
	clock_gettime(CLOCK_MONOTONIC, &e.t0);
	if (!absroot) {
		err = vlt_error_set(VLT_E_NOTFOUND, "%s: %s", root, strerror(errno));
		goto done;
	}
	{
		struct stat rs;

		if (stat(r->path, &rs) == 0) {
			e.repo_dev = rs.st_dev;
			e.repo_ino = rs.st_ino;
		}
	}
	e.rootfd = open(absroot, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (e.rootfd < 0) {
		err = vlt_error_set(VLT_E_IO, "%s: %s", root, strerror(errno));
		goto done;
	}
	if ((err = vlt_gc_load_plans(r, &gen)) < 0 ||
	    (err = vlt_ignore_new(o->use_default_ignores, &e.ig)) < 0 ||
	    (err = vlt_attrs_new(&e.attrs)) < 0 ||
	    (err = vlt_attrs_add_repo(e.attrs, r)) < 0)
		goto done;
	for (const char *const *x = o->excludes; x && *x; x++)
		if ((err = vlt_ignore_add_pattern(e.ig, *x)) < 0)
			goto done;
	/*
	 * The file cache is a hint: its ids are trusted as they are only
	 * while the gc generation, every pack it relies on and the absence of
	 * damage are unchanged; otherwise each hit is checked (see
	 * cache_hit_valid). Lost packs (missing, truncated) count as absent,
	 * so their data is stored again.
	 */
	if ((err = vlt_odb_check_packs(r, NULL)) < 0)
		goto done;
	if (o->use_cache) {
		if ((err = vlt_filecache_load(r, absroot, &e.cache)) < 0)
			goto done;
		e.cache_valid = vlt_filecache_generation(e.cache) == gen &&
				vlt_filecache_packs_intact(e.cache, r) &&
				!vlt_odb_damaged_count(r);
	}
	{
		int fd = dup(e.rootfd);

		if (fd < 0) {
			err = vlt_error_set(VLT_E_IO, "dup: %s", strerror(errno));
			goto done;
		}
		if ((err = vlt_dirwalk_run(&e.w, fd)) < 0)
			goto done;
		e.prog.dirs = e.w.ndirs_seen;
		e.prog.symlinks = e.w.nsymlinks;
	}
	/* tests: change the tree between the listing and the reads */
	vlt_testhook_run("after-walk");
	if ((err = run_pipeline(&e)) < 0 || (err = write_trees(&e, tree)) < 0 ||
	    (err = vlt_odb_flush(r)) < 0)
		goto done;
	if (o->use_cache && !o->dry_run) {
		for (size_t i = 0; i < e.njobs; i++) {
			struct job *j = &e.jobs[i];

			/* a file stored torn is read again next time */
			if (!j->error && !j->changed &&
			    (err = vlt_filecache_writer_add(&e.cw, j->path, &j->st,
				&vlt_dirwalk_ent(&e.w, j->dir, j->ent)->oid)) < 0)
				goto done;
		}
		/* a partial backup keeps the entries of what it did not
		 * read, if they can be trusted under this gc generation;
		 * else the old cache stays (checked next time) */
		/* a failure to save the cache only costs speed next time */
		if (!o->only ||
		    (e.cache_valid &&
		     vlt_filecache_writer_keep(&e.cw, e.cache, keep_unread,
					       (void *)o->only) == 0))
			vlt_filecache_writer_save(&e.cw, r, absroot, gen);
	}
	e.prog.elapsed = seconds_since(&e.t0);
	if (o->progress)
		o->progress(&e.prog, 1, o->cb_data);
	if (stats)
		*stats = e.prog;
done:
	engine_release(&e);
	free(absroot);
	return err;
}

/* --- putting a partial tree into the parent's ---------------------------- */

static int add_entry(struct vlt_tree *t, const struct vlt_tree_entry *x,
		     const struct vlt_oid *oid)
{
	return vlt_tree_add(t, x->name, x->type, x->mode, x->size, x->mtime_sec,
			    x->mtime_nsec, oid ? oid : &x->oid);
}

/* paths: nr paths relative to this level, none empty */
static int graft(struct vlt_repo *r, const struct vlt_oid *base,
		 const struct vlt_oid *part, const char **paths, size_t nr,
		 struct vlt_oid *out)
{
	struct vlt_tree b, p, t;
	struct vlt_buf enc = VLT_BUF_INIT;
	const char **sub = NULL;
	int err;

	vlt_tree_init(&t);
	if ((err = vlt_odb_read_tree(r, base, &b)) < 0)
		return err;
	if ((err = vlt_odb_read_tree(r, part, &p)) < 0)
		goto done;
	if (!(sub = calloc(nr ? nr : 1, sizeof(*sub)))) {
		err = vlt_error_set(VLT_E_NOMEM, "out of memory");
		goto done;
	}
	/* base's entries, but those the paths lead into */
	for (size_t i = 0; i < b.nr && !err; i++) {
		size_t n = strlen(b.entries[i].name), k;

		for (k = 0; k < nr; k++)
			if (!strncmp(paths[k], b.entries[i].name, n) &&
			    (paths[k][n] == '/' || !paths[k][n]))
				break;
		if (k == nr)
			err = add_entry(&t, &b.entries[i], NULL);
	}
	for (size_t i = 0; i < nr && !err; i++) {
		const char *slash = strchr(paths[i], '/');
		size_t n = slash ? (size_t)(slash - paths[i]) : strlen(paths[i]);
		const struct vlt_tree_entry *be, *pe;
		char name[4096];
		size_t nsub = 0;
		int whole = 0, seen = 0;

		for (size_t k = 0; k < i; k++)
			if (!strncmp(paths[k], paths[i], n) &&
			    (paths[k][n] == '/' || !paths[k][n]))
				seen = 1;
		if (seen)
			continue;	/* this name is done */
		if (n >= sizeof(name)) {
			err = vlt_error_set(VLT_E_INVALID, "path too long");
			break;
		}
		memcpy(name, paths[i], n);
		name[n] = '\0';
		for (size_t k = i; k < nr; k++) {
			if (strncmp(paths[k], name, n) ||
			    (paths[k][n] != '/' && paths[k][n]))
				continue;
			if (!paths[k][n])
				whole = 1;
			else
				sub[nsub++] = paths[k] + n + 1;
		}
		be = vlt_tree_find(&b, name);
		pe = vlt_tree_find(&p, name);
		if (whole) {
			/* read again in full: as it is now, or gone */
			if (pe)
				err = add_entry(&t, pe, NULL);
		} else {
			const struct vlt_oid *bo = be && be->type == VLT_ENTRY_DIR ?
						   &be->oid : NULL;
			const struct vlt_oid *po = pe && pe->type == VLT_ENTRY_DIR ?
						   &pe->oid : NULL;
			struct vlt_oid oid;

			if (!bo && !po) {
				if (be)
					err = add_entry(&t, be, NULL);
				continue;
			}
			/* sub[] is reused by the recursion: copy it out */
			{
				const char **mine = malloc(nsub * sizeof(*mine));

				if (!mine) {
					err = vlt_error_set(VLT_E_NOMEM,
							    "out of memory");
					break;
				}
				memcpy(mine, sub, nsub * sizeof(*mine));
				err = graft(r, bo, po, mine, nsub, &oid);
				free(mine);
			}
			if (!err)
				err = add_entry(&t, po ? pe : be, &oid);
		}
	}
	if (!err && (err = vlt_tree_encode(&t, &enc)) == 0)
		err = vlt_odb_write(r, VLT_OBJ_TREE, enc.data, enc.len, out);
done:
	free(sub);
	vlt_buf_release(&enc);
	vlt_tree_release(&t);
	vlt_tree_release(&p);
	vlt_tree_release(&b);
	return err < 0 ? err : 0;
}

int vlt_tree_graft(struct vlt_repo *r, const struct vlt_oid *base,
		   const struct vlt_oid *part, const char *const *only,
		   struct vlt_oid *out)
{
	size_t nr = 0;
	const char **paths;
	int err;

	while (only[nr])
		nr++;
	if (!(paths = calloc(nr ? nr : 1, sizeof(*paths))))
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	memcpy(paths, only, nr * sizeof(*paths));
	err = graft(r, base, part, paths, nr, out);
	free(paths);
	return err;
}

int vlt_backup_scan_opts(struct vlt_repo *r, const char *root,
			 const struct vlt_backup_opts *o, struct vlt_oid *tree,
			 struct vlt_backup_progress *stats)
{
	struct vlt_backup_opts copy = *o;

	copy.dry_run = 1;
	r->dry_run = 1;
	return vlt_backup_tree(r, root, &copy, tree, stats);
}

int vlt_backup_scan(struct vlt_repo *r, const char *root, struct vlt_oid *tree)
{
	struct vlt_backup_opts o;

	vlt_backup_opts_init(&o);
	o.dry_run = 1;
	r->dry_run = 1;
	return vlt_backup_tree(r, root, &o, tree, NULL);
}
