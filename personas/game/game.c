/*
 * vault-game - the game persona's front end: `vault game CMD`, also
 * installed as gamevault. The dispatching is cli/persona.c; this is the
 * persona's table: its commands and its defaults.
 *
 * Defaults: VAULT_PERSONA=game for every command, so `vault game init`
 * writes core.persona = game, and init gets the chunking suited to big
 * binary assets (format.md section 2: 1 MiB average chunks, 128 MiB
 * packs) unless the user gives other sizes.
 */
#include "persona.h"

static const struct cli_persona_cmd cmds[] = {
	{ "assets", "vault-assets",
	  "which file uses which: missing, unused, why, impact, mv", 1, NULL },
	{ "workspace", "vault-workspace",
	  "capture and restore Godot editor settings (and other tools')", 0,
	  NULL },
	{ "milestone", "vault-milestone",
	  "named snapshots with a due date and a checklist; release freezes",
	  0, NULL },
	{ "playtest", "vault-playtest",
	  "playtest sessions of an exact build: time, metrics, attachments",
	  0, NULL },
	{ "feedback", "vault-feedback",
	  "player feedback per build; correlate tags with changes; bisect",
	  0, NULL },
	{ "platform", "vault-platform",
	  "the platforms builds are recorded for", 0, NULL },
	{ "build", "vault-build",
	  "build outputs per platform and snapshot; diff explains growth",
	  0, NULL },
	{ "optimize", "vault-optimize",
	  "which assets cost the most stored bytes; what a policy would save",
	  0, NULL },
	{ NULL, NULL, NULL, 0, NULL },
};

static const char *const init_args[] = {
	"--avg", "1M", "--pack-size", "128M", NULL,
};

static const struct cli_persona game = {
	.name = "game",
	.program = "vault-game",
	.link = "gamevault",
	.about = "vault for game teams: the same repository and commands, set\n"
		 "up for big binary assets. `init` marks the repository as a\n"
		 "game one (core.persona = game) and chooses 1 MiB average\n"
		 "chunks (256 KiB..4 MiB) and 128 MiB packs; give --avg, --min,\n"
		 "--max or --pack-size to init to choose otherwise.",
	.cmds = cmds,
	.init_args = init_args,
};

int main(int argc, char **argv)
{
	cli_persona_main(&game, argc, argv);
}
