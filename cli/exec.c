/*
 * exec.c - finding and running vault's other programs. See exec.h.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec.h"

static char exec_dir[PATH_MAX];

const char *cli_exec_dir(void)
{
	const char *env = getenv("VAULT_EXEC_PATH");
	char self[PATH_MAX];
	ssize_t n;

	if (exec_dir[0])
		return exec_dir;
	if (env && *env) {
		snprintf(exec_dir, sizeof(exec_dir), "%s", env);
		return exec_dir;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		char *slash;

		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			snprintf(exec_dir, sizeof(exec_dir), "%s", self);
			return exec_dir;
		}
	}
	snprintf(exec_dir, sizeof(exec_dir), "%s", VAULT_BINDIR);
	return exec_dir;
}

const char *cli_alias(const char *cmd)
{
	if (!strcmp(cmd, "snapshot"))
		return "backup";
	return cmd;
}

static int is_exec(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	       access(path, X_OK) == 0;
}

/* dir/name into path; 0, or -1 when it does not fit */
static int join(char *path, size_t size, const char *dir, const char *name)
{
	int n = snprintf(path, size, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= size ? -1 : 0;
}

int cli_program_exists(const char *name)
{
	char path[PATH_MAX];

	if (strchr(name, '/'))
		return 0;
	return (join(path, sizeof(path), cli_exec_dir(), name) == 0 &&
		is_exec(path)) ||
	       (join(path, sizeof(path), VAULT_BINDIR, name) == 0 &&
		is_exec(path));
}

int cli_exec(const char *name, char **argv, int search_path)
{
	const char *dirs[2] = { cli_exec_dir(), VAULT_BINDIR };
	char path[PATH_MAX];
	int err = 0;

	if (strchr(name, '/')) {
		errno = ENOENT;
		return -1;
	}
	argv[0] = (char *)name;
	for (int d = 0; d < 2; d++) {
		if (join(path, sizeof(path), dirs[d], name) == 0 &&
		    is_exec(path)) {
			execv(path, argv);
			err = errno;  /* there but not runnable: try the next */
		}
	}
	if (search_path) {
		execvp(name, argv);  /* a user's own vault-foo on $PATH */
		if (errno != ENOENT || !err)
			return -1;
	}
	errno = err ? err : ENOENT;
	return -1;
}
