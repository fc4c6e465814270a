/*
 * vault-feedback - player feedback tied to the exact build it is about,
 * and what it says about the history: which tags rose after which
 * snapshot, which changed files likely caused it, and which build to
 * playtest next to find out.
 *
 * Feedback is kept in batches: each `add` or `import` writes one
 * game.feedback record holding its items (format.md 6.5.1), linking the
 * builds they name and the batch before, and moves the one ref of the
 * feedback log to it. An import is one batch, so a file with one bad row
 * imports nothing. correlate and bisect read the log, the playtests
 * (game.playtest: hours played and files loaded per build) and the
 * first-parent history of HEAD; the arithmetic is correlate.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "cli.h"
#include "correlate.h"
#include "csv.h"
#include "diff.h"
#include "odb.h"
#include "error.h"
#include "fsutil.h"
#include "gamerec.h"
#include "json.h"
#include "print.h"
#include "records.h"
#include "revparse.h"
#include "tree.h"

#define KIND "game.feedback"
#define LOG "log"
#define PLAYTEST "game.playtest"

static const char usage[] =
"usage: vault-feedback add --build REV --tag TAG [--tag TAG]... [--source S] TEXT\n"
"   or: vault-feedback import FILE.csv | FILE.json\n"
"   or: vault-feedback list [--tag TAG] [--build REV] [--json]\n"
"   or: vault-feedback correlate [--tag TAG] [--min-count N] [--json]\n"
"   or: vault-feedback bisect --tag TAG [--good REV] [--bad REV]\n"
"\n"
"Feedback items name the build (snapshot) they are about, one or more\n"
"tags (crash, audio, too-hard...), the text and where it came from.\n"
"import reads CSV with a header row (columns build, tags or tag, text,\n"
"source, time; several tags separated by ';') or a JSON array of objects\n"
"with those keys; a file with any bad row imports nothing. correlate\n"
"shows each tag's rate per build in history order (per playtest hour\n"
"where the build was playtested) and, where it rose sharply, the files\n"
"changed in between ranked as suspects. bisect proposes the build to\n"
"playtest next between the last good and the first bad build.\n"
"\n"
"    --build REV     add, list: the build (any revision, resolved to its\n"
"                    snapshot id)\n"
"    --tag TAG       add: a tag (repeatable); list, correlate: only TAG;\n"
"                    bisect: the tag whose rise to bisect\n"
"    --source S      add: where the feedback came from (discord, steam)\n"
"    --min-count N   correlate, bisect: items a rise needs in the later\n"
"                    build (default 3)\n"
"    --good REV      bisect: a build known good (default: before the rise)\n"
"    --bad REV       bisect: a build known bad (default: after the rise)\n"
"    --json          list, correlate: print JSON\n";

static const char *build_opt, *source_opt, *good_opt, *bad_opt;
static char **tags;
static int ntags, json_out;
static unsigned min_count = CORRELATE_MIN_COUNT;

/* --- the log ----------------------------------------------------------- */

/* Every item of every batch, oldest batch first; each item gets the
 * batch's record id as "batch". */
static json_t *read_log(struct vlt_repo *r, int *have, struct vlt_oid *head)
{
	json_t *all = cli_json_array(), *batches = cli_json_array();
	struct vlt_record rec;
	struct vlt_oid cur;
	size_t i;

	*have = vlt_record_lookup(r, KIND, LOG, head, &rec) == 0;
	if (!*have) {
		if (vlt_error_last_code() != VLT_E_NOTFOUND)
			die("%s", vlt_error_last());
		vlt_error_clear();
		json_decref(batches);
		return all;
	}
	cur = *head;
	for (;;) {
		json_t *b = gamerec_body(&rec);
		int found = 0;

		json_object_set_new(b, "batch", json_string(vlt_oid_hex(&cur)));
		json_array_insert_new(batches, 0, b);
		for (i = 0; i < rec.nlinks; i++)
			if (rec.links[i].kind == VLT_OBJ_RECORD) {
				cur = rec.links[i].oid;
				found = 1;
			}
		vlt_record_release(&rec);
		if (!found)
			break;
		if (vlt_record_read(r, &cur, &rec) < 0)
			die("%s", vlt_error_last());
	}
	json_t *b;
	json_array_foreach(batches, i, b) {
		json_t *it;
		size_t k;

		json_array_foreach(json_object_get(b, "items"), k, it)
			cli_json_append(all, json_incref(it));
	}
	json_decref(batches);
	return all;
}

