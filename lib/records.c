/*
 * records.c - record objects: encoding, checks, storage and listing (see
 * records.h; the byte layout is Documentation/format.md, section 6.5).
 *
 * Records come from anyone who can write a ref, so the decoder trusts
 * nothing: every length is checked against what is left of the object
 * before it is used, and anything the format does not allow is
 * VLT_E_CORRUPT, never a crash or a huge allocation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "gc.h"
#include "odb.h"
#include "oidset.h"
#include "records.h"
#include "refs.h"
#include "tree.h"

#define RECORD_MAGIC "VREC"
#define RECORD_VERSION 1

void vlt_record_init(struct vlt_record *rec)
{
	memset(rec, 0, sizeof(*rec));
}

void vlt_record_release(struct vlt_record *rec)
{
	free(rec->kind);
	free(rec->author);
	free(rec->links);
	free(rec->body);
	memset(rec, 0, sizeof(*rec));
}

int vlt_record_set_kind(struct vlt_record *rec, const char *kind)
{
	char *k = strdup(kind);

	if (!k)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	free(rec->kind);
	rec->kind = k;
	return 0;
}

int vlt_record_set_body(struct vlt_record *rec, const void *body, size_t len)
{
	char *b = malloc(len + 1);

	if (!b)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	if (len)
		memcpy(b, body, len);
	b[len] = '\0';
	free(rec->body);
	rec->body = b;
	rec->body_len = len;
	return 0;
}

int vlt_record_add_link(struct vlt_record *rec, enum vlt_obj_kind kind,
			const struct vlt_oid *oid)
{
	for (size_t i = 0; i < rec->nlinks; i++)
		if (rec->links[i].kind == kind &&
		    !vlt_oid_cmp(&rec->links[i].oid, oid))
			return 0;
	if (VLT_ALLOC_GROW(rec->links, rec->nlinks + 1, rec->links_alloc) < 0)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	rec->links[rec->nlinks].kind = kind;
	rec->links[rec->nlinks].oid = *oid;
	rec->nlinks++;
	return 0;
}

int vlt_record_set_defaults(struct vlt_record *rec)
{
	struct vlt_snapshot s;
	int err;

	/* one place reads who and when: the snapshot's defaults */
	vlt_snapshot_init(&s);
	if ((err = vlt_snapshot_set_defaults(&s)) == 0) {
		free(rec->author);
		rec->author = s.author;
		s.author = NULL;
		rec->time = s.time;
		rec->tz_minutes = s.tz_minutes;
	}
	vlt_snapshot_release(&s);
	return err;
}

static int persona_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

int vlt_record_kind_valid(const char *kind)
{
	const char *dot = strchr(kind, '.');
	size_t n = strlen(kind);

	if (!dot || dot == kind || !dot[1] || n > VLT_RECORD_KIND_MAX)
		return 0;
	for (const char *p = kind; p < dot; p++)
		if (!persona_char((unsigned char)*p))
			return 0;
	for (const char *p = dot + 1; *p; p++)
		if (!persona_char((unsigned char)*p) && *p != '.')
			return 0;
	/* the persona is a folder under refs/: keep off the core's own */
	if ((dot - kind == 9 && !strncmp(kind, "snapshots", 9)) ||
	    (dot - kind == 4 && !strncmp(kind, "tags", 4)))
		return 0;
	return 1;
}

int vlt_record_ref_name(const char *kind, const char *name,
			struct vlt_buf *out)
{
	const char *dot;
	int err;

	if (!vlt_record_kind_valid(kind))
		return vlt_error_set(VLT_E_INVALID, "bad record kind '%s' (want "
				     "<persona>.<what>, such as game.milestone)",
				     kind);
	dot = strchr(kind, '.');
	vlt_buf_reset(out);
	if (!strncmp(name, "refs/", 5))
		err = vlt_buf_adds(out, name);  /* a full ref name, as given */
	else
		err = vlt_buf_addf(out, "refs/%.*s/%s/%s", (int)(dot - kind),
				   kind, dot + 1, name);
	if (err < 0)
		return err;
	if (!vlt_ref_name_valid(out->data))
		return vlt_error_set(VLT_E_INVALID, "'%s' makes no valid ref "
				     "name (%s)", name, out->data);
	return 0;
}

static uint64_t zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static int64_t unzigzag(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

static int author_valid(const char *a, size_t len)
{
	if (!len || len > VLT_RECORD_AUTHOR_MAX)
		return 0;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)a[i] < 0x20 || a[i] == 0x7f)
			return 0;
	return 1;
}

