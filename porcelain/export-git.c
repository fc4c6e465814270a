/*
 * vault-export-git - snapshots into a git repository (libgit2).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "json.h"
#include "error.h"
#include "git-interop.h"
#include "odb.h"
#include "print.h"
#include "progress.h"
#include "refs.h"
#include "revparse.h"

static const char usage[] =
"usage: vault export-git [REV...] --to REPO [options]\n"
"   or: vault-export-git --stdin --to REPO [options]\n"
"\n"
"Writes each snapshot (and every ancestor not exported yet) as a git\n"
"commit in REPO, created if missing. Commit ids are stable: exporting\n"
"again writes only new snapshots. Without REV the current branch is\n"
"exported. A REV that names a vault branch moves the git branch of the\n"
"same name, a vault tag the git tag; any other REV needs --branch.\n"
"Prints \"SNAPSHOT COMMIT\" per REV on stdout.\n"
"\n"
"    --to REPO              the git repository (a work tree or a .git)\n"
"    --bare                 create REPO as a bare repository\n"
"    -b, --branch B         move git branch B to the (last) REV\n"
"    --all                  every vault branch and tag\n"
"    --stdin                read snapshot ids or revisions from stdin, one\n"
"                           per line; print each pair as soon as it is done\n"
"    --lfs-threshold SIZE   files of SIZE or more become Git LFS pointers\n"
"                           (content under GIT_DIR/lfs/objects); without\n"
"                           it, the previous export's setting is kept;\n"
"                           a different one than REPO's commits were made\n"
"                           with is refused unless --force (convert again)\n"
"    --no-gitattributes     do not write .gitattributes lines for LFS files\n"
"    -f, --force            move branches and tags that do not fast-forward;\n"
"                           with new tree options, convert every snapshot\n"
"                           again (new commit ids)\n"
"    --no-fsync             do not fsync git objects (faster, unsafe)\n"
"    -q, --quiet            no summary on stderr\n"
"    --json                 a JSON summary on stdout instead of pairs\n";

static int quiet, json;
static struct vlt_git_export *exp_session;

static void progress(const struct vlt_git_progress *p, void *d)
{
	(void)d;
	cli_progress_update("exporting: %" PRIu64 " snapshots, %s", p->done,
		print_human_size(p->bytes));
}

static void warn_cb(const char *msg, void *d)
{
	(void)d;
	warning("%s", msg);
}

struct target {
	char *rev;
	char kind;          /* 'b' branch, 't' tag, 0 none */
	char *name;         /* git ref short name */
	struct vlt_oid snap;
	char commit[VLT_GIT_HEXSZ + 1];
};

static struct target *targets;
static size_t ntargets, targets_alloc;

static void add_target(struct vlt_repo *r, const char *rev)
{
	struct vlt_buf full = VLT_BUF_INIT;
	struct vlt_oid oid;
	enum vlt_obj_kind kind;
	struct target *t;

	if (VLT_ALLOC_GROW(targets, ntargets + 1, targets_alloc) < 0)
		die("out of memory");
	t = &targets[ntargets++];
	memset(t, 0, sizeof(*t));
	t->rev = strdup(rev);
	if (vlt_rev_parse(r, rev, &t->snap) < 0)
		die("bad revision '%s': %s", rev, vlt_error_last());
	if (vlt_odb_info(r, &t->snap, &kind, NULL) < 0)
		die("%s: %s", rev, vlt_error_last());
	if (kind != VLT_OBJ_SNAPSHOT)
		die("%s is a %s, not a snapshot", rev, vlt_obj_kind_name(kind));
	if (vlt_ref_dwim(r, rev, &full, &oid) == 0) {
		enum vlt_ref_kind rk;
		const char *sh = vlt_ref_shorten(full.data, &rk);

		if (rk != VLT_REF_OTHER) {
			t->kind = rk == VLT_REF_BRANCH ? 'b' : 't';
			t->name = strdup(sh);
		}
	}
	vlt_error_clear();
	vlt_buf_release(&full);
}

