/*
 * vault-milestone - named points of a game's history: a snapshot, a due
 * date, a note and a checklist, released once and then frozen.
 *
 * A milestone is a game.milestone record named by its ref (body:
 * format.md 6.5.1). Every edit writes a new version that links the one
 * before (vlt_record_save), so the record's links are its history. A
 * milestone keeps its snapshot from `vault forget` (lib/forget.c) and,
 * as a record's link, from gc.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "cli.h"
#include "diff.h"
#include "error.h"
#include "gamerec.h"
#include "json.h"
#include "print.h"
#include "records.h"
#include "revparse.h"

#define KIND "game.milestone"

static const char usage[] =
"usage: vault-milestone create NAME [REV] [--due DATE] [--note TEXT]\n"
"   or: vault-milestone list [--json]\n"
"   or: vault-milestone show [--json] NAME\n"
"   or: vault-milestone check NAME ITEM [--done | --undone]\n"
"   or: vault-milestone note NAME TEXT\n"
"   or: vault-milestone diff [--json] A B\n"
"   or: vault-milestone release NAME\n"
"\n"
"A milestone names a snapshot (REV, HEAD when left out) with a due date,\n"
"a note and a checklist. create on an existing milestone moves it to REV\n"
"and changes what is given; check adds ITEM to the checklist (if new) and\n"
"marks it done with --done, open again with --undone. After release the\n"
"milestone cannot change: create, check and note on it exit 1. A\n"
"milestone's snapshot is kept by forget and gc without --keep-tag.\n"
"\n"
"    --due DATE      create: the due date, YYYY-MM-DD\n"
"    --note TEXT     create: a note\n"
"    --done          check: the item is done\n"
"    --undone        check: the item is open again\n"
"    --json          list, show, diff: print JSON\n";

static const char *due_opt, *note_opt;
static int json_out, done_opt = -1;

static void check_date(const char *s)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%d", &tm);
	if (!end || *end || strlen(s) != 10)
		usage_error(usage, "bad date '%s' (want YYYY-MM-DD)", s);
}

/* The milestone NAME, dying when there is none. */
static json_t *load(struct vlt_repo *r, const char *name, struct vlt_oid *oid,
		    struct vlt_record *rec)
{
	if (vlt_record_lookup(r, KIND, name, oid, rec) < 0)
		die("%s", vlt_error_last());
	return gamerec_body(rec);
}

static int released(const json_t *b)
{
	return json_is_true(json_object_get(b, "released"));
}

static void refuse_released(const char *name, const char *what)
{
	gamerec_refuse("milestone '%s' is released and cannot change (%s "
		       "refused)", name, what);
}

static const char *body_str(const json_t *b, const char *key)
{
	return json_string_value(json_object_get(b, key));
}

static void snapshot_of(const json_t *b, struct vlt_oid *oid)
{
	const char *hex = body_str(b, "snapshot");

	if (!hex || vlt_oid_from_hex(oid, hex) < 0)
		die("the milestone record has no snapshot");
}

/* Write body as the next version of old (or a new milestone), linking
 * the snapshot. */
static void save(struct vlt_repo *r, const char *name, json_t *body,
		 const struct vlt_oid *old)
{
	struct vlt_record rec;
	struct vlt_oid snap, oid;

	gamerec_new(&rec, KIND);
	snapshot_of(body, &snap);
	gamerec_set_body(&rec, body);
	if (vlt_record_add_link(&rec, VLT_OBJ_SNAPSHOT, &snap) < 0 ||
	    vlt_record_save(r, &rec, name, old, NULL, NULL, &oid) < 0)
		die("cannot record the milestone: %s", vlt_error_last());
	vlt_record_release(&rec);
}

