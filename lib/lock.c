/*
 * lock.c - lock keys and repository-wide locks (see lock.h).
 *
 * The atomic step is the backend's put-if-absent of the lock key; the
 * content only says who holds it, so that a conflict can name the holder
 * and tell whether that holder is gone ("stale": same host, pid no longer
 * running). A lock whose holder is provably dead is taken over by the
 * next command that needs it (removed, with a notice, and created anew);
 * a lock held from another host is never touched: whether its holder runs
 * cannot be told from here (`vault unlock` is for those). The
 * repository-wide protocol (create yours first, then look for conflicting
 * ones) is in Documentation/format.md.
 *
 * Held lock files are registered with cleanup.h, so that an interrupted
 * program releases them from its signal handler.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "fsutil.h"
#include "lock.h"
#include "testhook.h"

static void this_host(char *buf, size_t len)
{
	if (gethostname(buf, len) < 0)
		snprintf(buf, len, "unknown");
	buf[len - 1] = '\0';
}

/* Copy s into a single line of at most max-1 bytes: control characters
 * become spaces, so a purpose or host can never break the format. */
static void one_line(char *dst, size_t max, const char *s)
{
	size_t i;

	for (i = 0; s && s[i] && i + 1 < max; i++)
		dst[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? ' ' : s[i];
	dst[i] = '\0';
}

static int format_lock(struct vlt_buf *out, const char *what)
{
	char host[256], purpose[128];

	this_host(host, sizeof(host));
	one_line(purpose, sizeof(purpose), what);
	for (char *p = host; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			*p = '_';
	return vlt_buf_addf(out, "pid %ld\nhost %s\ntime %lld\nwhat %s\n",
			    (long)getpid(), host, (long long)time(NULL),
			    purpose);
}

static int parse_lock(const char *key, const char *text, size_t len,
		      struct vlt_lock_info *info)
{
	const char *p = text, *end = text + len;
	int have_pid = 0, have_host = 0;

	memset(info, 0, sizeof(*info));
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *sp;
		size_t n, vlen;
		char num[32];
		char *e;

		if (!nl)
			goto bad;
		n = (size_t)(nl - p);
		sp = memchr(p, ' ', n);
		if (!sp)
			goto bad;
		vlen = (size_t)(nl - sp - 1);
		if (memchr(p, '\0', n))
			goto bad;
		if (sp - p == 3 && !memcmp(p, "pid", 3)) {
			if (!vlen || vlen >= sizeof(num))
				goto bad;
			memcpy(num, sp + 1, vlen);
			num[vlen] = '\0';
			errno = 0;
			info->pid = strtol(num, &e, 10);
			if (*e || errno || info->pid <= 0)
				goto bad;
			have_pid = 1;
		} else if (sp - p == 4 && !memcmp(p, "host", 4)) {
			if (!vlen || vlen >= sizeof(info->host))
				goto bad;
			memcpy(info->host, sp + 1, vlen);
			info->host[vlen] = '\0';
			have_host = 1;
		} else if (sp - p == 4 && !memcmp(p, "time", 4)) {
			if (!vlen || vlen >= sizeof(num))
				goto bad;
			memcpy(num, sp + 1, vlen);
			num[vlen] = '\0';
			errno = 0;
			info->time = strtoll(num, &e, 10);
			if (*e || errno)
				goto bad;
		} else if (sp - p == 3 && !memcmp(p, "gen", 3)) {
			if (!vlen || vlen >= sizeof(num))
				goto bad;
			memcpy(num, sp + 1, vlen);
			num[vlen] = '\0';
			errno = 0;
			info->gen = strtoull(num, &e, 10);
			if (*e || errno)
				goto bad;
			info->has_gen = 1;
		} else if (sp - p == 4 && !memcmp(p, "what", 4)) {
			if (vlen >= sizeof(info->what))
				vlen = sizeof(info->what) - 1;
			memcpy(info->what, sp + 1, vlen);
			info->what[vlen] = '\0';
		}
		/* other fields: written by a newer version, ignored */
		p = nl + 1;
	}
	if (have_pid && have_host)
		return 0;
bad:
	return vlt_error_set(VLT_E_CORRUPT, "lock %s: malformed content", key);
}

int vlt_lock_read(struct vlt_repo *r, const char *key,
		  struct vlt_lock_info *info)
{
	struct vlt_buf b = VLT_BUF_INIT;
	int err;

	if ((err = vlt_backend_get(r->be, key, &b)) == 0)
		err = parse_lock(key, b.data, b.len, info);
	vlt_buf_release(&b);
	return err;
}

int vlt_lock_is_stale(const struct vlt_lock_info *info)
{
	char host[256];

	this_host(host, sizeof(host));
	if (info->pid <= 0 || strcmp(host, info->host))
		return 0;
	return kill((pid_t)info->pid, 0) < 0 && errno == ESRCH;
}

const char *vlt_lock_state(const struct vlt_lock_info *info)
{
	char host[256];

	this_host(host, sizeof(host));
	if (strcmp(host, info->host))
		return "unknown";
	return vlt_lock_is_stale(info) ? "stale" : "live";
}

int vlt_lock_describe(const struct vlt_lock_info *info, struct vlt_buf *out)
{
	long long age = (long long)time(NULL) - (long long)info->time;
	const char *unit = "s";
	int err;

	if (age < 0)
		age = 0;
	if (age >= 2 * 86400) {
		age /= 86400;
		unit = "d";
	} else if (age >= 2 * 3600) {
		age /= 3600;
		unit = "h";
	} else if (age >= 2 * 60) {
		age /= 60;
		unit = "m";
	}
	if ((err = vlt_buf_addf(out, "pid %ld on host %s, %lld%s old", info->pid,
				info->host, age, unit)) < 0)
		return err;
	if (info->what[0] && (err = vlt_buf_addf(out, " (%s)", info->what)) < 0)
		return err;
	if (vlt_lock_is_stale(info))
		err = vlt_buf_addf(out, "; stale: pid %ld no longer runs on this "
				   "host, remove it with 'vault unlock "
				   "--remove-stale'", info->pid);
	return err;
}

/* An interrupt releases the lock: its file goes on the cleanup list. */
static void arm_lock(struct vlt_repo *r, const char *key)
{
	struct vlt_buf path = VLT_BUF_INIT;

	if (r->be->ops->local_path && r->be->ops->local_path(r->be, key, &path))
		vlt_cleanup_add(path.data);
	vlt_buf_release(&path);
}

static void disarm_lock(struct vlt_repo *r, const char *key)
{
	struct vlt_buf path = VLT_BUF_INIT;

	if (r->be->ops->local_path && r->be->ops->local_path(r->be, key, &path))
		vlt_cleanup_forget_path(path.data);
	vlt_buf_release(&path);
}

/*
 * key's holder is dead (same host, pid gone): remove the lock, but only if
 * it still has the content judged stale, so that a lock someone else took
 * over and created anew meanwhile is left alone. Returns 1 when removed, 0
 * when it changed, vanished, is malformed or is not stale; negative on
 * error.
 */
static int take_over_stale(struct vlt_repo *r, const char *key)
{
	struct vlt_buf a = VLT_BUF_INIT, b = VLT_BUF_INIT;
	struct vlt_lock_info info;
	int err;

	if ((err = vlt_backend_get(r->be, key, &a)) < 0 ||
	    (err = parse_lock(key, a.data, a.len, &info)) < 0 ||
	    !vlt_lock_is_stale(&info) ||
	    (err = vlt_backend_get(r->be, key, &b)) < 0 || a.len != b.len ||
	    memcmp(a.data, b.data, a.len)) {
		/* gone, or malformed (never broken automatically) */
		if (err == VLT_E_NOTFOUND || err == VLT_E_CORRUPT) {
			vlt_error_clear();
			err = 0;
		}
		goto done;
	}
	err = vlt_backend_del(r->be, key);
	if (err == VLT_E_NOTFOUND) {
		vlt_error_clear();
		err = 0;
		goto done;
	}
	if (err < 0) {
		vlt_error_wrap(err, "cannot remove stale lock %s", key);
		goto done;
	}
	vlt_notice("removed stale lock %s of pid %ld (%s%sno longer running "
		   "on this host)", key, info.pid, info.what,
		   info.what[0] ? ", " : "");
	err = 1;
done:
	vlt_buf_release(&a);
	vlt_buf_release(&b);
	return err;
}

/* Set VLT_E_LOCKED with "<prefix> <key>: held by <holder>". */
static int locked_error(struct vlt_repo *r, const char *prefix,
			const char *key, int *stale)
{
	struct vlt_lock_info info;
	struct vlt_buf msg = VLT_BUF_INIT;
	int err;

	*stale = 0;
	err = vlt_lock_read(r, key, &info);
	if (err == VLT_E_NOTFOUND)
		return err;  /* released meanwhile: the caller may retry */
	if (err < 0) {
		vlt_error_set(VLT_E_LOCKED, "%s%s is locked (holder unknown: %s)",
			      prefix, key, vlt_error_last());
		return VLT_E_LOCKED;
	}
	*stale = vlt_lock_is_stale(&info);
	if (vlt_lock_describe(&info, &msg) < 0) {
		vlt_buf_release(&msg);
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	}
	vlt_error_set(VLT_E_LOCKED, "%s%s is locked by %s", prefix, key,
		      msg.data);
	vlt_buf_release(&msg);
	return VLT_E_LOCKED;
}

/* A little per-process jitter for retries, so waiters do not march in
 * step. Not security relevant. */
static unsigned next_jitter(void)
{
	static _Thread_local unsigned state;

	if (!state)
		state = (unsigned)getpid() * 2654435761u ^ (unsigned)time(NULL);
	state ^= state << 13;
	state ^= state >> 17;
	state ^= state << 5;
	return state;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int vlt_lock_key_wait(struct vlt_repo *r, const char *key, const char *what,
		      long timeout_ms)
{
	struct vlt_buf content = VLT_BUF_INIT;
	int64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	unsigned backoff = 1;
	int err, stale, vanished = 0, takeovers = 0;

	if ((err = format_lock(&content, what)) < 0)
		goto done;
	for (;;) {
		err = vlt_backend_put_if_absent(r->be, key, content.data,
						content.len);
		if (err != VLT_E_EXISTS) {
			if (err < 0) {
				vlt_error_wrap(err, "cannot create lock %s", key);
			} else {
				arm_lock(r, key);
				vlt_testhook_kill_at("kill-locked", key);
			}
			break;
		}
		err = locked_error(r, "", key, &stale);
		/* its holder is dead: take it over */
		if (err == VLT_E_LOCKED && stale && takeovers++ < 3) {
			if ((err = take_over_stale(r, key)) < 0)
				break;
			vlt_error_clear();
			continue;
		}
		if (err == VLT_E_NOTFOUND) {
			/* released between our put and our read: try again
			 * (bounded, in case someone creates and deletes it
			 * in a tight loop and the deadline is already past) */
			if (++vanished < 100 || now_ms() < deadline)
				continue;
			err = vlt_error_set(VLT_E_LOCKED, "%s is locked (busy)",
					    key);
		}
		if (err != VLT_E_LOCKED || stale || now_ms() >= deadline)
			break;
		{
			struct timespec ts;
			unsigned ms = 1 + next_jitter() % backoff;

			ts.tv_sec = 0;
			ts.tv_nsec = (long)ms * 1000000;
			nanosleep(&ts, NULL);
			if (backoff < 64)
				backoff *= 2;
		}
	}
done:
	vlt_buf_release(&content);
	return err;
}

int vlt_lock_key(struct vlt_repo *r, const char *key, const char *what)
{
	return vlt_lock_key_wait(r, key, what, 0);
}

int vlt_unlock_key(struct vlt_repo *r, const char *key)
{
	int err;

	disarm_lock(r, key);
	err = vlt_backend_del(r->be, key);

	if (err == VLT_E_NOTFOUND)
		return vlt_error_set(VLT_E_NOTFOUND, "lock %s vanished while "
				     "held (removed by someone else?)", key);
	if (err < 0)
		return vlt_error_wrap(err, "cannot remove lock %s", key);
	return 0;
}



static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !memcmp(s + n - m, suffix, m);
}

static int collect_lock_keys(const char *key, const struct vlt_stat *st,
			     void *data)
{
	(void)st;
	return has_suffix(key, ".lock") ? vlt_strlist_add(data, key) : 0;
}

int vlt_repo_lock(struct vlt_repo *r, enum vlt_repo_lock_kind kind,
		  const char *what, struct vlt_repo_lock *out)
{
	const char *kname = kind == VLT_LOCK_EXCLUSIVE ? "exclusive" : "shared";
	struct vlt_strlist keys = { 0 };
	unsigned char rnd[16];
	int err, stale, takeovers = 0;
	size_t i, n;

	memset(out, 0, sizeof(*out));
	if ((err = vlt_random_bytes(rnd, sizeof(rnd))) < 0)
		return err;
	n = (size_t)snprintf(out->key, sizeof(out->key), "locks/%s-", kname);
	for (i = 0; i < sizeof(rnd); i++)
		n += (size_t)snprintf(out->key + n, sizeof(out->key) - n,
				      "%02x", rnd[i]);
	if ((err = vlt_lock_key(r, out->key, what)) < 0)
		return err;
	/* Ours exists now; anyone who starts later sees it. Look for those
	 * who started earlier. */
	if ((err = vlt_backend_list(r->be, "locks/", vlt_strlist_collect, &keys)) < 0)
		goto fail;
	vlt_strlist_sort(&keys);
	for (i = 0; i < keys.nr; i++) {
		const char *k = keys.v[i];

		if (!strcmp(k, out->key))
			continue;
		if (kind == VLT_LOCK_SHARED &&
		    strncmp(k, "locks/exclusive-", 16))
			continue;
		err = locked_error(r, kind == VLT_LOCK_EXCLUSIVE ?
				   "cannot lock the repository exclusively: " :
				   "cannot lock the repository: ", k, &stale);
		/* A lock gone by now was released or backed off: that
		 * holder is no longer working, so it is no conflict. */
		if (err == VLT_E_NOTFOUND) {
			vlt_error_clear();
			err = 0;
			continue;
		}
		/* its holder is dead: take it over, then look at it again
		 * (gone now, or someone else's by now) */
		if (err == VLT_E_LOCKED && stale && takeovers++ < 8) {
			if ((err = take_over_stale(r, k)) < 0)
				goto fail;
			vlt_error_clear();
			err = 0;
			i--;
			continue;
		}
		goto fail;
	}
	out->held = 1;
	vlt_strlist_release(&keys);
	return 0;
fail:
	/* keep the conflict's message; removing ours is best effort */
	{
		char msg[1024];

		snprintf(msg, sizeof(msg), "%s", vlt_error_last());
		disarm_lock(r, out->key);
		vlt_backend_del(r->be, out->key);
		vlt_error_set(err, "%s", msg);
	}
	vlt_strlist_release(&keys);
	out->key[0] = '\0';
	return err;
}

int vlt_repo_lock_set_gen(struct vlt_repo *r, struct vlt_repo_lock *l,
			  const char *what, uint64_t gen)
{
	struct vlt_buf text = VLT_BUF_INIT;
	int err;

	if (!l->held)
		return vlt_error_set(VLT_E_INVALID, "lock not held");
	if ((err = format_lock(&text, what)) == 0 &&
	    (err = vlt_buf_addf(&text, "gen %llu\n",
				(unsigned long long)gen)) == 0)
		err = vlt_backend_put(r->be, l->key, text.data, text.len);
	vlt_buf_release(&text);
	return err;
}

int vlt_repo_unlock(struct vlt_repo *r, struct vlt_repo_lock *l)
{
	int err;

	if (!l->held)
		return 0;
	err = vlt_unlock_key(r, l->key);
	l->held = 0;
	return err;
}

int vlt_lock_for_each(struct vlt_repo *r, vlt_lock_fn fn, void *data)
{
	struct vlt_strlist keys = { 0 };
	struct vlt_stat st;
	int err;

	if ((err = vlt_backend_list(r->be, "locks/", vlt_strlist_collect, &keys)) < 0 ||
	    (err = vlt_backend_list(r->be, "refs/", collect_lock_keys,
				    &keys)) < 0)
		goto done;
	/* single lock keys outside those folders: HEAD's and gc's */
	for (int k = 0; k < 2 && err >= 0; k++) {
		const char *single = k ? "gc/lock" : "HEAD.lock";

		err = vlt_backend_stat(r->be, single, &st);
		if (err == 0)
			err = vlt_strlist_add(&keys, single);
		else if (err == VLT_E_NOTFOUND)
			err = 0;
	}
	if (err < 0)
		goto done;
	vlt_strlist_sort(&keys);
	for (size_t i = 0; i < keys.nr; i++) {
		struct vlt_lock_info info;

		err = vlt_lock_read(r, keys.v[i], &info);
		if (err == VLT_E_NOTFOUND) {
			err = 0;
			continue;  /* released while we looked */
		}
		if (err == VLT_E_CORRUPT)
			err = fn(keys.v[i], NULL, data);
		else if (err == 0)
			err = fn(keys.v[i], &info, data);
		if (err)
			break;
	}
done:
	vlt_strlist_release(&keys);
	return err;
}

/* --- what dead writers left behind ------------------------------------ */

struct dead_scan {
	struct vlt_strlist stale;  /* lock keys of dead holders */
	long *foreign;             /* pids named by locks from other hosts */
	size_t nforeign, foreign_alloc;
	int unreadable;            /* a lock we cannot judge */
};

static int note_lock(const char *key, const struct vlt_lock_info *info,
		     void *data)
{
	struct dead_scan *ds = data;
	char host[256];

	if (!info) {
		ds->unreadable = 1;
		return 0;
	}
	this_host(host, sizeof(host));
	if (strcmp(host, info->host)) {
		VLT_TRY(VLT_ALLOC_GROW(ds->foreign, ds->nforeign + 1,
				       ds->foreign_alloc));
		ds->foreign[ds->nforeign++] = info->pid;
		return 0;
	}
	return vlt_lock_is_stale(info) ? vlt_strlist_add(&ds->stale, key) : 0;
}

/* The writer pid in a temporary file name "NAME.tmp-PID-RAND" (as
 * vlt_write_file_atomic makes them), or 0 if the name is not one. */
static long temp_pid(const char *name)
{
	const char *t = strstr(name, ".tmp-"), *p;
	long pid = 0;
	int hex = 0;

	if (!t)
		return 0;
	for (p = t + 5; *p >= '0' && *p <= '9'; p++)
		if ((pid = pid * 10 + (*p - '0')) > 0x7fffffff)
			return 0;
	if (p == t + 5 || *p++ != '-')
		return 0;
	for (; (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'); p++)
		hex++;
	return *p || hex != 12 ? 0 : pid;
}

static int temp_is_dead(const struct dead_scan *ds, long pid)
{
	if (pid == (long)getpid())
		return 0;
	for (size_t i = 0; i < ds->nforeign; i++)
		if (ds->foreign[i] == pid)
			return 0;  /* maybe a live writer elsewhere */
	return kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

static int sweep_temps(const struct dead_scan *ds, struct vlt_buf *path,
		       struct vlt_clean_stats *st)
{
	size_t base = path->len;
	DIR *d = opendir(path->data);
	struct dirent *de;
	int err = 0;

	if (!d)
		return errno == ENOENT || errno == ENOTDIR ? 0 :
		       vlt_error_set(VLT_E_IO, "opendir %s: %s", path->data,
				     strerror(errno));
	while (!err && (de = readdir(d)) != NULL) {
		struct stat sb;
		long pid;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		vlt_buf_setlen(path, base);
		if ((err = vlt_buf_addf(path, "/%s", de->d_name)) < 0)
			break;
		if (lstat(path->data, &sb) < 0)
			continue;  /* gone meanwhile */
		if (S_ISDIR(sb.st_mode)) {
			err = sweep_temps(ds, path, st);
			continue;
		}
		if (!S_ISREG(sb.st_mode) || !(pid = temp_pid(de->d_name)) ||
		    !temp_is_dead(ds, pid))
			continue;
		if (unlink(path->data) < 0) {
			if (errno != ENOENT)
				err = vlt_error_set(VLT_E_IO, "unlink %s: %s",
						    path->data, strerror(errno));
			continue;
		}
		st->temps++;
		st->temp_bytes += (uint64_t)sb.st_size;
	}
	closedir(d);
	vlt_buf_setlen(path, base);
	return err;
}

int vlt_repo_clean_dead_writers(struct vlt_repo *r,
				struct vlt_clean_stats *st)
{
	struct dead_scan ds = { VLT_STRLIST_INIT, NULL, 0, 0, 0 };
	struct vlt_buf path = VLT_BUF_INIT;
	int err;

	memset(st, 0, sizeof(*st));
	if ((err = vlt_lock_for_each(r, note_lock, &ds)) < 0)
		goto done;
	for (size_t i = 0; i < ds.stale.nr; i++) {
		int t = take_over_stale(r, ds.stale.v[i]);

		if (t < 0) {
			err = t;
			goto done;
		}
		st->locks += (uint64_t)t;
	}
	/* temporary files exist only on local file systems; a lock we cannot
	 * read might name a live writer elsewhere: then touch none */
	if (ds.unreadable || !r->be->ops->local_path ||
	    !r->be->ops->local_path(r->be, "", &path))
		goto done;
	vlt_buf_setlen(&path, path.len && path.data[path.len - 1] == '/' ?
		       path.len - 1 : path.len);
	if ((err = sweep_temps(&ds, &path, st)) < 0)
		goto done;
	if (st->temps)
		vlt_notice("removed %llu temporary file%s of dead writers "
			   "(%.1f MiB)", (unsigned long long)st->temps,
			   st->temps == 1 ? "" : "s",
			   (double)st->temp_bytes / (1024.0 * 1024.0));
done:
	vlt_strlist_release(&ds.stale);
	free(ds.foreign);
	vlt_buf_release(&path);
	return err;
}
