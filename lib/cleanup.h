/*
 * cleanup.h - what to remove when the process is interrupted.
 *
 * Writers register the temporary files they create (NAME.tmp-PID-RAND) and
 * the lock files they hold; a program's signal handler (the front end's,
 * cli/cli.c) calls vlt_cleanup_run() so that Ctrl-C, SIGTERM or SIGHUP
 * leave neither behind. The registry is a fixed table of slots that the
 * handler reads without locks or allocation: vlt_cleanup_run() is
 * async-signal-safe. Registration is best effort (a full table only means
 * a leftover that gc removes later, see vlt_repo_clean_dead_writers()).
 * The library itself never installs handlers.
 */
#ifndef VLT_CLEANUP_H
#define VLT_CLEANUP_H

/* Remember path (a local file) for removal on interrupt. Returns a slot
 * number for vlt_cleanup_forget, or -1 when the table is full. */
int vlt_cleanup_add(const char *path);
/* The file of that slot is gone or kept on purpose (renamed into place,
 * lock released): forget it. A negative slot is ignored. */
void vlt_cleanup_forget(int slot);
/* Forget the slot registered for path, if any. */
void vlt_cleanup_forget_path(const char *path);
/* Unlink every registered file. Async-signal-safe; for signal handlers. */
void vlt_cleanup_run(void);

#endif
