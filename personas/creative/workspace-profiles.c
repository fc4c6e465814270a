/*
 * workspace-profiles.c - the built-in table of where applications keep
 * their settings, and the resolution of a profile into the locations of
 * this machine (workspace-profiles.h).
 *
 * A template is a base folder (XDG config, XDG data, ~/Library/...,
 * %APPDATA%, %LOCALAPPDATA%, or an environment variable naming the
 * folder itself) and a relative path where "{v}" stands for a version
 * ("blender/{v}", "Adobe/Adobe Photoshop {v}/Presets"). Version folders
 * are found by listing the folder above the first component holding
 * "{v}": names made of that component with digits and dots in place of
 * "{v}" ("4.1", "4.2", "2024").
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE   /* strverscmp */
#endif
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "workspace-profiles.h"

enum ws_base {
	B_CONFIG,        /* $XDG_CONFIG_HOME or ~/.config */
	B_DATA,          /* $XDG_DATA_HOME or ~/.local/share */
	B_MAC_SUPPORT,   /* ~/Library/Application Support */
	B_MAC_PREFS,     /* ~/Library/Preferences */
	B_APPDATA,       /* %APPDATA% or ~/AppData/Roaming */
	B_LOCALAPPDATA,  /* %LOCALAPPDATA% or ~/AppData/Local */
	B_ENV,           /* the variable env names the folder itself */
};

#define ALL (WS_LINUX | WS_MACOS | WS_WINDOWS)
#define MAX_EXCLUDES 6
#define MAX_LOCS 12

struct loc_def {
	unsigned platforms;
	enum ws_base base;
	const char *rel;          /* B_ENV: NULL */
	const char *label;        /* may hold "{v}" when rel does */
	const char *env;          /* B_ENV: the variable */
	const char *unless_env;   /* skipped when this variable is set */
	const char *excludes[MAX_EXCLUDES];  /* NULL-terminated */
};

struct profile_def {
	const char *app, *title, *note;
	struct loc_def locs[MAX_LOCS];
};

