/*
 * seal.h - the per-object sealing step between compression and the pack.
 *
 * Every stored object passes through vlt_seal() after compression and
 * vlt_unseal() before decompression. Which sealer a repository uses is
 * recorded in config (core.seal). Today only "none" exists (the stored
 * bytes are the compressed bytes); authenticated encryption with the
 * object id as associated data slots in here without touching packs.
 */
#ifndef VLT_SEAL_H
#define VLT_SEAL_H

#include <stddef.h>

#include "buf.h"
#include "hash.h"

enum vlt_seal_kind {
	VLT_SEAL_NONE = 0,
};

struct vlt_sealer {
	enum vlt_seal_kind kind;
	unsigned char key[32];
};

int vlt_sealer_parse(struct vlt_sealer *s, const char *name);
const char *vlt_sealer_name(const struct vlt_sealer *s);

/*
 * Seal in[0..len) for object oid. *outp and *outlen point either at in itself
 * (no-op sealers) or into scratch.
 */
int vlt_seal(const struct vlt_sealer *s, const struct vlt_oid *oid,
	     const void *in, size_t len, const void **outp, size_t *outlen,
	     struct vlt_buf *scratch);
/* The inverse; VLT_E_CORRUPT when authentication fails. */
int vlt_unseal(const struct vlt_sealer *s, const struct vlt_oid *oid,
	       const void *in, size_t len, const void **outp, size_t *outlen,
	       struct vlt_buf *scratch);

#endif
