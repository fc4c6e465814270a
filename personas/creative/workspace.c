/*
 * vault workspace - an application's settings and layouts, captured into
 * the repository and put back: `vault workspace capture|restore|list|
 * diff|migrate|profiles`.
 *
 * Where each application keeps its settings is the profile table
 * (workspace-profiles.c) plus the repository config. A capture backs up
 * each location (a file or a folder) with the backup engine, as real
 * copies (symlinks inside are stored as symlinks, never followed), and
 * writes one snapshot whose tree holds each location under its label;
 * the ref is lib/workspace.h's. Such a snapshot has no parent and no
 * branch names it: the project's log and forget never see it, gc keeps
 * it and fsck checks it like any other ref's.
 *
 * Every write is undoable: restore and migrate first capture what is
 * there now (before-restore-DATE, before-migrate-DATE), then write
 * through lib/restore.h (temporary file + rename, never outside the
 * target). See Documentation/vault-workspace.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "backup.h"
#include "cli.h"
#include "diff.h"
#include "error.h"
#include "fileobj.h"
#include "fsutil.h"
#include "gc.h"
#include "json.h"
#include "lock.h"
#include "odb.h"
#include "print.h"
#include "refs.h"
#include "repo.h"
#include "restore.h"
#include "revparse.h"
#include "tree.h"
#include "workspace.h"
#include "workspace-profiles.h"

static const char usage[] =
"usage: vault workspace capture APP [--name NAME] [--version V] [--path PATH]...\n"
"   or: vault workspace restore APP [NAME] [--exact] [--dry-run]\n"
"   or: vault workspace migrate APP FROM TO [--dry-run]\n"
"   or: vault workspace list [APP] [--json]\n"
"   or: vault workspace diff APP [A [B]]\n"
"   or: vault workspace profiles [APP]\n"
"\n"
"Keeps an application's settings, shortcuts, layouts and presets in the\n"
"repository, beside the project but apart from its history: built-in\n"
"profiles for blender, krita, gimp, inkscape, godot and photoshop, and\n"
"your own in the repository config (workspace.APP.path, .exclude).\n"
"\n"
"    capture            snapshot every settings location of APP that\n"
"                       exists (all version folders found), caches left out\n"
"    restore            put snapshot NAME (default: the latest capture) back;\n"
"                       what is there now is captured first as\n"
"                       before-restore-DATE, so a restore is undone by\n"
"                       restoring that name\n"
"    migrate            copy the settings of version folder FROM into TO\n"
"                       (Blender 4.1 -> 4.2, GIMP 2.10 -> 3.0), after\n"
"                       capturing everything as before-migrate-DATE\n"
"    list               the workspace snapshots: name, date, files, size\n"
"    diff               files added, removed and changed between A and B\n"
"                       (default: the latest capture and the live folders),\n"
"                       with the changed lines of small text files; exit\n"
"                       status 1 when there are differences\n"
"    profiles           the paths APP's profile uses on this machine\n"
"\n"
"    --name NAME        capture: the snapshot's name (default: the UTC time,\n"
"                       2026-12-03T14-05-00)\n"
"    --version V        capture: only version folder V (Blender 4.2)\n"
"    --path PATH        capture: also this file or folder (repeatable)\n"
"    --exact            restore: also remove files that NAME does not have\n"
"                       (after the before-restore capture)\n"
"    -n, --dry-run      restore, migrate: list what would change, write\n"
"                       nothing\n"
"    --json             list: a JSON array\n"
"    --platform P       linux, macos or windows: that platform's paths\n"
"                       (default: this build's, or $VAULT_WORKSPACE_PLATFORM)\n"
"    -q, --quiet        no messages on success\n";

/* Text files up to this size get their changed lines shown. */
#define TEXT_DIFF_MAX (256 * 1024)
/* Beyond this many lines on a side, only "text changed" is said. */
#define TEXT_LINES_MAX 4000
#define CONTEXT 3

static unsigned platform;
static int quiet, dry_run, exact, json_out;
static const char *opt_name, *opt_version;
static struct vlt_strlist extra_paths = VLT_STRLIST_INIT;
static struct vlt_repo_lock writer_lock;
static struct vlt_repo *repo;

/* --- small helpers ---------------------------------------------------- */

/* path with $HOME shown as "~" (rotating buffers, 4 at a time). */
static const char *tilde(const char *path)
{
	static char bufs[4][PATH_MAX + 2];
	static int i;
	const char *home = getenv("HOME");
	size_t n = home ? strlen(home) : 0;
	char *b = bufs[i++ & 3];

	if (n > 1 && !strncmp(path, home, n) &&
	    (path[n] == '/' || !path[n]))
		snprintf(b, PATH_MAX + 2, "~%s", path + n);
	else
		snprintf(b, PATH_MAX + 2, "%s", path);
	return b;
}

static void load_profile(const char *app, const char *version,
			 struct ws_profile *p)
{
	struct vlt_buf err = VLT_BUF_INIT;

	if (!vlt_workspace_name_valid(app))
		die("'%s' is not a valid application name", app);
	if (ws_profile_load(app, platform, vlt_repo_config(repo), version, p,
			    &err) < 0)
		die("%s", err.data ? err.data : "out of memory");
	vlt_buf_release(&err);
}

/* --path PATH: one more location, labelled by its last component. */
static void add_extra_paths(struct ws_profile *p)
{
	for (size_t i = 0; i < extra_paths.nr; i++) {
		char *real = realpath(extra_paths.v[i], NULL);
		const char *base;
		struct vlt_buf label = VLT_BUF_INIT;
		struct ws_loc *l;

		if (!real)
			die("--path %s: %s", extra_paths.v[i], strerror(errno));
		base = strrchr(real, '/');
		base = base && base[1] ? base + 1 : "root";
		if (*base == '.')
			base++;
		vlt_buf_adds(&label, *base ? base : "root");
		for (int n = 2;; n++) {
			int taken = 0;

			for (size_t k = 0; k < p->nr; k++)
				taken |= !strcmp(p->v[k].label, label.data);
			if (!taken)
				break;
			vlt_buf_reset(&label);
			vlt_buf_addf(&label, "%s-%d", *base ? base : "root", n);
		}
		if (VLT_ALLOC_GROW(p->v, p->nr + 1, p->alloc) < 0)
			die("out of memory");
		l = &p->v[p->nr++];
		memset(l, 0, sizeof(*l));
		l->label = vlt_buf_detach(&label, NULL);
		l->path = real;
		l->exists = 1;
	}
}

/* Escape glob characters of a file name for an ignore pattern. */
static void add_glob_literal(struct vlt_buf *b, const char *s)
{
	for (; *s; s++) {
		if (strchr("*?[\\!#", *s))
			vlt_buf_addch(b, '\\');
		vlt_buf_addch(b, *s);
	}
}

/*
 * A profile's pattern (relative to the location, gitignore syntax) as an
 * --exclude pattern of a backup rooted at the location's parent, whose
 * only path is base: "/cache/" becomes "base/cache/", and a pattern
 * without a slash such as "*.tmp" matches at any depth below base.
 */
