/*
 * testhook.h - the crash and race hooks the test suite drives, all in one
 * place. Internal to the libraries: no program or persona calls these.
 *
 * A hook is a named point in the code ("after-walk", "kill-locked", ...)
 * that the test suite can make do something at that instant: run a shell
 * command, kill the process, stop it for good. Point NAME is driven by the
 * environment variable VAULT_TEST_NAME (upper case, '-' as '_'), and only
 * when VAULT_TEST_HOOKS=1 is set too, so a stray variable in a user's
 * environment does nothing. `./configure --disable-test-hooks` compiles
 * them out altogether: then every call below is an empty inline function
 * and the tests that need hooks skip.
 *
 * The points (README.md, "Tests", says which tests use them):
 *   abort-after=N    SIGKILL once this process stored N objects (or, in
 *                    gc, deleted N packs): vlt_testhook_count()
 *   during-read=CMD  run CMD after the first chunk of each file read by a
 *                    backup: vlt_testhook_run()
 *   after-walk=CMD   run CMD between a backup's walk and its reads
 *   kill-locked=TEXT SIGKILL right after taking a lock whose key contains
 *                    TEXT: vlt_testhook_kill_at()
 *   pause-in-temp=TEXT  stop for good once a temporary file whose path
 *                    contains TEXT is written and fsynced, before its
 *                    rename: vlt_testhook_pause_at()
 */
#ifndef VLT_TESTHOOK_H
#define VLT_TESTHOOK_H

#ifdef VLT_TEST_HOOKS

/* Run the shell command of point (if set); a failing command is reported
 * with vlt_warning() ("test hook VAULT_TEST_AFTER_WALK failed") and
 * otherwise ignored. */
void vlt_testhook_run(const char *point);
/* Count one event of point; SIGKILL when the count reaches its value. */
void vlt_testhook_count(const char *point);
/* SIGKILL when point's text is part of what. */
void vlt_testhook_kill_at(const char *point, const char *what);
/* Stop forever (until killed) when point's text is part of what. */
void vlt_testhook_pause_at(const char *point, const char *what);

#else

static inline void vlt_testhook_run(const char *point) { (void)point; }
static inline void vlt_testhook_count(const char *point) { (void)point; }
static inline void vlt_testhook_kill_at(const char *point, const char *what)
{
	(void)point;
	(void)what;
}
static inline void vlt_testhook_pause_at(const char *point, const char *what)
{
	(void)point;
	(void)what;
}

#endif

#endif
