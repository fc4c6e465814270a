/*
 * vault diff - what changed between two snapshots, or between a snapshot
 * and the working folder.
 *
 * The comparison itself is lib/diff.c (identical subtrees are skipped
 * unread, renames paired by file id). The working folder side is hashed
 * without storing anything (vlt_backup_scan), so `vault diff` is a
 * read-only question, answered by the exit status as with `git diff
 * --exit-code`: 0 no differences, 1 differences.
 *
 * --visual is the creative persona's report: this program checks the
 * options, then runs vault-creative-diff (personas/creative/) from its
 * own folder with the same arguments, so `vault diff` itself needs no
 * media library.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "diff-sides.h"
#include "json.h"
#include "diff.h"
#include "error.h"
#include "exec.h"
#include "odb.h"
#include "print.h"
#include "tree.h"

static const char usage[] =
"usage: vault diff [--stat | --name-status | --json] [-z] [-q] [--no-renames]\n"
"                  [A [B]] [-- PATH...]\n"
"   or: vault diff --visual [-o DIR] [A [B]] [-- PATH...]\n"
"\n"
"Compares snapshot (or tree, or SNAP:dir) A with B. With only A, compares\n"
"A with the working folder; with neither, HEAD with the working folder.\n"
"One line per changed path: A added, D removed, M modified (content, mode\n"
"or type), R renamed (same content), with sizes. Exit status: 0 no\n"
"differences, 1 differences, 128 error.\n"
"\n"
"    --stat         per-file size change and a summary line\n"
"    --name-status  git's format: 'M<TAB>path', 'R100<TAB>old<TAB>new'\n"
"    --json         a JSON object: the changes and a summary\n"
"    -z             NUL-terminated records, names not quoted\n"
"    -q, --quiet    print nothing; only the exit status\n"
"    --no-renames   report a rename as a removal and an addition\n"
"    --visual       hand each modified image (PNG, JPEG, WebP, TIFF, Krita,\n"
"                   OpenRaster) and 3D model to the visual diff: pictures\n"
"                   of the changes with an index.html, one line each;\n"
"                   files it cannot read are named ('-' lines)\n"
"    -o, --output DIR  where --visual writes (default: the repository's\n"
"                   cache, cache/visual-diff, replaced on each run; its\n"
"                   index.html is named on standard error)\n"
"    -- PATH...     only these paths (and what is below them)\n";

enum format { FMT_DEFAULT, FMT_STAT, FMT_NAME_STATUS, FMT_JSON, FMT_QUIET,
	      FMT_VISUAL };

static enum format fmt = FMT_DEFAULT;
static int nul;
static struct vlt_buf out = VLT_BUF_INIT;

static void flush_out(int force)
{
	if (out.len && (force || out.len > 65536)) {
		cli_write_stdout(out.data, out.len);
		vlt_buf_reset(&out);
	}
}

static void add_name(struct vlt_buf *b, const char *name)
{
	if (nul)
		vlt_buf_adds(b, name);
	else
		print_quote_name(b, name);
}

/* What besides content changed in an M entry, as " (mode 100644 ->
 * 100755)" or " (file -> symlink)"; nothing for a content change. */
static void add_kind_change(struct vlt_buf *b, const struct vlt_diff_item *it)
{
	if (it->old_e.type != it->new_e.type)
		vlt_buf_addf(b, " (%s -> %s)", vlt_entry_type_name(it->old_e.type),
			     vlt_entry_type_name(it->new_e.type));
	else if ((it->old_e.mode & 07777) != (it->new_e.mode & 07777))
		vlt_buf_addf(b, " (mode %04o -> %04o)", it->old_e.mode & 07777,
			     it->new_e.mode & 07777);
}

static void print_default(const struct vlt_diff_list *l)
{
	for (size_t i = 0; i < l->nr; i++) {
		const struct vlt_diff_item *it = &l->items[i];

		vlt_buf_addf(&out, "%c  ", (char)it->status);
		switch (it->status) {
		case VLT_DIFF_ADDED:
			add_name(&out, it->path);
			vlt_buf_addf(&out, "  %s", print_human_size(it->new_e.size));
			break;
		case VLT_DIFF_DELETED:
			add_name(&out, it->path);
			vlt_buf_addf(&out, "  %s", print_human_size(it->old_e.size));
			break;
		case VLT_DIFF_MODIFIED:
			add_name(&out, it->path);
			vlt_buf_addf(&out, "  %s -> %s",
				     print_human_size(it->old_e.size),
				     print_human_size(it->new_e.size));
			add_kind_change(&out, it);
			break;
		case VLT_DIFF_RENAMED:
			add_name(&out, it->old_path);
			vlt_buf_adds(&out, " -> ");
			add_name(&out, it->path);
			vlt_buf_addf(&out, "  %s", print_human_size(it->new_e.size));
			break;
		}
		vlt_buf_addch(&out, '\n');
		flush_out(0);
	}
}

