/*
 * cli.c - the shared front end of every vault program (see cli.h).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "cli.h"
#include "config.h"
#include "error.h"
#include "fsutil.h"
#include "odb.h"
#include "progress.h"
#include "repo.h"

const char *cli_progname = "vault";

/*
 * The repository a program opened. Kept here so that memory still held
 * when a program dies (exit from die()) is reachable, not a leak: die()
 * deliberately does not flush or free anything.
 */
struct vlt_repo *cli_repo;

static int stderr_tty;
static pid_t owner_pid;   /* the process cli_init ran in (not a fork) */

/*
 * SIGINT, SIGTERM, SIGHUP: remove the temporary files and release the
 * locks the library registered (cleanup.h), say so, then die of the same
 * signal, so that the shell reports 128+signal (130 for Ctrl-C) and a
 * script looping over vault stops too (as git's sigchain does). Only
 * async-signal-safe calls here.
 */
static void on_signal(int sig)
{
	static const char tail[] = ": interrupted\n";
	struct sigaction dfl;
	sigset_t set;
	ssize_t ignored;

	vlt_cleanup_run();
	if (stderr_tty)
		ignored = write(2, "\n", 1);
	ignored = write(2, cli_progname, strlen(cli_progname));
	ignored = write(2, tail, sizeof(tail) - 1);
	(void)ignored;
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	sigaction(sig, &dfl, NULL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	raise(sig);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	_exit(128 + sig);  /* not reached */
}

/*
 * At exit, die() included (it exits through exit()): erase the progress
 * line, remove the temporary files and release the locks still
 * registered (cleanup.h), writer locks included, as git's lockfile and
 * tempfile modules do from atexit. A program that finished its work has
 * nothing registered any more; one that dies half way leaves nothing
 * behind, so no command needs its own fail(). A forked child (the mesh
 * sandbox) must not remove its parent's files: only the owner does.
 */
static void at_exit(void)
{
	if (getpid() != owner_pid)
		return;
	cli_progress_clear();
	vlt_cleanup_run();
}

static void print_notice(const char *msg)
{
	cli_progress_clear();
	fprintf(stderr, "note: %s\n", msg);
}

static void print_warning(const char *msg)
{
	cli_progress_clear();
	fprintf(stderr, "warning: %s\n", msg);
}

void cli_init(const char *progname)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	const char *slash = strrchr(progname, '/');
	struct sigaction sa;

	cli_progname = slash ? slash + 1 : progname;
	setvbuf(stderr, NULL, _IOLBF, 0);
	stderr_tty = isatty(2);
	vlt_notice_set_handler(print_notice);
	vlt_warning_set_handler(print_warning);
	owner_pid = getpid();
	if (atexit(at_exit) != 0)
		die("cannot register the exit cleanup");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigfillset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		struct sigaction old;

		/* a signal ignored by whoever started us stays ignored
		 * (nohup, background jobs of a non-interactive shell) */
		if (sigaction(sigs[i], NULL, &old) == 0 &&
		    old.sa_handler == SIG_IGN)
			continue;
		sigaction(sigs[i], &sa, NULL);
	}
}

/* Every message erases the progress line first (progress.h). */
static void vreport(const char *prefix, const char *fmt, va_list ap)
{
	cli_progress_clear();
	fprintf(stderr, "%s", prefix);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("fatal: ", fmt, ap);
	va_end(ap);
	exit(VLT_EXIT_FATAL);
}

int error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("error: ", fmt, ap);
	va_end(ap);
	return -1;
}

void warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("warning: ", fmt, ap);
	va_end(ap);
}

void usage_help(const char *usage)
{
	fputs(usage, stdout);
	if (usage[0] && usage[strlen(usage) - 1] != '\n')
		fputc('\n', stdout);
	exit(VLT_EXIT_OK);
}

void usage_error(const char *usage, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("error: ", fmt, ap);
	va_end(ap);
	fputs(usage, stderr);
	if (usage[0] && usage[strlen(usage) - 1] != '\n')
		fputc('\n', stderr);
	exit(VLT_EXIT_USAGE);
}

/* 1 if the short option c takes a value in shortopts ("n:"). */
static int short_takes_value(const char *shortopts, int c)
{
	const char *p = c && c != ':' ? strchr(shortopts, c) : NULL;

	return p && p[1] == ':';
}

