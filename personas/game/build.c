/*
 * vault-build - the game's build outputs per platform, tied to the
 * snapshot they were built from, and what made a build grow.
 *
 * A build is a game.build record named PLATFORM/SNAPSHOT-ID (format.md
 * 6.5.1) linking the snapshot and the tree of the build folder, stored
 * like a backup (chunked, deduplicated against earlier builds) under the
 * writer lock with the record. An archive (.zip, .pck) is stored as a
 * folder holding that one file. Recording a build again for the same
 * platform and snapshot writes the record's next version.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "diff.h"
#include "error.h"
#include "fileobj.h"
#include "gamerec.h"
#include "json.h"
#include "odb.h"
#include "print.h"
#include "records.h"
#include "revparse.h"
#include "tree.h"
#include "worktree.h"

#define KIND "game.build"
#define PLATFORM "game.platform"

static const char usage[] =
"usage: vault-build record --platform P --rev REV (DIR | ARCHIVE)\n"
"   or: vault-build list [--platform P] [--json]\n"
"   or: vault-build diff [--json] A B\n"
"\n"
"Stores a build's output (a folder, or one archive file) for a platform\n"
"(vault platform add) and the snapshot it was built from. A and B name\n"
"builds as PLATFORM:REV (windows:HEAD~1) or by the record's id. diff\n"
"shows the size per top-level entry and per file type, biggest growth\n"
"first, and which changed source assets of the snapshots explain the\n"
"changed build files (same name without extension: textures/hero.png\n"
"-> assets/hero.ctex).\n"
"\n"
"    --platform P    record: the platform (must exist); list: only P\n"
"    --rev REV       record: the snapshot the build was made from\n"
"    --json          list, diff: print JSON\n";

static const char *platform_opt, *rev_opt;
static int json_out;

static void need_platform(struct vlt_repo *r, const char *p)
{
	struct vlt_record rec;
	struct vlt_oid oid;

	if (vlt_record_lookup(r, PLATFORM, p, &oid, &rec) < 0) {
		if (vlt_error_last_code() == VLT_E_NOTFOUND)
			die("unknown platform '%s' (vault platform add %s)", p,
			    p);
		die("%s", vlt_error_last());
	}
	vlt_record_release(&rec);
}

struct prep {
	const char *path;
	int is_file;
	json_t *body;
	struct vlt_oid snap;
};

/* An archive: a folder holding the one file, under its base name. */
static int store_file(struct vlt_repo *r, const char *path,
		      struct vlt_oid *tree, uint64_t *size)
{
	struct vlt_tree t;
	struct vlt_buf enc = VLT_BUF_INIT;
	struct vlt_oid file;
	const char *base = strrchr(path, '/');
	struct stat st;
	int fd, err;

	base = base ? base + 1 : path;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) < 0) {
		err = vlt_error_set(VLT_E_IO, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return err;
	}
	err = vlt_worktree_store_fd(r, fd, path, &file, size, NULL);
	close(fd);
	if (err < 0)
		return err;
	vlt_tree_init(&t);
	if ((err = vlt_tree_add(&t, base, VLT_ENTRY_FILE, 0644, *size,
				(int64_t)st.st_mtime, 0, &file)) == 0 &&
	    (err = vlt_tree_encode(&t, &enc)) == 0)
		err = vlt_odb_write(r, VLT_OBJ_TREE, enc.data, enc.len, tree);
	vlt_tree_release(&t);
	vlt_buf_release(&enc);
	return err;
}

static int prepare(struct vlt_repo *r, struct vlt_record *rec, void *data)
{
	struct prep *p = data;
	struct vlt_write_stats ws = { 0 };
	struct vlt_oid tree;
	uint64_t size = 0;
	int err;

	if (p->is_file) {
		err = store_file(r, p->path, &tree, &size);
		ws.files = 1;
		ws.bytes = size;
	} else {
		err = vlt_worktree_write(r, p->path, NULL, NULL, &tree, &ws);
	}
	if (err < 0)
		return err;
	if ((err = vlt_record_add_link(rec, VLT_OBJ_SNAPSHOT, &p->snap)) < 0 ||
	    (err = vlt_record_add_link(rec, VLT_OBJ_TREE, &tree)) < 0)
		return err;
	json_object_set_new(p->body, "tree", json_string(vlt_oid_hex(&tree)));
	json_object_set_new(p->body, "files", json_integer((json_int_t)ws.files));
	json_object_set_new(p->body, "bytes", json_integer((json_int_t)ws.bytes));
	json_object_set_new(p->body, "new_bytes",
			    json_integer((json_int_t)ws.new_bytes));
	gamerec_set_body(rec, p->body);
	return 0;
}

