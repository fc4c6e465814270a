/*
 * vault-creative - the creative persona's front end: `vault creative CMD`,
 * also installed as creative-vault. The dispatching is cli/persona.c;
 * this is the persona's table: its commands and its defaults.
 *
 * Defaults: VAULT_PERSONA=creative for every command, so `vault creative
 * init` writes core.persona = creative and creative.visualDiff = true
 * (format.md section 2); `vault creative diff` is the visual report
 * unless the repository sets creative.visualDiff = false.
 */
#include "persona.h"

static const struct cli_persona_cmd cmds[] = {
	{ "diff", "vault-creative-diff",
	  "pictures of the changed images and models, with an index.html", 1,
	  "creative.visualDiff" },
	{ "status", "vault-creative-status",
	  "what changed, with image sizes, changed pixels and model counts", 1,
	  NULL },
	{ "extract", "vault-extract",
	  "one layer, object or rectangle of an old version, as a file", 1,
	  NULL },
	{ "replace", "vault-replace",
	  "put a layer, object or rectangle of an old version back", 1, NULL },
	{ "timeline", "vault-timeline",
	  "every version of one file; --html: thumbnails and visual diffs", 1,
	  NULL },
	{ "assets", "vault-assets",
	  "which file uses which: missing, unused, why, impact, mv", 1, NULL },
	{ "workspace", "vault-workspace",
	  "capture and restore Blender, Krita, GIMP... settings (undoable)", 0,
	  NULL },
	{ NULL, NULL, NULL, 0, NULL },
};

static const struct cli_persona creative = {
	.name = "creative",
	.program = "vault-creative",
	.link = "creative-vault",
	.about = "vault for artists: the same repository and commands, with\n"
		 "visual diffs of images and 3D models and timelines with\n"
		 "thumbnails. `init` marks the repository as a creative one\n"
		 "(core.persona = creative, creative.visualDiff = true).",
	.cmds = cmds,
	.init_args = NULL,
};

int main(int argc, char **argv)
{
	cli_persona_main(&creative, argc, argv);
}
