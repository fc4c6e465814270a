/*
 * tap.c - see tap.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"

static int count, failed, lazy;
static char tmpdir[256];

void tap_plan(int n)
{
	printf("1..%d\n", n);
}

void tap_plan_lazy(void)
{
	lazy = 1;
}

int tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	count++;
	printf("%sok %d - ", cond ? "" : "not ", count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!cond)
		failed++;
	return cond;
}

void tap_diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

void tap_skip(const char *why)
{
	count++;
	printf("ok %d # skip %s\n", count, why);
}

static void remove_tmpdir(void)
{
	char cmd[300];

	if (tmpdir[0] && !getenv("VAULT_TEST_KEEP")) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", tmpdir);
	}
}

const char *tap_tmpdir(void)
{
	if (!tmpdir[0]) {
		const char *base = getenv("TMPDIR");

		snprintf(tmpdir, sizeof(tmpdir), "%s/vault-unit-XXXXXX",
			 base ? base : "/tmp");
		if (!mkdtemp(tmpdir)) {
			perror("mkdtemp");
			exit(2);
		}
		atexit(remove_tmpdir);
	}
	return tmpdir;
}

int tap_done(void)
{
	if (lazy)
		printf("1..%d\n", count);
	return failed ? 1 : 0;
}
