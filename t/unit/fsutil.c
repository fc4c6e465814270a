/*
 * fsutil.c - unit tests for lib/fsutil.c's atomic writes: values small and
 * large, page-aligned (written with O_DIRECT where the file system allows)
 * or not, with and without an unaligned tail, on the test's scratch
 * directory and on tmpfs when /dev/shm exists; create-if-absent; and no
 * temporary file left behind.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "fsutil.h"
#include "tap.h"

/* Bytes that differ at every offset, so a misplaced block shows. */
static void fill(unsigned char *p, size_t len, unsigned seed)
{
	uint32_t x = seed * 2654435761u + 1;

	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (unsigned char)(x >> 7);
	}
}

static int same_file(const char *path, const unsigned char *want, size_t len)
{
	struct vlt_buf got = VLT_BUF_INIT;
	int same = vlt_read_file(path, &got) == 0 && got.len == len &&
		   !memcmp(got.data, want, len);

	vlt_buf_release(&got);
	return same;
}

/* Files in dir whose name contains ".tmp-": leftovers of a write. */
static int tmp_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strstr(de->d_name, ".tmp-"))
			n++;
	closedir(d);
	return n;
}

static void test_sizes(const char *dir, const char *where)
{
	static const struct {
		size_t len;
		size_t skew;   /* bytes past a page boundary */
		const char *what;
	} cases[] = {
		{ 100, 0, "small value" },
		{ (1u << 20) - 1, 0, "just under 1 MiB, aligned" },
		{ 1u << 20, 0, "1 MiB exactly, aligned, no tail" },
		{ (3u << 20) + 123, 0, "3 MiB + 123, aligned, with a tail" },
		{ (3u << 20) + 123, 1, "3 MiB + 123 at an odd address" },
		{ (8u << 20) + 4095, 0, "8 MiB + 4095, aligned" },
	};
	struct vlt_buf b = VLT_BUF_INIT;
	char path[4096];

	ok(vlt_buf_alloc_aligned(&b, (9u << 20) + 4096, 4096) == 0 &&
	   ((uintptr_t)b.data & 4095) == 0,
	   "%s: vlt_buf_alloc_aligned gives a page-aligned buffer", where);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned char *p = (unsigned char *)b.data + cases[i].skew;
		int err;

		fill(p, cases[i].len, (unsigned)i + 1);
		snprintf(path, sizeof(path), "%s/value-%zu", dir, i);
		err = vlt_write_file_atomic(path, p, cases[i].len, 0444, 0);
		ok(err == 0 && same_file(path, p, cases[i].len),
		   "%s: %s reads back byte for byte", where, cases[i].what);
		if (err)
			tap_diag("  %s", vlt_error_last());
	}
	/* replace: the new value, whole */
	fill((unsigned char *)b.data, 2u << 20, 99);
	snprintf(path, sizeof(path), "%s/value-3", dir);
	ok(vlt_write_file_atomic(path, b.data, 2u << 20, 0444, 0) == 0 &&
	   same_file(path, (unsigned char *)b.data, 2u << 20),
	   "%s: replacing a large value gives the new bytes only", where);
	/* create-if-absent refuses an existing name, keeps its bytes */
	{
		struct stat st;

		is_int(vlt_write_file_atomic(path, b.data, 100, 0444, 1),
		       VLT_E_EXISTS, "exclusive write of an existing name fails");
		ok(stat(path, &st) == 0 && st.st_size == (off_t)(2u << 20) &&
		   (st.st_mode & 0777) == 0444,
		   "%s: the existing value is untouched, mode 0444", where);
	}
	is_int(tmp_files(dir), 0, "no temporary file is left behind");
	vlt_buf_release(&b);
}

