/*
 * records.c - unit tests for lib/records.c: the byte layout round trip,
 * hostile bytes (every truncation, lying lengths, a huge body, links out
 * of order, trailing bytes, a link to a missing object), kind and ref
 * names, and listing by kind from the refs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "odb.h"
#include "records.h"
#include "refs.h"
#include "tree.h"
#include "fixture.h"
#include "tap.h"

static struct vlt_repo *repo;

static struct vlt_oid a_snapshot(void)
{
	struct vlt_tree t;
	struct vlt_oid tree, oid;

	vlt_tree_init(&t);
	tree = fx_tree(repo, &t);
	oid = fx_snapshot(repo, &tree, 0, NULL, NULL, "m");
	if (vlt_odb_flush(repo) < 0)
		fx_fail("flush");
	return oid;
}

static void make(struct vlt_record *rec, const char *kind, const char *body)
{
	vlt_record_init(rec);
	if (vlt_record_set_kind(rec, kind) < 0 ||
	    vlt_record_set_body(rec, body, strlen(body)) < 0 ||
	    vlt_record_set_defaults(rec) < 0)
		fx_fail("record");
}

static void test_names(void)
{
	struct vlt_buf b = VLT_BUF_INIT;

	ok(vlt_record_kind_valid("game.milestone") &&
	   vlt_record_kind_valid("creative.asset") &&
	   vlt_record_kind_valid("game.play-test.v2"), "good kinds");
	ok(!vlt_record_kind_valid("game") && !vlt_record_kind_valid(".x") &&
	   !vlt_record_kind_valid("game.") && !vlt_record_kind_valid("Game.x") &&
	   !vlt_record_kind_valid("ga me.x") && !vlt_record_kind_valid("a/b.c") &&
	   !vlt_record_kind_valid("snapshots.x") &&
	   !vlt_record_kind_valid("tags.x"), "bad kinds refused");
	ok(vlt_record_ref_name("game.milestone", "beta", &b) == 0 &&
	   !strcmp(b.data, "refs/game/milestone/beta"),
	   "ref name refs/<persona>/<what>/<name>");
	ok(vlt_record_ref_name("game.milestone", "a..b", &b) == VLT_E_INVALID,
	   "a name that makes no valid ref is refused");
	vlt_error_clear();
	vlt_buf_release(&b);
}

static void test_round_trip(void)
{
	struct vlt_record rec, back;
	struct vlt_buf b = VLT_BUF_INIT, b2 = VLT_BUF_INIT;
	struct vlt_oid s = a_snapshot(), x;

	make(&rec, "game.milestone", "{\"name\": \"beta\"}");
	memset(&x, 0x11, sizeof(x));
	rec.time = -5;
	rec.tz_minutes = -330;
	if (vlt_record_add_link(&rec, VLT_OBJ_SNAPSHOT, &s) < 0 ||
	    vlt_record_add_link(&rec, VLT_OBJ_CHUNK, &x) < 0 ||
	    vlt_record_add_link(&rec, VLT_OBJ_SNAPSHOT, &s) < 0)
		fx_fail("links");
	is_int(rec.nlinks, 2, "a link added twice is kept once");
	ok(vlt_record_encode(&rec, &b) == 0, "encode");
	ok(b.len > 5 && !memcmp(b.data, "VREC\1", 5), "magic and version");
	ok(vlt_record_decode(b.data, b.len, &back) == 0, "decode");
	is_str(back.kind, "game.milestone", "kind");
	is_str(back.author, rec.author, "author");
	is_str(back.body, "{\"name\": \"beta\"}", "body");
	is_int(back.time, -5, "time");
	is_int(back.tz_minutes, -330, "zone");
	ok(back.nlinks == 2 && back.links[0].kind == VLT_OBJ_CHUNK &&
	   back.links[1].kind == VLT_OBJ_SNAPSHOT &&
	   !vlt_oid_cmp(&back.links[1].oid, &s), "links, sorted by kind");
	ok(vlt_record_encode(&back, &b2) == 0 && b.len == b2.len &&
	   !memcmp(b.data, b2.data, b.len), "the same bytes again");
	vlt_record_release(&back);
	vlt_record_release(&rec);
	vlt_buf_release(&b);
	vlt_buf_release(&b2);
}

/* decode must refuse with VLT_E_CORRUPT (and not crash) */
static int refused(const void *data, size_t len)
{
	struct vlt_record rec;
	int rc = vlt_record_decode(data, len, &rec);

	if (rc == 0)
		vlt_record_release(&rec);
	vlt_error_clear();
	return rc == VLT_E_CORRUPT;
}

