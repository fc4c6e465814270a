/*
 * vault show - one snapshot: its header and what changed in it.
 *
 * The change summary compares the snapshot's tree with its first parent's
 * (an empty tree for the first snapshot, or when the parent was forgotten
 * and its files freed: lib/walk.c tells) through lib/diff.c, renames
 * paired, the same code and numbers as `vault diff --stat`.
 */
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
"usage: vault show [--json] [SNAP]\n"
"\n"
"Shows a snapshot (default HEAD): id, tree, parents, author, host, date,\n"
"metadata and message, then a summary of what changed against its first\n"
"parent: files added, removed, modified and renamed, with their sizes.\n"
"A snapshot whose parent was forgotten (vault forget) and collected is\n"
"compared with nothing, like a first snapshot.\n"
"\n"
"    --json    one JSON object instead\n";

static void print_summary(struct vlt_buf *out, const struct vlt_diff_summary *s)
{
	print_diff_summary(out, s);
	if (s->added)
		vlt_buf_addf(out, "   added     %6" PRIu64 "  %s\n", s->added,
			     print_human_size(s->added_bytes));
	if (s->removed)
		vlt_buf_addf(out, "   removed   %6" PRIu64 "  %s\n", s->removed,
			     print_human_size(s->removed_bytes));
	if (s->modified)
		vlt_buf_addf(out, "   modified  %6" PRIu64 "  %s -> %s\n",
			     s->modified, print_human_size(s->modified_old_bytes),
			     print_human_size(s->modified_new_bytes));
	if (s->renamed)
		vlt_buf_addf(out, "   renamed   %6" PRIu64 "  %s\n", s->renamed,
			     print_human_size(s->renamed_bytes));
}