/* Append items as one batch after the current log. */
static void write_batch(struct vlt_repo *r, json_t *items)
{
	struct vlt_record rec, old;
	struct vlt_oid head, build;
	json_t *body, *it;
	size_t i;
	int have;

	have = vlt_record_lookup(r, KIND, LOG, &head, &old) == 0;
	if (!have && vlt_error_last_code() != VLT_E_NOTFOUND)
		die("%s", vlt_error_last());
	vlt_error_clear();
	if (have)
		vlt_record_release(&old);
	gamerec_new(&rec, KIND);
	json_array_foreach(items, i, it) {
		if (vlt_oid_from_hex(&build, json_string_value(
				json_object_get(it, "build"))) < 0 ||
		    vlt_record_add_link(&rec, VLT_OBJ_SNAPSHOT, &build) < 0)
			die("%s", vlt_error_last());
	}
	body = json_pack("{s:O}", "items", items);
	gamerec_set_body(&rec, body);
	json_decref(body);
	if (vlt_record_save(r, &rec, LOG, have ? &head : NULL, NULL, NULL,
			    NULL) < 0)
		die("cannot record the feedback: %s", vlt_error_last());
	vlt_record_release(&rec);
}

static const char *now_iso(void)
{
	struct vlt_record rec;
	const char *s;

	vlt_record_init(&rec);
	if (vlt_record_set_defaults(&rec) < 0)
		die("%s", vlt_error_last());
	s = print_date_iso(rec.time, rec.tz_minutes);
	vlt_record_release(&rec);
	return s;
}

/* A tag: [A-Za-z0-9._-]+, kept as given. */
static int tag_valid(const char *t)
{
	if (!*t)
		return 0;
	for (; *t; t++)
		if (!((*t >= 'a' && *t <= 'z') || (*t >= 'A' && *t <= 'Z') ||
		      (*t >= '0' && *t <= '9') || *t == '.' || *t == '_' ||
		      *t == '-'))
			return 0;
	return 1;
}

/* "2026-11-30", "2026-11-30 14:00", "2026-11-30T14:00:00Z",
 * "2026-11-30T14:00:00+01:00". */
static int time_valid(const char *s)
{
	static const char *const fmts[] = {
		"%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S",
		"%Y-%m-%d %H:%M", "%Y-%m-%d", NULL,
	};

	for (int i = 0; fmts[i]; i++) {
		struct tm tm;
		const char *end;

		memset(&tm, 0, sizeof(tm));
		if (!(end = strptime(s, fmts[i], &tm)))
			continue;
		if (!*end || !strcmp(end, "Z"))
			return 1;
		if ((end[0] == '+' || end[0] == '-') && strlen(end) == 6 &&
		    end[3] == ':')
			return 1;
	}
	return 0;
}

/*
 * One item from its fields, checked: NULL and a reason in why when the
 * build is unknown, a tag is bad, the text is empty or the time is not
 * a date. tags_s is ';'-separated (CSV) or NULL with tags_j an array.
 */
static json_t *make_item(struct vlt_repo *r, const char *build,
			 const char *tags_s, const json_t *tags_j,
			 const char *text, const char *source,
			 const char *when, struct vlt_buf *why)
{
	struct vlt_oid snap;
	enum vlt_obj_kind kind;
	json_t *it, *tl = cli_json_array();
	size_t i;

	if (!build || !*build) {
		vlt_buf_adds(why, "no build");
		goto bad;
	}
	if (vlt_rev_parse(r, build, &snap) < 0 ||
	    vlt_odb_info(r, &snap, &kind, NULL) < 0 ||
	    kind != VLT_OBJ_SNAPSHOT) {
		vlt_error_clear();
		vlt_buf_addf(why, "unknown build '%s'", build);
		goto bad;
	}
	if (tags_s) {
		const char *p = tags_s;

		while (*p) {
			size_t n = strcspn(p, ";");
			char t[128];

			snprintf(t, sizeof(t), "%.*s", (int)n, p);
			/* trim spaces around a tag */
			char *s = t, *e;
			while (*s == ' ')
				s++;
			e = s + strlen(s);
			while (e > s && e[-1] == ' ')
				*--e = '\0';
			if (*s && !tag_valid(s)) {
				vlt_buf_addf(why, "bad tag '%s'", s);
				goto bad;
			}
			if (*s)
				cli_json_append(tl, json_string(s));
			p += n + (p[n] == ';');
		}
	} else if (tags_j) {
		const json_t *t;

		json_array_foreach(tags_j, i, t) {
			if (!json_is_string(t) || !tag_valid(json_string_value(t))) {
				vlt_buf_adds(why, "bad tag");
				goto bad;
			}
			cli_json_append(tl, json_incref((json_t *)t));
		}
	}
	if (!json_array_size(tl)) {
		vlt_buf_adds(why, "no tag");
		goto bad;
	}
	if (!text || !*text) {
		vlt_buf_adds(why, "no text");
		goto bad;
	}
	if (when && *when && !time_valid(when)) {
		vlt_buf_addf(why, "bad time '%s' (want YYYY-MM-DD[THH:MM[:SS]]"
			     "[Z|+hh:mm])", when);
		goto bad;
	}
	it = json_pack("{s:s,s:o,s:o,s:o,s:s}", "build", vlt_oid_hex(&snap),
		       "tags", tl, "text", print_json_string(text),
		       "source", source && *source ? print_json_string(source)
						   : json_null(),
		       "time", when && *when ? when : now_iso());
	if (!it)
		die("out of memory");
	return it;
bad:
	json_decref(tl);
	return NULL;
}

