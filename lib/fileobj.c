/*
 * fileobj.c - bytes into file objects and back (see fileobj.h).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chunker.h"
#include "error.h"
#include "fileobj.h"
#include "fsutil.h"
#include "odb.h"
#include "tree.h"

/* One chunk of a file being stored: id, store, count, append. */
static int add_chunk(struct vlt_repo *store, const struct vlt_idfn *idfn,
		     struct vlt_file *f, const unsigned char *data, size_t len,
		     struct vlt_write_stats *stats)
{
	struct vlt_oid oid;
	int err;

	if ((err = vlt_object_id(idfn, VLT_OBJ_CHUNK, data, len, &oid)) < 0)
		return err;
	if (store && (err = vlt_odb_write_hashed(store, VLT_OBJ_CHUNK, data,
						 len, &oid)) < 0)
		return err;
	if (stats) {
		stats->chunks++;
		if (err == 1) {
			stats->new_chunks++;
			stats->new_bytes += len;
		}
	}
	return vlt_file_add(f, &oid, (uint32_t)len);
}

/* The file object of a complete chunk list. */
static int finish_file(struct vlt_repo *store, const struct vlt_idfn *idfn,
		       const struct vlt_file *f, struct vlt_oid *file_oid,
		       uint64_t *size, struct vlt_write_stats *stats)
{
	struct vlt_buf enc = VLT_BUF_INIT;
	int err;

	if ((err = vlt_file_encode(f, &enc)) == 0)
		err = store ? vlt_odb_write(store, VLT_OBJ_FILE, enc.data,
					    enc.len, file_oid)
			    : vlt_object_id(idfn, VLT_OBJ_FILE, enc.data,
					    enc.len, file_oid);
	vlt_buf_release(&enc);
	if (err < 0)
		return err;
	if (size)
		*size = f->size;
	if (stats)
		stats->bytes += f->size;
	return 0;
}

int vlt_file_from_fd(struct vlt_repo *store, const struct vlt_idfn *idfn,
		     const struct vlt_chunker_params *chunking, int fd,
		     const char *name, struct vlt_oid *file_oid,
		     uint64_t *size, struct vlt_write_stats *stats)
{
	struct vlt_chunker ch;
	struct vlt_chunk_reader rd;
	struct vlt_file f;
	int err;

	vlt_file_init(&f);
	if ((err = vlt_chunker_init(&ch, chunking)) < 0)
		return err;
	if ((err = vlt_chunk_reader_init(&rd, &ch, fd)) < 0)
		return err;
	for (;;) {
		const unsigned char *data;
		size_t len;

		if ((err = vlt_chunk_reader_next(&rd, &data, &len)) < 0) {
			vlt_error_wrap(err, "%s", name);
			goto done;
		}
		if (!len)
			break;
		if ((err = add_chunk(store, idfn, &f, data, len, stats)) < 0)
			goto done;
	}
	err = finish_file(store, idfn, &f, file_oid, size, stats);
done:
	vlt_chunk_reader_release(&rd);
	vlt_file_release(&f);
	return err;
}

int vlt_file_id_fd_any(const struct vlt_idfn *idfn,
		       const struct vlt_chunker_params *chunking, int fd,
		       const char *name,
		       int (*accept)(const struct vlt_oid *oid, void *data),
		       void *data, struct vlt_oid *oid)
{
	static const enum vlt_chunker_algo algos[] = {
		VLT_CHUNKER_FASTCDC, VLT_CHUNKER_ASSET, VLT_CHUNKER_FIXED,
	};
	struct vlt_oid first;
	int err;

	for (int i = -1; i < 3; i++) {
		struct vlt_chunker_params p = *chunking;

		if (i >= 0) {
			if (algos[i] == chunking->algo)
				continue;
			vlt_chunker_params_for(chunking, algos[i], &p);
		}
		if (lseek(fd, 0, SEEK_SET) < 0)
			return vlt_error_set(VLT_E_IO, "seek %s: %s", name,
					     strerror(errno));
		if ((err = vlt_file_from_fd(NULL, idfn, &p, fd, name, oid, NULL,
					    NULL)) < 0)
			return err;
		if (i < 0)
			first = *oid;
		if ((err = accept(oid, data)) != 0)
			return err < 0 ? err : 0;
	}
	*oid = first;
	return 0;
}

int vlt_file_from_mem(struct vlt_repo *store, const struct vlt_idfn *idfn,
		      const struct vlt_chunker_params *chunking,
		      const void *data, size_t len, struct vlt_oid *file_oid,
		      struct vlt_write_stats *stats)
{
	const unsigned char *p = data;
	struct vlt_chunker ch;
	struct vlt_asset *asset = NULL;
	struct vlt_file f;
	int err;

