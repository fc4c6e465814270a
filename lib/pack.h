/*
 * pack.h - pack files and their indexes (Documentation/format.md).
 *
 * A pack is a sequence of objects, each compressed (and, in an encrypted
 * repository, sealed) on its own, written once and then immutable. It is
 * named by the SHA-256 of its sorted object ids. Its index holds the sorted
 * ids with a 256-entry fan-out table and the offset, sizes, kind and codec
 * of each object, so lookups never read the pack; indexes are memory-mapped.
 * Both end with an XXH3-64 checksum of everything before it.
 *
 * Keys: packs/<name>.pack and packs/<name>.idx. The index is stored only
 * after its pack, so a listed index always has its pack.
 */
#ifndef VLT_PACK_H
#define VLT_PACK_H

#include <stdint.h>

#include "backend.h"
#include "buf.h"
#include "compress.h"
#include "hash.h"
#include "object.h"

#define VLT_PACK_MAGIC "VPAK"
#define VLT_IDX_MAGIC "VIDX"
#define VLT_PACK_VERSION 1
#define VLT_PACK_HDR_SIZE 32       /* magic, version, writer id, nonce */
#define VLT_PACK_WRITER_OFF 8
#define VLT_PACK_NONCE_OFF 24
#define VLT_PACK_ENTRY_HDR 44     /* kind, codec, flags, sizes, id */
#define VLT_PACK_TRAILER 48       /* count, reserved, name, xxh3 */
#define VLT_IDX_HDR_SIZE 16
#define VLT_IDX_FANOUT_SIZE 1024
#define VLT_IDX_ENTRY_SIZE 16
#define VLT_IDX_TRAILER 40        /* pack name, xxh3 */
/* Packs never grow past this (offsets in the index are 32-bit). */
#define VLT_PACK_SIZE_LIMIT 0xF0000000u

/* One object's place in a pack, as the index records it. */
struct vlt_pack_entry {
	struct vlt_oid oid;
	uint32_t offset;      /* of the entry header in the pack */
	uint32_t stored_len;  /* bytes after the entry header */
	uint32_t raw_len;     /* uncompressed content length */
	uint8_t kind;         /* enum vlt_obj_kind */
	uint8_t codec;        /* enum vlt_codec */
};

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
/* Build a pack's index from the pack's own bytes (after verifying its
 * structure and checksum): packs are self-describing. */
int vlt_pack_index_rebuild(const unsigned char *pack, size_t len,
			   struct vlt_buf *idx);
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

/* --- reading ------------------------------------------------------- */

struct vlt_pack {
	char name[VLT_OID_HEXSZ + 1];
	struct vlt_oid name_oid;
	const unsigned char *idx;  /* mapped index bytes */
	size_t idx_len;
	int mapped;                /* 1 mapped, 0 malloc'd, 2 borrowed */
	int doomed;                /* slated for deletion by gc: readable,
				    * but never used to deduplicate */
	int in_midx;               /* every id is in the multi-pack index */
	int gone;                  /* the pack file vanished (gc deleted it
				    * after copying its live objects): never
				    * looked in again */

	int lost;                  /* its pack file is missing or shorter
				    * than the index says: readable where
				    * intact, never used to deduplicate */
	uint32_t count;
	const unsigned char *fanout, *ids, *ents;
};

/* Open and validate packs/<name>.idx (checksum, sizes, fan-out order). */
int vlt_pack_open(struct vlt_backend *be, const char *name_hex,
		  struct vlt_pack **out);
/* Parse index bytes held by the caller (they must outlive *out). */
int vlt_pack_open_buf(const char *name_hex, const unsigned char *idx,
		      size_t len, struct vlt_pack **out);
void vlt_pack_close(struct vlt_backend *be, struct vlt_pack *p);
/* Binary search; position in 0..count-1, or -1 when absent. */
int64_t vlt_pack_find(const struct vlt_pack *p, const struct vlt_oid *oid);
/* First position whose id starts with the nbytes/odd-nibble prefix. */
uint32_t vlt_pack_lower_bound(const struct vlt_pack *p,
			      const unsigned char *key, size_t keylen);
void vlt_pack_entry_at(const struct vlt_pack *p, uint32_t pos,
		       struct vlt_pack_entry *e);
/*
 * Read the stored bytes (sealed, compressed) of the object at pos into out
 * (replaced); its entry header in the pack is checked against the index.
 * Unsealing, decompressing and re-hashing are vlt_odb_read's job.
 */
int vlt_pack_read_stored(struct vlt_backend *be, const struct vlt_pack *p,
			 uint32_t pos, struct vlt_pack_entry *e,
			 struct vlt_buf *out);

/*
 * Verify a whole pack file (bytes in memory): header, every entry header,
 * trailer checksum and name; with an index (may be NULL) also that both
 * agree. With rehash (and idfn), decompress and re-hash every object.
 * Messages name the first problem; *nobjects gets the object count.
 */
struct vlt_sealer;
int vlt_pack_verify(const unsigned char *pack, size_t len,
		    const struct vlt_pack *idx, const struct vlt_idfn *idfn,
		    const struct vlt_sealer *sealer, int rehash,
		    uint32_t *nobjects);

/*
 * The storage keys of a pack, for programs that look at the files
 * themselves (fsck, stats, verify-pack): *out gets "packs/NAME.EXT" (ext
 * "pack" or "idx"), and vlt_pack_list_keys adds every key under packs/ to
 * *out (temporary files excepted; not sorted).
 */
int vlt_pack_key(struct vlt_buf *out, const char *name, const char *ext);
int vlt_pack_list_keys(struct vlt_backend *be, struct vlt_strlist *out);

#endif
