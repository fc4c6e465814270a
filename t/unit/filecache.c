/*
 * filecache.c - unit tests for lib/filecache.c: entries saved and loaded
 * back with their ids and the gc generation; a stat that differs in any
 * field (a stale entry) misses; a file changed just before the backup
 * (racily clean) is not trusted; a damaged cache file is an empty cache;
 * a second root has a cache of its own.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "filecache.h"
#include "repo.h"
#include "tap.h"

static struct stat fake_stat(uint64_t ino, uint64_t size)
{
	struct stat st;

	memset(&st, 0, sizeof(st));
	st.st_dev = 42;
	st.st_ino = (ino_t)ino;
	st.st_size = (off_t)size;
	st.st_mtim.tv_sec = 1600000000;   /* long before the backup */
	st.st_mtim.tv_nsec = 123456789;
	st.st_ctim = st.st_mtim;
	return st;
}

static struct vlt_oid fake_oid(unsigned char b)
{
	struct vlt_oid o;

	memset(&o, b, sizeof(o));
	return o;
}

/* Flip a byte in the middle of every cache file of the repository. */
static int damage_caches(const char *repo)
{
	char dir[1024], path[2048];
	DIR *d;
	struct dirent *de;
	int n = 0;

	snprintf(dir, sizeof(dir), "%s/cache/files", repo);
	if (!(d = opendir(dir)))
		return 0;
	while ((de = readdir(d))) {
		struct stat st;
		unsigned char c;
		int fd;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		chmod(path, 0600);
		if ((fd = open(path, O_RDWR)) < 0 || fstat(fd, &st) < 0)
			continue;
		if (pread(fd, &c, 1, st.st_size / 2) == 1) {
			c ^= 0x10;
			n += pwrite(fd, &c, 1, st.st_size / 2) == 1;
		}
		close(fd);
	}
	closedir(d);
	return n;
}

int main(void)
{
	struct vlt_init_opts o;
	struct vlt_repo *r = NULL;
	struct vlt_filecache *fc = NULL;
	struct vlt_filecache_writer w;
	struct stat a = fake_stat(1, 100), b = fake_stat(2, 200), racy;
	struct vlt_oid oa = fake_oid(0xa1), ob = fake_oid(0xb2), oc = fake_oid(0xc3);
	const struct vlt_fc_entry *e;
	char path[512];

	tap_plan_lazy();
	snprintf(path, sizeof(path), "%s/repo", tap_tmpdir());
	vlt_init_opts_default(&o);
	o.bare = 1;
	if (vlt_repo_init(path, &o, &r) < 0) {
		tap_diag("init: %s", vlt_error_last());
		return 1;
	}

	ok(vlt_filecache_load(r, "/projects/one", &fc) == 0 && fc &&
	   !vlt_filecache_match(fc, "a.txt", &a), "no cache yet: an empty one");
	vlt_filecache_free(fc);

	vlt_filecache_writer_init(&w);
	racy = fake_stat(3, 300);
	clock_gettime(CLOCK_REALTIME, &racy.st_mtim);   /* changed just now */
	racy.st_ctim = racy.st_mtim;
	ok(vlt_filecache_writer_add(&w, "a.txt", &a, &oa) == 0 &&
	   vlt_filecache_writer_add(&w, "dir/b.bin", &b, &ob) == 0 &&
	   vlt_filecache_writer_add(&w, "racy.txt", &racy, &oc) == 0,
	   "three entries added");
	ok(vlt_filecache_writer_save(&w, r, "/projects/one", 7) == 0, "saved");
	vlt_filecache_writer_release(&w);

	ok(vlt_filecache_load(r, "/projects/one", &fc) == 0 && fc, "loaded");
	is_int(vlt_filecache_generation(fc), 7, "with its gc generation");
	e = vlt_filecache_match(fc, "a.txt", &a);
	ok(e && !memcmp(e->oid.id, oa.id, sizeof(oa.id)) && e->size == 100 &&
	   !strcmp(e->path, "a.txt"), "an unchanged file matches, with its id");
	e = vlt_filecache_match(fc, "dir/b.bin", &b);
	ok(e && !memcmp(e->oid.id, ob.id, sizeof(ob.id)), "so does the second");
	ok(!vlt_filecache_match(fc, "nope", &a), "an unknown path misses");
	ok(!vlt_filecache_match(fc, "racy.txt", &racy),
	   "a file changed just before the backup is not trusted");
	{
		struct stat s;

		s = a;
		s.st_size++;
		ok(!vlt_filecache_match(fc, "a.txt", &s), "stale: another size");
		s = a;
		s.st_mtim.tv_nsec++;
		ok(!vlt_filecache_match(fc, "a.txt", &s), "stale: another mtime");
		s = a;
		s.st_ctim.tv_sec++;
		ok(!vlt_filecache_match(fc, "a.txt", &s), "stale: another ctime");
		s = a;
		s.st_ino = 99;
		ok(!vlt_filecache_match(fc, "a.txt", &s), "stale: another inode");
		s = a;
		s.st_dev = 43;
		ok(!vlt_filecache_match(fc, "a.txt", &s), "stale: another device");
	}
	vlt_filecache_free(fc);

	ok(vlt_filecache_load(r, "/projects/two", &fc) == 0 &&
	   !vlt_filecache_match(fc, "a.txt", &a), "another root: its own cache");
	vlt_filecache_free(fc);

	ok(damage_caches(r->path) == 1, "the cache file damaged");
	ok(vlt_filecache_load(r, "/projects/one", &fc) == 0 && fc &&
	   !vlt_filecache_match(fc, "a.txt", &a),
	   "a damaged cache is an empty one, not an error");
	vlt_filecache_free(fc);
	vlt_repo_free(r);
	return tap_done();
}
