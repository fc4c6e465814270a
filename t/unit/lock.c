/*
 * lock.c - unit tests for lib/lock.c: a lock is taken, refused to a
 * second taker with its holder named, read back, released once; the lock
 * of a dead process on this host is stale and taken over with a notice;
 * one held from another host is never broken; shared and exclusive
 * repository locks; dead writers' locks cleaned.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend.h"
#include "buf.h"
#include "error.h"
#include "lock.h"
#include "repo.h"
#include "tap.h"

static char notices[4096];

static void on_notice(const char *msg)
{
	size_t n = strlen(notices);

	snprintf(notices + n, sizeof(notices) - n, "%s\n", msg);
}

/* A lock on key held by a process that has ended: its pid. */
static long dead_holder(struct vlt_repo *r, const char *key)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		exit(1);
	if (!pid)
		_exit(vlt_lock_key(r, key, "child") == 0 ? 0 : 1);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return -1;
	return (long)pid;
}

int main(void)
{
	struct vlt_init_opts o;
	struct vlt_repo *r = NULL;
	struct vlt_lock_info info;
	char path[512], want[64];
	const char *key = "refs/snapshots/t.lock";
	long child;

	tap_plan_lazy();
	vlt_notice_set_handler(on_notice);
	snprintf(path, sizeof(path), "%s/repo", tap_tmpdir());
	vlt_init_opts_default(&o);
	o.bare = 1;
	if (vlt_repo_init(path, &o, &r) < 0) {
		tap_diag("init: %s", vlt_error_last());
		return 1;
	}

	ok(vlt_lock_key(r, key, "unit test") == 0, "a free lock is taken");
	snprintf(want, sizeof(want), "pid %ld", (long)getpid());
	ok(vlt_lock_key(r, key, "again") == VLT_E_LOCKED &&
	   strstr(vlt_error_last(), want), "a second taker is refused, told who "
	   "holds it");
	ok(vlt_lock_read(r, key, &info) == 0 && info.pid == (long)getpid() &&
	   !strcmp(info.what, "unit test"), "its content names the holder");
	ok(!vlt_lock_is_stale(&info) && !strcmp(vlt_lock_state(&info), "live"),
	   "a running holder's lock is live");
	ok(vlt_unlock_key(r, key) == 0, "released");
	is_int(vlt_unlock_key(r, key), VLT_E_NOTFOUND,
	       "releasing it twice says it is gone");
	ok(vlt_lock_key(r, key, "unit test") == 0 && vlt_unlock_key(r, key) == 0,
	   "and it can be taken again");

	/* stale: its holder died without releasing it */
	child = dead_holder(r, key);
	ok(child > 0, "a child took the lock and died");
	ok(vlt_lock_read(r, key, &info) == 0 && info.pid == child &&
	   vlt_lock_is_stale(&info) && !strcmp(vlt_lock_state(&info), "stale"),
	   "its lock is stale");
	notices[0] = '\0';
	snprintf(want, sizeof(want), "%ld", child);
	ok(vlt_lock_key(r, key, "taker") == 0, "a stale lock is taken over");
	if (!ok(strstr(notices, want) != NULL, "with a notice naming the dead pid"))
		tap_diag("notices: %s", notices);
	ok(vlt_lock_read(r, key, &info) == 0 && info.pid == (long)getpid(),
	   "the lock is ours now");
	ok(vlt_unlock_key(r, key) == 0, "released");

	/* another host's lock is never broken */
	{
		static const char other[] = "pid 1\nhost elsewhere.invalid\n"
					    "time 1000\nwhat backup\n";

		ok(vlt_backend_put_if_absent(r->be, key, other,
					     sizeof(other) - 1) == 0,
		   "a lock held from another host");
		ok(vlt_lock_read(r, key, &info) == 0 &&
		   !vlt_lock_is_stale(&info) &&
		   !strcmp(vlt_lock_state(&info), "unknown"),
		   "cannot be told stale");
		ok(vlt_lock_key(r, key, "taker") == VLT_E_LOCKED,
		   "and is not taken over");
		ok(vlt_unlock_key(r, key) == 0, "vault unlock's way removes it");
	}

	/* repository locks */
	{
		struct vlt_repo_lock a, b, x;

		ok(vlt_repo_lock(r, VLT_LOCK_SHARED, "backup", &a) == 0 &&
		   vlt_repo_lock(r, VLT_LOCK_SHARED, "backup", &b) == 0,
		   "two shared locks at once");
		ok(vlt_repo_lock(r, VLT_LOCK_EXCLUSIVE, "gc", &x) == VLT_E_LOCKED,
		   "no exclusive lock beside them");
		ok(vlt_repo_unlock(r, &a) == 0 && vlt_repo_unlock(r, &b) == 0,
		   "shared locks released");
		ok(vlt_repo_lock(r, VLT_LOCK_EXCLUSIVE, "gc", &x) == 0,
		   "then the exclusive one is taken");
		ok(vlt_repo_lock(r, VLT_LOCK_SHARED, "backup", &a) == VLT_E_LOCKED,
		   "and no shared one beside it");
		ok(vlt_repo_unlock(r, &x) == 0, "released");
	}

	/* dead writers' locks are cleaned */
	{
		struct vlt_clean_stats st = { 0 };

		ok(dead_holder(r, key) > 0, "another dead holder");
		notices[0] = '\0';
		ok(vlt_repo_clean_dead_writers(r, &st) == 0 && st.locks == 1,
		   "clean_dead_writers removes its lock");
		ok(vlt_lock_read(r, key, &info) == VLT_E_NOTFOUND, "it is gone");
	}
	vlt_repo_free(r);
	return tap_done();
}
