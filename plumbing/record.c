/*
 * vault-record - create, list and show records: the persona data (a
 * milestone, a playtest, feedback, asset metadata) kept beside the history
 * as record objects (lib/records.h; Documentation/format.md, 6.5).
 *
 * Thin by design: options and output here, everything else in
 * lib/records.c, so the personas' own commands do the same through the
 * same calls.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "error.h"
#include "fsutil.h"
#include "gc.h"
#include "json.h"
#include "odb.h"
#include "print.h"
#include "records.h"
#include "refs.h"
#include "revparse.h"

static const char usage[] =
"usage: vault-record create --kind KIND [--link OBJECT]... [--ref NAME] < BODY\n"
"   or: vault-record list [--kind KIND] [--json]\n"
"   or: vault-record show [--json] (ID | REF)\n"
"\n"
"Records are persona data kept beside the history: KIND is\n"
"<persona>.<what> (game.milestone, creative.asset), the body is JSON text\n"
"read from stdin, links name the snapshots (or other objects) a record\n"
"is about. A record is kept by a ref refs/<persona>/<what>/<name>; gc\n"
"keeps what a kept record links to.\n"
"\n"
"    --kind KIND     create: the record's kind; list: only that kind, or\n"
"                    every kind of a persona (--kind game)\n"
"    --link OBJECT   create: link the record to OBJECT (a snapshot, a\n"
"                    record, any revision; repeatable)\n"
"    --ref NAME      create: set refs/<persona>/<what>/NAME (or the full\n"
"                    refs/... NAME) to the new record\n"
"    --json          list, show: print JSON\n"
"\n"
"create prints the new record's id; list prints \"ID KIND REF\" per record\n"
"(REF \"-\" for a record reached through another's link).\n";

static const char *kind_opt, *ref_opt;
static char **links;
static int nlinks, json_out;

/* The body from stdin, up to the format's limit. */
static void read_body(struct vlt_buf *b)
{
	size_t got;

	do {
		if (vlt_buf_grow(b, 65536) < 0 ||
		    vlt_read_upto(0, b->data + b->len, 65536, &got, "stdin") < 0)
			die("%s", vlt_error_last());
		vlt_buf_setlen(b, b->len + got);
		if (b->len > VLT_OBJ_RECORD_LIMIT)
			die("the body is larger than a record may be (%u bytes)",
			    VLT_OBJ_RECORD_LIMIT);
	} while (got);
}

/* Everything between taking the writer lock and releasing it, so that
 * the lock is released before any error is reported. */
static int write_record(struct vlt_repo *r, struct vlt_record *rec,
			struct vlt_repo_lock *lock, uint64_t *gen,
			const char *refname, struct vlt_oid *oid)
{
	struct vlt_buf msg = VLT_BUF_INIT;
	int err;

	if ((err = vlt_record_create(r, rec, oid)) < 0 ||
	    (err = vlt_writer_settle(r, lock, gen, oid)) < 0)
		return err;
	if (refname) {
		if ((err = vlt_buf_addf(&msg, "record: %s", rec->kind)) == 0)
			err = vlt_ref_update(r, refname, oid, NULL, msg.data);
		vlt_buf_release(&msg);
	}
	return err;
}

static int cmd_create(struct vlt_repo *r)
{
	struct vlt_record rec;
	struct vlt_buf body = VLT_BUF_INIT, ref = VLT_BUF_INIT;
	struct vlt_repo_lock lock = { 0 };
	struct vlt_oid oid;
	json_error_t jerr;
	json_t *j;
	uint64_t gen;
	int err;

	if (!vlt_record_kind_valid(kind_opt))
		die("bad record kind '%s' (want <persona>.<what>, such as "
		    "game.milestone)", kind_opt);
	if (ref_opt) {
		if (vlt_record_ref_name(kind_opt, ref_opt, &ref) < 0)
			die("%s", vlt_error_last());
	}
	vlt_record_init(&rec);
	read_body(&body);
	if (!(j = json_loadb(body.data, body.len, JSON_DECODE_ANY, &jerr)))
		die("the body is not JSON: line %d: %s", jerr.line, jerr.text);
	json_decref(j);
	if (vlt_record_set_kind(&rec, kind_opt) < 0 ||
	    vlt_record_set_body(&rec, body.data, body.len) < 0 ||
	    vlt_record_set_defaults(&rec) < 0)
		die("%s", vlt_error_last());
	for (int i = 0; i < nlinks; i++) {
		enum vlt_obj_kind kind;

		if (vlt_rev_parse(r, links[i], &oid) < 0 ||
		    vlt_odb_info(r, &oid, &kind, NULL) < 0)
			die("cannot link %s: %s", links[i], vlt_error_last());
		if (vlt_record_add_link(&rec, kind, &oid) < 0)
			die("%s", vlt_error_last());
	}
	if (vlt_writer_begin(r, &lock, &gen, "record") < 0)
		die("cannot write the record: %s", vlt_error_last());
	err = write_record(r, &rec, &lock, &gen, ref_opt ? ref.data : NULL,
			   &oid);
	if (err < 0) {
		struct vlt_buf m = VLT_BUF_INIT;

		vlt_buf_adds(&m, vlt_error_last());
		vlt_writer_end(r, &lock);
		die("%s", m.data);
	}
	if (vlt_writer_end(r, &lock) < 0)
		die("%s", vlt_error_last());
	printf("%s\n", vlt_oid_hex(&oid));
	vlt_record_release(&rec);
	vlt_buf_release(&body);
	vlt_buf_release(&ref);
	return 0;
}

