/*
 * testhook.c - the test suite's crash and race hooks (see testhook.h).
 * The only file of the libraries that runs commands or kills its own
 * process, and only with VAULT_TEST_HOOKS=1 in a build configured with
 * the hooks (the default; --disable-test-hooks leaves this file empty).
 */
#include "testhook.h"

#ifdef VLT_TEST_HOOKS

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"

/* VAULT_TEST_<POINT> into buf; 0, or -1 when the name does not fit. */
static int var_name(const char *point, char *buf, size_t n)
{
	static const char pre[] = "VAULT_TEST_";
	size_t k = sizeof(pre) - 1, len = strlen(point);

	if (k + len + 1 > n)
		return -1;
	memcpy(buf, pre, k);
	for (size_t i = 0; i < len; i++) {
		char c = point[i];

		buf[k + i] = c == '-' ? '_' :
			     (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
	}
	buf[k + len] = '\0';
	return 0;
}

/* The value of point's variable when hooks are on and it is not empty. */
static const char *hook_value(const char *point, char *var, size_t n)
{
	const char *on = getenv("VAULT_TEST_HOOKS");
	const char *v;

	if (!on || strcmp(on, "1") || var_name(point, var, n) < 0)
		return NULL;
	v = getenv(var);
	return v && *v ? v : NULL;
}

void vlt_testhook_run(const char *point)
{
	char var[64];
	const char *cmd = hook_value(point, var, sizeof(var));

	if (cmd && system(cmd) != 0)
		vlt_warning("test hook %s failed", var);
}

void vlt_testhook_count(const char *point)
{
	static long limit = -1;
	static long count;
	char var[64];

	/* one counted point per process: the value is read once */
	if (__atomic_load_n(&limit, __ATOMIC_ACQUIRE) < 0) {
		const char *s = hook_value(point, var, sizeof(var));

		__atomic_store_n(&limit, s ? atol(s) : 0, __ATOMIC_RELEASE);
	}
	if (limit > 0 && __atomic_add_fetch(&count, 1, __ATOMIC_SEQ_CST) >= limit)
		kill(getpid(), SIGKILL);
}

void vlt_testhook_kill_at(const char *point, const char *what)
{
	char var[64];
	const char *s = hook_value(point, var, sizeof(var));

	if (s && strstr(what, s))
		kill(getpid(), SIGKILL);
}

void vlt_testhook_pause_at(const char *point, const char *what)
{
	char var[64];
	const char *s = hook_value(point, var, sizeof(var));

	if (s && strstr(what, s))
		for (;;)
			pause();
}

#endif
