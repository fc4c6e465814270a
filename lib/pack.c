/*
 * pack.c - writing, indexing, reading and verifying packs.
 *
 * Byte layouts are in Documentation/format.md ("Packs", "Pack indexes").
 * A pack is built in memory (bounded by the pack size target), then stored
 * with put-if-absent: first the pack, then its index, so that any index a
 * reader can list refers to a complete pack.
 */
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "fsutil.h"
#include "object.h"
#include "pack.h"
#include "repo.h"
#include "seal.h"

void vlt_pack_writer_init(struct vlt_pack_writer *w)
{
	memset(w, 0, sizeof(*w));
}

void vlt_pack_writer_release(struct vlt_pack_writer *w)
{
	vlt_buf_release(&w->data);
	free(w->entries);
	memset(w, 0, sizeof(*w));
}

static int write_header(struct vlt_buf *b, const unsigned char writer[16])
{
	unsigned char hdr[VLT_PACK_HDR_SIZE] = { 0 };

	memcpy(hdr, VLT_PACK_MAGIC, 4);
	vlt_put_be32(hdr + 4, VLT_PACK_VERSION);
	/* which running writer made it: gc leaves the packs of running
	 * writers alone (format.md 9.3) */
	memcpy(hdr + VLT_PACK_WRITER_OFF, writer, 16);
	/*
	 * A random nonce, part of the pack's name: two packs never share a
	 * name, even with the same objects (a copy gc or a settling writer
	 * makes must not collide with the pack it replaces).
	 */
	VLT_TRY(vlt_random_bytes(hdr + VLT_PACK_NONCE_OFF, 8));
	return vlt_buf_add(b, hdr, sizeof(hdr));
}

int vlt_pack_writer_add(struct vlt_pack_writer *w, const struct vlt_oid *oid,
			enum vlt_obj_kind kind, enum vlt_codec codec,
			uint32_t raw_len, const void *stored, size_t stored_len)
{
	unsigned char hdr[VLT_PACK_ENTRY_HDR];
	struct vlt_pack_entry *e;

	if (!w->data.len)
		VLT_TRY(write_header(&w->data, w->writer));
	if (stored_len > VLT_PACK_SIZE_LIMIT ||
	    w->data.len + VLT_PACK_ENTRY_HDR + stored_len > VLT_PACK_SIZE_LIMIT)
		return vlt_error_set(VLT_E_INVALID, "object too large for a pack");
	VLT_TRY(VLT_ALLOC_GROW(w->entries, w->nr + 1, w->alloc));
	hdr[0] = (unsigned char)kind;
	hdr[1] = (unsigned char)codec;
	hdr[2] = hdr[3] = 0;
	vlt_put_be32(hdr + 4, (uint32_t)stored_len);
	vlt_put_be32(hdr + 8, raw_len);
	memcpy(hdr + 12, oid->id, VLT_OID_RAWSZ);
	e = &w->entries[w->nr];
	e->oid = *oid;
	e->offset = (uint32_t)w->data.len;
	e->stored_len = (uint32_t)stored_len;
	e->raw_len = raw_len;
	e->kind = (uint8_t)kind;
	e->codec = (uint8_t)codec;
	VLT_TRY(vlt_buf_add(&w->data, hdr, sizeof(hdr)));
	VLT_TRY(vlt_buf_add(&w->data, stored, stored_len));
	w->nr++;
	return 0;
}

uint64_t vlt_pack_writer_size(const struct vlt_pack_writer *w)
{
	return w->data.len + VLT_PACK_TRAILER;
}

static int cmp_entry(const void *a, const void *b)
{
	return vlt_oid_cmp(&((const struct vlt_pack_entry *)a)->oid,
			   &((const struct vlt_pack_entry *)b)->oid);
}