static int cmd_record(struct vlt_repo *r, const char *path)
{
	struct vlt_record rec, old;
	struct vlt_buf name = VLT_BUF_INIT;
	struct vlt_oid oldid;
	struct prep p = { path, 0, NULL, { { 0 } } };
	struct stat st;
	int have;

	if (!platform_opt || !rev_opt)
		usage_error(usage, "record needs --platform P and --rev REV");
	if (stat(path, &st) < 0)
		die("cannot read the build '%s': %s (nothing written)", path,
		    strerror(errno));
	if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
		die("'%s' is neither a folder nor a file", path);
	p.is_file = S_ISREG(st.st_mode);
	need_platform(r, platform_opt);
	gamerec_snapshot(r, rev_opt, &p.snap);
	vlt_buf_addf(&name, "%s/%s", platform_opt, vlt_oid_hex(&p.snap));
	have = vlt_record_lookup(r, KIND, name.data, &oldid, &old) == 0;
	if (!have && vlt_error_last_code() != VLT_E_NOTFOUND)
		die("%s", vlt_error_last());
	vlt_error_clear();
	if (have)
		vlt_record_release(&old);
	p.body = json_pack("{s:s,s:s,s:s}", "platform", platform_opt,
			   "snapshot", vlt_oid_hex(&p.snap), "source", path);
	if (!p.body)
		die("out of memory");
	gamerec_new(&rec, KIND);
	if (vlt_record_save(r, &rec, name.data, have ? &oldid : NULL, prepare,
			    &p, NULL) < 0)
		die("cannot record the build: %s", vlt_error_last());
	printf("build %s:%.12s: %" JSON_INTEGER_FORMAT " files, %s (%s new)\n",
	       platform_opt, vlt_oid_hex(&p.snap),
	       json_integer_value(json_object_get(p.body, "files")),
	       print_human_size((uint64_t)json_integer_value(
		       json_object_get(p.body, "bytes"))),
	       print_human_size((uint64_t)json_integer_value(
		       json_object_get(p.body, "new_bytes"))));
	json_decref(p.body);
	vlt_record_release(&rec);
	vlt_buf_release(&name);
	return 0;
}

struct lister {
	struct vlt_repo *r;
	json_t *a;
};

static int list_one(const struct vlt_oid *oid, const struct vlt_record *rec,
		    const char *ref, void *data)
{
	struct lister *ls = data;
	struct vlt_oid snap;
	const char *pl;
	int64_t t;
	json_t *b;

	if (!ref || !vlt_record_ref_short(KIND, ref))
		return 0;
	b = gamerec_body(rec);
	pl = json_string_value(json_object_get(b, "platform"));
	if (!pl || (platform_opt && strcmp(pl, platform_opt))) {
		json_decref(b);
		return 0;
	}
	if (vlt_oid_from_hex(&snap, json_string_value(json_object_get(b,
			"snapshot"))) < 0)
		die("build %s has no snapshot", vlt_oid_hex(oid));
	json_object_set_new(b, "id", json_string(vlt_oid_hex(oid)));
	json_object_set_new(b, "date", json_string(print_date_iso(rec->time,
							rec->tz_minutes)));
	json_object_set_new(b, "snapshot_message", print_json_string(
		gamerec_snapshot_line(ls->r, &snap, &t)));
	json_object_set_new(b, "snapshot_time", json_integer((json_int_t)t));
	cli_json_append(ls->a, b);
	return 0;
}

static int by_time(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	json_int_t tx = json_integer_value(json_object_get(x, "snapshot_time"));
	json_int_t ty = json_integer_value(json_object_get(y, "snapshot_time"));
	int c;

	if (tx != ty)
		return tx < ty ? -1 : 1;
	if ((c = strcmp(json_string_value(json_object_get(x, "platform")),
			json_string_value(json_object_get(y, "platform")))))
		return c;
	return strcmp(json_string_value(json_object_get(x, "id")),
		      json_string_value(json_object_get(y, "id")));
}

