/*
 * vault-backup - snapshot a folder and move the current branch.
 */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backup.h"
#include "cli.h"
#include "json.h"
#include "error.h"
#include "gc.h"
#include "ignore.h"
#include "odb.h"
#include "print.h"
#include "progress.h"
#include "fsutil.h"
#include "refs.h"
#include "revparse.h"
#include "tree.h"

static const char usage[] =
"usage: vault backup [PATH...] [-m MSG] [--tag TAG]... [--branch B] [-q] [--json]\n"
"                    [--threads N] [--exclude PATTERN]... [--no-default-ignores]\n"
"                    [--no-cache] [--meta KEY=VALUE]...\n"
"\n"
"Snapshots the project folder of the repository (the folder holding\n"
".vault) and moves the current branch (HEAD, normally refs/snapshots/main)\n"
"to the new snapshot. Unchanged files cost one stat() thanks to a local\n"
"cache; changed files cost their new chunks only.\n"
"\n"
"With PATHs inside the project folder, only those are read: the snapshot\n"
"is still of the whole project, the rest carried over unchanged from the\n"
"branch's latest snapshot (like git commit PATH). A folder outside the\n"
"project goes on a branch of its own (--branch B) or in a repository of\n"
"its own; in a bare repository PATH is the one folder to snapshot.\n"
".vaultignore files (gitignore syntax) and built-in defaults for editor and\n"
"engine caches leave paths out.\n"
"\n"
"    -m, --message MSG      the snapshot's message\n"
"    --tag TAG              label the snapshot (repeatable; see forget --keep-tag)\n"
"    --branch B             move refs/snapshots/B instead of HEAD's branch\n"
"    -q, --quiet            print only the new snapshot id\n"
"    --json                 print a JSON summary\n"
"    --threads N            worker threads (default: one per core)\n"
"    --exclude PATTERN      leave out paths matching PATTERN (repeatable)\n"
"    --no-default-ignores   do not apply the built-in cache patterns\n"
"    --no-cache             read every file (ignore the change cache)\n"
"    --meta KEY=VALUE       add snapshot metadata (repeatable)\n"
"\n"
"A file that changes while it is read (size, mtime or ctime differ after the\n"
"read) is read again, up to 3 times; if it keeps changing, the last read is\n"
"stored and a warning names it.\n"
"\n"
"Ctrl-C (SIGINT), SIGTERM and SIGHUP stop the backup cleanly: temporary\n"
"files and locks are removed, \"interrupted\" is printed, exit 130 (128+signal).\n"
"\n"
"Exit status: 0 when the snapshot was written with every file as it was;\n"
"3 when it was written but some files could not be read (each named on\n"
"stderr, left out of the snapshot); 4 when every file is in it but some kept\n"
"changing while read (each named on stderr, stored as last read; 3 wins if\n"
"both); 128 on error.\n";

static int quiet, json;
static struct vlt_repo_lock writer_lock;

static void progress(const struct vlt_backup_progress *p, int final, void *d)
{
	double rate = p->elapsed > 0 ? (double)(p->bytes_done) / p->elapsed : 0;
	char eta[32] = "";

	(void)d;
	if (final) {
		cli_progress_clear();
		return;
	}
	if (rate > 0 && p->bytes_total > p->bytes_done) {
		double left = (double)(p->bytes_total - p->bytes_done) / rate;

		snprintf(eta, sizeof(eta), "  ETA %d:%02d", (int)left / 60,
			 (int)left % 60);
	}
	cli_progress_update("%" PRIu64 "/%" PRIu64 " files  %s/%s  %s/s%s",
			    p->files_done, p->files_total,
			    print_human_size(p->bytes_done),
			    print_human_size(p->bytes_total),
			    print_human_size((uint64_t)rate), eta);
}

/* The ignore rules that left something out, with how many paths each. */
struct rule_count {
	char *source, *pattern;
	unsigned line;
	uint64_t paths;
};
static struct rule_count *rule_counts;
static size_t nr_rule_counts, alloc_rule_counts;
static const struct vlt_strlist *only_paths;   /* the PATHs read, if any */

