/*
 * vault timeline - every version of one file across the history.
 *
 * Walks first parents from REV (default HEAD), newest first, and lists
 * each snapshot where the file was added, changed, renamed (followed by
 * content, like `git log --follow`: the walk goes on under the old name)
 * or deleted. For images and models each version also gets its
 * dimensions or vertex count, from the thumbnail cache (lib/media/media.c), so
 * a second timeline decodes nothing. --html writes a static page with a
 * thumbnail per version and a visual diff of each version against the
 * one before it.
 */
#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "cli.h"
#include "json.h"
#include "html.h"
#include "error.h"
#include "fsutil.h"
#include "history.h"
#include "image.h"
#include "media.h"
#include "odb.h"
#include "oidset.h"
#include "print.h"
#include "refs.h"
#include "revparse.h"
#include "tree.h"
#include "worktree.h"

static const char usage[] =
"usage: vault timeline [REV] [--] PATH [--since DATE] [--until DATE]\n"
"                      [--tag PATTERN] [-n N] [--json] [--html DIR]\n"
"\n"
"Lists every version of the file PATH across the history of REV (default\n"
"HEAD), newest first: snapshot, date, change (added, modified, renamed,\n"
"type, deleted), size, author and host, and for images and 3D models\n"
"their dimensions or vertex count. Renames are followed by content.\n"
"Forgotten snapshots whose files gc freed are skipped: the oldest kept\n"
"version is then listed as added.\n"
"\n"
"    --since DATE       only versions from snapshots at or after DATE\n"
"    --until DATE       only versions from snapshots at or before DATE\n"
"                       (YYYY-MM-DD, \"YYYY-MM-DD HH:MM\", yesterday,\n"
"                       N.days.ago, @UNIX)\n"
"    --tag PATTERN      only snapshots with a tag matching PATTERN (a\n"
"                       refs/tags/ name or a backup --tag; shell glob)\n"
"    -n, --max-count N  at most N versions\n"
"    --json             a JSON array of versions\n"
"    --html DIR         also write DIR/index.html: a static page with a\n"
"                       thumbnail per version and the visual diff of each\n"
"                       version with the one before it\n";

struct version {
	struct vlt_oid snap;
	int64_t time;
	int tz;
	char *author, *host, *subject;
	char change;              /* A M R T D */
	char *path, *old_path;
	int has_entry;
	struct vlt_tree_entry e;  /* name NULL */
	int has_info;
	struct vlt_media_info info;
	char *diff_png;           /* html: file name of the diff with the next
				     (older) version, or NULL */
	char diff_note[96];
};

static struct version *versions;
static size_t nversions, versions_alloc;
static struct vlt_oidset tagged;   /* snapshots a matching tag names */
static const char *tag_pattern;

static const char *change_name(char c)
{
	switch (c) {
	case 'A': return "added";
	case 'M': return "modified";
	case 'R': return "renamed";
	case 'T': return "type";
	case 'D': return "deleted";
	}
	return "?";
}

static int tag_ref(const char *name, const struct vlt_oid *oid, void *data)
{
	(void)data;
	if (!fnmatch(tag_pattern, name, 0) &&
	    vlt_oidset_insert(&tagged, oid) < 0)
		die("out of memory");
	return 0;
}

static int snapshot_tagged(const struct vlt_oid *id,
			   const struct vlt_snapshot *s)
{
	if (vlt_oidset_contains(&tagged, id))
		return 1;
	for (size_t i = 0; i < s->nmeta; i++)
		if (!strcmp(s->meta[i].key, "tag") &&
		    !fnmatch(tag_pattern, s->meta[i].value, 0))
			return 1;
	return 0;
}

