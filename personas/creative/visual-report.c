/*
 * vault-creative-diff - the creative persona's visual diff report:
 * `vault creative diff [A [B]] [-- PATH...]`, and what `vault diff
 * --visual` hands over to.
 *
 * The same comparison as `vault diff` (lib/diff.c; the working folder
 * hashed without storing anything), then each modified image or 3D
 * model pair through the media library's visual diff: one picture per
 * pair and an index.html saying what was compared, in the repository's
 * cache unless -o says where. Exit status as `vault diff`: 0 no
 * differences, 1 differences, 128 error.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "diff-sides.h"
#include "diff.h"
#include "error.h"
#include "fsutil.h"
#include "html.h"
#include "image.h"
#include "media.h"
#include "odb.h"
#include "print.h"
#include "revparse.h"
#include "tree.h"
#include "worktree.h"

static const char usage[] =
"usage: vault creative diff [-o DIR] [-z] [--no-renames] [A [B]] [-- PATH...]\n"
"   or: vault-creative-diff --visual ...   (what `vault diff --visual` runs)\n"
"\n"
"Compares snapshot (or tree, or SNAP:dir) A with B as `vault diff` does\n"
"(with only A, A with the working folder; with neither, HEAD with the\n"
"working folder) and draws each modified image (PNG, JPEG, WebP, TIFF,\n"
"Krita, OpenRaster) and 3D model: pictures of the changes with an\n"
"index.html, one line each ('M<TAB>path<TAB>picture<TAB>what changed');\n"
"files it cannot read are named ('-' lines). Exit status: 0 no\n"
"differences, 1 differences, 128 error.\n"
"\n"
"    -o, --output DIR  where to write (default: the repository's cache,\n"
"                   cache/visual-diff, replaced on each run; its\n"
"                   index.html is named on standard error)\n"
"    -z             names in the lines not quoted\n"
"    --no-renames   report a rename as a removal and an addition\n"
"    --visual       the page is titled as `vault diff --visual`\n"
"    -- PATH...     only these paths (and what is below them)\n";

/* The page's look beside the shared frame of cli/html.c. */
static const char extra_css[] =
	"body{margin:2em}img{max-width:100%;border:1px solid #ccc}"
	"h2{font-size:1.1em;margin-top:2em}"
	"table.sides td,table.sides th{padding:2px 10px;text-align:left;"
	"white-space:nowrap}.id{font-family:monospace}"
	"table.sides td.id{white-space:normal;word-break:break-all}"
	".what{color:#555}";

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
		html_escape(h, vlt_repo_worktree(r) ? vlt_repo_worktree(r) : "");
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
 * The page is titled heading ("vault diff --visual" when that is how the
 * user asked).
 */
static size_t visual(struct vlt_repo *r, const struct vlt_diff_list *l,
		     const char *dir, const struct side *sa,
		     const struct side *sb, const char *const *paths,
		     const char *heading)
{
	struct vlt_buf html = VLT_BUF_INIT, da = VLT_BUF_INIT, db = VLT_BUF_INIT;
	struct vlt_buf name = VLT_BUF_INIT, path = VLT_BUF_INIT;
	struct vlt_buf la = VLT_BUF_INIT, lb = VLT_BUF_INIT;
	struct vlt_buf body = VLT_BUF_INIT, skip = VLT_BUF_INIT;
	struct vlt_buf title = VLT_BUF_INIT;
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

	vlt_buf_addf(&title, "%s %s %s", heading,
		     sa->rev ? sa->rev : "working folder",
		     sb->rev ? sb->rev : "working folder");
	html_page_begin(&html, title.data, extra_css);
	vlt_buf_adds(&html, "<h1>");
	html_escape(&html, heading);
	vlt_buf_adds(&html, "</h1>\n<table class=\"sides\">\n");
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
	html_page_end(&html);
	vlt_buf_reset(&path);
	vlt_buf_addf(&path, "%s/index.html", dir);
	if (vlt_write_file_atomic(path.data, html.data, html.len, 0644, 0) < 0)
		die("%s", vlt_error_last());
	vlt_buf_release(&html);
	vlt_buf_release(&title);
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

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "no-renames", no_argument, NULL, 'R' },
		{ "visual", no_argument, NULL, 'V' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vlt_diff_list l = VLT_DIFF_LIST_INIT;
	const char *const *paths = NULL;
	struct vlt_buf dir = VLT_BUF_INIT;
	const char *visual_dir = NULL, *heading = "vault creative diff";
	struct vlt_oid a, b;
	struct vlt_repo *r;
	struct side sa, sb;
	int c, dashdash = argc, renames = 1, nrevs, rc;
	char *abs;
	size_t n;

	cli_init("vault-creative-diff");
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--")) {
			dashdash = i;
			break;
		}
	while ((c = cli_getopt(dashdash, argv, "zo:", opts, usage)) != -1) {
		switch (c) {
		case 'z': nul = 1; break;
		case 'R': renames = 0; break;
		case 'V': heading = "vault diff --visual"; break;
		case 'o': visual_dir = optarg; break;
		}
	}
	nrevs = dashdash - optind;
	if (nrevs > 2)
		usage_error(usage, "at most two revisions (paths go after '--')");
	if (dashdash + 1 < argc)
		paths = (const char *const *)argv + dashdash + 1;

	r = cli_open_repo();
	cli_diff_tree(r, nrevs == 0 ? "HEAD" : argv[optind], &a, nrevs == 0);
	if (nrevs == 2) {
		cli_diff_tree(r, argv[optind + 1], &b, 0);
	} else {
		cli_diff_worktree(r, &b, 0);
	}
	if (vlt_diff_trees_list(r, &a, &b, paths, renames, &l) < 0)
		die("%s", vlt_error_last());
	rc = l.nr ? VLT_EXIT_NO : VLT_EXIT_OK;

	/* not in the project by default: the next backup would store the
	 * pictures. The repository's cache is local and derived. */
	if (visual_dir) {
		vlt_buf_adds(&dir, visual_dir);
	} else if (vlt_media_report_dir(r, &dir) < 0) {
		die("%s", vlt_error_last());
	}
	side_load(r, &sa, nrevs == 0 ? "HEAD" : argv[optind]);
	side_load(r, &sb, nrevs == 2 ? argv[optind + 1] : NULL);
	n = visual(r, &l, dir.data, &sa, &sb, paths, heading);
	abs = realpath(dir.data, NULL);
	fprintf(stderr, "%zu visual diff%s in %s/index.html\n", n,
		n == 1 ? "" : "s", abs ? abs : dir.data);
	free(abs);
	vlt_snapshot_release(&sa.snap);
	vlt_snapshot_release(&sb.snap);
	vlt_buf_release(&dir);
	flush_out(1);
	vlt_buf_release(&out);
	vlt_diff_list_release(&l);
	vlt_repo_free(r);
	return rc;
}
