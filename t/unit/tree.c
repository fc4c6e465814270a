/*
 * tree.c - unit tests: file, tree and snapshot objects encode and decode
 * exactly; malformed and hostile encodings are refused.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "tap.h"
#include "tree.h"

static struct vlt_oid oid_of(int n)
{
	struct vlt_oid o;

	memset(&o, n, sizeof(o));
	return o;
}

static void test_file(void)
{
	struct vlt_file f, g;
	struct vlt_buf b = VLT_BUF_INIT;
	struct vlt_oid a = oid_of(1), c = oid_of(2);

	vlt_file_init(&f);
	vlt_file_add(&f, &a, 1000);
	vlt_file_add(&f, &c, 24);
	vlt_file_encode(&f, &b);
	ok(vlt_file_decode(b.data, b.len, &g) == 0 && g.nr == 2 &&
	   g.size == 1024 && g.chunks[1].len == 24 &&
	   !vlt_oid_cmp(&g.chunks[0].oid, &a), "file object round trip");
	vlt_file_release(&g);
	ok(vlt_file_decode(b.data, b.len - 1, &g) == VLT_E_CORRUPT,
	   "truncated file object refused");
	b.data[1] ^= 1;  /* the total size */
	ok(vlt_file_decode(b.data, b.len, &g) == VLT_E_CORRUPT,
	   "sizes that do not add up are refused");
	vlt_file_release(&f);
	vlt_file_init(&f);
	vlt_file_encode(&f, &b);
	ok(vlt_file_decode(b.data, b.len, &g) == 0 && g.nr == 0 && g.size == 0,
	   "empty file object");
	vlt_file_release(&g);
	vlt_file_release(&f);
	vlt_buf_release(&b);
}

static void test_tree(void)
{
	struct vlt_tree t, u;
	struct vlt_buf b = VLT_BUF_INIT;
	struct vlt_oid o = oid_of(7);
	const struct vlt_tree_entry *e;

	vlt_tree_init(&t);
	vlt_tree_add(&t, "zeta.png", VLT_ENTRY_FILE, 0100644, 5, 1700000000,
		     123456789, &o);
	vlt_tree_add(&t, "Älpha – ü.obj", VLT_ENTRY_FILE, 0755, 0, -5, 0, &o);
	vlt_tree_add(&t, "link", VLT_ENTRY_SYMLINK, 0777, 9, 1, 2, &o);
	vlt_tree_add(&t, "dir", VLT_ENTRY_DIR, 0700, 0, 3, 4, &o);
	ok(vlt_tree_encode(&t, &b) == 0, "tree encodes");
	ok(vlt_tree_decode(b.data, b.len, &u) == 0 && u.nr == 4, "tree decodes");
	ok(!strcmp(u.entries[0].name, "dir") && !strcmp(u.entries[3].name,
	   "Älpha – ü.obj"), "entries sorted bytewise");
	e = vlt_tree_find(&u, "zeta.png");
	ok(e && e->size == 5 && e->mtime_sec == 1700000000 &&
	   e->mtime_nsec == 123456789 && e->mode == 0644,
	   "size, mtime (ns) and mode kept");
	e = vlt_tree_find(&u, "Älpha – ü.obj");
	ok(e && e->mtime_sec == -5 && e->mode == 0755, "negative mtime, exec bit");
	ok(vlt_tree_find(&u, "nope") == NULL, "absent name not found");
	vlt_tree_release(&u);

	vlt_tree_add(&t, "dir", VLT_ENTRY_FILE, 0644, 0, 0, 0, &o);
	ok(vlt_tree_encode(&t, &b) == VLT_E_INVALID, "duplicate names refused");
	vlt_tree_release(&t);

	{
		static const char *bad[] = { "..", ".", "", "a/b" };

		for (int i = 0; i < 4; i++) {
			vlt_tree_init(&t);
			vlt_tree_add(&t, bad[i], VLT_ENTRY_FILE, 0644, 0, 0, 0, &o);
			ok(vlt_tree_encode(&t, &b) == VLT_E_INVALID,
			   "encode refuses name '%s'", bad[i]);
			vlt_tree_release(&t);
		}
	}
	{
		/* hand-craft hostile trees: the decoder is the last line */
		static const char *hostile[] = { "..", "a/../../etc", "/etc",
						 "x\0y" };
		static const size_t lens[] = { 2, 11, 4, 3 };

		for (int i = 0; i < 4; i++) {
			vlt_buf_reset(&b);
			vlt_buf_addch(&b, 1);          /* version */
			vlt_buf_add_varint(&b, 1);     /* count */
			vlt_buf_addch(&b, VLT_ENTRY_FILE);
			vlt_buf_add_varint(&b, 0644);
			vlt_buf_add_varint(&b, lens[i]);
			vlt_buf_add(&b, hostile[i], lens[i]);
			vlt_buf_add_varint(&b, 0);
			vlt_buf_add_varint(&b, 0);
			vlt_buf_add_varint(&b, 0);
			vlt_buf_add(&b, o.id, 32);
			vlt_buf_add_varint(&b, 0);
			ok(vlt_tree_decode(b.data, b.len, &u) == VLT_E_UNSAFE,
			   "decode refuses hostile name #%d", i);
		}
		/* the same framing with a good name decodes */
		vlt_buf_reset(&b);
		vlt_buf_addch(&b, 1);
		vlt_buf_add_varint(&b, 1);
		vlt_buf_addch(&b, VLT_ENTRY_FILE);
		vlt_buf_add_varint(&b, 0644);
		vlt_buf_add_varint(&b, 2);
		vlt_buf_add(&b, "ok", 2);
		vlt_buf_add_varint(&b, 0);
		vlt_buf_add_varint(&b, 0);
		vlt_buf_add_varint(&b, 0);
		vlt_buf_add(&b, o.id, 32);
		vlt_buf_add_varint(&b, 0);
		ok(vlt_tree_decode(b.data, b.len, &u) == 0, "hand-made good tree");
		vlt_tree_release(&u);
		b.data[4] = 7;  /* bad entry type position varies; break version */
		b.data[0] = 9;
		ok(vlt_tree_decode(b.data, b.len, &u) == VLT_E_CORRUPT,
		   "unknown tree version refused");
		ok(vlt_tree_decode(b.data, 0, &u) == VLT_E_CORRUPT,
		   "empty data refused");
	}
	vlt_buf_release(&b);
}

