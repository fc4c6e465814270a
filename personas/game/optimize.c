/*
 * vault game optimize --report - which assets cost the most stored bytes,
 * and what a storage policy (.vaultattributes line) would save.
 *
 * The cost today comes from the library's object walk (lib/walk.h): each
 * file object and each unique chunk is met once, a chunk attributed to
 * the first path it is met under; stored sizes come from the pack indexes.
 * A candidate policy is measured on the real content: every stored
 * version of every matching file is read back (lib/fileobj.h, one chunk
 * at a time), cut again with the policy's chunker into a bounded buffer,
 * hashed and compressed with the codec it would be stored with, and the
 * unique chunks counted. delta=on is measured with lib/delta.h: each
 * version against the previous one at the same path (both held in
 * memory, so bounded by the delta limit; larger versions count as their
 * chunks).
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "attributes.h"
#include "chunker.h"
#include "cli.h"
#include "compress.h"
#include "delta.h"
#include "error.h"
#include "fileobj.h"
#include "json.h"
#include "odb.h"
#include "oidset.h"
#include "pack.h"
#include "print.h"
#include "progress.h"
#include "refs.h"
#include "revparse.h"
#include "tree.h"
#include "walk.h"

static const char usage[] =
"usage: vault game optimize --report [REV] [--json] [--top N]\n"
"                                [--policy 'PATTERN attr=value']...\n"
"\n"
"What the repository's assets cost in stored bytes (compressed and\n"
"deduplicated) per file type and per path, for every snapshot reachable\n"
"from refs (or REV only), and what each candidate policy would store:\n"
"the game defaults the repository does not apply yet, and each --policy.\n"
"A policy is measured by cutting and compressing the stored content of\n"
"every matching file again, in all versions walked.\n"
"\n"
"    --report          print the report (the only mode)\n"
"    --json            one JSON object: types, top, policies\n"
"    --top N           how many paths to list (default 10)\n"
"    --policy LINE     a .vaultattributes line to evaluate (repeatable)\n";

/* --- what the walk found ---------------------------------------------- */

struct file_ver {
	char *path;
	struct vlt_oid oid;
	struct vlt_chunk_ref *chunks;  /* the file object's chunk list */
	size_t nchunks;
	uint64_t size;
	uint64_t first_stored;         /* of the chunks first met in it */
};

struct type_cost {
	char *ext;
	uint64_t files, stored;
};

struct report {
	struct vlt_repo *r;
	struct vlt_objwalk walk;
	struct file_ver *files;
	size_t nfiles, files_alloc;
	struct type_cost *types;
	size_t ntypes, types_alloc;
	uint64_t snapshots, stored_total;
	size_t last_pack;
	enum vlt_codec codec;
	int level;
	struct vlt_attrs *repo_attrs;  /* the policy the repository applies */
};

static int lookup_sizes(struct report *rp, const struct vlt_oid *oid,
			uint64_t *stored, uint64_t *raw)
{
	size_t n = vlt_odb_pack_count(rp->r);

	for (size_t k = 0; k < n; k++) {
		size_t i = (rp->last_pack + k) % n;
		struct vlt_pack *p = vlt_odb_pack_at(rp->r, i);
		struct vlt_pack_entry e;
		int64_t pos = vlt_pack_find(p, oid);

		if (pos < 0)
			continue;
		vlt_pack_entry_at(p, (uint32_t)pos, &e);
		*stored = e.stored_len;
		*raw = e.raw_len;
		rp->last_pack = i;
		return 0;
	}
	return -1;
}

/* The extension of a path, lower-cased, or "(none)"; owned by caller. */
static char *ext_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *name = slash ? slash + 1 : path;
	const char *dot = strrchr(name, '.');
	char *ext;

	if (!dot || dot == name || !dot[1] || strlen(dot + 1) > 32)
		return strdup("(none)");
	if ((ext = strdup(dot + 1)))
		for (char *p = ext; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
	return ext;
}

static struct type_cost *type_for(struct report *rp, const char *path)
{
	char *ext = ext_of(path);

	if (!ext)
		die("out of memory");
	for (size_t i = 0; i < rp->ntypes; i++)
		if (!strcmp(rp->types[i].ext, ext)) {
			free(ext);
			return &rp->types[i];
		}
	if (VLT_ALLOC_GROW(rp->types, rp->ntypes + 1, rp->types_alloc) < 0)
		die("out of memory");
	rp->types[rp->ntypes] = (struct type_cost){ ext, 0, 0 };
	return &rp->types[rp->ntypes++];
}

