/*
 * revparse.c - revision strings to object ids (see revparse.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "error.h"
#include "odb.h"
#include "refs.h"
#include "revparse.h"
#include "walk.h"

int vlt_snapshot_read(struct vlt_repo *r, const struct vlt_oid *oid,
		      struct vlt_snapshot *s)
{
	struct vlt_buf buf = VLT_BUF_INIT;
	int err;

	if ((err = vlt_odb_read_kind(r, oid, VLT_OBJ_SNAPSHOT, &buf)) == 0)
		err = vlt_snapshot_decode(buf.data, buf.len, s);
	vlt_buf_release(&buf);
	return err;
}

int vlt_rev_peel_tree(struct vlt_repo *r, const struct vlt_oid *oid,
		      struct vlt_oid *tree)
{
	enum vlt_obj_kind kind;
	struct vlt_snapshot s;

	VLT_TRY(vlt_odb_info(r, oid, &kind, NULL));
	if (kind == VLT_OBJ_TREE) {
		*tree = *oid;
		return 0;
	}
	if (kind != VLT_OBJ_SNAPSHOT)
		return vlt_error_set(VLT_E_INVALID, "%s is a %s, not a snapshot "
				     "or tree", vlt_oid_hex(oid),
				     vlt_obj_kind_name(kind));
	VLT_TRY(vlt_snapshot_read(r, oid, &s));
	*tree = s.tree;
	vlt_snapshot_release(&s);
	/* say why when the files were freed on purpose */
	if (vlt_odb_has(r, tree) == 0 && vlt_snapshot_forgotten(r, oid) == 1)
		return vlt_error_set(VLT_E_NOTFOUND, "snapshot %s was forgotten "
				     "(vault forget) and gc has freed its files",
				     vlt_oid_hex(oid));
	return 0;
}

/* parse_date's answer for "a date, but too far back to count" (the
 * message is set) */
#define DATE_OUT_OF_RANGE INT64_MIN

static int64_t parse_date(const char *s);

int vlt_date_parse(const char *s, int64_t *out)
{
	int64_t t = parse_date(s);

	if (t == DATE_OUT_OF_RANGE)
		return VLT_E_INVALID;
	if (t == -1)
		return vlt_error_set(VLT_E_INVALID, "'%s' is not a date (try "
				     "YYYY-MM-DD, \"YYYY-MM-DD HH:MM\", yesterday, "
				     "N.days.ago or @UNIX)", s);
	*out = t;
	return 0;
}

/* Parse a reflog date spec into unix seconds; -1 if it is not one,
 * DATE_OUT_OF_RANGE (message set) if its arithmetic would overflow. */
static int64_t parse_date(const char *s)
{
	time_t now = time(NULL);
	struct tm tm;
	char unit[16];
	int used = 0;

	if (!strcmp(s, "now"))
		return now;
	if (!strcmp(s, "yesterday"))
		return now - 86400;
	if (s[0] == '@' && isdigit((unsigned char)s[1])) {
		char *end;
		long long t;

		errno = 0;
		t = strtoll(s + 1, &end, 10);
		if (*end)
			return -1;
		if (errno == ERANGE) {
			vlt_error_set(VLT_E_INVALID, "date '%s' is out of "
				      "range", s);
			return DATE_OUT_OF_RANGE;
		}
		return t;
	}
	if (isdigit((unsigned char)s[0])) {
		char *end;
		unsigned long long n;
		size_t ul;
		int64_t mul;

		errno = 0;
		n = strtoull(s, &end, 10);
		if (*end != '.' || sscanf(end, ".%15[a-z].ago%n", unit,
					  &used) != 1 ||
		    (size_t)used != strlen(end))
			goto absolute;
		ul = strlen(unit);
		if (ul && unit[ul - 1] == 's')
			unit[--ul] = '\0';
		if (!strcmp(unit, "second"))
			mul = 1;
		else if (!strcmp(unit, "minute"))
			mul = 60;
		else if (!strcmp(unit, "hour"))
			mul = 3600;
		else if (!strcmp(unit, "day"))
			mul = 86400;
		else if (!strcmp(unit, "week"))
			mul = 7 * 86400;
		else
			return -1;
		/* checked: now - n * mul must not wrap (a fuzzer's
		 * 2222222222222222222222221.week.ago did) */
		if (errno == ERANGE || n > (unsigned long long)INT64_MAX / 2 /
		    (unsigned long long)mul) {
			vlt_error_set(VLT_E_INVALID, "date '%s' is out of "
				      "range", s);
			return DATE_OUT_OF_RANGE;
		}
		return (int64_t)now - (int64_t)n * mul;
	}
absolute:
	memset(&tm, 0, sizeof(tm));
	{
		const char *end = strptime(s, "%Y-%m-%d", &tm);

		if (end && *end == ' ')
			end = strptime(end + 1, "%H:%M", &tm);
		if (end && !*end) {
			tm.tm_isdst = -1;
			return mktime(&tm);
		}
	}
	return -1;
}