static int cmd_create(struct vlt_repo *r, const char *name, const char *rev)
{
	struct vlt_record rec;
	struct vlt_oid snap, old;
	json_t *body;
	int exists;

	struct vlt_buf ref = VLT_BUF_INIT;

	if (vlt_record_ref_name(KIND, name, &ref) < 0)
		die("bad milestone name '%s' (a name is one ref component: "
		    "letters, digits, '-', '.', '_'...)", name);
	vlt_buf_release(&ref);
	gamerec_snapshot(r, rev ? rev : "HEAD", &snap);
	exists = vlt_record_lookup(r, KIND, name, &old, &rec) == 0;
	if (!exists && vlt_error_last_code() != VLT_E_NOTFOUND)
		die("%s", vlt_error_last());
	vlt_error_clear();
	if (exists) {
		body = gamerec_body(&rec);
		vlt_record_release(&rec);
		if (released(body))
			refuse_released(name, "create");
	} else {
		body = json_pack("{s:s,s:n,s:s,s:[],s:b}", "name", name, "due",
				 "note", "", "checklist", "released", 0);
		if (!body)
			die("out of memory");
	}
	json_object_set_new(body, "snapshot", json_string(vlt_oid_hex(&snap)));
	if (due_opt)
		json_object_set_new(body, "due", json_string(due_opt));
	if (note_opt)
		json_object_set_new(body, "note", json_string(note_opt));
	save(r, name, body, exists ? &old : NULL);
	printf("%s milestone %s at %s\n", exists ? "moved" : "created", name,
	       vlt_oid_hex(&snap));
	json_decref(body);
	return 0;
}

static void checklist_counts(const json_t *b, size_t *done, size_t *total)
{
	const json_t *l = json_object_get(b, "checklist"), *it;
	size_t i;

	*done = *total = 0;
	json_array_foreach(l, i, it) {
		(*total)++;
		*done += json_is_true(json_object_get(it, "done"));
	}
}

/* b[key], a new reference; JSON null when absent. */
static json_t *field(const json_t *b, const char *key)
{
	json_t *v = json_object_get(b, key);

	return v ? json_incref(v) : json_null();
}

static json_t *milestone_json(struct vlt_repo *r, const struct vlt_oid *oid,
			      const struct vlt_record *rec)
{
	json_t *b = gamerec_body(rec), *o = cli_json_object();
	struct vlt_oid snap;
	int64_t t;
	const char *msg;

	snapshot_of(b, &snap);
	msg = gamerec_snapshot_line(r, &snap, &t);
	cli_json_set(o, "name", field(b, "name"));
	cli_json_set(o, "id", json_string(vlt_oid_hex(oid)));
	cli_json_set(o, "snapshot", json_string(vlt_oid_hex(&snap)));
	cli_json_set(o, "snapshot_message", print_json_string(msg));
	cli_json_set(o, "due", field(b, "due"));
	cli_json_set(o, "note", field(b, "note"));
	cli_json_set(o, "released", json_boolean(released(b)));
	cli_json_set(o, "released_at",
		     field(b, "released_at"));
	cli_json_set(o, "date", json_string(print_date_iso(rec->time,
							   rec->tz_minutes)));
	cli_json_set(o, "author", print_json_string(rec->author));
	cli_json_set(o, "checklist", field(b, "checklist"));
	json_decref(b);
	return o;
}

struct lister {
	struct vlt_repo *r;
	json_t *a;
};

static int list_one(const struct vlt_oid *oid, const struct vlt_record *rec,
		    const char *ref, void *data)
{
	struct lister *ls = data;
	const char *name;
	json_t *b;
	struct vlt_oid snap;
	size_t done, total;
	const char *due;

	if (!ref || !(name = vlt_record_ref_short(KIND, ref)))
		return 0;  /* an older version, reached through a link */
	if (ls->a) {
		cli_json_append(ls->a, milestone_json(ls->r, oid, rec));
		return 0;
	}
	b = gamerec_body(rec);
	snapshot_of(b, &snap);
	checklist_counts(b, &done, &total);
	due = body_str(b, "due");
	printf("%-16s %.12s  %-10s %-8s %zu/%zu  %s\n", name,
	       vlt_oid_hex(&snap), due ? due : "-",
	       released(b) ? "released" : "open", done, total,
	       gamerec_snapshot_line(ls->r, &snap, NULL));
	json_decref(b);
	return 0;
}

static int cmd_list(struct vlt_repo *r)
{
	struct lister ls = { r, json_out ? cli_json_array() : NULL };

	if (vlt_record_list(r, KIND, list_one, &ls) < 0)
		die("%s", vlt_error_last());
	if (ls.a)
		cli_json_print(ls.a, 0);
	return 0;
}

