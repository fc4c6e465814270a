/*
 * persona.h - the front end both personas share: `vault creative CMD`
 * and `vault game CMD` (also installed as creative-vault and gamevault).
 *
 * A persona's front end names itself from argv[0], applies the persona's
 * defaults (VAULT_PERSONA in the children's environment, which init turns
 * into core.persona; extra options for init; a command that a config key
 * of the repository switches back to the common one), then runs the
 * persona's command (vault-PERSONA-CMD, or the program its table names)
 * or else the common porcelain vault-CMD. The child's exit status is
 * passed through. A persona folder holds only its table and its
 * commands; this file is all the dispatching there is.
 */
#ifndef VLT_CLI_PERSONA_H
#define VLT_CLI_PERSONA_H

#include <stddef.h>

/* One of a persona's own commands. */
struct cli_persona_cmd {
	const char *name;       /* "diff": `vault creative diff` */
	const char *program;    /* "vault-creative-diff" */
	const char *summary;    /* one line for the command list */
	int needs_media;        /* not built by ./configure --without-media */
	/* a boolean config key (e.g. "creative.visualDiff"): when the
	 * repository sets it false, the common vault-NAME runs instead;
	 * NULL: always the persona's program */
	const char *off_key;
};

struct cli_persona {
	const char *name;       /* "creative": VAULT_PERSONA, `vault NAME` */
	const char *program;    /* "vault-creative" */
	const char *link;       /* "creative-vault": the same program */
	const char *about;      /* a paragraph for --help */
	const struct cli_persona_cmd *cmds;  /* ends with a NULL name */
	/* options put before the user's own in `init` (the user's win, as
	 * init takes the last of a repeated option); NULL-terminated, or
	 * NULL for none */
	const char *const *init_args;
};

/* The whole of a persona's main(): never returns. Exit status: the
 * command's; 129 for a usage error or an unknown command; 128 when a
 * command could not be run (a media command in a build without media). */
int cli_persona_main(const struct cli_persona *p, int argc, char **argv)
	__attribute__((noreturn));

#endif
