/*
 * restore.c - parallel, confined restore of trees (see restore.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/openat2.h>

#include "error.h"
#include "fsutil.h"
#include "odb.h"
#include "restore.h"
#include "revparse.h"
#include "tree.h"

struct fjob {
	char *dir;                   /* parent directory, relative ("" top) */
	struct vlt_tree_entry e;     /* e.name owned */
};

struct dmeta {
	char *path;                  /* relative to the target */
	uint32_t mode;
	int64_t msec;
	uint32_t mnsec;
};

struct rs {
	struct vlt_repo *r;
	const struct vlt_restore_opts *o;
	struct vlt_checkout_stats *st;
	int rootfd;
	struct fjob *jobs;
	size_t njobs, jobs_alloc;
	struct dmeta *dirs;
	size_t ndirs, dirs_alloc;
	struct vlt_buf rel;
	pthread_mutex_t lock;
	size_t next;                 /* next job for a worker */
	int first_err;
};

static int have_openat2 = 1;

/* Open a directory below the target: no symlink, no "..", no escape. */
static int open_beneath(struct rs *s, const char *rel)
{
	int fd;

	if (!*rel)
		return fcntl(s->rootfd, F_DUPFD_CLOEXEC, 0);
	if (have_openat2) {
		struct open_how how = {
			.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
			.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
				   RESOLVE_NO_MAGICLINKS,
		};

		fd = (int)syscall(SYS_openat2, s->rootfd, rel, &how, sizeof(how));
		if (fd >= 0 || errno != ENOSYS)
			return fd;
		have_openat2 = 0;
	}
	/* older kernels: one component at a time, never following links */
	{
		char *copy = strdup(rel), *save = NULL, *tok;
		int cur = fcntl(s->rootfd, F_DUPFD_CLOEXEC, 0);

		if (!copy) {
			errno = ENOMEM;
			return -1;
		}
		for (tok = strtok_r(copy, "/", &save); tok && cur >= 0;
		     tok = strtok_r(NULL, "/", &save)) {
			int next = openat(cur, tok, O_RDONLY | O_DIRECTORY |
					  O_NOFOLLOW | O_CLOEXEC);

			close(cur);
			cur = next;
		}
		free(copy);
		return cur;
	}
}

static void fail(struct rs *s, const char *dir, const char *name, int err)
{
	char path[PATH_MAX * 2];

	snprintf(path, sizeof(path), "%s%s%s", dir, *dir ? "/" : "", name);
	pthread_mutex_lock(&s->lock);
	if (!s->first_err)
		s->first_err = err;
	if (s->st)
		s->st->errors++;
	if (s->o->on_error)
		s->o->on_error(path, vlt_error_last(), s->o->err_data);
	pthread_mutex_unlock(&s->lock);
}

/* Make room for a new entry called name, if allowed. */
static int clear_slot(struct rs *s, int dirfd, const char *name, int want_dir)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 :
		       vlt_error_set(VLT_E_IO, "stat %s: %s", name, strerror(errno));
	if (want_dir && S_ISDIR(st.st_mode))
		return 0;
	if (!s->o->overwrite)
		return vlt_error_set(VLT_E_EXISTS, "%s already exists (use "
				     "--force to replace it)", name);
	if (S_ISDIR(st.st_mode)) {
		if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0)
			return vlt_error_set(VLT_E_IO, "cannot replace directory "
					     "%s: %s", name, strerror(errno));
		return 0;
	}
	if (want_dir && unlinkat(dirfd, name, 0) < 0)
		return vlt_error_set(VLT_E_IO, "unlink %s: %s", name,
				     strerror(errno));
	return 0;  /* files and links are replaced by rename/unlink later */
}