/*
 * REF@{DATE} older than every reflog entry (an imported history, back-dated
 * snapshots, a ref whose log was lost): the newest snapshot dated at or
 * before `when` along the first parents of the ref's value, as `timeline
 * --since` reads dates. git falls back to the oldest reflog entry instead;
 * vault's snapshots carry their own dates, which say more. VLT_E_NOTFOUND
 * (no message) when every snapshot is newer.
 */
static int snapshot_at(struct vlt_repo *r, const struct vlt_oid *from,
		       int64_t when, struct vlt_oid *out)
{
	const struct vlt_walk_entry *e;
	struct vlt_walk w;
	int rc;

	VLT_TRY(vlt_walk_init(&w, r, VLT_WALK_FIRST_PARENT));
	if ((rc = vlt_walk_push(&w, from)) == 0)
		while ((rc = vlt_walk_next(&w, &e)) == 1)
			if (e->snap.time <= when) {
				*out = e->oid;
				break;
			}
	vlt_walk_release(&w);
	if (rc < 0)
		return rc;
	return rc == 1 ? 0 : VLT_E_NOTFOUND;
}

static int reflog_at(struct vlt_repo *r, const char *ref, const char *spec,
		     struct vlt_oid *out)
{
	struct vlt_buf full = VLT_BUF_INIT;
	struct vlt_reflog_entry *ents = NULL;
	struct vlt_oid cur;
	size_t nr = 0;
	char *end;
	long n;
	int err;

	if (!*ref || !strcmp(ref, "@"))
		ref = "HEAD";
	if ((err = vlt_ref_dwim(r, ref, &full, &cur)) < 0)
		goto done;
	if (!strcmp(full.data, "HEAD")) {
		/* reflogs are kept on the branch HEAD points to */
		vlt_buf_reset(&full);
		if ((err = vlt_ref_resolve_name(r, "HEAD", &full)) < 0)
			goto done;
	}
	if ((err = vlt_reflog_read(r, full.data, &ents, &nr)) < 0)
		goto done;
	n = strtol(spec, &end, 10);
	if (*spec && !*end && n >= 0) {
		if ((size_t)n >= nr) {
			err = vlt_error_set(VLT_E_NOTFOUND, "%s has only %zu reflog "
					    "entries", full.data, nr);
			goto done;
		}
		*out = ents[nr - 1 - (size_t)n].new_oid;
	} else {
		int64_t when = parse_date(spec);
		size_t i;

		if (when == DATE_OUT_OF_RANGE) {
			err = vlt_error_wrap(VLT_E_INVALID, "bad reflog selector "
					     "'@{%s}'", spec);
			goto done;
		}
		if (when < 0) {
			err = vlt_error_set(VLT_E_INVALID, "bad reflog selector "
					    "'@{%s}'", spec);
			goto done;
		}
		/* the last entry made at or before `when` */
		for (i = nr; i-- > 0;)
			if (ents[i].time <= when)
				break;
		if (i == (size_t)-1) {
			/* older than the reflog: the snapshots' own dates */
			err = snapshot_at(r, &cur, when, out);
			if (err == VLT_E_NOTFOUND)
				err = vlt_error_set(VLT_E_NOTFOUND, "%s did not "
						    "exist at %s", full.data, spec);
			goto done;
		}
		if (vlt_oid_is_zero(&ents[i].new_oid)) {
			err = vlt_error_set(VLT_E_NOTFOUND, "%s was deleted at %s",
					    full.data, spec);
			goto done;
		}
		*out = ents[i].new_oid;
	}
done:
	vlt_reflog_free(ents, nr);
	vlt_buf_release(&full);
	return err;
}

