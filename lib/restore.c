/*
 * restore.c - parallel, confined restore of trees (see restore.h).
 */
#include <dirent.h>
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
#include "fileobj.h"
#include "fsutil.h"
#include "odb.h"
#include "pool.h"
#include "restore.h"
#include "revparse.h"
#include "tree.h"

/*
 * What the planning pass decided for one entry. Directories, links and
 * in-place metadata fixes are done in tree order by one thread, files by
 * the workers.
 */
enum act_kind {
	ACT_PARENTS,                 /* create the folders of dir (a PATH's) */
	ACT_DIR,                     /* create (or reuse) folder e.name */
	ACT_LINK,                    /* create link e.name */
	ACT_FILE,                    /* write file e.name */
	ACT_META,                    /* file e.name has the right content:
				      * set mode and mtime only */
};

enum replace {
	REPLACE_NONE,                /* nothing there (RENAME_NOREPLACE) */
	REPLACE_ENTRY,               /* a file or link: renamed over */
	REPLACE_EMPTY_DIR,           /* an empty folder: removed first */
};

struct fjob {
	char *dir;                   /* parent directory, relative ("" top) */
	struct vlt_tree_entry e;     /* e.name owned */
	enum act_kind kind;
	enum replace replace;
	int done;                    /* ACT_DIR: created, its meta to set */
};