static int cmd_show(struct vlt_repo *r, const char *name)
{
	struct vlt_record rec;
	struct vlt_oid oid, snap;
	json_t *b = load(r, name, &oid, &rec), *it;
	const char *due = body_str(b, "due"), *note = body_str(b, "note");
	size_t i, done, total;
	int64_t t;
	const char *msg;

	if (json_out) {
		cli_json_print(milestone_json(r, &oid, &rec), 0);
		goto out;
	}
	snapshot_of(b, &snap);
	msg = gamerec_snapshot_line(r, &snap, &t);
	checklist_counts(b, &done, &total);
	printf("milestone %s\n", name);
	printf("snapshot  %s\n          %s  %s\n", vlt_oid_hex(&snap),
	       print_date_short(t, 0), msg);
	printf("due       %s\n", due ? due : "-");
	if (released(b))
		printf("status    released %s\n",
		       body_str(b, "released_at") ? body_str(b, "released_at") : "");
	else
		printf("status    open\n");
	printf("updated   %s by %s\n", print_date(rec.time, rec.tz_minutes),
	       rec.author);
	if (note && *note)
		printf("note      %s\n", note);
	printf("checklist %zu of %zu done\n", done, total);
	json_array_foreach(json_object_get(b, "checklist"), i, it)
		printf("  [%c] %s\n",
		       json_is_true(json_object_get(it, "done")) ? 'x' : ' ',
		       body_str(it, "item"));
out:
	json_decref(b);
	vlt_record_release(&rec);
	return 0;
}

static int cmd_check(struct vlt_repo *r, const char *name, const char *item)
{
	struct vlt_record rec;
	struct vlt_oid oid;
	json_t *b = load(r, name, &oid, &rec), *l, *it, *found = NULL;
	size_t i;

	vlt_record_release(&rec);
	if (released(b))
		refuse_released(name, "check");
	if (!*item)
		usage_error(usage, "the checklist item is empty");
	l = json_object_get(b, "checklist");
	json_array_foreach(l, i, it)
		if (body_str(it, "item") && !strcmp(body_str(it, "item"), item))
			found = it;
	if (!found) {
		found = json_pack("{s:s,s:b}", "item", item, "done", 0);
		if (!found || json_array_append_new(l, found) < 0)
			die("out of memory");
	} else if (done_opt < 0) {
		printf("'%s' is on the checklist of %s already\n", item, name);
		json_decref(b);
		return 0;
	}
	if (done_opt >= 0)
		json_object_set_new(found, "done", json_boolean(done_opt));
	save(r, name, b, &oid);
	printf("[%c] %s\n", json_is_true(json_object_get(found, "done")) ?
	       'x' : ' ', item);
	json_decref(b);
	return 0;
}

static int cmd_note(struct vlt_repo *r, const char *name, const char *text)
{
	struct vlt_record rec;
	struct vlt_oid oid;
	json_t *b = load(r, name, &oid, &rec);

	vlt_record_release(&rec);
	if (released(b))
		refuse_released(name, "note");
	json_object_set_new(b, "note", json_string(text));
	save(r, name, b, &oid);
	json_decref(b);
	return 0;
}

static int cmd_release(struct vlt_repo *r, const char *name)
{
	struct vlt_record rec;
	struct vlt_oid oid;
	json_t *b = load(r, name, &oid, &rec);
	int64_t now;

	vlt_record_set_defaults(&rec);
	now = rec.time;
	if (released(b))
		refuse_released(name, "release");
	json_object_set_new(b, "released", json_true());
	json_object_set_new(b, "released_at",
			    json_string(print_date_iso(now, rec.tz_minutes)));
	vlt_record_release(&rec);
	save(r, name, b, &oid);
	printf("released milestone %s\n", name);
	json_decref(b);
	return 0;
}

/* --- diff: changed assets grouped by file type ----------------------- */

struct type_sum {
	char type[32];
	uint64_t files, added, removed, modified;
	uint64_t before, after;
};

static void file_type(const char *path, char *out, size_t n)
{
	const char *base = strrchr(path, '/'), *dot;
	size_t i;

	base = base ? base + 1 : path;
	dot = strrchr(base, '.');
	if (!dot || dot == base || !dot[1]) {
		snprintf(out, n, "(none)");
		return;
	}
	snprintf(out, n, "%s", dot + 1);
	for (i = 0; out[i]; i++)
		if (out[i] >= 'A' && out[i] <= 'Z')
			out[i] = (char)(out[i] - 'A' + 'a');
}