static json_t *record_json(const struct vlt_oid *oid,
			   const struct vlt_record *rec, const char *ref)
{
	json_t *o = cli_json_object(), *l = cli_json_array(), *body;
	json_error_t jerr;

	for (size_t i = 0; i < rec->nlinks; i++)
		cli_json_append(l, json_pack("{s:s,s:s}", "kind",
			vlt_obj_kind_name(rec->links[i].kind), "id",
			vlt_oid_hex(&rec->links[i].oid)));
	/* a body that is not JSON (written by another tool) shows as text */
	body = json_loadb(rec->body, rec->body_len, JSON_DECODE_ANY, &jerr);
	if (!body)
		body = print_json_string(rec->body);
	cli_json_set(o, "id", json_string(vlt_oid_hex(oid)));
	cli_json_set(o, "kind", json_string(rec->kind));
	cli_json_set(o, "time", json_integer((json_int_t)rec->time));
	cli_json_set(o, "date", json_string(print_date_iso(rec->time,
						   rec->tz_minutes)));
	cli_json_set(o, "author", print_json_string(rec->author));
	cli_json_set(o, "links", l);
	cli_json_set(o, "body", body);
	if (ref)
		cli_json_set(o, "ref", json_string(ref));
	return o;
}

static int list_one(const struct vlt_oid *oid, const struct vlt_record *rec,
		    const char *ref, void *data)
{
	if (json_out) {
		cli_json_append(data, record_json(oid, rec, ref));
	} else {
		struct vlt_buf line = VLT_BUF_INIT;

		vlt_buf_addf(&line, "%s %s %s\n", vlt_oid_hex(oid), rec->kind,
			     ref ? ref : "-");
		cli_write_stdout(line.data, line.len);
		vlt_buf_release(&line);
	}
	return 0;
}

static int cmd_list(struct vlt_repo *r)
{
	json_t *a = json_out ? cli_json_array() : NULL;

	if (json_out && !a)
		die("out of memory");
	if (vlt_record_list(r, kind_opt, list_one, a) < 0)
		die("%s", vlt_error_last());
	if (json_out)
		cli_json_print(a, 0);
	return 0;
}

static int cmd_show(struct vlt_repo *r, const char *what)
{
	struct vlt_record rec;
	struct vlt_buf out = VLT_BUF_INIT;
	struct vlt_oid oid;

	if (vlt_rev_parse(r, what, &oid) < 0)
		die("%s", vlt_error_last());
	if (vlt_record_read(r, &oid, &rec) < 0) {
		if (vlt_error_last_code() == VLT_E_INVALID)
			die("%s is not a record", what);
		die("%s", vlt_error_last());
	}
	if (json_out) {
		cli_json_print(record_json(&oid, &rec, NULL), 0);
	} else {
		vlt_buf_addf(&out, "record %s\n", vlt_oid_hex(&oid));
		if (vlt_record_format(&rec, &out) < 0)
			die("%s", vlt_error_last());
		cli_write_stdout(out.data, out.len);
	}
	vlt_buf_release(&out);
	vlt_record_release(&rec);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "kind", required_argument, NULL, 'k' },
		{ "link", required_argument, NULL, 'l' },
		{ "ref", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd;
	struct vlt_repo *r;
	int c, rc = 0;

	cli_init(argv[0]);
	if (!(links = calloc((size_t)argc, sizeof(*links))))
		die("out of memory");
	while ((c = cli_getopt(argc, argv, "", opts, usage)) != -1) {
		switch (c) {
		case 'k': kind_opt = optarg; break;
		case 'l': links[nlinks++] = optarg; break;
		case 'r': ref_opt = optarg; break;
		case 'J': json_out = 1; break;
		}
	}
	if (optind >= argc)
		usage_error(usage, "need a subcommand: create, list or show");
	cmd = argv[optind++];
	if (!strcmp(cmd, "create")) {
		if (optind != argc)
			usage_error(usage, "create takes no arguments");
		if (!kind_opt)
			usage_error(usage, "create needs --kind");
		if (json_out)
			usage_error(usage, "create takes no --json");
		r = cli_open_repo();
		rc = cmd_create(r);
	} else if (!strcmp(cmd, "list")) {
		if (optind != argc)
			usage_error(usage, "list takes no arguments");
		if (nlinks || ref_opt)
			usage_error(usage, "list takes no --link or --ref");
		r = cli_open_repo();
		rc = cmd_list(r);
	} else if (!strcmp(cmd, "show")) {
		if (argc - optind != 1)
			usage_error(usage, "show needs exactly one ID or REF");
		if (kind_opt || nlinks || ref_opt)
			usage_error(usage, "show takes only --json");
		r = cli_open_repo();
		rc = cmd_show(r, argv[optind]);
	} else {
		usage_error(usage, "unknown subcommand '%s'", cmd);
	}
	free(links);
	vlt_repo_free(r);
	return rc;
}