static void ignored_path(const char *path, int is_dir,
			 const struct vlt_ignore_why *why, void *d)
{
	size_t i;

	(void)is_dir;
	(void)d;
	/* a PATH asked for (or a folder holding it) is left out: say so */
	for (i = 0; only_paths && i < only_paths->nr; i++) {
		size_t n = strlen(path);

		if (!strncmp(only_paths->v[i], path, n) &&
		    (!only_paths->v[i][n] || only_paths->v[i][n] == '/'))
			warning("%s is left out by the ignore rule %s:%u:%s, so it "
				"is not in the snapshot (vault check-ignore -v %s)",
				only_paths->v[i], why->source, why->line,
				why->pattern, only_paths->v[i]);
	}
	for (i = 0; i < nr_rule_counts; i++)
		if (rule_counts[i].line == why->line &&
		    !strcmp(rule_counts[i].source, why->source) &&
		    !strcmp(rule_counts[i].pattern, why->pattern))
			break;
	if (i == nr_rule_counts) {
		if (VLT_ALLOC_GROW(rule_counts, nr_rule_counts + 1,
				   alloc_rule_counts) < 0)
			return;   /* only the report loses a line */
		/* copies: the rules are gone when the backup returns */
		rule_counts[i].source = strdup(why->source);
		rule_counts[i].pattern = strdup(why->pattern);
		if (!rule_counts[i].source || !rule_counts[i].pattern) {
			free(rule_counts[i].source);
			free(rule_counts[i].pattern);
			return;
		}
		rule_counts[i].line = why->line;
		rule_counts[i].paths = 0;
		nr_rule_counts++;
	}
	rule_counts[i].paths++;
}

static void warn_path(const char *path, const char *msg, void *d)
{
	(void)d;
	error("%s: %s (left out of the snapshot)", path, msg);
}

/*
 * Which folder is snapshotted, and which of its paths are read: no PATH,
 * or the project folder itself, is the whole project; PATHs inside it
 * are read alone and put into the branch's latest snapshot (*only gets
 * them, relative to the project). A folder outside the project would
 * replace the project's snapshot with itself: only on a branch of its
 * own (--branch), where it is the whole snapshot.
 */
static void pick_paths(char *project, char **paths, int n,
		       const char *branch, char **root,
		       struct vlt_strlist *only)
{
	int whole = !n;

	*root = project;
	for (int i = 0; i < n; i++) {
		struct vlt_buf rel = VLT_BUF_INIT, abs = VLT_BUF_INIT;
		struct stat st;
		int below = vlt_path_below(project, paths[i], &rel);

		if (below < 0)
			die("%s: %s", paths[i], vlt_error_last());
		if (!below) {
			if (n == 1 && branch) {
				if (!(*root = realpath(paths[i], NULL)))
					die("cannot back up '%s': no such folder",
					    paths[i]);
				return;
			}
			die("'%s' is outside the project folder %s: backing it "
			    "up here would replace the project's snapshot.\n"
			    "Back it up on a branch of its own:  vault backup "
			    "--branch NAME %s\n"
			    "or in a repository of its own:      cd %s && vault "
			    "init && vault backup", paths[i], project, paths[i],
			    paths[i]);
		}
		if (!rel.data || !*rel.data) {
			whole = 1;
			vlt_buf_release(&rel);
			continue;
		}
		vlt_buf_addf(&abs, "%s/%s", project, rel.data);
		if (lstat(abs.data, &st) < 0)
			die("cannot back up '%s': %s (to record that it was "
			    "deleted, back up the folder that held it)",
			    paths[i], strerror(errno));
		if (vlt_strlist_add(only, rel.data) < 0)
			die("out of memory");
		vlt_buf_release(&rel);
		vlt_buf_release(&abs);
	}
	if (whole) {
		vlt_strlist_release(only);
		return;
	}
	vlt_strlist_sort(only);
	if (VLT_ALLOC_GROW(only->v, only->nr + 1, only->alloc) < 0)
		die("out of memory");
	only->v[only->nr] = NULL;
}

/* "art, src/x" */
static const char *only_list(const struct vlt_strlist *only)
{
	static struct vlt_buf b = VLT_BUF_INIT;

	vlt_buf_reset(&b);
	for (size_t i = 0; i < only->nr; i++)
		vlt_buf_addf(&b, "%s%s", i ? ", " : "", only->v[i]);
	return b.data ? b.data : "";
}