static int cmd_add(struct vlt_repo *r, const char *text)
{
	struct vlt_buf why = VLT_BUF_INIT, joined = VLT_BUF_INIT;
	json_t *items = cli_json_array(), *it;

	if (!build_opt)
		usage_error(usage, "add needs --build REV");
	if (!ntags)
		usage_error(usage, "add needs at least one --tag");
	for (int i = 0; i < ntags; i++) {
		if (!tag_valid(tags[i]))
			usage_error(usage, "bad tag '%s' (letters, digits, "
				    "'.', '_', '-')", tags[i]);
		vlt_buf_addf(&joined, "%s%s", i ? ";" : "", tags[i]);
	}
	if (!(it = make_item(r, build_opt, joined.data, NULL, text, source_opt,
			     NULL, &why)))
		die("%s", why.data);
	cli_json_append(items, it);
	write_batch(r, items);
	printf("feedback on %.12s: %s\n",
	       json_string_value(json_object_get(it, "build")), joined.data);
	json_decref(items);
	vlt_buf_release(&why);
	vlt_buf_release(&joined);
	return 0;
}

/* CSV: a header row naming the columns, then one item per row. */
static void import_csv(struct vlt_repo *r, const char *path,
		       const struct vlt_buf *data, json_t *items, int *bad)
{
	enum { C_BUILD, C_TAGS, C_TEXT, C_SOURCE, C_TIME, C_N };
	static const char *const names[C_N] = {
		"build", "tags", "text", "source", "time",
	};
	int col[C_N];
	struct vlt_csv c;
	struct vlt_csv_row row = { 0 };
	int rc;

	for (int k = 0; k < C_N; k++)
		col[k] = -1;
	vlt_csv_init(&c, data->data, data->len);
	if ((rc = vlt_csv_next(&c, &row)) <= 0)
		die("%s: %s", path, rc < 0 ? vlt_error_last() :
		    "empty (want a header row: build,tags,text,source,time)");
	for (size_t i = 0; i < row.nr; i++) {
		const char *h = row.fields[i];
		int k;

		if (!strcmp(h, "tag"))
			h = "tags";
		for (k = 0; k < C_N && strcmp(h, names[k]); k++)
			;
		if (k == C_N)
			die("%s: line %zu: unknown column '%s' (columns: build, "
			    "tags, text, source, time)", path, row.line,
			    row.fields[i]);
		col[k] = (int)i;
	}
	if (col[C_BUILD] < 0 || col[C_TAGS] < 0 || col[C_TEXT] < 0)
		die("%s: line %zu: the header needs the columns build, tags "
		    "and text", path, row.line);
	while ((rc = vlt_csv_next(&c, &row)) == 1) {
		struct vlt_buf why = VLT_BUF_INIT;
		const char *f[C_N];
		json_t *it;

		for (int k = 0; k < C_N; k++)
			f[k] = col[k] >= 0 && (size_t)col[k] < row.nr ?
			       row.fields[col[k]] : NULL;
		if (row.nr != (size_t)0 && row.nr < (size_t)(col[C_TEXT] + 1))
			vlt_buf_addf(&why, "%zu fields, the header has more",
				     row.nr);
		it = why.len ? NULL : make_item(r, f[C_BUILD], f[C_TAGS] ?
				f[C_TAGS] : "", NULL, f[C_TEXT], f[C_SOURCE],
				f[C_TIME], &why);
		if (!it) {
			error("%s: line %zu: %s", path, row.line, why.data);
			(*bad)++;
		} else {
			cli_json_append(items, it);
		}
		vlt_buf_release(&why);
	}
	if (rc < 0) {
		error("%s: %s", path, vlt_error_last());
		(*bad)++;
	}
	vlt_csv_row_release(&row);
}