static int cmp_type(const void *a, const void *b)
{
	const struct type_sum *x = a, *y = b;
	int64_t dx = (int64_t)(x->after - x->before);
	int64_t dy = (int64_t)(y->after - y->before);

	if (dx != dy)
		return dx > dy ? -1 : 1;
	return strcmp(x->type, y->type);
}

static const char *signed_size(uint64_t before, uint64_t after)
{
	static char buf[4][40];
	static int next;

	next = (next + 1) & 3;
	if (after >= before)
		snprintf(buf[next], sizeof(buf[0]), "+%s",
			 print_human_size(after - before));
	else
		snprintf(buf[next], sizeof(buf[0]), "-%s",
			 print_human_size(before - after));
	return buf[next];
}

static int cmd_diff(struct vlt_repo *r, const char *a, const char *b)
{
	struct vlt_record ra, rb;
	struct vlt_oid ida, idb, sa, sb, ta, tb;
	json_t *ba = load(r, a, &ida, &ra), *bb = load(r, b, &idb, &rb);
	struct vlt_diff_list l = VLT_DIFF_LIST_INIT;
	struct type_sum *types = NULL;
	size_t ntypes = 0, alloc = 0;

	snapshot_of(ba, &sa);
	snapshot_of(bb, &sb);
	if (vlt_rev_peel_tree(r, &sa, &ta) < 0 ||
	    vlt_rev_peel_tree(r, &sb, &tb) < 0 ||
	    vlt_diff_trees_list(r, &ta, &tb, NULL, 1, &l) < 0)
		die("cannot diff the milestones: %s", vlt_error_last());
	for (size_t i = 0; i < l.nr; i++) {
		const struct vlt_diff_item *it = &l.items[i];
		char t[32];
		size_t k;

		file_type(it->path, t, sizeof(t));
		for (k = 0; k < ntypes && strcmp(types[k].type, t); k++)
			;
		if (k == ntypes) {
			if (VLT_ALLOC_GROW(types, ntypes + 1, alloc) < 0)
				die("out of memory");
			memset(&types[k], 0, sizeof(types[k]));
			snprintf(types[k].type, sizeof(types[k].type), "%s", t);
			ntypes++;
		}
		types[k].files++;
		types[k].added += it->status == VLT_DIFF_ADDED;
		types[k].removed += it->status == VLT_DIFF_DELETED;
		types[k].modified += it->status == VLT_DIFF_MODIFIED ||
				     it->status == VLT_DIFF_RENAMED;
		if (it->has_old)
			types[k].before += it->old_e.size;
		if (it->has_new)
			types[k].after += it->new_e.size;
	}
	if (ntypes)
		qsort(types, ntypes, sizeof(*types), cmp_type);
	if (json_out) {
		json_t *o = cli_json_object(), *ta_ = cli_json_array(),
		       *fa = cli_json_array();

		cli_json_set(o, "from", json_pack("{s:s,s:s}", "milestone", a,
				"snapshot", vlt_oid_hex(&sa)));
		cli_json_set(o, "to", json_pack("{s:s,s:s}", "milestone", b,
				"snapshot", vlt_oid_hex(&sb)));
		for (size_t k = 0; k < ntypes; k++)
			cli_json_append(ta_, json_pack("{s:s,s:I,s:I,s:I,s:I,"
				"s:I,s:I,s:I}", "type", types[k].type,
				"files", (json_int_t)types[k].files,
				"added", (json_int_t)types[k].added,
				"removed", (json_int_t)types[k].removed,
				"modified", (json_int_t)types[k].modified,
				"bytes_before", (json_int_t)types[k].before,
				"bytes_after", (json_int_t)types[k].after,
				"delta", (json_int_t)(types[k].after -
						      types[k].before)));
		for (size_t i = 0; i < l.nr; i++) {
			const struct vlt_diff_item *it = &l.items[i];

			cli_json_append(fa, json_pack("{s:s%,s:o,s:I,s:I}",
				"status", &(char){ (char)it->status }, (size_t)1,
				"path", print_json_string(it->path),
				"old_size", (json_int_t)(it->has_old ?
							it->old_e.size : 0),
				"new_size", (json_int_t)(it->has_new ?
							it->new_e.size : 0)));
		}
		cli_json_set(o, "types", ta_);
		cli_json_set(o, "files", fa);
		cli_json_print(o, 0);
	} else {
		printf("milestone %s (%.12s) -> %s (%.12s): %zu file%s changed\n",
		       a, vlt_oid_hex(&sa), b, vlt_oid_hex(&sb), l.nr,
		       l.nr == 1 ? "" : "s");
		if (ntypes)
			printf("%-10s %5s %5s %7s %8s %10s %10s %11s\n", "type",
			       "files", "added", "removed", "modified",
			       "before", "after", "delta");
		for (size_t k = 0; k < ntypes; k++)
			printf("%-10s %5" PRIu64 " %5" PRIu64 " %7" PRIu64
			       " %8" PRIu64 " %10s %10s %11s\n", types[k].type,
			       types[k].files, types[k].added, types[k].removed,
			       types[k].modified,
			       print_human_size(types[k].before),
			       print_human_size(types[k].after),
			       signed_size(types[k].before, types[k].after));
		if (l.nr)
			printf("\n");
		for (size_t i = 0; i < l.nr; i++) {
			const struct vlt_diff_item *it = &l.items[i];
			uint64_t o = it->has_old ? it->old_e.size : 0;
			uint64_t n = it->has_new ? it->new_e.size : 0;

			if (it->status == VLT_DIFF_RENAMED)
				printf("R %s -> %s  %s\n", it->old_path,
				       it->path, signed_size(o, n));
			else
				printf("%c %s  %s\n", (char)it->status,
				       it->path, signed_size(o, n));
		}
	}
	free(types);
	vlt_diff_list_release(&l);
	json_decref(ba);
	json_decref(bb);
	vlt_record_release(&ra);
	vlt_record_release(&rb);
	return 0;
}