static int cmp_link(const void *a, const void *b)
{
	const struct vlt_record_link *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return vlt_oid_cmp(&x->oid, &y->oid);
}

int vlt_record_encode(struct vlt_record *rec, struct vlt_buf *out)
{
	size_t alen = rec->author ? strlen(rec->author) : 0;

	if (!rec->kind || !vlt_record_kind_valid(rec->kind))
		return vlt_error_set(VLT_E_INVALID, "bad record kind '%s' (want "
				     "<persona>.<what>, such as game.milestone)",
				     rec->kind ? rec->kind : "");
	if (!author_valid(rec->author, alen))
		return vlt_error_set(VLT_E_INVALID, "a record's author must be "
				     "1 to %d bytes without control characters",
				     VLT_RECORD_AUTHOR_MAX);
	if (rec->tz_minutes <= -1440 || rec->tz_minutes >= 1440)
		return vlt_error_set(VLT_E_INVALID, "bad zone offset %d",
				     rec->tz_minutes);
	if (rec->nlinks > VLT_RECORD_LINKS_MAX)
		return vlt_error_set(VLT_E_INVALID, "a record links at most %d "
				     "objects", VLT_RECORD_LINKS_MAX);
	if (rec->body_len && memchr(rec->body, '\0', rec->body_len))
		return vlt_error_set(VLT_E_INVALID, "a record's body holds a NUL "
				     "byte");
	if (rec->nlinks)
		qsort(rec->links, rec->nlinks, sizeof(*rec->links), cmp_link);
	for (size_t i = 0; i < rec->nlinks; i++) {
		if (rec->links[i].kind <= VLT_OBJ_NONE ||
		    rec->links[i].kind > VLT_OBJ_RECORD)
			return vlt_error_set(VLT_E_INVALID, "bad link kind %d",
					     rec->links[i].kind);
		if (i && !cmp_link(&rec->links[i - 1], &rec->links[i]))
			return vlt_error_set(VLT_E_INVALID, "link %s twice",
					     vlt_oid_hex(&rec->links[i].oid));
	}
	vlt_buf_reset(out);
	VLT_TRY(vlt_buf_add(out, RECORD_MAGIC, 4));
	VLT_TRY(vlt_buf_addch(out, RECORD_VERSION));
	VLT_TRY(vlt_buf_add_varint(out, strlen(rec->kind)));
	VLT_TRY(vlt_buf_adds(out, rec->kind));
	VLT_TRY(vlt_buf_add_varint(out, zigzag(rec->time)));
	VLT_TRY(vlt_buf_add_varint(out, zigzag(rec->tz_minutes)));
	VLT_TRY(vlt_buf_add_varint(out, alen));
	VLT_TRY(vlt_buf_add(out, rec->author, alen));
	VLT_TRY(vlt_buf_add_varint(out, rec->nlinks));
	for (size_t i = 0; i < rec->nlinks; i++) {
		VLT_TRY(vlt_buf_addch(out, (int)rec->links[i].kind));
		VLT_TRY(vlt_buf_add(out, rec->links[i].oid.id, VLT_OID_RAWSZ));
	}
	VLT_TRY(vlt_buf_add_varint(out, rec->body_len));
	VLT_TRY(vlt_buf_add(out, rec->body ? rec->body : "", rec->body_len));
	if (out->len > VLT_OBJ_RECORD_LIMIT)
		return vlt_error_set(VLT_E_INVALID, "the record is %zu bytes, "
				     "more than the format's limit of %u",
				     out->len, VLT_OBJ_RECORD_LIMIT);
	return 0;
}

static int bad(const char *what)
{
	return vlt_error_set(VLT_E_CORRUPT, "damaged record: %s", what);
}

/* A varint length that must fit in what is left and in max. */
static int get_len(const unsigned char **p, const unsigned char *end,
		   uint64_t max, size_t *out, const char *what)
{
	uint64_t v;

	if (vlt_varint_get(p, end, &v) < 0) {
		vlt_error_clear();
		return bad(what);
	}
	if (v > max || v > (uint64_t)(end - *p))
		return bad(what);
	*out = (size_t)v;
	return 0;
}

static int decode(const unsigned char *p, const unsigned char *end,
		  struct vlt_record *rec)
{
	uint64_t v;
	size_t n;

