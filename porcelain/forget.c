/*
 * vault-forget - choose which snapshots of a history to keep.
 *
 * Forgetting is cheap and reversible until gc: lib/walk.c marks a
 * snapshot forgotten; gc then frees the data only forgotten snapshots
 * use. The snapshot objects themselves stay, so histories remain whole
 * chains.
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
#include "gc.h"
#include "odb.h"
#include "print.h"
#include "refs.h"
#include "revparse.h"
#include "tree.h"
#include "walk.h"

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

struct snap {
	struct vlt_oid oid;
	int64_t time;
	int tz;
	char *first_line;
	int tagged_meta;      /* meta tag matches a --keep-tag */
	char reasons[128];
};

struct bucket_rule {
	const char *name;
	int n;
	const char *fmt;      /* strftime bucket key */
};

static int keep_last, ntags;
static const char **tags;
static struct bucket_rule rules[] = {
	{ "hourly", 0, "%Y-%m-%d %H" },
	{ "daily", 0, "%Y-%m-%d" },
	{ "weekly", 0, "%G-W%V" },
	{ "monthly", 0, "%Y-%m" },
	{ "yearly", 0, "%Y" },
};

struct tagref {
	const char **tags;
	int ntags;
	struct vlt_oid *oids;
	size_t nr, alloc;
};

static int collect_ref(const char *name, const struct vlt_oid *oid, void *data)
{
	struct tagref *t = data;

	(void)name;
	if (VLT_ALLOC_GROW(t->oids, t->nr + 1, t->alloc) < 0)
		return VLT_E_NOMEM;
	t->oids[t->nr++] = *oid;
	return 0;
}

static int collect_tag(const char *name, const struct vlt_oid *oid, void *data)
{
	struct tagref *t = data;

	for (int i = 0; i < t->ntags; i++)
		if (!strcmp(name + strlen("refs/tags/"), t->tags[i])) {
			if (VLT_ALLOC_GROW(t->oids, t->nr + 1, t->alloc) < 0)
				return VLT_E_NOMEM;
			t->oids[t->nr++] = *oid;
		}
	return 0;
}