void vlt_pack_name(const unsigned char nonce[8],
		   const struct vlt_pack_entry *sorted, size_t nr,
		   struct vlt_oid *name)
{
	struct vlt_idctx ctx = { 0 };
	struct vlt_idfn fn = { .kind = VLT_IDFN_SHA256 };

	/* plain SHA-256 whatever the repository's id function */
	if (vlt_idctx_init(&ctx, &fn) < 0) {
		memset(name, 0, sizeof(*name));
		return;
	}
	vlt_idctx_update(&ctx, nonce, 8);
	for (size_t i = 0; i < nr; i++)
		vlt_idctx_update(&ctx, sorted[i].oid.id, VLT_OID_RAWSZ);
	vlt_idctx_final(&ctx, name);
}

int vlt_pack_index_build(struct vlt_pack_entry *entries, size_t nr,
			 const struct vlt_oid *name, struct vlt_buf *out)
{
	unsigned char hdr[VLT_IDX_HDR_SIZE] = { 0 };
	uint32_t fanout[256] = { 0 };

	vlt_buf_reset(out);
	if (nr > 1)
		qsort(entries, nr, sizeof(*entries), cmp_entry);
	memcpy(hdr, VLT_IDX_MAGIC, 4);
	vlt_put_be32(hdr + 4, VLT_PACK_VERSION);
	vlt_put_be32(hdr + 8, (uint32_t)nr);
	VLT_TRY(vlt_buf_grow(out, VLT_IDX_HDR_SIZE + VLT_IDX_FANOUT_SIZE +
			     nr * (VLT_OID_RAWSZ + VLT_IDX_ENTRY_SIZE) +
			     VLT_IDX_TRAILER));
	VLT_TRY(vlt_buf_add(out, hdr, sizeof(hdr)));
	for (size_t i = 0; i < nr; i++)
		fanout[entries[i].oid.id[0]]++;
	for (int i = 1; i < 256; i++)
		fanout[i] += fanout[i - 1];
	for (int i = 0; i < 256; i++)
		VLT_TRY(vlt_buf_add_be32(out, fanout[i]));
	for (size_t i = 0; i < nr; i++)
		VLT_TRY(vlt_buf_add(out, entries[i].oid.id, VLT_OID_RAWSZ));
	for (size_t i = 0; i < nr; i++) {
		unsigned char e[VLT_IDX_ENTRY_SIZE] = { 0 };

		vlt_put_be32(e, entries[i].offset);
		vlt_put_be32(e + 4, entries[i].stored_len);
		vlt_put_be32(e + 8, entries[i].raw_len);
		e[12] = entries[i].kind;
		e[13] = entries[i].codec;
		VLT_TRY(vlt_buf_add(out, e, sizeof(e)));
	}
	VLT_TRY(vlt_buf_add(out, name->id, VLT_OID_RAWSZ));
	return vlt_buf_add_be64(out, vlt_xxh3(out->data, out->len));
}

int vlt_pack_read_writer(struct vlt_backend *be, const char *name_hex,
			 unsigned char writer[16])
{
	struct vlt_buf key = VLT_BUF_INIT;
	unsigned char hdr[VLT_PACK_HDR_SIZE];
	int err;

	if ((err = vlt_buf_addf(&key, "packs/%s.pack", name_hex)) == 0 &&
	    (err = vlt_backend_get_range(be, key.data, 0, hdr, sizeof(hdr))) == 0) {
		if (memcmp(hdr, VLT_PACK_MAGIC, 4))
			err = vlt_error_set(VLT_E_CORRUPT, "pack %s: bad magic",
					    name_hex);
		else
			memcpy(writer, hdr + VLT_PACK_WRITER_OFF, 16);
	}
	vlt_buf_release(&key);
	return err;
}