static int visit(const struct vlt_object_visit *v, void *data)
{
	struct report *rp = data;
	struct file_ver *f;
	uint64_t stored, raw;

	switch (v->kind) {
	case VLT_OBJ_FILE:
		if (VLT_ALLOC_GROW(rp->files, rp->nfiles + 1,
				   rp->files_alloc) < 0)
			die("out of memory");
		f = &rp->files[rp->nfiles];
		memset(f, 0, sizeof(*f));
		if (!(f->path = strdup(v->path)))
			die("out of memory");
		f->oid = *v->oid;
		f->size = v->file->size;
		f->nchunks = v->file->nr;
		if (f->nchunks) {
			if (!(f->chunks = malloc(f->nchunks *
						 sizeof(*f->chunks))))
				die("out of memory");
			memcpy(f->chunks, v->file->chunks,
			       f->nchunks * sizeof(*f->chunks));
		}
		type_for(rp, f->path)->files++;
		rp->nfiles++;
		break;
	case VLT_OBJ_CHUNK:
		/* in order: the chunks of the file just met */
		if (!rp->nfiles || lookup_sizes(rp, v->oid, &stored, &raw) < 0)
			break;
		rp->files[rp->nfiles - 1].first_stored += stored;
		type_for(rp, rp->files[rp->nfiles - 1].path)->stored += stored;
		rp->stored_total += stored;
		break;
	default:
		break;
	}
	return 0;
}

static int damaged(const struct vlt_object_visit *v,
		   enum vlt_objwalk_damage what, int err, void *data)
{
	(void)what;
	(void)err;
	(void)data;
	die("'%s': %s (run 'vault fsck')", *v->path ? v->path : "/",
	    vlt_error_last());
}

static void walk_tree(struct report *rp, const struct vlt_oid *tree)
{
	if (vlt_objwalk_add(&rp->walk, tree, VLT_OBJ_TREE, 0) < 0 ||
	    vlt_objwalk_run(&rp->walk) < 0)
		die("%s", vlt_error_last());
	rp->snapshots++;
}

struct oid_list {
	struct vlt_oid *v;
	size_t nr, alloc;
};

static int push_ref(const char *name, const struct vlt_oid *oid, void *data)
{
	struct oid_list *l = data;

	(void)name;
	if (VLT_ALLOC_GROW(l->v, l->nr + 1, l->alloc) < 0)
		die("out of memory");
	l->v[l->nr++] = *oid;
	return 0;
}

/* Every snapshot reachable from refs (and a detached HEAD), newest first
 * along each line: later versions of a path come before earlier ones. */
static void walk_all(struct report *rp)
{
	struct oid_list roots = { NULL, 0, 0 };
	const struct vlt_walk_entry *e;
	struct vlt_walk w;
	struct vlt_oid head;
	int rc;

	if (vlt_ref_for_each_all(rp->r, push_ref, &roots) < 0)
		die("%s", vlt_error_last());
	if (vlt_ref_read(rp->r, "HEAD", &head) == 0)
		push_ref("HEAD", &head, &roots);
	vlt_error_clear();
	if (vlt_walk_init(&w, rp->r, 0) < 0)
		die("%s", vlt_error_last());
	while (roots.nr) {
		const struct vlt_oid *oid = &roots.v[--roots.nr];
		enum vlt_obj_kind kind;

		if (vlt_odb_info(rp->r, oid, &kind, NULL) < 0) {
			vlt_error_clear();  /* a ref to nothing: fsck says */
			continue;
		}
		if (kind == VLT_OBJ_SNAPSHOT && vlt_walk_push(&w, oid) < 0)
			die("%s", vlt_error_last());
	}
	while ((rc = vlt_walk_next(&w, &e)) == 1)
		if (e->has_tree)
			walk_tree(rp, &e->snap.tree);
	if (rc < 0)
		die("%s", vlt_error_last());
	vlt_walk_release(&w);
	free(roots.v);
}

/* --- measuring a policy ------------------------------------------------ */

struct policy {
	char *line;
	struct vlt_attrs *attrs;
	int is_default;         /* from the game defaults, not --policy */
	size_t files;
	uint64_t current, would;
	int skipped_delta;      /* versions above the delta limit */
};

/* What a policy would store: unique chunks under its chunker and codec. */
struct sink {
	struct report *rp;
	struct vlt_chunker ck;
	int rechunk;            /* cut again; else keep the stored chunks */
	struct vlt_asset *asset;
	unsigned char *buf;     /* bounded: 2 * need */
	size_t len, need;
	struct vlt_compressor comp;
	struct vlt_buf scratch;
	struct vlt_oidset seen;
	uint64_t bytes;
};

