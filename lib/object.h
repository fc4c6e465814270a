/*
 * object.h - object kinds and how an object's id is computed.
 *
 * id = H("<kind> <decimal length>\0" || content), H being the repository's
 * id function (plain SHA-256 by default). See Documentation/format.md.
 */
#ifndef VLT_OBJECT_H
#define VLT_OBJECT_H

#include <stddef.h>

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

/* Compute the id of an object held in memory. */
int vlt_object_id(const struct vlt_idfn *fn, enum vlt_obj_kind kind,
		  const void *data, size_t len, struct vlt_oid *out);

/* Start a streaming id computation for an object of known length: feed
 * the content with vlt_idctx_update, finish with vlt_idctx_final. */
int vlt_object_id_begin(struct vlt_idctx *ctx, const struct vlt_idfn *fn,
			enum vlt_obj_kind kind, uint64_t len);

#endif
