/*
 * diff.c - unit tests for lib/diff.c: trees built through the library in
 * a scratch repository are compared; added, removed and modified paths,
 * mode and type changes, path filters, renames (one to one, deterministic)
 * and the summary. Equal subtrees must not be read: they are given ids of
 * objects that do not exist, so reading one would fail the diff.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "diff.h"
#include "error.h"
#include "odb.h"
#include "repo.h"
#include "fixture.h"
#include "tap.h"
#include "tree.h"

static struct vlt_repo *repo;

/* One leaf of a tree to build: a file (content), symlink (target), or a
 * directory whose id is given directly (a made-up id: never read). */
struct spec {
	const char *path;
	const char *content;
	enum vlt_entry_type type;
	unsigned mode;
	const struct vlt_oid *dir_oid;   /* for a made-up directory */
	int64_t mtime;
};

#define FILE_(p, c) { p, c, VLT_ENTRY_FILE, 0644, NULL, 1000 }
#define EXEC_(p, c) { p, c, VLT_ENTRY_FILE, 0755, NULL, 1000 }
#define LINK_(p, t) { p, t, VLT_ENTRY_SYMLINK, 0777, NULL, 1000 }
#define END_ { NULL, NULL, 0, 0, NULL, 0 }

static struct vlt_oid file_object(const char *content)
{
	struct vlt_file f;
	struct vlt_buf b = VLT_BUF_INIT;
	struct vlt_oid chunk, oid;
	size_t len = strlen(content);

	vlt_file_init(&f);
	if (len) {
		if (vlt_odb_write(repo, VLT_OBJ_CHUNK, content, len, &chunk) < 0)
			fx_fail("write chunk");
		vlt_file_add(&f, &chunk, (uint32_t)len);
	}
	if (vlt_file_encode(&f, &b) < 0 ||
	    vlt_odb_write(repo, VLT_OBJ_FILE, b.data, b.len, &oid) < 0)
		fx_fail("write file");
	vlt_file_release(&f);
	vlt_buf_release(&b);
	return oid;
}

static int has_entry(const struct vlt_tree *t, const char *name)
{
	for (size_t i = 0; i < t->nr; i++)
		if (!strcmp(t->entries[i].name, name))
			return 1;
	return 0;
}

/* Build the directory `dir` ("" or "a/b/") from the specs below it. */
static struct vlt_oid build_dir(const struct spec *s, const char *dir)
{
	struct vlt_tree t;
	struct vlt_buf b = VLT_BUF_INIT;
	struct vlt_oid oid;
	size_t dl = strlen(dir);

	vlt_tree_init(&t);
	for (const struct spec *p = s; p->path; p++) {
		const char *rest, *slash;
		char name[256], sub[512];

		if (strncmp(p->path, dir, dl))
			continue;
		rest = p->path + dl;
		slash = strchr(rest, '/');
		if (!slash) {
			struct vlt_oid id;

			if (p->dir_oid) {
				vlt_tree_add(&t, rest, VLT_ENTRY_DIR, 0755, 0, 0, 0,
					     p->dir_oid);
				continue;
			}
			if (p->type == VLT_ENTRY_SYMLINK) {
				if (vlt_odb_write(repo, VLT_OBJ_CHUNK, p->content,
						  strlen(p->content), &id) < 0)
					fx_fail("write link");
			} else {
				id = file_object(p->content);
			}
			vlt_tree_add(&t, rest, p->type, p->mode,
				     strlen(p->content), p->mtime, 0, &id);
			continue;
		}
		snprintf(name, sizeof(name), "%.*s", (int)(slash - rest), rest);
		if (has_entry(&t, name))
			continue;
		snprintf(sub, sizeof(sub), "%s%s/", dir, name);
		oid = build_dir(s, sub);
		vlt_tree_add(&t, name, VLT_ENTRY_DIR, 0755, 0, 0, 0, &oid);
	}
	if (vlt_tree_encode(&t, &b) < 0 ||
	    vlt_odb_write(repo, VLT_OBJ_TREE, b.data, b.len, &oid) < 0)
		fx_fail("write tree");
	vlt_tree_release(&t);
	vlt_buf_release(&b);
	return oid;
}

static struct vlt_oid build(const struct spec *s)
{
	return build_dir(s, "");
}

/* The diff as text: "A path", "M path", "R old -> new", one per line. */
static const char *diff_text(const struct vlt_oid *a, const struct vlt_oid *b,
			     const char *const *paths, int renames)
{
	static struct vlt_buf out;
	struct vlt_diff_list l = VLT_DIFF_LIST_INIT;

	vlt_buf_reset(&out);
	vlt_buf_adds(&out, "");
	if (vlt_diff_trees_list(repo, a, b, paths, renames, &l) < 0) {
		vlt_buf_addf(&out, "error: %s", vlt_error_last());
		return out.data;
	}
	for (size_t i = 0; i < l.nr; i++) {
		const struct vlt_diff_item *it = &l.items[i];

		if (it->status == VLT_DIFF_RENAMED)
			vlt_buf_addf(&out, "R %s -> %s\n", it->old_path, it->path);
		else
			vlt_buf_addf(&out, "%c %s\n", (char)it->status, it->path);
	}
	vlt_diff_list_release(&l);
	return out.data;
}

