/*
 * vault-restore - write a snapshot (or some of its paths) into a folder.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "json.h"
#include "error.h"
#include "print.h"
#include "restore.h"
#include "revparse.h"

static const char usage[] =
"usage: vault restore SNAP [PATH...] --target DIR [--verify]\n"
"                     [--force [--discard-changes]] [--threads N] [-q]\n"
"                     [--json]\n"
"\n"
"Writes the snapshot SNAP (any revision: main, main~2, an id prefix, a\n"
"tag, main@{yesterday}) into DIR, or only the given PATHs of it (each at\n"
"its own relative path under DIR): contents, permission bits, symlinks and\n"
"modification times, exactly; runs of zeros become holes (sparse files).\n"
"Nothing is ever written outside DIR, whatever the snapshot says, and no\n"
"git hooks: names git takes for .git (.GIT, git~1, ...) are refused, and\n"
"a .git only replaces an existing one with --force. Files in DIR that\n"
"already hold what the snapshot has are left alone. Anything else in the\n"
"way is checked before a single byte is written: one conflict, and\n"
"nothing is written at all. A file whose data is damaged is reported and\n"
"left out; everything else is restored.\n"
"\n"
"    -t, --target DIR   where to write (created if needed)\n"
"    --verify           read every written file back and check its hash\n"
"    -f, --force        replace files and links in DIR whose content is in\n"
"                       the repository (saved by a backup)\n"
"    --discard-changes  with --force, replace them even when their content\n"
"                       is in no snapshot (local edits are lost)\n"
"    --threads N        parallel writers (default: one per core)\n"
"    -q, --quiet        no summary\n"
"    --json             a JSON summary on stdout\n"
"\n"
"Exit status: 0 when everything was restored, 128 when anything failed\n"
"(each failure is named on stderr).\n";

static void report(const char *path, const char *msg, void *data)
{
	(void)data;
	error("%s: %s", path, msg);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "target", required_argument, NULL, 't' },
		{ "verify", no_argument, NULL, 'V' },
		{ "force", no_argument, NULL, 'f' },
		{ "discard-changes", no_argument, NULL, 'D' },
		{ "threads", required_argument, NULL, 'T' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vlt_restore_opts ro = { 0 };
	struct vlt_checkout_stats st = { 0 };
	struct vlt_repo *r;
	struct vlt_oid oid, tree;
	const char *target = NULL;
	const char **paths;
	int quiet = 0, json = 0, np = 0, c, err;
	struct timespec t0, t1;
	double secs;

	cli_init("vault-restore");
	paths = calloc((size_t)argc + 1, sizeof(*paths));
	if (!paths)
		die("out of memory");
	while ((c = cli_getopt(argc, argv, "t:fq", opts, usage)) != -1) {
		switch (c) {
		case 't': target = optarg; break;
		case 'V': ro.verify = 1; break;
		case 'f': ro.overwrite = 1; break;
		case 'D': ro.discard_changes = 1; break;
		case 'T':
			ro.threads = atoi(optarg);
			if (ro.threads < 1)
				usage_error(usage, "--threads needs a positive number");
			break;
		case 'q': quiet = 1; break;
		case 'J': json = 1; break;
		}
	}
	if (optind >= argc)
		usage_error(usage, "need a SNAP");
	if (!target)
		usage_error(usage, "need --target DIR");
	if (ro.discard_changes && !ro.overwrite)
		usage_error(usage, "--discard-changes goes with --force");
	for (int i = optind + 1; i < argc; i++)
		paths[np++] = argv[i];
	ro.paths = np ? paths : NULL;
	ro.on_error = report;

	r = cli_open_repo();
	if (vlt_rev_parse(r, argv[optind], &oid) < 0 ||
	    vlt_rev_peel_tree(r, &oid, &tree) < 0)
		die("%s", vlt_error_last());
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* a forgotten snapshot whose files gc freed fails in
	 * vlt_rev_peel_tree above, saying so */
	err = vlt_restore(r, &tree, target, &ro, &st);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (err < 0 && (!st.errors || st.conflicts))
		die("%s", vlt_error_last());
	if (json) {
		json_t *o = json_object();

		cli_json_set(o, "snapshot", json_string(vlt_oid_hex(&oid)));
		cli_json_set(o, "target", print_json_string(target));
		cli_json_set(o, "files", json_integer((json_int_t)st.files));
		cli_json_set(o, "dirs", json_integer((json_int_t)st.dirs));
		cli_json_set(o, "symlinks", json_integer((json_int_t)st.symlinks));
		cli_json_set(o, "bytes", json_integer((json_int_t)st.bytes));
		cli_json_set(o, "errors", json_integer((json_int_t)st.errors));
		cli_json_set(o, "unchanged", json_integer((json_int_t)st.unchanged));
		cli_json_set(o, "holes", json_integer((json_int_t)st.holes));
		cli_json_set(o, "verified", json_boolean(ro.verify));
		cli_json_set(o, "seconds", json_real(secs));
		cli_json_print(o, 0);
	} else if (!quiet) {
		printf("restored %" PRIu64 " files, %" PRIu64 " dirs, %" PRIu64
		       " symlinks (%s) into %s in %.2f s%s\n", st.files, st.dirs,
		       st.symlinks, print_human_size(st.bytes), target, secs,
		       ro.verify && !st.errors ? ", all verified" : "");
		if (st.unchanged)
			printf("%" PRIu64 " files and links were already as in the "
			       "snapshot and were left alone\n", st.unchanged);
		if (st.errors)
			printf("%" PRIu64 " entries could not be restored\n",
			       st.errors);
	}
	free(paths);
	vlt_repo_free(r);
	return err < 0 ? VLT_EXIT_FATAL : 0;
}
