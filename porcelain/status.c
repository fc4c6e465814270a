/*
 * vault status - what changed in the project folder since the latest
 * snapshot of the current branch.
 *
 * The folder is looked at the way the next backup would (same walk, ignore
 * rules and file cache, nothing stored: vlt_backup_scan_opts), then its
 * tree is compared with the branch's (lib/diff.c). A file whose stat
 * matches the cache is not opened; one whose stat changed is hashed, and
 * is reported only if its content (or mode, or type) differs.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "backup.h"
#include "cli.h"
#include "json.h"
#include "diff.h"
#include "error.h"
#include "fsutil.h"
#include "ignore.h"
#include "print.h"
#include "refs.h"
#include "revparse.h"
#include "tree.h"

static const char usage[] =
"usage: vault status [--short | --porcelain | --json] [-z] [--ignored]\n"
"                    [--exclude PATTERN]... [--no-default-ignores] [PATH...]\n"
"\n"
"Shows what changed in the project folder since the latest snapshot of\n"
"the current branch: files added, modified (content, mode or type) and\n"
"deleted, and how many paths the ignore rules leave out. Unchanged files\n"
"cost one stat() (the backup's file cache); a file whose times changed is\n"
"read, and is unchanged if its content is. Nothing is stored. With PATHs,\n"
"only those paths and what is below them.\n"
"\n"
"    -s, --short        one line per path: CODE PATH, CODE one of\n"
"                       A (added), M (modified), D (deleted), ! (ignored)\n"
"    --porcelain        the --short format, stable for scripts\n"
"    --json             a JSON object: the changes and the counts\n"
"    -z                 NUL-terminated records, names not quoted\n"
"    --ignored          also list the paths the ignore rules leave out\n"
"    --exclude PATTERN  an extra rule, as for backup (repeatable)\n"
"    --no-default-ignores  without the built-in rules, as for backup\n"
"\n"
"Exit status: 0 (whatever changed), 128 on error.\n";

enum format { FMT_LONG, FMT_SHORT, FMT_JSON };

static enum format fmt = FMT_LONG;
static int nul, show_ignored;
static struct vlt_buf out = VLT_BUF_INIT;
static struct vlt_strlist ignored;
static const char *const *limit;   /* project-relative PATHs, or NULL */

static void flush_out(int force)
{
	if (out.len && (force || out.len > 65536)) {
		cli_write_stdout(out.data, out.len);
		vlt_buf_reset(&out);
	}
}

static void add_name(const char *name)
{
	if (nul)
		vlt_buf_adds(&out, name);
	else
		print_quote_name(&out, name);
}

/* Is path one of the PATHs or below one (or are there none)? */
static int in_limit(const char *path)
{
	if (!limit)
		return 1;
	for (const char *const *p = limit; *p; p++) {
		size_t n = strlen(*p);

		if (!n || (!strncmp(path, *p, n) &&
			   (path[n] == '/' || !path[n])))
			return 1;
	}
	return 0;
}

static void on_ignored(const char *path, int is_dir,
		       const struct vlt_ignore_why *why, void *d)
{
	struct vlt_buf p = VLT_BUF_INIT;

	(void)why;
	(void)d;
	if (!in_limit(path))
		return;
	/* a directory is listed with a trailing '/', as git status does */
	if (vlt_buf_addf(&p, "%s%s", path, is_dir ? "/" : "") < 0 ||
	    vlt_strlist_add(&ignored, p.data) < 0)
		die("out of memory");
	vlt_buf_release(&p);
}

static const char *status_word(enum vlt_diff_status s)
{
	switch (s) {
	case VLT_DIFF_ADDED: return "added";
	case VLT_DIFF_DELETED: return "deleted";
	case VLT_DIFF_MODIFIED: return "modified";
	case VLT_DIFF_RENAMED: return "renamed";
	}
	return "?";
}