static void test_basic(void)
{
	static const struct spec s1[] = {
		FILE_("README", "hello\n"),
		FILE_("art/a.png", "AAAA"),
		FILE_("art/b.png", "BBBB"),
		FILE_("art/deep/x.obj", "v 1 2 3\n"),
		FILE_("src/main.c", "int main;\n"),
		END_,
	};
	static const struct spec s2[] = {
		FILE_("README", "hello, world\n"),
		FILE_("art/a.png", "AAAA"),
		FILE_("art/deep/x.obj", "v 1 2 3\n"),
		FILE_("art/deep/y.obj", "v 4 5 6\n"),
		FILE_("src/main.c", "int main;\n"),
		FILE_("zz", "new\n"),
		END_,
	};
	struct vlt_oid t1 = build(s1), t2 = build(s2), zero;

	vlt_oid_clear(&zero);
	is_str(diff_text(&t1, &t1, NULL, 0), "", "a tree against itself: no changes");
	is_str(diff_text(&t1, &t2, NULL, 0),
	       "M README\nD art/b.png\nA art/deep/y.obj\nA zz\n",
	       "added, removed and modified paths in tree order");
	is_str(diff_text(&t2, &t1, NULL, 0),
	       "M README\nA art/b.png\nD art/deep/y.obj\nD zz\n",
	       "the reverse diff swaps A and D");
	is_str(diff_text(NULL, &t1, NULL, 0),
	       "A README\nA art/a.png\nA art/b.png\nA art/deep/x.obj\nA src/main.c\n",
	       "NULL is the empty tree: everything added");
	is_str(diff_text(&t1, &zero, NULL, 0),
	       "D README\nD art/a.png\nD art/b.png\nD art/deep/x.obj\nD src/main.c\n",
	       "the zero id is the empty tree: everything removed");
}

static void test_modes_types(void)
{
	static const struct spec s1[] = {
		FILE_("build.sh", "echo\n"),
		FILE_("becomes-dir", "x"),
		FILE_("dir-goes/inner", "y"),
		LINK_("link", "target-a"),
		FILE_("touched", "same"),
		END_,
	};
	static const struct spec s2[] = {
		EXEC_("build.sh", "echo\n"),
		FILE_("becomes-dir/now", "x"),
		FILE_("dir-goes", "y"),
		LINK_("link", "target-b"),
		{ "touched", "same", VLT_ENTRY_FILE, 0644, NULL, 99999 },
		END_,
	};
	struct vlt_oid t1 = build(s1), t2 = build(s2);

	is_str(diff_text(&t1, &t2, NULL, 0),
	       "D becomes-dir\nA becomes-dir/now\nM build.sh\n"
	       "A dir-goes\nD dir-goes/inner\nM link\n",
	       "mode and type changes; an mtime alone is no change");
}

static void test_fast_path(void)
{
	struct vlt_oid fake, fake2;
	struct vlt_oid t1, t2;

	memset(&fake, 0xee, sizeof(fake));
	memset(&fake2, 0xdd, sizeof(fake2));
	{
		const struct spec s1[] = {
			{ "huge", NULL, VLT_ENTRY_DIR, 0755, &fake, 0 },
			FILE_("small", "1"),
			END_,
		};
		const struct spec s2[] = {
			{ "huge", NULL, VLT_ENTRY_DIR, 0755, &fake, 0 },
			FILE_("small", "2"),
			END_,
		};

		t1 = build(s1);
		t2 = build(s2);
	}
	is_str(diff_text(&t1, &t2, NULL, 0), "M small\n",
	       "equal subtree ids are skipped without reading them");
	{
		const struct spec s3[] = {
			{ "huge", NULL, VLT_ENTRY_DIR, 0755, &fake2, 0 },
			FILE_("small", "2"),
			END_,
		};
		struct vlt_oid t3 = build(s3);

		ok(!strncmp(diff_text(&t2, &t3, NULL, 0), "error: ", 7),
		   "a differing subtree is read (and a missing one is an error)");
		is_str(diff_text(&t2, &t3, (const char *const[]){ "small", NULL },
				 0), "",
		       "a filter keeps the walk out of other subtrees");
	}
}