static const struct profile_def profiles[] = {
	{ "blender", "Blender",
	  "every version folder found; ~/.cache/blender is not below the "
	  "settings and is not captured",
	  {
		{ WS_LINUX, B_CONFIG, "blender/{v}", "{v}", NULL,
		  "BLENDER_USER_RESOURCES", { "/extensions/.cache/", NULL } },
		{ WS_MACOS, B_MAC_SUPPORT, "Blender/{v}", "{v}", NULL,
		  "BLENDER_USER_RESOURCES", { "/extensions/.cache/", NULL } },
		{ WS_WINDOWS, B_APPDATA, "Blender Foundation/Blender/{v}", "{v}",
		  NULL, "BLENDER_USER_RESOURCES",
		  { "/extensions/.cache/", NULL } },
		{ ALL, B_ENV, NULL, "resources", "BLENDER_USER_RESOURCES", NULL,
		  { "/extensions/.cache/", NULL } },
		{ ALL, B_ENV, NULL, "user-config", "BLENDER_USER_CONFIG", NULL,
		  { NULL } },
		{ ALL, B_ENV, NULL, "user-scripts", "BLENDER_USER_SCRIPTS", NULL,
		  { NULL } },
	  } },
	{ "krita", "Krita",
	  "~/.cache/krita is not below the settings and is not captured",
	  {
		{ WS_LINUX, B_CONFIG, "kritarc", "kritarc", NULL, NULL, { NULL } },
		{ WS_LINUX, B_CONFIG, "kritashortcutsrc", "kritashortcutsrc", NULL,
		  NULL, { NULL } },
		{ WS_LINUX, B_DATA, "krita", "data", NULL, NULL,
		  { "cache/", NULL } },
		{ WS_MACOS, B_MAC_PREFS, "kritarc", "kritarc", NULL, NULL,
		  { NULL } },
		{ WS_MACOS, B_MAC_PREFS, "kritashortcutsrc", "kritashortcutsrc",
		  NULL, NULL, { NULL } },
		{ WS_MACOS, B_MAC_SUPPORT, "krita", "data", NULL, NULL,
		  { "cache/", NULL } },
		{ WS_WINDOWS, B_LOCALAPPDATA, "kritarc", "kritarc", NULL, NULL,
		  { NULL } },
		{ WS_WINDOWS, B_LOCALAPPDATA, "kritashortcutsrc",
		  "kritashortcutsrc", NULL, NULL, { NULL } },
		{ WS_WINDOWS, B_APPDATA, "krita", "data", NULL, NULL,
		  { "cache/", NULL } },
	  } },
	{ "gimp", "GIMP",
	  "every version folder found (2.10, 3.0)",
	  {
		{ WS_LINUX, B_CONFIG, "GIMP/{v}", "{v}", NULL, NULL,
		  { "/tmp/", "/thumbnails/", "gimpswap.*", NULL } },
		{ WS_MACOS, B_MAC_SUPPORT, "GIMP/{v}", "{v}", NULL, NULL,
		  { "/tmp/", "/thumbnails/", "gimpswap.*", NULL } },
		{ WS_WINDOWS, B_APPDATA, "GIMP/{v}", "{v}", NULL, NULL,
		  { "/tmp/", "/thumbnails/", "gimpswap.*", NULL } },
	  } },
	{ "inkscape", "Inkscape",
	  "~/.cache/inkscape is not below the settings and is not captured",
	  {
		{ WS_LINUX, B_CONFIG, "inkscape", "config", NULL, NULL,
		  { "/extension-errors.log", NULL } },
		{ WS_MACOS, B_MAC_SUPPORT, "org.inkscape.Inkscape/config/inkscape",
		  "config", NULL, NULL, { "/extension-errors.log", NULL } },
		{ WS_WINDOWS, B_APPDATA, "inkscape", "config", NULL, NULL,
		  { "/extension-errors.log", NULL } },
	  } },
	{ "godot", "Godot",
	  "the editor's settings, layouts and script templates; export "
	  "templates are left out (downloadable, hundreds of MB), and so is "
	  "app_userdata/ (the projects' user:// data, not the editor's)",
	  {
		{ WS_LINUX, B_CONFIG, "godot", "config", NULL, NULL,
		  { "/export_templates/", "/app_userdata/", "/editor_data/cache/",
		    "/cache/", NULL } },
		{ WS_LINUX, B_DATA, "godot", "data", NULL, NULL,
		  { "/export_templates/", "/app_userdata/", "/editor_data/cache/",
		    "/cache/", NULL } },
		{ WS_MACOS, B_MAC_SUPPORT, "Godot", "config", NULL, NULL,
		  { "/export_templates/", "/app_userdata/", "/editor_data/cache/",
		    "/cache/", NULL } },
		{ WS_WINDOWS, B_APPDATA, "Godot", "config", NULL, NULL,
		  { "/export_templates/", "/app_userdata/", "/editor_data/cache/",
		    "/cache/", NULL } },
	  } },
	{ "photoshop", "Photoshop",
	  "presets (brushes, swatches, actions...) and settings of every "
	  "Photoshop year found",
	  {
		{ WS_MACOS, B_MAC_SUPPORT, "Adobe/Adobe Photoshop {v}/Presets",
		  "presets-{v}", NULL, NULL, { NULL } },
		{ WS_MACOS, B_MAC_PREFS, "Adobe Photoshop {v} Settings",
		  "settings-{v}", NULL, NULL, { "/CT Font Cache/", NULL } },
		{ WS_WINDOWS, B_APPDATA, "Adobe/Adobe Photoshop {v}/Presets",
		  "presets-{v}", NULL, NULL, { NULL } },
		{ WS_WINDOWS, B_APPDATA,
		  "Adobe/Adobe Photoshop {v}/Adobe Photoshop {v} Settings",
		  "settings-{v}", NULL, NULL, { "/CT Font Cache/", NULL } },
	  } },
};

#define NPROFILES (sizeof(profiles) / sizeof(profiles[0]))

unsigned ws_platform_parse(const char *s)
{
	if (!strcmp(s, "linux"))
		return WS_LINUX;
	if (!strcmp(s, "macos"))
		return WS_MACOS;
	if (!strcmp(s, "windows"))
		return WS_WINDOWS;
	return 0;
}

const char *ws_platform_name(unsigned p)
{
	return p == WS_MACOS ? "macos" : p == WS_WINDOWS ? "windows" : "linux";
}

unsigned ws_platform_default(void)
{
	const char *e = getenv("VAULT_WORKSPACE_PLATFORM");

	if (e && ws_platform_parse(e))
		return ws_platform_parse(e);
#if defined(__APPLE__)
	return WS_MACOS;
#elif defined(_WIN32)
	return WS_WINDOWS;
#else
	return WS_LINUX;
#endif
}