static void print_short(const struct vlt_diff_list *l)
{
	for (size_t i = 0; i < l->nr; i++) {
		vlt_buf_addf(&out, "%c ", (char)l->items[i].status);
		add_name(l->items[i].path);
		vlt_buf_addch(&out, nul ? '\0' : '\n');
		flush_out(0);
	}
	for (size_t i = 0; show_ignored && i < ignored.nr; i++) {
		vlt_buf_adds(&out, "! ");
		add_name(ignored.v[i]);
		vlt_buf_addch(&out, nul ? '\0' : '\n');
		flush_out(0);
	}
}

static void print_long(const struct vlt_diff_list *l, const char *branch,
		       const char *snap)
{
	if (snap)
		vlt_buf_addf(&out, "On branch %s, latest snapshot %.12s\n",
			     branch, snap);
	else
		vlt_buf_addf(&out, "On branch %s, no snapshot yet: every file "
			     "is new\n", branch);
	if (l->nr) {
		vlt_buf_adds(&out, "\nChanges since the latest snapshot "
			     "(vault backup stores them, vault diff shows "
			     "sizes):\n");
		for (size_t i = 0; i < l->nr; i++) {
			vlt_buf_addf(&out, "\t%-10s", status_word(l->items[i].status));
			vlt_buf_addch(&out, ' ');
			add_name(l->items[i].path);
			vlt_buf_addch(&out, '\n');
			flush_out(0);
		}
	}
	if (show_ignored && ignored.nr) {
		vlt_buf_adds(&out, "\nLeft out by ignore rules (vault check-ignore "
			     "-v PATH says which rule):\n");
		for (size_t i = 0; i < ignored.nr; i++) {
			vlt_buf_addch(&out, '\t');
			add_name(ignored.v[i]);
			vlt_buf_addch(&out, '\n');
			flush_out(0);
		}
	}
	vlt_buf_addch(&out, '\n');
	if (!l->nr)
		vlt_buf_adds(&out, snap ? "Nothing changed since the latest "
			     "snapshot.\n" : "Nothing to back up.\n");
	if (ignored.nr && !show_ignored)
		vlt_buf_addf(&out, "%zu path%s left out by ignore rules (vault "
			     "status --ignored lists them)\n", ignored.nr,
			     ignored.nr == 1 ? "" : "s");
}

