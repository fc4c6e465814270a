/*
 * vault stats - how big a snapshot (or the whole history) is, and what
 * deduplication and compression make of it.
 *
 * The library's object walk (lib/walk.c) reads each tree once and each
 * file object once and meets every unique chunk once, whose stored and
 * raw size come from the pack indexes (no pack is read). What a tree
 * holds itself is kept by tree id and totalled afterwards, so with --all
 * a subtree met again in another snapshot is not read again and a
 * history of many similar snapshots costs little more than one.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "json.h"
#include "error.h"
#include "odb.h"
#include "oidset.h"
#include "pack.h"
#include "print.h"
#include "refs.h"
#include "revparse.h"
#include "tree.h"
#include "walk.h"

static const char usage[] =
"usage: vault stats [--json] [SNAP | --all]\n"
"\n"
"For one snapshot (default HEAD), or every snapshot reachable from refs\n"
"with --all: files and their logical size, unique chunks, stored size,\n"
"dedup ratio (logical / unique), compression ratio (unique / stored), a\n"
"table by file type (extension) sorted by stored size, and totals of the\n"
"repository's packs.\n"
"\n"
"    --all     every snapshot reachable from refs (and a detached HEAD)\n"
"    --json    one JSON object instead\n";

/* --- file types ---------------------------------------------------------- */

struct type_stat {
	char *ext;                 /* lower-cased, or "(none)" */
	uint64_t files, logical;   /* over all snapshots walked */
	uint64_t stored;           /* of the unique chunks first met in it */
};

static struct type_stat *types;
static size_t ntypes, types_alloc;
static uint32_t *type_index;      /* open addressing: type number + 1 */
static size_t type_index_cap;

static uint32_t type_lookup_slot(const char *ext, size_t len, size_t *slot)
{
	size_t i = (size_t)vlt_xxh3(ext, len) & (type_index_cap - 1);

	for (;; i = (i + 1) & (type_index_cap - 1)) {
		uint32_t t = type_index[i];

		if (!t || (strlen(types[t - 1].ext) == len &&
			   !memcmp(types[t - 1].ext, ext, len))) {
			*slot = i;
			return t;
		}
	}
}

static void type_index_grow(void)
{
	size_t cap = type_index_cap ? type_index_cap * 2 : 256;
	uint32_t *old = type_index;
	size_t old_cap = type_index_cap;

	if (!(type_index = calloc(cap, sizeof(*type_index))))
		die("out of memory");
	type_index_cap = cap;
	for (size_t i = 0; i < old_cap; i++) {
		size_t slot;

		if (!old[i])
			continue;
		type_lookup_slot(types[old[i] - 1].ext,
				 strlen(types[old[i] - 1].ext), &slot);
		type_index[slot] = old[i];
	}
	free(old);
}

/* The type number of a file name: its extension, lower-cased. */
static uint32_t type_of(const char *name)
{
	const char *dot = strrchr(name, '.');
	char ext[64];
	size_t len, slot;
	uint32_t t;

	/* ".gitignore" and "name." have no extension; absurdly long ones
	 * are not types either */
	if (!dot || dot == name || !dot[1] || strlen(dot + 1) >= sizeof(ext)) {
		snprintf(ext, sizeof(ext), "(none)");
	} else {
		for (len = 0; dot[1 + len]; len++)
			ext[len] = (char)tolower((unsigned char)dot[1 + len]);
		ext[len] = '\0';
	}
	len = strlen(ext);
	if ((ntypes + 1) * 2 > type_index_cap)
		type_index_grow();
	if ((t = type_lookup_slot(ext, len, &slot)) != 0)
		return t - 1;
	if (VLT_ALLOC_GROW(types, ntypes + 1, types_alloc) < 0 ||
	    !(types[ntypes].ext = strdup(ext)))
		die("out of memory");
	types[ntypes].files = types[ntypes].logical = types[ntypes].stored = 0;
	type_index[slot] = (uint32_t)++ntypes;
	return (uint32_t)(ntypes - 1);
}

