/*
 * exec.h - finding and running vault's other programs: the driver runs
 * vault-COMMAND, a persona's front end runs its commands and the common
 * ones, `vault diff --visual` hands over to the creative persona's
 * report. All look in one place first, the exec directory, as git's
 * exec-cmd.c does.
 */
#ifndef VLT_CLI_EXEC_H
#define VLT_CLI_EXEC_H

/* Where vault's programs are: $VAULT_EXEC_PATH (the driver sets it), else
 * the directory of the running binary, else the install bindir. The
 * string is static, computed once. */
const char *cli_exec_dir(void);

/* The command an alias stands for ("snapshot": "backup"), else cmd. */
const char *cli_alias(const char *cmd);

/* 1 if the program name ("vault-diff") is in cli_exec_dir() or the
 * install bindir, 0 if not. */
int cli_program_exists(const char *name);

/*
 * Run the program name with argv (argv[0] becomes name, argv ends with
 * NULL): from cli_exec_dir(), then the install bindir, then, when
 * search_path is set, $PATH (a user's own vault-foo). Returns only when
 * nothing could be run: -1 with errno set (ENOENT: name is nowhere).
 */
int cli_exec(const char *name, char **argv, int search_path);

#endif