static int add_ref(const char *name, const struct vlt_oid *oid, void *data)
{
	enum vlt_ref_kind rk;

	(void)oid;
	vlt_ref_shorten(name, &rk);
	if (rk != VLT_REF_OTHER)
		add_target(data, name);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "to", required_argument, NULL, 'T' },
		{ "bare", no_argument, NULL, 'B' },
		{ "branch", required_argument, NULL, 'b' },
		{ "all", no_argument, NULL, 'A' },
		{ "stdin", no_argument, NULL, 'S' },
		{ "lfs-threshold", required_argument, NULL, 'L' },
		{ "no-gitattributes", no_argument, NULL, 'G' },
		{ "force", no_argument, NULL, 'f' },
		{ "no-fsync", no_argument, NULL, 'N' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vlt_git_export_opts eo = { 0 };
	struct vlt_git_export_stats st;
	const char *to = NULL, *branch = NULL;
	int all = 0, use_stdin = 0, force = 0, c, failed = 0, tree_opts = 0;
	struct vlt_repo *r;
	json_t *jpairs = NULL;

	cli_init(argv[0]);
	while ((c = cli_getopt(argc, argv, "b:fq", opts, usage)) != -1) {
		switch (c) {
		case 'T': to = optarg; break;
		case 'B': eo.bare = 1; break;
		case 'b': branch = optarg; break;
		case 'A': all = 1; break;
		case 'S': use_stdin = 1; break;
		case 'L':
			tree_opts = 1;
			eo.lfs_threshold = cli_parse_size(optarg, usage,
							  "--lfs-threshold");
			if (!eo.lfs_threshold)
				usage_error(usage, "--lfs-threshold must be > 0");
			break;
		case 'G': eo.no_gitattributes = 1; tree_opts = 1; break;
		case 'f': force = 1; break;
		case 'N': eo.no_fsync = 1; break;
		case 'q': quiet = 1; break;
		case 'J': json = 1; break;
		}
	}
	if (!to)
		usage_error(usage, "--to REPO is required");
	if (use_stdin && (all || optind < argc))
		usage_error(usage, "--stdin takes no REV and no --all");
	if (all && (optind < argc || branch))
		usage_error(usage, "--all takes no REV and no --branch");
	r = cli_open_repo();
	cli_progress_start(!quiet && !json);

	if (all) {
		if (vlt_ref_for_each_all(r, add_ref, r) < 0)
			die("cannot list refs: %s", vlt_error_last());
		if (!ntargets)
			die("nothing to export: the repository has no branch");
	} else if (!use_stdin) {
		if (optind == argc) {
			struct vlt_buf head = VLT_BUF_INIT;

			if (vlt_ref_resolve_name(r, "HEAD", &head) < 0)
				die("cannot read HEAD: %s", vlt_error_last());
			if (vlt_ref_read(r, head.data, &(struct vlt_oid){ 0 }) < 0)
				die("nothing to export: %s has no snapshot yet",
				    head.data);
			add_target(r, head.data);
			vlt_buf_release(&head);
		}
		for (int i = optind; i < argc; i++)
			add_target(r, argv[i]);
		if (branch && ntargets > 1)
			usage_error(usage, "--branch takes a single REV");
		for (size_t i = 0; i < ntargets && !branch; i++)
			if (!targets[i].kind)
				die("'%s' is neither a vault branch nor a tag: name "
				    "the git branch to move with --branch",
				    targets[i].rev);
	}

	eo.warn = warn_cb;
	eo.progress = progress;
	eo.keep_tree_params = !tree_opts;
	eo.reconvert = force;
	if (vlt_git_export_open(&exp_session, r, to, &eo) < 0)
		die("%s: %s", to, vlt_error_last());
	if (json)
		jpairs = json_array();

	if (use_stdin) {
		char *line = NULL, last[VLT_GIT_HEXSZ + 1] = "";
		size_t cap = 0;
		ssize_t n;

		while ((n = getline(&line, &cap, stdin)) > 0) {
			struct vlt_oid snap;
			char commit[VLT_GIT_HEXSZ + 1];
			enum vlt_obj_kind kind;

			while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
				line[--n] = '\0';
			if (!n)
				continue;
			if (vlt_rev_parse(r, line, &snap) < 0 ||
			    vlt_odb_info(r, &snap, &kind, NULL) < 0 ||
			    kind != VLT_OBJ_SNAPSHOT) {
				error("%s: not a snapshot", line);
				failed = 1;
				continue;
			}
			if (vlt_git_export_snapshot(exp_session, &snap, commit) < 0)
				die("%s: %s", line, vlt_error_last());
			memcpy(last, commit, sizeof(last));
			if (json) {
				cli_json_append(jpairs, json_pack("{s:s,s:s}",
					"snapshot", vlt_oid_hex(&snap),
					"commit", commit));
			} else {
				cli_progress_clear();
				printf("%s %s\n", vlt_oid_hex(&snap), commit);
				fflush(stdout);
			}
		}
		free(line);
		if (branch && *last &&
		    vlt_git_export_set_ref(exp_session, 'b', branch, last, force) < 0)
			die("%s: %s", branch, vlt_error_last());
	} else {
		for (size_t i = 0; i < ntargets; i++) {
			struct target *t = &targets[i];

			if (vlt_git_export_snapshot(exp_session, &t->snap,
						    t->commit) < 0)
				die("%s: %s", t->rev, vlt_error_last());
		}
		cli_progress_clear();
		for (size_t i = 0; i < ntargets; i++) {
			struct target *t = &targets[i];
			const char *name = branch ? branch : t->name;
			char kind = branch ? 'b' : t->kind;

			if (vlt_git_export_set_ref(exp_session, kind, name,
						   t->commit, force) < 0) {
				error("%s: %s", name, vlt_error_last());
				failed = 1;
			}
			if (json)
				cli_json_append(jpairs, json_pack("{s:s,s:s,s:s?}",
					"snapshot", vlt_oid_hex(&t->snap),
					"commit", t->commit, "ref", name));
			else
				printf("%s %s\n", vlt_oid_hex(&t->snap), t->commit);
		}
	}
	cli_progress_clear();
	{
		struct vlt_git_export *x = exp_session;

		exp_session = NULL;
		if (vlt_git_export_close(x, &st) < 0)
			die("cannot save the export map: %s", vlt_error_last());
	}
	if (json) {
		json_t *o = json_pack("{s:o,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
			"exported", jpairs,
			"snapshots", (json_int_t)st.snapshots,
			"commits_new", (json_int_t)st.commits_new,
			"blobs_new", (json_int_t)st.blobs_new,
			"bytes", (json_int_t)st.bytes,
			"lfs_files", (json_int_t)st.lfs_files,
			"lfs_bytes", (json_int_t)st.lfs_bytes,
			"skipped", (json_int_t)st.skipped,
			"empty_dirs", (json_int_t)st.empty_dirs,
			"reconverted", (json_int_t)st.reconverted);

		cli_json_print(o, 0);
	} else if (!quiet) {
		fprintf(stderr, "exported %" PRIu64 " snapshots to %s: %" PRIu64
			" new commits, %" PRIu64 " new blobs, %s read",
			st.snapshots, to, st.commits_new, st.blobs_new,
			print_human_size(st.bytes));
		if (st.lfs_files)
			fprintf(stderr, ", %" PRIu64 " LFS files (%s new)",
				st.lfs_files, print_human_size(st.lfs_bytes));
		fputc('\n', stderr);
		if (st.empty_dirs)
			fprintf(stderr, "note: %" PRIu64 " empty directories "
				"left out (git does not store them)\n",
				st.empty_dirs);
	}
	for (size_t i = 0; i < ntargets; i++) {
		free(targets[i].rev);
		free(targets[i].name);
	}
	free(targets);
	vlt_repo_free(r);
	return failed ? VLT_EXIT_NO : 0;
}