static const char *env_abs(const char *name)
{
	const char *v = getenv(name);

	return v && *v == '/' ? v : NULL;
}

/* The base folder into out; -1 when it has none here. */
static int base_dir(const struct loc_def *d, struct vlt_buf *out,
		    const char *home)
{
	const char *v;

	vlt_buf_reset(out);
	switch (d->base) {
	case B_CONFIG:
		if ((v = env_abs("XDG_CONFIG_HOME")))
			return vlt_buf_adds(out, v);
		return vlt_buf_addf(out, "%s/.config", home);
	case B_DATA:
		if ((v = env_abs("XDG_DATA_HOME")))
			return vlt_buf_adds(out, v);
		return vlt_buf_addf(out, "%s/.local/share", home);
	case B_MAC_SUPPORT:
		return vlt_buf_addf(out, "%s/Library/Application Support", home);
	case B_MAC_PREFS:
		return vlt_buf_addf(out, "%s/Library/Preferences", home);
	case B_APPDATA:
		if ((v = getenv("APPDATA")) && *v)
			return vlt_buf_adds(out, v);
		return vlt_buf_addf(out, "%s/AppData/Roaming", home);
	case B_LOCALAPPDATA:
		if ((v = getenv("LOCALAPPDATA")) && *v)
			return vlt_buf_adds(out, v);
		return vlt_buf_addf(out, "%s/AppData/Local", home);
	case B_ENV:
		if ((v = getenv(d->env)) && *v)
			return vlt_buf_adds(out, v);
		return -1;
	}
	return -1;
}

/* s with every "{v}" replaced by ver, appended to out. */
static int subst(struct vlt_buf *out, const char *s, const char *ver)
{
	const char *p;
	int err = 0;

	while ((p = strstr(s, "{v}")) && err >= 0) {
		err = vlt_buf_add(out, s, (size_t)(p - s));
		if (err >= 0)
			err = vlt_buf_adds(out, ver);
		s = p + 3;
	}
	return err < 0 ? err : vlt_buf_adds(out, s);
}

static int is_version(const char *s, size_t n)
{
	if (!n || s[0] < '0' || s[0] > '9' || s[n - 1] == '.')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || s[i] == '.'))
			return 0;
	return 1;
}

static int in_list(const struct vlt_strlist *l, const char *s)
{
	for (size_t i = 0; i < l->nr; i++)
		if (!strcmp(l->v[i], s))
			return 1;
	return 0;
}

static int cmp_version(const void *a, const void *b)
{
	return strverscmp(*(char *const *)a, *(char *const *)b);
}

/* The versions found for template rel below base, sorted. */
static int find_versions(const char *base, const char *rel,
			 struct vlt_strlist *out)
{
	const char *v = strstr(rel, "{v}");
	const char *start = v, *end;
	struct vlt_buf dir = VLT_BUF_INIT;
	size_t plen, slen;
	struct dirent *de;
	DIR *d;
	int err = 0;

	while (start > rel && start[-1] != '/')
		start--;
	end = strchr(v, '/');
	if (!end)
		end = v + strlen(v);
	plen = (size_t)(v - start);
	slen = (size_t)(end - (v + 3));
	if ((err = vlt_buf_addf(&dir, "%s/%.*s", base, (int)(start - rel),
				rel)) < 0)
		goto done;
	if (!(d = opendir(dir.data)))
		goto done;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);

		if (n <= plen + slen || strncmp(de->d_name, start, plen) ||
		    strncmp(de->d_name + n - slen, v + 3, slen) ||
		    !is_version(de->d_name + plen, n - plen - slen))
			continue;
		{
			struct vlt_buf ver = VLT_BUF_INIT;

			err = vlt_buf_add(&ver, de->d_name + plen,
					  n - plen - slen);
			if (err >= 0 && !in_list(out, ver.data))
				err = vlt_strlist_add(out, ver.data);
			vlt_buf_release(&ver);
			if (err < 0)
				break;
		}
	}
	closedir(d);
	if (out->nr > 1)
		qsort(out->v, out->nr, sizeof(*out->v), cmp_version);
done:
	vlt_buf_release(&dir);
	return err;
}

static int label_taken(const struct ws_profile *p, const char *label)
{
	for (size_t i = 0; i < p->nr; i++)
		if (!strcmp(p->v[i].label, label))
			return 1;
	return 0;
}