static void import_json(struct vlt_repo *r, const char *path,
			const struct vlt_buf *data, json_t *items, int *bad)
{
	json_error_t jerr;
	json_t *a = json_loadb(data->data, data->len, 0, &jerr), *o;
	size_t i;

	if (!a)
		die("%s: line %d: %s (nothing imported)", path, jerr.line,
		    jerr.text);
	if (!json_is_array(a))
		die("%s: want a JSON array of feedback objects (nothing "
		    "imported)", path);
	json_array_foreach(a, i, o) {
		struct vlt_buf why = VLT_BUF_INIT;
		const json_t *t;
		json_t *it = NULL;

		if (!json_is_object(o)) {
			vlt_buf_adds(&why, "not an object");
		} else {
			t = json_object_get(o, "tags");
			if (!t)
				t = json_object_get(o, "tag");
			it = make_item(r,
				json_string_value(json_object_get(o, "build")),
				json_is_string(t) ? json_string_value(t) : NULL,
				json_is_array(t) ? t : NULL,
				json_string_value(json_object_get(o, "text")),
				json_string_value(json_object_get(o, "source")),
				json_string_value(json_object_get(o, "time")),
				&why);
		}
		if (!it) {
			error("%s: item %zu: %s", path, i + 1, why.data);
			(*bad)++;
		} else {
			cli_json_append(items, it);
		}
		vlt_buf_release(&why);
	}
	json_decref(a);
}

static int cmd_import(struct vlt_repo *r, const char *path)
{
	struct vlt_buf data = VLT_BUF_INIT;
	json_t *items = cli_json_array();
	size_t n = strlen(path);
	const char *what = "row";
	int bad = 0;

	if (vlt_read_file_max(path, VLT_OBJ_RECORD_LIMIT, &data) < 0)
		die("cannot read %s: %s", path, vlt_error_last());
	if (n > 5 && !strcmp(path + n - 5, ".json")) {
		import_json(r, path, &data, items, &bad);
		what = "item";
	} else if (n > 4 && !strcmp(path + n - 4, ".csv")) {
		import_csv(r, path, &data, items, &bad);
	} else {
		usage_error(usage, "import wants FILE.csv or FILE.json");
	}
	if (bad)
		die("%s: %d bad %s%s: nothing imported", path, bad, what,
		    bad == 1 ? "" : "s");
	if (!json_array_size(items))
		die("%s: no feedback in it: nothing imported", path);
	write_batch(r, items);
	printf("imported %zu feedback item%s from %s\n", json_array_size(items),
	       json_array_size(items) == 1 ? "" : "s", path);
	json_decref(items);
	vlt_buf_release(&data);
	return 0;
}

static int has_tag(const json_t *it, const char *tag)
{
	const json_t *t;
	size_t i;

	json_array_foreach(json_object_get(it, "tags"), i, t)
		if (!strcmp(json_string_value(t), tag))
			return 1;
	return 0;
}

static int cmd_list(struct vlt_repo *r)
{
	struct vlt_oid head, build;
	struct vlt_buf text = VLT_BUF_INIT;
	json_t *all, *out = cli_json_array(), *it;
	size_t i;
	int have;

	if (ntags > 1)
		usage_error(usage, "list takes one --tag");
	if (build_opt)
		gamerec_snapshot(r, build_opt, &build);
	all = read_log(r, &have, &head);
	json_array_foreach(all, i, it) {
		const char *src = json_string_value(json_object_get(it, "source"));
		struct vlt_buf tl = VLT_BUF_INIT;
		const json_t *t;
		size_t k;

		if (ntags && !has_tag(it, tags[0]))
			continue;
		if (build_opt && strcmp(vlt_oid_hex(&build), json_string_value(
				json_object_get(it, "build"))))
			continue;
		if (json_out) {
			cli_json_append(out, json_incref(it));
			continue;
		}
		json_array_foreach(json_object_get(it, "tags"), k, t)
			vlt_buf_addf(&tl, "%s%s", k ? "," : "",
				     json_string_value(t));
		/* one line per item: the text's line breaks become spaces */
		vlt_buf_reset(&text);
		vlt_buf_adds(&text, json_string_value(json_object_get(it,
								      "text")));
		for (k = 0; k < text.len; k++)
			if (text.data[k] == '\n' || text.data[k] == '\r')
				text.data[k] = ' ';
		printf("%.12s  %-16s %-10s %s  %s\n",
		       json_string_value(json_object_get(it, "build")), tl.data,
		       src ? src : "-",
		       json_string_value(json_object_get(it, "time")),
		       text.data);
		vlt_buf_release(&tl);
	}
	if (json_out)
		cli_json_print(out, 0);
	else
		json_decref(out);
	json_decref(all);
	vlt_buf_release(&text);
	return 0;
}

