/*
 * workspace-profiles.h - where applications keep their settings: the
 * built-in profiles of `vault workspace` (Blender, Krita, GIMP, Inkscape,
 * Godot, Photoshop) for Linux, macOS and Windows, and the user's own from
 * the repository config (workspace.APP.path / workspace.APP.exclude).
 * Documentation/vault-workspace.md has the same table for people.
 *
 * A profile resolves to locations: a file or folder on disk, the label it
 * has at the top of a workspace snapshot's tree ("4.2", "kritarc",
 * "data"), and the patterns left out below it (caches).
 */
#ifndef VLT_WORKSPACE_PROFILES_H
#define VLT_WORKSPACE_PROFILES_H

#include <stddef.h>

#include "buf.h"
#include "config.h"

enum ws_platform {
	WS_LINUX = 1,
	WS_MACOS = 2,
	WS_WINDOWS = 4,
};

/* "linux", "macos", "windows" -> the platform; 0 for anything else. */
unsigned ws_platform_parse(const char *s);
const char *ws_platform_name(unsigned p);
/* The build's platform, unless $VAULT_WORKSPACE_PLATFORM says another. */
unsigned ws_platform_default(void);

struct ws_loc {
	char *label;       /* owned: the top-level name in the snapshot */
	char *path;        /* owned: absolute path on this machine */
	char *version;     /* owned, or NULL: the version folder's version */
	int exists;        /* the path exists (lstat) */
	const char *const *excludes;      /* built-in patterns (static) */
	struct vlt_strlist user_excludes; /* from the config */
};

struct ws_profile {
	const char *app;          /* static (built-in) or owned (user) */
	const char *title;        /* "Blender" */
	const char *note;         /* what is left out, or NULL */
	int builtin, user;        /* from the table, from the config */
	int versioned;            /* has version folders (for migrate) */
	int none_here;            /* built-in with no location on this
				   * platform (Photoshop on Linux) */
	struct ws_loc *v;
	size_t nr, alloc;
	char *app_owned;
	const void *def;          /* the table entry, or NULL */
	unsigned platform;
};

void ws_profile_release(struct ws_profile *p);

/*
 * Resolve app's profile for platform: every location that exists (all
 * version folders found, or only version `version` when not NULL), from
 * the table and from cfg. Returns 0, or -1 with a message in err for an
 * unknown application, a bad config value or HOME unset.
 */
int ws_profile_load(const char *app, unsigned platform,
		    const struct vlt_config *cfg, const char *version,
		    struct ws_profile *p, struct vlt_buf *err);

/* The path where the location labelled label lives here (a version
 * folder that does not exist yet included), into out; 0, or -1 when the
 * profile has no such label. */
int ws_profile_label_path(const struct ws_profile *p, const char *label,
			  struct vlt_buf *out);

/* For migrate: the path of each version-folder location of version ver
 * (labels into labels, paths into paths, in table order). -1 when the
 * profile has no version folders. */
int ws_profile_version_paths(const struct ws_profile *p, const char *ver,
			     struct vlt_strlist *labels,
			     struct vlt_strlist *paths);

/* The applications known: built-in first (table order), then the
 * config's, each once. */
int ws_profile_names(const struct vlt_config *cfg, struct vlt_strlist *out);

/* The location templates of a built-in profile for `profiles`: calls fn
 * once per template of platform, with the template as text
 * ("$XDG_CONFIG_HOME/blender/<version>"). */
void ws_profile_templates(const struct ws_profile *p,
			  void (*fn)(const char *label, const char *text,
				     void *data),
			  void *data);

#endif