static void sink_emit(struct sink *s, const unsigned char *data, size_t len)
{
	const struct vlt_idfn *fn = vlt_repo_idfn(s->rp->r);
	struct vlt_idctx ctx;
	struct vlt_oid id;
	const void *res;
	size_t reslen;
	enum vlt_codec used;
	int rc;

	if (vlt_idctx_init(&ctx, fn) < 0 ||
	    vlt_idctx_update(&ctx, data, len) < 0 ||
	    vlt_idctx_final(&ctx, &id) < 0)
		die("%s", vlt_error_last());
	vlt_idctx_release(&ctx);
	if ((rc = vlt_oidset_insert(&s->seen, &id)) < 0)
		die("%s", vlt_error_last());
	if (!rc)
		return;   /* already counted */
	if (vlt_compress_ref(&s->comp, data, len, &s->scratch, &res, &reslen,
			     &used) < 0)
		die("%s", vlt_error_last());
	s->bytes += reslen;
}

/* Cut what is buffered; at eof everything, else while a full max is. */
static void sink_cut(struct sink *s, int eof)
{
	size_t off = 0;

	while (s->len - off > 0 && (eof || s->len - off >= s->need)) {
		const char *why;
		size_t n = s->ck.p.algo == VLT_CHUNKER_ASSET ?
			vlt_asset_cut(s->asset, &s->ck, s->buf + off,
				      s->len - off, &why) :
			vlt_chunker_cut(&s->ck, s->buf + off, s->len - off);

		sink_emit(s, s->buf + off, n);
		off += n;
	}
	if (off) {
		memmove(s->buf, s->buf + off, s->len - off);
		s->len -= off;
	}
}

static int sink_data(const void *data, size_t len, void *arg)
{
	struct sink *s = arg;
	const unsigned char *p = data;

	if (!data)
		return 0;   /* the size, before the chunks */
	if (!s->rechunk) {
		sink_emit(s, p, len);
		return 0;
	}
	while (len) {
		size_t room = 2 * s->need - s->len;
		size_t n = len < room ? len : room;

		memcpy(s->buf + s->len, p, n);
		s->len += n;
		p += n;
		len -= n;
		sink_cut(s, 0);
	}
	return 0;
}

static void sink_file(struct sink *s, const struct vlt_oid *file,
		      struct vlt_buf *chunk)
{
	s->len = 0;
	if (s->asset)
		vlt_asset_reset(s->asset);
	if (vlt_file_object_for_each_chunk(s->rp->r, file, chunk, NULL,
					   sink_data, s) < 0)
		die("%s", vlt_error_last());
	if (s->rechunk)
		sink_cut(s, 1);
}

/* A policy that says nothing of compression keeps the codec the
 * repository applies to path (its attributes, else its codec). */
static void sink_init(struct sink *s, struct report *rp,
		      const struct vlt_attr_result *res, const char *path)
{
	struct vlt_chunker_params p;
	const struct vlt_chunker_params *base = vlt_repo_chunking(rp->r);
	struct vlt_attr_result have;
	enum vlt_codec codec = rp->codec;

	vlt_attr_lookup(rp->repo_attrs, path, &have);
	if (res->has_compress)
		codec = res->codec;
	else if (have.has_compress)
		codec = have.codec;

	memset(s, 0, sizeof(*s));
	s->rp = rp;
	vlt_oidset_init(&s->seen);
	vlt_buf_init(&s->scratch);
	s->rechunk = res->has_chunker;
	vlt_chunker_params_for(base, res->has_chunker ? res->chunker :
			       base->algo, &p);
	if (vlt_chunker_init(&s->ck, &p) < 0 ||
	    vlt_compressor_init(&s->comp, codec, rp->level) < 0)
		die("%s", vlt_error_last());
	s->need = p.algo == VLT_CHUNKER_FIXED ? p.avg : p.max;
	if (s->rechunk && !(s->buf = malloc(2 * s->need)))
		die("out of memory");
	if (p.algo == VLT_CHUNKER_ASSET && vlt_asset_new(&s->asset) < 0)
		die("%s", vlt_error_last());
}

static void sink_release(struct sink *s)
{
	free(s->buf);
	vlt_asset_free(s->asset);
	vlt_compressor_release(&s->comp);
	vlt_buf_release(&s->scratch);
	vlt_oidset_release(&s->seen);
}