static void add_version(const struct vlt_oid *id, const struct vlt_snapshot *s,
			char change, const char *path, const char *old_path,
			const struct vlt_tree_entry *e)
{
	struct version *v;
	size_t n = strcspn(s->message ? s->message : "", "\n");

	if (VLT_ALLOC_GROW(versions, nversions + 1, versions_alloc) < 0)
		die("out of memory");
	v = &versions[nversions++];
	memset(v, 0, sizeof(*v));
	v->snap = *id;
	v->time = s->time;
	v->tz = s->tz_minutes;
	v->author = strdup(s->author);
	v->host = strdup(s->host);
	v->subject = strndup(s->message ? s->message : "", n);
	v->change = change;
	v->path = strdup(path);
	v->old_path = old_path ? strdup(old_path) : NULL;
	if (e) {
		v->has_entry = 1;
		v->e = *e;
	}
	if (!v->author || !v->host || !v->subject || !v->path)
		die("out of memory");
}

/* Versions found before the filters: tells "never there" from "none in
 * the range asked for". */
static size_t unfiltered;

static void walk(struct vlt_repo *r, const struct vlt_oid *start,
		 const char *start_path, int64_t since, int64_t until,
		 long max)
{
	struct vlt_history h;

	if (vlt_history_path_init(&h, r, start, start_path, 0) < 0)
		die("%s", vlt_error_last());
	while (max < 0 || (long)nversions < max) {
		const struct vlt_history_version *v;
		int rc = vlt_history_path_next(&h, &v);

		if (rc < 0)
			die("%s", vlt_error_last());
		if (!rc)
			break;
		unfiltered++;
		if (v->s->time >= since && v->s->time <= until &&
		    (!tag_pattern || snapshot_tagged(&v->snap, v->s)))
			add_version(&v->snap, v->s, (char)v->change, v->path,
				    v->old_path, v->has_entry ? &v->e : NULL);
	}
	if (h.met_forgotten)
		print_note_forgotten();
	vlt_history_path_release(&h);
}

static void probe_versions(struct vlt_repo *r, uint32_t box, int with_png)
{
	for (size_t i = 0; i < nversions; i++) {
		struct version *v = &versions[i];

		if (!v->has_entry || v->e.type != VLT_ENTRY_FILE ||
		    vlt_media_kind_by_name(v->path) == VLT_MEDIA_NONE)
			continue;
		if (vlt_media_thumbnail(r, &v->e.oid, v->path, box, &v->info,
					NULL) == 0)
			v->has_info = 1;
		else if (vlt_error_last_code() != VLT_E_UNSUPPORTED)
			warning("%.12s:%s: %s", vlt_oid_hex(&v->snap), v->path,
				vlt_error_last());
		vlt_error_clear();
		(void)with_png;
	}
}

/* --- output ------------------------------------------------------------ */

static void print_text(void)
{
	struct vlt_buf out = VLT_BUF_INIT;

	for (size_t i = 0; i < nversions; i++) {
		const struct version *v = &versions[i];
		char desc[64];
		struct vlt_buf who = VLT_BUF_INIT;

		print_author_at_host(&who, v->author, v->host);
		vlt_buf_addf(&out, "%.12s  %s  %-8s  %9s  %-28.28s  %s",
			     vlt_oid_hex(&v->snap),
			     print_date_short(v->time, v->tz),
			     change_name(v->change),
			     v->has_entry ? print_human_size(v->e.size) : "-",
			     who.data, v->has_info ?
			     vlt_media_describe(&v->info, desc, sizeof(desc)) : "");
		vlt_buf_release(&who);
		if (v->change == 'R')
			vlt_buf_addf(&out, "  (from %s)", v->old_path);
		/* trailing blanks off */
		while (out.len && out.data[out.len - 1] == ' ')
			out.len--;
		vlt_buf_addch(&out, '\n');
	}
	if (out.len)
		cli_write_stdout(out.data, out.len);
	vlt_buf_release(&out);
}