static json_t *summary_json(const struct vlt_oid *base,
			    const struct vlt_diff_summary *s)
{
	json_t *o = print_diff_summary_json(s);

	if (!o)
		die("out of memory");
	cli_json_set(o, "against", base ? json_string(vlt_oid_hex(base)) :
		 json_null());
	return o;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vlt_buf out = VLT_BUF_INIT;
	struct vlt_diff_list changes = VLT_DIFF_LIST_INIT;
	struct vlt_diff_summary sum;
	const struct vlt_oid *base = NULL;
	const char *rev = "HEAD";
	struct vlt_oid oid, ptree;
	const struct vlt_walk_entry *we;
	struct vlt_snapshot s;
	struct vlt_walk w;
	struct vlt_repo *r;
	int c, json_out = 0, no_files = 0, parent_forgotten = 0, forgotten;

	cli_init("vault-show");
	while ((c = cli_getopt(argc, argv, "", opts, usage)) != -1)
		if (c == 'J')
			json_out = 1;
	if (optind < argc)
		rev = argv[optind++];
	if (optind < argc)
		usage_error(usage, "too many arguments");
	r = cli_open_repo();
	if (vlt_rev_parse(r, rev, &oid) < 0)
		die("%s", vlt_error_last());
	{
		enum vlt_obj_kind kind;

		if (vlt_odb_info(r, &oid, &kind, NULL) < 0)
			die("%s: %s", rev, vlt_error_last());
		if (kind != VLT_OBJ_SNAPSHOT)
			die("%s is a %s, not a snapshot", rev,
			    vlt_obj_kind_name(kind));
	}
	if (vlt_walk_init(&w, r, VLT_WALK_FIRST_PARENT) < 0 ||
	    vlt_walk_push(&w, &oid) < 0 || vlt_walk_next(&w, &we) != 1)
		die("%s: %s", rev, vlt_error_last());
	s = we->snap;
	forgotten = we->forgotten;
	if (!we->has_tree) {
		if (!forgotten)
			die("snapshot %s: its tree %s is missing (run 'vault "
			    "fsck')", vlt_oid_hex(&oid), vlt_oid_hex(&s.tree));
		no_files = 1;   /* forgotten, and gc freed its files */
	} else if (we->parent == VLT_PARENT_MISSING) {
		die("snapshot %s: its parent %s is missing (run 'vault fsck')",
		    vlt_oid_hex(&oid), vlt_oid_hex(&we->parent_id));
	} else if (we->parent == VLT_PARENT_OK) {
		ptree = we->parent_tree;
		base = &s.parents[0];
	} else if (we->parent == VLT_PARENT_FORGOTTEN) {
		/* like git's root commit: all of it is new to what is kept */
		parent_forgotten = 1;
	}
	if (!no_files &&
	    vlt_diff_trees_list(r, base ? &ptree : NULL, &s.tree, NULL, 1,
				&changes) < 0)
		die("%s", vlt_error_last());
	vlt_diff_summarize(&changes, &sum);
	vlt_diff_list_release(&changes);

	if (json_out) {
		json_t *o = json_object(), *parents = json_array();
		json_t *meta = json_object();
		int m = s.tz_minutes < 0 ? -s.tz_minutes : s.tz_minutes;
		char tz[8];

		if (!o || !parents || !meta)
			die("out of memory");
		snprintf(tz, sizeof(tz), "%c%02d%02d", s.tz_minutes < 0 ? '-' : '+',
			 m / 60, m % 60);
		for (size_t i = 0; i < s.nparents; i++)
			if (json_array_append_new(parents,
					json_string(vlt_oid_hex(&s.parents[i]))) < 0)
				die("out of memory");
		for (size_t i = 0; i < s.nmeta; i++)
			cli_json_set(meta, s.meta[i].key,
				 print_json_string(s.meta[i].value));
		cli_json_set(o, "id", json_string(vlt_oid_hex(&oid)));
		cli_json_set(o, "tree", json_string(vlt_oid_hex(&s.tree)));
		cli_json_set(o, "parents", parents);
		cli_json_set(o, "time", json_integer(s.time));
		cli_json_set(o, "tz", json_string(tz));
		cli_json_set(o, "date", json_string(print_date_iso(s.time,
							       s.tz_minutes)));
		cli_json_set(o, "author", print_json_string(s.author));
		cli_json_set(o, "host", print_json_string(s.host));
		cli_json_set(o, "meta", meta);
		cli_json_set(o, "message", print_json_string(s.message));
		cli_json_set(o, "forgotten", json_boolean(forgotten));
		cli_json_set(o, "parent_forgotten", json_boolean(parent_forgotten));
		cli_json_set(o, "changes", no_files ? json_null() :
			 summary_json(base, &sum));
		cli_json_print(o, 0);
	} else {
		const char *msg = s.message ? s.message : "";

		vlt_buf_addf(&out, "snapshot %s%s\n", vlt_oid_hex(&oid),
			     forgotten ? " (forgotten)" : "");
		vlt_buf_addf(&out, "Tree:   %s\n", vlt_oid_hex(&s.tree));
		for (size_t i = 0; i < s.nparents; i++)
			vlt_buf_addf(&out, "Parent: %s%s\n",
				     vlt_oid_hex(&s.parents[i]),
				     !i && parent_forgotten ? " (forgotten)" : "");
		vlt_buf_adds(&out, "Author: ");
		print_author(&out, s.author, s.host);
		vlt_buf_addch(&out, '\n');
		vlt_buf_addf(&out, "Host:   %s\n", s.host);
		vlt_buf_addf(&out, "Date:   %s\n", print_date(s.time,
							       s.tz_minutes));
		for (size_t i = 0; i < s.nmeta; i++) {
			vlt_buf_addf(&out, "Meta:   %s = ", s.meta[i].key);
			print_quote_name(&out, s.meta[i].value);
			vlt_buf_addch(&out, '\n');
		}
		vlt_buf_addch(&out, '\n');
		print_indented_message(&out, msg);
		vlt_buf_addch(&out, '\n');
		if (no_files)
			vlt_buf_adds(&out, " forgotten (vault forget): gc has "
				     "freed its files, no summary\n");
		else
			print_summary(&out, &sum);
		cli_write_stdout(out.data, out.len);
	}
	vlt_buf_release(&out);
	if (parent_forgotten || no_files)
		print_note_forgotten();
	vlt_walk_release(&w);
	vlt_repo_free(r);
	return 0;
}
