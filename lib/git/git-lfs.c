/*
 * git-lfs.c - what git import and export share: Git LFS pointers (spec
 * v1) and where git-lfs keeps their objects, .gitattributes patterns,
 * and libgit2's errors turned into ours.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>
#include <openssl/evp.h>

#include "buf.h"
#include "error.h"
#include "fsutil.h"
#include "git-internal.h"
#include "git-interop.h"
#include "oidset.h"

int vlt_git_fail(int code, const char *what)
{
	const git_error *e = git_error_last();

	return vlt_error_set(code, "%s: %s", what,
			     e && e->message ? e->message : "libgit2 error");
}

void vlt_git_free_vals(struct vlt_oidmap *m)
{
	size_t pos = 0;
	void *val;

	while (vlt_oidmap_next(m, &pos, NULL, &val))
		free(val);
	vlt_oidmap_release(m);
}

int vlt_git_lfs_pointer(struct vlt_buf *out, const unsigned char sha256[32],
			uint64_t size)
{
	static const char hexd[] = "0123456789abcdef";
	char hex[65];

	for (int i = 0; i < 32; i++) {
		hex[2 * i] = hexd[sha256[i] >> 4];
		hex[2 * i + 1] = hexd[sha256[i] & 15];
	}
	hex[64] = '\0';
	vlt_buf_reset(out);
	return vlt_buf_addf(out, "version https://git-lfs.github.com/spec/v1\n"
			    "oid sha256:%s\nsize %llu\n", hex,
			    (unsigned long long)size);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int vlt_git_sha256_from_hex(unsigned char sha256[32], const char *hex)
{
	for (int i = 0; i < 32; i++) {
		int hi = hexval(hex[2 * i]), lo;

		if (hi < 0 || (lo = hexval(hex[2 * i + 1])) < 0)
			return -1;
		sha256[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

int vlt_git_lfs_parse(const void *data, size_t len, unsigned char sha256[32],
		      uint64_t *size)
{
	static const char v1[] = "version https://git-lfs.github.com/spec/v1\n";
	const char *p = data, *end = p + len, *nl;
	int have_oid = 0, have_size = 0;

	/* pointers are small text files (the spec caps them at 1024 bytes) */
	if (len > 1024 || len < sizeof(v1) - 1 || memcmp(p, v1, sizeof(v1) - 1))
		return 0;
	for (p += sizeof(v1) - 1; p < end; p = nl + 1) {
		if (!(nl = memchr(p, '\n', (size_t)(end - p))))
			return 0;
		if (nl - p == 75 && !memcmp(p, "oid sha256:", 11)) {
			if (vlt_git_sha256_from_hex(sha256, p + 11) < 0)
				return 0;
			have_oid = 1;
		} else if (nl - p > 5 && !memcmp(p, "size ", 5)) {
			uint64_t v = 0;

			for (const char *q = p + 5; q < nl; q++) {
				if (*q < '0' || *q > '9' || v > UINT64_MAX / 10)
					return 0;
				v = v * 10 + (uint64_t)(*q - '0');
			}
			*size = v;
			have_size = 1;
		} else if (nl == p) {
			return 0;   /* blank lines are not allowed */
		}
		/* other keys ("ext-...") are allowed by the spec */
	}
	return have_oid && have_size;
}

int vlt_git_attr_pattern(struct vlt_buf *out, const char *name)
{
	struct vlt_buf pat = VLT_BUF_INIT;
	int quote = 0, err = 0;

	vlt_buf_reset(out);
	/* anchor to this directory, escape glob characters for wildmatch */
	vlt_buf_addch(&pat, '/');
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		if (strchr("*?[\\", *p))
			vlt_buf_addch(&pat, '\\');
		if (*p <= ' ' || *p == '"' || *p >= 0x7f)
			quote = 1;
		vlt_buf_addch(&pat, *p);
	}
	if (!quote) {
		err = vlt_buf_add(out, pat.data, pat.len);
		vlt_buf_release(&pat);
		return err;
	}
	/* git reads a pattern that starts with '"' as a C-quoted string */
	vlt_buf_addch(out, '"');
	for (size_t i = 0; i < pat.len; i++) {
		unsigned char c = (unsigned char)pat.data[i];

		if (c == '"' || c == '\\')
			err = vlt_buf_addf(out, "\\%c", c);
		else if (c < ' ' || c == 0x7f)
			err = vlt_buf_addf(out, "\\%03o", c);
		else
			err = vlt_buf_addch(out, c);
		if (err < 0)
			break;
	}
	if (!err)
		err = vlt_buf_addch(out, '"');
	vlt_buf_release(&pat);
	return err;
}

/* --- the map ----------------------------------------------------------- */

int vlt_git_lfs_object_path(struct vlt_buf *out, const char *gitdir,
			    const unsigned char sha256[32], int dir_only)
{
	vlt_buf_reset(out);
	vlt_buf_addf(out, "%slfs/objects/%02x/%02x", gitdir, sha256[0],
		     sha256[1]);
	if (!dir_only) {
		vlt_buf_addch(out, '/');
		for (int i = 0; i < 32; i++)
			vlt_buf_addf(out, "%02x", sha256[i]);
	}
	return out->data ? 0 : vlt_error_set(VLT_E_NOMEM, "out of memory");
}

int vlt_git_lfs_hash_fd(int fd, const char *path, unsigned char out[32],
			uint64_t *size)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char *buf = malloc(1 << 20);
	unsigned mdlen = 32;
	int err = 0;

	*size = 0;
	if (!md || !buf || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		err = vlt_error_set(VLT_E_NOMEM, "sha256 init failed");
		goto done;
	}
	for (;;) {
		size_t n;

		if ((err = vlt_read_upto(fd, buf, 1 << 20, &n, path)) < 0)
			goto done;
		if (!n)
			break;
		if (EVP_DigestUpdate(md, buf, n) != 1) {
			err = vlt_error_set(VLT_E_GENERIC, "sha256 failed");
			goto done;
		}
		*size += (uint64_t)n;
	}
	if (EVP_DigestFinal_ex(md, out, &mdlen) != 1)
		err = vlt_error_set(VLT_E_GENERIC, "sha256 failed");
done:
	EVP_MD_CTX_free(md);
	free(buf);
	return err;
}