static void print_json(void)
{
	json_t *a = json_array();

	for (size_t i = 0; i < nversions; i++) {
		const struct version *v = &versions[i];
		json_t *o = json_pack("{s:s,s:I,s:s,s:s,s:s,s:s,s:s,s:s}",
			"snapshot", vlt_oid_hex(&v->snap),
			"time", (json_int_t)v->time,
			"date", print_date_iso(v->time, v->tz),
			"change", change_name(v->change),
			"path", v->path,
			"author", v->author,
			"host", v->host,
			"message", v->subject);

		if (!o)
			die("out of memory");
		if (v->old_path)
			cli_json_set(o, "old_path", print_json_string(v->old_path));
		if (v->has_entry) {
			cli_json_set(o, "size", json_integer((json_int_t)v->e.size));
			cli_json_set(o, "id", json_string(vlt_oid_hex(&v->e.oid)));
			cli_json_set(o, "type", json_string(
				vlt_entry_type_name(v->e.type)));
		}
		if (v->has_info) {
			cli_json_set(o, "format", print_json_string(v->info.format));
			if (v->info.kind == VLT_MEDIA_IMAGE) {
				cli_json_set(o, "width", json_integer(v->info.width));
				cli_json_set(o, "height", json_integer(v->info.height));
			} else {
				cli_json_set(o, "vertices",
					json_integer((json_int_t)v->info.vertices));
				cli_json_set(o, "faces",
					json_integer((json_int_t)v->info.faces));
			}
		}
		cli_json_append(a, o);
	}
	cli_json_print(a, 0);
}

static void write_file(const char *dir, const char *name, const void *data,
		       size_t len)
{
	struct vlt_buf p = VLT_BUF_INIT;

	vlt_buf_addf(&p, "%s/%s", dir, name);
	if (vlt_write_file_atomic(p.data, data, len, 0644, 0) < 0)
		die("%s", vlt_error_last());
	vlt_buf_release(&p);
}

/* The visual diff of two file versions as a PNG: 1 written, 0 when the
 * versions are not both images or both models (or cannot be decoded). */
static int render_diff(struct vlt_repo *r, const struct version *newer,
		       const struct version *older, struct vlt_buf *png,
		       char *note, size_t note_len)
{
	struct vlt_buf da = VLT_BUF_INIT, db = VLT_BUF_INIT;
	struct vlt_media_diff d;
	struct vlt_image out;
	int done = 0;

	if (!newer->has_info || !older->has_info ||
	    newer->info.kind != older->info.kind)
		return 0;
	vlt_image_init(&out);
	if (vlt_file_object_read(r, &older->e.oid, VLT_MEDIA_MAX_BYTES, &da) == 0 &&
	    vlt_file_object_read(r, &newer->e.oid, VLT_MEDIA_MAX_BYTES, &db) == 0 &&
	    vlt_media_visual_diff(da.data, da.len, db.data, db.len, newer->path,
				  &d, &out) == 0 &&
	    vlt_image_encode_png(&out, png) == 0) {
		vlt_media_diff_describe(&d, note, note_len);
		done = 1;
	} else {
		warning("no visual diff for %.12s: %s", vlt_oid_hex(&newer->snap),
			vlt_error_last());
	}
	vlt_error_clear();
	vlt_image_release(&out);
	vlt_buf_release(&da);
	vlt_buf_release(&db);
	return done;
}