/* --- per-tree totals, remembered by tree id ------------------------------ */

struct type_count {
	uint32_t type;
	uint64_t files, bytes;
};

struct tree_sum {
	uint64_t files, bytes, symlinks, dirs;
	struct type_count *v;   /* one per type present below */
	size_t nr, alloc;
};

static void sum_add_type(struct tree_sum *s, uint32_t type, uint64_t files,
			 uint64_t bytes)
{
	size_t i;

	for (i = 0; i < s->nr; i++)
		if (s->v[i].type == type)
			break;
	if (i == s->nr) {
		if (VLT_ALLOC_GROW(s->v, s->nr + 1, s->alloc) < 0)
			die("out of memory");
		s->v[s->nr++] = (struct type_count){ type, 0, 0 };
	}
	s->v[i].files += files;
	s->v[i].bytes += bytes;
}

static void sum_merge(struct tree_sum *into, const struct tree_sum *s)
{
	into->files += s->files;
	into->bytes += s->bytes;
	into->symlinks += s->symlinks;
	into->dirs += s->dirs;
	for (size_t i = 0; i < s->nr; i++)
		sum_add_type(into, s->v[i].type, s->v[i].files, s->v[i].bytes);
}

/* --- the walk -------------------------------------------------------- */

/* What one tree holds itself, and the subtrees whose sums add to it. */
struct tree_rec {
	struct tree_sum sum;     /* its own entries until totalled */
	struct vlt_oid *subs;
	size_t nsubs, subs_alloc;
	int totalled;            /* sum includes the subtrees' */
};

struct stats {
	struct vlt_repo *r;
	struct vlt_objwalk walk;      /* the library's object walk: each
				       * tree, file object and chunk once */
	struct vlt_oidmap trees;      /* tree id -> struct tree_rec * */
	uint64_t unique_files;        /* file objects met */
	uint32_t cur_type;            /* of the file whose chunks come */
	size_t last_pack;             /* where the last lookup hit */
	uint64_t unique_chunks, unique_bytes, stored_bytes, meta_bytes;
	uint64_t missing_chunks, missing_snapshots, snapshots;
	uint64_t forgotten_snapshots;  /* forgotten, files freed: not counted */
	struct tree_sum total;
};

/* Stored and raw size of an object, from the pack indexes. 0 if found. */
static int lookup_sizes(struct stats *st, const struct vlt_oid *oid,
			uint64_t *stored, uint64_t *raw)
{
	size_t n = vlt_odb_pack_count(st->r);

	/* objects written together sit in the same pack: try the last hit
	 * first */
	for (size_t k = 0; k < n; k++) {
		size_t i = (st->last_pack + k) % n;
		struct vlt_pack *p = vlt_odb_pack_at(st->r, i);
		struct vlt_pack_entry e;
		int64_t pos = vlt_pack_find(p, oid);

		if (pos < 0)
			continue;
		vlt_pack_entry_at(p, (uint32_t)pos, &e);
		*stored = e.stored_len;
		*raw = e.raw_len;
		st->last_pack = i;
		return 0;
	}
	return -1;
}