/* --- correlate and bisect ---------------------------------------------- */

struct snap {
	struct vlt_oid oid, tree;
	int64_t time;
	int tz;
	char *msg;          /* first line, owned */
	double hours;       /* playtested */
	unsigned nitems;    /* feedback items of any tag */
	json_t *loaded;     /* object path -> sessions that loaded it */
};

struct history {
	struct snap *v;     /* oldest first */
	size_t nr, alloc;
};

static void history_release(struct history *h)
{
	for (size_t i = 0; i < h->nr; i++) {
		free(h->v[i].msg);
		json_decref(h->v[i].loaded);
	}
	free(h->v);
}

static long find_snap(const struct history *h, const struct vlt_oid *oid)
{
	for (size_t i = 0; i < h->nr; i++)
		if (!vlt_oid_cmp(&h->v[i].oid, oid))
			return (long)i;
	return -1;
}

/* The first-parent history of HEAD, oldest first. */
static void read_history(struct vlt_repo *r, struct history *h)
{
	struct vlt_oid cur;

	if (vlt_rev_parse(r, "HEAD", &cur) < 0)
		die("no history: %s", vlt_error_last());
	for (;;) {
		struct vlt_snapshot s;
		struct snap *sn;

		if (vlt_snapshot_read(r, &cur, &s) < 0) {
			vlt_error_clear();
			break;   /* the end of what is stored */
		}
		if (VLT_ALLOC_GROW(h->v, h->nr + 1, h->alloc) < 0)
			die("out of memory");
		sn = &h->v[h->nr++];
		memset(sn, 0, sizeof(*sn));
		sn->oid = cur;
		sn->tree = s.tree;
		sn->time = s.time;
		sn->tz = s.tz_minutes;
		sn->msg = strndup(s.message, strcspn(s.message, "\n"));
		sn->loaded = json_object();
		if (!sn->msg || !sn->loaded)
			die("out of memory");
		if (!s.nparents) {
			vlt_snapshot_release(&s);
			break;
		}
		cur = s.parents[0];
		vlt_snapshot_release(&s);
	}
	for (size_t i = 0; i < h->nr / 2; i++) {
		struct snap t = h->v[i];

		h->v[i] = h->v[h->nr - 1 - i];
		h->v[h->nr - 1 - i] = t;
	}
}

static int add_playtest(const struct vlt_oid *oid, const struct vlt_record *rec,
			const char *ref, void *data)
{
	struct history *h = data;
	struct vlt_oid build;
	json_t *b, *d, *p;
	long i;
	size_t k;

	(void)oid;
	if (!ref || !vlt_record_ref_short(PLAYTEST, ref))
		return 0;
	b = gamerec_body(rec);
	if (vlt_oid_from_hex(&build, json_string_value(json_object_get(b,
			"build")) ? json_string_value(json_object_get(b,
			"build")) : "") == 0 &&
	    (i = find_snap(h, &build)) >= 0) {
		d = json_object_get(b, "duration");
		if (json_is_integer(d))
			h->v[i].hours += (double)json_integer_value(d) / 3600;
		json_array_foreach(json_object_get(b, "loaded"), k, p) {
			const char *path = json_string_value(p);
			json_t *n = json_object_get(h->v[i].loaded, path);

			json_object_set_new(h->v[i].loaded, path, json_integer(
				n ? json_integer_value(n) + 1 : 1));
		}
	}
	json_decref(b);
	return 0;
}

/* Per tag: its count in each snapshot of the history. */
struct tagstat {
	char *tag;
	unsigned *count;    /* per snapshot */
};

struct stats {
	struct history h;
	struct tagstat *t;
	size_t nt, at;
};