static void add_exclude(struct vlt_strlist *out, const char *base,
			const char *pat)
{
	struct vlt_buf b = VLT_BUF_INIT;
	size_t n = strlen(pat);
	const char *inner;
	int neg = pat[0] == '!';

	if (neg) {
		vlt_buf_addch(&b, '!');
		pat++;
		n--;
	}
	add_glob_literal(&b, base);
	vlt_buf_addch(&b, '/');
	inner = memchr(pat, '/', n ? n - 1 : 0);
	if (pat[0] == '/')
		vlt_buf_adds(&b, pat + 1);
	else if (inner)
		vlt_buf_adds(&b, pat);
	else
		vlt_buf_addf(&b, "**/%s", pat);
	if (vlt_strlist_add(out, b.data) < 0)
		die("out of memory");
	vlt_buf_release(&b);
}

static void warn_path(const char *path, const char *msg, void *data)
{
	(void)data;
	warning("left out %s: %s", path, msg);
}

/* Files and bytes below tree entry e (symlinks count as files). */
static void count_entry(const struct vlt_tree_entry *e, uint64_t *files,
			uint64_t *bytes, size_t depth)
{
	struct vlt_tree t;

	if (e->type != VLT_ENTRY_DIR) {
		(*files)++;
		*bytes += e->size;
		return;
	}
	if (vlt_tree_depth_check(depth + 1, e->name ? e->name : "") < 0 ||
	    vlt_odb_read_tree(repo, &e->oid, &t) < 0)
		die("%s", vlt_error_last());
	for (size_t i = 0; i < t.nr; i++)
		count_entry(&t.entries[i], files, bytes, depth + 1);
	vlt_tree_release(&t);
}

/*
 * The live settings of p as a tree (in memory only when scan): each
 * location that exists is backed up from its parent folder with only its
 * own name, and its entry goes into the top tree under its label. A
 * location that is a symbolic link (settings kept elsewhere) is followed
 * once, at the top; below it nothing is followed. Returns the number of
 * locations captured.
 */
static size_t live_tree(struct ws_profile *p, int scan, struct vlt_oid *root,
			uint64_t *files, uint64_t *bytes)
{
	struct vlt_tree top;
	struct vlt_buf enc = VLT_BUF_INIT;
	size_t n = 0;

	vlt_tree_init(&top);
	*files = *bytes = 0;
	for (size_t i = 0; i < p->nr; i++) {
		struct ws_loc *l = &p->v[i];
		struct vlt_backup_opts bo;
		struct vlt_strlist ex = VLT_STRLIST_INIT;
		struct vlt_tree t;
		const struct vlt_tree_entry *e;
		const char *only[2];
		const char **exv;
		char *real, *slash, *base;
		struct vlt_oid part;
		struct stat st;

		if (!l->exists || !(real = realpath(l->path, NULL)))
			continue;
		if (stat(real, &st) < 0 ||
		    (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))) {
			warning("left out %s: neither a file nor a folder",
				tilde(l->path));
			free(real);
			continue;
		}
		slash = strrchr(real, '/');
		base = slash + 1;
		*slash = '\0';
		for (size_t k = 0; l->excludes && l->excludes[k]; k++)
			add_exclude(&ex, base, l->excludes[k]);
		for (size_t k = 0; k < l->user_excludes.nr; k++)
			add_exclude(&ex, base, l->user_excludes.v[k]);
		if (!(exv = calloc(ex.nr + 1, sizeof(*exv))))
			die("out of memory");
		for (size_t k = 0; k < ex.nr; k++)
			exv[k] = ex.v[k];
		vlt_backup_opts_init(&bo);
		bo.use_cache = 0;
		bo.use_default_ignores = 0;
		bo.excludes = exv;
		only[0] = base;
		only[1] = NULL;
		bo.only = only;
		bo.warn = warn_path;
		if ((scan ? vlt_backup_scan_opts(repo, *real ? real : "/", &bo,
						 &part, NULL)
			  : vlt_backup_tree(repo, *real ? real : "/", &bo, &part,
					    NULL)) < 0)
			die("cannot read %s: %s", tilde(l->path), vlt_error_last());
		if (vlt_odb_read_tree(repo, &part, &t) < 0)
			die("%s", vlt_error_last());
		if ((e = vlt_tree_find(&t, base))) {
			count_entry(e, files, bytes, 1);
			if (vlt_tree_add(&top, l->label, e->type, e->mode, e->size,
					 e->mtime_sec, e->mtime_nsec, &e->oid) < 0)
				die("%s", vlt_error_last());
			n++;
		}
		vlt_tree_release(&t);
		vlt_strlist_release(&ex);
		free(exv);
		free(real);
	}
	vlt_oid_clear(root);
	if (n && (vlt_tree_encode(&top, &enc) < 0 ||
	    vlt_odb_write(repo, VLT_OBJ_TREE, enc.data, enc.len, root) < 0))
		die("cannot write the workspace tree: %s", vlt_error_last());
	vlt_tree_release(&top);
	vlt_buf_release(&enc);
	return n;
}

static void time_name(struct vlt_buf *out, const char *prefix, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char s[32];

	gmtime_r(&tt, &tm);
	strftime(s, sizeof(s), "%Y-%m-%dT%H-%M-%S", &tm);
	vlt_buf_reset(out);
	vlt_buf_addf(out, "%s%s", prefix, s);
}

/* A meta key for label (labels of --path and config paths may hold any
 * character; those are not recorded). */
