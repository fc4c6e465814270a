/*
 * midx.h - the multi-pack index (Documentation/format.md, "Multi-pack
 * index"): all ids of many packs in one sorted table, so a lookup is one
 * binary search however many packs there are. Packs stored after it are
 * searched one by one (odb.c) until the next one is written.
 *
 * A damaged or foreign index/midx-* key is never an error: it is skipped,
 * since the index is only a shortcut and every pack has its own index.
 */
#ifndef VLT_MIDX_H
#define VLT_MIDX_H

#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "hash.h"
#include "pack.h"

struct vlt_midx;

/*
 * Load the valid index/midx-* covering the most packs into *out (NULL
 * when there is none). Fails only when the keys cannot be listed or
 * memory runs out.
 */
int vlt_midx_load(struct vlt_backend *be, struct vlt_midx **out);
void vlt_midx_free(struct vlt_backend *be, struct vlt_midx *m);

/* How many packs the index names. */
uint32_t vlt_midx_pack_count(const struct vlt_midx *m);

/*
 * Tie each pack the index names to the loaded pack of that name among
 * packs[0..n-1] (setting its in_midx); a pack not loaded stays unknown.
 */
int vlt_midx_bind(struct vlt_midx *m, struct vlt_pack *const *packs,
		  size_t n);

/*
 * Look oid up: 1 when the index has it, with *pack the bound pack (NULL
 * when that pack is not loaded) and *pos the position the index gives
 * in it (the caller checks it against the pack); 0 when absent.
 */
int vlt_midx_find(const struct vlt_midx *m, const struct vlt_oid *oid,
		  struct vlt_pack **pack, uint32_t *pos);

/*
 * Store a multi-pack index of packs[0..n-1] (n > 0) as index/midx-NAME,
 * NAME the SHA-256 of the sorted pack names (an existing one is kept);
 * name_hex gets NAME. An id in several packs is indexed in the first
 * pack by name.
 */
int vlt_midx_write(struct vlt_backend *be, struct vlt_pack *const *packs,
		   size_t n, char name_hex[VLT_OID_HEXSZ + 1]);

#endif