static void stats_release(struct stats *st)
{
	for (size_t i = 0; i < st->nt; i++) {
		free(st->t[i].tag);
		free(st->t[i].count);
	}
	free(st->t);
	history_release(&st->h);
}

static struct tagstat *tag_of(struct stats *st, const char *tag)
{
	for (size_t i = 0; i < st->nt; i++)
		if (!strcmp(st->t[i].tag, tag))
			return &st->t[i];
	if (VLT_ALLOC_GROW(st->t, st->nt + 1, st->at) < 0)
		die("out of memory");
	st->t[st->nt].tag = strdup(tag);
	st->t[st->nt].count = calloc(st->h.nr ? st->h.nr : 1, sizeof(unsigned));
	if (!st->t[st->nt].tag || !st->t[st->nt].count)
		die("out of memory");
	return &st->t[st->nt++];
}

static int cmp_tag(const void *a, const void *b)
{
	return strcmp(((const struct tagstat *)a)->tag,
		      ((const struct tagstat *)b)->tag);
}

static void gather(struct vlt_repo *r, struct stats *st)
{
	struct vlt_oid head, build;
	json_t *all, *it;
	size_t i;
	int have;

	read_history(r, &st->h);
	if (vlt_record_list(r, PLAYTEST, add_playtest, &st->h) < 0)
		die("%s", vlt_error_last());
	all = read_log(r, &have, &head);
	json_array_foreach(all, i, it) {
		const json_t *t;
		size_t k;
		long s;

		if (vlt_oid_from_hex(&build, json_string_value(json_object_get(
				it, "build"))) < 0 ||
		    (s = find_snap(&st->h, &build)) < 0)
			continue;  /* a build off the history of HEAD */
		st->h.v[s].nitems++;
		json_array_foreach(json_object_get(it, "tags"), k, t)
			tag_of(st, json_string_value(t))->count[s]++;
	}
	json_decref(all);
	if (st->nt)
		qsort(st->t, st->nt, sizeof(*st->t), cmp_tag);
}

/* A tested build: feedback or a playtest. */
static int tested(const struct snap *s)
{
	return s->nitems || s->hours > 0;
}

struct suspect {
	char *path;
	double score;
	char *reason;
};

static int cmp_suspect(const void *a, const void *b)
{
	const struct suspect *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return strcmp(x->path, y->path);
}

/* The files changed from good to bad, scored (correlate_score). */
static void suspects(struct vlt_repo *r, const struct history *h, size_t good,
		     size_t bad, struct suspect **out, size_t *nout)
{
	struct vlt_diff_list l = VLT_DIFF_LIST_INIT;
	struct suspect *v;

	if (vlt_diff_trees_list(r, &h->v[good].tree, &h->v[bad].tree, NULL, 1,
				&l) < 0)
		die("cannot diff %s: %s", vlt_oid_hex(&h->v[bad].oid),
		    vlt_error_last());
	if (!(v = calloc(l.nr ? l.nr : 1, sizeof(*v))))
		die("out of memory");
	for (size_t i = 0; i < l.nr; i++) {
		const struct vlt_diff_item *it = &l.items[i];
		struct vlt_buf why = VLT_BUF_INIT;
		json_t *n = json_object_get(h->v[bad].loaded, it->path);

		v[i].path = strdup(it->path);
		v[i].score = correlate_score(it->path, (char)it->status,
			it->has_old ? it->old_e.size : 0,
			it->has_new ? it->new_e.size : 0,
			n ? (unsigned)json_integer_value(n) : 0, &why);
		v[i].reason = vlt_buf_detach(&why, NULL);
		if (!v[i].path || !v[i].reason)
			die("out of memory");
	}
	if (l.nr)
		qsort(v, l.nr, sizeof(*v), cmp_suspect);
	*out = v;
	*nout = l.nr;
	vlt_diff_list_release(&l);
}

static void suspects_free(struct suspect *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].path);
		free(v[i].reason);
	}
	free(v);
}

/* The sharpest rise of a tag between consecutive tested builds: 1 and
 * *good, *bad set, or 0. */
static int sharpest_rise(const struct stats *st, const struct tagstat *t,
			 size_t *good, size_t *bad, double *ratio)
{
	long prev = -1;
	int found = 0;

	for (size_t i = 0; i < st->h.nr; i++) {
		const struct snap *s = &st->h.v[i];
		double a, b, q;

		if (!tested(s))
			continue;
		if (prev >= 0) {
			a = correlate_rate(t->count[prev], st->h.v[prev].hours);
			b = correlate_rate(t->count[i], s->hours);
			if (correlate_rose(a, b, t->count[i], min_count)) {
				q = a > 0 ? b / a : INFINITY;
				if (!found || q > *ratio) {
					*good = (size_t)prev;
					*bad = i;
					*ratio = q;
					found = 1;
				}
			}
		}
		prev = (long)i;
	}
	return found;
}

