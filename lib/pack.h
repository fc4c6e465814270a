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

/* Build a pack's index from the pack's own bytes (after verifying its
 * structure and checksum): packs are self-describing. */
int vlt_pack_index_rebuild(const unsigned char *pack, size_t len,
			   struct vlt_buf *idx);
/* Parse index bytes held by the caller (they must outlive *out). */
int vlt_pack_open_buf(const char *name_hex, const unsigned char *idx,
		      size_t len, struct vlt_pack **out);
/* be: the backend the pack was opened from, NULL for vlt_pack_open_buf. */
struct vlt_backend;
void vlt_pack_close(struct vlt_backend *be, struct vlt_pack *p);
/* Binary search; position in 0..count-1, or -1 when absent. */
int64_t vlt_pack_find(const struct vlt_pack *p, const struct vlt_oid *oid);
/* First position whose id starts with the nbytes/odd-nibble prefix. */
uint32_t vlt_pack_lower_bound(const struct vlt_pack *p,
			      const unsigned char *key, size_t keylen);
void vlt_pack_entry_at(const struct vlt_pack *p, uint32_t pos,
		       struct vlt_pack_entry *e);

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
 * The pack files of a repository, for programs that look at the files
 * themselves (fsck, stats, verify-pack). vlt_pack_key gives the key of
 * pack NAME's file with extension ext ("pack" or "idx"), as
 * vlt_pack_list_files lists them: it adds the key of every pack file
 * (temporary files excepted; not sorted) to *out. vlt_pack_file_read
 * reads a whole pack file, vlt_pack_file_size gives its size;
 * VLT_E_NOTFOUND when it is not there.
 */
struct vlt_repo;
int vlt_pack_key(struct vlt_buf *out, const char *name, const char *ext);
int vlt_pack_list_files(struct vlt_repo *r, struct vlt_strlist *out);
int vlt_pack_file_read(struct vlt_repo *r, const char *name, const char *ext,
		       struct vlt_buf *out);
int vlt_pack_file_size(struct vlt_repo *r, const char *name, const char *ext,
		       uint64_t *size);

/* The core's own files see the writer and the backend calls too. */
#ifdef VLT_CORE_INTERNAL
#include "pack-internal.h"
#endif

#endif
