/*
 * vault diff - what changed between two snapshots, or between a snapshot
 * and the working folder.
 *
 * The comparison itself is lib/diff.c (identical subtrees are skipped
 * unread, renames paired by file id). The working folder side is hashed
 * without storing anything (vlt_backup_scan), so `vault diff` is a
 * read-only question, answered by the exit status as with `git diff
 * --exit-code`: 0 no differences, 1 differences.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "backup.h"
#include "cli.h"
#include "html.h"
#include "diff.h"
#include "error.h"
#include "fsutil.h"
#ifdef VLT_HAVE_MEDIA
#include "image.h"
#include "media.h"
#endif
#include "odb.h"
#include "print.h"
#include "revparse.h"
#include "tree.h"
#include "worktree.h"

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

static void json_set(json_t *o, const char *key, json_t *v)
{
	if (!v || json_object_set_new(o, key, v) < 0)
		die("out of memory");
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
		json_set(c, "status", json_string(st));
		json_set(c, "path", print_json_string(it->path));
		if (it->old_path)
			json_set(c, "old_path", print_json_string(it->old_path));
		json_set(c, "old", it->has_old ? entry_json(&it->old_e) :
			 json_null());
		json_set(c, "new", it->has_new ? entry_json(&it->new_e) :
			 json_null());
		if (json_array_append_new(changes, c) < 0)
			die("out of memory");
	}
	vlt_diff_summarize(l, &sum);
	json_set(o, "a", a_name ? json_string(a_name) : json_null());
	json_set(o, "b", b_name ? json_string(b_name) : json_null());
	json_set(o, "changes", changes);
	json_set(o, "summary", print_diff_summary_json(&sum));
	if (json_dumpf(o, stdout, JSON_INDENT(2)) < 0 ||
	    fputc('\n', stdout) == EOF || fflush(stdout) == EOF)
		die("write error on stdout");
	json_decref(o);
}

/* The tree a revision names; an unborn HEAD is the empty tree when
 * allowed (so a fresh repository diffs as "everything added"). */
static void resolve_tree(struct vlt_repo *r, const char *rev,
			 struct vlt_oid *tree, int unborn_ok)
{
	struct vlt_oid oid;

	if (vlt_rev_parse(r, rev, &oid) < 0) {
		if (unborn_ok && vlt_error_last_code() == VLT_E_NOTFOUND) {
			vlt_oid_clear(tree);
			return;
		}
		die("%s (paths go after '--')", vlt_error_last());
	}
	if (vlt_rev_peel_tree(r, &oid, tree) < 0)
		die("%s", vlt_error_last());
}

#ifdef VLT_HAVE_MEDIA
/* The content of one side of a modified file: from the repository, or
 * (worktree side) from the working folder. */
static int side_content(struct vlt_repo *r, const struct vlt_tree_entry *e,
			const char *path, int from_worktree, struct vlt_buf *dst)
{
	if (from_worktree) {
		struct vlt_buf p = VLT_BUF_INIT;
		int err;

		vlt_buf_addf(&p, "%s/%s", vlt_repo_worktree(r), path);
		err = vlt_read_file(p.data, dst);
		vlt_buf_release(&p);
		return err;
	}
	return vlt_file_object_read(r, &e->oid, VLT_MEDIA_MAX_BYTES, dst);
}

/* One side of the comparison, for the page and the picture captions. */
struct side {
	const char *rev;          /* as given ("HEAD", "v1"), or NULL: worktree */
	struct vlt_oid id;        /* what rev names: a snapshot or a tree */
	int is_snapshot;
	struct vlt_snapshot snap; /* when is_snapshot */
};

static void side_load(struct vlt_repo *r, struct side *sd, const char *rev)
{
	memset(sd, 0, sizeof(*sd));
	vlt_snapshot_init(&sd->snap);
	sd->rev = rev;
	if (!rev || vlt_rev_parse(r, rev, &sd->id) < 0) {
		vlt_error_clear();
		return;
	}
	if (vlt_snapshot_read(r, &sd->id, &sd->snap) == 0)
		sd->is_snapshot = 1;
	else
		vlt_error_clear();  /* a tree id: no date to show */
}

/* "v1:art/rock.png", "working folder:art/rock.png": the caption of a
 * side in the pictures. */
static void side_label(struct vlt_buf *b, const struct side *sd,
		       const char *path)
{
	vlt_buf_reset(b);
	vlt_buf_addf(b, "%s:%s", sd->rev ? sd->rev : "working folder", path);
}

