/*
 * vault-ls-tree - list the entries of a tree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "error.h"
#include "odb.h"
#include "print.h"
#include "revparse.h"
#include "tree.h"

static const char usage[] =
"usage: vault-ls-tree [-r] [-t] [-d] [-l] [-z] [--name-only] TREE [PATH...]\n"
"\n"
"TREE is a tree or snapshot (anything vault-rev-parse accepts, including\n"
"SNAP:dir). Prints \"MODE TYPE ID\\tNAME\" per entry, modes in git's\n"
"notation (100644, 100755, 040000, 120000).\n"
"\n"
"    -r            recurse into subtrees\n"
"    -t            with -r, show trees too\n"
"    -d            show only trees\n"
"    -l, --long    add the size column\n"
"    -z            end lines with NUL and do not quote names\n"
"    --name-only   print only the path\n";

static int recurse, show_trees, only_trees, long_format, nul, name_only;
static struct vlt_buf out = VLT_BUF_INIT;

static int path_wanted(const char *path, char **filters, int nfilters,
		       int is_dir)
{
	if (!nfilters)
		return 1;
	for (int i = 0; i < nfilters; i++) {
		size_t n = strlen(filters[i]);

		while (n && filters[i][n - 1] == '/')
			n--;
		/* the entry is the filter, below it, or a directory above it */
		if (!strncmp(path, filters[i], n) &&
		    (path[n] == '\0' || path[n] == '/'))
			return 1;
		if (is_dir && !strncmp(filters[i], path, strlen(path)) &&
		    filters[i][strlen(path)] == '/')
			return 2;
	}
	return 0;
}

static void list(struct vlt_repo *r, const struct vlt_oid *oid,
		 const char *prefix, char **filters, int nfilters, size_t depth)
{
	struct vlt_buf b = VLT_BUF_INIT, path = VLT_BUF_INIT;
	struct vlt_tree t;

	if (vlt_tree_depth_check(depth, prefix) < 0)
		die("%s", vlt_error_last());
	if (vlt_odb_read_kind(r, oid, VLT_OBJ_TREE, &b) < 0 ||
	    vlt_tree_decode(b.data, b.len, &t) < 0)
		die("%s", vlt_error_last());
	vlt_buf_release(&b);
	for (size_t i = 0; i < t.nr; i++) {
		const struct vlt_tree_entry *e = &t.entries[i];
		int is_dir = e->type == VLT_ENTRY_DIR, w;

		vlt_buf_reset(&path);
		vlt_buf_addf(&path, "%s%s", prefix, e->name);
		w = path_wanted(path.data, filters, nfilters, is_dir);
		if (!w)
			continue;
		if (is_dir && (recurse || w == 2)) {
			if (show_trees || only_trees)
				goto print;
			vlt_buf_addch(&path, '/');
			list(r, &e->oid, path.data, w == 2 ? filters : NULL,
			     w == 2 ? nfilters : 0, depth + 1);
			continue;
		}
print:
		if (only_trees && !is_dir)
			continue;
		if (name_only) {
			if (nul)
				vlt_buf_adds(&out, path.data);
			else
				print_quote_name(&out, path.data);
			vlt_buf_addch(&out, nul ? '\0' : '\n');
		} else {
			print_tree_line(&out, e, path.data, long_format, nul);
		}
		if (is_dir && recurse) {
			vlt_buf_addch(&path, '/');
			list(r, &e->oid, path.data, NULL, 0, depth + 1);
		}
		if (out.len > 65536) {
			cli_write_stdout(out.data, out.len);
			vlt_buf_reset(&out);
		}
	}
	vlt_tree_release(&t);
	vlt_buf_release(&path);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "long", no_argument, NULL, 'l' },
		{ "name-only", no_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vlt_repo *r;
	struct vlt_oid oid, tree;
	int c;

	cli_init(argv[0]);
	while ((c = cli_getopt(argc, argv, "rtdlz", opts, usage)) != -1) {
		switch (c) {
		case 'r': recurse = 1; break;
		case 't': show_trees = 1; break;
		case 'd': only_trees = 1; break;
		case 'l': long_format = 1; break;
		case 'z': nul = 1; break;
		case 'N': name_only = 1; break;
		}
	}
	if (optind >= argc)
		usage_error(usage, "need a TREE");
	r = cli_open_repo();
	if (vlt_rev_parse(r, argv[optind], &oid) < 0 ||
	    vlt_rev_peel_tree(r, &oid, &tree) < 0)
		die("%s", vlt_error_last());
	list(r, &tree, "", argv + optind + 1, argc - optind - 1, 0);
	cli_write_stdout(out.data, out.len);
	vlt_buf_release(&out);
	vlt_repo_free(r);
	return 0;
}