static void print_json(const struct vlt_diff_list *l, const char *branch,
		       const char *snap, const struct vlt_backup_progress *st)
{
	json_t *o = json_object(), *changes = json_array();
	uint64_t n[3] = { 0, 0, 0 };

	for (size_t i = 0; i < l->nr; i++) {
		const struct vlt_diff_item *it = &l->items[i];
		char code[2] = { (char)it->status, '\0' };

		n[it->status == VLT_DIFF_ADDED ? 0 :
		  it->status == VLT_DIFF_MODIFIED ? 1 : 2]++;
		cli_json_append(changes, json_pack("{s:s,s:o,s:I}",
			"status", code, "path", print_json_string(it->path),
			"size", (json_int_t)(it->has_new ? it->new_e.size :
					     it->old_e.size)));
	}
	cli_json_set(o, "ref", print_json_string(branch));
	cli_json_set(o, "snapshot", snap ? json_string(snap) : json_null());
	cli_json_set(o, "changes", changes);
	cli_json_set(o, "added", json_integer((json_int_t)n[0]));
	cli_json_set(o, "modified", json_integer((json_int_t)n[1]));
	cli_json_set(o, "deleted", json_integer((json_int_t)n[2]));
	cli_json_set(o, "ignored", json_integer((json_int_t)ignored.nr));
	/* how the answer was found: files seen, and read (the others cost a
	 * stat() thanks to the file cache) */
	cli_json_set(o, "files", json_integer((json_int_t)st->files_total));
	cli_json_set(o, "files_read", json_integer((json_int_t)
		     (st->files_total - st->files_cached)));
	if (show_ignored) {
		json_t *a = json_array();

		for (size_t i = 0; i < ignored.nr; i++)
			cli_json_append(a, print_json_string(ignored.v[i]));
		cli_json_set(o, "ignored_paths", a);
	}
	flush_out(1);
	cli_json_print(o, 0);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "short", no_argument, NULL, 's' },
		{ "porcelain", no_argument, NULL, 'P' },
		{ "json", no_argument, NULL, 'J' },
		{ "ignored", no_argument, NULL, 'I' },
		{ "exclude", required_argument, NULL, 'x' },
		{ "no-default-ignores", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vlt_backup_opts bo;
	struct vlt_backup_progress st;
	struct vlt_diff_list l = VLT_DIFF_LIST_INIT;
	struct vlt_buf ref = VLT_BUF_INIT;
	struct vlt_strlist paths = VLT_STRLIST_INIT;
	struct vlt_oid snap, head_tree, work_tree;
	const char **excludes, *branch;
	char snap_hex[VLT_OID_HEXSZ + 1], *root;
	int c, nex = 0, have_snap;
	struct vlt_repo *r;

	cli_init("vault-status");
	excludes = calloc((size_t)argc + 1, sizeof(*excludes));
	if (!excludes)
		die("out of memory");
	vlt_backup_opts_init(&bo);
	while ((c = cli_getopt(argc, argv, "sz", opts, usage)) != -1) {
		enum format f = fmt;

		switch (c) {
		case 's': case 'P': f = FMT_SHORT; break;
		case 'J': f = FMT_JSON; break;
		case 'z': nul = 1; break;
		case 'I': show_ignored = 1; break;
		case 'x': excludes[nex++] = optarg; break;
		case 'D': bo.use_default_ignores = 0; break;
		}
		if (f != fmt && fmt != FMT_LONG)
			usage_error(usage, "--short/--porcelain and --json "
				    "exclude each other");
		fmt = f;
	}
	if (nul && fmt == FMT_LONG)
		fmt = FMT_SHORT;   /* as git: -z implies --porcelain */

	r = cli_open_repo();
	root = cli_worktree_paths(r, argv + optind, argc - optind, &paths,
				  "use vault diff SNAPSHOT to compare snapshots");
	if (paths.nr)
		limit = (const char *const *)paths.v;

	if (vlt_ref_resolve_name(r, "HEAD", &ref) < 0)
		die("cannot read HEAD: %s", vlt_error_last());
	branch = vlt_ref_shorten(ref.data, NULL);
	have_snap = vlt_ref_read(r, ref.data, &snap) == 0;
	vlt_oid_clear(&head_tree);
	if (have_snap) {
		if (vlt_rev_peel_tree(r, &snap, &head_tree) < 0)
			die("cannot read the latest snapshot: %s",
			    vlt_error_last());
		vlt_oid_to_hex(&snap, snap_hex);
	}

	bo.excludes = excludes;
	bo.ignored = on_ignored;
	if (vlt_backup_scan_opts(r, root, &bo, &work_tree, &st) < 0)
		die("cannot read the project folder: %s", vlt_error_last());
	vlt_strlist_sort(&ignored);
	if (vlt_diff_trees_list(r, &head_tree, &work_tree, limit, 0, &l) < 0)
		die("cannot compare with the latest snapshot: %s",
		    vlt_error_last());

	switch (fmt) {
	case FMT_LONG:
		print_long(&l, branch, have_snap ? snap_hex : NULL);
		break;
	case FMT_SHORT:
		print_short(&l);
		break;
	case FMT_JSON:
		print_json(&l, ref.data, have_snap ? snap_hex : NULL, &st);
		break;
	}
	flush_out(1);
	vlt_buf_release(&out);
	vlt_buf_release(&ref);
	vlt_diff_list_release(&l);
	vlt_strlist_release(&ignored);
	vlt_strlist_release(&paths);
	free(excludes);
	free(root);
	vlt_repo_free(r);
	return VLT_EXIT_OK;
}
