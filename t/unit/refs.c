/*
 * refs.c - unit tests for lib/refs.c and lib/lock.c.
 *
 * Names, strict parsing, compare-and-swap, symbolic HEAD, delete, listing,
 * the reflog, ref locks (held, waited for, stale), repository-wide locks,
 * and a race: several processes incrementing one ref by compare-and-swap
 * must lose no update and leave a reflog without gaps.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "lock.h"
#include "refs.h"
#include "repo.h"
#include "tap.h"

#define RACERS 8
#define RACE_UPDATES 200

static char repo_dir[512];

/* A recognisable id holding n (never the zero id). */
static struct vlt_oid oid_n(uint64_t n)
{
	struct vlt_oid o;

	memset(&o, 0, sizeof(o));
	o.id[0] = 0xab;
	vlt_put_be64(o.id + VLT_OID_RAWSZ - 8, n);
	return o;
}

static uint64_t oid_value(const struct vlt_oid *o)
{
	return vlt_get_be64(o->id + VLT_OID_RAWSZ - 8);
}

static int oid_eq(const struct vlt_oid *a, const struct vlt_oid *b)
{
	return !vlt_oid_cmp(a, b);
}

static int key_exists(struct vlt_repo *r, const char *key)
{
	struct vlt_stat st;

	return vlt_backend_stat(r->be, key, &st) == 0;
}

static void put_raw(struct vlt_repo *r, const char *key, const char *text)
{
	if (vlt_backend_put(r->be, key, text, strlen(text)) < 0) {
		tap_diag("put %s: %s", key, vlt_error_last());
		exit(1);
	}
}