static void write_html(struct vlt_repo *r, const char *dir, const char *path,
		       uint32_t box)
{
	struct vlt_buf h = VLT_BUF_INIT, sub = VLT_BUF_INIT, png = VLT_BUF_INIT;
	struct vlt_oidset written = VLT_OIDSET_INIT;

	vlt_buf_addf(&sub, "%s/thumbs", dir);
	if (vlt_mkdir_p(sub.data, 0755) < 0)
		die("%s", vlt_error_last());
	vlt_buf_reset(&sub);
	vlt_buf_addf(&sub, "%s/diffs", dir);
	if (vlt_mkdir_p(sub.data, 0755) < 0)
		die("%s", vlt_error_last());

	vlt_buf_adds(&h, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
		     "<meta charset=\"utf-8\">\n<title>Timeline of ");
	html_escape(&h, path);
	vlt_buf_adds(&h, "</title>\n<style>\n"
		"body{font-family:sans-serif;margin:2em;color:#222}\n"
		"table{border-collapse:collapse}\n"
		"td,th{border-bottom:1px solid #ddd;padding:6px 10px;"
		"text-align:left;vertical-align:middle}\n"
		"td.thumb{width:132px;height:132px;text-align:center}\n"
		"td.thumb img{max-width:128px;max-height:128px;"
		"background:repeating-conic-gradient(#ccc 0 25%,#fff 0 50%)"
		" 0 0/16px 16px}\n"
		".id{font-family:monospace}\n"
		".change{font-weight:bold}\n"
		"</style>\n</head>\n<body data-images-loaded=\"pending\">\n<h1>");
	html_escape(&h, path);
	vlt_buf_addf(&h, "</h1>\n<p>%zu versions, newest first.</p>\n<table>\n"
		     "<tr><th>preview</th><th>snapshot</th><th>date</th>"
		     "<th>change</th><th>size</th><th>who</th><th>content</th>"
		     "<th>diff with the version before</th></tr>\n", nversions);
	for (size_t i = 0; i < nversions; i++) {
		struct version *v = &versions[i];
		char desc[64];

		vlt_buf_adds(&h, "<tr><td class=\"thumb\">");
		if (v->has_info) {
			char name[VLT_OID_HEXSZ + 16];

			snprintf(name, sizeof(name), "%s.png",
				 vlt_oid_hex(&v->e.oid));
			if (vlt_oidset_contains(&written, &v->e.oid) ||
			    (vlt_media_thumbnail(r, &v->e.oid, v->path, box,
						 &v->info, &png) == 0 &&
			     png.len)) {
				if (vlt_oidset_insert(&written, &v->e.oid) == 1) {
					vlt_buf_reset(&sub);
					vlt_buf_addf(&sub, "thumbs/%s", name);
					write_file(dir, sub.data, png.data, png.len);
				}
				vlt_buf_addf(&h, "<img src=\"thumbs/%s\" alt=\"version "
					     "%.12s\">", name, vlt_oid_hex(&v->snap));
			}
			vlt_error_clear();
		}
		vlt_buf_addf(&h, "</td><td class=\"id\">%.12s</td><td>%s</td>"
			     "<td class=\"change\">%s", vlt_oid_hex(&v->snap),
			     print_date_short(v->time, v->tz),
			     change_name(v->change));
		if (v->change == 'R') {
			vlt_buf_adds(&h, " from ");
			html_escape(&h, v->old_path);
		}
		vlt_buf_addf(&h, "</td><td>%s</td><td>",
			     v->has_entry ? print_human_size(v->e.size) : "-");
		{
			struct vlt_buf who = VLT_BUF_INIT;

			print_author(&who, v->author, v->host);
			html_escape(&h, who.data);
			vlt_buf_release(&who);
		}
		vlt_buf_adds(&h, "<br>");
		html_escape(&h, v->host);
		vlt_buf_adds(&h, "<br><i>");
		html_escape(&h, v->subject);
		vlt_buf_adds(&h, "</i></td><td>");
		if (v->has_info)
			html_escape(&h, vlt_media_describe(&v->info, desc,
							   sizeof(desc)));
		vlt_buf_adds(&h, "</td><td>");
		if (i + 1 < nversions) {
			vlt_buf_reset(&png);
			if (render_diff(r, v, &versions[i + 1], &png, v->diff_note,
					sizeof(v->diff_note))) {
				char name[64];

				snprintf(name, sizeof(name), "diffs/%.12s-%.12s.png",
					 vlt_oid_hex(&v->snap),
					 vlt_oid_hex(&versions[i + 1].snap));
				write_file(dir, name, png.data, png.len);
				vlt_buf_addf(&h, "<a href=\"%s\">visual diff</a><br>",
					     name);
				html_escape(&h, v->diff_note);
			}
		}
		vlt_buf_adds(&h, "</td></tr>\n");
	}
	vlt_buf_adds(&h, "</table>\n<script>\n"
		"window.addEventListener('load', function () {\n"
		"  var imgs = document.images, ok = 0;\n"
		"  for (var i = 0; i < imgs.length; i++)\n"
		"    if (imgs[i].complete && imgs[i].naturalWidth > 0) ok++;\n"
		"  document.body.setAttribute('data-images-loaded',\n"
		"                             ok + '/' + imgs.length);\n"
		"});\n</script>\n</body>\n</html>\n");
	write_file(dir, "index.html", h.data, h.len);
	vlt_oidset_release(&written);
	vlt_buf_release(&h);
	vlt_buf_release(&sub);
	vlt_buf_release(&png);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "since", required_argument, NULL, 'S' },
		{ "until", required_argument, NULL, 'U' },
		{ "tag", required_argument, NULL, 'T' },
		{ "max-count", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'J' },
		{ "html", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int64_t since = INT64_MIN, until = INT64_MAX;
	const char *rev = "HEAD", *path, *html = NULL;
	struct vlt_oid start;
	enum vlt_obj_kind kind;
	long max = -1;
	int json = 0, c, nargs;
	struct vlt_repo *r;
	char *clean;

	cli_init(argv[0]);
	while ((c = cli_getopt(argc, argv, "n:", opts, usage)) != -1) {
		switch (c) {
		case 'S':
			if (vlt_date_parse(optarg, &since) < 0)
				usage_error(usage, "%s", vlt_error_last());
			break;
		case 'U':
			if (vlt_date_parse(optarg, &until) < 0)
				usage_error(usage, "%s", vlt_error_last());
			break;
		case 'T': tag_pattern = optarg; break;
		case 'n': max = atol(optarg); break;
		case 'J': json = 1; break;
		case 'H': html = optarg; break;
		}
	}
	nargs = argc - optind;
	if (nargs == 1) {
		path = argv[optind];
	} else if (nargs == 2) {
		rev = argv[optind];
		path = argv[optind + 1];
	} else {
		usage_error(usage, "need a PATH (and at most one REV)");
	}
	r = cli_open_repo();
	if (vlt_rev_parse(r, rev, &start) < 0)
		die("%s", vlt_error_last());
	if (vlt_odb_info(r, &start, &kind, NULL) < 0 || kind != VLT_OBJ_SNAPSHOT)
		die("%s is not a snapshot", rev);
	/* "./a//b/" and "a/b" name the same file */
	clean = strdup(path);
	{
		char *w = clean;

		for (const char *p = path; *p; p++) {
			if (*p == '/' && (w == clean || w[-1] == '/'))
				continue;
			if (*p == '.' && (p == path || p[-1] == '/') && p[1] == '/') {
				p++;
				continue;
			}
			*w++ = *p;
		}
		while (w > clean && w[-1] == '/')
			w--;
		*w = '\0';
	}
	if (!*clean)
		usage_error(usage, "PATH names no file");
	if (tag_pattern && vlt_tag_for_each(r, tag_ref, NULL) < 0)
		die("%s", vlt_error_last());
	walk(r, &start, clean, since, until, max);
	probe_versions(r, VLT_THUMB_BOX, html != NULL);
	if (html)
		write_html(r, html, clean, VLT_THUMB_BOX);
	if (json)
		print_json();
	else
		print_text();
	for (size_t i = 0; i < nversions; i++) {
		free(versions[i].author);
		free(versions[i].host);
		free(versions[i].subject);
		free(versions[i].path);
		free(versions[i].old_path);
	}
	free(versions);
	if (!nversions) {
		struct vlt_buf name = VLT_BUF_INIT;
		const char *what = rev, *sh;
		enum vlt_ref_kind rk;

		/* name the branch HEAD stands for, as the user knows it */
		if (!strcmp(rev, "HEAD") &&
		    vlt_ref_resolve_name(r, "HEAD", &name) == 0 &&
		    (sh = vlt_ref_shorten(name.data, &rk)) && rk == VLT_REF_BRANCH)
			what = sh;
		if (unfiltered)
			fprintf(stderr, "%s: no version of it in %s matches "
				"--since, --until or --tag\n", clean, what);
		else
			fprintf(stderr, "%s: not in any snapshot of %s\n", clean,
				what);
		vlt_buf_release(&name);
	}
	free(clean);
	vlt_oidset_release(&tagged);
	vlt_repo_free(r);
	return nversions ? 0 : VLT_EXIT_NO;
}