static void warn_changed(const char *path, void *d)
{
	(void)d;
	warning("%s changed as we read it (stored as last read, which may be "
		"inconsistent)", path);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "message", required_argument, NULL, 'm' },
		{ "tag", required_argument, NULL, 'T' },
		{ "branch", required_argument, NULL, 'B' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "json", no_argument, NULL, 'J' },
		{ "threads", required_argument, NULL, 't' },
		{ "exclude", required_argument, NULL, 'x' },
		{ "no-default-ignores", no_argument, NULL, 'D' },
		{ "no-cache", no_argument, NULL, 'C' },
		{ "meta", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vlt_backup_opts bo;
	struct vlt_backup_progress st;
	struct vlt_snapshot s;
	struct vlt_buf enc = VLT_BUF_INIT, ref = VLT_BUF_INIT,
		       reflog = VLT_BUF_INIT;
	struct vlt_repo *r;
	struct vlt_oid tree, snap, parent;
	const char *msg = NULL, *path = NULL, *branch = NULL;
	const char **excludes, **tags, **metas;
	char *root = NULL;
	struct vlt_strlist only = VLT_STRLIST_INIT;
	struct vlt_oid part;
	int nex = 0, ntags = 0, nmetas = 0, npaths, c, err, have_parent;
	uint64_t gen;

	cli_init("vault-backup");
	excludes = calloc((size_t)argc + 1, sizeof(*excludes));
	tags = calloc((size_t)argc + 1, sizeof(*tags));
	metas = calloc((size_t)argc + 1, sizeof(*metas));
	if (!excludes || !tags || !metas)
		die("out of memory");
	vlt_backup_opts_init(&bo);
	while ((c = cli_getopt(argc, argv, "m:q", opts, usage)) != -1) {
		switch (c) {
		case 'm': msg = optarg; break;
		case 'T': tags[ntags++] = optarg; break;
		case 'B': branch = optarg; break;
		case 'q': quiet = 1; break;
		case 'J': json = 1; break;
		case 't':
			bo.threads = atoi(optarg);
			if (bo.threads < 1)
				usage_error(usage, "--threads needs a positive number");
			break;
		case 'x': excludes[nex++] = optarg; break;
		case 'D': bo.use_default_ignores = 0; break;
		case 'C': bo.use_cache = 0; break;
		case 'M':
			if (!strchr(optarg, '='))
				usage_error(usage, "--meta needs KEY=VALUE");
			metas[nmetas++] = optarg;
			break;
		}
	}
	npaths = argc - optind;
	bo.excludes = excludes;
	bo.progress = progress;
	bo.warn = warn_path;
	bo.ignored = ignored_path;
	bo.changed = warn_changed;
	cli_progress_start(!quiet && !json);

	r = cli_open_repo();
	if (!npaths && !vlt_repo_worktree(r))
		die("this repository has no project folder (it is bare): "
		    "give the PATH to back up");
	if (vlt_repo_worktree(r)) {
		char *project = realpath(vlt_repo_worktree(r), NULL);

		if (!project)
			die("cannot open the project folder %s",
			    vlt_repo_worktree(r));
		pick_paths(project, argv + optind, npaths, branch, &root, &only);
		if (root != project)
			free(project);
	} else {
		if (npaths > 1)
			usage_error(usage, "a bare repository backs up one folder: "
				    "give one PATH");
		path = argv[optind];
		if (!(root = realpath(path, NULL)))
			die("cannot back up '%s': no such folder", path);
	}
	if (only.nr) {
		bo.only = (const char *const *)only.v;
		only_paths = &only;
	}

	/* which ref moves */
	if (branch) {
		vlt_ref_branch_name(&ref, branch);
		if (!vlt_ref_name_valid(ref.data))
			die("'%s' is not a valid branch name", branch);
	} else if (vlt_ref_resolve_name(r, "HEAD", &ref) < 0) {
		die("cannot read HEAD: %s", vlt_error_last());
	}

	if (vlt_writer_begin(r, &writer_lock, &gen, "backup") < 0)
		die("cannot start the backup: %s", vlt_error_last());
	if (vlt_backup_tree(r, root, &bo, &part, &st) < 0)
		die("backup of %s failed: %s", root, vlt_error_last());
	tree = part;

	vlt_snapshot_init(&s);
	s.tree = tree;
	if (vlt_snapshot_set_defaults(&s) < 0)
		die("snapshot: %s", vlt_error_last());
	s.message = strdup(msg ? msg : "backup");
	vlt_snapshot_add_meta(&s, "path", root);
	for (size_t i = 0; i < only.nr; i++)
		if (vlt_snapshot_add_meta(&s, "only", only.v[i]) < 0)
			die("snapshot: %s", vlt_error_last());
	for (int i = 0; i < ntags; i++)
		if (vlt_snapshot_add_meta(&s, "tag", tags[i]) < 0)
			die("--tag: %s", vlt_error_last());
	for (int i = 0; i < nmetas; i++) {
		char *eq = strchr(metas[i], '=');

		*eq = '\0';
		if (vlt_snapshot_add_meta(&s, metas[i], eq + 1) < 0)
			die("--meta: %s", vlt_error_last());
	}
	/*
	 * Publish: the snapshot's parent is the branch as it is now; if
	 * another backup moved it meanwhile, re-parent onto theirs and try
	 * again, so both land.
	 */
	for (int attempt = 0;; attempt++) {
		have_parent = vlt_ref_read(r, ref.data, &parent) == 0;
		s.nparents = 0;
		if (have_parent)
			vlt_snapshot_add_parent(&s, &parent);
		if (only.nr) {
			/* the rest of the project as the parent has it */
			struct vlt_oid base;

			vlt_oid_clear(&base);
			if (have_parent && vlt_rev_peel_tree(r, &parent, &base) < 0)
				die("cannot read the branch's latest "
				    "snapshot: %s", vlt_error_last());
			if (vlt_tree_graft(r, &base, &part, bo.only, &tree) < 0)
				die("cannot put the new folders into the "
				    "snapshot: %s", vlt_error_last());
			s.tree = tree;
		}
		if (vlt_snapshot_encode(&s, &enc) < 0 ||
		    vlt_odb_write(r, VLT_OBJ_SNAPSHOT, enc.data, enc.len, &snap) < 0 ||
		    vlt_odb_flush(r) < 0)
			die("cannot write the snapshot: %s", vlt_error_last());
		if (vlt_writer_settle(r, &writer_lock, &gen, &snap) < 0)
			die("cannot settle with a running gc: %s",
			    vlt_error_last());
		vlt_buf_reset(&reflog);
		vlt_buf_addf(&reflog, "backup: %s", s.message);
		{
			struct vlt_oid zero;

			vlt_oid_clear(&zero);
			err = vlt_ref_update(r, ref.data, &snap,
					     have_parent ? &parent : &zero,
					     reflog.data);
		}
		if (err != VLT_E_CONFLICT || attempt > 100)
			break;
	}
	if (err < 0)
		die("snapshot %s written but %s not moved: %s",
		    vlt_oid_hex(&snap), ref.data, vlt_error_last());
	vlt_writer_end(r, &writer_lock);
	/* many packs since the last multi-pack index: write a new one (an
	 * accelerator only; failing to write it changes nothing else) */
	if (vlt_odb_uncovered_packs(r) >= 16) {
		char name[VLT_OID_HEXSZ + 1];

		if (vlt_odb_write_midx(r, name) < 0)
			warning("could not write a multi-pack index: %s",
				vlt_error_last());
	}

	if (json) {
		json_t *o = json_object();

		cli_json_set(o, "snapshot", json_string(vlt_oid_hex(&snap)));
		cli_json_set(o, "tree", json_string(vlt_oid_hex(&tree)));
		cli_json_set(o, "parent", have_parent ?
			     json_string(vlt_oid_hex(&parent)) : json_null());
		cli_json_set(o, "ref", print_json_string(ref.data));
		if (only.nr) {
			json_t *a = json_array();

			for (size_t i = 0; i < only.nr; i++)
				cli_json_append(a, print_json_string(only.v[i]));
			cli_json_set(o, "only", a);
		}
		cli_json_set(o, "files", json_integer((json_int_t)
			     (st.files_total - st.files_failed)));
		cli_json_set(o, "files_unreadable",
			     json_integer((json_int_t)st.files_failed));
		cli_json_set(o, "files_changed_while_read",
			     json_integer((json_int_t)st.files_changed));
		cli_json_set(o, "files_unchanged",
			     json_integer((json_int_t)st.files_cached));
		cli_json_set(o, "dirs", json_integer((json_int_t)st.dirs));
		cli_json_set(o, "symlinks", json_integer((json_int_t)st.symlinks));
		cli_json_set(o, "bytes", json_integer((json_int_t)
			     (st.bytes_total - st.bytes_failed)));
		cli_json_set(o, "bytes_new", json_integer((json_int_t)st.bytes_new));
		cli_json_set(o, "chunks", json_integer((json_int_t)st.chunks));
		cli_json_set(o, "chunks_new", json_integer((json_int_t)st.chunks_new));
		cli_json_set(o, "errors", json_integer((json_int_t)st.errors));
		{
			json_t *ig = json_object(), *rules = json_array();

			for (size_t i = 0; i < nr_rule_counts; i++) {
				const struct rule_count *rc = &rule_counts[i];

				cli_json_append(rules, json_pack("{s:o,s:I,s:o,s:I}",
					"source", print_json_string(rc->source),
					"line", (json_int_t)rc->line,
					"pattern", print_json_string(rc->pattern),
					"paths", (json_int_t)rc->paths));
			}
			cli_json_set(ig, "paths", json_integer((json_int_t)st.ignored));
			cli_json_set(ig, "rules", rules);
			cli_json_set(o, "ignored", ig);
		}
		cli_json_set(o, "seconds", json_real(st.elapsed));
		cli_json_print(o, 0);
	} else if (quiet) {
		printf("%s\n", vlt_oid_hex(&snap));
	} else {
		printf("snapshot %.12s saved to %s\n", vlt_oid_hex(&snap), ref.data);
		if (only.nr && have_parent)
			printf("  only %s %s read; the rest of the project is as "
			       "in snapshot %.12s\n", only_list(&only),
			       only.nr == 1 ? "was" : "were", vlt_oid_hex(&parent));
		else if (only.nr)
			printf("  only %s %s read; %s had no snapshot, so this "
			       "one holds only %s\n", only_list(&only),
			       only.nr == 1 ? "was" : "were", ref.data,
			       only.nr == 1 ? "that" : "those");
		printf("  files: %" PRIu64 " (%" PRIu64 " unchanged, %" PRIu64
		       " new or changed), %" PRIu64 " dirs, %" PRIu64 " symlinks\n",
		       st.files_total - st.files_failed, st.files_cached,
		       st.files_total - st.files_cached - st.files_failed, st.dirs,
		       st.symlinks);
		if (st.files_failed)
			printf("         %" PRIu64 " unreadable, left out (named "
			       "above)\n", st.files_failed);
		if (st.files_changed)
			printf("         %" PRIu64 " changed while read, stored as "
			       "last read (named above)\n", st.files_changed);
		printf("  data:  %s in files, %s new\n",
		       print_human_size(st.bytes_total - st.bytes_failed),
		       print_human_size(st.bytes_new));
		if (st.ignored)
			printf("  %" PRIu64 " path%s left out by ignore rules; "
			       "see vault check-ignore\n", st.ignored,
			       st.ignored == 1 ? "" : "s");
		printf("  time:  %.2f s\n", st.elapsed);
	}
	vlt_snapshot_release(&s);
	vlt_buf_release(&enc);
	vlt_buf_release(&ref);
	vlt_buf_release(&reflog);
	free(root);
	vlt_strlist_release(&only);
	free(excludes);
	free(tags);
	free(metas);
	for (size_t i = 0; i < nr_rule_counts; i++) {
		free(rule_counts[i].source);
		free(rule_counts[i].pattern);
	}
	free(rule_counts);
	vlt_repo_free(r);
	return st.errors ? 3 : st.files_changed ? 4 : 0;
}