static int cmd_list(struct vlt_repo *r)
{
	struct lister ls = { r, cli_json_array() };
	json_t *b;
	size_t i, n;

	if (platform_opt)
		need_platform(r, platform_opt);
	if (vlt_record_list(r, KIND, list_one, &ls) < 0)
		die("%s", vlt_error_last());
	/* refs come by name (the snapshot's id): order by snapshot time */
	n = json_array_size(ls.a);
	if (n) {
		json_t **v = calloc(n, sizeof(*v));

		if (!v)
			die("out of memory");
		json_array_foreach(ls.a, i, b)
			v[i] = json_incref(b);
		qsort(v, n, sizeof(*v), by_time);
		json_array_clear(ls.a);
		for (i = 0; i < n; i++)
			cli_json_append(ls.a, v[i]);
		free(v);
	}
	if (json_out) {
		cli_json_print(ls.a, 0);
		return 0;
	}
	json_array_foreach(ls.a, i, b)
		printf("%-10s %.12s  %6" JSON_INTEGER_FORMAT " files %10s  %.10s  %s\n",
		       json_string_value(json_object_get(b, "platform")),
		       json_string_value(json_object_get(b, "snapshot")),
		       json_integer_value(json_object_get(b, "files")),
		       print_human_size((uint64_t)json_integer_value(
			       json_object_get(b, "bytes"))),
		       json_string_value(json_object_get(b, "date")),
		       json_string_value(json_object_get(b, "snapshot_message")));
	json_decref(ls.a);
	return 0;
}

/* --- diff ------------------------------------------------------------- */

struct build {
	const char *arg;
	json_t *body;
	struct vlt_oid snap, tree;
};

/* PLATFORM:REV, or a build record's id. */
static void resolve(struct vlt_repo *r, const char *arg, struct build *b)
{
	struct vlt_record rec;
	struct vlt_oid oid;
	const char *colon = strchr(arg, ':');

	b->arg = arg;
	if (colon) {
		struct vlt_buf p = VLT_BUF_INIT, name = VLT_BUF_INIT;

		vlt_buf_add(&p, arg, (size_t)(colon - arg));
		need_platform(r, p.data);
		gamerec_snapshot(r, colon + 1, &b->snap);
		vlt_buf_addf(&name, "%s/%s", p.data, vlt_oid_hex(&b->snap));
		if (vlt_record_lookup(r, KIND, name.data, &oid, &rec) < 0) {
			if (vlt_error_last_code() == VLT_E_NOTFOUND)
				die("unknown build '%s': no %s build of %.12s",
				    arg, p.data, vlt_oid_hex(&b->snap));
			die("%s", vlt_error_last());
		}
		vlt_buf_release(&p);
		vlt_buf_release(&name);
	} else {
		if (vlt_rev_parse(r, arg, &oid) < 0 ||
		    vlt_record_read(r, &oid, &rec) < 0)
			die("unknown build '%s' (want PLATFORM:REV or a build "
			    "id)", arg);
		if (strcmp(rec.kind, KIND))
			die("unknown build '%s': a %s record, not a build", arg,
			    rec.kind);
	}
	b->body = gamerec_body(&rec);
	vlt_record_release(&rec);
	if (vlt_oid_from_hex(&b->snap, json_string_value(json_object_get(
			b->body, "snapshot"))) < 0 ||
	    vlt_oid_from_hex(&b->tree, json_string_value(json_object_get(
			b->body, "tree"))) < 0)
		die("build '%s': a record without its snapshot or tree", arg);
}

struct bucket {
	char key[256];
	uint64_t before, after;
	unsigned files_before, files_after;
};

struct buckets {
	struct bucket *v;
	size_t nr, alloc;
};

static struct bucket *bucket(struct buckets *bs, const char *key)
{
	for (size_t i = 0; i < bs->nr; i++)
		if (!strcmp(bs->v[i].key, key))
			return &bs->v[i];
	if (VLT_ALLOC_GROW(bs->v, bs->nr + 1, bs->alloc) < 0)
		die("out of memory");
	memset(&bs->v[bs->nr], 0, sizeof(bs->v[0]));
	snprintf(bs->v[bs->nr].key, sizeof(bs->v[0].key), "%s", key);
	return &bs->v[bs->nr++];
}

static void top_of(const char *path, char *out, size_t n, int *is_dir)
{
	size_t k = strcspn(path, "/");

	*is_dir = path[k] == '/';
	snprintf(out, n, "%.*s%s", (int)k, path, *is_dir ? "/" : "");
}

