/*
 * persona.c - the front end of `vault creative` and `vault game`. See
 * persona.h; the personas' tables are personas/creative/creative.c and
 * personas/game/game.c, the profile keys format.md section 2.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
#include "config.h"
#include "error.h"
#include "exec.h"
#include "persona.h"
#include "repo.h"

/* The common porcelain, as the driver's help groups it. */
static const char common[] =
"   init backup status restore log show ls cat diff stats tag check-ignore\n"
"   fsck forget gc export-git import-git (`vault help` describes them)\n";

static struct vlt_buf usage = VLT_BUF_INIT;

static void build_usage(const struct cli_persona *p, const char *self)
{
	if (vlt_buf_addf(&usage, "usage: %s [--repo PATH] COMMAND [ARGS]\n"
			 "\n%s\n\nThe %s persona's commands:\n", self, p->about,
			 p->name) < 0)
		die("out of memory");
	for (const struct cli_persona_cmd *c = p->cmds; c->name; c++)
		if (vlt_buf_addf(&usage, "   %-13s %s\n", c->name,
				 c->summary) < 0)
			die("out of memory");
	if (!p->cmds->name && vlt_buf_adds(&usage, "   none yet: the common "
					   "commands, with its defaults\n") < 0)
		die("out of memory");
	if (vlt_buf_addf(&usage, "\nCommon commands (what `vault COMMAND` runs, "
			 "with the %s defaults):\n%s\n"
			 "    --repo PATH   the repository (as `vault --repo "
			 "PATH`)\n"
			 "    -h, --help    this list\n"
			 "\n`%s help COMMAND` or `%s COMMAND --help` shows a "
			 "command's help.\n", p->name, common, self, self) < 0)
		die("out of memory");
}

/* 1 when the repository here sets key to false (a switched-off default);
 * any problem opening it is left to the command, which reports it. */
static int switched_off(const char *key)
{
	struct vlt_repo *r = NULL;
	int on = 1;

	if (vlt_repo_discover(NULL, &r) == 0 &&
	    vlt_config_get_bool(vlt_repo_config(r), key, &on) < 0)
		on = 1;
	vlt_repo_free(r);
	vlt_error_clear();
	return !on;
}

/* argv[0..argc) with extra inserted after argv[0]; NULL-terminated. */
static char **with_args(int argc, char **argv, const char *const *extra)
{
	size_t n = 0, k = 0;
	char **v;

	while (extra && extra[n])
		n++;
	v = calloc((size_t)argc + n + 1, sizeof(*v));
	if (!v)
		die("out of memory");
	v[k++] = argv[0];
	for (size_t i = 0; i < n; i++)
		v[k++] = (char *)extra[i];
	for (int i = 1; i < argc; i++)
		v[k++] = argv[i];
	v[k] = NULL;
	return v;
}

static void run(const struct cli_persona *p, int argc, char **argv)
{
	const char *cmd = argv[0];
	const struct cli_persona_cmd *c = NULL;
	struct vlt_buf name = VLT_BUF_INIT;

	if (!*cmd || strchr(cmd, '/'))
		usage_error(usage.data, "'%s' is not a %s command", cmd, p->name);
	for (const struct cli_persona_cmd *e = p->cmds; e->name; e++)
		if (!strcmp(e->name, cmd))
			c = e;
	if (c && !(c->off_key && switched_off(c->off_key))) {
		if (vlt_buf_adds(&name, c->program) < 0)
			die("out of memory");
		if (!cli_program_exists(name.data))
			die(c->needs_media ?
			    "'%s %s' needs media support, and this build has "
			    "none (%s is not installed)" :
			    "'%s %s': %s is not installed", p->name, cmd,
			    name.data);
	} else if (!c) {
		/* a persona command added later, or by the user */
		if (vlt_buf_addf(&name, "vault-%s-%s", p->name, cmd) < 0)
			die("out of memory");
		if (!cli_program_exists(name.data))
			vlt_buf_reset(&name);
	}
	if (!name.len) {
		if (vlt_buf_addf(&name, "vault-%s", cli_alias(cmd)) < 0)
			die("out of memory");
		if (!strcmp(cmd, "init"))
			argv = with_args(argc, argv, p->init_args);
	}
	cli_exec(name.data, argv, 1);
	if (errno == ENOENT)
		usage_error(usage.data, "'%s' is neither a %s command nor a "
			    "common vault command", cmd, p->name);
	die("cannot run %s: %s", name.data, strerror(errno));
}

int cli_persona_main(const struct cli_persona *p, int argc, char **argv)
{
	const char *base = strrchr(argv[0], '/');
	char self[128];
	int i;

	base = base ? base + 1 : argv[0];
	if (!strcmp(base, p->link))
		snprintf(self, sizeof(self), "%s", p->link);
	else
		snprintf(self, sizeof(self), "vault %s", p->name);
	cli_init(!strcmp(base, p->link) ? p->link : p->program);
	build_usage(p, self);
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage_help(usage.data);
		} else if (!strcmp(a, "--repo")) {
			if (i + 1 >= argc)
				usage_error(usage.data, "--repo needs a PATH");
			setenv("VAULT_DIR", argv[++i], 1);
		} else if (!strncmp(a, "--repo=", 7)) {
			setenv("VAULT_DIR", a + 7, 1);
		} else {
			usage_error(usage.data, "unknown option '%s'", a);
		}
	}
	if (i >= argc) {
		fputs(usage.data, stderr);
		exit(VLT_EXIT_USAGE);
	}
	setenv("VAULT_PERSONA", p->name, 1);
	setenv("VAULT_EXEC_PATH", cli_exec_dir(), 1);
	if (!strcmp(argv[i], "help")) {
		static char help_flag[] = "--help";
		char *args[3];

		if (i + 1 >= argc)
			usage_help(usage.data);
		args[0] = argv[i + 1];
		args[1] = help_flag;
		args[2] = NULL;
		run(p, 2, args);
	}
	run(p, argc - i, argv + i);
	exit(VLT_EXIT_FATAL);
}