static void test_hostile(void)
{
	struct vlt_record rec;
	struct vlt_buf b = VLT_BUF_INIT, h = VLT_BUF_INIT;
	struct vlt_oid s = a_snapshot(), x, oid;
	int all = 1;

	make(&rec, "game.playtest", "{}");
	memset(&x, 0x22, sizeof(x));
	if (vlt_record_add_link(&rec, VLT_OBJ_SNAPSHOT, &s) < 0 ||
	    vlt_record_encode(&rec, &b) < 0)
		fx_fail("encode");
	for (size_t n = 0; n < b.len; n++)
		all &= refused(b.data, n);
	ok(all, "every truncation is refused");
	all = 1;
	for (size_t n = 0; n < b.len; n++)
		for (int bit = 0; bit < 8; bit++) {
			struct vlt_record back;
			int rc;

			vlt_buf_set(&h, b.data, b.len);
			h.data[n] ^= (char)(1 << bit);
			rc = vlt_record_decode(h.data, h.len, &back);
			if (rc == 0)
				vlt_record_release(&back);
			all &= rc == 0 || rc == VLT_E_CORRUPT;
			vlt_error_clear();
		}
	ok(all, "every flipped bit decodes or is VLT_E_CORRUPT");
	vlt_buf_set(&h, b.data, b.len);
	vlt_buf_addch(&h, 'x');
	ok(refused(h.data, h.len), "bytes after the body are refused");
	h.data[4] = 2;
	ok(refused(h.data, b.len), "another version is refused");
	ok(refused("NOPE\1", 5), "a wrong magic is refused");

	/* "VREC" 1, kind, time, zone, author, then lying counts */
	vlt_buf_reset(&h);
	vlt_buf_add(&h, "VREC\1", 5);
	vlt_buf_add_varint(&h, 6);
	vlt_buf_adds(&h, "game.x");
	vlt_buf_add_varint(&h, 0);
	vlt_buf_add_varint(&h, 0);
	vlt_buf_add_varint(&h, 1);
	vlt_buf_adds(&h, "a");
	{
		size_t head = h.len;

		vlt_buf_add_varint(&h, 4000);   /* links: none follow */
		vlt_buf_add_varint(&h, 0);
		ok(refused(h.data, h.len), "a link count beyond the bytes");
		vlt_buf_setlen(&h, head);
		vlt_buf_add_varint(&h, 0);
		vlt_buf_add_varint(&h, UINT64_MAX >> 1);  /* a huge body */
		vlt_buf_adds(&h, "{}");
		ok(refused(h.data, h.len), "a huge body length is refused");
		vlt_buf_setlen(&h, head);
		vlt_buf_add_varint(&h, 0);
		vlt_buf_add_varint(&h, 3);
		vlt_buf_add(&h, "{\0}", 3);
		ok(refused(h.data, h.len), "a NUL in the body is refused");
		vlt_buf_setlen(&h, head);
		vlt_buf_add_varint(&h, 2);          /* the same link twice */
		vlt_buf_addch(&h, VLT_OBJ_CHUNK);
		vlt_buf_add(&h, x.id, VLT_OID_RAWSZ);
		vlt_buf_addch(&h, VLT_OBJ_CHUNK);
		vlt_buf_add(&h, x.id, VLT_OID_RAWSZ);
		vlt_buf_add_varint(&h, 0);
		ok(refused(h.data, h.len), "a repeated link is refused");
		vlt_buf_setlen(&h, head);
		vlt_buf_add_varint(&h, 1);
		vlt_buf_addch(&h, 9);               /* no such kind */
		vlt_buf_add(&h, x.id, VLT_OID_RAWSZ);
		vlt_buf_add_varint(&h, 0);
		ok(refused(h.data, h.len), "a bad link kind is refused");
		/* well formed, but its link names nothing stored */
		vlt_buf_setlen(&h, head);
		vlt_buf_add_varint(&h, 1);
		vlt_buf_addch(&h, VLT_OBJ_SNAPSHOT);
		vlt_buf_add(&h, x.id, VLT_OID_RAWSZ);
		vlt_buf_add_varint(&h, 2);
		vlt_buf_adds(&h, "{}");
		ok(!refused(h.data, h.len), "a dangling link decodes");
	}
	if (vlt_odb_write(repo, VLT_OBJ_RECORD, h.data, h.len, &oid) < 0 ||
	    vlt_odb_flush(repo) < 0)
		fx_fail("write");
	{
		struct vlt_record back;

		ok(vlt_record_read(repo, &oid, &back) == VLT_E_CORRUPT &&
		   strstr(vlt_error_last(), "does not exist"),
		   "reading a record whose link is missing: VLT_E_CORRUPT");
		vlt_error_clear();
		ok(vlt_record_read(repo, &s, &back) == VLT_E_INVALID,
		   "reading a snapshot as a record is refused");
		vlt_error_clear();
	}
	vlt_record_release(&rec);
	make(&rec, "game.playtest", "{}");
	vlt_record_add_link(&rec, VLT_OBJ_SNAPSHOT, &x);
	ok(vlt_record_create(repo, &rec, &oid) < 0,
	   "creating a record with a missing link is refused");
	vlt_error_clear();
	vlt_record_release(&rec);
	vlt_buf_release(&b);
	vlt_buf_release(&h);
}

