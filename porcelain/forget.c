/*
 * vault-forget - choose which snapshots of a history to keep.
 *
 * Forgetting is cheap and reversible until gc: the planner (lib/forget.c)
 * decides, lib/walk.c marks a snapshot forgotten; gc then frees the data
 * only forgotten snapshots use. The snapshot objects themselves stay, so
 * histories remain whole chains. This program parses the policy, asks the
 * library and prints the plan.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "json.h"
#include "error.h"
#include "forget.h"
#include "gc.h"
#include "print.h"

static const char usage[] =
"usage: vault forget [--keep-last N] [--keep-hourly N] [--keep-daily N]\n"
"                    [--keep-weekly N] [--keep-monthly N] [--keep-yearly N]\n"
"                    [--keep-tag TAG]... [--branch B] [-n | --dry-run]\n"
"                    [--prune] [-q] [--json]\n"
"\n"
"Applies a retention policy to the history of a branch (default: the\n"
"branch HEAD points to), newest first: --keep-last N keeps the N newest\n"
"snapshots; --keep-daily N keeps the newest snapshot of each of the last N\n"
"days that have snapshots (hourly, weekly, monthly, yearly alike, in each\n"
"snapshot's own time zone); --keep-tag TAG keeps snapshots labelled TAG\n"
"(vault backup --tag) or named by refs/tags/TAG. The branch's latest\n"
"snapshot is always kept, and so is every snapshot a ref names (a tag,\n"
"another branch: \"named by a ref\"; delete the ref to let it go). The\n"
"others are marked forgotten; their data is freed by the next `vault gc`\n"
"(or --prune now) unless a kept snapshot shares it. Forgetting needs at\n"
"least one --keep-* option.\n"
"\n"
"    -n, --dry-run   show what would be kept and forgotten, change nothing\n"
"    --prune         run gc afterwards\n"
"    -q, --quiet     print nothing\n"
"    --json          print the decision as JSON\n";

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "keep-last", required_argument, NULL, 'L' },
		{ "keep-hourly", required_argument, NULL, 'H' },
		{ "keep-daily", required_argument, NULL, 'D' },
		{ "keep-weekly", required_argument, NULL, 'W' },
		{ "keep-monthly", required_argument, NULL, 'M' },
		{ "keep-yearly", required_argument, NULL, 'Y' },
		{ "keep-tag", required_argument, NULL, 'T' },
		{ "branch", required_argument, NULL, 'B' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "prune", no_argument, NULL, 'P' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vlt_repo *r;
	struct vlt_forget_policy policy = { 0 };
	struct vlt_forget_plan plan;
	const char **tags;
	const char *branch = NULL;
	int dry = 0, prune = 0, quiet = 0, json = 0, c;

	cli_init("vault-forget");
	if (!(tags = calloc((size_t)argc + 1, sizeof(*tags))))
		die("out of memory");
	policy.tags = tags;
	while ((c = cli_getopt(argc, argv, "nq", opts, usage)) != -1) {
		int n = optarg ? atoi(optarg) : 0;

		if (optarg && c != 'T' && c != 'B' && n < 1)
			usage_error(usage, "--keep-* needs a positive number");
		switch (c) {
		case 'L': policy.keep_last = n; break;
		case 'H': policy.keep[VLT_FORGET_HOURLY] = n; break;
		case 'D': policy.keep[VLT_FORGET_DAILY] = n; break;
		case 'W': policy.keep[VLT_FORGET_WEEKLY] = n; break;
		case 'M': policy.keep[VLT_FORGET_MONTHLY] = n; break;
		case 'Y': policy.keep[VLT_FORGET_YEARLY] = n; break;
		case 'T': tags[policy.ntags++] = optarg; break;
		case 'B': branch = optarg; break;
		case 'n': dry = 1; break;
		case 'P': prune = 1; break;
		case 'q': quiet = 1; break;
		case 'J': json = 1; break;
		}
	}
	if (optind != argc)
		usage_error(usage, "unexpected argument '%s'", argv[optind]);
	if (!vlt_forget_policy_any(&policy))
		usage_error(usage, "give at least one --keep-* option (forgetting "
			    "every snapshot is not a policy)");
	r = cli_open_repo();
	vlt_forget_plan_init(&plan);
	if (vlt_forget_plan_make(r, branch, &policy, &plan) < 0)
		die("%s", vlt_error_last());
	if (!dry && vlt_forget_plan_apply(r, &plan) < 0)
		die("%s", vlt_error_last());

	{
		json_t *jkeep = json ? json_array() : NULL;
		json_t *jforget = json ? json_array() : NULL;

		for (size_t i = 0; i < plan.nr; i++) {
			const struct vlt_forget_item *sn = &plan.v[i];

			if (json) {
				json_t *o = json_object();

				cli_json_set(o, "snapshot",
						    json_string(vlt_oid_hex(&sn->oid)));
				cli_json_set(o, "time", json_string(
					print_date_iso(sn->time, sn->tz_minutes)));
				cli_json_set(o, "message",
					     print_json_string(sn->first_line));
				if (sn->keep)
					cli_json_set(o, "reasons",
						print_json_string(sn->reasons));
				cli_json_append(sn->keep ? jkeep : jforget, o);
			} else if (!quiet) {
				printf("%-12s %.12s  %s  %-40.40s%s%s\n",
				       sn->keep ? "keep" : (dry ? "would forget" : "forget"),
				       vlt_oid_hex(&sn->oid),
				       print_date_short(sn->time, sn->tz_minutes),
				       sn->first_line, sn->keep ? "  " : "",
				       sn->keep ? sn->reasons : "");
			}
		}
		if (json) {
			json_t *o = json_object();

			cli_json_set(o, "ref", print_json_string(plan.ref.data));
			cli_json_set(o, "dry_run", json_boolean(dry));
			cli_json_set(o, "keep", jkeep);
			cli_json_set(o, "forget", jforget);
			cli_json_print(o, 0);
		} else if (!quiet) {
			printf("%zu kept, %zu %s\n", plan.nr - plan.nforget,
			       plan.nforget, dry ? "would be forgotten" : "forgotten");
		}
	}
	if (prune && !dry) {
		struct vlt_gc_opts go = { 0 };
		struct vlt_gc_stats gs;

		if (vlt_gc_run(r, &go, &gs) < 0)
			die("gc: %s", vlt_error_last());
		if (!quiet && !json)
			printf("gc: %" PRIu64 " packs deleted, %s freed\n",
			       gs.packs_deleted, print_human_size(gs.bytes_freed));
	}
	vlt_forget_plan_release(&plan);
	free(tags);
	vlt_repo_free(r);
	return 0;
}