/* The stored bytes of f's chunks not in seen yet (and add them). */
static uint64_t current_bytes(struct report *rp, struct vlt_oidset *seen,
			      const struct file_ver *f)
{
	uint64_t sum = 0, stored, raw;

	for (size_t i = 0; i < f->nchunks; i++) {
		int rc = vlt_oidset_insert(seen, &f->chunks[i].oid);

		if (rc < 0)
			die("%s", vlt_error_last());
		if (rc && lookup_sizes(rp, &f->chunks[i].oid, &stored,
				       &raw) == 0)
			sum += stored;
	}
	return sum;
}

static int cmp_path_then_order(const void *pa, const void *pb)
{
	const struct file_ver *const *a = pa, *const *b = pb;
	int c = strcmp((*a)->path, (*b)->path);

	if (c)
		return c;
	/* walk order is newest first: oldest first here */
	return *a < *b ? 1 : *a > *b ? -1 : 0;
}

static void measure(struct report *rp, struct policy *pol, size_t num,
		    size_t count)
{
	struct file_ver **match = NULL;
	struct vlt_attr_result res;
	struct vlt_oidset cur;
	struct vlt_buf chunk = VLT_BUF_INIT;
	struct sink s;
	size_t nmatch = 0;

	if (rp->nfiles && !(match = calloc(rp->nfiles, sizeof(*match))))
		die("out of memory");
	vlt_oidset_init(&cur);
	for (size_t i = 0; i < rp->nfiles; i++) {
		vlt_attr_lookup(pol->attrs, rp->files[i].path, &res);
		if (res.has_chunker || res.has_compress || res.delta == 1) {
			match[nmatch++] = &rp->files[i];
			pol->current += current_bytes(rp, &cur, &rp->files[i]);
		}
	}
	pol->files = nmatch;
	if (!nmatch)
		goto done;
	qsort(match, nmatch, sizeof(*match), cmp_path_then_order);
	vlt_attr_lookup(pol->attrs, match[0]->path, &res);
	sink_init(&s, rp, &res, match[0]->path);
	if (res.delta == 1) {
		/* the first version of a path as it is stored, each later one
		 * as a delta against the one before */
		struct vlt_buf prev = VLT_BUF_INIT, next = VLT_BUF_INIT;
		struct vlt_buf delta = VLT_BUF_INIT;
		struct vlt_oidset first;
		int have_prev = 0;

		vlt_oidset_init(&first);
		for (size_t i = 0; i < nmatch; i++) {
			const struct file_ver *f = match[i];
			int same = i && !strcmp(f->path, match[i - 1]->path);

			cli_progress_update("policy %zu/%zu: %s  %zu/%zu files",
					    num, count, pol->line, i + 1, nmatch);
			if (!same)
				have_prev = 0;
			vlt_buf_reset(&next);
			if (f->size <= VLT_DELTA_MAX_DEFAULT &&
			    vlt_file_object_read(rp->r, &f->oid,
						 VLT_DELTA_MAX_DEFAULT,
						 &next) < 0)
				die("%s", vlt_error_last());
			if (have_prev && f->size <= VLT_DELTA_MAX_DEFAULT) {
				if (vlt_delta_create(prev.data, prev.len,
						     next.data, next.len, NULL,
						     &delta) < 0)
					die("%s", vlt_error_last());
				pol->would += delta.len;
			} else {
				if (same)
					pol->skipped_delta++;
				pol->would += current_bytes(rp, &first, f);
			}
			have_prev = f->size <= VLT_DELTA_MAX_DEFAULT;
			if (have_prev) {
				struct vlt_buf t = prev;

				prev = next;
				next = t;
			}
		}
		vlt_oidset_release(&first);
		vlt_buf_release(&prev);
		vlt_buf_release(&next);
		vlt_buf_release(&delta);
	} else {
		for (size_t i = 0; i < nmatch; i++) {
			cli_progress_update("policy %zu/%zu: %s  %zu/%zu files",
					    num, count, pol->line, i + 1, nmatch);
			sink_file(&s, &match[i]->oid, &chunk);
		}
		pol->would = s.bytes;
	}
	sink_release(&s);
done:
	vlt_buf_release(&chunk);
	vlt_oidset_release(&cur);
	free(match);
}

/* --- policies ------------------------------------------------------------ */

struct policies {
	struct policy *v;
	size_t nr, alloc;
};

/* 1 if a policy line sets an attribute there is something to measure
 * for (vault-optimize.md): chunker=, compress= / -compress, delta=on. */