static int cmd_correlate(struct vlt_repo *r)
{
	struct stats st = { 0 };
	json_t *out = json_out ? cli_json_array() : NULL;

	if (ntags > 1)
		usage_error(usage, "correlate takes one --tag");
	gather(r, &st);
	for (size_t k = 0; k < st.nt; k++) {
		struct tagstat *t = &st.t[k];
		json_t *o = NULL, *sa = NULL, *su = NULL;
		struct suspect *sv = NULL;
		size_t good = 0, bad = 0, nsv = 0;
		double ratio = 0;
		int rose;

		if (ntags && strcmp(t->tag, tags[0]))
			continue;
		rose = sharpest_rise(&st, t, &good, &bad, &ratio);
		if (rose)
			suspects(r, &st.h, good, bad, &sv, &nsv);
		if (out) {
			o = cli_json_object();
			sa = cli_json_array();
			su = cli_json_array();
			cli_json_set(o, "tag", json_string(t->tag));
		} else {
			printf("tag %s\n", t->tag);
		}
		for (size_t i = 0; i < st.h.nr; i++) {
			const struct snap *s = &st.h.v[i];
			double rate;

			if (!tested(s))
				continue;
			rate = correlate_rate(t->count[i], s->hours);
			if (out) {
				cli_json_append(sa, json_pack("{s:s,s:I,s:f,s:f}",
					"id", vlt_oid_hex(&s->oid),
					"count", (json_int_t)t->count[i],
					"hours", s->hours, "rate", rate));
				continue;
			}
			printf("  %.12s  %-16s %4u item%s  ", vlt_oid_hex(&s->oid),
			       print_date_short(s->time, s->tz), t->count[i],
			       t->count[i] == 1 ? " " : "s");
			if (s->hours > 0)
				printf("%6.2f/h (%.1f h played)", rate, s->hours);
			else
				printf("%6u/build (not playtested)", t->count[i]);
			printf("%s  %s\n", rose && i == bad ? "  <- rose" : "",
			       s->msg);
		}
		if (out) {
			cli_json_set(o, "snapshots", sa);
			if (rose)
				cli_json_set(o, "rise", json_pack("{s:s,s:s,s:o}",
					"good", vlt_oid_hex(&st.h.v[good].oid),
					"bad", vlt_oid_hex(&st.h.v[bad].oid),
					"ratio", isinf(ratio) ? json_null() :
					json_real(ratio)));
			else
				cli_json_set(o, "rise", json_null());
		} else if (rose) {
			if (isinf(ratio))
				printf("  rose from none at %.12s to %u at "
				       "%.12s; suspects:\n",
				       vlt_oid_hex(&st.h.v[good].oid),
				       t->count[bad], vlt_oid_hex(&st.h.v[bad].oid));
			else
				printf("  rose %.1fx from %.12s to %.12s; "
				       "suspects:\n", ratio,
				       vlt_oid_hex(&st.h.v[good].oid),
				       vlt_oid_hex(&st.h.v[bad].oid));
		} else {
			printf("  no sharp rise\n");
		}
		for (size_t i = 0; i < nsv; i++) {
			if (out)
				cli_json_append(su, json_pack("{s:o,s:f,s:s}",
					"path", print_json_string(sv[i].path),
					"score", sv[i].score,
					"reason", sv[i].reason));
			else
				printf("  %6.2f  %s  (%s)\n", sv[i].score,
				       sv[i].path, sv[i].reason);
		}
		if (out) {
			cli_json_set(o, "suspects", su);
			cli_json_append(out, o);
		}
		suspects_free(sv, nsv);
	}
	if (ntags && !out && !st.nt)
		printf("no feedback tagged %s\n", tags[0]);
	if (out)
		cli_json_print(out, CLI_JSON_PRECISION(6));
	else if (!st.nt)
		printf("no feedback on the history of HEAD\n");
	stats_release(&st);
	return 0;
}

static size_t index_of(struct vlt_repo *r, const struct history *h,
		       const char *rev)
{
	struct vlt_oid oid;
	long i;

	gamerec_snapshot(r, rev, &oid);
	if ((i = find_snap(h, &oid)) < 0)
		die("build '%s' is not on the history of HEAD", rev);
	return (size_t)i;
}