struct seen {
	char names[8][64];
	int refs[8];
	int n;
};

static int collect(const struct vlt_oid *oid, const struct vlt_record *rec,
		   const char *ref, void *data)
{
	struct seen *s = data;

	(void)oid;
	if (s->n < 8) {
		snprintf(s->names[s->n], sizeof(s->names[0]), "%s %s",
			 rec->kind, rec->body);
		s->refs[s->n++] = ref != NULL;
	}
	return 0;
}

static void test_list(void)
{
	struct vlt_record a, b, c;
	struct vlt_oid snap = a_snapshot(), oa, ob, oc;
	struct vlt_buf ref = VLT_BUF_INIT;
	struct seen s;

	make(&a, "game.feedback", "1");
	make(&b, "game.milestone", "2");
	make(&c, "creative.asset", "3");
	if (vlt_record_create(repo, &a, &oa) < 0 ||
	    vlt_record_add_link(&b, VLT_OBJ_SNAPSHOT, &snap) < 0 ||
	    vlt_record_add_link(&b, VLT_OBJ_RECORD, &oa) < 0 ||
	    vlt_record_create(repo, &b, &ob) < 0 ||
	    vlt_record_create(repo, &c, &oc) < 0 ||
	    vlt_record_ref_name("game.milestone", "beta", &ref) < 0 ||
	    vlt_ref_update(repo, ref.data, &ob, NULL, "record") < 0 ||
	    vlt_record_ref_name("creative.asset", "hero", &ref) < 0 ||
	    vlt_ref_update(repo, ref.data, &oc, NULL, "record") < 0 ||
	    vlt_ref_update(repo, "refs/snapshots/main", &snap, NULL, "s") < 0)
		fx_fail("setup");
	memset(&s, 0, sizeof(s));
	ok(vlt_record_list(repo, NULL, collect, &s) == 0 && s.n == 3,
	   "every record: two named by refs, one linked");
	ok(s.n == 3 && !strcmp(s.names[0], "creative.asset 3") && s.refs[0] &&
	   !strcmp(s.names[1], "game.milestone 2") && s.refs[1] &&
	   !strcmp(s.names[2], "game.feedback 1") && !s.refs[2],
	   "in ref order, a linked record after the one linking it");
	memset(&s, 0, sizeof(s));
	ok(vlt_record_list(repo, "game", collect, &s) == 0 && s.n == 2,
	   "a persona's records");
	memset(&s, 0, sizeof(s));
	ok(vlt_record_list(repo, "game.milestone", collect, &s) == 0 &&
	   s.n == 1 && !strcmp(s.names[0], "game.milestone 2"), "one kind");
	vlt_record_release(&a);
	vlt_record_release(&b);
	vlt_record_release(&c);
	vlt_buf_release(&ref);
}


/* vlt_record_ref_short, _lookup, _save: a new name, the next version
 * linking the old, compare-and-swap on the ref, a prepare hook. */
static int prep_calls;

static int prep(struct vlt_repo *r, struct vlt_record *rec, void *data)
{
	(void)r;
	prep_calls++;
	return vlt_record_set_body(rec, data, strlen(data));
}

