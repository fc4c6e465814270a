/*
 * filecache.c - the local file-change cache (see filecache.h).
 *
 * File layout (all local, little care for portability between machines:
 * dev and inode numbers only mean something here anyway):
 *   "VFC2", u32 0, u64 generation, u64 count, u64 npacks,
 *   npacks x 32-byte pack name (the intact packs when it was written),
 *   count x { varint pathlen, path, u64 dev, u64 ino, u64 size,
 *             i64 mtime_ns, i64 ctime_ns, u8 untrusted, 32-byte oid },
 *   u64 XXH3 of everything before.
 * "VFC1" files (no pack list) are still read; their ids are then checked
 * one by one, as after a lost pack.
 * Loaded into one buffer plus an open-addressing table on path hashes.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "error.h"
#include "filecache.h"
#include "fsutil.h"
#include "odb.h"
#include "oidset.h"

struct vlt_filecache {
	struct vlt_buf raw;
	struct vlt_fc_entry *ents;
	size_t nr;
	uint32_t *table;   /* index + 1 */
	size_t cap;
	uint64_t generation;
	const unsigned char *packs;  /* npacks raw names, in raw */
	uint64_t npacks;
	int has_packs;               /* VFC2: the list is known */
};

static int cache_path(struct vlt_repo *r, const char *root, struct vlt_buf *out)
{
	unsigned char h[32];
	char hex[65];
	struct vlt_oid o;

	VLT_TRY(vlt_repo_cache_dir(r, "files", out));
	vlt_sha256(root, strlen(root), h);
	memcpy(o.id, h, 32);
	vlt_oid_to_hex(&o, hex);
	return vlt_buf_addf(out, "/%.32s", hex);
}