static int add_loc(struct ws_profile *p, const char *label, const char *path,
		   const char *version, const char *const *excludes)
{
	struct ws_loc *l;
	struct stat st;

	if (VLT_ALLOC_GROW(p->v, p->nr + 1, p->alloc) < 0)
		return -1;
	l = &p->v[p->nr++];
	memset(l, 0, sizeof(*l));
	l->label = strdup(label);
	l->path = strdup(path);
	l->version = version ? strdup(version) : NULL;
	l->exists = lstat(path, &st) == 0;
	l->excludes = excludes;
	if (!l->label || !l->path || (version && !l->version))
		return -1;
	return 0;
}

static const struct profile_def *find_def(const char *app)
{
	for (size_t i = 0; i < NPROFILES; i++)
		if (!strcmp(profiles[i].app, app))
			return &profiles[i];
	return NULL;
}

/* The location def d is skipped here (another platform, an override). */
static int skipped(const struct loc_def *d, unsigned platform)
{
	const char *u;

	if (!(d->platforms & platform))
		return 1;
	return d->unless_env && (u = getenv(d->unless_env)) && *u;
}

static int load_builtin(const struct profile_def *def, struct ws_profile *p,
			const char *home, const char *version)
{
	struct vlt_buf base = VLT_BUF_INIT, path = VLT_BUF_INIT,
		       label = VLT_BUF_INIT;
	int err = 0, any = 0;

	for (size_t i = 0; i < MAX_LOCS && def->locs[i].platforms && !err; i++) {
		const struct loc_def *d = &def->locs[i];
		struct vlt_strlist vers = VLT_STRLIST_INIT;

		if (!(d->platforms & p->platform))
			continue;
		any = 1;
		if (skipped(d, p->platform) || base_dir(d, &base, home) < 0)
			continue;
		if (!d->rel) {
			err = add_loc(p, d->label, base.data, NULL, d->excludes);
			continue;
		}
		if (!strstr(d->rel, "{v}")) {
			vlt_buf_reset(&path);
			err = vlt_buf_addf(&path, "%s/%s", base.data, d->rel);
			if (err >= 0)
				err = add_loc(p, d->label, path.data, NULL,
					      d->excludes);
			continue;
		}
		p->versioned = 1;
		if (version)
			err = vlt_strlist_add(&vers, version);
		else
			err = find_versions(base.data, d->rel, &vers);
		for (size_t k = 0; k < vers.nr && err >= 0; k++) {
			struct stat st;

			vlt_buf_reset(&path);
			vlt_buf_reset(&label);
			if ((err = vlt_buf_addf(&path, "%s/", base.data)) < 0 ||
			    (err = subst(&path, d->rel, vers.v[k])) < 0 ||
			    (err = subst(&label, d->label, vers.v[k])) < 0)
				break;
			if (lstat(path.data, &st) < 0)
				continue;   /* another template's version */
			err = add_loc(p, label.data, path.data, vers.v[k],
				      d->excludes);
		}
		vlt_strlist_release(&vers);
	}
	p->none_here = !any;
	vlt_buf_release(&base);
	vlt_buf_release(&path);
	vlt_buf_release(&label);
	return err < 0 ? -1 : 0;
}

/* The config's workspace.APP.NAME keys: NAME of entry e if it belongs to
 * app, else NULL. */
static const char *user_key(const struct vlt_config_entry *e, const char *app)
{
	const char *k = e->key, *dot;
	size_t n = strlen(app);

	if (strncasecmp(k, "workspace.", 10))
		return NULL;
	k += 10;
	dot = strrchr(k, '.');
	if (!dot || (size_t)(dot - k) != n || strncmp(k, app, n))
		return NULL;
	return dot + 1;
}