static int measurable(const char *line)
{
	const char *p = line + strcspn(line, " \t");

	while (*p) {
		size_t n;

		p += strspn(p, " \t");
		n = strcspn(p, " \t");
		if ((n > 8 && !strncmp(p, "chunker=", 8)) ||
		    (n > 9 && !strncmp(p, "compress=", 9)) ||
		    (n == 9 && !strncmp(p, "-compress", 9)) ||
		    (n == 8 && !strncmp(p, "delta=on", 8)) ||
		    (n == 5 && !strncmp(p, "delta", 5)))
			return 1;
		p += n;
	}
	return 0;
}

/* Parse one line as a policy; VLT_E_INVALID names it. */
static int policy_add(struct policies *ps, const char *line, int is_default)
{
	struct vlt_attrs *a;
	struct policy *p;
	int err;

	if ((err = vlt_attrs_new(&a)) < 0)
		return err;
	if (!*line || strchr(line, '\n') || !strchr(line, ' ')) {
		vlt_attrs_free(a);
		return vlt_error_set(VLT_E_INVALID, "'%s': a policy is one "
				     "line 'PATTERN attr=value'", line);
	}
	if ((err = vlt_attrs_add(a, "", line, strlen(line), "--policy")) < 0) {
		vlt_attrs_free(a);
		return err;
	}
	if (!measurable(line)) {
		vlt_attrs_free(a);
		return vlt_error_set(VLT_E_INVALID, "'%s' sets nothing to "
				     "measure (chunker=, compress= or "
				     "delta=on)", line);
	}
	if (VLT_ALLOC_GROW(ps->v, ps->nr + 1, ps->alloc) < 0) {
		vlt_attrs_free(a);
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	}
	p = &ps->v[ps->nr++];
	memset(p, 0, sizeof(*p));
	p->attrs = a;
	p->is_default = is_default;
	if (!(p->line = strdup(line)))
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	return 0;
}

/* The repository's own policy: its defaults and the root's
 * .vaultattributes in the working folder (NULL when neither applies). */
static struct vlt_attrs *repo_attrs(struct vlt_repo *r)
{
	const char *wt = vlt_repo_worktree(r);
	struct vlt_attrs *a;
	int fd;

