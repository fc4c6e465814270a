/*
 * vault-write-tree - store a directory and print its tree id.
 */
#include <inttypes.h>
#include <stdio.h>

#include "cli.h"
#include "error.h"
#include "odb.h"
#include "worktree.h"

static const char usage[] =
"usage: vault-write-tree [-v] DIR\n"
"\n"
"Stores every file under DIR (chunked, deduplicated, compressed), its\n"
"symlinks, modes and mtimes, and prints the id of the top tree. A\n"
"top-level .vault directory is skipped.\n"
"\n"
"    -v, --verbose   print counts on stderr\n";

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vlt_write_stats st = { 0 };
	struct vlt_repo *r;
	struct vlt_oid tree;
	int verbose = 0, c;

	cli_init(argv[0]);
	while ((c = cli_getopt(argc, argv, "v", opts, usage)) != -1)
		if (c == 'v')
			verbose = 1;
	if (argc - optind != 1)
		usage_error(usage, "need exactly one DIR");
	r = cli_open_repo();
	if (vlt_worktree_write(r, argv[optind], NULL, NULL, &tree, &st) < 0)
		die("%s", vlt_error_last());
	if (vlt_odb_flush(r) < 0)
		die("%s", vlt_error_last());
	printf("%s\n", vlt_oid_hex(&tree));
	if (verbose)
		fprintf(stderr, "%" PRIu64 " files, %" PRIu64 " dirs, %" PRIu64
			" symlinks, %" PRIu64 " bytes, %" PRIu64 " chunks (%" PRIu64
			" new, %" PRIu64 " new bytes)\n", st.files, st.dirs,
			st.symlinks, st.bytes, st.chunks, st.new_chunks,
			st.new_bytes);
	vlt_repo_free(r);
	return 0;
}