static int load_user(const struct vlt_config *cfg, struct ws_profile *p,
		     const char *home, struct vlt_buf *err)
{
	size_t first = p->nr;

	if (!cfg)
		return 0;
	for (size_t i = 0; i < cfg->nr; i++) {
		const char *name = user_key(&cfg->entries[i], p->app);
		const char *v = cfg->entries[i].value;
		struct vlt_buf path = VLT_BUF_INIT, label = VLT_BUF_INIT;
		const char *base;
		int rc = 0;

		if (!name || strcasecmp(name, "path"))
			continue;
		p->user = 1;
		if (v[0] == '~' && (v[1] == '/' || !v[1]))
			rc = vlt_buf_addf(&path, "%s%s", home, v + 1);
		else if (v[0] == '/')
			rc = vlt_buf_adds(&path, v);
		else {
			vlt_buf_addf(err, "workspace.%s.path = %s: give an "
				     "absolute path or one starting with ~/",
				     p->app, v);
			return -1;
		}
		while (rc >= 0 && path.len > 1 && path.data[path.len - 1] == '/')
			vlt_buf_setlen(&path, path.len - 1);
		base = strrchr(path.data, '/');
		base = base && base[1] ? base + 1 : "root";
		if (*base == '.')
			base++;
		if (rc >= 0)
			rc = vlt_buf_adds(&label, *base ? base : "root");
		for (int n = 2; rc >= 0 && label_taken(p, label.data); n++) {
			vlt_buf_reset(&label);
			rc = vlt_buf_addf(&label, "%s-%d", *base ? base : "root", n);
		}
		if (rc >= 0)
			rc = add_loc(p, label.data, path.data, NULL, NULL);
		vlt_buf_release(&path);
		vlt_buf_release(&label);
		if (rc < 0) {
			vlt_buf_adds(err, "out of memory");
			return -1;
		}
	}
	/* excludes apply to every path the config gives */
	for (size_t i = 0; i < cfg->nr; i++) {
		const char *name = user_key(&cfg->entries[i], p->app);

		if (!name || strcasecmp(name, "exclude"))
			continue;
		p->user = 1;
		for (size_t k = first; k < p->nr; k++)
			if (vlt_strlist_add(&p->v[k].user_excludes,
					    cfg->entries[i].value) < 0)
				return -1;
	}
	return 0;
}

int ws_profile_load(const char *app, unsigned platform,
		    const struct vlt_config *cfg, const char *version,
		    struct ws_profile *p, struct vlt_buf *err)
{
	const struct profile_def *def = find_def(app);
	const char *home = getenv("HOME");

	memset(p, 0, sizeof(*p));
	p->platform = platform;
	if (!home || *home != '/') {
		vlt_buf_adds(err, "HOME is not set to an absolute path");
		return -1;
	}
	if (!(p->app_owned = strdup(app))) {
		vlt_buf_adds(err, "out of memory");
		return -1;
	}
	p->app = p->app_owned;
	if (def) {
		p->builtin = 1;
		p->def = def;
		p->title = def->title;
		p->note = def->note;
		if (load_builtin(def, p, home, version) < 0) {
			vlt_buf_adds(err, "out of memory");
			return -1;
		}
	}
	if (load_user(cfg, p, home, err) < 0)
		return -1;
	if (!p->builtin && !p->user) {
		vlt_buf_addf(err, "no workspace profile for '%s' (built in: ",
			     app);
		for (size_t i = 0; i < NPROFILES; i++)
			vlt_buf_addf(err, "%s%s", i ? ", " : "", profiles[i].app);
		vlt_buf_addf(err, "; add your own with workspace.%s.path in "
			     "the repository config)", app);
		return -1;
	}
	if (!p->title)
		p->title = p->app;
	return 0;
}

void ws_profile_release(struct ws_profile *p)
{
	for (size_t i = 0; i < p->nr; i++) {
		free(p->v[i].label);
		free(p->v[i].path);
		free(p->v[i].version);
		vlt_strlist_release(&p->v[i].user_excludes);
	}
	free(p->v);
	free(p->app_owned);
	memset(p, 0, sizeof(*p));
}

/* If label matches template lt ("presets-{v}"), the version into ver. */
static int label_version(const char *lt, const char *label,
			 struct vlt_buf *ver)
{
	const char *v = strstr(lt, "{v}");
	size_t plen, slen, n = strlen(label);

	if (!v)
		return 0;
	plen = (size_t)(v - lt);
	slen = strlen(v + 3);
	if (n <= plen + slen || strncmp(label, lt, plen) ||
	    strcmp(label + n - slen, v + 3) ||
	    !is_version(label + plen, n - plen - slen))
		return 0;
	vlt_buf_reset(ver);
	return vlt_buf_add(ver, label + plen, n - plen - slen) == 0;
}

int ws_profile_label_path(const struct ws_profile *p, const char *label,
			  struct vlt_buf *out)
{
	const struct profile_def *def = p->def;
	const char *home = getenv("HOME");
	struct vlt_buf base = VLT_BUF_INIT, ver = VLT_BUF_INIT;
	int found = -1;

