/*
 * cli.h - what every vault program's front end shares: die()/error(),
 * usage output and exit codes (git's usage.c conventions), option parsing
 * over getopt_long, repository discovery.
 *
 * Exit codes: 0 success, 1 "different / not found", 128 fatal, 129 usage.
 */
#ifndef VLT_CLI_H
#define VLT_CLI_H

#include <getopt.h>
#include <stdio.h>

#define VLT_EXIT_OK 0
#define VLT_EXIT_NO 1
#define VLT_EXIT_FATAL 128
#define VLT_EXIT_USAGE 129

struct vlt_repo;

/* The repository cli_open_repo() opened last (still reachable if the
 * program dies, so sanitizers do not call it a leak). */
extern struct vlt_repo *cli_repo;

/* Set by cli_init: the program name for messages ("vault-chunk"). */
extern const char *cli_progname;

/* Call first in main(): records the name, line-buffers stderr, prints the
 * library's notices ("note: ...") and warnings ("warning: ..."), and
 * installs the SIGINT/SIGTERM/SIGHUP handler that removes registered
 * temporary files and locks (cleanup.h), prints "PROG: interrupted"
 * and dies of that signal (the shell shows 128+signal: 130 for Ctrl-C).
 * The same cleanup runs at exit (die() included). */
void cli_init(const char *progname);

/*
 * "fatal: <msg>" to stderr, exit 128. The exit runs the cleanup that
 * cli_init registered: the progress line is erased, temporary files are
 * removed and locks still held (writer locks included) are released.
 * The one idiom for a library failure puts the library's message last:
 *     die("%s", vlt_error_last());
 *     die("cannot write the snapshot: %s", vlt_error_last());
 * (and the same with error() for a problem the program survives).
 */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* "error: <msg>" to stderr; returns -1. */
int error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Usage text is one string: the first line(s) "usage: ...", a blank line,
 * then option descriptions. usage_help() prints it to stdout, exits 0;
 * usage_error() prints "error: msg" + usage to stderr, exits 129.
 */
void usage_help(const char *usage) __attribute__((noreturn));
void usage_error(const char *usage, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

/*
 * getopt_long wrapper that handles -h/--help (prints usage, exits 0) and
 * unknown options (usage error, exits 129). Returns the option like
 * getopt_long, -1 at the end. Uses "+" ordering (stops at first non-option)
 * only if shortopts starts with '+'.
 */
int cli_getopt(int argc, char **argv, const char *shortopts,
	       const struct option *longopts, const char *usage);

/* Parse "123", "64k", "16M", "1G" (binary units). Dies with usage error. */
unsigned long long cli_parse_size(const char *s, const char *usage,
				  const char *what);

/*
 * Open the repository: $VAULT_DIR if set (the driver's --repo sets it),
 * else the nearest ".vault" from the current directory upwards. Dies with
 * "not a vault repository" when none is found.
 */
struct vlt_repo *cli_open_repo(void);
/* Like cli_open_repo, but returns NULL when there is no repository. */
struct vlt_repo *cli_try_open_repo(void);

/*
 * The project folder of r, resolved (the caller frees it), and the n
 * paths args given on the command line made relative to it, appended to
 * *paths and NULL-terminated (paths->v stays NULL when n is 0). Dies,
 * naming the path, when one is outside the folder; dies when r is bare,
 * with `bare_hint` saying what to do instead.
 */
struct vlt_strlist;
char *cli_worktree_paths(struct vlt_repo *r, char **args, int n,
			 struct vlt_strlist *paths, const char *bare_hint);

/* Write all of buf to fd 1, dying on error (EPIPE included). */
void cli_write_stdout(const void *buf, size_t len);
/* Flush stdout (the stdio stream); a write error so far dies (exit 128,
 * "write error on standard output: ..."). */
void cli_flush_stdout(void);
/* Die of a failed write to stdout (errno says why). */
void cli_stdout_failed(void) __attribute__((noreturn));

#endif
