/*
 * vault log - the history of snapshots, newest first.
 *
 * Follows first parents from REV (default HEAD), like `git log
 * --first-parent`. With paths, shows only the snapshots where one of
 * them differs from the first parent (lib/diff.c: same subtrees are
 * skipped unread, so this stays cheap on big trees). The walk is
 * lib/walk.c's: forgotten snapshots are listed as such; where their files
 * are gone, the kept history starts as if from a first snapshot.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "json.h"
#include "diff.h"
#include "error.h"
#include "odb.h"
#include "print.h"
#include "revparse.h"
#include "tree.h"
#include "walk.h"

static const char usage[] =
"usage: vault log [--oneline] [-n N] [--json] [REV] [-- PATH...]\n"
"\n"
"Lists snapshots from REV (default HEAD) following first parents, newest\n"
"first: id, author, host, date and message. Forgotten snapshots (vault\n"
"forget) are marked \"(forgotten)\"; once gc has freed their files, the\n"
"kept history starts after them (\"note: older snapshots were forgotten\").\n"
"\n"
"    --oneline          one line each: short id, date, first message line\n"
"    -n, --max-count N  show at most N snapshots\n"
"    --json             a JSON array of snapshot objects\n"
"    -- PATH...         only snapshots that added, removed or changed a\n"
"                       PATH (a file, or anything below a directory)\n";

static int oneline, json_out;
static long max_count = -1;
static json_t *json_list;
static long printed;
static struct vlt_buf out = VLT_BUF_INIT;

static void flush_out(int force)
{
	if (out.len && (force || out.len > 65536)) {
		cli_write_stdout(out.data, out.len);
		vlt_buf_reset(&out);
	}
}

static json_t *snapshot_json(const struct vlt_oid *id,
			     const struct vlt_snapshot *s, int forgotten)
{
	json_t *o = json_object(), *parents = json_array(), *meta = json_object();
	char tz[8];
	int m = s->tz_minutes < 0 ? -s->tz_minutes : s->tz_minutes;

	if (!o || !parents || !meta)
		die("out of memory");
	snprintf(tz, sizeof(tz), "%c%02d%02d", s->tz_minutes < 0 ? '-' : '+',
		 m / 60, m % 60);
	for (size_t i = 0; i < s->nparents; i++)
		if (json_array_append_new(parents,
				json_string(vlt_oid_hex(&s->parents[i]))) < 0)
			die("out of memory");
	for (size_t i = 0; i < s->nmeta; i++)
		cli_json_set(meta, s->meta[i].key, print_json_string(s->meta[i].value));
	cli_json_set(o, "id", json_string(vlt_oid_hex(id)));
	cli_json_set(o, "tree", json_string(vlt_oid_hex(&s->tree)));
	cli_json_set(o, "parents", parents);
	cli_json_set(o, "time", json_integer(s->time));
	cli_json_set(o, "tz", json_string(tz));
	cli_json_set(o, "date", json_string(print_date_iso(s->time, s->tz_minutes)));
	cli_json_set(o, "author", print_json_string(s->author));
	cli_json_set(o, "host", print_json_string(s->host));
	cli_json_set(o, "meta", meta);
	cli_json_set(o, "message", print_json_string(s->message));
	cli_json_set(o, "forgotten", json_boolean(forgotten));
	return o;
}

static void show(const struct vlt_oid *id, const struct vlt_snapshot *s,
		 int forgotten)
{
	const char *mark = forgotten ? " (forgotten)" : "";
	const char *msg = s->message ? s->message : "";

	if (json_out) {
		if (json_array_append_new(json_list, snapshot_json(id, s, forgotten)) < 0)
			die("out of memory");
		return;
	}
	if (oneline) {
		size_t n = strcspn(msg, "\n");

		vlt_buf_addf(&out, "%.12s%s %s %.*s\n", vlt_oid_hex(id), mark,
			     print_date_short(s->time, s->tz_minutes), (int)n, msg);
		flush_out(0);
		return;
	}
	if (printed++)  /* a blank line between entries */
		vlt_buf_addch(&out, '\n');
	vlt_buf_addf(&out, "snapshot %s%s\n", vlt_oid_hex(id), mark);
	if (s->nparents > 1) {
		vlt_buf_adds(&out, "Merge:");
		for (size_t i = 0; i < s->nparents; i++)
			vlt_buf_addf(&out, " %.12s", vlt_oid_hex(&s->parents[i]));
		vlt_buf_addch(&out, '\n');
	}
	vlt_buf_adds(&out, "Author: ");
	print_author(&out, s->author, s->host);
	vlt_buf_addch(&out, '\n');
	vlt_buf_addf(&out, "Host:   %s\n", s->host);
	vlt_buf_addf(&out, "Date:   %s\n", print_date(s->time, s->tz_minutes));
	vlt_buf_addch(&out, '\n');
	print_indented_message(&out, msg);
	flush_out(1);
}