int cli_getopt(int argc, char **argv, const char *shortopts,
	       const struct option *longopts, const char *usage)
{
	const char *arg;
	int c, before = optind;

	opterr = 0;
	c = getopt_long(argc, argv, shortopts, longopts, NULL);
	if (c == 'h')
		usage_help(usage);  /* -h and --help mean help everywhere */
	if (c != '?' && c != ':')
		return c;
	/*
	 * Name the option as it was typed. After a long option getopt has
	 * moved optind past it (and sets optopt to its value when it is
	 * known but lacks its value, so optopt alone would name '-t' for
	 * --target); a short one may sit inside a cluster ("-xq"), and then
	 * optind has not moved and argv[optind - 1] is the argument before.
	 */
	arg = optind > 0 && optind <= argc ? argv[optind - 1] : NULL;
	if (optind != before && arg && !strncmp(arg, "--", 2) && arg[2]) {
		size_t n = strcspn(arg, "=");

		if (!strcmp(arg, "--help"))
			usage_help(usage);
		if (optopt && arg[n] == '=')
			usage_error(usage, "option '%.*s' takes no value", (int)n,
				    arg);
		if (optopt)
			usage_error(usage, "option '%.*s' needs a value", (int)n,
				    arg);
		usage_error(usage, "unknown or ambiguous option '%.*s'", (int)n,
			    arg);
	}
	if (optopt == 'h')
		usage_help(usage);
	if (short_takes_value(shortopts, optopt))
		usage_error(usage, "option '-%c' needs a value", optopt);
	if (optopt)
		usage_error(usage, "unknown option '-%c'", optopt);
	usage_error(usage, "unknown option '%s'", arg ? arg : "?");
	return c;
}

unsigned long long cli_parse_size(const char *s, const char *usage,
				  const char *what)
{
	uint64_t v;

	if (vlt_parse_size(s, &v) < 0)
		usage_error(usage, "%s: '%s' is not a size", what, s);
	return v;
}

static void warn_load_errors(struct vlt_repo *r)
{
	const char *msg;
	int n = vlt_odb_load_errors(r, &msg);

	if (n)
		warning("%d pack index%s could not be loaded (%s); run "
			"'vault fsck'", n, n > 1 ? "es" : "", msg);
}

struct vlt_repo *cli_try_open_repo(void)
{
	struct vlt_repo *r = NULL;
	int err = vlt_repo_discover(NULL, &r);

	if (err == VLT_E_NOTFOUND && !getenv("VAULT_DIR"))
		return NULL;
	if (err < 0)
		die("%s", vlt_error_last());
	warn_load_errors(r);
	cli_repo = r;
	return r;
}

struct vlt_repo *cli_open_repo(void)
{
	struct vlt_repo *r = NULL;

	if (vlt_repo_discover(NULL, &r) < 0)
		die("%s", vlt_error_last());
	warn_load_errors(r);
	cli_repo = r;
	return r;
}

void cli_write_stdout(const void *buf, size_t len)
{
	if (vlt_write_full(1, buf, len, "stdout") < 0)
		die("%s", vlt_error_last());
}

void cli_stdout_failed(void)
{
	int e = errno;

	die("write error on standard output: %s",
	    e ? strerror(e) : "input/output error");
}

char *cli_worktree_paths(struct vlt_repo *r, char **args, int n,
			 struct vlt_strlist *paths, const char *bare_hint)
{
	char *root;

	if (!vlt_repo_worktree(r))
		die("this repository has no project folder (it is bare): %s",
		    bare_hint);
	if (!(root = realpath(vlt_repo_worktree(r), NULL)))
		die("cannot open the project folder %s", vlt_repo_worktree(r));
	for (int i = 0; i < n; i++) {
		struct vlt_buf rel = VLT_BUF_INIT;
		int below = vlt_path_below(root, args[i], &rel);

		if (below < 0)
			die("%s: %s", args[i], vlt_error_last());
		if (!below)
			die("%s: is outside the project folder %s", args[i], root);
		if (vlt_strlist_add(paths, rel.data ? rel.data : "") < 0)
			die("out of memory");
		vlt_buf_release(&rel);
	}
	if (paths->nr) {
		if (VLT_ALLOC_GROW(paths->v, paths->nr + 1, paths->alloc) < 0)
			die("out of memory");
		paths->v[paths->nr] = NULL;
	}
	return root;
}

void cli_flush_stdout(void)
{
	if (fflush(stdout) == EOF || ferror(stdout))
		cli_stdout_failed();
}
