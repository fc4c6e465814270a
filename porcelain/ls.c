/*
 * vault ls - list a directory of a snapshot, like ls(1).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli.h"
#include "json.h"
#include "error.h"
#include "odb.h"
#include "print.h"
#include "revparse.h"
#include "tree.h"

static const char usage[] =
"usage: vault ls [-l] [-r] [-z] [--json] [SNAP [PATH]]\n"
"\n"
"Lists the directory PATH (default: the top) of snapshot SNAP (default:\n"
"HEAD, as for show and log), one name per line, directories with a\n"
"trailing '/'. SNAP may also be SNAP:dir.\n"
"A PATH naming a file or symlink lists just that entry.\n"
"\n"
"    -l, --long   mode, size, modification time (local), name, and\n"
"                 '-> target' for symlinks, like ls -l\n"
"    -r, --recursive  list everything below, as paths relative to PATH\n"
"    -z           end entries with NUL and do not quote names\n"
"    --json       a JSON array of entry objects\n";

static int long_format, recursive, nul, json_out;
static struct vlt_buf out = VLT_BUF_INIT;
static json_t *json_list;

static void flush_out(void)
{
	if (out.len > 65536) {
		cli_write_stdout(out.data, out.len);
		vlt_buf_reset(&out);
	}
}

/* A symlink's target (the chunk it names); dies on damage. */
static void read_target(struct vlt_repo *r, const struct vlt_tree_entry *e,
			struct vlt_buf *target, const char *path)
{
	if (vlt_odb_read_kind(r, &e->oid, VLT_OBJ_CHUNK, target) < 0)
		die("%s: %s", path, vlt_error_last());
}

static void print_entry(struct vlt_repo *r, const struct vlt_tree_entry *e,
			const char *path)
{
	struct vlt_buf target = VLT_BUF_INIT;

	if (e->type == VLT_ENTRY_SYMLINK && (long_format || json_out))
		read_target(r, e, &target, path);
	if (json_out) {
		json_t *o = json_object();
		char mode[8];

		if (!o)
			die("out of memory");
		snprintf(mode, sizeof(mode), "%04o", e->mode & 07777);
		cli_json_set(o, "path", print_json_string(path));
		cli_json_set(o, "type", json_string(vlt_entry_type_name(e->type)));
		cli_json_set(o, "mode", json_string(mode));
		cli_json_set(o, "size", json_integer((json_int_t)e->size));
		cli_json_set(o, "mtime", json_integer(e->mtime_sec));
		cli_json_set(o, "mtime_nsec", json_integer(e->mtime_nsec));
		cli_json_set(o, "id", json_string(vlt_oid_hex(&e->oid)));
		if (e->type == VLT_ENTRY_SYMLINK)
			cli_json_set(o, "target", print_json_string(target.data ?
							       target.data : ""));
		if (json_array_append_new(json_list, o) < 0)
			die("out of memory");
		vlt_buf_release(&target);
		return;
	}
	if (long_format) {
		char mode[11], when[32];
		time_t t = (time_t)e->mtime_sec;
		struct tm tm;

		if (localtime_r(&t, &tm))
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
		else
			snprintf(when, sizeof(when), "@%" PRId64, e->mtime_sec);
		vlt_buf_addf(&out, "%s %12" PRIu64 " %s ",
			     print_mode_string(e, mode), e->size, when);
	}
	if (nul)
		vlt_buf_adds(&out, path);
	else
		print_quote_name(&out, path);
	if (e->type == VLT_ENTRY_DIR && !long_format)
		vlt_buf_addch(&out, '/');
	if (e->type == VLT_ENTRY_SYMLINK && long_format) {
		vlt_buf_adds(&out, " -> ");
		if (nul)
			vlt_buf_add(&out, target.data, target.len);
		else
			print_quote_name(&out, target.data ? target.data : "");
	}
	vlt_buf_addch(&out, nul ? '\0' : '\n');
	vlt_buf_release(&target);
	flush_out();
}

/* List tree oid; names are prefixed with prefix ("" or "dir/"). */
static void list(struct vlt_repo *r, const struct vlt_oid *oid,
		 const char *prefix, size_t depth)
{
	struct vlt_buf b = VLT_BUF_INIT, path = VLT_BUF_INIT;
	struct vlt_tree t;

	if (vlt_tree_depth_check(depth, prefix) < 0)
		die("%s", vlt_error_last());
	if (vlt_odb_read_kind(r, oid, VLT_OBJ_TREE, &b) < 0 ||
	    vlt_tree_decode(b.data, b.len, &t) < 0)
		die("%s%s", prefix, vlt_error_last());
	vlt_buf_release(&b);
	for (size_t i = 0; i < t.nr; i++) {
		const struct vlt_tree_entry *e = &t.entries[i];

		vlt_buf_reset(&path);
		vlt_buf_addf(&path, "%s%s", prefix, e->name);
		print_entry(r, e, path.data);
		if (recursive && e->type == VLT_ENTRY_DIR) {
			vlt_buf_addch(&path, '/');
			list(r, &e->oid, path.data, depth + 1);
		}
	}
	vlt_tree_release(&t);
	vlt_buf_release(&path);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "long", no_argument, NULL, 'l' },
		{ "recursive", no_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vlt_tree_entry e;
	struct vlt_repo *r;
	struct vlt_oid oid, tree;
	const char *path = "", *rev = "HEAD";
	int c;

	cli_init("vault-ls");
	while ((c = cli_getopt(argc, argv, "lrz", opts, usage)) != -1) {
		switch (c) {
		case 'l': long_format = 1; break;
		case 'r': recursive = 1; break;
		case 'z': nul = 1; break;
		case 'J': json_out = 1; break;
		}
	}
	if (optind < argc)
		rev = argv[optind];
	if (optind + 2 < argc)
		usage_error(usage, "too many arguments");
	if (optind + 1 < argc)
		path = argv[optind + 1];
	r = cli_open_repo();
	if (vlt_rev_parse(r, rev, &oid) < 0) {
		if (vlt_error_last_code() == VLT_E_NOTFOUND && !strcmp(rev, "HEAD"))
			die("no snapshots yet: %s", vlt_error_last());
		die("%s", vlt_error_last());
	}
	if (vlt_rev_peel_tree(r, &oid, &tree) < 0 ||
	    vlt_tree_lookup_path(r, &tree, path, &e) < 0)
		die("%s", vlt_error_last());
	if (json_out && !(json_list = json_array()))
		die("out of memory");
	if (e.type == VLT_ENTRY_DIR) {
		list(r, &e.oid, "", 0);
	} else {
		/* a single entry: shown under the name it was asked by */
		struct vlt_buf name = VLT_BUF_INIT;
		size_t n = strlen(path);

		while (n && path[n - 1] == '/')
			n--;
		vlt_buf_add(&name, path, n);
		print_entry(r, &e, name.data);
		vlt_buf_release(&name);
	}
	free(e.name);
	if (json_out) {
		cli_json_print(json_list, 0);
	}
	cli_write_stdout(out.data, out.len);
	vlt_buf_release(&out);
	vlt_repo_free(r);
	return 0;
}