	if (end - p < 5 || memcmp(p, RECORD_MAGIC, 4))
		return bad("no VREC magic");
	if (p[4] != RECORD_VERSION)
		return vlt_error_set(VLT_E_CORRUPT, "damaged record: version %u "
				     "(this vault reads version %d)", p[4],
				     RECORD_VERSION);
	p += 5;
	VLT_TRY(get_len(&p, end, VLT_RECORD_KIND_MAX, &n, "bad kind length"));
	if (!(rec->kind = strndup((const char *)p, n)))
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	if (strlen(rec->kind) != n || !vlt_record_kind_valid(rec->kind))
		return bad("bad kind");
	p += n;
	if (vlt_varint_get(&p, end, &v) < 0) {
		vlt_error_clear();
		return bad("bad time");
	}
	rec->time = unzigzag(v);
	if (vlt_varint_get(&p, end, &v) < 0 || v >= 2 * 1440 ||
	    unzigzag(v) <= -1440) {
		vlt_error_clear();
		return bad("bad zone offset");
	}
	rec->tz_minutes = (int)unzigzag(v);
	VLT_TRY(get_len(&p, end, VLT_RECORD_AUTHOR_MAX, &n,
			"bad author length"));
	if (!author_valid((const char *)p, n))
		return bad("bad author");
	if (!(rec->author = strndup((const char *)p, n)))
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	p += n;
	/* each link takes 33 bytes: a count beyond what is left is a lie */
	if (vlt_varint_get(&p, end, &v) < 0 || v > VLT_RECORD_LINKS_MAX ||
	    v > (uint64_t)(end - p) / (1 + VLT_OID_RAWSZ)) {
		vlt_error_clear();
		return bad("bad number of links");
	}
	if (v && !(rec->links = calloc((size_t)v, sizeof(*rec->links))))
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	rec->links_alloc = (size_t)v;
	for (size_t i = 0; i < (size_t)v; i++) {
		struct vlt_record_link *l = &rec->links[i];

		if (p[0] <= VLT_OBJ_NONE || p[0] > VLT_OBJ_RECORD)
			return bad("bad link kind");
		l->kind = (enum vlt_obj_kind)p[0];
		memcpy(l->oid.id, p + 1, VLT_OID_RAWSZ);
		p += 1 + VLT_OID_RAWSZ;
		rec->nlinks++;
		if (i && cmp_link(&rec->links[i - 1], l) >= 0)
			return bad("links not sorted or repeated");
	}
	VLT_TRY(get_len(&p, end, VLT_OBJ_RECORD_LIMIT, &n, "bad body length"));
	if (memchr(p, '\0', n))
		return bad("NUL byte in the body");
	VLT_TRY(vlt_record_set_body(rec, p, n));
	p += n;
	if (p != end)
		return bad("bytes after the body");
	return 0;
}

int vlt_record_decode(const void *data, size_t len, struct vlt_record *rec)
{
	int err;

	vlt_record_init(rec);
	if (len > VLT_OBJ_RECORD_LIMIT)
		return bad("larger than the format's limit");
	if ((err = decode(data, (const unsigned char *)data + len, rec)) < 0)
		vlt_record_release(rec);
	return err;
}

int vlt_record_format(const struct vlt_record *rec, struct vlt_buf *out)
{
	int tz = rec->tz_minutes < 0 ? -rec->tz_minutes : rec->tz_minutes;

	VLT_TRY(vlt_buf_addf(out, "kind %s\ntime %lld %c%02d%02d\nauthor %s\n",
			     rec->kind, (long long)rec->time,
			     rec->tz_minutes < 0 ? '-' : '+', tz / 60, tz % 60,
			     rec->author));
	for (size_t i = 0; i < rec->nlinks; i++)
		VLT_TRY(vlt_buf_addf(out, "link %s %s\n",
				     vlt_obj_kind_name(rec->links[i].kind),
				     vlt_oid_hex(&rec->links[i].oid)));
	VLT_TRY(vlt_buf_addch(out, '\n'));
	VLT_TRY(vlt_buf_add(out, rec->body, rec->body_len));
	if (rec->body_len && rec->body[rec->body_len - 1] != '\n')
		VLT_TRY(vlt_buf_addch(out, '\n'));
	return 0;
}

/* Every link's target exists with the kind the record says. */
static int check_links(struct vlt_repo *r, const struct vlt_record *rec,
		       const char *what)
{
	for (size_t i = 0; i < rec->nlinks; i++) {
		const struct vlt_record_link *l = &rec->links[i];
		enum vlt_obj_kind kind;
		int err = vlt_odb_info(r, &l->oid, &kind, NULL);

		if (err == VLT_E_NOTFOUND)
			return vlt_error_set(VLT_E_CORRUPT, "%s: it links to %s "
					     "%s, which does not exist", what,
					     vlt_obj_kind_name(l->kind),
					     vlt_oid_hex(&l->oid));
		if (err < 0)
			return err;
		if (kind != l->kind)
			return vlt_error_set(VLT_E_CORRUPT, "%s: it links to %s "
					     "as a %s, but that is a %s", what,
					     vlt_oid_hex(&l->oid),
					     vlt_obj_kind_name(l->kind),
					     vlt_obj_kind_name(kind));
	}
	return 0;
}