int vlt_pack_reindex(struct vlt_backend *be, const char *name_hex, int *made)
{
	struct vlt_buf key = VLT_BUF_INIT, pack = VLT_BUF_INIT, idx = VLT_BUF_INIT;
	struct vlt_oid trailer_name;
	struct vlt_stat st;
	int err;

	if (made)
		*made = 0;
	if (strlen(name_hex) != VLT_OID_HEXSZ || !vlt_is_hex_prefix(name_hex))
		return vlt_error_set(VLT_E_INVALID, "bad pack name '%s'", name_hex);
	if ((err = vlt_buf_addf(&key, "packs/%s.idx", name_hex)) < 0)
		goto done;
	if (vlt_backend_stat(be, key.data, &st) == 0)
		goto done;  /* indexed already */
	vlt_buf_reset(&key);
	if ((err = vlt_buf_addf(&key, "packs/%s.pack", name_hex)) < 0 ||
	    (err = vlt_backend_get(be, key.data, &pack)) < 0 ||
	    (err = vlt_pack_index_rebuild((const unsigned char *)pack.data,
					  pack.len, &idx)) < 0) {
		vlt_error_wrap(err, "pack %s exists without an index and cannot "
			       "be indexed", name_hex);
		goto done;
	}
	/* the name in the trailer was checked against the objects; it must
	 * also be the name the pack is stored under */
	memcpy(trailer_name.id, idx.data + idx.len - VLT_IDX_TRAILER,
	       VLT_OID_RAWSZ);
	if (strcmp(vlt_oid_hex(&trailer_name), name_hex)) {
		err = vlt_error_set(VLT_E_CORRUPT, "pack %s: its trailer names "
				    "another pack", name_hex);
		goto done;
	}
	vlt_buf_reset(&key);
	if ((err = vlt_buf_addf(&key, "packs/%s.idx", name_hex)) < 0)
		goto done;
	/* a writer storing the same index right now stores the same bytes:
	 * whichever put-if-absent comes first stands */
	err = vlt_backend_put_if_absent(be, key.data, idx.data, idx.len);
	if (err == VLT_E_EXISTS) {
		vlt_error_clear();
		err = 0;
	} else if (err == 0 && made) {
		*made = 1;
	}
done:
	vlt_buf_release(&key);
	vlt_buf_release(&pack);
	vlt_buf_release(&idx);
	return err;
}

int vlt_pack_writer_finish(struct vlt_pack_writer *w, struct vlt_backend *be,
			   char name_hex[VLT_OID_HEXSZ + 1])
{
	struct vlt_buf idx = VLT_BUF_INIT, key = VLT_BUF_INIT;
	unsigned char tail[VLT_PACK_TRAILER - 8] = { 0 };
	struct vlt_pack_entry *sorted = NULL;
	struct vlt_oid name;
	int err;

	if (!w->nr)
		return vlt_error_set(VLT_E_INVALID, "empty pack");
	sorted = malloc(w->nr * sizeof(*sorted));
	if (!sorted)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	memcpy(sorted, w->entries, w->nr * sizeof(*sorted));
	qsort(sorted, w->nr, sizeof(*sorted), cmp_entry);
	vlt_pack_name((const unsigned char *)w->data.data + VLT_PACK_NONCE_OFF,
		      sorted, w->nr, &name);
	vlt_oid_to_hex(&name, name_hex);

	vlt_put_be32(tail, (uint32_t)w->nr);
	memcpy(tail + 8, name.id, VLT_OID_RAWSZ);
	if ((err = vlt_buf_add(&w->data, tail, sizeof(tail))) < 0 ||
	    (err = vlt_buf_add_be64(&w->data,
				    vlt_xxh3(w->data.data, w->data.len))) < 0 ||
	    (err = vlt_pack_index_build(sorted, w->nr, &name, &idx)) < 0)
		goto done;

	if ((err = vlt_buf_addf(&key, "packs/%s.pack", name_hex)) < 0)
		goto done;
	err = vlt_backend_put_if_absent(be, key.data, w->data.data, w->data.len);
	if (err == VLT_E_EXISTS) {
		/*
		 * The same objects were packed before: theirs stands, and our
		 * index (whose offsets may differ) must not describe it. If
		 * its writer died before storing the index, index their pack
		 * from its own bytes (identical to what they would have
		 * stored: the index is a function of the pack).
		 */
		err = vlt_pack_reindex(be, name_hex, NULL);
		goto reset;
	}
	if (err < 0)
		goto done;
	vlt_buf_reset(&key);
	if ((err = vlt_buf_addf(&key, "packs/%s.idx", name_hex)) < 0)
		goto done;
	err = vlt_backend_put_if_absent(be, key.data, idx.data, idx.len);
	if (err == VLT_E_EXISTS)
		err = 0;
	if (err < 0)
		goto done;
reset:
	w->nr = 0;
	vlt_buf_reset(&w->data);
done:
	free(sorted);
	vlt_buf_release(&idx);
	vlt_buf_release(&key);
	return err;
}