static int prep_fails(struct vlt_repo *r, struct vlt_record *rec, void *data)
{
	(void)r;
	(void)rec;
	(void)data;
	return vlt_error_set(VLT_E_IO, "cannot attach x");
}

static void test_save(void)
{
	struct vlt_record rec, got;
	struct vlt_oid snap = a_snapshot(), v1, v2, cur, stale;
	int linked = 0;

	is_str(vlt_record_ref_short("game.milestone", "refs/game/milestone/beta"),
	       "beta", "ref_short: the name");
	is_str(vlt_record_ref_short("game.build", "refs/game/build/win/ab"),
	       "win/ab", "ref_short: a name with a slash");
	ok(!vlt_record_ref_short("game.milestone", "refs/game/milestones/x"),
	   "ref_short: another kind's ref");
	ok(!vlt_record_ref_short("game.milestone", "refs/game/milestone/"),
	   "ref_short: no name");
	ok(vlt_record_lookup(repo, "game.milestone", "gold", &cur, &got) ==
	   VLT_E_NOTFOUND, "lookup: none yet");
	is_str(vlt_error_last(), "no milestone named 'gold'", "says so");

	vlt_record_init(&rec);
	ok(vlt_record_set_kind(&rec, "game.milestone") == 0 &&
	   vlt_record_set_defaults(&rec) == 0 &&
	   vlt_record_add_link(&rec, VLT_OBJ_SNAPSHOT, &snap) == 0 &&
	   vlt_record_save(repo, &rec, "gold", NULL, prep, "{\"v\":1}", &v1) == 0,
	   "save a new record");
	is_int(prep_calls, 1, "the prepare hook ran");
	vlt_record_release(&rec);
	vlt_record_init(&rec);
	vlt_record_set_kind(&rec, "game.milestone");
	vlt_record_set_defaults(&rec);
	ok(vlt_record_save(repo, &rec, "gold", NULL, NULL, NULL, NULL) ==
	   VLT_E_EXISTS, "a new name that exists is refused");
	ok(vlt_record_save(repo, &rec, "gold", &v1, prep, "{\"v\":2}", &v2) == 0,
	   "save the next version");
	vlt_record_release(&rec);
	ok(vlt_record_lookup(repo, "game.milestone", "gold", &cur, &got) == 0 &&
	   !vlt_oid_cmp(&cur, &v2), "lookup finds the new version");
	for (size_t i = 0; i < got.nlinks; i++)
		linked |= got.links[i].kind == VLT_OBJ_RECORD &&
			  !vlt_oid_cmp(&got.links[i].oid, &v1);
	ok(linked, "which links the old one");
	is_str(got.body, "{\"v\":2}", "with its body");
	vlt_record_release(&got);

	stale = v1;
	vlt_record_init(&rec);
	vlt_record_set_kind(&rec, "game.milestone");
	vlt_record_set_defaults(&rec);
	ok(vlt_record_save(repo, &rec, "gold", &stale, NULL, NULL, NULL) ==
	   VLT_E_CONFLICT, "a stale old version is a conflict");
	vlt_record_release(&rec);
	vlt_record_init(&rec);
	vlt_record_set_kind(&rec, "game.milestone");
	vlt_record_set_defaults(&rec);
	ok(vlt_record_save(repo, &rec, "gold", &v2, prep_fails, NULL, NULL) ==
	   VLT_E_IO, "a failing prepare hook stops the save");
	is_str(vlt_error_last(), "cannot attach x", "with its message");
	vlt_record_release(&rec);
	ok(vlt_record_lookup(repo, "game.milestone", "gold", &cur, &got) == 0 &&
	   !vlt_oid_cmp(&cur, &v2), "and the ref did not move");
	vlt_record_release(&got);
	vlt_record_init(&rec);
	vlt_record_set_kind(&rec, "game.playtest");
	vlt_record_set_defaults(&rec);
	vlt_record_set_body(&rec, "{}", 2);
	ok(vlt_record_save(repo, &rec, "9", NULL, NULL, NULL, NULL) == 0 &&
	   vlt_record_lookup(repo, "game.milestone", "9", &cur, &got) ==
	   VLT_E_NOTFOUND, "lookup is by kind");
	vlt_record_release(&rec);
}

int main(void)
{
	tap_plan_lazy();
	repo = fx_repo("repo");
	test_names();
	test_round_trip();
	test_hostile();
	test_list();
	test_save();
	vlt_repo_free(repo);
	return tap_done();
}
