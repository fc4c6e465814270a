/*
 * hash.h - object ids and the hash functions behind them.
 *
 * An object id is 32 bytes. How it is computed is a per-repository choice
 * recorded in config (core.objectHash): "sha256" is plain SHA-256 over the
 * object header and content (Documentation/format.md); a keyed HMAC-SHA-256
 * for encrypted repositories slots in as another struct vlt_idfn without
 * touching callers. SHA-256 comes from OpenSSL's libcrypto (SHA-NI where
 * the CPU has it); XXH3 is for non-cryptographic checksums only.
 */
#ifndef VLT_HASH_H
#define VLT_HASH_H

#include <stddef.h>
#include <stdint.h>

#define VLT_OID_RAWSZ 32
#define VLT_OID_HEXSZ 64

struct vlt_oid {
	unsigned char id[VLT_OID_RAWSZ];
};

/* hex must hold VLT_OID_HEXSZ + 1 bytes; returns hex. */
char *vlt_oid_to_hex(const struct vlt_oid *oid, char *hex);
/* Thread-local rotating buffers, for printf convenience (4 at a time). */
const char *vlt_oid_hex(const struct vlt_oid *oid);
/* Parse exactly 64 hex digits (no more, no less); 0 or VLT_E_INVALID. */
int vlt_oid_from_hex(struct vlt_oid *oid, const char *hex);
int vlt_oid_cmp(const struct vlt_oid *a, const struct vlt_oid *b);
int vlt_oid_is_zero(const struct vlt_oid *oid);
void vlt_oid_clear(struct vlt_oid *oid);
/* 1 if s is a hex string of length 4..64 (a candidate id prefix). */
int vlt_is_hex_prefix(const char *s);

/* One-shot SHA-256. */
void vlt_sha256(const void *data, size_t len, unsigned char out[32]);
/* XXH3 64-bit (checksums, hash tables). */
uint64_t vlt_xxh3(const void *data, size_t len);

/* Streaming id computation, whatever the repository's id function. */
struct vlt_idctx {
	void *md;   /* OpenSSL EVP_MD_CTX*, owned */
};

enum vlt_idfn_kind {
	VLT_IDFN_SHA256 = 0,
};

struct vlt_idfn {
	enum vlt_idfn_kind kind;
	unsigned char key[32];  /* for keyed id functions; unused by sha256 */
};

/* Parse a core.objectHash value; only "sha256" is supported today. */
int vlt_idfn_parse(struct vlt_idfn *fn, const char *name);
const char *vlt_idfn_name(const struct vlt_idfn *fn);

int vlt_idctx_init(struct vlt_idctx *ctx, const struct vlt_idfn *fn);
int vlt_idctx_update(struct vlt_idctx *ctx, const void *data, size_t len);
int vlt_idctx_final(struct vlt_idctx *ctx, struct vlt_oid *out);
/* Safe on a zeroed or finalised context. */
void vlt_idctx_release(struct vlt_idctx *ctx);

#endif