/* --- reading ------------------------------------------------------- */

static int parse_index(struct vlt_pack *p)
{
	const unsigned char *b = p->idx;
	size_t len = p->idx_len;
	uint32_t count, prev = 0;
	uint64_t want;

	if (len < VLT_IDX_HDR_SIZE + VLT_IDX_FANOUT_SIZE + VLT_IDX_TRAILER)
		return vlt_error_set(VLT_E_CORRUPT, "pack index %s: truncated "
				     "(%zu bytes)", p->name, len);
	if (memcmp(b, VLT_IDX_MAGIC, 4))
		return vlt_error_set(VLT_E_CORRUPT, "pack index %s: bad magic",
				     p->name);
	if (vlt_get_be32(b + 4) != VLT_PACK_VERSION)
		return vlt_error_set(VLT_E_UNSUPPORTED,
				     "pack index %s: version %u not supported",
				     p->name, vlt_get_be32(b + 4));
	count = vlt_get_be32(b + 8);
	want = (uint64_t)VLT_IDX_HDR_SIZE + VLT_IDX_FANOUT_SIZE +
	       (uint64_t)count * (VLT_OID_RAWSZ + VLT_IDX_ENTRY_SIZE) +
	       VLT_IDX_TRAILER;
	if (want != len)
		return vlt_error_set(VLT_E_CORRUPT, "pack index %s: size %zu, "
				     "expected %llu for %u objects", p->name,
				     len, (unsigned long long)want, count);
	if (vlt_xxh3(b, len - 8) != vlt_get_be64(b + len - 8))
		return vlt_error_set(VLT_E_CORRUPT, "pack index %s: bad checksum",
				     p->name);
	p->count = count;
	p->fanout = b + VLT_IDX_HDR_SIZE;
	p->ids = p->fanout + VLT_IDX_FANOUT_SIZE;
	p->ents = p->ids + (size_t)count * VLT_OID_RAWSZ;
	for (int i = 0; i < 256; i++) {
		uint32_t f = vlt_get_be32(p->fanout + 4 * i);

		if (f < prev || f > count)
			return vlt_error_set(VLT_E_CORRUPT,
					     "pack index %s: bad fan-out", p->name);
		prev = f;
	}
	if (prev != count)
		return vlt_error_set(VLT_E_CORRUPT, "pack index %s: bad fan-out",
				     p->name);
	for (uint32_t i = 1; i < count; i++)
		if (memcmp(p->ids + (size_t)(i - 1) * VLT_OID_RAWSZ,
			   p->ids + (size_t)i * VLT_OID_RAWSZ, VLT_OID_RAWSZ) >= 0)
			return vlt_error_set(VLT_E_CORRUPT,
					     "pack index %s: ids not sorted", p->name);
	memcpy(p->name_oid.id, b + len - VLT_IDX_TRAILER, VLT_OID_RAWSZ);
	if (strcmp(vlt_oid_hex(&p->name_oid), p->name))
		return vlt_error_set(VLT_E_CORRUPT,
				     "pack index %s: names another pack", p->name);
	return 0;
}