int vlt_record_create(struct vlt_repo *r, struct vlt_record *rec,
		      struct vlt_oid *oid_out)
{
	struct vlt_buf enc = VLT_BUF_INIT;
	int err;

	if ((err = vlt_record_encode(rec, &enc)) == 0 &&
	    (err = check_links(r, rec, "new record")) == 0 &&
	    (err = vlt_odb_write(r, VLT_OBJ_RECORD, enc.data, enc.len,
				 oid_out)) == 0)
		err = vlt_odb_flush(r);
	vlt_buf_release(&enc);
	return err;
}

int vlt_record_read(struct vlt_repo *r, const struct vlt_oid *oid,
		    struct vlt_record *rec)
{
	struct vlt_buf b = VLT_BUF_INIT;
	char what[16 + VLT_OID_HEXSZ];
	int err;

	vlt_record_init(rec);
	snprintf(what, sizeof(what), "record %s", vlt_oid_hex(oid));
	if ((err = vlt_odb_read_kind(r, oid, VLT_OBJ_RECORD, &b)) < 0) {
		vlt_buf_release(&b);
		return err;
	}
	err = vlt_record_decode(b.data, b.len, rec);
	vlt_buf_release(&b);
	if (err < 0)
		return vlt_error_wrap(err, "%s", what);
	if ((err = check_links(r, rec, what)) < 0)
		vlt_record_release(rec);
	return err;
}

/* --- listing ------------------------------------------------------------- */

struct lister {
	struct vlt_repo *r;
	const char *kind;
	vlt_record_fn fn;
	void *data;
	struct vlt_oidset seen;
	struct vlt_oid *todo;   /* records reached through links */
	size_t nr, alloc;
};

static int kind_matches(const char *want, const char *kind)
{
	size_t n;

	if (!want)
		return 1;
	if (!strcmp(want, kind))
		return 1;
	/* a persona alone: "game" matches "game.milestone" */
	n = strlen(want);
	return !strchr(want, '.') && !strncmp(want, kind, n) && kind[n] == '.';
}

static int visit(struct lister *ls, const struct vlt_oid *oid,
		 const char *ref)
{
	struct vlt_record rec;
	int err, added = vlt_oidset_insert(&ls->seen, oid);

	if (added < 0)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	if (!added)
		return 0;
	if ((err = vlt_record_read(ls->r, oid, &rec)) < 0)
		return ref ? vlt_error_wrap(err, "ref %s", ref) : err;
	for (size_t i = rec.nlinks; i-- > 0 && !err;) {
		if (rec.links[i].kind != VLT_OBJ_RECORD)
			continue;
		if (VLT_ALLOC_GROW(ls->todo, ls->nr + 1, ls->alloc) < 0)
			err = vlt_error_set(VLT_E_NOMEM, "out of memory");
		else
			ls->todo[ls->nr++] = rec.links[i].oid;
	}
	if (!err && kind_matches(ls->kind, rec.kind))
		err = ls->fn(oid, &rec, ref, ls->data);
	vlt_record_release(&rec);
	return err;
}

static int list_ref(const char *name, const struct vlt_oid *oid, void *data)
{
	struct lister *ls = data;
	enum vlt_obj_kind kind;
	int err = vlt_odb_info(ls->r, oid, &kind, NULL);

	if (err == VLT_E_NOTFOUND) {
		vlt_error_clear();
		return 0;   /* a ref to nothing: fsck's to report */
	}
	if (err < 0)
		return err;
	if (kind != VLT_OBJ_RECORD)
		return 0;
	if ((err = visit(ls, oid, name)) != 0)
		return err;
	/* what this record links to, depth first, before the next ref */
	while (ls->nr && !err) {
		struct vlt_oid next = ls->todo[--ls->nr];

		err = visit(ls, &next, NULL);
	}
	return err;
}

int vlt_record_list(struct vlt_repo *r, const char *kind, vlt_record_fn fn,
		    void *data)
{
	struct lister ls = { r, kind, fn, data, VLT_OIDSET_INIT, NULL, 0, 0 };
	int err = vlt_ref_for_each(r, "refs/", list_ref, &ls);

	vlt_oidset_release(&ls.seen);
	free(ls.todo);
	return err;
}