static int meta_key(struct vlt_buf *k, const char *label)
{
	vlt_buf_reset(k);
	for (const char *s = label; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789._-", *s))
			return 0;
	vlt_buf_addf(k, "location.%s", label);
	return 1;
}

/*
 * Capture p into a new workspace snapshot: name, or the time (with
 * prefix, "before-restore-"), made unique with -2, -3... when taken. kind
 * is NULL for a capture the user asked for, else "before-restore" or
 * "before-migrate" (meta auto). *tree gets the top tree. Returns 0 when
 * no location exists (nothing written), else 1.
 */
static int capture(struct ws_profile *p, const char *name, const char *kind,
		   struct vlt_buf *name_out, struct vlt_oid *snap_out,
		   struct vlt_oid *tree, uint64_t *files, uint64_t *bytes)
{
	struct vlt_snapshot s;
	struct vlt_buf enc = VLT_BUF_INIT, ref = VLT_BUF_INIT, k = VLT_BUF_INIT,
		       v = VLT_BUF_INIT, msg = VLT_BUF_INIT;
	struct vlt_oid zero, snap;
	uint64_t gen;
	size_t n;
	int err;

	if (vlt_writer_begin(repo, &writer_lock, &gen, "workspace") < 0)
		die("cannot start the capture: %s", vlt_error_last());
	n = live_tree(p, 0, tree, files, bytes);
	if (!n) {
		vlt_writer_end(repo, &writer_lock);
		return 0;
	}
	vlt_snapshot_init(&s);
	s.tree = *tree;
	if (vlt_snapshot_set_defaults(&s) < 0)
		die("snapshot: %s", vlt_error_last());
	/* the name: given, or the time (after kind: before-restore-TIME) */
	vlt_buf_reset(&v);
	if (name) {
		vlt_buf_adds(&v, name);
	} else {
		if (kind)
			vlt_buf_addf(&v, "%s-", kind);
		time_name(&k, "", s.time);
		vlt_buf_adds(&v, k.data);
	}
	vlt_buf_reset(name_out);
	vlt_buf_adds(name_out, v.data);
	if (vlt_workspace_ref_name(p->app, name_out->data, &ref) < 0)
		die("%s", vlt_error_last());
	if (name && vlt_ref_exists(repo, ref.data))
		die("a workspace snapshot %s/%s exists already "
		    "(choose another --name)", p->app, name);
	for (int i = 2; vlt_ref_exists(repo, ref.data); i++) {
		vlt_buf_reset(name_out);
		vlt_buf_addf(name_out, "%s-%d", v.data, i);
		if (vlt_workspace_ref_name(p->app, name_out->data, &ref) < 0)
			die("%s", vlt_error_last());
	}
	vlt_buf_addf(&msg, "workspace %s: %s", p->app, name_out->data);
	s.message = vlt_buf_detach(&msg, NULL);
	vlt_buf_reset(&v);
	vlt_buf_addf(&v, "%" PRIu64, *files);
	if (vlt_snapshot_add_meta(&s, "workspace", p->app) < 0 ||
	    vlt_snapshot_add_meta(&s, "workspace.name", name_out->data) < 0 ||
	    vlt_snapshot_add_meta(&s, "workspace.platform",
				  ws_platform_name(platform)) < 0 ||
	    vlt_snapshot_add_meta(&s, "workspace.files", v.data) < 0)
		die("snapshot: %s", vlt_error_last());
	vlt_buf_reset(&v);
	vlt_buf_addf(&v, "%" PRIu64, *bytes);
	if (vlt_snapshot_add_meta(&s, "workspace.bytes", v.data) < 0 ||
	    (kind && vlt_snapshot_add_meta(&s, "workspace.auto", kind) < 0))
		die("snapshot: %s", vlt_error_last());
	for (size_t i = 0; i < p->nr; i++)
		if (p->v[i].exists && meta_key(&k, p->v[i].label) &&
		    vlt_snapshot_add_meta(&s, k.data, p->v[i].path) < 0)
			die("snapshot: %s", vlt_error_last());
	if (vlt_snapshot_encode(&s, &enc) < 0 ||
	    vlt_odb_write(repo, VLT_OBJ_SNAPSHOT, enc.data, enc.len, &snap) < 0 ||
	    vlt_odb_flush(repo) < 0)
		die("cannot write the snapshot: %s", vlt_error_last());
	if (vlt_writer_settle(repo, &writer_lock, &gen, &snap) < 0)
		die("cannot settle with a running gc: %s", vlt_error_last());
	vlt_buf_reset(&msg);
	vlt_buf_addf(&msg, "workspace capture: %s", s.message);
	vlt_oid_clear(&zero);
	err = vlt_ref_update(repo, ref.data, &snap, &zero, msg.data);
	if (err < 0)
		die("snapshot %s written but %s/%s not recorded: %s",
		    vlt_oid_hex(&snap), p->app, name_out->data, vlt_error_last());
	vlt_writer_end(repo, &writer_lock);
	if (snap_out)
		*snap_out = snap;
	vlt_snapshot_release(&s);
	vlt_buf_release(&enc);
	vlt_buf_release(&ref);
	vlt_buf_release(&k);
	vlt_buf_release(&v);
	vlt_buf_release(&msg);
	return 1;
}

/* --- the workspace snapshots of an application ------------------------ */

struct wsnap {
	char *app, *name;
	struct vlt_oid oid;
	struct vlt_snapshot s;
	const char *autokind;   /* meta workspace.auto, or NULL */
};

struct wsnap_list {
	struct wsnap *v;
	size_t nr, alloc;
};

static int collect_snap(const char *app, const char *name,
			const struct vlt_oid *oid, void *data)
{
	struct wsnap_list *l = data;
	struct wsnap *w;

	if (VLT_ALLOC_GROW(l->v, l->nr + 1, l->alloc) < 0)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	w = &l->v[l->nr];
	memset(w, 0, sizeof(*w));
	if (vlt_snapshot_read(repo, oid, &w->s) < 0)
		return vlt_error_wrap(vlt_error_last_code(),
				      "workspace snapshot %s/%s", app, name);
	l->nr++;
	w->app = strdup(app);
	w->name = strdup(name);
	w->oid = *oid;
	w->autokind = vlt_snapshot_meta(&w->s, "workspace.auto");
	if (!w->app || !w->name)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	return 0;
}

static int cmp_wsnap(const void *a, const void *b)
{
	const struct wsnap *x = a, *y = b;
	int c = strcmp(x->app, y->app);

	if (c)
		return c;
	if (x->s.time != y->s.time)
		return x->s.time < y->s.time ? -1 : 1;
	return strverscmp(x->name, y->name);
}

static void load_snaps(const char *app, struct wsnap_list *l)
{
	if (vlt_workspace_for_each(repo, app, collect_snap, l) < 0)
		die("%s", vlt_error_last());
	if (l->nr > 1)
		qsort(l->v, l->nr, sizeof(*l->v), cmp_wsnap);
}

static void release_snaps(struct wsnap_list *l)
{
	for (size_t i = 0; i < l->nr; i++) {
		free(l->v[i].app);
		free(l->v[i].name);
		vlt_snapshot_release(&l->v[i].s);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* The snapshot name of app (NULL: the latest the user captured). */
static const struct wsnap *find_snap(const struct wsnap_list *l,
				     const char *app, const char *name)
{
	if (!l->nr)
		die("no workspace snapshot of %s yet (vault workspace capture "
		    "%s makes one)", app, app);
	if (!name) {
		for (size_t i = l->nr; i-- > 0;)
			if (!l->v[i].autokind)
				return &l->v[i];
		return &l->v[l->nr - 1];
	}
	for (size_t i = 0; i < l->nr; i++)
		if (!strcmp(l->v[i].name, name))
			return &l->v[i];
	die("no workspace snapshot '%s' of %s (vault workspace list %s "
	    "shows them)", name, app, app);
}

/* Where label goes on this machine: the profile, else where the
 * snapshot(s) captured it from. */
static int label_target(const struct ws_profile *p, const char *label,
			const struct vlt_snapshot *const *snaps, size_t nsnaps,
			struct vlt_buf *out)
{
	struct vlt_buf k = VLT_BUF_INIT;
	int rc = -1;

	if (ws_profile_label_path(p, label, out) == 0)
		return 0;
	if (meta_key(&k, label))
		for (size_t i = 0; i < nsnaps && rc < 0; i++) {
			const char *v = snaps[i] ?
				vlt_snapshot_meta(snaps[i], k.data) : NULL;

			if (v && *v == '/') {
				vlt_buf_reset(out);
				vlt_buf_adds(out, v);
				rc = 0;
			}
		}
	vlt_buf_release(&k);
	return rc;
}

/* The real folder or file to write for target (a location that is a
 * symbolic link is followed, as capture does), into out. */
static void real_target(const char *target, struct vlt_buf *out)
{
	char *real = realpath(target, NULL);

	vlt_buf_reset(out);
	vlt_buf_adds(out, real ? real : target);
	free(real);
}

/* Dies unless path can become a kind (VLT_ENTRY_DIR or a file): nothing
 * of another kind in the way, every existing parent a folder. */
static void check_target(const char *path, enum vlt_entry_type kind)
{
	struct vlt_buf b = VLT_BUF_INIT;
	struct stat st;

	if (stat(path, &st) == 0) {
		if (kind == VLT_ENTRY_DIR && !S_ISDIR(st.st_mode))
			die("cannot restore %s: it is a file here and a folder "
			    "in the snapshot; nothing was changed", tilde(path));
		if (kind != VLT_ENTRY_DIR && S_ISDIR(st.st_mode))
			die("cannot restore %s: it is a folder here and a file "
			    "in the snapshot; nothing was changed", tilde(path));
		return;
	}
	vlt_buf_adds(&b, path);
	for (char *s = strrchr(b.data, '/'); s && s != b.data;
	     s = strrchr(b.data, '/')) {
		*s = '\0';
		if (stat(b.data, &st) == 0) {
			if (!S_ISDIR(st.st_mode))
				die("cannot restore %s: %s is a file, not a "
				    "folder; nothing was changed", tilde(path),
				    tilde(b.data));
			break;
		}
	}
	vlt_buf_release(&b);
}

/* --- capture ------------------------------------------------------------ */

static int cmd_capture(int argc, char **argv)
{
	struct ws_profile p;
	struct vlt_buf name = VLT_BUF_INIT;
	struct vlt_oid snap, tree;
	uint64_t files, bytes;

	if (argc != 1)
		usage_error(usage, "capture takes one APP");
	if (opt_name && !vlt_workspace_name_valid(opt_name))
		die("'%s' is not a valid snapshot name (letters, digits, . _ - +)",
		    opt_name);
	repo = cli_open_repo();
	load_profile(argv[0], opt_version, &p);
	if (opt_name) {
		/* refused before anything is read (capture checks again) */
		if (vlt_workspace_ref_name(p.app, opt_name, &name) < 0)
			die("%s", vlt_error_last());
		if (vlt_ref_exists(repo, name.data))
			die("a workspace snapshot %s/%s exists already (choose "
			    "another --name)", p.app, opt_name);
		vlt_buf_reset(&name);
	}
	add_extra_paths(&p);
	if (p.none_here && !p.nr)
		die("%s keeps no settings on %s: it runs on other systems "
		    "(vault workspace profiles %s --platform macos shows "
		    "theirs)", p.title, ws_platform_name(platform), p.app);
	if (!capture(&p, opt_name, NULL, &name, &snap, &tree, &files, &bytes)) {
		if (opt_version)
			die("no %s %s settings here (vault workspace profiles %s "
			    "shows where they are looked for)", p.title,
			    opt_version, p.app);
		die("no %s settings here (vault workspace profiles %s shows "
		    "where they are looked for)", p.title, p.app);
	}
	if (!quiet) {
		printf("captured %s/%s: %" PRIu64 " files, %s\n", p.app, name.data,
		       files, print_human_size(bytes));
		for (size_t i = 0; i < p.nr; i++)
			if (p.v[i].exists)
				printf("  %-18s %s\n", p.v[i].label,
				       tilde(p.v[i].path));
	}
	ws_profile_release(&p);
	vlt_buf_release(&name);
	return 0;
}

/* --- restore -------------------------------------------------------- */

/* Remove rel (below root) without following any symbolic link on the
 * way; flags as unlinkat's. 0, or -1 with errno. */
static int remove_below(const char *root, const char *rel, int flags)
{
	char *copy = strdup(rel), *s, *next;
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = -1;

	if (!copy || fd < 0)
		goto done;
	for (s = copy; (next = strchr(s, '/')); s = next + 1) {
		int sub;

		*next = '\0';
		sub = openat(fd, s, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			     O_CLOEXEC);
		close(fd);
		if ((fd = sub) < 0)
			goto done;
	}
	rc = unlinkat(fd, s, flags);
done:
	if (fd >= 0)
		close(fd);
	free(copy);
	return rc;
}

struct change_ctx {
	const struct ws_profile *p;
	const struct vlt_snapshot *snaps[2];
};

/* The folder of an item's label and its path below it ("" for the
 * location itself). */
static int item_target(const struct change_ctx *c, const char *path,
		       struct vlt_buf *target, const char **rest)
{
	const char *slash = strchr(path, '/');
	struct vlt_buf label = VLT_BUF_INIT;
	int rc;

	vlt_buf_add(&label, path, slash ? (size_t)(slash - path) : strlen(path));
	rc = label_target(c->p, label.data, c->snaps, 2, target);
	*rest = slash ? slash + 1 : "";
	vlt_buf_release(&label);
	return rc;
}

static const char *item_display(const struct change_ctx *c, const char *path)
{
	static struct vlt_buf b[2];
	static int i;
	struct vlt_buf *out = &b[i++ & 1], t = VLT_BUF_INIT;
	const char *rest;

	vlt_buf_reset(out);
	if (item_target(c, path, &t, &rest) == 0)
		vlt_buf_addf(out, "%s%s%s", tilde(t.data), *rest ? "/" : "",
			     rest);
	else
		vlt_buf_adds(out, path);
	vlt_buf_release(&t);
	return out->data;
}

static void restore_error(const char *relpath, const char *msg, void *data)
{
	(void)data;
	error("%s: %s", relpath, msg);
}

/* Write one top-level entry e of a snapshot to target. */
static void write_location(const struct vlt_tree_entry *e, const char *target,
			   uint64_t *written)
{
	struct vlt_buf real = VLT_BUF_INIT;

	real_target(target, &real);
	if (e->type == VLT_ENTRY_DIR) {
		struct vlt_restore_opts ro = { 0 };
		struct vlt_checkout_stats st = { 0 };

		ro.overwrite = 1;
		ro.discard_changes = 1;   /* what was there is captured */
		ro.on_error = restore_error;
		if (vlt_mkdir_p(real.data, 0755) < 0 ||
		    vlt_restore(repo, &e->oid, real.data, &ro, &st) < 0)
			die("cannot restore %s: %s", tilde(target),
			    vlt_error_last());
		*written += st.files + st.symlinks - st.unchanged;
	} else if (e->type == VLT_ENTRY_FILE) {
		/* a settings file (kritarc): small, written whole */
		struct vlt_buf data = VLT_BUF_INIT, dir = VLT_BUF_INIT;
		struct timespec ts[2];
		char *slash;

		vlt_buf_adds(&dir, real.data);
		if ((slash = strrchr(dir.data, '/')) && slash != dir.data)
			*slash = '\0';
		if (vlt_file_object_read(repo, &e->oid, UINT64_C(1) << 30,
					 &data) < 0 ||
		    vlt_mkdir_p(dir.data, 0755) < 0 ||
		    vlt_write_file_atomic(real.data, data.data ? data.data : "",
					  data.len, (int)(e->mode & 07777),
					  0) < 0)
			die("cannot restore %s: %s", tilde(target),
			    vlt_error_last());
		ts[0].tv_sec = ts[1].tv_sec = (time_t)e->mtime_sec;
		ts[0].tv_nsec = ts[1].tv_nsec = (long)e->mtime_nsec;
		if (utimensat(AT_FDCWD, real.data, ts, 0) < 0)
			warning("cannot set the time of %s: %s", tilde(target),
				strerror(errno));
		chmod(real.data, e->mode & 07777);
		(*written)++;
		vlt_buf_release(&data);
		vlt_buf_release(&dir);
	} else {
		warning("left %s alone: the snapshot holds a symbolic link there",
			tilde(target));
	}
	vlt_buf_release(&real);
}

/* Print the plan of changes from live (a) to snap (b). */
static void print_plan(const struct change_ctx *c,
		       const struct vlt_diff_list *l)
{
	for (size_t i = 0; i < l->nr; i++) {
		const struct vlt_diff_item *it = &l->items[i];
		const char *what;

		switch (it->status) {
		case VLT_DIFF_ADDED: what = "create"; break;
		case VLT_DIFF_DELETED: what = exact ? "remove" : "keep  "; break;
		default: what = "replace"; break;
		}
		printf("  %-7s %s%s\n", what, item_display(c, it->path),
		       it->status == VLT_DIFF_DELETED && !exact ?
		       "  (not in the snapshot; --exact removes it)" : "");
	}
}

/* Folders of live (below rel of root) that snap does not have, deepest
 * first, when empty: what --exact leaves after removing files. */
static void prune_dirs(const struct vlt_oid *live, const struct vlt_oid *snap,
		       const char *root, const char *rel, size_t depth)
{
	struct vlt_tree lt, st;
	struct vlt_buf sub = VLT_BUF_INIT;

	if (vlt_tree_depth_check(depth, rel) < 0 ||
	    vlt_odb_read_tree(repo, live, &lt) < 0)
		die("%s", vlt_error_last());
	if (vlt_odb_read_tree(repo, snap, &st) < 0)
		die("%s", vlt_error_last());
	for (size_t i = 0; i < lt.nr; i++) {
		const struct vlt_tree_entry *e = &lt.entries[i], *o;
		struct vlt_oid none;

		if (e->type != VLT_ENTRY_DIR)
			continue;
		o = vlt_tree_find(&st, e->name);
		if (o && o->type != VLT_ENTRY_DIR)
			o = NULL;
		vlt_oid_clear(&none);
		vlt_buf_reset(&sub);
		vlt_buf_addf(&sub, "%s%s%s", rel, *rel ? "/" : "", e->name);
		prune_dirs(&e->oid, o ? &o->oid : &none, root, sub.data,
			   depth + 1);
		if (!o)
			remove_below(root, sub.data, AT_REMOVEDIR);  /* if empty */
	}
	vlt_tree_release(&lt);
	vlt_tree_release(&st);
	vlt_buf_release(&sub);
}

/* --exact: remove the files and links of live that the snapshot (top)
 * does not have, then the folders left empty that it has not either (a
 * whole location included). */
static void remove_extra(const struct change_ctx *c,
			 const struct vlt_diff_list *l,
			 const struct vlt_oid *live,
			 const struct vlt_tree *top)
{
	struct vlt_tree lt;

	for (size_t i = 0; i < l->nr; i++) {
		const struct vlt_diff_item *it = &l->items[i];
		struct vlt_buf t = VLT_BUF_INIT, real = VLT_BUF_INIT;
		const char *rest;
		int rc;

		if (it->status != VLT_DIFF_DELETED ||
		    item_target(c, it->path, &t, &rest) < 0) {
			vlt_buf_release(&t);
			continue;
		}
		real_target(t.data, &real);
		rc = *rest ? remove_below(real.data, rest, 0) : unlink(real.data);
		if (rc < 0 && errno != ENOENT)
			die("cannot remove %s: %s", item_display(c, it->path),
			    strerror(errno));
		vlt_buf_release(&t);
		vlt_buf_release(&real);
	}
	if (vlt_odb_read_tree(repo, live, &lt) < 0)
		die("%s", vlt_error_last());
	for (size_t i = 0; i < lt.nr; i++) {
		const struct vlt_tree_entry *e = &lt.entries[i], *o;
		struct vlt_buf t = VLT_BUF_INIT, real = VLT_BUF_INIT;
		struct vlt_oid none;

		if (e->type != VLT_ENTRY_DIR ||
		    label_target(c->p, e->name, c->snaps, 2, &t) < 0) {
			vlt_buf_release(&t);
			continue;
		}
		real_target(t.data, &real);
		o = vlt_tree_find(top, e->name);
		if (o && o->type != VLT_ENTRY_DIR)
			o = NULL;
		vlt_oid_clear(&none);
		prune_dirs(&e->oid, o ? &o->oid : &none, real.data, "", 1);
		if (!o)
			rmdir(real.data);   /* only when empty */
		vlt_buf_release(&t);
		vlt_buf_release(&real);
	}
	vlt_tree_release(&lt);
}

static int cmd_restore(int argc, char **argv)
{
	struct ws_profile p;
	struct wsnap_list l = { 0 };
	const struct wsnap *w;
	struct vlt_tree top;
	struct vlt_oid live, snap_tree, before_snap;
	struct vlt_buf before = VLT_BUF_INIT, t = VLT_BUF_INIT;
	struct vlt_diff_list dl = VLT_DIFF_LIST_INIT;
	struct change_ctx c;
	uint64_t files, bytes, written = 0;
	int have_before = 0;

	if (argc < 1 || argc > 2)
		usage_error(usage, "restore takes APP and at most one NAME");
	repo = cli_open_repo();
	load_profile(argv[0], NULL, &p);
	load_snaps(p.app, &l);
	w = find_snap(&l, p.app, argc > 1 ? argv[1] : NULL);
	memset(&c, 0, sizeof(c));
	c.p = &p;
	c.snaps[0] = &w->s;
	snap_tree = w->s.tree;
	if (vlt_odb_read_tree(repo, &snap_tree, &top) < 0)
		die("%s", vlt_error_last());

	/* everything must have a place before anything is written */
	for (size_t i = 0; i < top.nr; i++) {
		if (label_target(&p, top.entries[i].name, c.snaps, 1, &t) < 0)
			die("cannot restore '%s' of %s/%s: the %s profile has no "
			    "such location here; nothing was changed",
			    top.entries[i].name, p.app, w->name, p.app);
		check_target(t.data, top.entries[i].type);
	}

	if (dry_run) {
		live_tree(&p, 1, &live, &files, &bytes);
	} else {
		have_before = capture(&p, NULL, "before-restore", &before,
				      &before_snap, &live, &files, &bytes);
	}
	if (vlt_diff_trees_list(repo, &live, &snap_tree, NULL, 0, &dl) < 0)
		die("%s", vlt_error_last());
	{
		int changes = 0;

		for (size_t i = 0; i < dl.nr; i++)
			changes |= dl.items[i].status != VLT_DIFF_DELETED || exact;
		if (!changes) {
			/* nothing to do: the capture just made is not needed */
			if (have_before) {
				struct vlt_buf ref = VLT_BUF_INIT;

				if (vlt_workspace_ref_name(p.app, before.data,
							   &ref) < 0 ||
				    vlt_ref_delete(repo, ref.data, &before_snap,
						   "workspace restore: nothing "
						   "to do") < 0)
					die("%s", vlt_error_last());
				vlt_buf_release(&ref);
			}
			if (!quiet)
				printf("%s is already as in %s/%s%s\n", p.title,
				       p.app, w->name, dl.nr ?
				       " (files it does not have are kept; "
				       "--exact removes them)" : "");
			if (!quiet && dl.nr)
				print_plan(&c, &dl);
			goto done;
		}
	}
	if (dry_run) {
		printf("restoring %s/%s would:\n", p.app, w->name);
		print_plan(&c, &dl);
		printf("(dry run: nothing was written)\n");
		goto done;
	}
	if (exact)
		remove_extra(&c, &dl, &live, &top);
	for (size_t i = 0; i < top.nr; i++) {
		label_target(&p, top.entries[i].name, c.snaps, 1, &t);
		write_location(&top.entries[i], t.data, &written);
	}
	if (!quiet) {
		printf("restored %s/%s:\n", p.app, w->name);
		print_plan(&c, &dl);
		if (have_before)
			printf("what was there before is kept as %s/%s; undo "
			       "with:\n  vault workspace restore %s %s --exact\n",
			       p.app, before.data, p.app, before.data);
	}
done:
	vlt_diff_list_release(&dl);
	vlt_tree_release(&top);
	release_snaps(&l);
	ws_profile_release(&p);
	vlt_buf_release(&before);
	vlt_buf_release(&t);
	return 0;
}

/* --- migrate ---------------------------------------------------------- */

static int valid_version(const char *s)
{
	if (!*s || *s == '.')
		return 0;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || *s == '.'))
			return 0;
	return 1;
}

static int cmd_migrate(int argc, char **argv)
{
	struct ws_profile p;
	struct vlt_strlist fl = VLT_STRLIST_INIT, fp = VLT_STRLIST_INIT,
			   tl = VLT_STRLIST_INIT, tp = VLT_STRLIST_INIT;
	struct vlt_buf before = VLT_BUF_INIT;
	struct vlt_oid snap, tree;
	struct vlt_tree top;
	uint64_t files, bytes, written = 0;
	int found = 0;

	if (argc != 3)
		usage_error(usage, "migrate takes APP FROM TO");
	if (!valid_version(argv[1]) || !valid_version(argv[2]))
		usage_error(usage, "FROM and TO are versions (4.1, 2.10)");
	if (!strcmp(argv[1], argv[2]))
		usage_error(usage, "FROM and TO are the same version");
	repo = cli_open_repo();
	load_profile(argv[0], NULL, &p);
	if (ws_profile_version_paths(&p, argv[1], &fl, &fp) < 0 ||
	    ws_profile_version_paths(&p, argv[2], &tl, &tp) < 0)
		die("%s keeps no version folders: migrate copies settings "
		    "from one version folder to another (blender, gimp, "
		    "photoshop)", p.app);
	for (size_t i = 0; i < fp.nr; i++) {
		struct stat st;

		if (stat(fp.v[i], &st) == 0 && S_ISDIR(st.st_mode))
			found = 1;
		check_target(tp.v[i], VLT_ENTRY_DIR);
	}
	if (!found)
		die("no %s %s settings here (looked in %s)", p.title, argv[1],
		    tilde(fp.v[0]));
	if (dry_run) {
		for (size_t i = 0; i < fp.nr; i++)
			if (access(fp.v[i], F_OK) == 0)
				printf("would copy %s to %s%s\n", tilde(fp.v[i]),
				       tilde(tp.v[i]), access(tp.v[i], F_OK) ?
				       "" : " (it exists: captured first, then "
				       "its files replaced)");
		printf("(dry run: nothing was written)\n");
		goto done;
	}
	if (!capture(&p, NULL, "before-migrate", &before, &snap, &tree, &files,
		     &bytes))
		die("no %s settings here", p.title);
	if (vlt_odb_read_tree(repo, &tree, &top) < 0)
		die("%s", vlt_error_last());
	for (size_t i = 0; i < fl.nr; i++) {
		const struct vlt_tree_entry *e = vlt_tree_find(&top, fl.v[i]);

		if (!e)
			continue;
		write_location(e, tp.v[i], &written);
		if (!quiet)
			printf("copied %s to %s\n", tilde(fp.v[i]),
			       tilde(tp.v[i]));
	}
	vlt_tree_release(&top);
	if (!quiet)
		printf("%s settings %s -> %s: %" PRIu64 " files written; what "
		       "was there before is kept as %s/%s; undo with:\n"
		       "  vault workspace restore %s %s --exact\n", p.title,
		       argv[1], argv[2], written, p.app, before.data, p.app,
		       before.data);
done:
	vlt_strlist_release(&fl);
	vlt_strlist_release(&fp);
	vlt_strlist_release(&tl);
	vlt_strlist_release(&tp);
	vlt_buf_release(&before);
	ws_profile_release(&p);
	return 0;
}

/* --- list ----------------------------------------------------------- */

static uint64_t meta_u64(const struct vlt_snapshot *s, const char *key)
{
	const char *v = vlt_snapshot_meta(s, key);

	return v ? strtoull(v, NULL, 10) : 0;
}

static int cmd_list(int argc, char **argv)
{
	struct wsnap_list l = { 0 };
	json_t *arr = NULL;
	int wapp = 3, wname = 4;

	if (argc > 1)
		usage_error(usage, "list takes at most one APP");
	if (argc && !vlt_workspace_name_valid(argv[0]))
		die("'%s' is not a valid application name", argv[0]);
	repo = cli_open_repo();
	load_snaps(argc ? argv[0] : NULL, &l);
	if (json_out)
		arr = cli_json_array();
	else if (!l.nr && !quiet)
		fprintf(stderr, argc ? "no workspace snapshot of %s yet\n" :
			"no workspace snapshots yet%s\n", argc ? argv[0] : "");
	for (size_t i = 0; i < l.nr; i++) {
		int a = (int)strlen(l.v[i].app), n = (int)strlen(l.v[i].name);

		wapp = a > wapp ? a : wapp;
		wname = n > wname ? n : wname;
	}
	if (!json_out && l.nr)
		printf("%-*s  %-*s  %-16s  %6s  %10s\n", wapp, "APP", wname,
		       "NAME", "DATE", "FILES", "SIZE");
	for (size_t i = 0; i < l.nr; i++) {
		const struct wsnap *w = &l.v[i];
		uint64_t files = meta_u64(&w->s, "workspace.files");
		uint64_t bytes = meta_u64(&w->s, "workspace.bytes");

		if (json_out) {
			json_t *o = cli_json_object();

			cli_json_set(o, "app", json_string(w->app));
			cli_json_set(o, "name", json_string(w->name));
			cli_json_set(o, "date", json_string(
				print_date_iso(w->s.time, w->s.tz_minutes)));
			cli_json_set(o, "files", json_integer((json_int_t)files));
			cli_json_set(o, "bytes", json_integer((json_int_t)bytes));
			cli_json_set(o, "auto", w->autokind ?
				     json_string(w->autokind) : json_null());
			cli_json_set(o, "snapshot",
				     json_string(vlt_oid_hex(&w->oid)));
			cli_json_append(arr, o);
			continue;
		}
		printf("%-*s  %-*s  %-16s  %6" PRIu64 "  %10s\n", wapp, w->app,
		       wname, w->name,
		       print_date_short(w->s.time, w->s.tz_minutes), files,
		       print_human_size(bytes));
	}
	if (json_out)
		cli_json_print(arr, 0);
	release_snaps(&l);
	return 0;
}

/* --- diff ----------------------------------------------------------- */

struct text {
	char *data;
	size_t len;
	const char **line;  /* starts */
	size_t *llen;
	size_t n;
};

/* Split into lines; 0 when the text is not text (NUL) or too long. */
static int split_lines(struct text *t)
{
	size_t alloc = 0;

	if (t->len && memchr(t->data, '\0', t->len))
		return 0;
	for (size_t i = 0; i < t->len;) {
		const char *nl = memchr(t->data + i, '\n', t->len - i);
		size_t end = nl ? (size_t)(nl - t->data) + 1 : t->len;

		if (t->n >= TEXT_LINES_MAX)
			return 0;
		if (VLT_ALLOC_GROW(t->line, t->n + 1, alloc) < 0)
			die("out of memory");
		t->line[t->n] = t->data + i;
		t->n++;
		i = end;
	}
	if (t->n && !(t->llen = calloc(t->n, sizeof(*t->llen))))
		die("out of memory");
	for (size_t i = 0; i < t->n; i++)
		t->llen[i] = (size_t)((i + 1 < t->n ? t->line[i + 1] :
				      t->data + t->len) - t->line[i]);
	return 1;
}

static int same_line(const struct text *a, size_t i, const struct text *b,
		     size_t j)
{
	return a->llen[i] == b->llen[j] &&
	       !memcmp(a->line[i], b->line[j], a->llen[i]);
}

static void put_line(char tag, const char *s, size_t n)
{
	putchar(tag);
	fwrite(s, 1, n, stdout);
	if (!n || s[n - 1] != '\n')
		fputs("\n\\ No newline at end of file\n", stdout);
}

/*
 * A unified diff of a and b (3 lines of context), from the longest
 * common subsequence of lines (a table of (n+1)(m+1) entries: both sides
 * are at most TEXT_LINES_MAX lines; settings files are far smaller).
 */
static void unified_diff(const struct text *a, const struct text *b)
{
	size_t n = a->n, m = b->n, w = m + 1;
	uint32_t *L = calloc((n + 1) * w, sizeof(*L));
	char *op;   /* the edit script: '=', '-', '+' */
	size_t nop = 0, i = 0, j = 0;

	if (!L || !(op = malloc(n + m + 1)))
		die("out of memory");
	for (size_t x = n; x-- > 0;)
		for (size_t y = m; y-- > 0;)
			L[x * w + y] = same_line(a, x, b, y) ?
				L[(x + 1) * w + y + 1] + 1 :
				(L[(x + 1) * w + y] > L[x * w + y + 1] ?
				 L[(x + 1) * w + y] : L[x * w + y + 1]);
	while (i < n || j < m) {
		if (i < n && j < m && same_line(a, i, b, j)) {
			op[nop++] = '=';
			i++, j++;
		} else if (i < n && (j == m ||
				     L[(i + 1) * w + j] >= L[i * w + j + 1])) {
			op[nop++] = '-';   /* removals first, as diff -u */
			i++;
		} else {
			op[nop++] = '+';
			j++;
		}
	}
	free(L);
	/* hunks: runs of changes with CONTEXT lines around, merged when
	 * closer than 2 * CONTEXT */
	for (size_t k = 0, ai = 0, bj = 0; k < nop;) {
		size_t start, end, last, sa, sb, ca = 0, cb = 0;

		if (op[k] == '=') {
			k++, ai++, bj++;
			continue;
		}
		start = k > CONTEXT ? k - CONTEXT : 0;
		for (size_t back = k; back > start; back--)
			ai--, bj--;
		last = k;
		for (end = k; end < nop; end++) {
			if (op[end] != '=')
				last = end;
			else if (end - last > 2 * CONTEXT)
				break;
		}
		end = last + CONTEXT + 1 < nop ? last + CONTEXT + 1 : nop;
		sa = ai, sb = bj;
		for (size_t q = start; q < end; q++) {
			ca += op[q] != '+';
			cb += op[q] != '-';
		}
		printf("@@ -%zu", ca ? sa + 1 : sa);
		if (ca != 1)
			printf(",%zu", ca);
		printf(" +%zu", cb ? sb + 1 : sb);
		if (cb != 1)
			printf(",%zu", cb);
		printf(" @@\n");
		for (size_t q = start; q < end; q++) {
			if (op[q] == '=') {
				put_line(' ', a->line[ai], a->llen[ai]);
				ai++, bj++;
			} else if (op[q] == '-') {
				put_line('-', a->line[ai], a->llen[ai]);
				ai++;
			} else {
				put_line('+', b->line[bj], b->llen[bj]);
				bj++;
			}
		}
		k = end;
	}
	free(op);
}

static void text_release(struct text *t)
{
	free(t->data);
	free(t->line);
	free(t->llen);
}

/* The content of one side of a diff item: from the store, or (live) from
 * the file on disk. 0 when it cannot be had within the limit. */
static int side_content(const struct change_ctx *c,
			const struct vlt_diff_item *it, int new_side, int live,
			struct text *t)
{
	const struct vlt_tree_entry *e = new_side ? &it->new_e : &it->old_e;
	struct vlt_buf b = VLT_BUF_INIT;

	memset(t, 0, sizeof(*t));
	if (e->type != VLT_ENTRY_FILE || e->size > TEXT_DIFF_MAX)
		return 0;
	if (live) {
		struct vlt_buf target = VLT_BUF_INIT, path = VLT_BUF_INIT;
		const char *rest;
		int rc = item_target(c, it->path, &target, &rest);

		if (rc == 0) {
			real_target(target.data, &path);
			if (*rest)
				vlt_buf_addf(&path, "/%s", rest);
			rc = vlt_read_file_max(path.data, TEXT_DIFF_MAX, &b);
		}
		vlt_buf_release(&target);
		vlt_buf_release(&path);
		if (rc < 0) {
			vlt_error_clear();
			vlt_buf_release(&b);
			return 0;
		}
	} else if (vlt_file_object_read(repo, &e->oid, TEXT_DIFF_MAX, &b) < 0) {
		vlt_error_clear();
		vlt_buf_release(&b);
		return 0;
	}
	t->data = vlt_buf_detach(&b, &t->len);
	return split_lines(t);
}

static int cmd_diff(int argc, char **argv)
{
	struct ws_profile p;
	struct wsnap_list l = { 0 };
	const struct wsnap *wa, *wb = NULL;
	struct vlt_oid live;
	struct vlt_diff_list dl = VLT_DIFF_LIST_INIT;
	struct change_ctx c;
	uint64_t files, bytes;
	const char *aname, *bname;

	if (argc < 1 || argc > 3)
		usage_error(usage, "diff takes APP and at most two names");
	repo = cli_open_repo();
	load_profile(argv[0], NULL, &p);
	load_snaps(p.app, &l);
	wa = find_snap(&l, p.app, argc > 1 ? argv[1] : NULL);
	if (argc > 2)
		wb = find_snap(&l, p.app, argv[2]);
	memset(&c, 0, sizeof(c));
	c.p = &p;
	c.snaps[0] = wb ? &wb->s : NULL;
	c.snaps[1] = &wa->s;
	if (!wb)
		live_tree(&p, 1, &live, &files, &bytes);
	if (vlt_diff_trees_list(repo, &wa->s.tree, wb ? &wb->s.tree : &live,
				NULL, 0, &dl) < 0)
		die("%s", vlt_error_last());
	aname = wa->name;
	bname = wb ? wb->name : "live";
	for (size_t i = 0; i < dl.nr; i++) {
		const struct vlt_diff_item *it = &dl.items[i];
		struct text ta = { 0 }, tb = { 0 };

		printf("%c  %s\n", (char)it->status, item_display(&c, it->path));
		if (it->status != VLT_DIFF_MODIFIED || quiet)
			continue;
		if (side_content(&c, it, 0, 0, &ta) &&
		    side_content(&c, it, 1, !wb, &tb)) {
			printf("--- %s/%s\n+++ %s/%s\n", aname, it->path, bname,
			       it->path);
			unified_diff(&ta, &tb);
		} else if (it->old_e.type == VLT_ENTRY_FILE &&
			   it->new_e.type == VLT_ENTRY_FILE) {
			printf("   binary or large file: %s -> %s\n",
			       print_human_size(it->old_e.size),
			       print_human_size(it->new_e.size));
		}
		text_release(&ta);
		text_release(&tb);
	}
	cli_flush_stdout();
	{
		int rc = dl.nr ? VLT_EXIT_NO : VLT_EXIT_OK;

		vlt_diff_list_release(&dl);
		release_snaps(&l);
		ws_profile_release(&p);
		return rc;
	}
}

/* --- profiles --------------------------------------------------------- */

static void print_template(const char *label, const char *text, void *data)
{
	(void)data;
	printf("    %-16s %s\n", label, tilde(text));
}

/* Add the patterns of pats to line, each once. */
static void add_patterns(struct vlt_buf *line, struct vlt_strlist *seen,
			 const char *pat, const char *suffix)
{
	for (size_t i = 0; i < seen->nr; i++)
		if (!strcmp(seen->v[i], pat))
			return;
	if (vlt_strlist_add(seen, pat) < 0)
		die("out of memory");
	vlt_buf_addf(line, "%s%s%s", line->len ? ", " : "", pat, suffix);
}

static void show_profile(const char *app)
{
	struct ws_profile p;
	struct vlt_buf left = VLT_BUF_INIT;
	struct vlt_strlist seen = VLT_STRLIST_INIT;
	int found = 0;

	load_profile(app, NULL, &p);
	printf("%s (%s), %s paths:\n", p.app, p.title,
	       ws_platform_name(platform));
	if (p.none_here)
		printf("  none: %s does not run on %s\n", p.title,
		       ws_platform_name(platform));
	else if (p.builtin) {
		printf("  looks in:\n");
		ws_profile_templates(&p, print_template, NULL);
	}
	for (size_t i = 0; i < p.nr; i++) {
		const struct ws_loc *l = &p.v[i];

		if (!found++)
			printf("  here:\n");
		printf("    %-16s %s%s\n", l->label, tilde(l->path),
		       l->exists ? "" : "  (not found)");
		for (size_t k = 0; l->excludes && l->excludes[k]; k++)
			add_patterns(&left, &seen, l->excludes[k], "");
		for (size_t k = 0; k < l->user_excludes.nr; k++)
			add_patterns(&left, &seen, l->user_excludes.v[k],
				     " (config)");
	}
	if (!p.none_here && !found)
		printf("  here: nothing found\n");
	if (left.len)
		printf("  left out below them: %s\n", left.data);
	if (p.note)
		printf("  %s\n", p.note);
	vlt_buf_release(&left);
	vlt_strlist_release(&seen);
	ws_profile_release(&p);
}

static int cmd_profiles(int argc, char **argv)
{
	if (argc > 1)
		usage_error(usage, "profiles takes at most one APP");
	repo = cli_try_open_repo();
	if (argc) {
		show_profile(argv[0]);
	} else {
		struct vlt_strlist names = VLT_STRLIST_INIT;

		if (ws_profile_names(repo ? vlt_repo_config(repo) : NULL,
				     &names) < 0)
			die("out of memory");
		for (size_t i = 0; i < names.nr; i++) {
			if (i)
				putchar('\n');
			show_profile(names.v[i]);
		}
		vlt_strlist_release(&names);
	}
	return 0;
}

/* --- main ----------------------------------------------------------- */

enum { OPT_NAME = 256, OPT_VERSION, OPT_PATH, OPT_EXACT, OPT_JSON, OPT_PLATFORM };

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, OPT_NAME },
		{ "version", required_argument, NULL, OPT_VERSION },
		{ "path", required_argument, NULL, OPT_PATH },
		{ "exact", no_argument, NULL, OPT_EXACT },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "platform", required_argument, NULL, OPT_PLATFORM },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sub;
	int c, rc;

	cli_init("vault-workspace");
	platform = ws_platform_default();
	while ((c = cli_getopt(argc, argv, "nq", opts, usage)) != -1) {
		switch (c) {
		case OPT_NAME: opt_name = optarg; break;
		case OPT_VERSION:
			if (!valid_version(optarg))
				usage_error(usage, "--version takes a version "
					    "(4.2, 2.10)");
			opt_version = optarg;
			break;
		case OPT_PATH:
			if (vlt_strlist_add(&extra_paths, optarg) < 0)
				die("out of memory");
			break;
		case OPT_EXACT: exact = 1; break;
		case 'n': dry_run = 1; break;
		case OPT_JSON: json_out = 1; break;
		case OPT_PLATFORM:
			if (!(platform = ws_platform_parse(optarg)))
				usage_error(usage, "--platform is linux, macos "
					    "or windows");
			break;
		case 'q': quiet = 1; break;
		}
	}
	if (optind >= argc)
		usage_error(usage, "which subcommand?");
	sub = argv[optind];
	argc -= optind + 1;
	argv += optind + 1;
	if (strcmp(sub, "capture") && (opt_name || opt_version ||
				       extra_paths.nr))
		usage_error(usage, "--name, --version and --path are for capture");
	if (strcmp(sub, "restore") && exact)
		usage_error(usage, "--exact is for restore");
	if (strcmp(sub, "restore") && strcmp(sub, "migrate") && dry_run)
		usage_error(usage, "--dry-run is for restore and migrate");
	if (strcmp(sub, "list") && json_out)
		usage_error(usage, "--json is for list");
	if (!strcmp(sub, "capture"))
		rc = cmd_capture(argc, argv);
	else if (!strcmp(sub, "restore"))
		rc = cmd_restore(argc, argv);
	else if (!strcmp(sub, "migrate"))
		rc = cmd_migrate(argc, argv);
	else if (!strcmp(sub, "list"))
		rc = cmd_list(argc, argv);
	else if (!strcmp(sub, "diff"))
		rc = cmd_diff(argc, argv);
	else if (!strcmp(sub, "profiles"))
		rc = cmd_profiles(argc, argv);
	else
		usage_error(usage, "unknown subcommand '%s'", sub);
	vlt_strlist_release(&extra_paths);
	cli_flush_stdout();
	return rc;
}