static void count_meta(struct stats *st, const struct vlt_oid *oid)
{
	uint64_t stored, raw;

	if (lookup_sizes(st, oid, &stored, &raw) == 0)
		st->meta_bytes += stored;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* A tree met for the first time: what it holds itself. */
static void visit_tree(struct stats *st, const struct vlt_oid *oid,
		       const struct vlt_tree *t)
{
	struct tree_rec *rec;

	count_meta(st, oid);
	if (!(rec = calloc(1, sizeof(*rec))))
		die("out of memory");
	for (size_t i = 0; i < t->nr; i++) {
		const struct vlt_tree_entry *e = &t->entries[i];

		switch (e->type) {
		case VLT_ENTRY_FILE:
			rec->sum.files++;
			rec->sum.bytes += e->size;
			sum_add_type(&rec->sum, type_of(e->name), 1, e->size);
			break;
		case VLT_ENTRY_SYMLINK:
			rec->sum.symlinks++;
			break;
		case VLT_ENTRY_DIR:
			rec->sum.dirs++;
			if (VLT_ALLOC_GROW(rec->subs, rec->nsubs + 1,
					   rec->subs_alloc) < 0)
				die("out of memory");
			rec->subs[rec->nsubs++] = e->oid;
			break;
		}
	}
	if (vlt_oidmap_put(&st->trees, oid, rec) < 0)
		die("%s", vlt_error_last());
}

/* A chunk met for the first time, of a file of type st->cur_type. */
static void visit_chunk(struct stats *st, const struct vlt_oid *oid)
{
	uint64_t stored, raw;

	if (lookup_sizes(st, oid, &stored, &raw) < 0) {
		st->missing_chunks++;
		return;
	}
	st->unique_chunks++;
	st->unique_bytes += raw;
	st->stored_bytes += stored;
	types[st->cur_type].stored += stored;
}

static int visit(const struct vlt_object_visit *v, void *data)
{
	struct stats *st = data;

	switch (v->kind) {
	case VLT_OBJ_TREE:
		visit_tree(st, v->oid, v->tree);
		break;
	case VLT_OBJ_FILE:
		count_meta(st, v->oid);
		st->unique_files++;
		st->cur_type = type_of(base_name(v->path));
		break;
	case VLT_OBJ_CHUNK:
		visit_chunk(st, v->oid);
		break;
	default:
		break;
	}
	return 0;
}

static int damaged(const struct vlt_object_visit *v,
		   enum vlt_objwalk_damage what, int err, void *data)
{
	(void)err;
	(void)data;
	if (what == VLT_OBJWALK_TOO_DEEP)
		die("%s", vlt_error_last());
	if (v->kind == VLT_OBJ_FILE)
		die("file '%s': %s", base_name(v->path), vlt_error_last());
	die("tree '%s': %s", *v->path ? v->path : "/", vlt_error_last());
}

/* The sum of a tree and everything below it (every tree below was
 * walked: damage stops stats). */
static const struct tree_sum *tree_total(struct stats *st,
					 const struct vlt_oid *oid)
{
	struct tree_rec *rec;
	void *memo;

	if (!vlt_oidmap_get(&st->trees, oid, &memo))
		die("tree %s: not walked", vlt_oid_hex(oid));
	rec = memo;
	if (!rec->totalled) {
		for (size_t i = 0; i < rec->nsubs; i++)
			sum_merge(&rec->sum, tree_total(st, &rec->subs[i]));
		rec->totalled = 1;
	}
	return &rec->sum;
}

static void walk_snapshot(struct stats *st, const struct vlt_snapshot *s,
			  const struct vlt_oid *oid)
{
	count_meta(st, oid);
	if (vlt_objwalk_add(&st->walk, &s->tree, VLT_OBJ_TREE, 0) < 0 ||
	    vlt_objwalk_run(&st->walk) < 0)
		die("%s", vlt_error_last());
	sum_merge(&st->total, tree_total(st, &s->tree));
	st->snapshots++;
}

/* --- --all: every snapshot reachable from refs ----------------------- */

struct oid_stack {
	struct vlt_oid *v;
	size_t nr, alloc;
};

static void push(struct oid_stack *s, const struct vlt_oid *oid)
{
	if (VLT_ALLOC_GROW(s->v, s->nr + 1, s->alloc) < 0)
		die("out of memory");
	s->v[s->nr++] = *oid;
}

static int push_ref(const char *name, const struct vlt_oid *oid, void *data)
{
	push(data, oid);
	return 0;
}

static void walk_all(struct stats *st)
{
	struct oid_stack roots = { NULL, 0, 0 };
	struct vlt_walk w;
	struct vlt_oid head;
	const struct vlt_walk_entry *e;
	int rc;

	if (vlt_ref_for_each_all(st->r, push_ref, &roots) < 0)
		die("%s", vlt_error_last());
	if (vlt_ref_read(st->r, "HEAD", &head) == 0)
		push(&roots, &head);   /* a detached HEAD; else seen already */
	if (vlt_walk_init(&w, st->r, 0) < 0)
		die("%s", vlt_error_last());
	/* roots in ref-name order: the walk's stack takes them reversed */
	while (roots.nr) {
		const struct vlt_oid *oid = &roots.v[--roots.nr];
		enum vlt_obj_kind kind;
		int err = vlt_odb_info(st->r, oid, &kind, NULL);

		if (err == VLT_E_NOTFOUND) {
			st->missing_snapshots++;   /* a ref to nothing */
			vlt_error_clear();
			continue;
		}
		if (err < 0)
			die("%s", vlt_error_last());
		if (kind == VLT_OBJ_SNAPSHOT &&  /* persona refs: records */
		    vlt_walk_push(&w, oid) < 0)
			die("%s", vlt_error_last());
	}
	while ((rc = vlt_walk_next(&w, &e)) == 1) {
		if (!e->has_tree) {
			if (!e->forgotten)
				die("snapshot %s: its tree %s is missing (run "
				    "'vault fsck')", vlt_oid_hex(&e->oid),
				    vlt_oid_hex(&e->snap.tree));
			st->forgotten_snapshots++;  /* gc freed its files */
			continue;
		}
		walk_snapshot(st, &e->snap, &e->oid);
	}
	if (rc < 0)
		die("%s", vlt_error_last());
	vlt_walk_release(&w);
	free(roots.v);
}

/* --- output -------------------------------------------------------------- */

struct repo_totals {
	uint64_t packs, pack_bytes, index_bytes, objects;
};

static void repo_totals(struct vlt_repo *r, struct repo_totals *t)
{
	memset(t, 0, sizeof(*t));
	t->packs = vlt_odb_pack_count(r);
	for (size_t i = 0; i < t->packs; i++) {
		struct vlt_pack *p = vlt_odb_pack_at(r, i);
		uint64_t size;

		t->objects += p->count;
		t->index_bytes += p->idx_len;
		if (vlt_pack_file_size(r, p->name, "pack", &size) == 0)
			t->pack_bytes += size;
	}
}

static int cmp_type(const void *pa, const void *pb)
{
	const struct type_stat *a = pa, *b = pb;

	if (a->stored != b->stored)
		return a->stored > b->stored ? -1 : 1;
	if (a->logical != b->logical)
		return a->logical > b->logical ? -1 : 1;
	return strcmp(a->ext, b->ext);
}

static double ratio(uint64_t a, uint64_t b)
{
	return b ? (double)a / (double)b : 0;
}

static json_t *json_ratio(uint64_t a, uint64_t b)
{
	/* two decimals, so that output does not depend on float printing */
	return b ? json_real((double)(int64_t)(ratio(a, b) * 100 + 0.5) / 100) :
		   json_null();
}

#define U(v) json_integer((json_int_t)(v))

static void print_json(const struct stats *st, const struct vlt_oid *snap,
		       const struct repo_totals *rt)
{
	json_t *o = json_object(), *tl = json_array();

	if (!o || !tl)
		die("out of memory");
	cli_json_set(o, "snapshot", snap ? json_string(vlt_oid_hex(snap)) :
		 json_null());
	cli_json_set(o, "snapshots", U(st->snapshots));
	cli_json_set(o, "missing_snapshots", U(st->missing_snapshots));
	cli_json_set(o, "forgotten_snapshots", U(st->forgotten_snapshots));
	cli_json_set(o, "files", U(st->total.files));
	cli_json_set(o, "unique_files", U(st->unique_files));
	cli_json_set(o, "symlinks", U(st->total.symlinks));
	cli_json_set(o, "directories", U(st->total.dirs));
	cli_json_set(o, "logical_bytes", U(st->total.bytes));
	cli_json_set(o, "unique_chunks", U(st->unique_chunks));
	cli_json_set(o, "unique_bytes", U(st->unique_bytes));
	cli_json_set(o, "stored_bytes", U(st->stored_bytes));
	cli_json_set(o, "metadata_bytes", U(st->meta_bytes));
	cli_json_set(o, "missing_chunks", U(st->missing_chunks));
	cli_json_set(o, "dedup_ratio", json_ratio(st->total.bytes, st->unique_bytes));
	cli_json_set(o, "compression_ratio",
		 json_ratio(st->unique_bytes, st->stored_bytes));
	for (size_t i = 0; i < ntypes; i++) {
		if (!types[i].files)
			continue;
		if (json_array_append_new(tl, json_pack("{s:o, s:I, s:I, s:I}",
				"type", print_json_string(types[i].ext),
				"files", (json_int_t)types[i].files,
				"logical_bytes", (json_int_t)types[i].logical,
				"stored_bytes", (json_int_t)types[i].stored)) < 0)
			die("out of memory");
	}
	cli_json_set(o, "types", tl);
	cli_json_set(o, "repository", json_pack("{s:I, s:I, s:I, s:I}",
		 "packs", (json_int_t)rt->packs,
		 "pack_bytes", (json_int_t)rt->pack_bytes,
		 "index_bytes", (json_int_t)rt->index_bytes,
		 "objects", (json_int_t)rt->objects));
	cli_json_print(o, CLI_JSON_PRECISION(6));
}

static void print_human(const struct stats *st, const struct vlt_oid *snap,
			const struct vlt_snapshot *s,
			const struct repo_totals *rt)
{
	struct vlt_buf out = VLT_BUF_INIT;
	size_t width = 6;

	if (snap)
		vlt_buf_addf(&out, "snapshot           %.12s  %s\n",
			     vlt_oid_hex(snap),
			     print_date_short(s->time, s->tz_minutes));
	else
		vlt_buf_addf(&out, "snapshots          %" PRIu64
			     " (all reachable from refs)\n", st->snapshots);
	if (st->forgotten_snapshots)
		vlt_buf_addf(&out, "forgotten          %" PRIu64
			     " (vault forget; their files are freed)\n",
			     st->forgotten_snapshots);
	if (st->missing_snapshots)
		vlt_buf_addf(&out, "missing snapshots  %" PRIu64
			     " (named by refs, not stored)\n",
			     st->missing_snapshots);
	vlt_buf_addf(&out, "files              %" PRIu64 " (%" PRIu64 " unique)\n",
		     st->total.files, st->unique_files);
	vlt_buf_addf(&out, "directories        %" PRIu64 "\n", st->total.dirs);
	if (st->total.symlinks)
		vlt_buf_addf(&out, "symlinks           %" PRIu64 "\n",
			     st->total.symlinks);
	vlt_buf_addf(&out, "logical size       %s (%" PRIu64 " bytes)\n",
		     print_human_size(st->total.bytes), st->total.bytes);
	vlt_buf_addf(&out, "unique chunks      %" PRIu64 "\n", st->unique_chunks);
	vlt_buf_addf(&out, "unique size        %s\n",
		     print_human_size(st->unique_bytes));
	vlt_buf_addf(&out, "stored size        %s (+ %s of trees and file "
		     "lists)\n", print_human_size(st->stored_bytes),
		     print_human_size(st->meta_bytes));
	if (st->unique_bytes)
		vlt_buf_addf(&out, "dedup ratio        %.2fx\n",
			     ratio(st->total.bytes, st->unique_bytes));
	else
		vlt_buf_adds(&out, "dedup ratio        -\n");
	if (st->stored_bytes)
		vlt_buf_addf(&out, "compression ratio  %.2fx\n",
			     ratio(st->unique_bytes, st->stored_bytes));
	else
		vlt_buf_adds(&out, "compression ratio  -\n");
	if (st->missing_chunks)
		vlt_buf_addf(&out, "missing chunks     %" PRIu64 " (run 'vault "
			     "fsck')\n", st->missing_chunks);
	for (size_t i = 0; i < ntypes; i++)
		if (types[i].files && strlen(types[i].ext) > width)
			width = strlen(types[i].ext);
	if (st->total.files) {
		vlt_buf_addf(&out, "\n%-*s  %8s  %11s  %11s\n", (int)width,
			     "type", "files", "logical", "stored");
		for (size_t i = 0; i < ntypes; i++) {
			if (!types[i].files)
				continue;
			vlt_buf_addf(&out, "%-*s  %8" PRIu64 "  %11s  %11s\n",
				     (int)width, types[i].ext, types[i].files,
				     print_human_size(types[i].logical),
				     print_human_size(types[i].stored));
		}
	}
	vlt_buf_addf(&out, "\nrepository         %" PRIu64 " pack%s, %s "
		     "(indexes %s), %" PRIu64 " objects\n", rt->packs,
		     rt->packs == 1 ? "" : "s", print_human_size(rt->pack_bytes),
		     print_human_size(rt->index_bytes), rt->objects);
	cli_write_stdout(out.data, out.len);
	vlt_buf_release(&out);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'A' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct stats st;
	struct repo_totals rt;
	struct vlt_snapshot s;
	struct vlt_oid oid, tree;
	int c, all = 0, json_out = 0;
	const char *rev = "HEAD";

	cli_init("vault-stats");
	while ((c = cli_getopt(argc, argv, "", opts, usage)) != -1) {
		switch (c) {
		case 'A': all = 1; break;
		case 'J': json_out = 1; break;
		}
	}
	if (optind < argc) {
		if (all)
			usage_error(usage, "give SNAP or --all, not both");
		rev = argv[optind++];
	}
	if (optind < argc)
		usage_error(usage, "too many arguments");
	memset(&st, 0, sizeof(st));
	st.r = cli_open_repo();
	if (vlt_objwalk_init(&st.walk, st.r, VLT_OBJWALK_NO_LEAF_CHECK |
			     VLT_OBJWALK_IN_ORDER | VLT_OBJWALK_CHECK_DEPTH |
			     VLT_OBJWALK_NO_SYMLINKS, visit, damaged, &st) < 0)
		die("%s", vlt_error_last());
	vlt_snapshot_init(&s);
	if (all) {
		walk_all(&st);
	} else {
		if (vlt_rev_parse(st.r, rev, &oid) < 0)
			die("%s", vlt_error_last());
		if (vlt_snapshot_read(st.r, &oid, &s) < 0 ||
		    vlt_rev_peel_tree(st.r, &oid, &tree) < 0)  /* forgotten? */
			die("%s: %s", rev, vlt_error_last());
		walk_snapshot(&st, &s, &oid);
	}
	/* the per-type files and bytes of everything walked */
	for (size_t i = 0; i < st.total.nr; i++) {
		types[st.total.v[i].type].files += st.total.v[i].files;
		types[st.total.v[i].type].logical += st.total.v[i].bytes;
	}
	if (ntypes)
		qsort(types, ntypes, sizeof(*types), cmp_type);
	repo_totals(st.r, &rt);
	if (json_out)
		print_json(&st, all ? NULL : &oid, &rt);
	else
		print_human(&st, all ? NULL : &oid, &s, &rt);

	{
		size_t pos = 0;
		struct vlt_oid k;
		void *v;

		while (vlt_oidmap_next(&st.trees, &pos, &k, &v)) {
			struct tree_rec *rec = v;

			free(rec->sum.v);
			free(rec->subs);
			free(rec);
		}
	}
	for (size_t i = 0; i < ntypes; i++)
		free(types[i].ext);
	free(types);
	free(type_index);
	free(st.total.v);
	vlt_oidmap_release(&st.trees);
	vlt_objwalk_release(&st.walk);
	vlt_snapshot_release(&s);
	vlt_repo_free(st.r);
	return 0;
}