	if (vlt_attrs_new(&a) < 0 || vlt_attrs_add_repo(a, r) < 0)
		die("%s", vlt_error_last());
	if (wt && (fd = open(wt, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		if (vlt_attrs_load_dir(a, fd, "") < 0)
			die("%s", vlt_error_last());
		close(fd);
	}
	return a;
}

/* 1 if every file the default line matches is already stored under its
 * attributes by the repository's own policy. */
static int already_applied(struct report *rp, const struct vlt_attrs *repo,
			   const struct policy *p)
{
	for (size_t i = 0; i < rp->nfiles; i++) {
		struct vlt_attr_result want, have;

		vlt_attr_lookup(p->attrs, rp->files[i].path, &want);
		if (!want.has_chunker && !want.has_compress && want.delta != 1)
			continue;
		vlt_attr_lookup(repo, rp->files[i].path, &have);
		if ((want.has_chunker && (!have.has_chunker ||
					  have.chunker != want.chunker)) ||
		    (want.has_compress && (!have.has_compress ||
					   have.codec != want.codec)) ||
		    (want.delta == 1 && have.delta != 1))
			return 0;
	}
	return 1;
}

static void add_defaults(struct report *rp, struct policies *ps)
{
	const char *text = vlt_attrs_defaults_text("game");
	const struct vlt_attrs *repo = rp->repo_attrs;

	while (text && *text) {
		const char *nl = strchr(text, '\n');
		size_t n = nl ? (size_t)(nl - text) : strlen(text);
		char *line = strndup(text, n);

		if (!line)
			die("out of memory");
		if (policy_add(ps, line, 1) < 0)
			die("%s", vlt_error_last());
		if (already_applied(rp, repo, &ps->v[ps->nr - 1])) {
			vlt_attrs_free(ps->v[ps->nr - 1].attrs);
			free(ps->v[--ps->nr].line);
		}
		free(line);
		text += n + (nl ? 1 : 0);
	}
}

static int64_t saving(const struct policy *p)
{
	return (int64_t)p->current - (int64_t)p->would;
}

static int cmp_policy(const void *pa, const void *pb)
{
	const struct policy *a = pa, *b = pb;

	if (saving(a) != saving(b))
		return saving(a) > saving(b) ? -1 : 1;
	return strcmp(a->line, b->line);
}

/* --- output -------------------------------------------------------------- */

struct path_cost {
	const char *path;
	uint64_t stored;
	size_t versions;
};

/* 1 if the policy sets delta=on (measured as deltas). */
static int is_delta(const struct policy *p)
{
	const char *d = p->line + strcspn(p->line, " \t");

	while ((d = strstr(d, "delta")) != NULL) {
		if ((d[-1] == ' ' || d[-1] == '\t') &&
		    (!strncmp(d, "delta=on", 8) || d[5] == '\0' ||
		     d[5] == ' ' || d[5] == '\t'))
			return 1;
		d += 5;
	}
	return 0;
}

static int cmp_type(const void *pa, const void *pb)
{
	const struct type_cost *a = pa, *b = pb;

	if (a->stored != b->stored)
		return a->stored > b->stored ? -1 : 1;
	return strcmp(a->ext, b->ext);
}

static int cmp_path_cost(const void *pa, const void *pb)
{
	const struct path_cost *a = pa, *b = pb;

	if (a->stored != b->stored)
		return a->stored > b->stored ? -1 : 1;
	return strcmp(a->path, b->path);
}

static int cmp_file_path(const void *pa, const void *pb)
{
	const struct file_ver *a = pa, *b = pb;

	return strcmp(a->path, b->path);
}

/* The unique stored bytes per path, largest first (files sorted by path). */
static struct path_cost *path_costs(struct report *rp, size_t *n)
{
	struct path_cost *v = NULL;
	size_t nr = 0, alloc = 0;

	for (size_t i = 0; i < rp->nfiles; i++) {
		const struct file_ver *f = &rp->files[i];

		if (!nr || strcmp(v[nr - 1].path, f->path)) {
			if (VLT_ALLOC_GROW(v, nr + 1, alloc) < 0)
				die("out of memory");
			v[nr++] = (struct path_cost){ f->path, 0, 0 };
		}
		v[nr - 1].stored += f->first_stored;
		v[nr - 1].versions++;
	}
	if (nr)
		qsort(v, nr, sizeof(*v), cmp_path_cost);
	*n = nr;
	return v;
}

static const char *pct(uint64_t part, uint64_t whole, char buf[16])
{
	if (!whole)
		return "-";
	snprintf(buf, 16, "%.1f%%", 100.0 * (double)part / (double)whole);
	return buf;
}

static void print_human(struct report *rp, const struct path_cost *pc,
			size_t npc, size_t top, const struct policies *ps)
{
	struct vlt_buf out = VLT_BUF_INIT;
	char b1[16];
	const struct policy *best = NULL;

	vlt_buf_addf(&out, "%" PRIu64 " snapshot%s, %zu file versions, %s "
		     "stored (compressed, deduplicated)\n\n", rp->snapshots,
		     rp->snapshots == 1 ? "" : "s", rp->nfiles,
		     print_human_size(rp->stored_total));
	vlt_buf_addf(&out, "%-10s  %8s  %11s  %7s\n", "type", "versions",
		     "stored", "share");
	for (size_t i = 0; i < rp->ntypes; i++)
		vlt_buf_addf(&out, "%-10s  %8" PRIu64 "  %11s  %7s\n",
			     rp->types[i].ext, rp->types[i].files,
			     print_human_size(rp->types[i].stored),
			     pct(rp->types[i].stored, rp->stored_total, b1));
	vlt_buf_addf(&out, "\ntop %zu paths by unique stored bytes (a chunk "
		     "shared by several paths counts for the first one met)\n",
		     top < npc ? top : npc);
	vlt_buf_addf(&out, "%11s  %8s  %s\n", "stored", "versions", "path");
	for (size_t i = 0; i < npc && i < top; i++) {
		vlt_buf_addf(&out, "%11s  %8zu  ", print_human_size(pc[i].stored),
			     pc[i].versions);
		print_quote_name(&out, pc[i].path);
		vlt_buf_adds(&out, "\n");
	}
	vlt_buf_adds(&out, "\npolicies (every version of the matching files "
		     "cut and compressed again)\n");
	if (!ps->nr)
		vlt_buf_adds(&out, "  none to try: every game default that "
			     "matches a file here is applied already\n");
	else
		vlt_buf_addf(&out, "%-26s  %8s  %11s  %11s  %11s  %7s\n",
			     "policy", "versions", "current", "would be",
			     "saving", "%");
	for (size_t i = 0; i < ps->nr; i++) {
		const struct policy *p = &ps->v[i];
		int64_t sv = saving(p);
		char sbuf[40];

		snprintf(sbuf, sizeof(sbuf), "%s%s", sv < 0 ? "-" : "",
			 print_human_size((uint64_t)(sv < 0 ? -sv : sv)));
		vlt_buf_addf(&out, "%-26s  %8zu  %11s  ", p->line, p->files,
			     print_human_size(p->current));
		if (p->current)
			snprintf(b1, sizeof(b1), "%.1f%%",
				 100.0 * (double)sv / (double)p->current);
		else
			snprintf(b1, sizeof(b1), "-");
		vlt_buf_addf(&out, "%11s  %11s  %7s\n",
			     print_human_size(p->would), sbuf, b1);
		/* advise what backup honours today: not delta=on */
		if (sv > 0 && !best && !is_delta(p))
			best = p;
	}
	for (size_t i = 0; i < ps->nr; i++) {
		const struct policy *p = &ps->v[i];

		if (p->files && strstr(p->line, "compress=none")) {
			int64_t sv = saving(p);

			if (sv < 0)
				vlt_buf_addf(&out, "note: '%s' stores %s more: ",
					     p->line,
					     print_human_size((uint64_t)-sv));
			else
				vlt_buf_addf(&out, "note: '%s' stores about "
					     "the same (these files do not "
					     "compress): ", p->line);
			vlt_buf_adds(&out, "what it buys is speed (no "
				     "compression on backup and restore), "
				     "not space\n");
		}
		if (p->skipped_delta)
			vlt_buf_addf(&out, "note: '%s': %d version%s above the "
				     "delta limit counted as stored chunks\n",
				     p->line, p->skipped_delta,
				     p->skipped_delta == 1 ? "" : "s");
		if (p->files && is_delta(p))
			vlt_buf_addf(&out, "note: '%s': backup does not store "
				     "deltas yet; this is what it would save "
				     "once it does\n", p->line);
	}
	if (best)
		vlt_buf_addf(&out, "\nto apply the best policy:\n  echo '%s' "
			     ">> .vaultattributes\n", best->line);
	else if (ps->nr)
		vlt_buf_adds(&out, "\nno policy that backup applies today "
			     "would save bytes\n");
	cli_write_stdout(out.data, out.len);
	vlt_buf_release(&out);
}

#define U(v) json_integer((json_int_t)(v))

static void print_json(struct report *rp, const struct path_cost *pc,
		       size_t npc, size_t top, const struct policies *ps)
{
	json_t *o = cli_json_object(), *types = cli_json_array();
	json_t *tops = cli_json_array(), *pols = cli_json_array();

	cli_json_set(o, "snapshots", U(rp->snapshots));
	cli_json_set(o, "stored_bytes", U(rp->stored_total));
	for (size_t i = 0; i < rp->ntypes; i++) {
		json_t *t = cli_json_object();

		cli_json_set(t, "type", print_json_string(rp->types[i].ext));
		cli_json_set(t, "files", U(rp->types[i].files));
		cli_json_set(t, "stored_bytes", U(rp->types[i].stored));
		cli_json_append(types, t);
	}
	for (size_t i = 0; i < npc && i < top; i++) {
		json_t *t = cli_json_object();

		cli_json_set(t, "path", print_json_string(pc[i].path));
		cli_json_set(t, "versions", U(pc[i].versions));
		cli_json_set(t, "stored_bytes", U(pc[i].stored));
		cli_json_append(tops, t);
	}
	for (size_t i = 0; i < ps->nr; i++) {
		json_t *t = cli_json_object();

		cli_json_set(t, "policy", print_json_string(ps->v[i].line));
		cli_json_set(t, "default", json_boolean(ps->v[i].is_default));
		cli_json_set(t, "files", U(ps->v[i].files));
		cli_json_set(t, "current_bytes", U(ps->v[i].current));
		cli_json_set(t, "would_bytes", U(ps->v[i].would));
		cli_json_set(t, "saving_bytes",
			     json_integer((json_int_t)saving(&ps->v[i])));
		cli_json_append(pols, t);
	}
	cli_json_set(o, "types", types);
	cli_json_set(o, "top", tops);
	cli_json_set(o, "policies", pols);
	cli_json_print(o, 0);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "report", no_argument, NULL, 'R' },
		{ "json", no_argument, NULL, 'J' },
		{ "top", required_argument, NULL, 'T' },
		{ "policy", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct policies ps = { NULL, 0, 0 };
	struct vlt_config *cfg;
	struct report rp;
	struct path_cost *pc;
	const char *rev = NULL, *v;
	int c, report = 0, json_out = 0;
	size_t top = 10, npc;
	int64_t level;
	char *end;

	cli_init("vault-optimize");
	while ((c = cli_getopt(argc, argv, "", opts, usage)) != -1) {
		switch (c) {
		case 'R': report = 1; break;
		case 'J': json_out = 1; break;
		case 'T':
			top = strtoul(optarg, &end, 10);
			if (!*optarg || *end || !top || top > 100000)
				usage_error(usage, "--top: '%s' is not a "
					    "number from 1", optarg);
			break;
		case 'P':
			if (policy_add(&ps, optarg, 0) < 0)
				usage_error(usage, "bad --policy: %s",
					    vlt_error_last());
			break;
		}
	}
	if (!report)
		usage_error(usage, "give --report");
	if (optind < argc)
		rev = argv[optind++];
	if (optind < argc)
		usage_error(usage, "too many arguments");

	memset(&rp, 0, sizeof(rp));
	rp.r = cli_open_repo();
	cfg = vlt_repo_config(rp.r);
	rp.codec = VLT_CODEC_ZSTD;
	if ((v = vlt_config_get(cfg, "compression.algo")) &&
	    vlt_codec_parse(v, &rp.codec) < 0)
		die("%s", vlt_error_last());
	level = rp.codec == VLT_CODEC_ZLIB ? 6 : 1;
	if (vlt_config_get_int(cfg, "compression.level", &level) < 0)
		die("%s", vlt_error_last());
	rp.level = (int)level;
	if (vlt_objwalk_init(&rp.walk, rp.r, VLT_OBJWALK_NO_LEAF_CHECK |
			     VLT_OBJWALK_IN_ORDER | VLT_OBJWALK_NO_SYMLINKS,
			     visit, damaged, &rp) < 0)
		die("%s", vlt_error_last());
	cli_progress_start(isatty(2));
	cli_progress_update("walking snapshots");
	if (rev) {
		struct vlt_oid oid, tree;

		if (vlt_rev_parse(rp.r, rev, &oid) < 0 ||
		    vlt_rev_peel_tree(rp.r, &oid, &tree) < 0)
			die("%s: %s", rev, vlt_error_last());
		walk_tree(&rp, &tree);
	} else {
		walk_all(&rp);
	}
	if (!rp.snapshots) {
		cli_progress_clear();
		if (json_out) {
			json_t *o = cli_json_object();

			cli_json_set(o, "snapshots", U(0));
			cli_json_set(o, "stored_bytes", U(0));
			cli_json_set(o, "types", cli_json_array());
			cli_json_set(o, "top", cli_json_array());
			cli_json_set(o, "policies", cli_json_array());
			cli_json_print(o, 0);
		} else {
			printf("nothing to report: the repository has no "
			       "snapshots yet (run 'vault backup')\n");
		}
		goto out;
	}
	rp.repo_attrs = repo_attrs(rp.r);
	/* the user's policies, then the defaults not applied yet; all
	 * sorted by saving once measured */
	add_defaults(&rp, &ps);
	for (size_t i = 0; i < ps.nr; i++)
		measure(&rp, &ps.v[i], i + 1, ps.nr);
	/* defaults that match nothing say nothing */
	for (size_t i = 0; i < ps.nr;) {
		if (ps.v[i].is_default && !ps.v[i].files) {
			vlt_attrs_free(ps.v[i].attrs);
			free(ps.v[i].line);
			ps.v[i] = ps.v[--ps.nr];
		} else {
			i++;
		}
	}
	if (ps.nr)
		qsort(ps.v, ps.nr, sizeof(*ps.v), cmp_policy);
	cli_progress_clear();
	if (rp.ntypes)
		qsort(rp.types, rp.ntypes, sizeof(*rp.types), cmp_type);
	if (rp.nfiles)
		qsort(rp.files, rp.nfiles, sizeof(*rp.files), cmp_file_path);
	pc = path_costs(&rp, &npc);
	if (json_out)
		print_json(&rp, pc, npc, top, &ps);
	else
		print_human(&rp, pc, npc, top, &ps);
	free(pc);
out:
	for (size_t i = 0; i < ps.nr; i++) {
		vlt_attrs_free(ps.v[i].attrs);
		free(ps.v[i].line);
	}
	free(ps.v);
	for (size_t i = 0; i < rp.nfiles; i++) {
		free(rp.files[i].path);
		free(rp.files[i].chunks);
	}
	free(rp.files);
	for (size_t i = 0; i < rp.ntypes; i++)
		free(rp.types[i].ext);
	free(rp.types);
	vlt_attrs_free(rp.repo_attrs);
	vlt_objwalk_release(&rp.walk);
	vlt_repo_free(rp.r);
	return 0;
}