const char *vlt_record_ref_short(const char *kind, const char *ref)
{
	const char *dot = strchr(kind, '.');
	size_t plen, wlen;

	if (!dot || strncmp(ref, "refs/", 5))
		return NULL;
	ref += 5;
	plen = (size_t)(dot - kind);
	wlen = strlen(dot + 1);
	if (strncmp(ref, kind, plen) || ref[plen] != '/')
		return NULL;
	ref += plen + 1;
	if (strncmp(ref, dot + 1, wlen) || ref[wlen] != '/' || !ref[wlen + 1])
		return NULL;
	return ref + wlen + 1;
}

int vlt_record_lookup(struct vlt_repo *r, const char *kind, const char *name,
		      struct vlt_oid *oid_out, struct vlt_record *rec)
{
	struct vlt_buf ref = VLT_BUF_INIT;
	int err;

	vlt_record_init(rec);
	if ((err = vlt_record_ref_name(kind, name, &ref)) < 0)
		goto done;
	if ((err = vlt_ref_read(r, ref.data, oid_out)) < 0) {
		if (err == VLT_E_NOTFOUND)
			err = vlt_error_set(VLT_E_NOTFOUND, "no %s named '%s'",
					    strchr(kind, '.') + 1, name);
		goto done;
	}
	if ((err = vlt_record_read(r, oid_out, rec)) < 0)
		goto done;
	if (strcmp(rec->kind, kind)) {
		err = vlt_error_set(VLT_E_INVALID, "%s names a %s record, not "
				    "a %s", ref.data, rec->kind, kind);
		vlt_record_release(rec);
	}
done:
	vlt_buf_release(&ref);
	return err;
}

/* Under the writer lock: store, settle against a concurrent gc, move the
 * ref. The lock is released by the caller whatever happens. */
static int save_locked(struct vlt_repo *r, struct vlt_record *rec,
		       struct vlt_repo_lock *lock, uint64_t *gen,
		       const char *refname, const struct vlt_oid *old,
		       struct vlt_oid *oid)
{
	struct vlt_buf msg = VLT_BUF_INIT;
	struct vlt_oid zero;
	int err;

	memset(&zero, 0, sizeof(zero));
	if ((err = vlt_record_create(r, rec, oid)) < 0 ||
	    (err = vlt_writer_settle(r, lock, gen, oid)) < 0)
		return err;
	if ((err = vlt_buf_addf(&msg, "record: %s", rec->kind)) == 0)
		err = vlt_ref_update(r, refname, oid, old ? old : &zero,
				     msg.data);
	vlt_buf_release(&msg);
	return err;
}

int vlt_record_save(struct vlt_repo *r, struct vlt_record *rec,
		    const char *name, const struct vlt_oid *old,
		    vlt_record_prepare_fn prepare, void *data,
		    struct vlt_oid *oid_out)
{
	struct vlt_buf ref = VLT_BUF_INIT;
	struct vlt_repo_lock lock = { 0 };
	struct vlt_oid oid, cur;
	uint64_t gen;
	int err, err2;

	if ((err = vlt_record_ref_name(rec->kind, name, &ref)) < 0)
		goto done;
	if (!old && vlt_ref_read(r, ref.data, &cur) == 0) {
		err = vlt_error_set(VLT_E_EXISTS, "a %s named '%s' exists "
				    "already", strchr(rec->kind, '.') + 1,
				    name);
		goto done;
	}
	vlt_error_clear();
	if (old && (err = vlt_record_add_link(rec, VLT_OBJ_RECORD, old)) < 0)
		goto done;
	if ((err = vlt_writer_begin(r, &lock, &gen, "record")) < 0)
		goto done;
	err = prepare ? prepare(r, rec, data) : 0;
	if (!err)
		err = save_locked(r, rec, &lock, &gen, ref.data, old, &oid);
	if (err < 0) {
		/* keep the first error's message across the unlock */
		struct vlt_buf m = VLT_BUF_INIT;

		vlt_buf_adds(&m, vlt_error_last());
		vlt_writer_end(r, &lock);
		err = vlt_error_set(err, "%s", m.data);
		vlt_buf_release(&m);
		goto done;
	}
	if ((err2 = vlt_writer_end(r, &lock)) < 0) {
		err = err2;
		goto done;
	}
	if (oid_out)
		*oid_out = oid;
done:
	vlt_buf_release(&ref);
	return err;
}