/* The base of a revision: no ~, ^ or : left in it. */
static int parse_base(struct vlt_repo *r, const char *base, struct vlt_oid *out)
{
	struct vlt_buf full = VLT_BUF_INIT;
	const char *at = strstr(base, "@{");
	int err;

	if (at) {
		size_t n = strlen(base);
		struct vlt_buf ref = VLT_BUF_INIT, spec = VLT_BUF_INIT;

		if (base[n - 1] != '}')
			return vlt_error_set(VLT_E_INVALID, "bad revision '%s'", base);
		vlt_buf_add(&ref, base, (size_t)(at - base));
		vlt_buf_add(&spec, at + 2, n - (size_t)(at - base) - 3);
		err = reflog_at(r, ref.data ? ref.data : "", spec.data ?
				spec.data : "", out);
		vlt_buf_release(&ref);
		vlt_buf_release(&spec);
		return err;
	}
	if (!*base || !strcmp(base, "@"))
		base = "HEAD";
	if (strlen(base) == VLT_OID_HEXSZ && vlt_oid_from_hex(out, base) == 0)
		return 0;
	err = vlt_ref_dwim(r, base, &full, out);
	vlt_buf_release(&full);
	if (err != VLT_E_NOTFOUND)
		return err;
	if (vlt_is_hex_prefix(base))
		return vlt_odb_resolve_prefix(r, base, out);
	return vlt_error_set(VLT_E_NOTFOUND, "unknown revision '%s'", base);
}

static int nth_parent(struct vlt_repo *r, struct vlt_oid *oid, long n)
{
	struct vlt_oid child = *oid;
	struct vlt_snapshot s;

	VLT_TRY(vlt_snapshot_read(r, oid, &s));
	if (n == 0) {
		vlt_snapshot_release(&s);
		return 0;
	}
	if ((size_t)n > s.nparents) {
		vlt_snapshot_release(&s);
		return vlt_error_set(VLT_E_NOTFOUND, "snapshot %s has no parent "
				     "%ld", vlt_oid_hex(oid), n);
	}
	*oid = s.parents[n - 1];
	vlt_snapshot_release(&s);
	/* a parent whose object is gone: forgotten history, or damage */
	if (vlt_odb_has(r, oid) == 0) {
		int forgotten = vlt_snapshot_forgotten(r, oid);

		if (forgotten < 0)
			return forgotten;
		if (forgotten)
			return vlt_error_set(VLT_E_NOTFOUND, "snapshot %s: older "
					     "snapshots were forgotten (vault "
					     "forget)", vlt_oid_hex(&child));
		return vlt_error_set(VLT_E_CORRUPT, "snapshot %s: its parent %s "
				     "is missing (run 'vault fsck')",
				     vlt_oid_hex(&child), vlt_oid_hex(oid));
	}
	return 0;
}

static int parse_rev(struct vlt_repo *r, const char *rev, struct vlt_oid *out)
{
	size_t n = strlen(rev), base_end = n;
	struct vlt_buf base = VLT_BUF_INIT;
	const char *p;
	int err;

	/* the base ends at the first ~ or ^ that is not inside @{...} */
	for (size_t i = 0; i < n; i++) {
		if (rev[i] == '@' && rev[i + 1] == '{') {
			const char *close = strchr(rev + i, '}');

			if (!close)
				return vlt_error_set(VLT_E_INVALID,
						     "bad revision '%s'", rev);
			i = (size_t)(close - rev);
			continue;
		}
		if (rev[i] == '~' || rev[i] == '^') {
			base_end = i;
			break;
		}
	}
	if ((err = vlt_buf_add(&base, rev, base_end)) < 0)
		return err;
	err = parse_base(r, base.data, out);
	vlt_buf_release(&base);
	if (err < 0)
		return err;
	for (p = rev + base_end; *p && err >= 0;) {
		char op = *p++;
		long count = 1;

		if (isdigit((unsigned char)*p)) {
			char *end;

			count = strtol(p, &end, 10);
			p = end;
		}
		if (op == '~') {
			for (long i = 0; i < count && err >= 0; i++)
				err = nth_parent(r, out, 1);
		} else if (op == '^') {
			err = nth_parent(r, out, count);
		} else {
			err = vlt_error_set(VLT_E_INVALID, "bad revision '%s'", rev);
		}
	}
	return err;
}

