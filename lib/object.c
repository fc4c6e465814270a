/*
 * object.c - object kinds and object ids (see object.h, format.md).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "chunker.h"
#include "error.h"
#include "object.h"

static const char *const kind_names[] = {
	[VLT_OBJ_NONE] = "none",
	[VLT_OBJ_CHUNK] = "chunk",
	[VLT_OBJ_FILE] = "file",
	[VLT_OBJ_TREE] = "tree",
	[VLT_OBJ_SNAPSHOT] = "snapshot",
	[VLT_OBJ_RECORD] = "record",
};

const char *vlt_obj_kind_name(enum vlt_obj_kind kind)
{
	if ((unsigned)kind < sizeof(kind_names) / sizeof(kind_names[0]))
		return kind_names[kind];
	return "unknown";
}

uint64_t vlt_obj_size_limit(enum vlt_obj_kind kind, uint32_t chunk_max)
{
	switch (kind) {
	case VLT_OBJ_CHUNK:
		return chunk_max > VLT_CHUNK_MAX_DEFAULT ? chunk_max
							 : VLT_CHUNK_MAX_DEFAULT;
	case VLT_OBJ_FILE: return VLT_OBJ_FILE_LIMIT;
	case VLT_OBJ_TREE: return VLT_OBJ_TREE_LIMIT;
	case VLT_OBJ_SNAPSHOT: return VLT_OBJ_SNAPSHOT_LIMIT;
	case VLT_OBJ_RECORD: return VLT_OBJ_RECORD_LIMIT;
	case VLT_OBJ_NONE: break;
	}
	return 0;
}

int vlt_obj_size_check(const struct vlt_oid *oid, enum vlt_obj_kind kind,
		       uint64_t size, uint32_t chunk_max)
{
	uint64_t limit = vlt_obj_size_limit(kind, chunk_max);

	if (size <= limit)
		return 0;
	return vlt_error_set(VLT_E_CORRUPT, "object %s: declared size %llu "
			     "exceeds the format's limit %llu for a %s",
			     oid ? vlt_oid_hex(oid) : "(new)",
			     (unsigned long long)size,
			     (unsigned long long)limit, vlt_obj_kind_name(kind));
}

enum vlt_obj_kind vlt_obj_kind_parse(const char *name)
{
	for (unsigned i = 1; i < sizeof(kind_names) / sizeof(kind_names[0]); i++)
		if (!strcmp(name, kind_names[i]))
			return (enum vlt_obj_kind)i;
	return VLT_OBJ_NONE;
}

int vlt_object_id_begin(struct vlt_idctx *ctx, const struct vlt_idfn *fn,
			enum vlt_obj_kind kind, uint64_t len)
{
	char hdr[48];
	int n;

	if (kind == VLT_OBJ_NONE || (unsigned)kind > VLT_OBJ_RECORD)
		return vlt_error_set(VLT_E_INVALID, "bad object kind %d", kind);
	n = snprintf(hdr, sizeof(hdr), "%s %" PRIu64, vlt_obj_kind_name(kind), len);
	VLT_TRY(vlt_idctx_init(ctx, fn));
	/* the header includes its terminating NUL */
	return vlt_idctx_update(ctx, hdr, (size_t)n + 1);
}

int vlt_object_id(const struct vlt_idfn *fn, enum vlt_obj_kind kind,
		  const void *data, size_t len, struct vlt_oid *out)
{
	struct vlt_idctx ctx = { 0 };
	int err;

	if ((err = vlt_object_id_begin(&ctx, fn, kind, len)) < 0 ||
	    (err = vlt_idctx_update(&ctx, data, len)) < 0) {
		vlt_idctx_release(&ctx);
		return err;
	}
	return vlt_idctx_final(&ctx, out);
}