int vlt_pack_open(struct vlt_backend *be, const char *name_hex,
		  struct vlt_pack **out)
{
	struct vlt_buf key = VLT_BUF_INIT;
	const unsigned char *map;
	size_t len;
	int mapped, err;

	if (strlen(name_hex) != VLT_OID_HEXSZ)
		return vlt_error_set(VLT_E_INVALID, "bad pack name '%s'", name_hex);
	if ((err = vlt_buf_addf(&key, "packs/%s.idx", name_hex)) < 0 ||
	    (err = vlt_backend_map(be, key.data, &map, &len, &mapped)) < 0)
		goto done;
	if ((err = vlt_pack_open_buf(name_hex, map, len, out)) < 0) {
		vlt_backend_unmap(be, map, len, mapped);
		goto done;
	}
	(*out)->mapped = mapped;  /* the pack now owns the mapping */
done:
	vlt_buf_release(&key);
	return err;
}

int vlt_pack_open_buf(const char *name_hex, const unsigned char *idx,
		      size_t len, struct vlt_pack **out)
{
	struct vlt_pack *p;
	int err;

	if (strlen(name_hex) != VLT_OID_HEXSZ)
		return vlt_error_set(VLT_E_INVALID, "bad pack name '%s'", name_hex);
	p = calloc(1, sizeof(*p));
	if (!p)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	memcpy(p->name, name_hex, VLT_OID_HEXSZ + 1);
	p->idx = idx;
	p->idx_len = len;
	p->mapped = 2;
	if ((err = parse_index(p)) < 0) {
		free(p);
		return err;
	}
	*out = p;
	return 0;
}

void vlt_pack_close(struct vlt_backend *be, struct vlt_pack *p)
{
	if (!p)
		return;
	if (p->idx && p->mapped != 2)
		vlt_backend_unmap(be, p->idx, p->idx_len, p->mapped);
	free(p);
}

