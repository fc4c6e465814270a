/*
 * limits.c - objects and packs that lie about their sizes: a reader must
 * refuse them before allocating what they claim (issue 19, item 11).
 *
 * Each case writes a small chunk into a fresh repository, then rewrites
 * the sizes its pack entry and index entry declare (and the checksums that
 * cover them, as a forger would), and reads it back.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "hash.h"
#include "odb.h"
#include "pack.h"
#include "repo.h"
#include "tap.h"

static int slurp(const char *path, struct vlt_buf *b)
{
	FILE *f = fopen(path, "rb");
	char tmp[65536];
	size_t n;

	if (!f)
		return -1;
	vlt_buf_reset(b);
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		vlt_buf_add(b, tmp, n);
	fclose(f);
	return 0;
}

static int spit(const char *path, const struct vlt_buf *b)
{
	FILE *f;
	int ok;

	chmod(path, 0600);
	if (!(f = fopen(path, "wb")))
		return -1;
	ok = fwrite(b->data, 1, b->len, f) == b->len;
	return fclose(f) == 0 && ok ? 0 : -1;
}

static void put_be32(unsigned char *p, uint32_t v)
{
	p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v;
}

static void put_be64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (56 - 8 * i));
}

/* Rewrite the one object's declared stored and/or raw size (0: keep) in
 * both the pack and its index, checksums fixed. */
static int forge(const char *repo, uint32_t stored, uint32_t raw)
{
	struct vlt_buf dir = VLT_BUF_INIT, path = VLT_BUF_INIT, b = VLT_BUF_INIT;
	char name[200] = "";
	struct dirent *de;
	DIR *d;
	unsigned char *ent;
	uint32_t off;
	int err = -1;

	vlt_buf_addf(&dir, "%s/packs", repo);
	if (!(d = opendir(dir.data)))
		goto done;
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);

		if (n > 4 && !strcmp(de->d_name + n - 4, ".idx"))
			snprintf(name, sizeof(name), "%.*s", (int)(n - 4),
				 de->d_name);
	}
	closedir(d);
	if (!*name)
		goto done;
	/* the index: one id, its entry after the fan-out and the id */
	vlt_buf_addf(&path, "%s/%s.idx", dir.data, name);
	if (slurp(path.data, &b) < 0 || b.len != 16 + 1024 + 48 + 40)
		goto done;
	ent = (unsigned char *)b.data + 16 + 1024 + 32;
	off = (uint32_t)ent[0] << 24 | (uint32_t)ent[1] << 16 |
	      (uint32_t)ent[2] << 8 | ent[3];
	if (stored)
		put_be32(ent + 4, stored);
	if (raw)
		put_be32(ent + 8, raw);
	put_be64((unsigned char *)b.data + b.len - 8,
		 vlt_xxh3(b.data, b.len - 8));
	if (spit(path.data, &b) < 0)
		goto done;
	/* the pack: the entry header at off */
	vlt_buf_reset(&path);
	vlt_buf_addf(&path, "%s/%s.pack", dir.data, name);
	if (slurp(path.data, &b) < 0 || off + 44 > b.len)
		goto done;
	ent = (unsigned char *)b.data + off;
	if (stored)
		put_be32(ent + 4, stored);
	if (raw)
		put_be32(ent + 8, raw);
	put_be64((unsigned char *)b.data + b.len - 8,
		 vlt_xxh3(b.data, b.len - 8));
	err = spit(path.data, &b);
done:
	vlt_buf_release(&dir);
	vlt_buf_release(&path);
	vlt_buf_release(&b);
	return err;
}

/* A repository at tmp/NAME holding one small chunk; its id in oid. */
static int make_repo(const char *name, struct vlt_buf *path,
		     struct vlt_oid *oid)
{
	struct vlt_init_opts o;
	struct vlt_repo *r;
	static const char text[] = "a small chunk that will claim to be huge";
	int err;

	vlt_buf_reset(path);
	vlt_buf_addf(path, "%s/%s", tap_tmpdir(), name);
	vlt_init_opts_default(&o);
	o.bare = 1;
	if ((err = vlt_repo_init(path->data, &o, &r)) < 0)
		return err;
	err = vlt_odb_write(r, VLT_OBJ_CHUNK, text, sizeof(text) - 1, oid);
	if (!err)
		err = vlt_odb_flush(r);
	vlt_repo_free(r);
	return err;
}

static int read_back(const char *path, const struct vlt_oid *oid)
{
	struct vlt_repo *r;
	struct vlt_buf out = VLT_BUF_INIT;
	int err;

	if ((err = vlt_repo_open(path, &r)) < 0)
		return err;
	err = vlt_odb_read(r, oid, NULL, &out);
	tap_diag("  %s", err < 0 ? vlt_error_last() : "read fine");
	vlt_buf_release(&out);
	vlt_repo_free(r);
	return err;
}

int main(void)
{
	struct vlt_buf path = VLT_BUF_INIT;
	struct vlt_oid oid;
	int err;

	tap_plan_lazy();

	ok(make_repo("plain", &path, &oid) == 0, "a repository with one chunk");
	ok(read_back(path.data, &oid) == 0, "its chunk reads back");

	ok(make_repo("raw", &path, &oid) == 0 &&
	   forge(path.data, 0, 0x7fffffffu) == 0,
	   "a chunk whose pack and index claim 2 GiB of content");
	err = read_back(path.data, &oid);
	ok(err == VLT_E_CORRUPT, "reading it is a corruption error");
	ok(strstr(vlt_error_last(), "declared size 2147483647 exceeds the "
		  "format's limit 1048576") != NULL,
	   "the message names the declared size and the limit");
	ok(strstr(vlt_error_last(), vlt_oid_hex(&oid)) != NULL,
	   "the message names the object");

	ok(make_repo("stored", &path, &oid) == 0 &&
	   forge(path.data, 0x7fffffffu, 0) == 0,
	   "a chunk whose pack and index claim 2 GiB of stored bytes");
	err = read_back(path.data, &oid);
	ok(err == VLT_E_CORRUPT && strstr(vlt_error_last(), "declared size "
					  "2147483647 exceeds the format's "
					  "limit"),
	   "reading it is refused before the 2 GiB are allocated");

	ok(make_repo("huge", &path, &oid) == 0 &&
	   forge(path.data, 0xfffffff0u, 0) == 0,
	   "a chunk claiming more stored bytes than a pack may hold");
	err = read_back(path.data, &oid);
	ok(err == VLT_E_CORRUPT && strstr(vlt_error_last(), "exceeds the "
					  "format's limit"),
	   "is refused too");

	ok(vlt_obj_size_check(NULL, VLT_OBJ_TREE, VLT_OBJ_TREE_LIMIT, 0) == 0 &&
	   vlt_obj_size_check(NULL, VLT_OBJ_TREE, VLT_OBJ_TREE_LIMIT + 1ull,
			      0) == VLT_E_CORRUPT &&
	   vlt_obj_size_check(NULL, VLT_OBJ_CHUNK, 8u << 20, 8u << 20) == 0 &&
	   vlt_obj_size_check(NULL, VLT_OBJ_CHUNK, 600u << 10, 64u << 10) == 0,
	   "limits: trees at the limit, chunks up to the chunker's max, never "
	   "below 1 MiB");
	vlt_buf_release(&path);
	return tap_done();
}