static void test_filters(void)
{
	static const struct spec s1[] = {
		FILE_("art/x.png", "1"),
		FILE_("artwork/y.png", "1"),
		FILE_("a/b/c.txt", "1"),
		FILE_("a/bb.txt", "1"),
		FILE_("top", "1"),
		END_,
	};
	static const struct spec s2[] = {
		FILE_("art/x.png", "2"),
		FILE_("artwork/y.png", "2"),
		FILE_("a/b/c.txt", "2"),
		FILE_("a/bb.txt", "2"),
		FILE_("top", "2"),
		END_,
	};
	struct vlt_oid t1 = build(s1), t2 = build(s2);

	is_str(diff_text(&t1, &t2, (const char *const[]){ "art", NULL }, 0),
	       "M art/x.png\n", "'art' matches art/ but not artwork/");
	is_str(diff_text(&t1, &t2, (const char *const[]){ "/a/b/", NULL }, 0),
	       "M a/b/c.txt\n", "slashes around a filter are ignored");
	is_str(diff_text(&t1, &t2, (const char *const[]){ "a/bb.txt", "top",
			 NULL }, 0),
	       "M a/bb.txt\nM top\n", "several filters, files named exactly");
	is_str(diff_text(&t1, &t2, (const char *const[]){ "a/b/c.txt/no",
			 NULL }, 0),
	       "", "a filter below a file matches nothing");
	is_str(diff_text(&t1, &t2, (const char *const[]){ ".", NULL }, 0),
	       "M a/b/c.txt\nM a/bb.txt\nM art/x.png\nM artwork/y.png\nM top\n",
	       "'.' matches everything");
	{
		static const struct spec s3[] = {
			FILE_("art", "now a file"),
			END_,
		};
		struct vlt_oid t3 = build(s3);

		is_str(diff_text(&t1, &t3, (const char *const[]){ "art/x.png",
				 NULL }, 0),
		       "D art/x.png\n",
		       "a file replacing a filtered directory is not reported");
	}
}

static void test_renames(void)
{
	static const struct spec s1[] = {
		FILE_("old/rock.png", "ROCK"),
		FILE_("old/copy1.txt", "SAME"),
		FILE_("old/copy2.txt", "SAME"),
		FILE_("empty-a", ""),
		FILE_("keep", "k"),
		FILE_("gone", "gone for good"),
		END_,
	};
	static const struct spec s2[] = {
		FILE_("new/rock.png", "ROCK"),
		FILE_("new/b.txt", "SAME"),
		FILE_("new/copy2.txt", "SAME"),
		FILE_("new/third.txt", "SAME"),
		FILE_("empty-b", ""),
		FILE_("keep", "k"),
		END_,
	};
	struct vlt_oid t1 = build(s1), t2 = build(s2);
	const char *want =
		"D empty-a\nA empty-b\nD gone\n"
		"R old/copy1.txt -> new/b.txt\nR old/copy2.txt -> new/copy2.txt\n"
		"R old/rock.png -> new/rock.png\nA new/third.txt\n";

	is_str(diff_text(&t1, &t2, NULL, 1), want,
	       "renames paired one to one, same base name first; empty files "
	       "never paired");
	is_str(diff_text(&t1, &t2, NULL, 1), want, "pairing is deterministic");
	is_str(diff_text(&t1, &t2, NULL, 0),
	       "D empty-a\nA empty-b\nD gone\nA new/b.txt\nA new/copy2.txt\n"
	       "A new/rock.png\nA new/third.txt\nD old/copy1.txt\n"
	       "D old/copy2.txt\nD old/rock.png\n",
	       "without rename detection: adds and removes");
}

static int stop_at_first(const struct vlt_diff_change *c, void *data)
{
	(*(int *)data)++;
	return 42;
}

static void test_stop_and_summary(void)
{
	static const struct spec s1[] = {
		FILE_("a", "1234"),
		FILE_("b", "12345678"),
		FILE_("c", "12"),
		FILE_("d", "moved!"),
		END_,
	};
	static const struct spec s2[] = {
		FILE_("a", "123456"),
		FILE_("c", "1"),
		FILE_("e", "abc"),
		FILE_("f", "moved!"),
		END_,
	};
	struct vlt_oid t1 = build(s1), t2 = build(s2);
	struct vlt_diff_list l = VLT_DIFF_LIST_INIT;
	struct vlt_diff_summary s;
	int calls = 0;

	is_int(vlt_diff_trees(repo, &t1, &t2, NULL, stop_at_first, &calls), 42,
	       "a non-zero callback result stops the walk and is returned");
	is_int(calls, 1, "the callback was called once");
	vlt_diff_trees_list(repo, &t1, &t2, NULL, 1, &l);
	vlt_diff_summarize(&l, &s);
	ok(s.changed == 5 && s.added == 1 && s.removed == 1 && s.modified == 2 &&
	   s.renamed == 1, "summary counts");
	ok(s.added_bytes == 3 && s.removed_bytes == 8 &&
	   s.modified_old_bytes == 6 && s.modified_new_bytes == 7 &&
	   s.renamed_bytes == 6, "summary sizes");
	ok(s.bytes_plus == 3 + 2 && s.bytes_minus == 8 + 1,
	   "net growth and shrinkage");
	ok(l.nr == 5 && l.items[4].status == VLT_DIFF_RENAMED &&
	   l.items[4].has_old && l.items[4].old_e.size == 6 &&
	   l.items[0].has_old && l.items[0].has_new &&
	   l.items[0].old_e.size == 4 && l.items[0].new_e.size == 6,
	   "items carry both entries");
	vlt_diff_list_release(&l);
	vlt_diff_list_release(&l);
}

int main(void)
{
	tap_plan_lazy();
	repo = fx_repo("repo");
	test_basic();
	test_modes_types();
	test_fast_path();
	test_filters();
	test_renames();
	test_stop_and_summary();
	vlt_repo_free(repo);
	return tap_done();
}
