/*
 * odb.h - the object database: all packs of a repository plus the pack
 * being written.
 *
 * Reads look an id up in every pack index (memory-mapped, fan-out + binary
 * search) and in the objects written but not yet flushed; the content is
 * unsealed, decompressed and (unless disabled) re-hashed, so a damaged
 * object never comes back as good data. Writes are deduplicated against
 * both, compressed per object, and appended to an in-memory pack that is
 * stored when it reaches the pack target size or at vlt_odb_flush().
 * All functions are thread-safe; compression runs outside the locks.
 */
#ifndef VLT_ODB_H
#define VLT_ODB_H

#include <stdint.h>

#include "buf.h"
#include "hash.h"
#include "object.h"
#include "pack.h"
#include "repo.h"

int vlt_odb_open(struct vlt_repo *r);
void vlt_odb_close(struct vlt_repo *r);
/* Look for packs stored since open (by other processes). */
int vlt_odb_reload(struct vlt_repo *r);

/* How many pack indexes could not be loaded at open/reload (damaged,
 * truncated); *first gets the first message. Their objects are unreachable
 * until repaired; fsck reports them. */
int vlt_odb_load_errors(struct vlt_repo *r, const char **first);

/* 1 if present, 0 if not, negative on error. */
int vlt_odb_has(struct vlt_repo *r, const struct vlt_oid *oid);
/* Like vlt_odb_has, ignoring packs slated for deletion by gc. */
int vlt_odb_has_live(struct vlt_repo *r, const struct vlt_oid *oid);
/* Mark a pack as slated for deletion (now or when it is loaded later):
 * still readable, never used to deduplicate. */
int vlt_odb_set_doomed(struct vlt_repo *r, const char *pack_name);
/* 1 if a gc plan (loaded by vlt_gc_load_plans) dooms that pack. */
int vlt_odb_is_doomed(struct vlt_repo *r, const char *pack_name);

/*
 * Writers, before they deduplicate: stat every loaded pack's file. A pack
 * that is missing or shorter than its index says is "lost": its objects
 * no longer count for vlt_odb_has_live() and writes, so they are stored
 * again (reads still try it). *nlost (may be NULL) gets how many.
 */
int vlt_odb_check_packs(struct vlt_repo *r, size_t *nlost);

/* Kind and size from the index alone; VLT_E_NOTFOUND if absent. */
int vlt_odb_info(struct vlt_repo *r, const struct vlt_oid *oid,
		 enum vlt_obj_kind *kind, uint64_t *size);
/* Content into out (replaced); kind may be NULL. VLT_E_NOTFOUND,
 * VLT_E_CORRUPT (with the pack named) on damage. */
int vlt_odb_read(struct vlt_repo *r, const struct vlt_oid *oid,
		 enum vlt_obj_kind *kind, struct vlt_buf *out);
/* Like vlt_odb_read, but fails with VLT_E_INVALID unless kind matches. */
int vlt_odb_read_kind(struct vlt_repo *r, const struct vlt_oid *oid,
		      enum vlt_obj_kind kind, struct vlt_buf *out);

/* Read the copy at position pos of pack p, and no other (fsck). */
int vlt_odb_read_in_pack(struct vlt_repo *r, struct vlt_pack *p, uint32_t pos,
			 struct vlt_buf *out);

/*
 * Record that the copy of oid in pack_name is damaged (fsck does): the
 * key damaged/ID is stored, reads fall back to other copies, and writers
 * no longer count that copy, so the next backup of the intact original
 * stores a good one: the repository heals.
 */
int vlt_odb_mark_damaged(struct vlt_repo *r, const struct vlt_oid *oid,
			 const char *pack_name);

/*
 * Record that the pack itself is damaged (header, trailer, entry flags)
 * though its objects may read fine: damaged/NAME with NAME the pack's own
 * name (format.md, 5.0). gc then rewrites it like a pack with a damaged
 * copy. No object has a pack's name as id, so readers lose nothing.
 */
int vlt_odb_mark_pack_damaged(struct vlt_repo *r, const char *pack_name);

/* How many objects fsck recorded as damaged (damaged/ markers). */
size_t vlt_odb_damaged_count(struct vlt_repo *r);

/* 1 if fsck recorded a damaged object in that pack (gc rewrites it). */
int vlt_odb_pack_damaged(struct vlt_repo *r, const char *pack_name);

/* Hash and store; oid gets the id. Storing an existing object is a no-op. */
int vlt_odb_write(struct vlt_repo *r, enum vlt_obj_kind kind,
		  const void *data, size_t len, struct vlt_oid *oid);
/* Store with an id the caller already computed (must be right). Returns 1
 * if stored, 0 if it was already there. */
int vlt_odb_write_hashed(struct vlt_repo *r, enum vlt_obj_kind kind,
			 const void *data, size_t len,
			 const struct vlt_oid *oid);
/* vlt_odb_write_hashed with a codec for this object (an enum vlt_codec,
 * e.g. a path's compress= attribute), or -1 for the repository's. */
int vlt_odb_write_hashed_codec(struct vlt_repo *r, enum vlt_obj_kind kind,
			       const void *data, size_t len,
			       const struct vlt_oid *oid, int codec_choice);
/* Store the pack being written, if any. After it returns 0, every object
 * written before is durable and visible to other processes. */
int vlt_odb_flush(struct vlt_repo *r);

/* Resolve a hex prefix (4..64 digits). VLT_E_NOTFOUND, VLT_E_AMBIGUOUS. */
int vlt_odb_resolve_prefix(struct vlt_repo *r, const char *hex,
			   struct vlt_oid *out);

/* The packs currently loaded (for fsck, verify-pack, stats). */
size_t vlt_odb_pack_count(struct vlt_repo *r);
struct vlt_pack *vlt_odb_pack_at(struct vlt_repo *r, size_t i);

/*
 * Write a multi-pack index of every loaded pack (index/midx-NAME, NAME the
 * SHA-256 of the sorted pack names), so later lookups are one binary
 * search. name_hex gets NAME.
 */
int vlt_odb_write_midx(struct vlt_repo *r, char name_hex[VLT_OID_HEXSZ + 1]);
/* How many loaded packs the loaded multi-pack index does not cover. */
int vlt_odb_uncovered_packs(struct vlt_repo *r);

/* Read and decode the tree oid into t (initialised here; the caller
 * releases it). A NULL or zero oid is the empty tree. */
struct vlt_tree;
int vlt_odb_read_tree(struct vlt_repo *r, const struct vlt_oid *oid,
		      struct vlt_tree *t);

#endif
