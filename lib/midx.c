/*
 * midx.c - the multi-pack index: parse, choose, look up, write (see
 * midx.h; the layout is in Documentation/format.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "midx.h"

#define MIDX_MAGIC "VMDX"
#define MIDX_HDR 16

struct vlt_midx {
	const unsigned char *map;
	size_t len;
	int mapped;
	char key[96];
	uint32_t npacks, count;
	const unsigned char *names, *fanout, *ids, *ents;
	struct vlt_pack **packs;   /* loaded pack for each name, or NULL */
};

void vlt_midx_free(struct vlt_backend *be, struct vlt_midx *m)
{
	if (!m)
		return;
	if (m->map)
		vlt_backend_unmap(be, m->map, m->len, m->mapped);
	free(m->packs);
	free(m);
}

static int midx_parse(struct vlt_midx *m)
{
	const unsigned char *b = m->map;
	uint64_t want;
	uint32_t prev = 0;

	if (m->len < MIDX_HDR + 1024 + 8 || memcmp(b, MIDX_MAGIC, 4) ||
	    vlt_get_be32(b + 4) != 1)
		return vlt_error_set(VLT_E_CORRUPT, "%s: not a multi-pack index",
				     m->key);
	m->npacks = vlt_get_be32(b + 8);
	m->count = vlt_get_be32(b + 12);
	want = MIDX_HDR + (uint64_t)m->npacks * VLT_OID_RAWSZ + 1024 +
	       (uint64_t)m->count * (VLT_OID_RAWSZ + 8) + 8;
	if (want != m->len)
		return vlt_error_set(VLT_E_CORRUPT, "%s: bad size", m->key);
	if (vlt_xxh3(b, m->len - 8) != vlt_get_be64(b + m->len - 8))
		return vlt_error_set(VLT_E_CORRUPT, "%s: bad checksum", m->key);
	m->names = b + MIDX_HDR;
	m->fanout = m->names + (size_t)m->npacks * VLT_OID_RAWSZ;
	m->ids = m->fanout + 1024;
	m->ents = m->ids + (size_t)m->count * VLT_OID_RAWSZ;
	for (int i = 0; i < 256; i++) {
		uint32_t f = vlt_get_be32(m->fanout + 4 * i);

		if (f < prev || f > m->count)
			return vlt_error_set(VLT_E_CORRUPT, "%s: bad fan-out", m->key);
		prev = f;
	}
	if (prev != m->count)
		return vlt_error_set(VLT_E_CORRUPT, "%s: bad fan-out", m->key);
	for (uint32_t i = 0; i < m->count; i++)
		if (vlt_get_be32(m->ents + (size_t)i * 8) >= m->npacks)
			return vlt_error_set(VLT_E_CORRUPT, "%s: bad pack number",
					     m->key);
	return 0;
}

struct midx_scan {
	struct vlt_backend *be;
	struct vlt_midx *best;
};

static int midx_candidate(const char *key, const struct vlt_stat *st,
			  void *data)
{
	struct midx_scan *ms = data;
	struct vlt_midx *m;

	(void)st;
	if (strncmp(key, "index/midx-", 11) || strlen(key) >= sizeof(m->key))
		return 0;
	if (!(m = calloc(1, sizeof(*m))))
		return 0;
	snprintf(m->key, sizeof(m->key), "%s", key);
	if (vlt_backend_map(ms->be, key, &m->map, &m->len, &m->mapped) < 0 ||
	    midx_parse(m) < 0) {
		vlt_midx_free(ms->be, m);  /* a bad one is only a missed shortcut */
		return 0;
	}
	if (!ms->best || m->npacks > ms->best->npacks) {
		vlt_midx_free(ms->be, ms->best);
		ms->best = m;
	} else {
		vlt_midx_free(ms->be, m);
	}
	return 0;
}

int vlt_midx_load(struct vlt_backend *be, struct vlt_midx **out)
{
	struct midx_scan ms = { be, NULL };
	struct vlt_midx *m;
	int err;

	*out = NULL;
	if ((err = vlt_backend_list(be, "index/", midx_candidate, &ms)) < 0) {
		vlt_midx_free(be, ms.best);
		return err;
	}
	if (!(m = ms.best))
		return 0;
	if (!(m->packs = calloc(m->npacks ? m->npacks : 1, sizeof(*m->packs)))) {
		vlt_midx_free(be, m);
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	}
	*out = m;
	return 0;
}

uint32_t vlt_midx_pack_count(const struct vlt_midx *m)
{
	return m->npacks;
}

int vlt_midx_bind(struct vlt_midx *m, struct vlt_pack *const *packs,
		  size_t n)
{
	for (uint32_t i = 0; i < m->npacks; i++)
		for (size_t k = 0; k < n; k++)
			if (!memcmp(packs[k]->name_oid.id,
				    m->names + (size_t)i * VLT_OID_RAWSZ,
				    VLT_OID_RAWSZ)) {
				m->packs[i] = packs[k];
				packs[k]->in_midx = 1;
				break;
			}
	return 0;
}