static void print_name_status(const struct vlt_diff_list *l)
{
	char sep = nul ? '\0' : '\t', end = nul ? '\0' : '\n';

	for (size_t i = 0; i < l->nr; i++) {
		const struct vlt_diff_item *it = &l->items[i];

		if (it->status == VLT_DIFF_RENAMED) {
			vlt_buf_adds(&out, "R100");
			vlt_buf_addch(&out, sep);
			add_name(&out, it->old_path);
		} else {
			vlt_buf_addch(&out, (char)it->status);
		}
		vlt_buf_addch(&out, sep);
		add_name(&out, it->path);
		vlt_buf_addch(&out, end);
		flush_out(0);
	}
}

/* "+1.2 MiB" / "-12 B" / "0 B" */
static const char *signed_size(uint64_t from, uint64_t to)
{
	static char bufs[2][40];
	static int next;
	char *b = bufs[next ^= 1];

	if (to == from)
		return "+0 B";
	snprintf(b, 40, "%c%s", to > from ? '+' : '-',
		 print_human_size(to > from ? to - from : from - to));
	return b;
}

static void print_stat(const struct vlt_diff_list *l)
{
	struct vlt_diff_summary sum;
	struct vlt_buf name = VLT_BUF_INIT;
	size_t width = 0;

	/* names first, to align the bars */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < l->nr; i++) {
			const struct vlt_diff_item *it = &l->items[i];
			size_t w;

			vlt_buf_reset(&name);
			if (it->old_path) {
				add_name(&name, it->old_path);
				vlt_buf_adds(&name, " => ");
			}
			add_name(&name, it->path);
			/* display width: count UTF-8 lead bytes only */
			w = 0;
			for (size_t k = 0; k < name.len; k++)
				w += ((unsigned char)name.data[k] & 0xc0) != 0x80;
			if (pass == 0) {
				if (w > width)
					width = w;
				continue;
			}
			vlt_buf_addf(&out, " %s%*s | ", name.data,
				     (int)(width - w), "");
			switch (it->status) {
			case VLT_DIFF_ADDED:
				vlt_buf_addf(&out, "%s (new)",
					     signed_size(0, it->new_e.size));
				break;
			case VLT_DIFF_DELETED:
				vlt_buf_addf(&out, "%s (gone)",
					     signed_size(it->old_e.size, 0));
				break;
			case VLT_DIFF_MODIFIED:
				vlt_buf_addf(&out, "%s -> %s (%s)",
					     print_human_size(it->old_e.size),
					     print_human_size(it->new_e.size),
					     signed_size(it->old_e.size,
							 it->new_e.size));
				add_kind_change(&out, it);
				break;
			case VLT_DIFF_RENAMED:
				vlt_buf_addf(&out, "%s (renamed)",
					     print_human_size(it->new_e.size));
				break;
			}
			vlt_buf_addch(&out, nul ? '\0' : '\n');
			flush_out(0);
		}
	}
	if (!l->nr)
		goto done;
	vlt_diff_summarize(l, &sum);
	print_diff_summary(&out, &sum);
	if (nul && out.len && out.data[out.len - 1] == '\n')
		out.data[out.len - 1] = '\0';
done:
	vlt_buf_release(&name);
}

static json_t *entry_json(const struct vlt_tree_entry *e)
{
	char mode[8];

	snprintf(mode, sizeof(mode), "%04o", e->mode & 07777);
	return json_pack("{s:s, s:s, s:I, s:s}",
			 "type", vlt_entry_type_name(e->type), "mode", mode,
			 "size", (json_int_t)e->size, "id", vlt_oid_hex(&e->oid));
}

