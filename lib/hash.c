/*
 * hash.c - object ids, SHA-256 (OpenSSL) and XXH3 (libxxhash).
 */
#include <string.h>

#include <openssl/evp.h>
#include <xxhash.h>

#include "error.h"
#include "hash.h"

static const char hexdigits[] = "0123456789abcdef";

char *vlt_oid_to_hex(const struct vlt_oid *oid, char *hex)
{
	for (int i = 0; i < VLT_OID_RAWSZ; i++) {
		hex[2 * i] = hexdigits[oid->id[i] >> 4];
		hex[2 * i + 1] = hexdigits[oid->id[i] & 15];
	}
	hex[VLT_OID_HEXSZ] = '\0';
	return hex;
}

const char *vlt_oid_hex(const struct vlt_oid *oid)
{
	static _Thread_local char bufs[4][VLT_OID_HEXSZ + 1];
	static _Thread_local int next;

	next = (next + 1) & 3;
	return vlt_oid_to_hex(oid, bufs[next]);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int vlt_oid_from_hex(struct vlt_oid *oid, const char *hex)
{
	for (int i = 0; i < VLT_OID_RAWSZ; i++) {
		int hi = hexval((unsigned char)hex[2 * i]);
		int lo = hi < 0 ? -1 : hexval((unsigned char)hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return vlt_error_set(VLT_E_INVALID,
					     "not a 64-digit hex id: '%.70s'", hex);
		oid->id[i] = (unsigned char)(hi << 4 | lo);
	}
	if (hex[VLT_OID_HEXSZ] != '\0')
		return vlt_error_set(VLT_E_INVALID,
				     "not a 64-digit hex id: '%.70s'", hex);
	return 0;
}

int vlt_oid_cmp(const struct vlt_oid *a, const struct vlt_oid *b)
{
	return memcmp(a->id, b->id, VLT_OID_RAWSZ);
}

int vlt_oid_is_zero(const struct vlt_oid *oid)
{
	for (int i = 0; i < VLT_OID_RAWSZ; i++)
		if (oid->id[i])
			return 0;
	return 1;
}

void vlt_oid_clear(struct vlt_oid *oid)
{
	memset(oid, 0, sizeof(*oid));
}

int vlt_is_hex_prefix(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (hexval((unsigned char)s[n]) < 0)
			return 0;
	return n >= 4 && n <= VLT_OID_HEXSZ;
}

void vlt_sha256(const void *data, size_t len, unsigned char out[32])
{
	unsigned int n = 32;

	EVP_Digest(data, len, out, &n, EVP_sha256(), NULL);
}

uint64_t vlt_xxh3(const void *data, size_t len)
{
	return XXH3_64bits(data, len);
}

int vlt_idfn_parse(struct vlt_idfn *fn, const char *name)
{
	memset(fn, 0, sizeof(*fn));
	if (!strcmp(name, "sha256")) {
		fn->kind = VLT_IDFN_SHA256;
		return 0;
	}
	return vlt_error_set(VLT_E_UNSUPPORTED,
			     "unsupported object hash '%s'", name);
}

const char *vlt_idfn_name(const struct vlt_idfn *fn)
{
	switch (fn->kind) {
	case VLT_IDFN_SHA256: return "sha256";
	}
	return "unknown";
}

int vlt_idctx_init(struct vlt_idctx *ctx, const struct vlt_idfn *fn)
{
	EVP_MD_CTX *md;

	if (fn->kind != VLT_IDFN_SHA256)
		return vlt_error_set(VLT_E_UNSUPPORTED, "unsupported id function");
	md = EVP_MD_CTX_new();
	if (!md)
		return vlt_error_set(VLT_E_NOMEM, "EVP_MD_CTX_new failed");
	if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(md);
		return vlt_error_set(VLT_E_GENERIC, "EVP_DigestInit failed");
	}
	ctx->md = md;
	return 0;
}

int vlt_idctx_update(struct vlt_idctx *ctx, const void *data, size_t len)
{
	if (EVP_DigestUpdate(ctx->md, data, len) != 1)
		return vlt_error_set(VLT_E_GENERIC, "EVP_DigestUpdate failed");
	return 0;
}

int vlt_idctx_final(struct vlt_idctx *ctx, struct vlt_oid *out)
{
	unsigned int n = VLT_OID_RAWSZ;
	int ok = EVP_DigestFinal_ex(ctx->md, out->id, &n);

	vlt_idctx_release(ctx);
	if (ok != 1)
		return vlt_error_set(VLT_E_GENERIC, "EVP_DigestFinal failed");
	return 0;
}

void vlt_idctx_release(struct vlt_idctx *ctx)
{
	if (ctx->md)
		EVP_MD_CTX_free(ctx->md);
	ctx->md = NULL;
}