struct rs {
	struct vlt_repo *r;
	const struct vlt_restore_opts *o;
	struct vlt_checkout_stats *st;
	int rootfd;                  /* -1 while planning a missing target */
	struct fjob *jobs;           /* ACT_FILE */
	size_t njobs, jobs_alloc;
	struct fjob *pre;            /* the other actions, in tree order */
	size_t npre, pre_alloc;
	struct vlt_strlist failed;   /* folders that could not be created */
	struct vlt_buf rel;
	pthread_mutex_t lock;
	int first_err;
	uint64_t conflicts;
	size_t depth;                /* of the tree being planned (top: 0) */
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

/* A planning failure: reported, and then nothing is written. */
static void conflict(struct rs *s, const char *dir, const char *name, int err)
{
	s->conflicts++;
	if (s->st)
		s->st->conflicts++;
	fail(s, dir, name, err);
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

struct id_want {
	struct vlt_repo *r;
	const struct vlt_oid *oid;  /* this id, or NULL: any id stored */
};

static int id_wanted(const struct vlt_oid *oid, void *data)
{
	const struct id_want *w = data;

	if (w->oid)
		return !vlt_oid_cmp(oid, w->oid);
	return vlt_odb_has_live(w->r, oid);
}

/* Compute the file object id of what was written and compare. */
static int verify_fd(struct vlt_repo *r, int fd, const struct vlt_tree_entry *e)
{
	struct vlt_oid oid;

	struct id_want w = { r, &e->oid };

	/* any chunker: the path's attributes may have chosen another one */
	VLT_TRY(vlt_file_id_fd_any(&r->idfn, &r->chunking, fd, e->name,
				   id_wanted, &w, &oid));
	if (vlt_oid_cmp(&oid, &e->oid))
		return vlt_error_set(VLT_E_CORRUPT, "verification failed: the "
				     "written file does not match the snapshot");
	return 0;
}

/* A temporary name next to name: NAME.tmp-PID-RAND, or a short one. */
static int tmp_name(char *buf, size_t n, const char *name)
{
	unsigned char rnd[4];

	VLT_TRY(vlt_random_bytes(rnd, sizeof(rnd)));
	if (snprintf(buf, n, "%s.tmp-%d-%02x%02x%02x%02x", name, (int)getpid(),
		     rnd[0], rnd[1], rnd[2], rnd[3]) >= (int)n)
		snprintf(buf, n, ".vault.tmp-%d-%02x%02x%02x%02x", (int)getpid(),
			 rnd[0], rnd[1], rnd[2], rnd[3]);
	return 0;
}

/*
 * Move tmp to name: over what is there only when the plan said so (a
 * file or link it checked), else never over anything, so that an entry
 * appearing in the target during the restore is not lost either.
 */
static int put_in_place(int dirfd, const char *tmp, const char *name,
			enum replace replace)
{
	if (replace == REPLACE_EMPTY_DIR && unlinkat(dirfd, name, AT_REMOVEDIR) < 0 &&
	    errno != ENOENT)
		return vlt_error_set(VLT_E_IO, "cannot replace folder %s: %s",
				     name, strerror(errno));
	if (replace == REPLACE_ENTRY) {
		if (renameat(dirfd, tmp, dirfd, name) < 0)
			return vlt_error_set(VLT_E_IO, "rename %s: %s", name,
					     strerror(errno));
		return 0;
	}
	if (renameat2(dirfd, tmp, dirfd, name, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno == EEXIST)
		return vlt_error_set(VLT_E_EXISTS, "%s appeared in the target "
				     "during the restore; left as it is", name);
	if (errno != EINVAL && errno != ENOSYS)
		return vlt_error_set(VLT_E_IO, "rename %s: %s", name,
				     strerror(errno));
	/* a file system without RENAME_NOREPLACE: link, then unlink */
	if (linkat(dirfd, tmp, dirfd, name, 0) < 0)
		return vlt_error_set(errno == EEXIST ? VLT_E_EXISTS : VLT_E_IO,
				     "create %s: %s", name, strerror(errno));
	unlinkat(dirfd, tmp, 0);
	return 0;
}

static int write_file(struct rs *s, int dirfd, const struct fjob *j,
		      uint64_t *holes)
{
	const struct vlt_tree_entry *e = &j->e;
	char tmp[NAME_MAX + 1];
	struct timespec ts[2];
	int fd = -1, err;

	if ((err = tmp_name(tmp, sizeof(tmp), e->name)) < 0)
		return err;
	fd = openat(dirfd, tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
	if (fd < 0)
		return vlt_error_set(VLT_E_IO, "create %s: %s", e->name,
				     strerror(errno));
	if ((err = vlt_file_object_write_sparse(s->r, &e->oid, fd, e->name,
						holes)) < 0)
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
	if ((err = put_in_place(dirfd, tmp, e->name, j->replace)) < 0)
		goto fail;
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlinkat(dirfd, tmp, 0);
	return err;
}

/* Whether an action's folder is one that could not be created (its
 * failure was reported once; what is below it is not reported again). */
static int under_failed(struct rs *s, const char *dir)
{
	int hit = 0;

	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->failed.nr && !hit; i++) {
		size_t n = strlen(s->failed.v[i]);

		hit = !strncmp(dir, s->failed.v[i], n) &&
		      (dir[n] == '\0' || dir[n] == '/');
	}
	pthread_mutex_unlock(&s->lock);
	return hit;
}

/* Write file job i (on a pool thread): a failure is reported and
 * counted by fail(), so the other files still go on. */
static int file_one(void *arg, size_t i)
{
	struct rs *s = arg;
	struct fjob *j = &s->jobs[i];
	uint64_t holes = 0;
	int dirfd, err;

	if (under_failed(s, j->dir))
		return 0;
	dirfd = open_beneath(s, j->dir);
	if (dirfd < 0) {
		err = vlt_error_set(VLT_E_UNSAFE, "cannot open directory "
				    "'%s' inside the target: %s", j->dir,
				    strerror(errno));
		fail(s, j->dir, j->e.name, err);
		return 0;
	}
	err = write_file(s, dirfd, j, &holes);
	close(dirfd);
	if (err < 0) {
		fail(s, j->dir, j->e.name, err);
		return 0;
	}
	if (s->st) {
		pthread_mutex_lock(&s->lock);
		s->st->files++;
		s->st->bytes += j->e.size;
		s->st->holes += holes;
		pthread_mutex_unlock(&s->lock);
	}
	return 0;
}

static int add_action(struct rs *s, enum act_kind kind, const char *dir,
		      const struct vlt_tree_entry *e, enum replace replace)
{
	struct fjob *j;

	if (kind == ACT_FILE) {
		VLT_TRY(VLT_ALLOC_GROW(s->jobs, s->njobs + 1, s->jobs_alloc));
		j = &s->jobs[s->njobs];
	} else {
		VLT_TRY(VLT_ALLOC_GROW(s->pre, s->npre + 1, s->pre_alloc));
		j = &s->pre[s->npre];
	}
	memset(j, 0, sizeof(*j));
	if (e)
		j->e = *e;
	j->kind = kind;
	j->replace = replace;
	j->dir = strdup(dir);
	j->e.name = strdup(e ? e->name : "");
	if (!j->dir || !j->e.name) {
		free(j->dir);
		free(j->e.name);
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	}
	if (kind == ACT_FILE)
		s->njobs++;
	else
		s->npre++;
	return 0;
}

/* --- planning: look, compare, decide; write nothing ------------------ */

/*
 * The file object id the content of an open file would have: the id
 * `want` names (or, want NULL, one the repository has) if any chunker
 * cuts it so (a path's .vaultattributes may have chosen another chunker
 * than the repository's), else the id under the repository's chunker.
 */
static int local_file_id(struct rs *s, int fd, const char *name,
			 const struct vlt_oid *want, struct vlt_oid *oid)
{
	struct id_want w = { s->r, want };

	return vlt_file_id_fd_any(&s->r->idfn, &s->r->chunking, fd, name,
				  id_wanted, &w, oid);
}

/* A link's target as the chunk id the tree would name it by. */
static int local_link_id(struct rs *s, int dirfd, const char *name,
			 struct vlt_oid *oid)
{
	char target[PATH_MAX];
	ssize_t n = readlinkat(dirfd, name, target, sizeof(target));

	if (n < 0)
		return vlt_error_set(VLT_E_IO, "readlink %s: %s", name,
				     strerror(errno));
	return vlt_object_id(&s->r->idfn, VLT_OBJ_CHUNK, target, (size_t)n, oid);
}

/*
 * 1 when the regular file name holds exactly the content of e (same size
 * and file object id), 0 when not; *id gets its id when it was computed
 * (*have_id set), so that the saved-check need not read it again.
 */
static int same_file(struct rs *s, int dirfd, const char *name,
		     const struct stat *st, const struct vlt_tree_entry *e,
		     struct vlt_oid *id, int *have_id)
{
	int fd, err;

	*have_id = 0;
	if ((uint64_t)st->st_size != e->size)
		return 0;
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return vlt_error_set(VLT_E_IO, "open %s: %s", name,
				     strerror(errno));
	err = local_file_id(s, fd, name, &e->oid, id);
	close(fd);
	if (err < 0)
		return err;
	*have_id = 1;
	return !vlt_oid_cmp(id, &e->oid);
}

/*
 * May the entry name (st), which the tree would replace, be replaced?
 * Without overwrite, no. With it, when what it holds can be had again
 * from the repository: a file whose file object, or a link whose target
 * chunk, is in the repository (not in a pack gc is deleting), an empty
 * folder, or something with no content (a FIFO, a socket); anything with
 * discard_changes. 0 when it may; otherwise the conflict is reported.
 */
static int may_replace(struct rs *s, int dirfd, const char *here,
		       const char *name, const struct stat *st,
		       const struct vlt_oid *known_id)
{
	struct vlt_oid id;
	int err, saved = 1;

	if (!s->o->overwrite) {
		conflict(s, here, name, vlt_error_set(VLT_E_EXISTS, "%s already "
			 "exists (use --force to replace it)", name));
		return -1;
	}
	if (S_ISDIR(st->st_mode)) {
		/* a folder is replaced only when empty, even when discarding:
		 * what is in it is not named by the snapshot */
		int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
				O_CLOEXEC);
		DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
		struct dirent *de;
		int empty = 1;

		if (!d) {
			if (fd >= 0)
				close(fd);
			conflict(s, here, name, vlt_error_set(VLT_E_IO, "open %s: "
				 "%s", name, strerror(errno)));
			return -1;
		}
		while ((de = readdir(d)) != NULL && empty)
			empty = !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..");
		closedir(d);
		if (!empty) {
			conflict(s, here, name, vlt_error_set(VLT_E_EXISTS, "a folder "
				 "with files in it is where the snapshot has a %s; "
				 "move it away first", "file or link"));
			return -1;
		}
		return 0;
	}
	if (s->o->discard_changes)
		return 0;
	if (S_ISREG(st->st_mode)) {
		if (known_id && vlt_odb_has_live(s->r, known_id) == 1) {
			id = *known_id;
		} else {
			int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW |
					O_CLOEXEC);

			if (fd < 0) {
				conflict(s, here, name, vlt_error_set(VLT_E_IO,
					 "open %s: %s", name, strerror(errno)));
				return -1;
			}
			err = local_file_id(s, fd, name, NULL, &id);
			close(fd);
			if (err < 0) {
				conflict(s, here, name, err);
				return -1;
			}
		}
		saved = vlt_odb_has_live(s->r, &id);
	} else if (S_ISLNK(st->st_mode)) {
		if ((err = local_link_id(s, dirfd, name, &id)) < 0) {
			conflict(s, here, name, err);
			return -1;
		}
		saved = vlt_odb_has_live(s->r, &id);
	}
	if (saved < 0) {
		conflict(s, here, name, saved);
		return -1;
	}
	if (!saved) {
		conflict(s, here, name, vlt_error_set(VLT_E_CONFLICT, "local "
			 "changes are in no snapshot; back them up first or use "
			 "--discard-changes"));
		return -1;
	}
	return 0;
}

static int plan_tree(struct rs *s, int dirfd, const struct vlt_oid *oid,
		     int top);

/*
 * 1 if a ".git" entry would land on an existing one without --force. A
 * ".git" in a backup is a project's own repository and is restored like
 * any folder; written into a git working tree it would plant hooks there.
 */
static int git_dir_taken(struct rs *s, int dirfd)
{
	struct stat st;

	return !s->o->overwrite && dirfd >= 0 &&
	       fstatat(dirfd, ".git", &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/*
 * Plan one entry e of the folder s->rel, open as dirfd (-1: that folder
 * does not exist yet, so neither does e). Conflicts are reported and
 * counted; the return value is only for errors that stop the planning.
 */
static int plan_entry(struct rs *s, int dirfd, const struct vlt_tree_entry *e)
{
	const char *here = s->rel.data ? s->rel.data : "";
	struct stat st;
	int exists = 0, err = 0;

	if (dirfd >= 0) {
		if (fstatat(dirfd, e->name, &st, AT_SYMLINK_NOFOLLOW) == 0)
			exists = 1;
		else if (errno != ENOENT) {
			conflict(s, here, e->name, vlt_error_set(VLT_E_IO, "stat "
				 "%s: %s", e->name, strerror(errno)));
			return 0;
		}
	}
	switch (e->type) {
	case VLT_ENTRY_FILE: {
		struct vlt_oid id;
		int have_id = 0, same;

		if (!exists)
			return add_action(s, ACT_FILE, here, e, REPLACE_NONE);
		if (S_ISREG(st.st_mode)) {
			same = same_file(s, dirfd, e->name, &st, e, &id, &have_id);
			if (same < 0) {
				conflict(s, here, e->name, same);
				return 0;
			}
			if (same) {
				if (s->st)
					s->st->unchanged++;
				if ((st.st_mode & 07777) == (e->mode & 01777) &&
				    st.st_mtim.tv_sec == e->mtime_sec &&
				    (uint32_t)st.st_mtim.tv_nsec == e->mtime_nsec)
					return 0;
				return add_action(s, ACT_META, here, e, REPLACE_NONE);
			}
		}
		if (may_replace(s, dirfd, here, e->name, &st,
				have_id ? &id : NULL) < 0)
			return 0;
		return add_action(s, ACT_FILE, here, e, S_ISDIR(st.st_mode) ?
				  REPLACE_EMPTY_DIR : REPLACE_ENTRY);
	}
	case VLT_ENTRY_SYMLINK: {
		struct vlt_oid id;

		if (!exists)
			return add_action(s, ACT_LINK, here, e, REPLACE_NONE);
		if (S_ISLNK(st.st_mode) &&
		    local_link_id(s, dirfd, e->name, &id) == 0 &&
		    !vlt_oid_cmp(&id, &e->oid)) {
			if (s->st)
				s->st->unchanged++;
			return 0;
		}
		vlt_error_clear();
		if (may_replace(s, dirfd, here, e->name, &st, NULL) < 0)
			return 0;
		return add_action(s, ACT_LINK, here, e, S_ISDIR(st.st_mode) ?
				  REPLACE_EMPTY_DIR : REPLACE_ENTRY);
	}
	case VLT_ENTRY_DIR: {
		size_t base = s->rel.len;
		int sub = -1;

		if (exists && S_ISDIR(st.st_mode)) {
			sub = openat(dirfd, e->name, O_RDONLY | O_DIRECTORY |
				     O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0) {
				conflict(s, here, e->name, vlt_error_set(VLT_E_UNSAFE,
					 "open %s: %s", e->name, strerror(errno)));
				return 0;
			}
		} else if (exists) {
			/* a file or link where the snapshot has a folder */
			if (may_replace(s, dirfd, here, e->name, &st, NULL) < 0)
				return 0;
		}
		if ((err = add_action(s, ACT_DIR, here, e, exists && sub < 0 ?
				      REPLACE_ENTRY : REPLACE_NONE)) < 0) {
			if (sub >= 0)
				close(sub);
			return err;
		}
		vlt_buf_addf(&s->rel, "%s%s", base ? "/" : "", e->name);
		s->depth++;
		err = plan_tree(s, sub, &e->oid, 0);
		s->depth--;
		vlt_buf_setlen(&s->rel, base);
		if (sub >= 0)
			close(sub);
		if (err < 0 && err != VLT_E_NOMEM) {
			/* an unreadable folder listing is damage, not a
			 * conflict: reported, the rest is restored */
			fail(s, here, e->name, err);
			err = 0;
		}
		return err;
	}
	}
	return 0;
}

/* Plan a tree into the folder s->rel (dirfd, or -1 when it is missing). */
static int plan_tree(struct rs *s, int dirfd, const struct vlt_oid *oid,
		     int top)
{
	struct vlt_buf buf = VLT_BUF_INIT;
	struct vlt_tree t;
	int err;

	if ((err = vlt_tree_depth_check(s->depth, s->rel.data)) < 0)
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
		if ((err = plan_entry(s, dirfd, e)) < 0)
			break;
	}
	vlt_tree_release(&t);
	return err;
}

/*
 * The existing folder rel below the target, without creating anything:
 * an fd of it, -1 with *missing set when some part of it does not exist
 * yet, or an error when a part is not a folder (a file, a symlink).
 */
static int probe_beneath(struct rs *s, const char *rel, int *missing)
{
	char *copy, *save = NULL, *tok;
	int cur;

	*missing = 0;
	if (s->rootfd < 0) {
		*missing = 1;
		return -1;
	}
	if (!(copy = strdup(rel)))
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	cur = fcntl(s->rootfd, F_DUPFD_CLOEXEC, 0);
	for (tok = strtok_r(copy, "/", &save); tok && cur >= 0;
	     tok = strtok_r(NULL, "/", &save)) {
		int next;

		if (!vlt_tree_name_valid(tok, strlen(tok))) {
			close(cur);
			free(copy);
			return vlt_error_set(VLT_E_UNSAFE, "'%s' is not a valid "
					     "path inside the target", rel);
		}
		next = openat(cur, tok, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			      O_CLOEXEC);
		if (next < 0 && errno == ENOENT) {
			close(cur);
			free(copy);
			*missing = 1;
			return -1;
		}
		close(cur);
		cur = next;
	}
	free(copy);
	if (cur < 0)
		return vlt_error_set(VLT_E_UNSAFE, "cannot create '%s' inside the "
				     "target: %s", rel, strerror(errno));
	return cur;
}

/* Plan one selected path of the tree, at the same relative path. */
static int plan_path(struct rs *s, const struct vlt_oid *tree, const char *path)
{
	struct vlt_tree_entry e;
	struct vlt_buf parent = VLT_BUF_INIT;
	const char *slash;
	int dirfd, missing, err;

	while (*path == '/')
		path++;
	if ((err = vlt_tree_lookup_path(s->r, tree, path, &e)) < 0)
		return err;
	vlt_buf_reset(&s->rel);
	if (!*e.name) {  /* "" or "/": the whole tree */
		free(e.name);
		dirfd = s->rootfd >= 0 ? fcntl(s->rootfd, F_DUPFD_CLOEXEC, 0) : -1;
		err = plan_tree(s, dirfd, tree, 1);
		if (dirfd >= 0)
			close(dirfd);
		return err;
	}
	/* the parent path, without trailing slashes (e.name is the last part) */
	vlt_buf_adds(&parent, path);
	while (parent.len && parent.data[parent.len - 1] == '/')
		vlt_buf_setlen(&parent, parent.len - 1);
	slash = memrchr(parent.data, '/', parent.len);
	vlt_buf_setlen(&parent, slash ? (size_t)(slash - parent.data) : 0);
	dirfd = probe_beneath(s, parent.data ? parent.data : "", &missing);
	if (dirfd < 0 && !missing) {
		err = dirfd;
		goto done;
	}
	if (!parent.len && !strcmp(e.name, ".vault")) {
		fail(s, "", e.name, vlt_error_set(VLT_E_UNSAFE,
			"refusing to write a '.vault' entry"));
		goto done;
	}
	vlt_buf_adds(&s->rel, parent.data ? parent.data : "");
	if ((err = add_action(s, ACT_PARENTS, s->rel.data ? s->rel.data : "",
			      NULL, REPLACE_NONE)) == 0)
		err = plan_entry(s, dirfd, &e);
	if (dirfd >= 0)
		close(dirfd);
done:
	free(e.name);
	vlt_buf_release(&parent);
	return err;
}

/* --- doing it -------------------------------------------------------- */

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

static int do_dir(int dirfd, const struct fjob *j)
{
	const char *name = j->e.name;
	int sub;

	if (j->replace == REPLACE_ENTRY && unlinkat(dirfd, name, 0) < 0 &&
	    errno != ENOENT)
		return vlt_error_set(VLT_E_IO, "unlink %s: %s", name,
				     strerror(errno));
	if (mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST)
		return vlt_error_set(VLT_E_IO, "mkdir %s: %s", name,
				     strerror(errno));
	sub = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sub < 0)
		return vlt_error_set(VLT_E_UNSAFE, "open %s: %s", name,
				     strerror(errno));
	/* owner must be able to write into it until the end */
	if (fchmod(sub, 0700) < 0) {
		close(sub);
		return vlt_error_set(VLT_E_IO, "chmod %s: %s", name,
				     strerror(errno));
	}
	close(sub);
	return 0;
}

static int do_link(struct rs *s, int dirfd, const struct fjob *j)
{
	const struct vlt_tree_entry *e = &j->e;
	struct vlt_buf target = VLT_BUF_INIT;
	char tmp[NAME_MAX + 1];
	int err;

	if ((err = vlt_odb_read_kind(s->r, &e->oid, VLT_OBJ_CHUNK, &target)) < 0)
		goto done;
	if (!target.len || memchr(target.data, '\0', target.len)) {
		err = vlt_error_set(VLT_E_CORRUPT, "bad symlink target");
		goto done;
	}
	if ((err = vlt_buf_addch(&target, '\0')) < 0 ||
	    (err = tmp_name(tmp, sizeof(tmp), e->name)) < 0)
		goto done;
	/* the link is data: nothing later resolves through it */
	if (symlinkat(target.data, dirfd, tmp) < 0) {
		err = vlt_error_set(VLT_E_IO, "symlink %s: %s", e->name,
				    strerror(errno));
		goto done;
	}
	if ((err = set_times(dirfd, tmp, e->mtime_sec, e->mtime_nsec)) < 0 ||
	    (err = put_in_place(dirfd, tmp, e->name, j->replace)) < 0) {
		unlinkat(dirfd, tmp, 0);
		goto done;
	}
	if (s->st)
		s->st->symlinks++;
done:
	vlt_buf_release(&target);
	return err;
}

static int do_meta(int dirfd, const struct fjob *j)
{
	if (fchmodat(dirfd, j->e.name, j->e.mode & 01777, 0) < 0)
		return vlt_error_set(VLT_E_IO, "chmod %s: %s", j->e.name,
				     strerror(errno));
	return set_times(dirfd, j->e.name, j->e.mtime_sec, j->e.mtime_nsec);
}

static void note_failed(struct rs *s, const struct fjob *j)
{
	struct vlt_buf p = VLT_BUF_INIT;

	vlt_buf_addf(&p, "%s%s%s", j->dir, *j->dir && *j->e.name ? "/" : "",
		     j->e.name);
	if (p.data) {
		pthread_mutex_lock(&s->lock);
		vlt_strlist_add(&s->failed, p.data);
		pthread_mutex_unlock(&s->lock);
	}
	vlt_buf_release(&p);
}

/* Folders, links and metadata fixes, in tree order (parents first). */
static void run_pre(struct rs *s)
{
	for (size_t i = 0; i < s->npre; i++) {
		struct fjob *j = &s->pre[i];
		int dirfd, err;

		if (under_failed(s, j->dir))
			continue;
		if (j->kind == ACT_PARENTS) {
			dirfd = mkdir_beneath(s, j->dir);
			if (dirfd < 0) {
				fail(s, j->dir, "", dirfd);
				note_failed(s, j);
			} else {
				close(dirfd);
			}
			continue;
		}
		dirfd = open_beneath(s, j->dir);
		if (dirfd < 0) {
			err = vlt_error_set(VLT_E_UNSAFE, "cannot open directory "
					    "'%s' inside the target: %s", j->dir,
					    strerror(errno));
		} else {
			err = j->kind == ACT_DIR ? do_dir(dirfd, j) :
			      j->kind == ACT_LINK ? do_link(s, dirfd, j) :
			      do_meta(dirfd, j);
			close(dirfd);
		}
		if (err < 0) {
			fail(s, j->dir, j->e.name, err);
			if (j->kind == ACT_DIR)
				note_failed(s, j);
			continue;
		}
		if (j->kind == ACT_DIR) {
			j->done = 1;
			if (s->st)
				s->st->dirs++;
		}
	}
}

/* Folder modes and times last, deepest first (reverse tree order). */
static void set_dir_meta(struct rs *s)
{
	for (size_t i = s->npre; i-- > 0;) {
		struct fjob *j = &s->pre[i];
		int pfd;

		if (j->kind != ACT_DIR || !j->done)
			continue;
		pfd = open_beneath(s, j->dir);
		if (pfd < 0)
			continue;
		if (fchmodat(pfd, j->e.name, j->e.mode & 01777, 0) < 0 ||
		    set_times(pfd, j->e.name, j->e.mtime_sec, j->e.mtime_nsec) < 0) {
			vlt_error_set(VLT_E_IO, "set mode/time: %s", strerror(errno));
			fail(s, j->dir, j->e.name, VLT_E_IO);
		}
		close(pfd);
	}
}

static void free_actions(struct fjob *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].dir);
		free(v[i].e.name);
	}
	free(v);
}

