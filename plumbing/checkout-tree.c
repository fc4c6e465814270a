/*
 * vault-checkout-tree - write a tree into a directory.
 */
#include <inttypes.h>
#include <stdio.h>

#include "cli.h"
#include "error.h"
#include "revparse.h"
#include "worktree.h"

static const char usage[] =
"usage: vault-checkout-tree [-f] [-q] TREE DIR\n"
"\n"
"Writes TREE (a tree or snapshot, or SNAP:dir) into DIR, creating it if\n"
"needed: contents, permission bits, symlinks and mtimes (zero blocks as\n"
"holes). Nothing is ever written outside DIR. Entries already as in TREE\n"
"are left alone; any other existing entry in the way, without -f, and\n"
"nothing at all is written. An entry that cannot be written (damaged\n"
"data, an unsafe name, a name git takes for .git, a .git where DIR has\n"
"one without -f) is reported and the rest is still written; the exit\n"
"code is then 128.\n"
"\n"
"    -f, --force   replace files and links that exist in DIR, whatever\n"
"                  they hold (vault restore --force is the careful one)\n"
"    -q, --quiet   no summary on stderr\n";

static void report(const char *path, const char *msg, void *data)
{
	(void)data;
	error("%s: %s", path, msg);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vlt_checkout_opts o = { 0 };
	struct vlt_checkout_stats st = { 0 };
	struct vlt_repo *r;
	struct vlt_oid oid, tree;
	int c, err;

	cli_init(argv[0]);
	while ((c = cli_getopt(argc, argv, "fq", opts, usage)) != -1) {
		if (c == 'f')
			o.overwrite = 1;
		else if (c == 'q')
			o.quiet = 1;
	}
	if (argc - optind != 2)
		usage_error(usage, "need TREE and DIR");
	r = cli_open_repo();
	if (vlt_rev_parse(r, argv[optind], &oid) < 0 ||
	    vlt_rev_peel_tree(r, &oid, &tree) < 0)
		die("%s", vlt_error_last());
	err = vlt_worktree_checkout(r, &tree, argv[optind + 1], &o, report, NULL,
				    &st);
	if (err < 0 && (!st.errors || st.conflicts))
		die("%s", vlt_error_last());
	if (!o.quiet)
		fprintf(stderr, "%" PRIu64 " files, %" PRIu64 " dirs, %" PRIu64
			" symlinks, %" PRIu64 " bytes written%s\n", st.files,
			st.dirs, st.symlinks, st.bytes,
			st.errors ? " (with errors)" : "");
	vlt_repo_free(r);
	return err < 0 ? VLT_EXIT_FATAL : 0;
}