static int stop_on_change(const struct vlt_diff_change *c, void *data)
{
	return 1;
}

/* 1 if one of paths differs between the parent's tree (NULL: none) and
 * this snapshot's tree. */
static int touches(struct vlt_repo *r, const struct vlt_oid *parent_tree,
		   const struct vlt_oid *tree, const char *const *paths)
{
	int rc = vlt_diff_trees(r, parent_tree, tree, paths, stop_on_change,
				NULL);

	if (rc < 0)
		die("%s", vlt_error_last());
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "oneline", no_argument, NULL, 'O' },
		{ "max-count", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *const *paths = NULL;
	const char *rev = "HEAD";
	struct vlt_walk w;
	struct vlt_oid oid;
	struct vlt_repo *r;
	int c, dashdash = argc;
	long shown = 0;

	cli_init("vault-log");
	/* paths come after "--"; getopt must not see them */
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--")) {
			dashdash = i;
			break;
		}
	while ((c = cli_getopt(dashdash, argv, "n:", opts, usage)) != -1) {
		switch (c) {
		case 'O': oneline = 1; break;
		case 'J': json_out = 1; break;
		case 'n': {
			char *end;

			errno = 0;
			max_count = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || max_count < 0)
				usage_error(usage, "-n: '%s' is not a count", optarg);
			break;
		}
		}
	}
	if (optind < dashdash)
		rev = argv[optind++];
	if (optind < dashdash)
		usage_error(usage, "too many revisions (paths go after '--')");
	if (dashdash + 1 < argc)
		paths = (const char *const *)argv + dashdash + 1;

	r = cli_open_repo();
	if (vlt_rev_parse(r, rev, &oid) < 0) {
		if (vlt_error_last_code() == VLT_E_NOTFOUND && !strcmp(rev, "HEAD"))
			die("no snapshots yet: %s", vlt_error_last());
		die("%s", vlt_error_last());
	}
	if (json_out && !(json_list = json_array()))
		die("out of memory");
	if (vlt_walk_init(&w, r, VLT_WALK_FIRST_PARENT) < 0 ||
	    vlt_walk_push(&w, &oid) < 0)
		die("%s", vlt_error_last());
	while (max_count < 0 || shown < max_count) {
		const struct vlt_walk_entry *e;
		int rc = vlt_walk_next(&w, &e);

		if (rc < 0) {
			flush_out(1);
			die("%s", vlt_error_last());
		}
		if (!rc)
			break;
		if (paths) {
			if (!e->has_tree)
				continue;  /* forgotten: nothing to compare */
			if (e->parent == VLT_PARENT_MISSING)
				die("snapshot %s: its parent %s is missing (run "
				    "'vault fsck')", vlt_oid_hex(&e->oid),
				    vlt_oid_hex(&e->parent_id));
			/* a forgotten parent: the kept history starts here,
			 * as with a first snapshot */
			if (!touches(r, e->parent == VLT_PARENT_OK ?
				     &e->parent_tree : NULL, &e->snap.tree, paths))
				continue;
		}
		show(&e->oid, &e->snap, e->forgotten);
		shown++;
	}
	flush_out(1);
	if (w.met_forgotten)
		print_note_forgotten();
	vlt_walk_release(&w);
	if (json_out) {
		cli_json_print(json_list, 0);
	}
	flush_out(1);
	vlt_repo_free(r);
	return 0;
}