static void test_snapshot(void)
{
	struct vlt_snapshot s, t;
	struct vlt_buf b = VLT_BUF_INIT;
	struct vlt_oid p1 = oid_of(3), p2 = oid_of(4);

	vlt_snapshot_init(&s);
	s.tree = oid_of(9);
	vlt_snapshot_add_parent(&s, &p1);
	vlt_snapshot_add_parent(&s, &p2);
	s.time = 1764000000;
	s.tz_minutes = -330;
	s.author = strdup("Ada <ada@example.org>");
	s.host = strdup("studio-1");
	s.message = strdup("first line\n\nmore\n");
	vlt_snapshot_add_meta(&s, "tag", "v1");
	vlt_snapshot_add_meta(&s, "note", "two\nlines \\ here");
	ok(vlt_snapshot_encode(&s, &b) == 0, "snapshot encodes");
	ok(vlt_snapshot_decode(b.data, b.len, &t) == 0, "snapshot decodes");
	ok(t.nparents == 2 && !vlt_oid_cmp(&t.parents[1], &p2) &&
	   t.time == 1764000000 && t.tz_minutes == -330 &&
	   !strcmp(t.author, s.author) && !strcmp(t.host, "studio-1") &&
	   !strcmp(t.message, s.message), "all fields round trip");
	is_str(vlt_snapshot_meta(&t, "note"), "two\nlines \\ here",
	       "metadata with newline and backslash");
	vlt_snapshot_release(&t);
	ok(vlt_snapshot_decode(b.data, 40, &t) == VLT_E_CORRUPT,
	   "truncated snapshot refused");
	ok(vlt_snapshot_decode("bogus\n\nmsg", 10, &t) == VLT_E_CORRUPT,
	   "unknown header refused");
	free(s.host);
	s.host = strdup("evil\nparent 00");
	ok(vlt_snapshot_encode(&s, &b) == VLT_E_INVALID,
	   "a newline cannot inject a header");
	ok(vlt_snapshot_add_meta(&s, "bad key", "x") == VLT_E_INVALID,
	   "bad metadata key refused");
	vlt_snapshot_release(&s);
	vlt_buf_release(&b);
}

/* git's verify_path rules (t/t1014-read-tree-confusing.sh, CVE-2014-9390) */
static void test_dotgit(void)
{
	static const char *const bad[] = {
		".git", ".GIT", ".Git", ".git.", ".git ", ".git. . ", "git~1",
		"GIT~1", ".git::$INDEX_ALLOCATION", ".git:stream", ".git\\hooks",
		".gi\xe2\x80\x8ct", "\xe2\x80\x8e.git", ".g\xef\xbb\xbfit",
		".GI\xe2\x80\xaaT",
	};
	static const char *const good[] = {
		".gitignore", ".git-credentials", "git", "git~2", ".gitx", "x.git",
		".g", ".gi\xe2\x80\x8cx", "", ".vault", ".gi\xc3",
	};
	static const char *const mods[] = {
		".gitmodules", ".GITMODULES", ".gitmodules. ", "gitmod~1",
		"GI7EBA~1", ".gitmodul\xe2\x80\x8c" "es", ".gitmodules:x",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		ok(vlt_name_is_dotgit(bad[i]), "'%s' is taken for .git", bad[i]);
	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++)
		ok(!vlt_name_is_dotgit(good[i]), "'%s' is not .git", good[i]);
	for (size_t i = 0; i < sizeof(mods) / sizeof(*mods); i++)
		ok(vlt_name_is_dotgitmodules(mods[i]),
		   "'%s' is taken for .gitmodules", mods[i]);
	ok(!vlt_name_is_dotgitmodules(".gitmodulesx") &&
	   !vlt_name_is_dotgitmodules("gitmod~x") &&
	   !vlt_name_is_dotgitmodules(".gitattributes"),
	   "other names are not .gitmodules");
}

int main(void)
{
	tap_plan_lazy();
	test_dotgit();
	test_file();
	test_tree();
	test_snapshot();
	return tap_done();
}