static void type_of(const char *path, char *out, size_t n)
{
	const char *base = strrchr(path, '/'), *dot;

	base = base ? base + 1 : path;
	dot = strrchr(base, '.');
	snprintf(out, n, "%s", dot && dot != base && dot[1] ? dot + 1 : "(none)");
	for (char *c = out; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
}

/* Every file of tree into the buckets, as before (side 0) or after. */
static void tally(struct vlt_repo *r, const struct vlt_oid *tree, int side,
		  struct buckets *tops, struct buckets *types)
{
	struct vlt_diff_list l = VLT_DIFF_LIST_INIT;

	if (vlt_diff_trees_list(r, NULL, tree, NULL, 0, &l) < 0)
		die("cannot read the build: %s", vlt_error_last());
	for (size_t i = 0; i < l.nr; i++) {
		char key[256];
		int d;
		struct bucket *b[2];

		top_of(l.items[i].path, key, sizeof(key), &d);
		b[0] = bucket(tops, key);
		type_of(l.items[i].path, key, sizeof(key));
		b[1] = bucket(types, key);
		for (int k = 0; k < 2; k++) {
			if (side) {
				b[k]->after += l.items[i].new_e.size;
				b[k]->files_after++;
			} else {
				b[k]->before += l.items[i].new_e.size;
				b[k]->files_before++;
			}
		}
	}
	vlt_diff_list_release(&l);
}

static int cmp_growth(const void *a, const void *b)
{
	const struct bucket *x = a, *y = b;
	int64_t dx = (int64_t)x->after - (int64_t)x->before;
	int64_t dy = (int64_t)y->after - (int64_t)y->before;

	if (dx != dy)
		return dx > dy ? -1 : 1;
	return strcmp(x->key, y->key);
}

static const char *signed_size(uint64_t before, uint64_t after)
{
	static char buf[4][40];
	static int next;

	next = (next + 1) & 3;
	snprintf(buf[next], sizeof(buf[0]), "%c%s", after >= before ? '+' : '-',
		 print_human_size(after >= before ? after - before :
				  before - after));
	return buf[next];
}

/* "textures/Hero.png" -> "hero" */
static void stem_of(const char *path, char *out, size_t n)
{
	const char *base = strrchr(path, '/'), *dot;

	base = base ? base + 1 : path;
	dot = strchr(base + (*base == '.'), '.');
	snprintf(out, n, "%.*s", (int)(dot ? (size_t)(dot - base) :
				       strlen(base)), base);
	for (char *c = out; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
}

static json_t *buckets_json(struct buckets *bs)
{
	json_t *a = cli_json_array();

	for (size_t i = 0; i < bs->nr; i++)
		cli_json_append(a, json_pack("{s:o,s:I,s:I,s:I,s:I,s:I}",
			"name", print_json_string(bs->v[i].key),
			"files_before", (json_int_t)bs->v[i].files_before,
			"files_after", (json_int_t)bs->v[i].files_after,
			"bytes_before", (json_int_t)bs->v[i].before,
			"bytes_after", (json_int_t)bs->v[i].after,
			"delta", (json_int_t)bs->v[i].after -
				 (json_int_t)bs->v[i].before));
	return a;
}

/* The changed entries; the unchanged ones are only counted. */
static void print_buckets(const char *title, struct buckets *bs)
{
	size_t same = 0;

	printf("%-24s %6s %10s %10s %11s\n", title, "files", "before",
	       "after", "growth");
	for (size_t i = 0; i < bs->nr; i++)
		if (bs->v[i].before == bs->v[i].after &&
		    bs->v[i].files_before == bs->v[i].files_after)
			same++;
		else
			printf("%-24s %6u %10s %10s %11s\n", bs->v[i].key,
		       bs->v[i].files_after,
		       print_human_size(bs->v[i].before),
		       print_human_size(bs->v[i].after),
		       signed_size(bs->v[i].before, bs->v[i].after));
	if (same)
		printf("(%zu unchanged, not shown)\n", same);
}

static int cmd_diff(struct vlt_repo *r, const char *a, const char *b)
{
	struct build A, B;
	struct buckets tops = { 0 }, types = { 0 };
	struct vlt_diff_list built = VLT_DIFF_LIST_INIT, src = VLT_DIFF_LIST_INIT;
	struct vlt_oid ta, tb;
	json_t *expl = cli_json_array();

	resolve(r, a, &A);
	resolve(r, b, &B);
	tally(r, &A.tree, 0, &tops, &types);
	tally(r, &B.tree, 1, &tops, &types);
	if (tops.nr)
		qsort(tops.v, tops.nr, sizeof(*tops.v), cmp_growth);
	if (types.nr)
		qsort(types.v, types.nr, sizeof(*types.v), cmp_growth);
	if (vlt_diff_trees_list(r, &A.tree, &B.tree, NULL, 1, &built) < 0 ||
	    vlt_rev_peel_tree(r, &A.snap, &ta) < 0 ||
	    vlt_rev_peel_tree(r, &B.snap, &tb) < 0 ||
	    vlt_diff_trees_list(r, &ta, &tb, NULL, 1, &src) < 0)
		die("cannot diff the builds: %s", vlt_error_last());
	/* each changed build file, with the changed sources of its stem */
	for (size_t i = 0; i < built.nr; i++) {
		const struct vlt_diff_item *bi = &built.items[i];
		char s1[256], s2[256];
		json_t *from = NULL;

		stem_of(bi->path, s1, sizeof(s1));
		for (size_t k = 0; k < src.nr; k++) {
			const struct vlt_diff_item *si = &src.items[k];

			stem_of(si->path, s2, sizeof(s2));
			if (strcmp(s1, s2))
				continue;
			if (!from)
				from = cli_json_array();
			cli_json_append(from, json_pack("{s:o,s:s%,s:I}",
				"path", print_json_string(si->path),
				"status", &(char){ (char)si->status }, (size_t)1,
				"delta", (json_int_t)(si->has_new ? si->new_e.size : 0) -
					 (json_int_t)(si->has_old ? si->old_e.size : 0)));
		}
		cli_json_append(expl, json_pack("{s:o,s:s%,s:I,s:o}",
			"path", print_json_string(bi->path),
			"status", &(char){ (char)bi->status }, (size_t)1,
			"delta", (json_int_t)(bi->has_new ? bi->new_e.size : 0) -
				 (json_int_t)(bi->has_old ? bi->old_e.size : 0),
			"sources", from ? from : json_array()));
	}
	if (json_out) {
		json_t *o = cli_json_object();

		cli_json_set(o, "from", json_pack("{s:O,s:O}", "platform",
			json_object_get(A.body, "platform"), "snapshot",
			json_object_get(A.body, "snapshot")));
		cli_json_set(o, "to", json_pack("{s:O,s:O}", "platform",
			json_object_get(B.body, "platform"), "snapshot",
			json_object_get(B.body, "snapshot")));
		cli_json_set(o, "top", buckets_json(&tops));
		cli_json_set(o, "types", buckets_json(&types));
		cli_json_set(o, "changed", json_incref(expl));
		cli_json_print(o, 0);
	} else {
		json_t *it, *s;
		size_t i, k;

		printf("build %s (%.12s) -> %s (%.12s)\n\n", a,
		       vlt_oid_hex(&A.snap), b, vlt_oid_hex(&B.snap));
		print_buckets("top-level entry", &tops);
		printf("\n");
		print_buckets("file type", &types);
		printf("\n%zu build file%s changed:\n", built.nr,
		       built.nr == 1 ? "" : "s");
		json_array_foreach(expl, i, it) {
			json_int_t d = json_integer_value(json_object_get(it, "delta"));

			printf("%s %s  %s\n", json_string_value(json_object_get(
				it, "status")), json_string_value(json_object_get(
				it, "path")), signed_size(d < 0 ? (uint64_t)-d : 0,
							  d > 0 ? (uint64_t)d : 0));
			json_array_foreach(json_object_get(it, "sources"), k, s) {
				json_int_t sd = json_integer_value(
					json_object_get(s, "delta"));

				printf("    <- %s %s (%s)\n",
				       json_string_value(json_object_get(s, "status")),
				       json_string_value(json_object_get(s, "path")),
				       signed_size(sd < 0 ? (uint64_t)-sd : 0,
						   sd > 0 ? (uint64_t)sd : 0));
			}
		}
	}
	json_decref(expl);
	json_decref(A.body);
	json_decref(B.body);
	free(tops.v);
	free(types.v);
	vlt_diff_list_release(&built);
	vlt_diff_list_release(&src);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "platform", required_argument, NULL, 'p' },
		{ "rev", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vlt_repo *r;
	const char *cmd;
	int c, n;

	cli_init(argv[0]);
	while ((c = cli_getopt(argc, argv, "", opts, usage)) != -1) {
		switch (c) {
		case 'p': platform_opt = optarg; break;
		case 'r': rev_opt = optarg; break;
		case 'J': json_out = 1; break;
		}
	}
	if (optind >= argc)
		usage_error(usage, "no subcommand");
	cmd = argv[optind];
	n = argc - optind - 1;
	r = cli_open_repo();
	if (!strcmp(cmd, "record") && n == 1)
		cmd_record(r, argv[optind + 1]);
	else if (!strcmp(cmd, "list") && !n)
		cmd_list(r);
	else if (!strcmp(cmd, "diff") && n == 2)
		cmd_diff(r, argv[optind + 1], argv[optind + 2]);
	else
		usage_error(usage, "unknown subcommand or wrong arguments: %s",
			    cmd);
	vlt_repo_free(r);
	cli_flush_stdout();
	return 0;
}