static void html_side(struct vlt_buf *h, const char *letter,
		      const struct side *sd, struct vlt_repo *r)
{
	vlt_buf_addf(h, "<tr><th>%s</th><td class=\"rev\">", letter);
	if (!sd->rev) {
		vlt_buf_adds(h, "working folder</td><td colspan=\"3\">");
		html_escape(h, vlt_repo_worktree(r) ?
			       vlt_repo_worktree(r) : "");
		vlt_buf_adds(h, "</td></tr>\n");
		return;
	}
	html_escape(h, sd->rev);
	vlt_buf_addf(h, "</td><td class=\"id\">%s %s</td>",
		     sd->is_snapshot ? "snapshot" : "tree", vlt_oid_hex(&sd->id));
	if (sd->is_snapshot) {
		size_t n = strcspn(sd->snap.message ? sd->snap.message : "", "\n");

		vlt_buf_addf(h, "<td>%s</td><td>",
			     print_date(sd->snap.time, sd->snap.tz_minutes));
		if (sd->snap.message) {
			char *first = strndup(sd->snap.message, n);

			if (!first)
				die("out of memory");
			html_escape(h, first);
			free(first);
		}
		vlt_buf_adds(h, "</td>");
	} else {
		vlt_buf_adds(h, "<td></td><td></td>");
	}
	vlt_buf_adds(h, "</tr>\n");
}

/* A file the visual diff did not draw, on stdout and on the page. */
static void skipped(struct vlt_buf *list, const char *path, const char *why)
{
	vlt_buf_reset(&out);
	vlt_buf_adds(&out, "-\t");
	add_name(&out, path);
	vlt_buf_addf(&out, "\t-\t%s\n", why);
	flush_out(1);
	vlt_buf_adds(list, "<li>");
	html_escape(list, why);
	vlt_buf_adds(list, "</li>\n");
}

/*
 * --visual: each modified image or model pair through the visual diff,
 * its picture in dir as NNNN-name.png, and dir/index.html listing them
 * with what was compared (the revisions, their snapshot ids and dates,
 * the paths) and what was not. Returns how many pictures were written.
 */
