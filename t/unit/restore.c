/*
 * restore.c - unit tests for lib/restore.c: a small tree (files, an empty
 * one, a sparse one, a symlink, an empty folder, modes) stored from a
 * folder and restored into a new one exactly; restored again, what is
 * already there is left alone; a conflict writes nothing; hostile trees
 * (a top-level ".vault", a name git takes for ".git") are refused entry by
 * entry while the rest is written; a symlink planted in the target never
 * lets a write land outside it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "fsutil.h"
#include "odb.h"
#include "repo.h"
#include "restore.h"
#include "tree.h"
#include "worktree.h"
#include "tap.h"

static struct vlt_repo *repo;
static char refused[4096];
static int nrefused;

static void on_error(const char *relpath, const char *msg, void *data)
{
	size_t n = strlen(refused);

	(void)data;
	nrefused++;
	snprintf(refused + n, sizeof(refused) - n, "%s: %s\n", relpath, msg);
}

static void put(const char *dir, const char *name, const void *data,
		size_t len, int mode)
{
	char path[1024];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd < 0 || (len && write(fd, data, len) != (ssize_t)len)) {
		tap_diag("write %s: %s", path, strerror(errno));
		exit(1);
	}
	close(fd);
	chmod(path, (mode_t)mode);
}

/* 1 when the file at dir/name holds exactly data. */
static int holds(const char *dir, const char *name, const void *data,
		 size_t len)
{
	char path[1024];
	struct vlt_buf b = VLT_BUF_INIT;
	int same;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	same = vlt_read_file(path, &b) == 0 && b.len == len &&
	       (!len || !memcmp(b.data, data, len));
	vlt_buf_release(&b);
	return same;
}

static int mode_of(const char *dir, const char *name)
{
	char path[1024];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return lstat(path, &st) < 0 ? -1 : (int)(st.st_mode & 07777);
}

static int restore(const struct vlt_oid *tree, const char *dir, int overwrite,
		   struct vlt_checkout_stats *st)
{
	struct vlt_restore_opts o = { 0 };

	memset(st, 0, sizeof(*st));
	refused[0] = '\0';
	nrefused = 0;
	o.overwrite = overwrite;
	o.threads = 2;
	o.on_error = on_error;
	return vlt_restore(repo, tree, dir, &o, st);
}

/* A tree of the entries given (each a file holding its own name, or a
 * folder when the name ends in '/'). */
static struct vlt_oid tree_of(const char *const *names)
{
	struct vlt_tree t;
	struct vlt_buf enc = VLT_BUF_INIT;
	struct vlt_oid oid, sub, file;

	vlt_tree_init(&t);
	{
		struct vlt_tree empty;

		vlt_tree_init(&empty);
		if (vlt_tree_encode(&empty, &enc) < 0 ||
		    vlt_odb_write(repo, VLT_OBJ_TREE, enc.data, enc.len, &sub) < 0)
			exit(1);
		vlt_tree_release(&empty);
	}
	for (; *names; names++) {
		size_t n = strlen(*names);
		char name[256];

		snprintf(name, sizeof(name), "%.*s", (int)(n - ((*names)[n - 1] == '/')),
			 *names);
		if ((*names)[n - 1] == '/') {
			if (vlt_tree_add(&t, name, VLT_ENTRY_DIR, 0755, 0, 1600000000,
					 0, &sub) < 0)
				exit(1);
			continue;
		}
		if (vlt_file_from_mem(repo, &repo->idfn, &repo->chunking, name,
				      strlen(name), &file, NULL) < 0 ||
		    vlt_tree_add(&t, name, VLT_ENTRY_FILE, 0644, strlen(name),
				 1600000000, 0, &file) < 0)
			exit(1);
	}
	if (vlt_tree_encode(&t, &enc) < 0 ||
	    vlt_odb_write(repo, VLT_OBJ_TREE, enc.data, enc.len, &oid) < 0) {
		tap_diag("tree: %s", vlt_error_last());
		exit(1);
	}
	vlt_tree_release(&t);
	vlt_buf_release(&enc);
	return oid;
}