uint32_t vlt_pack_lower_bound(const struct vlt_pack *p,
			      const unsigned char *key, size_t keylen)
{
	uint32_t lo = key[0] ? vlt_get_be32(p->fanout + 4 * (key[0] - 1)) : 0;
	uint32_t hi = vlt_get_be32(p->fanout + 4 * key[0]);

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (memcmp(p->ids + (size_t)mid * VLT_OID_RAWSZ, key, keylen) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int64_t vlt_pack_find(const struct vlt_pack *p, const struct vlt_oid *oid)
{
	uint32_t pos = vlt_pack_lower_bound(p, oid->id, VLT_OID_RAWSZ);

	if (pos < p->count &&
	    !memcmp(p->ids + (size_t)pos * VLT_OID_RAWSZ, oid->id, VLT_OID_RAWSZ))
		return pos;
	return -1;
}

void vlt_pack_entry_at(const struct vlt_pack *p, uint32_t pos,
		       struct vlt_pack_entry *e)
{
	const unsigned char *r = p->ents + (size_t)pos * VLT_IDX_ENTRY_SIZE;

	memcpy(e->oid.id, p->ids + (size_t)pos * VLT_OID_RAWSZ, VLT_OID_RAWSZ);
	e->offset = vlt_get_be32(r);
	e->stored_len = vlt_get_be32(r + 4);
	e->raw_len = vlt_get_be32(r + 8);
	e->kind = r[12];
	e->codec = r[13];
}

int vlt_pack_read_stored(struct vlt_backend *be, const struct vlt_pack *p,
			 uint32_t pos, struct vlt_pack_entry *e,
			 struct vlt_buf *out)
{
	struct vlt_buf key = VLT_BUF_INIT;
	unsigned char *hdr;
	int err;

	vlt_pack_entry_at(p, pos, e);
	vlt_buf_reset(out);
	if ((err = vlt_buf_addf(&key, "packs/%s.pack", p->name)) < 0)
		goto done;
	/* the index's sizes are claims: a stored size must fit in the pack
	 * before it is allocated (small ones cost nothing to trust: the
	 * read below then comes up short) */
	if ((uint64_t)e->offset + VLT_PACK_ENTRY_HDR + e->stored_len >
	    VLT_PACK_SIZE_LIMIT) {
		err = vlt_error_set(VLT_E_CORRUPT, "object %s: declared size %u "
				    "exceeds the format's limit %u", vlt_oid_hex(
				    &e->oid), e->stored_len, VLT_PACK_SIZE_LIMIT);
		goto done;
	}
	if (e->stored_len > (1u << 20)) {
		struct vlt_stat st;

		if ((err = vlt_backend_stat(be, key.data, &st)) < 0)
			goto done;
		if ((uint64_t)e->offset + VLT_PACK_ENTRY_HDR + e->stored_len >
		    st.size) {
			err = vlt_error_set(VLT_E_CORRUPT, "object %s: declared "
					    "size %u exceeds the format's limit "
					    "%llu (what pack %s holds after it)",
					    vlt_oid_hex(&e->oid), e->stored_len,
					    (unsigned long long)(st.size >
					    e->offset + VLT_PACK_ENTRY_HDR ?
					    st.size - e->offset -
					    VLT_PACK_ENTRY_HDR : 0), p->name);
			goto done;
		}
	}
	if ((err = vlt_buf_grow(out, VLT_PACK_ENTRY_HDR + e->stored_len)) < 0)
		goto done;
	err = vlt_backend_get_range(be, key.data, e->offset, out->data,
				    VLT_PACK_ENTRY_HDR + (size_t)e->stored_len);
	if (err < 0) {
		vlt_error_wrap(err, "pack %s", p->name);
		goto done;
	}
	hdr = (unsigned char *)out->data;
	if (hdr[0] != e->kind || hdr[1] != e->codec ||
	    vlt_get_be32(hdr + 4) != e->stored_len ||
	    vlt_get_be32(hdr + 8) != e->raw_len ||
	    memcmp(hdr + 12, e->oid.id, VLT_OID_RAWSZ)) {
		err = vlt_error_set(VLT_E_CORRUPT, "pack %s: object %s at offset "
				    "%u does not match its index", p->name,
				    vlt_oid_hex(&e->oid), e->offset);
		goto done;
	}
	memmove(out->data, out->data + VLT_PACK_ENTRY_HDR, e->stored_len);
	vlt_buf_setlen(out, e->stored_len);
done:
	vlt_buf_release(&key);
	return err;
}

/* --- verification ---------------------------------------------------- */

int vlt_pack_index_rebuild(const unsigned char *pack, size_t len,
			   struct vlt_buf *idx)
{
	struct vlt_pack_entry *ents = NULL;
	size_t nr = 0, alloc = 0, off = VLT_PACK_HDR_SIZE, end;
	struct vlt_oid name;
	int err;

	/* structure and checksum first: never index a damaged pack */
	if ((err = vlt_pack_verify(pack, len, NULL, NULL, NULL, 0, NULL)) < 0)
		return err;
	end = len - VLT_PACK_TRAILER;
	while (off < end) {
		const unsigned char *h = pack + off;
		struct vlt_pack_entry *e;

		if ((err = VLT_ALLOC_GROW(ents, nr + 1, alloc)) < 0)
			goto done;
		e = &ents[nr++];
		memcpy(e->oid.id, h + 12, VLT_OID_RAWSZ);
		e->offset = (uint32_t)off;
		e->stored_len = vlt_get_be32(h + 4);
		e->raw_len = vlt_get_be32(h + 8);
		e->kind = h[0];
		e->codec = h[1];
		off += VLT_PACK_ENTRY_HDR + e->stored_len;
	}
	memcpy(name.id, pack + end + 8, VLT_OID_RAWSZ);
	err = vlt_pack_index_build(ents, nr, &name, idx);
done:
	free(ents);
	return err;
}

static int rehash_entry(const unsigned char *hdr, const unsigned char *data,
			const struct vlt_idfn *idfn,
			const struct vlt_sealer *sealer,
			struct vlt_compressor *cz, struct vlt_buf *raw,
			struct vlt_buf *scratch)
{
	struct vlt_oid oid, got;
	uint32_t stored = vlt_get_be32(hdr + 4), rawlen = vlt_get_be32(hdr + 8);
	const void *plain;
	size_t plen;

	memcpy(oid.id, hdr + 12, VLT_OID_RAWSZ);
	VLT_TRY(vlt_unseal(sealer, &oid, data, stored, &plain, &plen, scratch));
	vlt_buf_reset(raw);
	VLT_TRY(vlt_buf_grow(raw, rawlen));
	VLT_TRY(vlt_decompress(cz, hdr[1], plain, plen, raw->data, rawlen));
	VLT_TRY(vlt_object_id(idfn, hdr[0], raw->data, rawlen, &got));
	if (vlt_oid_cmp(&oid, &got))
		return vlt_error_set(VLT_E_CORRUPT, "object %s hashes to %s",
				     vlt_oid_hex(&oid), vlt_oid_hex(&got));
	return 0;
}

int vlt_pack_verify(const unsigned char *pack, size_t len,
		    const struct vlt_pack *idx, const struct vlt_idfn *idfn,
		    const struct vlt_sealer *sealer, int rehash,
		    uint32_t *nobjects)
{
	struct vlt_compressor cz;
	struct vlt_buf raw = VLT_BUF_INIT, scratch = VLT_BUF_INIT;
	struct vlt_pack_entry *ents = NULL;
	size_t nr = 0, alloc = 0, off = VLT_PACK_HDR_SIZE, end;
	uint32_t count;
	struct vlt_oid name;
	int err = 0;

	vlt_compressor_init(&cz, VLT_CODEC_NONE, 0);
	if (len < VLT_PACK_HDR_SIZE + VLT_PACK_TRAILER)
		return vlt_error_set(VLT_E_CORRUPT, "truncated (%zu bytes)", len);
	if (memcmp(pack, VLT_PACK_MAGIC, 4))
		return vlt_error_set(VLT_E_CORRUPT, "bad magic");
	if (vlt_get_be32(pack + 4) != VLT_PACK_VERSION)
		return vlt_error_set(VLT_E_UNSUPPORTED, "version %u not supported",
				     vlt_get_be32(pack + 4));
	if (vlt_xxh3(pack, len - 8) != vlt_get_be64(pack + len - 8))
		return vlt_error_set(VLT_E_CORRUPT, "bad checksum (damaged or "
				     "truncated)");
	end = len - VLT_PACK_TRAILER;
	count = vlt_get_be32(pack + end);
	while (off < end) {
		const unsigned char *h = pack + off;
		struct vlt_pack_entry *e;
		uint32_t stored;

		if (end - off < VLT_PACK_ENTRY_HDR) {
			err = vlt_error_set(VLT_E_CORRUPT,
					    "entry header at %zu truncated", off);
			goto done;
		}
		stored = vlt_get_be32(h + 4);
		if (stored > end - off - VLT_PACK_ENTRY_HDR) {
			err = vlt_error_set(VLT_E_CORRUPT,
					    "entry at %zu overruns the pack", off);
			goto done;
		}
		if (h[0] == VLT_OBJ_NONE || h[0] > VLT_OBJ_RECORD || h[1] > 2) {
			err = vlt_error_set(VLT_E_CORRUPT,
					    "entry at %zu has bad kind/codec", off);
			goto done;
		}
		if (h[2] || h[3]) {
			err = vlt_error_set(VLT_E_CORRUPT, "entry at %zu has flags "
					    "%#x (must be 0)", off,
					    (unsigned)(h[2] << 8 | h[3]));
			goto done;
		}
		if ((err = VLT_ALLOC_GROW(ents, nr + 1, alloc)) < 0)
			goto done;
		e = &ents[nr++];
		memcpy(e->oid.id, h + 12, VLT_OID_RAWSZ);
		e->offset = (uint32_t)off;
		e->stored_len = stored;
		e->raw_len = vlt_get_be32(h + 8);
		e->kind = h[0];
		e->codec = h[1];
		if (rehash && (err = rehash_entry(h, h + VLT_PACK_ENTRY_HDR, idfn,
						  sealer, &cz, &raw,
						  &scratch)) < 0) {
			vlt_error_wrap(err, "entry at offset %zu", off);
			goto done;
		}
		off += VLT_PACK_ENTRY_HDR + stored;
	}
	if (nr != count) {
		err = vlt_error_set(VLT_E_CORRUPT, "trailer says %u objects, "
				    "found %zu", count, nr);
		goto done;
	}
	if (nr > 1)
		qsort(ents, nr, sizeof(*ents), cmp_entry);
	vlt_pack_name(pack + VLT_PACK_NONCE_OFF, ents, nr, &name);
	if (memcmp(name.id, pack + end + 8, VLT_OID_RAWSZ)) {
		err = vlt_error_set(VLT_E_CORRUPT, "pack name in trailer does not "
				    "match its objects");
		goto done;
	}
	if (idx) {
		if (idx->count != nr || vlt_oid_cmp(&idx->name_oid, &name)) {
			err = vlt_error_set(VLT_E_CORRUPT,
					    "index does not match pack");
			goto done;
		}
		for (size_t i = 0; i < nr; i++) {
			struct vlt_pack_entry ie;

			vlt_pack_entry_at(idx, (uint32_t)i, &ie);
			if (vlt_oid_cmp(&ie.oid, &ents[i].oid) ||
			    ie.offset != ents[i].offset ||
			    ie.stored_len != ents[i].stored_len ||
			    ie.raw_len != ents[i].raw_len ||
			    ie.kind != ents[i].kind || ie.codec != ents[i].codec) {
				err = vlt_error_set(VLT_E_CORRUPT, "index entry %zu "
						    "(%s) does not match pack", i,
						    vlt_oid_hex(&ie.oid));
				goto done;
			}
		}
	}
	if (nobjects)
		*nobjects = (uint32_t)nr;
done:
	free(ents);
	vlt_buf_release(&raw);
	vlt_buf_release(&scratch);
	vlt_compressor_release(&cz);
	return err;
}

int vlt_pack_key(struct vlt_buf *out, const char *name, const char *ext)
{
	vlt_buf_reset(out);
	return vlt_buf_addf(out, "packs/%s.%s", name, ext);
}

int vlt_pack_list_keys(struct vlt_backend *be, struct vlt_strlist *out)
{
	return vlt_backend_list(be, "packs/", vlt_strlist_collect, out);
}

int vlt_pack_list_files(struct vlt_repo *r, struct vlt_strlist *out)
{
	return vlt_pack_list_keys(r->be, out);
}

int vlt_pack_file_read(struct vlt_repo *r, const char *name, const char *ext,
		       struct vlt_buf *out)
{
	struct vlt_buf key = VLT_BUF_INIT;
	int err;

	if ((err = vlt_pack_key(&key, name, ext)) == 0)
		err = vlt_backend_get(r->be, key.data, out);
	vlt_buf_release(&key);
	return err;
}

int vlt_pack_file_size(struct vlt_repo *r, const char *name, const char *ext,
		       uint64_t *size)
{
	struct vlt_buf key = VLT_BUF_INIT;
	struct vlt_stat st;
	int err;

	if ((err = vlt_pack_key(&key, name, ext)) == 0 &&
	    (err = vlt_backend_stat(r->be, key.data, &st)) == 0)
		*size = st.size;
	vlt_buf_release(&key);
	return err;
}
