/*
 * cli-json.c - unit tests for the programs' front end (cli/): the JSON
 * writer keeps keys in insertion order and turns a failed write into
 * "fatal: write error on standard output" and exit 128; die() and a
 * normal exit remove the temporary files and locks registered in the
 * cleanup registry, but a forked child does not remove its parent's.
 *
 * Each case that exits runs in a fresh copy of this program (fork + exec
 * of /proc/self/exe with the case's name), so that the exit handlers of
 * the test itself (tap's scratch folder) are not inherited.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "cli.h"
#include "json.h"
#include "progress.h"
#include "tap.h"

static int exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static void make(const char *path)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs("x\n", f);
		fclose(f);
	}
}

/* The whole of a small file, or "" (static buffer). */
static const char *slurp(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n = 0;

	if (f) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return buf;
}

/*
 * Run this program as "cli-json CASE ARG" with stdout and stderr sent to
 * the given files; returns its exit status, or -1 when it did not exit.
 */
static int run_case(const char *name, const char *arg, const char *out,
		    const char *err)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
			_exit(99);
		execl("/proc/self/exe", "cli-json", name, arg, (char *)NULL);
		_exit(98);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static json_t *sample(void)
{
	json_t *o = cli_json_object(), *inner = cli_json_object();
	json_t *a = cli_json_array();

	cli_json_set(o, "zeta", json_integer(1));
	cli_json_set(inner, "b", json_integer(2));
	cli_json_set(inner, "a", json_integer(3));
	cli_json_set(o, "alpha", inner);
	cli_json_append(a, json_true());
	cli_json_append(a, json_null());
	cli_json_set(o, "mid", a);
	cli_json_set(o, "real", json_real(1.5));
	return o;
}

/* The cases run in the child; each ends the process. */
static int child(const char *name, const char *arg)
{
	cli_init("cli-json");
	if (!strcmp(name, "print")) {
		cli_json_print(sample(), 0);
		return 0;
	}
	if (!strcmp(name, "print-compact")) {
		json_t *o = cli_json_object();

		cli_json_set(o, "pi", json_real(3.14159));
		cli_json_print(sample(), CLI_JSON_COMPACT);
		cli_json_print(o, CLI_JSON_COMPACT | CLI_JSON_PRECISION(3));
		cli_json_print(json_integer(7),
			       CLI_JSON_COMPACT | CLI_JSON_ELEMENT);
		cli_flush_stdout();
		return 0;
	}
	if (!strcmp(name, "die")) {
		vlt_cleanup_add(arg);
		die("stopped");
	}
	if (!strcmp(name, "exit")) {
		vlt_cleanup_add(arg);
		return 0;
	}
	if (!strcmp(name, "fork")) {
		pid_t pid;
		int status;

		vlt_cleanup_add(arg);
		pid = fork();
		if (pid == 0)
			exit(0);  /* runs the exit handlers of the copy */
		if (pid < 0 || waitpid(pid, &status, 0) != pid)
			_exit(97);
		/* still there after the child's exit: 0; and the owner's own
		 * exit (this return) removes it */
		if (!exists(arg))
			_exit(1);
		return 0;
	}
	if (!strcmp(name, "progress")) {
		cli_progress_start(1);   /* stderr is a file: stays silent */
		cli_progress_update("working %d", 1);
		cli_progress_clear();
		warning("done");
		return 0;
	}
	return 96;
}

int main(int argc, char **argv)
{
	char out[512], err[512], tmp[512];

	if (argc == 3)
		return child(argv[1], argv[2]);
	tap_plan_lazy();
	snprintf(out, sizeof(out), "%s/out", tap_tmpdir());
	snprintf(err, sizeof(err), "%s/err", tap_tmpdir());
	snprintf(tmp, sizeof(tmp), "%s/x.tmp-1-000000000000", tap_tmpdir());

	is_int(run_case("print", "-", out, err), 0, "cli_json_print succeeds");
	is_str(slurp(out),
	       "{\n"
	       "  \"zeta\": 1,\n"
	       "  \"alpha\": {\n"
	       "    \"b\": 2,\n"
	       "    \"a\": 3\n"
	       "  },\n"
	       "  \"mid\": [\n"
	       "    true,\n"
	       "    null\n"
	       "  ],\n"
	       "  \"real\": 1.5\n"
	       "}\n",
	       "keys come out in insertion order, nested ones too, indented by 2");

	is_int(run_case("print-compact", "-", out, err), 0,
	       "compact printing succeeds");
	is_str(slurp(out),
	       "{\"zeta\":1,\"alpha\":{\"b\":2,\"a\":3},\"mid\":[true,null],"
	       "\"real\":1.5}\n{\"pi\":3.14}\n7",
	       "compact: one line, the precision asked for; an element has no "
	       "newline");

	is_int(run_case("print", "/dev/full", "/dev/full", err), 128,
	       "a write error on stdout exits 128");
	is_str(slurp(err),
	       "fatal: write error on standard output: No space left on device\n",
	       "and says so on stderr");

	make(tmp);
	is_int(run_case("die", tmp, out, err), 128, "die exits 128");
	ok(!exists(tmp), "die removes the registered temporary file");
	is_str(slurp(err), "fatal: stopped\n", "die prints its message");

	make(tmp);
	is_int(run_case("exit", tmp, out, err), 0, "a normal exit succeeds");
	ok(!exists(tmp), "a normal exit removes a file still registered");

	make(tmp);
	is_int(run_case("fork", tmp, out, err), 0,
	       "a forked child's exit leaves its parent's files alone");
	ok(!exists(tmp), "the parent's exit removes them");

	is_int(run_case("progress", "-", out, err), 0, "progress runs");
	is_str(slurp(err), "warning: done\n",
	       "no progress line when stderr is not a terminal");
	return tap_done();
}
