/*
 * git-lfs.c - unit tests for lib/git/git-lfs.c, what git import and
 * export share: LFS pointer text written and parsed back, hex SHA-256s,
 * where git-lfs keeps an object, hashing an object file, and the
 * .gitattributes pattern of a file name.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "fsutil.h"
#include "git-internal.h"
#include "git-interop.h"
#include "tap.h"

/* SHA-256 of "abc" (FIPS 180-2's first example). */
static const char abc_hex[] =
	"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

static void test_pointer(void)
{
	struct vlt_buf b = VLT_BUF_INIT;
	unsigned char sha[32], got[32];
	uint64_t size = 0;
	char text[200];

	ok(vlt_git_sha256_from_hex(sha, abc_hex) == 0, "hex SHA-256 parsed");
	ok(vlt_git_sha256_from_hex(got, "BA7816BF8F01CFEA414140DE5DAE2223B00361"
				   "A396177A9CB410FF61F20015AD") < 0,
	   "upper-case hex is not an LFS oid");
	ok(vlt_git_sha256_from_hex(got, "ba78") < 0, "short hex refused");

	ok(vlt_git_lfs_pointer(&b, sha, 3) == 0, "pointer written");
	snprintf(text, sizeof(text), "version https://git-lfs.github.com/spec/v1\n"
		 "oid sha256:%s\nsize 3\n", abc_hex);
	is_str(b.data, text, "pointer text is spec v1");
	memset(got, 0, sizeof(got));
	ok(vlt_git_lfs_parse(b.data, b.len, got, &size) == 1 &&
	   !memcmp(got, sha, 32) && size == 3, "pointer parsed back");

	snprintf(text, sizeof(text), "version https://git-lfs.github.com/spec/v1\n"
		 "oid sha256:%s\n\nsize 3\n", abc_hex);
	ok(vlt_git_lfs_parse(text, strlen(text), got, &size) == 0,
	   "a blank line makes it no pointer");
	snprintf(text, sizeof(text), "version https://git-lfs.github.com/spec/v1\n"
		 "oid sha256:%s\n", abc_hex);
	ok(vlt_git_lfs_parse(text, strlen(text), got, &size) == 0,
	   "a pointer needs its size");
	snprintf(text, sizeof(text), "version https://git-lfs.github.com/spec/v1\n"
		 "oid sha256:%.63sg\nsize 3\n", abc_hex);
	ok(vlt_git_lfs_parse(text, strlen(text), got, &size) == 0,
	   "a bad hex digit makes it no pointer");
	vlt_buf_release(&b);
}

static void test_paths(void)
{
	struct vlt_buf b = VLT_BUF_INIT;
	unsigned char sha[32];
	char want[200];

	vlt_git_sha256_from_hex(sha, abc_hex);
	ok(vlt_git_lfs_object_path(&b, "/g/.git/", sha, 0) == 0,
	   "object path made");
	snprintf(want, sizeof(want), "/g/.git/lfs/objects/ba/78/%s", abc_hex);
	is_str(b.data, want, "object path is git-lfs's");
	ok(vlt_git_lfs_object_path(&b, "/g/.git/", sha, 1) == 0, "dir made");
	is_str(b.data, "/g/.git/lfs/objects/ba/78", "its directory");

	ok(vlt_git_attr_pattern(&b, "a*b.psd") == 0, "pattern made");
	is_str(b.data, "/a\\*b.psd", "glob characters escaped, anchored");
	ok(vlt_git_attr_pattern(&b, "two words.psd") == 0, "quoted pattern");
	is_str(b.data, "\"/two words.psd\"", "a name with a space is quoted");
	vlt_buf_release(&b);
}

static void test_hash_fd(const char *dir)
{
	struct vlt_buf path = VLT_BUF_INIT;
	unsigned char want[32], got[32];
	uint64_t size = 0;
	int fd;

	vlt_git_sha256_from_hex(want, abc_hex);
	vlt_buf_addf(&path, "%s/obj", dir);
	if (vlt_write_file_atomic(path.data, "abc", 3, 0644, 0) < 0 ||
	    (fd = open(path.data, O_RDONLY | O_CLOEXEC)) < 0) {
		ok(0, "write %s: %s", path.data, vlt_error_last());
		vlt_buf_release(&path);
		return;
	}
	ok(vlt_git_lfs_hash_fd(fd, path.data, got, &size) == 0 &&
	   !memcmp(got, want, 32) && size == 3, "object file hashed");
	close(fd);
	vlt_buf_release(&path);
}

int main(void)
{
	tap_plan_lazy();
	test_pointer();
	test_paths();
	test_hash_fd(tap_tmpdir());
	return tap_done();
}