/* Pages of path in the page cache, or -1. */
static long resident_pages(const char *path, size_t len)
{
	long page = sysconf(_SC_PAGESIZE), n = 0;
	size_t pages = (len + (size_t)page - 1) / (size_t)page;
	unsigned char *vec = malloc(pages);
	int fd = open(path, O_RDONLY);
	void *map;

	if (!vec || fd < 0) {
		free(vec);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	map = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (map == MAP_FAILED || mincore(map, len, vec) < 0) {
		if (map != MAP_FAILED)
			munmap(map, len);
		free(vec);
		return -1;
	}
	for (size_t i = 0; i < pages; i++)
		n += vec[i] & 1;
	munmap(map, len);
	free(vec);
	return n;
}

/*
 * Which way the bytes went shows in the page cache: a direct write leaves
 * the whole blocks out of it, a buffered one leaves them all in. Only on a
 * disk file system that takes O_DIRECT (tmpfs keeps every page anyway).
 */
static void test_direct_or_not(const char *dir)
{
	const size_t len = (4u << 20) + 10;
	unsigned char *p = NULL;
	char path[4096];
	struct statfs sf;
	long in_cache;
	int fd;

	snprintf(path, sizeof(path), "%s/probe", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_DIRECT, 0600);
	if (fd < 0 || statfs(dir, &sf) < 0 || sf.f_type == TMPFS_MAGIC) {
		if (fd >= 0)
			close(fd);
		unlink(path);
		tap_skip("scratch dir is tmpfs or takes no O_DIRECT");
		tap_skip("scratch dir is tmpfs or takes no O_DIRECT");
		return;
	}
	close(fd);
	unlink(path);
	if (posix_memalign((void **)&p, 4096, len) != 0) {
		ok(0, "allocation");
		return;
	}
	fill(p, len, 11);

	unsetenv("VAULT_NO_DIRECT_IO");
	snprintf(path, sizeof(path), "%s/direct", dir);
	in_cache = vlt_write_file_atomic(path, p, len, 0444, 1) == 0 ?
		   resident_pages(path, len) : -1;
	ok(in_cache >= 0 && in_cache <= 1 && same_file(path, p, len),
	   "a large aligned value is written around the page cache "
	   "(%ld of 1025 pages cached) and reads back", in_cache);

	setenv("VAULT_NO_DIRECT_IO", "1", 1);
	snprintf(path, sizeof(path), "%s/buffered", dir);
	in_cache = vlt_write_file_atomic(path, p, len, 0444, 1) == 0 ?
		   resident_pages(path, len) : -1;
	ok(in_cache == 1025 && same_file(path, p, len),
	   "with VAULT_NO_DIRECT_IO=1 it goes through the page cache "
	   "(%ld of 1025 pages cached) and reads back", in_cache);
	unsetenv("VAULT_NO_DIRECT_IO");
	free(p);
}

/*
 * The sparse writer: content with zero runs, some block-aligned and some
 * not, fed in pieces of awkward lengths, reads back exactly, with holes
 * for the aligned zero blocks (where the file system makes holes: the
 * allocated size is checked only to be smaller than the content).
 */
static void test_sparse(const char *dir)
{
	static const size_t pieces[] = { 1, 4095, 4097, 3, 65536, 100, 12289 };
	const size_t len = 8u << 20;
	unsigned char *p = calloc(1, len);
	char path[4096];
	struct vlt_sparse_writer w;
	struct stat st;
	size_t off = 0, k = 0;
	int fd, err = 0;

	if (!p) {
		ok(0, "allocation");
		return;
	}
	fill(p, 10, 1);                    /* data, then 2 MiB of zeros */
	fill(p + (2u << 20) + 17, 5000, 2); /* unaligned data */
	fill(p + (5u << 20), 4096, 3);     /* one aligned block */
	p[(6u << 20) + 4095] = 7;          /* one byte at a block's end */
	/* the last 1 MiB and a bit are zeros: the size comes from ftruncate */
	snprintf(path, sizeof(path), "%s/sparse", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	vlt_sparse_init(&w, fd, "sparse");
	while (fd >= 0 && !err && off < len) {
		size_t n = pieces[k++ % (sizeof(pieces) / sizeof(pieces[0]))];

		if (n > len - off)
			n = len - off;
		err = vlt_sparse_write(&w, p + off, n);
		off += n;
	}
	if (fd >= 0 && !err)
		err = vlt_sparse_finish(&w);
	ok(fd >= 0 && !err && fstat(fd, &st) == 0 && st.st_size == (off_t)len &&
	   same_file(path, p, len), "sparse writer: content in pieces of odd "
	   "lengths reads back exactly, size %lld", (long long)len);
	ok(w.holes >= len - (6u * 4096 + 2 * 4096 + 10000) && w.holes < len,
	   "sparse writer: the aligned zero blocks were skipped (%llu bytes)",
	   (unsigned long long)w.holes);
	ok(fd >= 0 && (uint64_t)st.st_blocks * 512 < len / 2,
	   "sparse writer: %lld bytes allocated for %zu of content",
	   (long long)st.st_blocks * 512, len);
	if (fd >= 0)
		close(fd);
	free(p);
}

/* vlt_path_below: paths given by a user, against a project folder */
static void test_path_below(const char *tmp)
{
	static const struct {
		const char *path;
		int want;
		const char *rel;
	} rows[] = {
		{ "art/Saved/x.kra", 1, "art/Saved/x.kra" },
		{ "art/", 1, "art" },
		{ "art/../src", 1, "src" },
		{ "./art/./Saved", 1, "art/Saved" },
		{ ".", 1, "" },
		{ "nope/deeper/x", 1, "nope/deeper/x" },
		{ "link-to-art/y", 1, "art/y" },
		{ "link-to-art", 1, "link-to-art" },
		{ "..", 0, NULL },
		{ "../projx/a", 0, NULL },
		{ "/etc/passwd", 0, NULL },
	};
	char root[600], cwd[4096], buf[700];
	struct vlt_buf rel = VLT_BUF_INIT;
	char *real;

	snprintf(root, sizeof(root), "%s/proj", tmp);
	snprintf(buf, sizeof(buf), "%s/art/Saved", root);
	vlt_mkdir_p(buf, 0755);
	snprintf(buf, sizeof(buf), "%s/src", root);
	vlt_mkdir_p(buf, 0755);
	snprintf(buf, sizeof(buf), "%s/link-to-art", root);
	if (symlink("art", buf) < 0)
		tap_diag("symlink: %s", strerror(errno));
	real = realpath(root, NULL);
	if (!getcwd(cwd, sizeof(cwd)) || chdir(root) < 0 || !real) {
		ok(0, "path_below: set up");
		free(real);
		return;
	}
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int got = vlt_path_below(real, rows[i].path, &rel);

		if (!ok(got == rows[i].want && (!rows[i].rel ||
			!strcmp(rel.data ? rel.data : "", rows[i].rel)),
			"path_below '%s'", rows[i].path))
			tap_diag("  got %d '%s'", got, rel.data ? rel.data : "");
	}
	snprintf(buf, sizeof(buf), "%s/art/Saved", real);
	ok(vlt_path_below(real, buf, &rel) == 1 && !strcmp(rel.data, "art/Saved"),
	   "path_below: an absolute path inside");
	if (chdir(cwd) < 0)
		tap_diag("chdir back: %s", strerror(errno));
	vlt_buf_release(&rel);
	free(real);
}

/* vlt_read_file_max: up to the limit the whole file, above it an error. */
static void test_read_max(const char *dir)
{
	struct vlt_buf path = VLT_BUF_INIT, got = VLT_BUF_INIT;
	unsigned char data[5000];

	fill(data, sizeof(data), 7);
	vlt_buf_addf(&path, "%s/max-file", dir);
	if (vlt_write_file_atomic(path.data, data, sizeof(data), 0644, 0) < 0) {
		ok(0, "write %s: %s", path.data, vlt_error_last());
		goto done;
	}
	ok(vlt_read_file_max(path.data, sizeof(data), &got) == 0 &&
	   got.len == sizeof(data) && !memcmp(got.data, data, sizeof(data)),
	   "read_file_max reads a file of exactly the limit");
	ok(vlt_read_file_max(path.data, sizeof(data) - 1, &got) ==
	   VLT_E_UNSUPPORTED && strstr(vlt_error_last(), "larger than 4999 bytes"),
	   "read_file_max refuses a file one byte over the limit");
	vlt_buf_adds(&path, "-none");
	ok(vlt_read_file_max(path.data, 10, &got) == VLT_E_NOTFOUND,
	   "read_file_max: a missing file is not found");
done:
	vlt_buf_release(&path);
	vlt_buf_release(&got);
}

int main(void)
{
	char shm[64];

	tap_plan_lazy();
	test_sizes(tap_tmpdir(), "scratch dir");
	snprintf(shm, sizeof(shm), "/dev/shm/vault-fsutil-%d", (int)getpid());
	if (mkdir(shm, 0700) == 0) {
		char cmd[128];

		test_sizes(shm, "tmpfs");
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", shm);
		if (system(cmd) != 0)
			tap_diag("could not remove %s", shm);
	} else {
		tap_skip("no /dev/shm: tmpfs case not run");
	}
	test_direct_or_not(tap_tmpdir());
	test_sparse(tap_tmpdir());
	test_path_below(tap_tmpdir());
	test_read_max(tap_tmpdir());
	return tap_done();
}