static int64_t ns_of(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

static uint64_t get_le64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static void put_le64(unsigned char *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static int parse(struct vlt_filecache *fc)
{
	const unsigned char *p = (const unsigned char *)fc->raw.data;
	const unsigned char *end = p + fc->raw.len;
	uint64_t count;

	if (fc->raw.len < 32 || (memcmp(p, "VFC1", 4) && memcmp(p, "VFC2", 4)))
		return -1;
	if (vlt_xxh3(p, fc->raw.len - 8) != get_le64(end - 8))
		return -1;
	end -= 8;
	fc->generation = get_le64(p + 8);
	count = get_le64(p + 16);
	if (p[3] == '2') {
		if (fc->raw.len < 40)
			return -1;
		fc->npacks = get_le64(p + 24);
		p += 32;
		if (fc->npacks > (uint64_t)(end - p) / 32)
			return -1;
		fc->packs = p;
		fc->has_packs = 1;
		p += fc->npacks * 32;
	} else {
		p += 24;
	}
	if (count > fc->raw.len / 74)
		return -1;
	fc->ents = calloc(count ? count : 1, sizeof(*fc->ents));
	fc->cap = 16;
	while (fc->cap < count * 2)
		fc->cap *= 2;
	fc->table = calloc(fc->cap, sizeof(*fc->table));
	if (!fc->ents || !fc->table)
		return -1;
	for (uint64_t i = 0; i < count; i++) {
		struct vlt_fc_entry *e = &fc->ents[i];
		uint64_t n;
		size_t slot;

		if (vlt_varint_get(&p, end, &n) < 0 || n == 0 ||
		    (uint64_t)(end - p) < n + 8 * 5 + 1 + 32)
			return -1;
		e->path = (const char *)p;
		p += n;
		e->dev = get_le64(p);
		e->ino = get_le64(p + 8);
		e->size = get_le64(p + 16);
		e->mtime_ns = (int64_t)get_le64(p + 24);
		e->ctime_ns = (int64_t)get_le64(p + 32);
		e->untrusted = p[40];
		memcpy(e->oid.id, p + 41, 32);
		/* dev is decoded: its first byte can hold the path's NUL */
		((char *)e->path)[n] = '\0';
		p += 73;
		slot = (size_t)vlt_xxh3(e->path, n) & (fc->cap - 1);
		while (fc->table[slot])
			slot = (slot + 1) & (fc->cap - 1);
		fc->table[slot] = (uint32_t)i + 1;
		fc->nr++;
	}
	return p == end ? 0 : -1;
}

int vlt_filecache_load(struct vlt_repo *r, const char *root,
		       struct vlt_filecache **out)
{
	struct vlt_buf path = VLT_BUF_INIT;
	struct vlt_filecache *fc = calloc(1, sizeof(*fc));
	int err;

	if (!fc)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	if ((err = cache_path(r, root, &path)) < 0) {
		free(fc);
		goto done;
	}
	if (vlt_read_file(path.data, &fc->raw) < 0 || parse(fc) < 0) {
		/* no cache, or a damaged one: start empty */
		free(fc->ents);
		free(fc->table);
		vlt_buf_release(&fc->raw);
		memset(fc, 0, sizeof(*fc));
	}
	*out = fc;
	err = 0;
done:
	vlt_buf_release(&path);
	return err;
}

uint64_t vlt_filecache_generation(const struct vlt_filecache *fc)
{
	return fc->generation;
}

/* The names of the loaded packs that are not lost. */
static int intact_packs(struct vlt_repo *r, struct vlt_oidset *set)
{
	size_t n = vlt_odb_pack_count(r);

	VLT_TRY(vlt_oidset_reserve(set, n));
	for (size_t i = 0; i < n; i++) {
		struct vlt_pack *p = vlt_odb_pack_at(r, i);

		if (!p->lost)
			VLT_TRY(vlt_oidset_insert(set, &p->name_oid));
	}
	return 0;
}

int vlt_filecache_packs_intact(const struct vlt_filecache *fc,
			       struct vlt_repo *r)
{
	struct vlt_oidset have = VLT_OIDSET_INIT;
	int ok = fc->has_packs;

	if (ok && intact_packs(r, &have) < 0)
		ok = 0;
	for (uint64_t i = 0; ok && i < fc->npacks; i++) {
		struct vlt_oid name;

		memcpy(name.id, fc->packs + i * 32, 32);
		ok = vlt_oidset_contains(&have, &name);
	}
	vlt_oidset_release(&have);
	return ok;
}

const struct vlt_fc_entry *vlt_filecache_match(const struct vlt_filecache *fc,
					       const char *path,
					       const struct stat *st)
{
	size_t n = strlen(path), slot;

	if (!fc->nr)
		return NULL;
	slot = (size_t)vlt_xxh3(path, n) & (fc->cap - 1);
	for (; fc->table[slot]; slot = (slot + 1) & (fc->cap - 1)) {
		const struct vlt_fc_entry *e = &fc->ents[fc->table[slot] - 1];

		if (strcmp(e->path, path))
			continue;
		if (e->untrusted || e->dev != (uint64_t)st->st_dev ||
		    e->ino != (uint64_t)st->st_ino ||
		    e->size != (uint64_t)st->st_size ||
		    e->mtime_ns != ns_of(&st->st_mtim) ||
		    e->ctime_ns != ns_of(&st->st_ctim))
			return NULL;
		return e;
	}
	return NULL;
}

void vlt_filecache_free(struct vlt_filecache *fc)
{
	if (!fc)
		return;
	free(fc->ents);
	free(fc->table);
	vlt_buf_release(&fc->raw);
	free(fc);
}

void vlt_filecache_writer_init(struct vlt_filecache_writer *w)
{
	struct timespec now;

	memset(w, 0, sizeof(*w));
	clock_gettime(CLOCK_REALTIME, &now);
	w->start_ns = ns_of(&now);
}

void vlt_filecache_writer_release(struct vlt_filecache_writer *w)
{
	vlt_buf_release(&w->data);
}

int vlt_filecache_writer_add(struct vlt_filecache_writer *w, const char *path,
			     const struct stat *st, const struct vlt_oid *oid)
{
	unsigned char fixed[41];
	int64_t m = ns_of(&st->st_mtim), c = ns_of(&st->st_ctim);

	put_le64(fixed, (uint64_t)st->st_dev);
	put_le64(fixed + 8, (uint64_t)st->st_ino);
	put_le64(fixed + 16, (uint64_t)st->st_size);
	put_le64(fixed + 24, (uint64_t)m);
	put_le64(fixed + 32, (uint64_t)c);
	/*
	 * Changed just before the backup started: it may change again within
	 * the same timestamp tick, unseen, so it is not trusted next time.
	 * The window is the filesystem's timestamp granularity: the kernel's
	 * coarse clock (a few ms) where times have nanoseconds, a whole
	 * second where they do not (FAT, some network filesystems).
	 */
	{
		int64_t slack = (m % 1000000000 == 0 && c % 1000000000 == 0) ?
				1000000000 : 50000000;

		fixed[40] = m >= w->start_ns - slack || c >= w->start_ns - slack;
	}
	VLT_TRY(vlt_buf_add_varint(&w->data, strlen(path)));
	VLT_TRY(vlt_buf_adds(&w->data, path));
	VLT_TRY(vlt_buf_add(&w->data, fixed, sizeof(fixed)));
	VLT_TRY(vlt_buf_add(&w->data, oid->id, VLT_OID_RAWSZ));
	w->count++;
	return 0;
}

int vlt_filecache_writer_save(struct vlt_filecache_writer *w,
			      struct vlt_repo *r, const char *root,
			      uint64_t generation)
{
	struct vlt_buf path = VLT_BUF_INIT, out = VLT_BUF_INIT;
	struct vlt_oidset packs = VLT_OIDSET_INIT;
	unsigned char hdr[32] = "VFC2", sum[8];
	size_t pos = 0;
	struct vlt_oid name;
	int err;

	/* every id in it is in one of these packs (checked or written by
	 * this backup): while they all stay, the next backup trusts it */
	if ((err = intact_packs(r, &packs)) < 0)
		goto done;
	put_le64(hdr + 8, generation);
	put_le64(hdr + 16, w->count);
	put_le64(hdr + 24, vlt_oidset_count(&packs));
	if ((err = cache_path(r, root, &path)) < 0 ||
	    (err = vlt_buf_grow(&out, sizeof(hdr) + 32 * vlt_oidset_count(&packs) +
				w->data.len + 8)) < 0 ||
	    (err = vlt_buf_add(&out, hdr, sizeof(hdr))) < 0)
		goto done;
	while (vlt_oidset_next(&packs, &pos, &name))
		if ((err = vlt_buf_add(&out, name.id, 32)) < 0)
			goto done;
	if ((err = vlt_buf_add(&out, w->data.data, w->data.len)) < 0)
		goto done;
	put_le64(sum, vlt_xxh3(out.data, out.len));
	if ((err = vlt_buf_add(&out, sum, 8)) < 0)
		goto done;
	err = vlt_write_file_atomic(path.data, out.data, out.len, 0600, 0);
done:
	vlt_oidset_release(&packs);
	vlt_buf_release(&path);
	vlt_buf_release(&out);
	return err;
}

int vlt_filecache_writer_keep(struct vlt_filecache_writer *w,
			      const struct vlt_filecache *fc,
			      int (*keep)(const char *path, void *data),
			      void *data)
{
	for (size_t i = 0; fc && i < fc->nr; i++) {
		const struct vlt_fc_entry *e = &fc->ents[i];
		unsigned char fixed[41];

		if (!keep(e->path, data))
			continue;
		put_le64(fixed, e->dev);
		put_le64(fixed + 8, e->ino);
		put_le64(fixed + 16, e->size);
		put_le64(fixed + 24, (uint64_t)e->mtime_ns);
		put_le64(fixed + 32, (uint64_t)e->ctime_ns);
		fixed[40] = (unsigned char)e->untrusted;
		VLT_TRY(vlt_buf_add_varint(&w->data, strlen(e->path)));
		VLT_TRY(vlt_buf_adds(&w->data, e->path));
		VLT_TRY(vlt_buf_add(&w->data, fixed, sizeof(fixed)));
		VLT_TRY(vlt_buf_add(&w->data, e->oid.id, VLT_OID_RAWSZ));
		w->count++;
	}
	return 0;
}
