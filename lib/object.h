/*
 * object.h - object kinds and how an object's id is computed.
 *
 * id = H("<kind> <decimal length>\0" || content), H being the repository's
 * id function (plain SHA-256 by default). See Documentation/format.md.
 */
#ifndef VLT_OBJECT_H
#define VLT_OBJECT_H

#include <stddef.h>
#include <stdint.h>

#include "hash.h"

enum vlt_obj_kind {
	VLT_OBJ_NONE = 0,
	VLT_OBJ_CHUNK = 1,     /* raw bytes of a piece of a file */
	VLT_OBJ_FILE = 2,      /* ordered chunk list with sizes */
	VLT_OBJ_TREE = 3,      /* sorted directory entries */
	VLT_OBJ_SNAPSHOT = 4,  /* tree + parents + who/when/why */
	VLT_OBJ_RECORD = 5,    /* persona records (milestone, playtest, ...) */
};

const char *vlt_obj_kind_name(enum vlt_obj_kind kind);
/* Returns VLT_OBJ_NONE for an unknown name. */
enum vlt_obj_kind vlt_obj_kind_parse(const char *name);

/*
 * The largest content an object of kind may have (Documentation/format.md,
 * "Limits"): readers check an object's declared size against it before
 * allocating, writers refuse larger objects. A chunk is bounded by the
 * repository's chunker maximum (chunk_max; never below 1 MiB, so symlink
 * targets and small literal chunks always fit); the structured kinds have
 * fixed limits far above anything a real backup needs.
 */
#define VLT_OBJ_FILE_LIMIT     (256u * 1024 * 1024)  /* ~7M chunk refs */
#define VLT_OBJ_TREE_LIMIT     (256u * 1024 * 1024)  /* ~2M entries */
#define VLT_OBJ_SNAPSHOT_LIMIT (16u * 1024 * 1024)
#define VLT_OBJ_RECORD_LIMIT   (16u * 1024 * 1024)
uint64_t vlt_obj_size_limit(enum vlt_obj_kind kind, uint32_t chunk_max);
/* 0, or VLT_E_CORRUPT "object X: declared size N exceeds the format's
 * limit M" when size is above vlt_obj_size_limit. */
int vlt_obj_size_check(const struct vlt_oid *oid, enum vlt_obj_kind kind,
		       uint64_t size, uint32_t chunk_max);

/* Compute the id of an object held in memory. */
int vlt_object_id(const struct vlt_idfn *fn, enum vlt_obj_kind kind,
		  const void *data, size_t len, struct vlt_oid *out);

/* Start a streaming id computation for an object of known length: feed
 * the content with vlt_idctx_update, finish with vlt_idctx_final. */
int vlt_object_id_begin(struct vlt_idctx *ctx, const struct vlt_idfn *fn,
			enum vlt_obj_kind kind, uint64_t len);

#endif