int vlt_restore(struct vlt_repo *r, const struct vlt_oid *tree,
		const char *dir, const struct vlt_restore_opts *o,
		struct vlt_checkout_stats *stats)
{
	struct rs s;
	struct vlt_buf buf = VLT_BUF_INIT;
	struct vlt_tree t;
	int err;

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
	s.rootfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s.rootfd < 0 && errno != ENOENT) {
		err = vlt_error_set(VLT_E_IO, "open %s: %s", dir, strerror(errno));
		goto done;
	}

	/* plan everything before writing anything */
	if (o->paths && o->paths[0]) {
		for (const char *const *p = o->paths; *p; p++)
			if ((err = plan_path(&s, tree, *p)) < 0) {
				if (err == VLT_E_NOMEM)
					goto done;
				conflict(&s, "", *p, err);
			}
	} else {
		int fd = s.rootfd >= 0 ? fcntl(s.rootfd, F_DUPFD_CLOEXEC, 0) : -1;

		vlt_buf_reset(&s.rel);
		err = plan_tree(&s, fd, tree, 1);
		if (fd >= 0)
			close(fd);
		if (err < 0)
			goto done;
	}
	if (s.conflicts) {
		err = vlt_error_set(VLT_E_EXISTS, "%llu %s with what is in %s; "
				    "nothing was written",
				    (unsigned long long)s.conflicts,
				    s.conflicts == 1 ? "entry conflicts" :
				    "entries conflict", dir);
		goto done;
	}

	if (s.rootfd < 0) {
		if ((err = vlt_mkdir_p(dir, 0755)) < 0)
			goto done;
		s.rootfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (s.rootfd < 0) {
			err = vlt_error_set(VLT_E_IO, "open %s: %s", dir,
					    strerror(errno));
			goto done;
		}
	}
	run_pre(&s);

	/* file_one() reports each failure itself and goes on */
	if ((err = vlt_pool_for(vlt_pool_threads(o->threads, 0), s.njobs,
				file_one, &s)) < 0)
		goto done;

	set_dir_meta(&s);
	err = 0;
	if (s.first_err)
		err = vlt_error_set(s.first_err, "some entries could not be "
				    "restored");
done:
	vlt_tree_release(&t);
	vlt_buf_release(&buf);
	free_actions(s.jobs, s.njobs);
	free_actions(s.pre, s.npre);
	vlt_strlist_release(&s.failed);
	vlt_buf_release(&s.rel);
	if (s.rootfd >= 0)
		close(s.rootfd);
	pthread_mutex_destroy(&s.lock);
	return err;
}

int vlt_worktree_checkout(struct vlt_repo *r, const struct vlt_oid *tree,
			  const char *dir, const struct vlt_checkout_opts *o,
			  vlt_checkout_error_fn on_error, void *err_data,
			  struct vlt_checkout_stats *stats)
{
	struct vlt_restore_opts ro = { 0 };

	ro.overwrite = o ? o->overwrite : 0;
	/* plumbing, like git checkout-index -f: -f replaces whatever is
	 * there; vault restore --force is the careful one */
	ro.discard_changes = ro.overwrite;
	ro.verify = o ? o->verify : 0;
	ro.on_error = on_error;
	ro.err_data = err_data;
	return vlt_restore(r, tree, dir, &ro, stats);
}