static void need(int argc, int lo, int hi, const char *cmd)
{
	if (argc < lo || argc > hi)
		usage_error(usage, "wrong number of arguments for %s", cmd);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "due", required_argument, NULL, 'd' },
		{ "note", required_argument, NULL, 'n' },
		{ "done", no_argument, NULL, 'D' },
		{ "undone", no_argument, NULL, 'U' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vlt_repo *r;
	const char *cmd;
	char **av;
	int c, n, rc;

	cli_init(argv[0]);
	while ((c = cli_getopt(argc, argv, "", opts, usage)) != -1) {
		switch (c) {
		case 'd': due_opt = optarg; break;
		case 'n': note_opt = optarg; break;
		case 'D': done_opt = 1; break;
		case 'U': done_opt = 0; break;
		case 'J': json_out = 1; break;
		}
	}
	if (optind >= argc)
		usage_error(usage, "no subcommand");
	if (due_opt)
		check_date(due_opt);
	cmd = argv[optind];
	av = argv + optind + 1;
	n = argc - optind - 1;
	if ((due_opt || note_opt) && strcmp(cmd, "create"))
		usage_error(usage, "--due and --note go with create");
	if (done_opt >= 0 && strcmp(cmd, "check"))
		usage_error(usage, "--done and --undone go with check");
	r = cli_open_repo();
	if (!strcmp(cmd, "create")) {
		need(n, 1, 2, cmd);
		rc = cmd_create(r, av[0], n > 1 ? av[1] : NULL);
	} else if (!strcmp(cmd, "list")) {
		need(n, 0, 0, cmd);
		rc = cmd_list(r);
	} else if (!strcmp(cmd, "show")) {
		need(n, 1, 1, cmd);
		rc = cmd_show(r, av[0]);
	} else if (!strcmp(cmd, "check")) {
		need(n, 2, 2, cmd);
		rc = cmd_check(r, av[0], av[1]);
	} else if (!strcmp(cmd, "note")) {
		need(n, 2, 2, cmd);
		rc = cmd_note(r, av[0], av[1]);
	} else if (!strcmp(cmd, "diff")) {
		need(n, 2, 2, cmd);
		rc = cmd_diff(r, av[0], av[1]);
	} else if (!strcmp(cmd, "release")) {
		need(n, 1, 1, cmd);
		rc = cmd_release(r, av[0]);
	} else {
		usage_error(usage, "unknown subcommand '%s'", cmd);
	}
	vlt_repo_free(r);
	cli_flush_stdout();
	return rc;
}