static void add_reason(struct snap *s, const char *why)
{
	size_t n = strlen(s->reasons);

	snprintf(s->reasons + n, sizeof(s->reasons) - n, "%s%s", n ? ", " : "",
		 why);
}

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
	struct vlt_buf ref = VLT_BUF_INIT, b = VLT_BUF_INIT;
	struct vlt_oid cur;
	struct tagref tr = { 0 }, allrefs = { 0 };
	struct snap *snaps = NULL;
	size_t nsnaps = 0, salloc = 0, nforget = 0;
	const char *branch = NULL;
	int dry = 0, prune = 0, quiet = 0, json = 0, any = 0, c;
	char *keep;

	cli_init("vault-forget");
	tags = calloc((size_t)argc + 1, sizeof(*tags));
	while ((c = cli_getopt(argc, argv, "nq", opts, usage)) != -1) {
		int n = optarg ? atoi(optarg) : 0;

		if (optarg && c != 'T' && c != 'B' && n < 1)
			usage_error(usage, "--keep-* needs a positive number");
		switch (c) {
		case 'L': keep_last = n; any = 1; break;
		case 'H': rules[0].n = n; any = 1; break;
		case 'D': rules[1].n = n; any = 1; break;
		case 'W': rules[2].n = n; any = 1; break;
		case 'M': rules[3].n = n; any = 1; break;
		case 'Y': rules[4].n = n; any = 1; break;
		case 'T': tags[ntags++] = optarg; any = 1; break;
		case 'B': branch = optarg; break;
		case 'n': dry = 1; break;
		case 'P': prune = 1; break;
		case 'q': quiet = 1; break;
		case 'J': json = 1; break;
		}
	}
	if (optind != argc)
		usage_error(usage, "unexpected argument '%s'", argv[optind]);
	if (!any)
		usage_error(usage, "give at least one --keep-* option (forgetting "
			    "every snapshot is not a policy)");
	r = cli_open_repo();
	if (branch)
		vlt_buf_addf(&ref, "refs/snapshots/%s", branch);
	else if (vlt_ref_resolve_name(r, "HEAD", &ref) < 0)
		die("HEAD: %s", vlt_error_last());
	if (vlt_ref_read(r, ref.data, &cur) < 0)
		die("nothing to forget: %s", vlt_error_last());
	tr.tags = tags;
	tr.ntags = ntags;
	if (ntags && vlt_ref_for_each(r, "refs/tags/", collect_tag, &tr) < 0)
		die("tags: %s", vlt_error_last());
	/* a snapshot any ref names (a tag, another branch) is never
	 * forgotten: gc would keep it whole anyway */
	if (vlt_ref_for_each(r, "refs/", collect_ref, &allrefs) < 0)
		die("refs: %s", vlt_error_last());

	/* the first-parent history, newest first, already-forgotten skipped */
	for (;;) {
		struct vlt_snapshot s;
		struct snap *sn;
		const char *nl;
		int fg;

		if (vlt_odb_read_kind(r, &cur, VLT_OBJ_SNAPSHOT, &b) < 0 ||
		    vlt_snapshot_decode(b.data, b.len, &s) < 0)
			break;  /* the end of what is stored */
		if ((fg = vlt_snapshot_forgotten(r, &cur)) < 0)
			die("%s: %s", vlt_oid_hex(&cur), vlt_error_last());
		if (!fg) {
			if (VLT_ALLOC_GROW(snaps, nsnaps + 1, salloc) < 0)
				die("out of memory");
			sn = &snaps[nsnaps++];
			memset(sn, 0, sizeof(*sn));
			sn->oid = cur;
			sn->time = s.time;
			sn->tz = s.tz_minutes;
			nl = strchr(s.message, '\n');
			sn->first_line = strndup(s.message, nl ? (size_t)(nl - s.message)
							   : strlen(s.message));
			for (size_t i = 0; i < s.nmeta; i++)
				for (int t = 0; t < ntags; t++)
					if (!strcmp(s.meta[i].key, "tag") &&
					    !strcmp(s.meta[i].value, tags[t]))
						sn->tagged_meta = 1;
		}
		if (!s.nparents) {
			vlt_snapshot_release(&s);
			break;
		}
		cur = s.parents[0];
		vlt_snapshot_release(&s);
	}

	keep = calloc(nsnaps ? nsnaps : 1, 1);
	for (size_t i = 0; i < nsnaps; i++) {
		struct snap *sn = &snaps[i];

		if (i == 0) {
			keep[i] = 1;
			add_reason(sn, "latest");
		}
		if ((int)i < keep_last) {
			keep[i] = 1;
			add_reason(sn, "last");
		}
		if (sn->tagged_meta) {
			keep[i] = 1;
			add_reason(sn, "tag");
		}
		for (size_t t = 0; t < tr.nr; t++)
			if (!vlt_oid_cmp(&tr.oids[t], &sn->oid)) {
				keep[i] = 1;
				add_reason(sn, "tag ref");
			}
		for (size_t t = 0; i && t < allrefs.nr; t++)
			if (!vlt_oid_cmp(&allrefs.oids[t], &sn->oid) && !keep[i]) {
				keep[i] = 1;
				add_reason(sn, "named by a ref");
			}
	}
	for (size_t k = 0; k < sizeof(rules) / sizeof(rules[0]); k++) {
		char last[32] = "";
		int used = 0;

		for (size_t i = 0; i < nsnaps && used < rules[k].n; i++) {
			time_t t = (time_t)(snaps[i].time + snaps[i].tz * 60);
			struct tm tm;
			char bucket[32];

			gmtime_r(&t, &tm);
			strftime(bucket, sizeof(bucket), rules[k].fmt, &tm);
			if (!strcmp(bucket, last))
				continue;  /* an older one of the same period */
			snprintf(last, sizeof(last), "%s", bucket);
			keep[i] = 1;
			add_reason(&snaps[i], rules[k].name);
			used++;
		}
	}

	{
		json_t *jkeep = json ? json_array() : NULL;
		json_t *jforget = json ? json_array() : NULL;

		for (size_t i = 0; i < nsnaps; i++) {
			struct snap *sn = &snaps[i];

			if (!keep[i]) {
				nforget++;
				if (!dry && vlt_snapshot_forget(r, &sn->oid) < 0)
					die("cannot forget %s: %s",
					    vlt_oid_hex(&sn->oid),
					    vlt_error_last());
			}
			if (json) {
				json_t *o = json_object();

				cli_json_set(o, "snapshot",
					     json_string(vlt_oid_hex(&sn->oid)));
				cli_json_set(o, "time", json_string(
					print_date_iso(sn->time, sn->tz)));
				cli_json_set(o, "message",
					     print_json_string(sn->first_line));
				if (keep[i])
					cli_json_set(o, "reasons",
						print_json_string(sn->reasons));
				cli_json_append(keep[i] ? jkeep : jforget, o);
			} else if (!quiet) {
				printf("%-12s %.12s  %s  %-40.40s%s%s\n",
				       keep[i] ? "keep" : (dry ? "would forget" : "forget"),
				       vlt_oid_hex(&sn->oid),
				       print_date_short(sn->time, sn->tz),
				       sn->first_line, keep[i] ? "  " : "",
				       keep[i] ? sn->reasons : "");
			}
		}
		if (json) {
			json_t *o = json_object();

			cli_json_set(o, "ref", print_json_string(ref.data));
			cli_json_set(o, "dry_run", json_boolean(dry));
			cli_json_set(o, "keep", jkeep);
			cli_json_set(o, "forget", jforget);
			cli_json_print(o, 0);
		} else if (!quiet) {
			printf("%zu kept, %zu %s\n", nsnaps - nforget, nforget,
			       dry ? "would be forgotten" : "forgotten");
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
	for (size_t i = 0; i < nsnaps; i++)
		free(snaps[i].first_line);
	free(snaps);
	free(keep);
	free(tr.oids);
	free(allrefs.oids);
	free(tags);
	vlt_buf_release(&ref);
	vlt_buf_release(&b);
	vlt_repo_free(r);
	return 0;
}