static size_t visual(struct vlt_repo *r, const struct vlt_diff_list *l,
		     const char *dir, const struct side *sa,
		     const struct side *sb, const char *const *paths)
{
	struct vlt_buf html = VLT_BUF_INIT, da = VLT_BUF_INIT, db = VLT_BUF_INIT;
	struct vlt_buf name = VLT_BUF_INIT, path = VLT_BUF_INIT;
	struct vlt_buf la = VLT_BUF_INIT, lb = VLT_BUF_INIT;
	struct vlt_buf body = VLT_BUF_INIT, skip = VLT_BUF_INIT;
	size_t written = 0;

	if (vlt_mkdir_p(dir, 0755) < 0)
		die("%s", vlt_error_last());
	for (size_t i = 0; i < l->nr; i++) {
		const struct vlt_diff_item *it = &l->items[i];
		struct vlt_media_diff d;
		struct vlt_image img;
		char desc[1200];

		if (it->status != VLT_DIFF_MODIFIED || !it->has_old ||
		    !it->has_new || it->old_e.type != VLT_ENTRY_FILE ||
		    it->new_e.type != VLT_ENTRY_FILE ||
		    !vlt_oid_cmp(&it->old_e.oid, &it->new_e.oid))
			continue;
		if (vlt_media_kind_by_name(it->path) == VLT_MEDIA_NONE) {
			vlt_buf_reset(&name);
			vlt_buf_adds(&name, "not an image or model vault reads: ");
			vlt_buf_adds(&name, it->path);
			skipped(&skip, it->path, name.data);
			continue;
		}
		vlt_image_init(&img);
		side_label(&la, sa, it->path);
		side_label(&lb, sb, it->path);
		if (side_content(r, &it->old_e, it->path, 0, &da) < 0 ||
		    side_content(r, &it->new_e, it->path, !sb->rev, &db) < 0 ||
		    vlt_media_visual_diff_labelled(da.data, da.len, db.data,
						   db.len, it->path, la.data,
						   lb.data, &d, &img) < 0) {
			error("%s: %s", it->path, vlt_error_last());
			vlt_buf_reset(&name);
			vlt_buf_addf(&name, "cannot compare %s: %s", it->path,
				     vlt_error_last());
			vlt_buf_adds(&skip, "<li>");
			html_escape(&skip, name.data);
			vlt_buf_adds(&skip, "</li>\n");
			vlt_error_clear();
			vlt_image_release(&img);
			continue;
		}
		vlt_buf_reset(&name);
		vlt_buf_addf(&name, "%04zu-", ++written);
		for (const char *p = it->path; *p; p++)
			vlt_buf_addch(&name, (*p == '/' || *p == '\\' ||
					      (unsigned char)*p < ' ') ? '_' : *p);
		if (name.len < 4 || strcasecmp(name.data + name.len - 4, ".png"))
			vlt_buf_adds(&name, ".png");
		vlt_buf_reset(&path);
		vlt_buf_addf(&path, "%s/%s", dir, name.data);
		if (vlt_image_write_png(&img, path.data) < 0)
			die("%s", vlt_error_last());
		vlt_image_release(&img);
		vlt_media_diff_describe(&d, desc, sizeof(desc));
		vlt_buf_reset(&out);
		vlt_buf_addf(&out, "M\t");
		add_name(&out, it->path);
		vlt_buf_addf(&out, "\t%s\t%s\n", path.data, desc);
		flush_out(1);
		vlt_buf_adds(&body, "<section>\n<h2>");
		html_escape(&body, it->path);
		vlt_buf_adds(&body, "</h2>\n<p class=\"what\">A = ");
		html_escape(&body, la.data);
		vlt_buf_adds(&body, ", B = ");
		html_escape(&body, lb.data);
		vlt_buf_adds(&body, "</p>\n<ul>\n");
		if (d.notes[0]) {
			for (const char *p = d.notes; *p;) {
				size_t k = strcspn(p, "\n");
				char *line = strndup(p, k);

				if (!line)
					die("out of memory");
				vlt_buf_adds(&body, "<li>");
				html_escape(&body, line);
				vlt_buf_adds(&body, "</li>\n");
				free(line);
				p += k + (p[k] == '\n');
			}
		}
		if (d.kind == VLT_MEDIA_IMAGE && !d.resized) {
			vlt_buf_adds(&body, "<li>");
			html_escape(&body, desc);
			vlt_buf_adds(&body, "</li>\n");
		} else if (d.kind == VLT_MEDIA_MODEL) {
			vlt_buf_addf(&body, "<li>max displacement %.6g model units "
				     "over the %" PRIu32 " object%s on both sides "
				     "(%" PRIu64 " &rarr; %" PRIu64 " vertices)"
				     "</li>\n", d.max_displacement,
				     d.objects_common,
				     d.objects_common == 1 ? "" : "s",
				     d.vertices_a, d.vertices_b);
		}
		vlt_buf_adds(&body, "</ul>\n<a href=\"");
		html_escape(&body, name.data);
		vlt_buf_adds(&body, "\"><img src=\"");
		html_escape(&body, name.data);
		vlt_buf_adds(&body, "\" alt=\"");
		html_escape(&body, la.data);
		vlt_buf_adds(&body, " against ");
		html_escape(&body, lb.data);
		vlt_buf_adds(&body, "\"></a>\n</section>\n");
	}

	vlt_buf_adds(&html, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
		     "<meta charset=\"utf-8\">\n<title>vault diff --visual ");
	html_escape(&html, sa->rev ? sa->rev : "working folder");
	vlt_buf_adds(&html, " ");
	html_escape(&html, sb->rev ? sb->rev : "working folder");
	vlt_buf_adds(&html, "</title>\n<style>body{font-family:sans-serif;"
		     "margin:2em;color:#222}img{max-width:100%;border:1px "
		     "solid #ccc}h2{font-size:1.1em;margin-top:2em}"
		     "table.sides td,table.sides th{padding:2px 10px;"
		     "text-align:left;white-space:nowrap}.id{font-family:monospace}"
		     "table.sides td.id{white-space:normal;word-break:break-all}"
		     ".what{color:#555}</style>\n</head>\n<body>\n"
		     "<h1>vault diff --visual</h1>\n<table class=\"sides\">\n");
	html_side(&html, "A", sa, r);
	html_side(&html, "B", sb, r);
	vlt_buf_adds(&html, "</table>\n");
	if (paths) {
		vlt_buf_adds(&html, "<p>Only under:");
		for (size_t i = 0; paths[i]; i++) {
			vlt_buf_adds(&html, " <code>");
			html_escape(&html, paths[i]);
			vlt_buf_adds(&html, "</code>");
		}
		vlt_buf_adds(&html, "</p>\n");
	}
	vlt_buf_addf(&html, "<p>%zu picture%s of modified images and models: "
		     "in each, A (before) on the left, B (after) next to it.</p>\n",
		     written, written == 1 ? "" : "s");
	if (!written)
		vlt_buf_adds(&html, "<p>No image or model changed.</p>\n");
	vlt_buf_add(&html, body.data ? body.data : "", body.len);
	if (skip.len) {
		vlt_buf_adds(&html, "<h2>Not compared</h2>\n<ul class=\"skipped\">\n");
		vlt_buf_add(&html, skip.data, skip.len);
		vlt_buf_adds(&html, "</ul>\n");
	}
	vlt_buf_adds(&html, "</body>\n</html>\n");
	vlt_buf_reset(&path);
	vlt_buf_addf(&path, "%s/index.html", dir);
	if (vlt_write_file_atomic(path.data, html.data, html.len, 0644, 0) < 0)
		die("%s", vlt_error_last());
	vlt_buf_release(&html);
	vlt_buf_release(&body);
	vlt_buf_release(&skip);
	vlt_buf_release(&da);
	vlt_buf_release(&db);
	vlt_buf_release(&la);
	vlt_buf_release(&lb);
	vlt_buf_release(&name);
	vlt_buf_release(&path);
	return written;
}
#endif /* VLT_HAVE_MEDIA */

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
	const char *visual_dir = NULL;
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
		case 'V':