int vlt_tree_lookup_path(struct vlt_repo *r, const struct vlt_oid *tree,
			 const char *path, struct vlt_tree_entry *e)
{
	struct vlt_buf buf = VLT_BUF_INIT;
	struct vlt_oid cur = *tree;
	const char *p = path;
	int err = 0;

	memset(e, 0, sizeof(*e));
	e->type = VLT_ENTRY_DIR;
	e->oid = *tree;
	e->mode = 0755;
	while (*p == '/')
		p++;
	while (*p) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);
		struct vlt_tree t;
		const struct vlt_tree_entry *found;
		char *name;

		if (e->type != VLT_ENTRY_DIR) {
			err = vlt_error_set(VLT_E_NOTFOUND, "'%s': not a directory "
					    "in the snapshot", path);
			break;
		}
		if (!(name = strndup(p, len))) {
			err = vlt_error_set(VLT_E_NOMEM, "out of memory");
			break;
		}
		if ((err = vlt_odb_read_kind(r, &cur, VLT_OBJ_TREE, &buf)) < 0 ||
		    (err = vlt_tree_decode(buf.data, buf.len, &t)) < 0) {
			free(name);
			break;
		}
		found = vlt_tree_find(&t, name);
		free(name);
		if (!found) {
			vlt_tree_release(&t);
			err = vlt_error_set(VLT_E_NOTFOUND, "path '%s' does not "
					    "exist in the snapshot", path);
			break;
		}
		free(e->name);
		*e = *found;
		e->name = strdup(found->name);
		vlt_tree_release(&t);
		if (!e->name) {
			err = vlt_error_set(VLT_E_NOMEM, "out of memory");
			break;
		}
		cur = e->oid;
		p += len;
		while (*p == '/')
			p++;
	}
	vlt_buf_release(&buf);
	if (err < 0) {
		free(e->name);
		e->name = NULL;
	} else if (!e->name && !(e->name = strdup(""))) {
		err = vlt_error_set(VLT_E_NOMEM, "out of memory");
	}
	return err;
}

/* The ':' that starts a path: not one inside "@{...}" (dates have them). */
static const char *path_colon(const char *rev)
{
	for (const char *p = rev; *p; p++) {
		if (p[0] == '@' && p[1] == '{') {
			const char *close = strchr(p, '}');

			if (!close)
				return NULL;
			p = close;
			continue;
		}
		if (*p == ':')
			return p;
	}
	return NULL;
}

int vlt_rev_parse_entry(struct vlt_repo *r, const char *rev,
			struct vlt_tree_entry *e)
{
	const char *colon = path_colon(rev);
	struct vlt_buf left = VLT_BUF_INIT;
	struct vlt_oid oid, tree;
	int err;

	if (!colon) {
		enum vlt_obj_kind kind;
		uint64_t size;

		memset(e, 0, sizeof(*e));
		VLT_TRY(parse_rev(r, rev, &oid));
		VLT_TRY(vlt_odb_info(r, &oid, &kind, &size));
		e->oid = oid;
		e->size = size;
		e->mode = kind == VLT_OBJ_TREE ? 0755 : 0644;
		e->type = kind == VLT_OBJ_TREE ? VLT_ENTRY_DIR : VLT_ENTRY_FILE;
		e->name = strdup("");
		return e->name ? 0 : vlt_error_set(VLT_E_NOMEM, "out of memory");
	}
	if ((err = vlt_buf_add(&left, rev, (size_t)(colon - rev))) < 0)
		return err;
	err = parse_rev(r, left.data ? left.data : "", &oid);
	vlt_buf_release(&left);
	if (err < 0 || (err = vlt_rev_peel_tree(r, &oid, &tree)) < 0)
		return err;
	return vlt_tree_lookup_path(r, &tree, colon + 1, e);
}

int vlt_rev_parse(struct vlt_repo *r, const char *rev, struct vlt_oid *out)
{
	struct vlt_tree_entry e;

	if (!path_colon(rev))
		return parse_rev(r, rev, out);
	VLT_TRY(vlt_rev_parse_entry(r, rev, &e));
	*out = e.oid;
	free(e.name);
	return 0;
}
