/*
 * pack-internal.h - writing packs and reading them through the storage
 * backend: the core's own half of pack.h (odb, gc, fsck repair). Programs
 * use pack.h and the object database (odb.h) instead; pack.h includes
 * this file only when VLT_CORE_INTERNAL is defined (the libraries'
 * CPPFLAGS), see scripts/check-api.sh.
 */
#ifndef VLT_PACK_INTERNAL_H
#define VLT_PACK_INTERNAL_H

#include <stdint.h>

#include "backend.h"
#include "buf.h"
#include "pack.h"

/* --- writing ------------------------------------------------------- */

struct vlt_pack_writer {
	struct vlt_buf data;            /* the pack being built, in memory */
	unsigned char writer[16];       /* its writer's lock id (or zeros) */
	struct vlt_pack_entry *entries;
	size_t nr, alloc;
};

void vlt_pack_writer_init(struct vlt_pack_writer *w);
void vlt_pack_writer_release(struct vlt_pack_writer *w);
/* Append one object already compressed with codec. */
int vlt_pack_writer_add(struct vlt_pack_writer *w, const struct vlt_oid *oid,
			enum vlt_obj_kind kind, enum vlt_codec codec,
			uint32_t raw_len, const void *stored, size_t stored_len);
/* Bytes the pack would have if finished now. */
uint64_t vlt_pack_writer_size(const struct vlt_pack_writer *w);
/*
 * Seal the pack: compute its name, store packs/NAME.pack then
 * packs/NAME.idx through be (put-if-absent both; a pack of the same name
 * already present is kept as it is). name_hex gets the 64-hex name.
 * The writer is reset for reuse.
 */
int vlt_pack_writer_finish(struct vlt_pack_writer *w, struct vlt_backend *be,
			   char name_hex[VLT_OID_HEXSZ + 1]);

/* Build the index bytes for entries (sorted in place) of pack `name`. */
int vlt_pack_index_build(struct vlt_pack_entry *entries, size_t nr,
			 const struct vlt_oid *name, struct vlt_buf *out);
/*
 * Store packs/NAME.idx for a pack that has none (its writer died between
 * storing the pack and its index, or the index was lost), built from the
 * pack's own bytes after checking its structure, checksum and name (git's
 * index-pack). Harmless beside a writer that is about to store the same
 * index: the index is a function of the pack, and put-if-absent lets the
 * first one stand. *made (may be NULL) is 1 if this call stored it, 0 if
 * an index was there already. VLT_E_CORRUPT if the pack is damaged.
 */
int vlt_pack_reindex(struct vlt_backend *be, const char *name_hex, int *made);
/* The writer id recorded in a pack's header (format.md, 9.3). */
int vlt_pack_read_writer(struct vlt_backend *be, const char *name_hex,
			 unsigned char writer[16]);
/* The pack name: SHA-256 of the header's 8-byte nonce followed by the
 * concatenated sorted ids. */
void vlt_pack_name(const unsigned char nonce[8],
		   const struct vlt_pack_entry *sorted, size_t nr,
		   struct vlt_oid *name);

/* Open and validate packs/<name>.idx (checksum, sizes, fan-out order). */
int vlt_pack_open(struct vlt_backend *be, const char *name_hex,
		  struct vlt_pack **out);

/*
 * Read the stored bytes (sealed, compressed) of the object at pos into out
 * (replaced); its entry header in the pack is checked against the index.
 * Unsealing, decompressing and re-hashing are vlt_odb_read's job.
 */
int vlt_pack_read_stored(struct vlt_backend *be, const struct vlt_pack *p,
			 uint32_t pos, struct vlt_pack_entry *e,
			 struct vlt_buf *out);

/* Add every key under packs/ to *out (vlt_pack_list_files for programs). */
int vlt_pack_list_keys(struct vlt_backend *be, struct vlt_strlist *out);

#endif