	vlt_buf_reset(out);
	for (size_t i = 0; i < p->nr; i++)
		if (!strcmp(p->v[i].label, label))
			return vlt_buf_adds(out, p->v[i].path) < 0 ? -1 : 0;
	for (size_t i = 0; def && home && i < MAX_LOCS &&
	     def->locs[i].platforms && found < 0; i++) {
		const struct loc_def *d = &def->locs[i];

		if (skipped(d, p->platform) || !d->rel ||
		    !label_version(d->label, label, &ver) ||
		    base_dir(d, &base, home) < 0)
			continue;
		if (vlt_buf_addf(out, "%s/", base.data) >= 0 &&
		    subst(out, d->rel, ver.data) >= 0)
			found = 0;
	}
	vlt_buf_release(&base);
	vlt_buf_release(&ver);
	return found;
}

int ws_profile_version_paths(const struct ws_profile *p, const char *ver,
			     struct vlt_strlist *labels,
			     struct vlt_strlist *paths)
{
	const struct profile_def *def = p->def;
	const char *home = getenv("HOME");
	struct vlt_buf base = VLT_BUF_INIT, b = VLT_BUF_INIT;
	int any = -1;

	for (size_t i = 0; def && home && i < MAX_LOCS &&
	     def->locs[i].platforms; i++) {
		const struct loc_def *d = &def->locs[i];

		if (skipped(d, p->platform) || !d->rel ||
		    !strstr(d->rel, "{v}") || base_dir(d, &base, home) < 0)
			continue;
		vlt_buf_reset(&b);
		if (subst(&b, d->label, ver) < 0 ||
		    vlt_strlist_add(labels, b.data) < 0)
			break;
		vlt_buf_reset(&b);
		if (vlt_buf_addf(&b, "%s/", base.data) < 0 ||
		    subst(&b, d->rel, ver) < 0 ||
		    vlt_strlist_add(paths, b.data) < 0)
			break;
		any = 0;
	}
	vlt_buf_release(&base);
	vlt_buf_release(&b);
	return any;
}

int ws_profile_names(const struct vlt_config *cfg, struct vlt_strlist *out)
{
	for (size_t i = 0; i < NPROFILES; i++)
		if (vlt_strlist_add(out, profiles[i].app) < 0)
			return -1;
	for (size_t i = 0; cfg && i < cfg->nr; i++) {
		const char *k = cfg->entries[i].key, *dot;
		struct vlt_buf app = VLT_BUF_INIT;
		int have = 0;

		if (strncasecmp(k, "workspace.", 10) ||
		    !(dot = strrchr(k + 10, '.')))
			continue;
		if (vlt_buf_add(&app, k + 10, (size_t)(dot - k - 10)) < 0)
			return -1;
		for (size_t j = 0; j < out->nr; j++)
			have |= !strcmp(out->v[j], app.data);
		if (!have && app.len && vlt_strlist_add(out, app.data) < 0) {
			vlt_buf_release(&app);
			return -1;
		}
		vlt_buf_release(&app);
	}
	return 0;
}

void ws_profile_templates(const struct ws_profile *p,
			  void (*fn)(const char *label, const char *text,
				     void *data),
			  void *data)
{
	const struct profile_def *def = p->def;
	const char *home = getenv("HOME");
	struct vlt_buf t = VLT_BUF_INIT, l = VLT_BUF_INIT, b = VLT_BUF_INIT;

	for (size_t i = 0; def && i < MAX_LOCS && def->locs[i].platforms; i++) {
		const struct loc_def *d = &def->locs[i];

		if (!(d->platforms & p->platform))
			continue;
		vlt_buf_reset(&t);
		vlt_buf_reset(&l);
		if (d->base == B_ENV) {
			vlt_buf_addf(&t, "$%s (%s)", d->env,
				     getenv(d->env) && *getenv(d->env) ?
				     getenv(d->env) : "not set");
		} else if (home && base_dir(d, &b, home) >= 0) {
			vlt_buf_addf(&t, "%s/", b.data);
			subst(&t, d->rel, "<version>");
			if (d->unless_env)
				vlt_buf_addf(&t, " (unless $%s is set)",
					     d->unless_env);
		}
		subst(&l, d->label, "<version>");
		if (t.data && l.data)
			fn(l.data, t.data, data);
	}
	vlt_buf_release(&t);
	vlt_buf_release(&l);
	vlt_buf_release(&b);
}
