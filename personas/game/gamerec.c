/*
 * gamerec.c - helpers the game persona's record commands share (see
 * gamerec.h). Everything about storage is in lib/records.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "error.h"
#include "gamerec.h"
#include "odb.h"
#include "revparse.h"
#include "tree.h"

json_t *gamerec_body(const struct vlt_record *rec)
{
	json_error_t jerr;
	json_t *j = json_loadb(rec->body, rec->body_len, 0, &jerr);

	if (!j || !json_is_object(j))
		die("the %s record's body is not a JSON object", rec->kind);
	return j;
}

void gamerec_set_body(struct vlt_record *rec, const json_t *body)
{
	char *s = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);

	if (!s || vlt_record_set_body(rec, s, strlen(s)) < 0)
		die("cannot write the record: %s", s ? vlt_error_last() :
		    "out of memory");
	free(s);
}

void gamerec_new(struct vlt_record *rec, const char *kind)
{
	vlt_record_init(rec);
	if (vlt_record_set_kind(rec, kind) < 0 ||
	    vlt_record_set_defaults(rec) < 0)
		die("%s", vlt_error_last());
}

void gamerec_snapshot(struct vlt_repo *r, const char *rev,
		      struct vlt_oid *out)
{
	enum vlt_obj_kind kind;

	if (vlt_rev_parse(r, rev, out) < 0 ||
	    vlt_odb_info(r, out, &kind, NULL) < 0)
		die("unknown build '%s': %s", rev, vlt_error_last());
	if (kind != VLT_OBJ_SNAPSHOT)
		die("unknown build '%s': it names a %s, not a snapshot", rev,
		    vlt_obj_kind_name(kind));
}

const char *gamerec_snapshot_line(struct vlt_repo *r,
				  const struct vlt_oid *oid, int64_t *time)
{
	static char line[256];
	struct vlt_snapshot s;
	size_t n;

	if (vlt_snapshot_read(r, oid, &s) < 0)
		die("snapshot %s: %s", vlt_oid_hex(oid), vlt_error_last());
	n = strcspn(s.message, "\n");
	snprintf(line, sizeof(line), "%.*s", (int)n, s.message);
	if (time)
		*time = s.time;
	vlt_snapshot_release(&s);
	return line;
}

void gamerec_refuse(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	error("%s", msg);
	exit(1);
}