static void set_timeout(struct vlt_repo *r, const char *ms)
{
	vlt_config_set(&r->config, "core.refLockTimeout", ms);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A pid that existed a moment ago and runs no more. */
static long dead_pid(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	return (long)pid;
}

static void write_lock(struct vlt_repo *r, const char *key, long pid,
		       const char *host)
{
	char text[512];

	snprintf(text, sizeof(text), "pid %ld\nhost %s\ntime %lld\nwhat test\n",
		 pid, host, (long long)time(NULL) - 30);
	put_raw(r, key, text);
}

static void test_names(void)
{
	static const char *const good[] = {
		"HEAD", "refs/snapshots/main", "refs/tags/v1.0", "refs/x",
		"refs/milestones/alpha-2_b", "refs/a/b/c/d", "refs/a.b",
		"refs/snapshots/ümlaut",
	};
	static const char *const bad[] = {
		"", "refs", "refs/", "main", "HEADS", "/refs/a", "refs//a",
		"refs/a/", "refs/a/../b", "refs/a..b", "refs/..", "refs/a/.b",
		"refs/.hidden", "refs/x.lock", "refs/a.lock/b", "refs/a.",
		"refs/a b", "refs/a\tb", "refs/a\nb", "refs/a\x01", "refs/a\x7f",
		"refs/a~1", "refs/a^", "refs/a:b", "refs/a?", "refs/a*",
		"refs/a[", "refs/a\\b", "refs/a@{1}", "refs/a.tmp-12",
	};
	size_t i;
	int all = 1;

	for (i = 0; i < sizeof(good) / sizeof(*good); i++)
		if (!vlt_ref_name_valid(good[i])) {
			tap_diag("rejected good name '%s'", good[i]);
			all = 0;
		}
	ok(all, "good ref names are accepted");
	all = 1;
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		if (vlt_ref_name_valid(bad[i])) {
			tap_diag("accepted bad name '%s'", bad[i]);
			all = 0;
		}
	ok(all, "bad ref names are refused ('..', '.x', x.lock, space, "
	   "control characters, ...)");
}

static void test_create_and_cas(struct vlt_repo *r)
{
	struct vlt_oid zero, got, a = oid_n(1), b = oid_n(2), c = oid_n(3);
	struct vlt_buf raw = VLT_BUF_INIT;
	const char *ref = "refs/snapshots/cas";

	vlt_oid_clear(&zero);
	is_int(vlt_ref_read(r, ref, &got), VLT_E_NOTFOUND,
	       "reading a missing ref is NOTFOUND");
	is_int(vlt_ref_update(r, "refs/bad name", &a, NULL, "x"),
	       VLT_E_INVALID, "update with an invalid name is refused");
	is_int(vlt_ref_update(r, ref, &zero, NULL, "x"), VLT_E_INVALID,
	       "update to the zero id is refused");
	is_int(vlt_ref_update(r, ref, &a, &zero, "create"), 0,
	       "create with zero old (must not exist)");
	ok(vlt_ref_read(r, ref, &got) == 0 && oid_eq(&got, &a),
	   "read returns the created value");
	ok(vlt_backend_get(r->be, ref, &raw) == 0 &&
	   raw.len == VLT_OID_HEXSZ + 1 && raw.data[VLT_OID_HEXSZ] == '\n' &&
	   !memcmp(raw.data, vlt_oid_hex(&a), VLT_OID_HEXSZ),
	   "ref content is exactly 64 hex digits and a newline");
	is_int(vlt_ref_update(r, ref, &b, &zero, "again"), VLT_E_CONFLICT,
	       "zero old on an existing ref is a conflict");
	is_int(vlt_ref_update(r, ref, &b, &a, "a->b"), 0,
	       "update with the right old value");
	is_int(vlt_ref_update(r, ref, &c, &a, "stale old"), VLT_E_CONFLICT,
	       "update with a wrong old value is a conflict");
	ok(strstr(vlt_error_last(), vlt_oid_hex(&b)) &&
	   strstr(vlt_error_last(), "is at"),
	   "the conflict message says where the ref is");
	ok(vlt_ref_read(r, ref, &got) == 0 && oid_eq(&got, &b),
	   "a failed compare-and-swap leaves the value unchanged");
	ok(!key_exists(r, "refs/snapshots/cas.lock"),
	   "a failed compare-and-swap releases its lock");
	is_int(vlt_ref_update(r, ref, &c, NULL, "unconditional"), 0,
	       "update without an old value");
	is_int(vlt_ref_update(r, "refs/snapshots/nope", &c, &a, "x"),
	       VLT_E_CONFLICT, "an old value for a missing ref is a conflict");
	ok(!key_exists(r, "refs/snapshots/nope"),
	   "and the ref is not created");
	vlt_buf_release(&raw);
}

static void test_corrupt(struct vlt_repo *r)
{
	static const char *const bodies[] = {
		"garbage\n",
		"ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB\n",
		"abababababababababababababababababababababababababababababababab",
		"abababababababababababababababababababababababababababababababab\n\n",
		"ref: refs/bad name\n",
		"ref: HEAD\n",
		"",
	};
	struct vlt_oid got, a = oid_n(1);
	int all = 1;

	for (size_t i = 0; i < sizeof(bodies) / sizeof(*bodies); i++) {
		put_raw(r, "refs/snapshots/bad", bodies[i]);
		if (vlt_ref_read(r, "refs/snapshots/bad", &got) != VLT_E_CORRUPT ||
		    !strstr(vlt_error_last(), "refs/snapshots/bad")) {
			tap_diag("body %zu: %s", i, vlt_error_last());
			all = 0;
		}
	}
	ok(all, "corrupt ref content is VLT_E_CORRUPT naming the ref");
	is_int(vlt_ref_update(r, "refs/snapshots/bad", &a, NULL, "x"),
	       VLT_E_CORRUPT, "updating a corrupt ref fails");
	ok(!key_exists(r, "refs/snapshots/bad.lock"),
	   "and releases the lock");
	vlt_backend_del(r->be, "refs/snapshots/bad");
}

static void test_head(struct vlt_repo *r)
{
	struct vlt_buf name = VLT_BUF_INIT, raw = VLT_BUF_INIT;
	struct vlt_reflog_entry *e = NULL;
	struct vlt_oid got, zero, a = oid_n(10), b = oid_n(11);
	size_t nr = 0;

	vlt_oid_clear(&zero);
	ok(vlt_ref_resolve_name(r, "HEAD", &name) == 0 &&
	   !strcmp(name.data, "refs/snapshots/main"),
	   "HEAD of a new repository points to refs/snapshots/main");
	is_int(vlt_ref_read(r, "HEAD", &got), VLT_E_NOTFOUND,
	       "HEAD of an empty repository reads as NOTFOUND");
	is_int(vlt_ref_update(r, "HEAD", &a, &zero, "first"), 0,
	       "update through HEAD creates the branch");
	ok(vlt_ref_read(r, "refs/snapshots/main", &got) == 0 &&
	   oid_eq(&got, &a), "the branch holds the new value");
	ok(vlt_ref_read(r, "HEAD", &got) == 0 && oid_eq(&got, &a),
	   "HEAD reads through to the branch");
	ok(vlt_backend_get(r->be, "HEAD", &raw) == 0 &&
	   !strcmp(raw.data, "ref: refs/snapshots/main\n"),
	   "HEAD stays symbolic");
	is_int(vlt_ref_update(r, "HEAD", &b, &b, "wrong"), VLT_E_CONFLICT,
	       "compare-and-swap through HEAD compares the branch's value");
	is_int(vlt_ref_update(r, "HEAD", &b, &a, "second"), 0,
	       "update through HEAD with the right old value");
	ok(vlt_reflog_read(r, "refs/snapshots/main", &e, &nr) == 0 && nr == 2 &&
	   oid_eq(&e[1].new_oid, &b) && !strcmp(e[1].msg, "second"),
	   "the branch's reflog has both updates");
	vlt_reflog_free(e, nr);
	ok(vlt_reflog_read(r, "HEAD", &e, &nr) == 0 && nr == 2 &&
	   oid_eq(&e[0].old_oid, &zero) && oid_eq(&e[1].new_oid, &b),
	   "HEAD's reflog has them too");
	vlt_reflog_free(e, nr);
	ok(!key_exists(r, "HEAD.lock") &&
	   !key_exists(r, "refs/snapshots/main.lock"),
	   "both locks are released");

	is_int(vlt_ref_update_flags(r, "HEAD", &a, &b, "detach",
				    VLT_REF_NO_DEREF), 0,
	       "--no-deref update detaches HEAD");
	ok(vlt_backend_get(r->be, "HEAD", &raw) == 0 &&
	   raw.len == VLT_OID_HEXSZ + 1 &&
	   vlt_ref_read(r, "refs/snapshots/main", &got) == 0 &&
	   oid_eq(&got, &b), "HEAD holds the id, the branch is untouched");
	is_int(vlt_ref_set_symbolic(r, "HEAD", "refs/snapshots/main"), 0,
	       "set_symbolic points HEAD back at the branch");
	ok(vlt_ref_read(r, "HEAD", &got) == 0 && oid_eq(&got, &b),
	   "HEAD follows the branch again");
	is_int(vlt_ref_set_symbolic(r, "HEAD", "main"), VLT_E_INVALID,
	       "set_symbolic refuses a target outside refs/");
	is_int(vlt_ref_delete_flags(r, "HEAD", NULL, "x", VLT_REF_NO_DEREF), 0,
	       "--no-deref delete removes HEAD itself");
	ok(!key_exists(r, "HEAD") &&
	   vlt_ref_read(r, "refs/snapshots/main", &got) == 0,
	   "and leaves the branch");
	is_int(vlt_ref_set_symbolic(r, "HEAD", "refs/snapshots/main"), 0,
	       "set_symbolic recreates a missing HEAD");
	put_raw(r, "refs/loop/a", "ref: refs/loop/b\n");
	put_raw(r, "refs/loop/b", "ref: refs/loop/a\n");
	is_int(vlt_ref_read(r, "refs/loop/a", &got), VLT_E_CORRUPT,
	       "a loop of symbolic refs is reported");
	vlt_backend_del(r->be, "refs/loop/a");
	vlt_backend_del(r->be, "refs/loop/b");
	vlt_buf_release(&name);
	vlt_buf_release(&raw);
}

static void test_delete(struct vlt_repo *r)
{
	struct vlt_oid got, zero, a = oid_n(20), b = oid_n(21);
	const char *ref = "refs/snapshots/del";

	vlt_oid_clear(&zero);
	vlt_ref_update(r, ref, &a, NULL, "create");
	is_int(vlt_ref_delete(r, ref, &b, "wrong"), VLT_E_CONFLICT,
	       "delete with a wrong old value is a conflict");
	ok(vlt_ref_read(r, ref, &got) == 0 && oid_eq(&got, &a),
	   "and the ref survives");
	is_int(vlt_ref_delete(r, ref, &a, "right"), 0,
	       "delete with the right old value");
	is_int(vlt_ref_read(r, ref, &got), VLT_E_NOTFOUND, "the ref is gone");
	ok(!key_exists(r, "logs/refs/snapshots/del") &&
	   !key_exists(r, "refs/snapshots/del.lock"),
	   "its reflog and lock are gone");
	is_int(vlt_ref_delete(r, ref, NULL, "again"), VLT_E_NOTFOUND,
	       "deleting a missing ref is NOTFOUND");
	is_int(vlt_ref_delete(r, ref, &zero, "absent"), 0,
	       "deleting a missing ref that must not exist is a no-op");
}

static void test_df(struct vlt_repo *r)
{
	struct vlt_oid a = oid_n(30);

	vlt_ref_update(r, "refs/df/a", &a, NULL, "x");
	vlt_ref_update(r, "refs/df/c/d", &a, NULL, "x");
	is_int(vlt_ref_update(r, "refs/df/a/b", &a, NULL, "x"), VLT_E_EXISTS,
	       "refs/df/a/b cannot be created beside refs/df/a");
	ok(strstr(vlt_error_last(), "refs/df/a exists") != NULL,
	   "and the message names the blocking ref");
	is_int(vlt_ref_update(r, "refs/df/c", &a, NULL, "x"), VLT_E_EXISTS,
	       "refs/df/c cannot be created above refs/df/c/d");
	ok(!key_exists(r, "refs/df/c.lock"), "and its lock is released");
	vlt_ref_delete(r, "refs/df/a", NULL, NULL);
	vlt_ref_delete(r, "refs/df/c/d", NULL, NULL);
}

struct seen {
	char names[16][64];
	int nr;
	int stop_at;
};

static int collect(const char *name, const struct vlt_oid *oid, void *data)
{
	struct seen *s = data;

	(void)oid;
	if (s->nr < 16)
		snprintf(s->names[s->nr], sizeof(s->names[0]), "%s", name);
	s->nr++;
	return s->stop_at && s->nr == s->stop_at ? 42 : 0;
}

static void test_for_each_and_dwim(struct vlt_repo *r)
{
	static const char *const want[] = {
		"refs/milestones/x", "refs/snapshots/a", "refs/snapshots/b",
		"refs/snapshots/cas", "refs/snapshots/main", "refs/tags/v1",
	};
	struct vlt_buf full = VLT_BUF_INIT;
	struct vlt_oid a = oid_n(40), got;
	struct seen s = { .nr = 0 };
	int same = 1;

	vlt_ref_update(r, "refs/tags/v1", &a, NULL, "x");
	vlt_ref_update(r, "refs/snapshots/b", &a, NULL, "x");
	vlt_ref_update(r, "refs/snapshots/a", &a, NULL, "x");
	vlt_ref_update(r, "refs/milestones/x", &a, NULL, "x");
	write_lock(r, "refs/snapshots/zz.lock", 1, "elsewhere.invalid");
	is_int(vlt_ref_for_each(r, "refs/", collect, &s), 0, "for_each runs");
	for (int i = 0; i < 6; i++)
		if (i >= s.nr || strcmp(s.names[i], want[i]))
			same = 0;
	ok(same && s.nr == 6, "for_each lists every ref, sorted, no lock keys");
	memset(&s, 0, sizeof(s));
	vlt_ref_for_each(r, "refs/snapshots/", collect, &s);
	ok(s.nr == 4 && !strcmp(s.names[0], "refs/snapshots/a"),
	   "for_each with a prefix lists only that part");
	memset(&s, 0, sizeof(s));
	s.stop_at = 2;
	is_int(vlt_ref_for_each(r, "refs/", collect, &s), 42,
	       "a non-zero return from the callback stops and is returned");
	vlt_backend_del(r->be, "refs/snapshots/zz.lock");

	ok(vlt_ref_dwim(r, "main", &full, &got) == 0 &&
	   !strcmp(full.data, "refs/snapshots/main"), "dwim: main");
	ok(vlt_ref_dwim(r, "v1", &full, &got) == 0 &&
	   !strcmp(full.data, "refs/tags/v1") && oid_eq(&got, &a), "dwim: v1");
	ok(vlt_ref_dwim(r, "milestones/x", &full, NULL) == 0 &&
	   !strcmp(full.data, "refs/milestones/x"), "dwim: milestones/x");
	ok(vlt_ref_dwim(r, "refs/tags/v1", &full, NULL) == 0 &&
	   !strcmp(full.data, "refs/tags/v1"), "dwim: a full name");
	is_int(vlt_ref_dwim(r, "nosuch", &full, NULL), VLT_E_NOTFOUND,
	       "dwim: unknown name");
	vlt_buf_release(&full);
}

/* The namespace helpers: names built and shortened, per-kind listings. */
static void test_namespaces(struct vlt_repo *r)
{
	struct vlt_buf b = VLT_BUF_INIT;
	struct seen s = { .nr = 0 };
	enum vlt_ref_kind k;

	ok(vlt_ref_branch_name(&b, "main") == 0 &&
	   !strcmp(b.data, "refs/snapshots/main"), "a branch's full name");
	ok(vlt_ref_tag_name(&b, "v1") == 0 && !strcmp(b.data, "refs/tags/v1"),
	   "a tag's full name (the buffer is reset first)");
	is_str(vlt_ref_shorten("refs/snapshots/a/b", &k), "a/b",
	       "shorten a branch");
	is_int(k, VLT_REF_BRANCH, "and say it is one");
	is_str(vlt_ref_shorten("refs/tags/v1", &k), "v1", "shorten a tag");
	is_int(k, VLT_REF_TAG, "and say it is one");
	is_str(vlt_ref_shorten("refs/milestones/x", &k), "refs/milestones/x",
	       "other refs stay whole");
	is_int(k, VLT_REF_OTHER, "and are of no kind");
	is_str(vlt_ref_shorten("HEAD", NULL), "HEAD", "HEAD stays whole");
	is_int(vlt_tag_for_each(r, collect, &s), 0, "tag_for_each runs");
	ok(s.nr == 1 && !strcmp(s.names[0], "v1"), "tags by short name");
	memset(&s, 0, sizeof(s));
	vlt_branch_for_each(r, collect, &s);
	ok(s.nr == 4 && !strcmp(s.names[0], "a") && !strcmp(s.names[3], "main"),
	   "branches by short name, sorted");
	memset(&s, 0, sizeof(s));
	vlt_ref_for_each_all(r, collect, &s);
	ok(s.nr == 6 && !strcmp(s.names[0], "refs/milestones/x"),
	   "every ref by full name");
	vlt_buf_release(&b);
}

static void test_reflog(struct vlt_repo *r)
{
	struct vlt_reflog_entry *e = NULL;
	struct vlt_oid zero, v[3] = { oid_n(50), oid_n(51), oid_n(52) };
	const char *msgs[3] = { "one", "two", "three\nlines\there" };
	const char *ref = "refs/snapshots/log";
	size_t nr = 0;
	int64_t t0 = (int64_t)time(NULL);

	vlt_oid_clear(&zero);
	for (int i = 0; i < 3; i++)
		vlt_ref_update(r, ref, &v[i], NULL, msgs[i]);
	ok(vlt_reflog_read(r, ref, &e, &nr) == 0 && nr == 3,
	   "three updates, three reflog entries");
	if (nr == 3) {
		ok(oid_eq(&e[0].old_oid, &zero) && oid_eq(&e[0].new_oid, &v[0]) &&
		   oid_eq(&e[1].old_oid, &v[0]) && oid_eq(&e[1].new_oid, &v[1]) &&
		   oid_eq(&e[2].old_oid, &v[1]) && oid_eq(&e[2].new_oid, &v[2]),
		   "entries oldest first, each old is the previous new");
		ok(!strcmp(e[0].msg, "one") && !strcmp(e[1].msg, "two"),
		   "entries keep their messages");
		is_str(e[2].msg, "three lines here",
		       "control characters in a message become spaces");
		ok(e[0].time >= t0 && e[0].time <= t0 + 60 && strchr(e[0].who, '@'),
		   "entries carry time and user@host");
	}
	vlt_reflog_free(e, nr);
	ok(vlt_reflog_read(r, "refs/snapshots/nolog", &e, &nr) == 0 && nr == 0 &&
	   !e, "a ref without a reflog has no entries");
	put_raw(r, "logs/refs/snapshots/log", "not a reflog line\n");
	is_int(vlt_reflog_read(r, ref, &e, &nr), VLT_E_CORRUPT,
	       "a damaged reflog is VLT_E_CORRUPT");
	put_raw(r, "logs/refs/snapshots/log", "");
	vlt_ref_delete(r, ref, NULL, NULL);
}

static char notices[1024];

static void keep_notice(const char *msg)
{
	size_t n = strlen(notices);

	snprintf(notices + n, sizeof(notices) - n, "%s\n", msg);
}

static void test_ref_locks(struct vlt_repo *r)
{
	struct vlt_oid got, a = oid_n(60), b = oid_n(61);
	struct vlt_lock_info info;
	const char *ref = "refs/snapshots/locked";
	const char *key = "refs/snapshots/locked.lock";
	char host[256], pidstr[32];
	int64_t t;
	pid_t child;
	long dead;

	gethostname(host, sizeof(host));
	host[sizeof(host) - 1] = '\0';
	snprintf(pidstr, sizeof(pidstr), "pid %ld", (long)getpid());
	vlt_ref_update(r, ref, &a, NULL, "x");

	set_timeout(r, "0");
	is_int(vlt_lock_key(r, key, "holding for a test"), 0, "take a ref lock");
	is_int(vlt_lock_key(r, key, "again"), VLT_E_LOCKED,
	       "a held lock cannot be taken twice");
	is_int(vlt_ref_update(r, ref, &b, &a, "blocked"), VLT_E_LOCKED,
	       "update while another holds the lock is VLT_E_LOCKED");
	ok(strstr(vlt_error_last(), pidstr) && strstr(vlt_error_last(), host) &&
	   strstr(vlt_error_last(), "holding for a test") &&
	   !strstr(vlt_error_last(), "stale"),
	   "the message names the holder's pid, host and purpose");
	tap_diag("%s", vlt_error_last());
	ok(key_exists(r, key), "a failed update leaves the other's lock alone");
	ok(vlt_lock_read(r, key, &info) == 0 && info.pid == (long)getpid() &&
	   !strcmp(info.host, host) && !vlt_lock_is_stale(&info) &&
	   !strcmp(vlt_lock_state(&info), "live"),
	   "lock_read parses the holder; a running holder is live");

	/* a holder that lets go while we wait */
	set_timeout(r, "5000");
	fflush(stdout);
	child = fork();
	if (child == 0) {
		usleep(200 * 1000);
		_exit(vlt_unlock_key(r, key) < 0);
	}
	t = now_ms();
	is_int(vlt_ref_update(r, ref, &b, &a, "waited"), 0,
	       "update waits for a lock released meanwhile");
	ok(now_ms() - t >= 150, "it did wait for the holder");
	waitpid(child, NULL, 0);
	ok(vlt_ref_read(r, ref, &got) == 0 && oid_eq(&got, &b),
	   "and the update went through");

	/* a holder that died on this host: the next writer takes over its
	 * lock, and says so */
	dead = dead_pid();
	write_lock(r, key, dead, host);
	ok(vlt_lock_read(r, key, &info) == 0 && vlt_lock_is_stale(&info) &&
	   !strcmp(vlt_lock_state(&info), "stale"),
	   "a dead holder on this host is stale");
	notices[0] = 0;
	vlt_notice_set_handler(keep_notice);
	t = now_ms();
	is_int(vlt_ref_update(r, ref, &a, &b, "stale"), 0,
	       "a stale lock of a dead holder is taken over");
	vlt_notice_set_handler(NULL);
	ok(now_ms() - t < 2000, "without waiting out the timeout");
	ok(strstr(notices, "stale") != NULL && strstr(notices, "pid") != NULL,
	   "the takeover is never silent: a notice names the stale lock");
	tap_diag("%s", notices);
	ok(vlt_ref_read(r, ref, &got) == 0 && oid_eq(&got, &a),
	   "and the update went through");
	ok(!key_exists(r, key), "the taken-over lock is released after it");

	write_lock(r, key, dead, "elsewhere.invalid");
	ok(vlt_lock_read(r, key, &info) == 0 && !vlt_lock_is_stale(&info) &&
	   !strcmp(vlt_lock_state(&info), "unknown"),
	   "a holder on another host is not judged");
	put_raw(r, key, "junk");
	set_timeout(r, "0");
	is_int(vlt_ref_update(r, ref, &a, &b, "junk"), VLT_E_LOCKED,
	       "a lock with unreadable content still blocks");
	is_int(vlt_lock_read(r, key, &info), VLT_E_CORRUPT,
	       "and lock_read calls it corrupt");
	vlt_backend_del(r->be, key);
	set_timeout(r, "1000");
}

struct lock_seen {
	int nr, stale, null_info;
};

static int count_locks(const char *key, const struct vlt_lock_info *info,
		       void *data)
{
	struct lock_seen *s = data;

	(void)key;
	s->nr++;
	if (!info)
		s->null_info++;
	else if (vlt_lock_is_stale(info))
		s->stale++;
	return 0;
}

static int count_keys(const char *key, const struct vlt_stat *st, void *data)
{
	(void)key;
	(void)st;
	(*(int *)data)++;
	return 0;
}

static void test_repo_locks(struct vlt_repo *r)
{
	struct vlt_repo_lock s1, s2, x1, x2, s3;
	struct lock_seen seen = { 0, 0, 0 };
	char host[256];
	int n = 0;

	gethostname(host, sizeof(host));
	host[sizeof(host) - 1] = '\0';
	is_int(vlt_repo_lock(r, VLT_LOCK_SHARED, "backup one", &s1), 0,
	       "a shared repository lock");
	is_int(vlt_repo_lock(r, VLT_LOCK_SHARED, "backup two", &s2), 0,
	       "a second shared lock beside it");
	ok(s1.held && s2.held && strcmp(s1.key, s2.key) &&
	   !strncmp(s1.key, "locks/shared-", 13), "two distinct shared keys");
	is_int(vlt_repo_lock(r, VLT_LOCK_EXCLUSIVE, "gc", &x1), VLT_E_LOCKED,
	       "exclusive is refused while shared locks are held");
	ok(strstr(vlt_error_last(), "backup") != NULL,
	   "the message names a holder");
	vlt_backend_list(r->be, "locks/", count_keys, &n);
	is_int(n, 2, "the refused exclusive lock removed its key");
	is_int(vlt_repo_unlock(r, &s1), 0, "unlock the first shared lock");
	is_int(vlt_repo_unlock(r, &s2), 0, "unlock the second shared lock");
	is_int(vlt_repo_lock(r, VLT_LOCK_EXCLUSIVE, "gc", &x1), 0,
	       "exclusive once the shared locks are gone");
	is_int(vlt_repo_lock(r, VLT_LOCK_SHARED, "backup", &s3), VLT_E_LOCKED,
	       "shared is refused while an exclusive lock is held");
	ok(strstr(vlt_error_last(), "gc") != NULL,
	   "the message names the exclusive holder");
	is_int(vlt_repo_lock(r, VLT_LOCK_EXCLUSIVE, "gc2", &x2), VLT_E_LOCKED,
	       "a second exclusive lock is refused");
	n = 0;
	vlt_backend_list(r->be, "locks/", count_keys, &n);
	is_int(n, 1, "only the exclusive key is left");
	is_int(vlt_repo_unlock(r, &x1), 0, "unlock the exclusive lock");
	is_int(vlt_repo_lock(r, VLT_LOCK_SHARED, "backup", &s3), 0,
	       "shared works again after unlock");
	vlt_repo_unlock(r, &s3);
	is_int(vlt_repo_unlock(r, &s3), 0, "unlocking twice is harmless");

	write_lock(r, "locks/exclusive-deadbeef", dead_pid(), host);
	notices[0] = 0;
	vlt_notice_set_handler(keep_notice);
	is_int(vlt_repo_lock(r, VLT_LOCK_SHARED, "backup", &s3), 0,
	       "a stale exclusive lock of a dead holder is taken over");
	vlt_notice_set_handler(NULL);
	ok(strstr(notices, "stale") != NULL, "and is called stale");
	vlt_repo_unlock(r, &s3);
	write_lock(r, "locks/exclusive-deadbeef", dead_pid(), host);
	memset(&seen, 0, sizeof(seen));
	put_raw(r, "refs/snapshots/q.lock", "junk");
	vlt_lock_for_each(r, count_locks, &seen);
	ok(seen.nr == 2 && seen.stale == 1 && seen.null_info == 1,
	   "lock_for_each lists repository and ref locks");
	vlt_backend_del(r->be, "locks/exclusive-deadbeef");
	vlt_backend_del(r->be, "refs/snapshots/q.lock");
}

/*
 * The race: each racer increments the ref's counter by compare-and-swap
 * from the value it last read, retrying on CONFLICT and LOCKED, until it
 * made RACE_UPDATES updates. It reports successes and failures in a pipe.
 */
static void racer(int fd)
{
	struct vlt_repo *r;
	long done = 0, conflicts = 0, locked = 0, other = 0;
	char line[128];
	int len;

	if (vlt_repo_open(repo_dir, &r) < 0)
		_exit(2);
	while (done < RACE_UPDATES && other == 0) {
		struct vlt_oid cur, next;
		int err = vlt_ref_read(r, "refs/snapshots/race", &cur);

		if (err < 0) {
			other++;
			break;
		}
		next = oid_n(oid_value(&cur) + 1);
		err = vlt_ref_update(r, "refs/snapshots/race", &next, &cur,
				     "increment");
		if (err == 0)
			done++;
		else if (err == VLT_E_CONFLICT)
			conflicts++;
		else if (err == VLT_E_LOCKED)
			locked++;
		else
			other++;
	}
	len = snprintf(line, sizeof(line), "%ld %ld %ld %ld\n", done,
		       conflicts, locked, other);
	if (write(fd, line, (size_t)len) != len)
		_exit(3);
	vlt_repo_free(r);
	_exit(0);
}

static void test_race(struct vlt_repo *r)
{
	struct vlt_reflog_entry *e = NULL;
	struct vlt_oid got, start = oid_n(0);
	long done = 0, conflicts = 0, locked = 0, other = 0;
	size_t nr = 0, i;
	int fds[2], good = 1;
	int64_t t = now_ms();
	FILE *in;

	vlt_ref_update(r, "refs/snapshots/race", &start, NULL, "start");
	if (pipe(fds) < 0)
		abort();
	fflush(stdout);
	for (int k = 0; k < RACERS; k++)
		if (fork() == 0) {
			close(fds[0]);
			racer(fds[1]);
		}
	close(fds[1]);
	in = fdopen(fds[0], "r");
	for (int k = 0; k < RACERS; k++) {
		long a, b, c, d;

		if (fscanf(in, "%ld %ld %ld %ld", &a, &b, &c, &d) != 4) {
			good = 0;
			break;
		}
		done += a;
		conflicts += b;
		locked += c;
		other += d;
	}
	fclose(in);
	while (wait(NULL) > 0)
		;
	tap_diag("race: %d processes, %ld updates, %ld conflicts, %ld locked, "
		 "%ld other errors, %lld ms", RACERS, done, conflicts, locked,
		 other, (long long)(now_ms() - t));
	ok(good && other == 0, "every racer reported, with no unexpected error");
	is_int(done, RACERS * RACE_UPDATES, "every racer made its updates");
	ok(conflicts + locked > 0, "the racers did collide");
	ok(vlt_ref_read(r, "refs/snapshots/race", &got) == 0, "read the result");
	is_int((long long)oid_value(&got), done,
	       "the final value counts every successful update (none lost)");
	ok(vlt_reflog_read(r, "refs/snapshots/race", &e, &nr) == 0,
	   "read the reflog");
	is_int((long long)nr, done + 1,
	       "the reflog has one entry per update (and the start)");
	for (i = 1; i < nr; i++)
		if (!oid_eq(&e[i].old_oid, &e[i - 1].new_oid) ||
		    oid_value(&e[i].new_oid) != oid_value(&e[i].old_oid) + 1) {
			tap_diag("entry %zu breaks the chain", i);
			good = 0;
			break;
		}
	ok(good && nr && oid_eq(&e[nr - 1].new_oid, &got),
	   "each entry's old is the previous entry's new, ending at the ref");
	vlt_reflog_free(e, nr);
	ok(!key_exists(r, "refs/snapshots/race.lock"), "no lock left behind");
}

int main(void)
{
	struct vlt_init_opts opts;
	struct vlt_repo *r;

	tap_plan_lazy();
	snprintf(repo_dir, sizeof(repo_dir), "%s/repo", tap_tmpdir());
	vlt_init_opts_default(&opts);
	opts.bare = 1;
	if (vlt_repo_init(repo_dir, &opts, &r) < 0) {
		printf("Bail out! init: %s\n", vlt_error_last());
		return 1;
	}
	test_names();
	test_create_and_cas(r);
	test_corrupt(r);
	test_head(r);
	test_delete(r);
	test_df(r);
	test_for_each_and_dwim(r);
	test_namespaces(r);
	test_reflog(r);
	test_ref_locks(r);
	test_repo_locks(r);
	test_race(r);
	vlt_repo_free(r);
	return tap_done();
}