static void test_round_trip(void)
{
	char src[512], dst[512], path[1024], link[64];
	static char sparse[3 * 65536];
	struct vlt_checkout_stats st;
	struct vlt_oid tree;
	ssize_t n;

	snprintf(src, sizeof(src), "%s/src", tap_tmpdir());
	snprintf(dst, sizeof(dst), "%s/out/new", tap_tmpdir());
	snprintf(path, sizeof(path), "%s/sub/empty-dir", src);
	if (vlt_mkdir_p(path, 0755) < 0)
		exit(1);
	memcpy(sparse + 65536 + 17, "data in the middle", 18);
	put(src, "a.txt", "hello\n", 6, 0644);
	put(src, "run.sh", "#!/bin/sh\n", 10, 0755);
	put(src, "empty", "", 0, 0600);
	put(src, "sub/sparse.bin", sparse, sizeof(sparse), 0644);
	snprintf(path, sizeof(path), "%s/sub/link", src);
	if (symlink("../a.txt", path) < 0)
		exit(1);
	ok(vlt_worktree_write(repo, src, NULL, NULL, &tree, NULL) == 0,
	   "the folder stored as a tree");

	ok(restore(&tree, dst, 0, &st) == 0 && !nrefused,
	   "restored into a folder that did not exist");
	is_int(st.files, 4, "four files written");
	ok(holds(dst, "a.txt", "hello\n", 6) && holds(dst, "empty", "", 0) &&
	   holds(dst, "run.sh", "#!/bin/sh\n", 10) &&
	   holds(dst, "sub/sparse.bin", sparse, sizeof(sparse)),
	   "every file holds what was stored");
	ok(mode_of(dst, "run.sh") == 0755 && mode_of(dst, "empty") == 0600,
	   "modes kept");
	snprintf(path, sizeof(path), "%s/sub/link", dst);
	n = readlink(path, link, sizeof(link) - 1);
	ok(n == 8 && !memcmp(link, "../a.txt", 8), "the symlink points where it did");
	ok(mode_of(dst, "sub/empty-dir") >= 0, "the empty folder exists");

	ok(restore(&tree, dst, 0, &st) == 0 && st.unchanged >= 4 && !st.files,
	   "restored again: what is there already is left alone");
	put(dst, "a.txt", "local edit\n", 11, 0644);
	ok(restore(&tree, dst, 0, &st) == VLT_E_EXISTS && st.conflicts == 1,
	   "a local edit is a conflict");
	ok(holds(dst, "a.txt", "local edit\n", 11), "and nothing was written");
}

static void test_hostile(void)
{
	static const char *const names[] = { ".vault/", "GIT~1/", "fine.txt",
					     NULL };
	char dst[512], outside[512], path[1024];
	struct vlt_checkout_stats st;
	struct vlt_oid tree = tree_of(names);
	int err;

	snprintf(dst, sizeof(dst), "%s/hostile", tap_tmpdir());
	err = restore(&tree, dst, 0, &st);
	ok(err < 0, "a hostile tree fails");
	is_int(nrefused, 2, "each hostile entry refused on its own");
	if (!ok(strstr(refused, ".vault") && strstr(refused, "GIT~1"),
		"naming them"))
		tap_diag("%s", refused);
	ok(mode_of(dst, ".vault") < 0 && mode_of(dst, "GIT~1") < 0,
	   "neither was created");
	ok(holds(dst, "fine.txt", "fine.txt", 8), "the rest was written");

	/* sub/ planted as a symlink to a folder outside the target */
	{
		static const char *const inner[] = { "x.txt", NULL };
		struct vlt_oid in = tree_of(inner);
		struct vlt_tree t;
		struct vlt_buf enc = VLT_BUF_INIT;

		vlt_tree_init(&t);
		if (vlt_tree_add(&t, "sub", VLT_ENTRY_DIR, 0755, 0, 1600000000, 0,
				 &in) < 0 || vlt_tree_encode(&t, &enc) < 0 ||
		    vlt_odb_write(repo, VLT_OBJ_TREE, enc.data, enc.len, &tree) < 0)
			exit(1);
		vlt_tree_release(&t);
		vlt_buf_release(&enc);
	}
	snprintf(dst, sizeof(dst), "%s/planted", tap_tmpdir());
	snprintf(outside, sizeof(outside), "%s/outside", tap_tmpdir());
	if (vlt_mkdir_p(dst, 0755) < 0 || vlt_mkdir_p(outside, 0755) < 0)
		exit(1);
	snprintf(path, sizeof(path), "%s/sub", dst);
	if (symlink(outside, path) < 0)
		exit(1);
	(void)restore(&tree, dst, 0, &st);
	ok(mode_of(outside, "x.txt") < 0,
	   "a symlink planted in the target is not followed");
	(void)restore(&tree, dst, 1, &st);
	ok(mode_of(outside, "x.txt") < 0, "not even with overwrite");
}

int main(void)
{
	struct vlt_init_opts o;
	char path[512];

	tap_plan_lazy();
	snprintf(path, sizeof(path), "%s/repo", tap_tmpdir());
	vlt_init_opts_default(&o);
	o.bare = 1;
	if (vlt_repo_init(path, &o, &repo) < 0) {
		tap_diag("init: %s", vlt_error_last());
		return 1;
	}
	test_round_trip();
	test_hostile();
	vlt_repo_free(repo);
	return tap_done();
}