static int cmd_bisect(struct vlt_repo *r)
{
	struct stats st = { 0 };
	struct tagstat *t = NULL;
	size_t good = 0, bad = 0, left;
	double ratio;
	long next;

	if (ntags != 1)
		usage_error(usage, "bisect needs one --tag TAG");
	gather(r, &st);
	for (size_t k = 0; k < st.nt; k++)
		if (!strcmp(st.t[k].tag, tags[0]))
			t = &st.t[k];
	if (!good_opt || !bad_opt) {
		if (!t || !sharpest_rise(&st, t, &good, &bad, &ratio))
			gamerec_refuse("no sharp rise of '%s' to bisect (give "
				       "--good and --bad)", tags[0]);
	}
	if (good_opt)
		good = index_of(r, &st.h, good_opt);
	if (bad_opt)
		bad = index_of(r, &st.h, bad_opt);
	if (bad <= good)
		die("the bad build must come after the good one in history");
	printf("good %.12s  %s\nbad  %.12s  %s\n", vlt_oid_hex(&st.h.v[good].oid),
	       st.h.v[good].msg, vlt_oid_hex(&st.h.v[bad].oid), st.h.v[bad].msg);
	next = correlate_bisect(good, bad, &left);
	if (next < 0) {
		printf("no snapshot left between them: %.12s is the first bad "
		       "build\n", vlt_oid_hex(&st.h.v[bad].oid));
	} else {
		const struct snap *s = &st.h.v[next];

		printf("playtest next: %s\n", vlt_oid_hex(&s->oid));
		printf("  %s  %s\n", print_date(s->time, s->tz), s->msg);
		printf("%zu snapshot%s between good and bad; about %d more "
		       "playtest%s after this one\n", left, left == 1 ? "" : "s",
		       (int)ceil(log2((double)left + 1)) - 1,
		       (int)ceil(log2((double)left + 1)) - 1 == 1 ? "" : "s");
	}
	stats_release(&st);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "build", required_argument, NULL, 'b' },
		{ "tag", required_argument, NULL, 't' },
		{ "source", required_argument, NULL, 's' },
		{ "min-count", required_argument, NULL, 'n' },
		{ "good", required_argument, NULL, 'g' },
		{ "bad", required_argument, NULL, 'B' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *min_opt = NULL;
	struct vlt_repo *r;
	const char *cmd;
	int c, n, rc = 0;

	cli_init(argv[0]);
	if (!(tags = calloc((size_t)argc, sizeof(*tags))))
		die("out of memory");
	while ((c = cli_getopt(argc, argv, "", opts, usage)) != -1) {
		switch (c) {
		case 'b': build_opt = optarg; break;
		case 't': tags[ntags++] = optarg; break;
		case 's': source_opt = optarg; break;
		case 'n': min_opt = optarg; break;
		case 'g': good_opt = optarg; break;
		case 'B': bad_opt = optarg; break;
		case 'J': json_out = 1; break;
		}
	}
	if (min_opt) {
		char *end;
		unsigned long v;

		errno = 0;
		v = strtoul(min_opt, &end, 10);
		if (!*min_opt || *end || errno || !v || v > 1000000)
			usage_error(usage, "bad --min-count '%s'", min_opt);
		min_count = (unsigned)v;
	}
	if (optind >= argc)
		usage_error(usage, "no subcommand");
	cmd = argv[optind];
	n = argc - optind - 1;
	r = cli_open_repo();
	if (!strcmp(cmd, "add")) {
		if (n != 1)
			usage_error(usage, "add takes one TEXT");
		rc = cmd_add(r, argv[optind + 1]);
	} else if (!strcmp(cmd, "import")) {
		if (n != 1)
			usage_error(usage, "import takes one FILE");
		rc = cmd_import(r, argv[optind + 1]);
	} else if (!strcmp(cmd, "list") && !n) {
		rc = cmd_list(r);
	} else if (!strcmp(cmd, "correlate") && !n) {
		rc = cmd_correlate(r);
	} else if (!strcmp(cmd, "bisect") && !n) {
		rc = cmd_bisect(r);
	} else {
		usage_error(usage, "unknown subcommand or wrong arguments: %s",
			    cmd);
	}
	vlt_repo_free(r);
	free(tags);
	cli_flush_stdout();
	return rc;
}