static int set_times(int dirfd, const char *name, int64_t sec, uint32_t nsec)
{
	struct timespec ts[2];

	ts[0].tv_sec = ts[1].tv_sec = (time_t)sec;
	ts[0].tv_nsec = ts[1].tv_nsec = nsec;
	if (utimensat(dirfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return vlt_error_set(VLT_E_IO, "set time of %s: %s", name,
				     strerror(errno));
	return 0;
}

/* Compute the file object id of what was written and compare. */
static int verify_fd(struct vlt_repo *r, int fd, const struct vlt_tree_entry *e)
{
	struct vlt_oid oid;

	if (lseek(fd, 0, SEEK_SET) < 0)
		return vlt_error_set(VLT_E_IO, "seek: %s", strerror(errno));
	VLT_TRY(vlt_file_from_fd(NULL, &r->idfn, &r->chunking, fd, e->name, &oid,
				 NULL, NULL));
	if (vlt_oid_cmp(&oid, &e->oid))
		return vlt_error_set(VLT_E_CORRUPT, "verification failed: the "
				     "written file does not match the snapshot");
	return 0;
}

static int write_file(struct rs *s, int dirfd, const struct vlt_tree_entry *e)
{
	char tmp[NAME_MAX + 1];
	struct timespec ts[2];
	int fd = -1, err;

	if ((err = clear_slot(s, dirfd, e->name, 0)) < 0)
		return err;
	if (snprintf(tmp, sizeof(tmp), ".%s.vault-tmp-%d", e->name,
		     (int)getpid()) >= (int)sizeof(tmp))
		snprintf(tmp, sizeof(tmp), ".vault-tmp-%d-%lx", (int)getpid(),
			 (unsigned long)pthread_self());
	unlinkat(dirfd, tmp, 0);
	fd = openat(dirfd, tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
	if (fd < 0)
		return vlt_error_set(VLT_E_IO, "create %s: %s", e->name,
				     strerror(errno));
	if ((err = vlt_file_object_write_fd(s->r, &e->oid, fd, e->name)) < 0)
		goto fail;
	if (s->o->verify && (err = verify_fd(s->r, fd, e)) < 0)
		goto fail;
	ts[0].tv_sec = ts[1].tv_sec = (time_t)e->mtime_sec;
	ts[0].tv_nsec = ts[1].tv_nsec = e->mtime_nsec;
	/* setuid/setgid are never restored: a hostile or careless snapshot
	 * restored as root must not create privileged programs */
	if (fchmod(fd, e->mode & 01777) < 0 || futimens(fd, ts) < 0) {
		err = vlt_error_set(VLT_E_IO, "set mode/time of %s: %s", e->name,
				    strerror(errno));
		goto fail;
	}
	if (close(fd) < 0) {
		fd = -1;
		err = vlt_error_set(VLT_E_IO, "close %s: %s", e->name,
				    strerror(errno));
		goto fail;
	}
	fd = -1;
	if (renameat(dirfd, tmp, dirfd, e->name) < 0) {
		err = vlt_error_set(VLT_E_IO, "rename %s: %s", e->name,
				    strerror(errno));
		goto fail;
	}
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlinkat(dirfd, tmp, 0);
	return err;
}

static void *file_worker(void *arg)
{
	struct rs *s = arg;

	for (;;) {
		struct fjob *j;
		size_t i;
		int dirfd, err;

		pthread_mutex_lock(&s->lock);
		i = s->next++;
		pthread_mutex_unlock(&s->lock);
		if (i >= s->njobs)
			break;
		j = &s->jobs[i];
		dirfd = open_beneath(s, j->dir);
		if (dirfd < 0) {
			err = vlt_error_set(VLT_E_UNSAFE, "cannot open directory "
					    "'%s' inside the target: %s", j->dir,
					    strerror(errno));
			fail(s, j->dir, j->e.name, err);
			continue;
		}
		err = write_file(s, dirfd, &j->e);
		close(dirfd);
		if (err < 0) {
			fail(s, j->dir, j->e.name, err);
			continue;
		}
		if (s->st) {
			pthread_mutex_lock(&s->lock);
			s->st->files++;
			s->st->bytes += j->e.size;
			pthread_mutex_unlock(&s->lock);
		}
	}
	return NULL;
}

static int add_job(struct rs *s, const char *dir, const struct vlt_tree_entry *e)
{
	struct fjob *j;

	VLT_TRY(VLT_ALLOC_GROW(s->jobs, s->njobs + 1, s->jobs_alloc));
	j = &s->jobs[s->njobs];
	j->e = *e;
	j->dir = strdup(dir);
	j->e.name = strdup(e->name);
	if (!j->dir || !j->e.name) {
		free(j->dir);
		free(j->e.name);
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	}
	s->njobs++;
	return 0;
}

static int add_dmeta(struct rs *s, const char *path,
		     const struct vlt_tree_entry *e)
{
	struct dmeta *d;

	VLT_TRY(VLT_ALLOC_GROW(s->dirs, s->ndirs + 1, s->dirs_alloc));
	d = &s->dirs[s->ndirs];
	if (!(d->path = strdup(path)))
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	d->mode = e->mode;
	d->msec = e->mtime_sec;
	d->mnsec = e->mtime_nsec;
	s->ndirs++;
	return 0;
}

static int make_symlink(struct rs *s, int dirfd, const struct vlt_tree_entry *e)
{
	struct vlt_buf target = VLT_BUF_INIT;
	int err;

	if ((err = vlt_odb_read_kind(s->r, &e->oid, VLT_OBJ_CHUNK, &target)) < 0)
		goto done;
	if (!target.len || memchr(target.data, '\0', target.len)) {
		err = vlt_error_set(VLT_E_CORRUPT, "bad symlink target");
		goto done;
	}
	if ((err = clear_slot(s, dirfd, e->name, 0)) < 0)
		goto done;
	if (s->o->overwrite)
		unlinkat(dirfd, e->name, 0);
	/* the link is data: nothing later resolves through it */
	if (symlinkat(target.data, dirfd, e->name) < 0) {
		err = vlt_error_set(VLT_E_IO, "symlink %s: %s", e->name,
				    strerror(errno));
		goto done;
	}
	err = set_times(dirfd, e->name, e->mtime_sec, e->mtime_nsec);
	if (!err && s->st)
		s->st->symlinks++;
done:
	vlt_buf_release(&target);
	return err;
}

/*
 * 1 if a ".git" entry would land on an existing one without --force. A
 * ".git" in a backup is a project's own repository and is restored like
 * any folder; written into a git working tree it would plant hooks there.
 */
static int git_dir_taken(struct rs *s, int dirfd)
{
	struct stat st;

	return !s->o->overwrite &&
	       fstatat(dirfd, ".git", &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* Walk one tree: dirs created now, links now, files queued. dirfd is the
 * directory the tree goes into, s->rel its path relative to the target. */
static int walk_tree(struct rs *s, int dirfd, const struct vlt_oid *oid,
		     int top, size_t depth)
{
	struct vlt_buf buf = VLT_BUF_INIT;
	struct vlt_tree t;
	size_t base = s->rel.len;
	int err;

	if ((err = vlt_tree_depth_check(depth, s->rel.data)) < 0)
		return err;
	vlt_tree_init(&t);
	if ((err = vlt_odb_read_kind(s->r, oid, VLT_OBJ_TREE, &buf)) < 0 ||
	    (err = vlt_tree_decode(buf.data, buf.len, &t)) < 0) {
		vlt_buf_release(&buf);
		return err;
	}
	vlt_buf_release(&buf);
	for (size_t i = 0; i < t.nr; i++) {
		const struct vlt_tree_entry *e = &t.entries[i];
		const char *here = s->rel.data ? s->rel.data : "";

		if (top && !strcmp(e->name, ".vault")) {
			fail(s, here, e->name, vlt_error_set(VLT_E_UNSAFE,
				"refusing to write a '.vault' entry"));
			continue;
		}
		if (vlt_name_is_dotgit(e->name) && (strcmp(e->name, ".git") ||
						  git_dir_taken(s, dirfd))) {
			fail(s, here, e->name, vlt_error_set(VLT_E_UNSAFE,
				strcmp(e->name, ".git") ?
				"refusing to write a name git takes for '.git' "
				"(a checkout could run its hooks)" :
				"refusing to write into an existing '.git' "
				"(a checkout could run its hooks); --force "
				"replaces it"));
			continue;
		}
		err = 0;
		switch (e->type) {
		case VLT_ENTRY_FILE:
			err = add_job(s, here, e);
			if (err == VLT_E_NOMEM)
				goto out;
			break;
		case VLT_ENTRY_SYMLINK:
			err = make_symlink(s, dirfd, e);
			break;
		case VLT_ENTRY_DIR: {
			int sub;

			if ((err = clear_slot(s, dirfd, e->name, 1)) < 0)
				break;
			if (mkdirat(dirfd, e->name, 0700) < 0 && errno != EEXIST) {
				err = vlt_error_set(VLT_E_IO, "mkdir %s: %s",
						    e->name, strerror(errno));
				break;
			}
			sub = openat(dirfd, e->name, O_RDONLY | O_DIRECTORY |
				     O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0) {
				err = vlt_error_set(VLT_E_UNSAFE, "open %s: %s",
						    e->name, strerror(errno));
				break;
			}
			/* owner must be able to write into it until the end */
			fchmod(sub, 0700);
			vlt_buf_addf(&s->rel, "%s%s", base ? "/" : "", e->name);
			err = add_dmeta(s, s->rel.data, e);
			if (!err)
				err = walk_tree(s, sub, &e->oid, 0, depth + 1);
			vlt_buf_setlen(&s->rel, base);
			close(sub);
			if (!err && s->st)
				s->st->dirs++;
			break;
		}
		}
		if (err < 0)
			fail(s, s->rel.data ? s->rel.data : "", e->name, err);
	}
	err = 0;
out:
	vlt_tree_release(&t);
	return err;
}

/* Create the directories of rel (relative, '/'-separated) below the
 * target, never following a symlink; return an fd of the last one. */
static int mkdir_beneath(struct rs *s, const char *rel)
{
	char *copy = strdup(rel), *save = NULL, *tok;
	int cur = fcntl(s->rootfd, F_DUPFD_CLOEXEC, 0);

	if (!copy) {
		if (cur >= 0)
			close(cur);
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	}
	for (tok = strtok_r(copy, "/", &save); tok && cur >= 0;
	     tok = strtok_r(NULL, "/", &save)) {
		int next;

		if (!vlt_tree_name_valid(tok, strlen(tok))) {
			close(cur);
			cur = -1;
			errno = EINVAL;
			break;
		}
		mkdirat(cur, tok, 0755);
		next = openat(cur, tok, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			      O_CLOEXEC);
		close(cur);
		cur = next;
	}
	free(copy);
	if (cur < 0)
		return vlt_error_set(VLT_E_UNSAFE, "cannot create '%s' inside the "
				     "target: %s", rel, strerror(errno));
	return cur;
}

/* Restore one selected path of the tree at the same relative path. */
static int restore_path(struct rs *s, const struct vlt_oid *tree,
			const char *path)
{
	struct vlt_tree_entry e;
	struct vlt_buf parent = VLT_BUF_INIT;
	const char *slash;
	int dirfd, err;

	while (*path == '/')
		path++;
	if ((err = vlt_tree_lookup_path(s->r, tree, path, &e)) < 0)
		return err;
	if (!*e.name) {  /* "" or "/": the whole tree */
		free(e.name);
		vlt_buf_reset(&s->rel);
		dirfd = fcntl(s->rootfd, F_DUPFD_CLOEXEC, 0);
		err = walk_tree(s, dirfd, tree, 1, 0);
		close(dirfd);
		return err;
	}
	/* the parent path, without trailing slashes (e.name is the last part) */
	vlt_buf_adds(&parent, path);
	while (parent.len && parent.data[parent.len - 1] == '/')
		vlt_buf_setlen(&parent, parent.len - 1);
	slash = memrchr(parent.data, '/', parent.len);
	vlt_buf_setlen(&parent, slash ? (size_t)(slash - parent.data) : 0);
	if ((dirfd = mkdir_beneath(s, parent.data ? parent.data : "")) < 0) {
		err = dirfd;
		goto done;
	}
	vlt_buf_reset(&s->rel);
	vlt_buf_adds(&s->rel, parent.data ? parent.data : "");
	if (e.type == VLT_ENTRY_FILE) {
		err = add_job(s, s->rel.data ? s->rel.data : "", &e);
	} else if (e.type == VLT_ENTRY_SYMLINK) {
		err = make_symlink(s, dirfd, &e);
	} else {
		int sub;

		mkdirat(dirfd, e.name, 0700);
		sub = openat(dirfd, e.name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			     O_CLOEXEC);
		if (sub < 0) {
			err = vlt_error_set(VLT_E_UNSAFE, "open %s: %s", e.name,
					    strerror(errno));
		} else {
			size_t b = s->rel.len;

			vlt_buf_addf(&s->rel, "%s%s", b ? "/" : "", e.name);
			err = add_dmeta(s, s->rel.data, &e);
			if (!err)
				err = walk_tree(s, sub, &e.oid, 0, 1);
			vlt_buf_setlen(&s->rel, b);
			close(sub);
		}
	}
	close(dirfd);
done:
	free(e.name);
	vlt_buf_release(&parent);
	return err;
}

int vlt_restore(struct vlt_repo *r, const struct vlt_oid *tree,
		const char *dir, const struct vlt_restore_opts *o,
		struct vlt_checkout_stats *stats)
{
	struct rs s;
	struct vlt_buf buf = VLT_BUF_INIT;
	struct vlt_tree t;
	pthread_t *th = NULL;
	int nthreads, started = 0, err;

	memset(&s, 0, sizeof(s));
	s.r = r;
	s.o = o;
	s.st = stats;
	s.rootfd = -1;
	pthread_mutex_init(&s.lock, NULL);

	/* the top tree must be readable, else nothing is written */
	vlt_tree_init(&t);
	if ((err = vlt_odb_read_kind(r, tree, VLT_OBJ_TREE, &buf)) < 0 ||
	    (err = vlt_tree_decode(buf.data, buf.len, &t)) < 0)
		goto done;
	if ((err = vlt_mkdir_p(dir, 0755)) < 0)
		goto done;
	s.rootfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s.rootfd < 0) {
		err = vlt_error_set(VLT_E_IO, "open %s: %s", dir, strerror(errno));
		goto done;
	}
	if (o->paths && o->paths[0]) {
		for (const char *const *p = o->paths; *p; p++)
			if ((err = restore_path(&s, tree, *p)) < 0)
				fail(&s, "", *p, err);
	} else {
		int fd = fcntl(s.rootfd, F_DUPFD_CLOEXEC, 0);

		err = walk_tree(&s, fd, tree, 1, 0);
		close(fd);
		if (err < 0)
			goto done;
	}

	nthreads = o->threads > 0 ? o->threads :
		   (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (nthreads < 1)
		nthreads = 1;
	if ((size_t)nthreads > s.njobs)
		nthreads = s.njobs ? (int)s.njobs : 1;
	th = calloc((size_t)nthreads, sizeof(*th));
	if (!th) {
		err = vlt_error_set(VLT_E_NOMEM, "out of memory");
		goto done;
	}
	for (; started < nthreads; started++)
		if (pthread_create(&th[started], NULL, file_worker, &s) != 0)
			break;
	if (!started)
		file_worker(&s);
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);

	/* directory modes and times last, deepest first */
	for (size_t i = s.ndirs; i-- > 0;) {
		struct dmeta *d = &s.dirs[i];
		char *slash = strrchr(d->path, '/');
		const char *name = slash ? slash + 1 : d->path;
		int pfd;

		if (slash)
			*slash = '\0';
		pfd = open_beneath(&s, slash ? d->path : "");
		if (slash)
			*slash = '/';
		if (pfd < 0)
			continue;
		if (fchmodat(pfd, name, d->mode & 01777, 0) < 0 ||
		    set_times(pfd, name, d->msec, d->mnsec) < 0) {
			vlt_error_set(VLT_E_IO, "set mode/time: %s", strerror(errno));
			fail(&s, "", d->path, VLT_E_IO);
		}
		close(pfd);
	}
	err = 0;
	if (s.first_err)
		err = vlt_error_set(s.first_err, "some entries could not be "
				    "restored");
done:
	vlt_tree_release(&t);
	vlt_buf_release(&buf);
	free(th);
	for (size_t i = 0; i < s.njobs; i++) {
		free(s.jobs[i].dir);
		free(s.jobs[i].e.name);
	}
	free(s.jobs);
	for (size_t i = 0; i < s.ndirs; i++)
		free(s.dirs[i].path);
	free(s.dirs);
	vlt_buf_release(&s.rel);
	if (s.rootfd >= 0)
		close(s.rootfd);
	pthread_mutex_destroy(&s.lock);
	return err;
}
