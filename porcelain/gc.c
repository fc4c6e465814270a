/*
 * vault-gc - delete what no ref reaches, beside running backups.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "json.h"
#include "error.h"
#include "gc.h"
#include "print.h"

static const char usage[] =
"usage: vault gc [-n | --dry-run] [--wait] [--repack-threshold PCT]\n"
"               [--expire-reflog WHEN] [--force] [-q] [--json]\n"
"\n"
"Marks every object reachable from the refs (forgotten snapshots keep only\n"
"their snapshot object), copies the live objects out of packs that are\n"
"mostly garbage, and publishes a plan naming the packs to delete. Backups\n"
"may run at the same time: a plan's packs are deleted only once every\n"
"running backup has seen the plan (and kept what it needs), never by the\n"
"clock. Plans left waiting are completed by a later gc, or now with --wait.\n"
"First, what writers killed outright left is removed, with a note on\n"
"stderr: locks of dead processes (same host, pid gone) and their temporary\n"
"files (*.tmp-PID-RANDOM); a running writer's are never touched.\n"
"Every id in a reflog is kept too (until it expires), so a lost ref loses\n"
"nothing; a pack found without its index is indexed again from its own\n"
"bytes; a reachable object that is missing or damaged stops gc before it\n"
"deletes anything.\n"
"See Documentation/format.md, \"Garbage collection\".\n"
"\n"
"    -n, --dry-run           report what would happen, change nothing\n"
"    --wait                  wait for running backups to see the plan\n"
"    --repack-threshold PCT  repack packs less than PCT% live (default 50)\n"
"    --expire-reflog WHEN    reflog entries older than WHEN are no roots:\n"
"                            never (default, or config gc.reflogExpire),\n"
"                            now, or a number of days (90, 90d)\n"
"    --force                 free more than half of the repository even\n"
"                            though refs vanished since the last gc\n"
"    -q, --quiet             print nothing but errors\n"
"    --json                  print the counts as JSON\n";

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "wait", no_argument, NULL, 'W' },
		{ "repack-threshold", required_argument, NULL, 'R' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "json", no_argument, NULL, 'J' },
		{ "expire-reflog", required_argument, NULL, 'E' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vlt_gc_opts o = { 0 };
	struct vlt_gc_stats st;
	struct vlt_repo *r;
	int quiet = 0, json = 0, c;

	cli_init("vault-gc");
	while ((c = cli_getopt(argc, argv, "nq", opts, usage)) != -1) {
		switch (c) {
		case 'n': o.dry_run = 1; break;
		case 'W': o.wait = 1; break;
		case 'R':
			o.repack_threshold = atoi(optarg);
			if (o.repack_threshold < 1 || o.repack_threshold > 100)
				usage_error(usage, "--repack-threshold is 1..100");
			break;
		case 'E':
			if (vlt_gc_parse_expire(optarg, &o.reflog_expire) < 0)
				usage_error(usage, "%s", vlt_error_last());
			o.reflog_expire_set = 1;
			break;
		case 'f': o.force = 1; break;
		case 'q': quiet = 1; break;
		case 'J': json = 1; break;
		}
	}
	if (optind != argc)
		usage_error(usage, "no arguments expected");
	r = cli_open_repo();
	if (vlt_gc_run(r, &o, &st) < 0)
		die("%s", vlt_error_last());
	if (json) {
		json_t *j = json_object();

		cli_json_set(j, "dry_run", json_boolean(o.dry_run));
		cli_json_set(j, "plan", json_integer((json_int_t)st.plan));
		cli_json_set(j, "objects_live", json_integer((json_int_t)st.objects_live));
		cli_json_set(j, "objects_dead", json_integer((json_int_t)st.objects_dead));
		cli_json_set(j, "packs_before", json_integer((json_int_t)st.packs_before));
		cli_json_set(j, "packs_deleted", json_integer((json_int_t)st.packs_deleted));
		cli_json_set(j, "packs_pending", json_integer((json_int_t)st.packs_pending));
		cli_json_set(j, "packs_protected", json_integer((json_int_t)st.packs_protected));
		cli_json_set(j, "note", print_json_string(st.note));
		cli_json_set(j, "packs_reindexed", json_integer((json_int_t)st.packs_reindexed));
		cli_json_set(j, "packs_unindexable", json_integer((json_int_t)st.packs_unindexable));
		cli_json_set(j, "reflog_roots", json_integer((json_int_t)st.reflog_roots));
		cli_json_set(j, "bytes_before", json_integer((json_int_t)st.bytes_before));
		cli_json_set(j, "bytes_freed", json_integer((json_int_t)st.bytes_freed));
		cli_json_set(j, "bytes_repacked", json_integer((json_int_t)st.bytes_repacked));
		cli_json_print(j, 0);
	} else if (!quiet) {
		if (st.packs_reindexed)
			printf("%" PRIu64 " pack(s) had no index and were indexed "
			       "again from their own contents\n",
			       st.packs_reindexed);
		if (st.reflog_roots)
			printf("%" PRIu64 " object(s) kept only because a reflog "
			       "names them (see --expire-reflog)\n",
			       st.reflog_roots);
		printf("%s%" PRIu64 " live objects, %" PRIu64 " garbage\n",
		       o.dry_run ? "(dry run) " : "", st.objects_live,
		       st.objects_dead);
		printf("packs: %" PRIu64 " before, %" PRIu64 " %s, %s of live data "
		       "copied\n", st.packs_before, st.packs_deleted,
		       o.dry_run ? "would be deleted" : "deleted",
		       print_human_size(st.bytes_repacked));
		if (!o.dry_run)
			printf("freed %s\n", print_human_size(st.bytes_freed));
		if (st.packs_protected)
			printf("%" PRIu64 " pack(s) left alone: they are new enough "
			       "that a running backup may still need them; they wait "
			       "for a later gc%s%s\n", st.packs_protected,
			       *st.note ? ": " : "", st.note);
		if (st.packs_pending)
			printf("%" PRIu64 " pack(s) wait until running backups have "
			       "seen plan %" PRIu64 " (run gc again, or gc --wait)%s%s\n",
			       st.packs_pending, st.plan, *st.note ? ": " : "",
			       st.note);
	}
	if (st.packs_unindexable)
		warning("%" PRIu64 " pack(s) without an index are damaged and "
			"were left as they are (first: %s); run 'vault fsck'",
			st.packs_unindexable, st.unindexable);
	vlt_repo_free(r);
	return 0;
}