/* a and b are 64-hex tree ids, "worktree", or NULL for the empty tree */
static void print_json(const struct vlt_diff_list *l, const char *a_name,
		       const char *b_name)
{
	json_t *o = json_object(), *changes = json_array();
	struct vlt_diff_summary sum;

	if (!o || !changes)
		die("out of memory");
	for (size_t i = 0; i < l->nr; i++) {
		const struct vlt_diff_item *it = &l->items[i];
		json_t *c = json_object();
		char st[2] = { (char)it->status, 0 };

		if (!c)
			die("out of memory");
		cli_json_set(c, "status", json_string(st));
		cli_json_set(c, "path", print_json_string(it->path));
		if (it->old_path)
			cli_json_set(c, "old_path", print_json_string(it->old_path));
		cli_json_set(c, "old", it->has_old ? entry_json(&it->old_e) :
			 json_null());
		cli_json_set(c, "new", it->has_new ? entry_json(&it->new_e) :
			 json_null());
		if (json_array_append_new(changes, c) < 0)
			die("out of memory");
	}
	vlt_diff_summarize(l, &sum);
	cli_json_set(o, "a", a_name ? json_string(a_name) : json_null());
	cli_json_set(o, "b", b_name ? json_string(b_name) : json_null());
	cli_json_set(o, "changes", changes);
	cli_json_set(o, "summary", print_diff_summary_json(&sum));
	cli_json_print(o, 0);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "stat", no_argument, NULL, 'S' },
		{ "name-status", no_argument, NULL, 'N' },
		{ "json", no_argument, NULL, 'J' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "no-renames", no_argument, NULL, 'R' },
		{ "visual", no_argument, NULL, 'V' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vlt_diff_list l = VLT_DIFF_LIST_INIT;
	const char *const *paths = NULL;
	char a_name[VLT_OID_HEXSZ + 1], b_name[VLT_OID_HEXSZ + 1];
	struct vlt_oid a, b;
	struct vlt_repo *r;
	int c, dashdash = argc, renames = 1, nrevs, rc;

	cli_init("vault-diff");
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--")) {
			dashdash = i;
			break;
		}
	while ((c = cli_getopt(dashdash, argv, "zqo:", opts, usage)) != -1) {
		enum format f = FMT_DEFAULT;

		switch (c) {
		case 'S': f = FMT_STAT; break;
		case 'N': f = FMT_NAME_STATUS; break;
		case 'J': f = FMT_JSON; break;
		case 'q': f = FMT_QUIET; break;
		case 'z': nul = 1; break;
		case 'R': renames = 0; break;
		case 'V': f = FMT_VISUAL; break;
		case 'o': break;  /* vault-creative-diff's */
		}
		if (f != FMT_DEFAULT) {
			if (fmt != FMT_DEFAULT && fmt != f)
				usage_error(usage, "--stat, --name-status, --json, "
					    "--visual and --quiet exclude each "
					    "other");
			fmt = f;
		}
	}
	nrevs = dashdash - optind;
	if (nrevs > 2)
		usage_error(usage, "at most two revisions (paths go after '--')");
	if (dashdash + 1 < argc)
		paths = (const char *const *)argv + dashdash + 1;
	if (fmt == FMT_VISUAL) {
		cli_exec("vault-creative-diff", argv, 0);
		if (errno == ENOENT)
			die("--visual needs vault-creative-diff, which this "
			    "build does not have (built without media support)");
		die("cannot run vault-creative-diff: %s", strerror(errno));
	}

	r = cli_open_repo();
	if (nrevs == 0)
		cli_diff_tree(r, "HEAD", &a, 1);
	else
		cli_diff_tree(r, argv[optind], &a, 0);
	vlt_oid_to_hex(&a, a_name);
	if (nrevs == 2) {
		cli_diff_tree(r, argv[optind + 1], &b, 0);
		vlt_oid_to_hex(&b, b_name);
	} else {
		cli_diff_worktree(r, &b, fmt == FMT_QUIET);
		snprintf(b_name, sizeof(b_name), "worktree");
	}
	if (vlt_diff_trees_list(r, &a, &b, paths, renames, &l) < 0)
		die("%s", vlt_error_last());
	rc = l.nr ? VLT_EXIT_NO : VLT_EXIT_OK;
	switch (fmt) {
	case FMT_DEFAULT:
		/* names with "  " or " -> " in them cannot be split from the
		 * human format: -z gives the --name-status records instead */
		if (nul)
			print_name_status(&l);
		else
			print_default(&l);
		break;
	case FMT_NAME_STATUS: print_name_status(&l); break;
	case FMT_STAT: print_stat(&l); break;
	case FMT_JSON:
		print_json(&l, vlt_oid_is_zero(&a) ? NULL : a_name, b_name);
		break;
	case FMT_QUIET: break;
	case FMT_VISUAL: break;  /* handed over before */
	}
	flush_out(1);
	vlt_buf_release(&out);
	vlt_diff_list_release(&l);
	vlt_repo_free(r);
	return rc;
}