#ifndef VLT_HAVE_MEDIA
			die("--visual: this build has no media support "
			    "(vault was configured --without-media)");
#endif
			f = FMT_VISUAL;
			break;
		case 'o': visual_dir = optarg; break;
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

	r = cli_open_repo();
	if (nrevs == 0)
		resolve_tree(r, "HEAD", &a, 1);
	else
		resolve_tree(r, argv[optind], &a, 0);
	vlt_oid_to_hex(&a, a_name);
	if (nrevs == 2) {
		resolve_tree(r, argv[optind + 1], &b, 0);
		vlt_oid_to_hex(&b, b_name);
	} else {
		if (!vlt_repo_worktree(r))
			die("this repository has no working folder (it is bare): "
			    "give two revisions to compare");
		struct vlt_backup_opts bo;
		struct vlt_backup_progress st;

		vlt_backup_opts_init(&bo);
		if (vlt_backup_scan_opts(r, vlt_repo_worktree(r), &bo, &b,
					 &st) < 0)
			die("cannot read the working folder: %s",
			    vlt_error_last());
		snprintf(b_name, sizeof(b_name), "worktree");
		/* what the rules left out is neither in the diff nor in the
		 * next backup: say so (stderr, so the records stay clean) */
		if (st.ignored && fmt != FMT_QUIET)
			fprintf(stderr, "%" PRIu64 " path%s in the folder left out "
				"by ignore rules (vault status --ignored lists "
				"them)\n", st.ignored, st.ignored == 1 ? "" : "s");
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
	case FMT_VISUAL: {
#ifdef VLT_HAVE_MEDIA
		struct vlt_buf dir = VLT_BUF_INIT;
		struct side sa, sb;
		char *abs;
		size_t n;

		/* not in the project by default: the next backup would store
		 * the pictures. The repository's cache is local and derived. */
		if (visual_dir) {
			vlt_buf_adds(&dir, visual_dir);
		} else if (vlt_media_report_dir(r, &dir) < 0) {
			die("%s", vlt_error_last());
		}
		side_load(r, &sa, nrevs == 0 ? "HEAD" : argv[optind]);
		side_load(r, &sb, nrevs == 2 ? argv[optind + 1] : NULL);
		n = visual(r, &l, dir.data, &sa, &sb, paths);
		abs = realpath(dir.data, NULL);
		fprintf(stderr, "%zu visual diff%s in %s/index.html\n", n,
			n == 1 ? "" : "s", abs ? abs : dir.data);
		free(abs);
		vlt_snapshot_release(&sa.snap);
		vlt_snapshot_release(&sb.snap);
		vlt_buf_release(&dir);
#else
		(void)visual_dir;  /* --visual died above */
#endif
		break;
	}
	}
	flush_out(1);
	vlt_buf_release(&out);
	vlt_diff_list_release(&l);
	vlt_repo_free(r);
	return rc;
}