	vlt_file_init(&f);
	if ((err = vlt_chunker_init(&ch, chunking)) < 0)
		return err;
	if (ch.p.algo == VLT_CHUNKER_ASSET && (err = vlt_asset_new(&asset)) < 0)
		return err;
	while (len) {
		const char *why;
		size_t n = asset ? vlt_asset_cut(asset, &ch, p, len, &why) :
			   vlt_chunker_cut(&ch, p, len);

		if ((err = add_chunk(store, idfn, &f, p, n, stats)) < 0)
			goto done;
		p += n;
		len -= n;
	}
	err = finish_file(store, idfn, &f, file_oid, NULL, stats);
done:
	vlt_asset_free(asset);
	vlt_file_release(&f);
	return err;
}

/* --- reading file objects back ----------------------------------- */

int vlt_file_object_for_each_chunk(struct vlt_repo *r,
				   const struct vlt_oid *file,
				   struct vlt_buf *chunk, uint64_t *size,
				   vlt_chunk_data_fn fn, void *arg)
{
	struct vlt_buf buf = VLT_BUF_INIT;
	struct vlt_file f;
	int err;

	vlt_file_init(&f);
	if ((err = vlt_odb_read_kind(r, file, VLT_OBJ_FILE, &buf)) < 0 ||
	    (err = vlt_file_decode(buf.data, buf.len, &f)) < 0)
		goto done;
	if (size)
		*size = f.size;
	if (fn && (err = fn(NULL, f.size, arg)) < 0)
		goto done;
	for (size_t i = 0; fn && i < f.nr; i++) {
		if ((err = vlt_odb_read_kind(r, &f.chunks[i].oid, VLT_OBJ_CHUNK,
					     chunk)) < 0)
			goto done;
		if (chunk->len != f.chunks[i].len) {
			err = vlt_error_set(VLT_E_CORRUPT, "chunk %s has %zu bytes, "
					    "file object says %u",
					    vlt_oid_hex(&f.chunks[i].oid),
					    chunk->len, f.chunks[i].len);
			goto done;
		}
		if ((err = fn(chunk->data, chunk->len, arg)) < 0)
			goto done;
	}
done:
	vlt_file_release(&f);
	vlt_buf_release(&buf);
	return err;
}

struct write_fd_arg {
	int fd;
	const char *what;
};

static int write_fd_chunk(const void *data, size_t len, void *arg)
{
	struct write_fd_arg *w = arg;

	return data ? vlt_write_full(w->fd, data, len, w->what) : 0;
}

int vlt_file_object_write_fd(struct vlt_repo *r, const struct vlt_oid *file,
			     int fd, const char *what)
{
	struct vlt_buf chunk = VLT_BUF_INIT;
	struct write_fd_arg w = { fd, what };
	int err = vlt_file_object_for_each_chunk(r, file, &chunk, NULL,
						 write_fd_chunk, &w);

	vlt_buf_release(&chunk);
	return err;
}

static int write_sparse_chunk(const void *data, size_t len, void *arg)
{
	return data ? vlt_sparse_write(arg, data, len) : 0;
}

int vlt_file_object_write_sparse(struct vlt_repo *r, const struct vlt_oid *file,
				 int fd, const char *what, uint64_t *holes)
{
	struct vlt_buf chunk = VLT_BUF_INIT;
	struct vlt_sparse_writer *w = malloc(sizeof(*w));
	int err;

	if (!w)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	vlt_sparse_init(w, fd, what);
	err = vlt_file_object_for_each_chunk(r, file, &chunk, NULL,
					     write_sparse_chunk, w);
	if (!err)
		err = vlt_sparse_finish(w);
	if (!err && holes)
		*holes = w->holes;
	vlt_buf_release(&chunk);
	free(w);
	return err;
}

struct read_arg {
	struct vlt_buf *out;
	uint64_t max;
	const struct vlt_oid *file;
};

static int read_chunk(const void *data, size_t len, void *arg)
{
	struct read_arg *ra = arg;

	if (data)
		return vlt_buf_add(ra->out, data, len);
	/* first call: the whole size, before any chunk is read */
	if (len > ra->max || len > SIZE_MAX / 2)
		return vlt_error_set(VLT_E_INVALID, "%s: %zu bytes is more than "
				     "this reads into memory (%llu)",
				     vlt_oid_hex(ra->file), len,
				     (unsigned long long)ra->max);
	return vlt_buf_grow(ra->out, len);
}

int vlt_file_object_read(struct vlt_repo *r, const struct vlt_oid *file,
			 uint64_t max, struct vlt_buf *out)
{
	struct vlt_buf chunk = VLT_BUF_INIT;
	struct read_arg ra = { out, max, file };
	int err;

	vlt_buf_reset(out);
	err = vlt_file_object_for_each_chunk(r, file, &chunk, NULL, read_chunk,
					     &ra);
	vlt_buf_release(&chunk);
	return err;
}