int vlt_midx_find(const struct vlt_midx *m, const struct vlt_oid *oid,
		  struct vlt_pack **pack, uint32_t *pos)
{
	uint32_t lo = oid->id[0] ? vlt_get_be32(m->fanout + 4 * (oid->id[0] - 1)) : 0;
	uint32_t hi = vlt_get_be32(m->fanout + 4 * oid->id[0]);

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int c = memcmp(m->ids + (size_t)mid * VLT_OID_RAWSZ, oid->id,
			       VLT_OID_RAWSZ);

		if (!c) {
			const unsigned char *e = m->ents + (size_t)mid * 8;

			*pack = m->packs[vlt_get_be32(e)];
			*pos = vlt_get_be32(e + 4);
			return 1;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

struct midx_ref {
	const unsigned char *id;
	uint32_t pack, pos;
};

static int cmp_midx_ref(const void *a, const void *b)
{
	const struct midx_ref *x = a, *y = b;
	int c = memcmp(x->id, y->id, VLT_OID_RAWSZ);

	return c ? c : (x->pack > y->pack) - (x->pack < y->pack);
}

static int cmp_pack_name(const void *a, const void *b)
{
	return memcmp((*(struct vlt_pack *const *)a)->name_oid.id,
		      (*(struct vlt_pack *const *)b)->name_oid.id, VLT_OID_RAWSZ);
}

int vlt_midx_write(struct vlt_backend *be, struct vlt_pack *const *packs,
		   size_t n, char name_hex[VLT_OID_HEXSZ + 1])
{
	struct vlt_pack **sorted = NULL;
	struct midx_ref *refs = NULL;
	struct vlt_buf out = VLT_BUF_INIT, key = VLT_BUF_INIT;
	struct vlt_idfn plain = { .kind = VLT_IDFN_SHA256 };
	struct vlt_idctx ctx = { 0 };
	struct vlt_oid name;
	uint32_t fanout[256] = { 0 };
	size_t np = n, total = 0;
	int err = 0;

	if (!n)
		return vlt_error_set(VLT_E_INVALID, "no packs to index");
	for (size_t i = 0; i < n; i++)
		total += packs[i]->count;
	if (!(sorted = malloc(n * sizeof(*sorted))) ||
	    !(refs = malloc((total ? total : 1) * sizeof(*refs)))) {
		err = vlt_error_set(VLT_E_NOMEM, "out of memory");
		goto done;
	}
	memcpy(sorted, packs, n * sizeof(*sorted));
	qsort(sorted, np, sizeof(*sorted), cmp_pack_name);
	n = 0;
	for (size_t i = 0; i < np; i++)
		for (uint32_t k = 0; k < sorted[i]->count; k++)
			refs[n++] = (struct midx_ref) {
				sorted[i]->ids + (size_t)k * VLT_OID_RAWSZ,
				(uint32_t)i, k };
	qsort(refs, n, sizeof(*refs), cmp_midx_ref);
	/* one entry per id: the first pack that has it */
	{
		size_t w = 0;

		for (size_t i = 0; i < n; i++)
			if (!w || memcmp(refs[w - 1].id, refs[i].id, VLT_OID_RAWSZ))
				refs[w++] = refs[i];
		n = w;
	}
	if ((err = vlt_buf_grow(&out, MIDX_HDR + np * VLT_OID_RAWSZ + 1024 +
				n * (VLT_OID_RAWSZ + 8) + 8)) < 0)
		goto done;
	vlt_buf_add(&out, MIDX_MAGIC, 4);
	vlt_buf_add_be32(&out, 1);
	vlt_buf_add_be32(&out, (uint32_t)np);
	vlt_buf_add_be32(&out, (uint32_t)n);
	if ((err = vlt_idctx_init(&ctx, &plain)) < 0)
		goto done;
	for (size_t i = 0; i < np; i++) {
		vlt_buf_add(&out, sorted[i]->name_oid.id, VLT_OID_RAWSZ);
		vlt_idctx_update(&ctx, sorted[i]->name_oid.id, VLT_OID_RAWSZ);
	}
	vlt_idctx_final(&ctx, &name);
	for (size_t i = 0; i < n; i++)
		fanout[refs[i].id[0]]++;
	for (int i = 1; i < 256; i++)
		fanout[i] += fanout[i - 1];
	for (int i = 0; i < 256; i++)
		vlt_buf_add_be32(&out, fanout[i]);
	for (size_t i = 0; i < n; i++)
		vlt_buf_add(&out, refs[i].id, VLT_OID_RAWSZ);
	for (size_t i = 0; i < n; i++) {
		vlt_buf_add_be32(&out, refs[i].pack);
		vlt_buf_add_be32(&out, refs[i].pos);
	}
	vlt_buf_add_be64(&out, vlt_xxh3(out.data, out.len));
	vlt_oid_to_hex(&name, name_hex);
	vlt_buf_addf(&key, "index/midx-%s", name_hex);
	err = vlt_backend_put_if_absent(be, key.data, out.data, out.len);
	if (err == VLT_E_EXISTS)
		err = 0;
done:
	vlt_idctx_release(&ctx);
	free(sorted);
	free(refs);
	vlt_buf_release(&out);
	vlt_buf_release(&key);
	return err;
}
