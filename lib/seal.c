/*
 * seal.c - sealers (see seal.h). Only the identity sealer exists today.
 */
#include <string.h>

#include "error.h"
#include "seal.h"

int vlt_sealer_parse(struct vlt_sealer *s, const char *name)
{
	memset(s, 0, sizeof(*s));
	if (!strcmp(name, "none"))
		return 0;
	return vlt_error_set(VLT_E_UNSUPPORTED, "unsupported seal '%s'", name);
}

const char *vlt_sealer_name(const struct vlt_sealer *s)
{
	return s->kind == VLT_SEAL_NONE ? "none" : "unknown";
}

int vlt_seal(const struct vlt_sealer *s, const struct vlt_oid *oid,
	     const void *in, size_t len, const void **outp, size_t *outlen,
	     struct vlt_buf *scratch)
{
	(void)oid;
	(void)scratch;
	if (s->kind != VLT_SEAL_NONE)
		return vlt_error_set(VLT_E_UNSUPPORTED, "unsupported seal");
	*outp = in;
	*outlen = len;
	return 0;
}

int vlt_unseal(const struct vlt_sealer *s, const struct vlt_oid *oid,
	       const void *in, size_t len, const void **outp, size_t *outlen,
	       struct vlt_buf *scratch)
{
	return vlt_seal(s, oid, in, len, outp, outlen, scratch);
}
