/*
 * vault-import-git - git history into snapshots (libgit2).
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
#include "gc.h"
#include "git-interop.h"
#include "lock.h"
#include "odb.h"
#include "oidset.h"
#include "print.h"
#include "progress.h"
#include "refs.h"
#include "revparse.h"

static const char usage[] =
"usage: vault import-git REPO [REV] [--branch B] [--all] [-f] [-q] [--json]\n"
"\n"
"Creates one snapshot per commit of REV (default HEAD) in the git\n"
"repository REPO, oldest first, keeping author, date, message and the\n"
"parent graph, and moves vault branch B to the snapshot of REV. Commits\n"
"imported before are not converted again. Git LFS pointer files whose\n"
"objects are in REPO are imported as their real content. Git tags\n"
"(lightweight and annotated, with their message) of imported commits\n"
"become vault tags; an existing vault tag is left as it is.\n"
"\n"
"    -b, --branch B   the vault branch to move (default: the git branch\n"
"                     REV names, else \"git-import\")\n"
"    --all            follow every parent (merged history too), not only\n"
"                     the first-parent line\n"
"    -f, --force      move B even if its snapshots are not ancestors of\n"
"                     the import\n"
"    -q, --quiet      print only the snapshot id of REV\n"
"    --json           a JSON summary\n";

static int quiet, json;
static struct vlt_repo_lock writer_lock;

static void progress(const struct vlt_git_progress *p, void *d)
{
	(void)d;
	cli_progress_update("importing: %" PRIu64 "/%" PRIu64 " commits, %s",
		p->done, p->total, print_human_size(p->bytes));
}

static void warn_cb(const char *msg, void *d)
{
	(void)d;
	warning("%s", msg);
}

/* 1 if anc is new or one of its ancestors (through every parent). */
static int is_ancestor(struct vlt_repo *r, const struct vlt_oid *anc,
		       const struct vlt_oid *new)
{
	struct vlt_oidset seen = VLT_OIDSET_INIT;
	struct vlt_oid *stack = NULL;
	size_t nr = 0, alloc = 0;
	int found = 0;

	if (VLT_ALLOC_GROW(stack, 1, alloc) < 0)
		return 0;
	stack[nr++] = *new;
	while (nr && !found) {
		struct vlt_oid cur = stack[--nr];
		struct vlt_snapshot s;

		if (!vlt_oid_cmp(&cur, anc)) {
			found = 1;
			break;
		}
		if (vlt_oidset_insert(&seen, &cur) != 1 ||
		    vlt_snapshot_read(r, &cur, &s) < 0)
			continue;
		for (size_t i = 0; i < s.nparents; i++) {
			if (VLT_ALLOC_GROW(stack, nr + 1, alloc) < 0)
				break;
			stack[nr++] = s.parents[i];
		}
		vlt_snapshot_release(&s);
	}
	vlt_error_clear();
	free(stack);
	vlt_oidset_release(&seen);
	return found;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "branch", required_argument, NULL, 'b' },
		{ "all", no_argument, NULL, 'A' },
		{ "force", no_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vlt_git_import_opts io = { 0 };
	struct vlt_git_import_result res;
	struct vlt_git_import_stats st;
	struct vlt_buf ref = VLT_BUF_INIT, msg = VLT_BUF_INIT;
	struct vlt_oid old, zero;
	const char *branch = NULL, *path, *rev = NULL;
	int force = 0, have_old, err, c;
	size_t tags_new = 0, tags_annotated = 0, tags_same = 0, tags_kept = 0;
	uint64_t gen;
	struct vlt_repo *r;

	cli_init(argv[0]);
	while ((c = cli_getopt(argc, argv, "b:fq", opts, usage)) != -1) {
		switch (c) {
		case 'b': branch = optarg; break;
		case 'A': io.all_parents = 1; break;
		case 'f': force = 1; break;
		case 'q': quiet = 1; break;
		case 'J': json = 1; break;
		}
	}
	if (optind == argc || argc - optind > 2)
		usage_error(usage, "need REPO and at most one REV");
	path = argv[optind];
	if (argc - optind == 2)
		rev = argv[optind + 1];
	r = cli_open_repo();
	cli_progress_start(!quiet && !json);
	io.warn = warn_cb;
	io.progress = progress;

	if (vlt_writer_begin(r, &writer_lock, &gen, "import-git") < 0)
		die("cannot start the import: %s", vlt_error_last());
	if (vlt_git_import(r, path, rev, &io, &res, &st) < 0)
		die("import of %s failed: %s", path, vlt_error_last());
	cli_progress_clear();

	if (!branch)
		branch = *res.branch ? res.branch : "git-import";
	vlt_ref_branch_name(&ref, branch);
	if (!vlt_ref_name_valid(ref.data))
		die("'%s' is not a valid branch name", branch);
	/* the new snapshots are not reachable yet: keep them through any gc
	 * plan published meanwhile, then publish them by the branch */
	if (vlt_writer_settle_many(r, &writer_lock, &gen, res.created,
				   res.ncreated) < 0)
		die("cannot settle with a running gc: %s", vlt_error_last());
	have_old = vlt_ref_read(r, ref.data, &old) == 0;
	vlt_error_clear();
	if (have_old && !force && !is_ancestor(r, &old, &res.tip)) {
		vlt_writer_end(r, &writer_lock);
		die("branch %s has snapshots that are not part of this git "
		    "history: import into another branch (--branch) or "
		    "replace it (--force)", branch);
	}
	vlt_buf_addf(&msg, "import-git: %s %s", path, rev ? rev : "HEAD");
	vlt_oid_clear(&zero);
	err = 0;
	if (!have_old || vlt_oid_cmp(&old, &res.tip))
		err = vlt_ref_update(r, ref.data, &res.tip,
				     have_old ? &old : &zero, msg.data);
	if (err < 0)
		die("snapshots written but %s not moved: %s", ref.data,
		    vlt_error_last());
	/* the tags, now that their snapshots are published */
	for (size_t i = 0; i < res.ntags; i++) {
		const struct vlt_git_import_tag *t = &res.tags[i];
		struct vlt_buf tref = VLT_BUF_INIT;
		struct vlt_oid cur;

		vlt_ref_tag_name(&tref, t->name);
		if (vlt_ref_read(r, tref.data, &cur) == 0) {
			if (vlt_oid_cmp(&cur, &t->snap)) {
				tags_kept++;
				warning("tag %s exists and names %.12s, not the "
					"snapshot of its git commit (%.12s): left "
					"as it is", t->name, vlt_oid_hex(&cur),
					vlt_oid_hex(&t->snap));
			} else {
				tags_same++;
			}
		} else if (vlt_error_last_code() != VLT_E_NOTFOUND) {
			die("tag %s: %s", t->name, vlt_error_last());
		} else if (vlt_tag_set(r, t->name, &t->snap, &zero,
				       t->message) < 0) {
			if (vlt_error_last_code() != VLT_E_CONFLICT)
				die("tag %s: %s", t->name, vlt_error_last());
			tags_kept++;   /* created meanwhile by someone else */
			warning("tag %s was created meanwhile: left as it is",
				t->name);
		} else {
			tags_new++;
			tags_annotated += t->message != NULL;
		}
		vlt_error_clear();
		vlt_buf_release(&tref);
	}
	vlt_writer_end(r, &writer_lock);

	if (json) {
		json_t *o = json_pack("{s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,"
				      "s:I,s:I,s:I}",
			"snapshot", vlt_oid_hex(&res.tip), "ref", ref.data,
			"commits_new", (json_int_t)st.commits_new,
			"blobs_new", (json_int_t)st.blobs_new,
			"bytes", (json_int_t)st.bytes,
			"lfs_files", (json_int_t)st.lfs_files,
			"lfs_missing", (json_int_t)st.lfs_missing,
			"skipped", (json_int_t)st.skipped,
			"tags_new", (json_int_t)tags_new,
			"tags_annotated", (json_int_t)tags_annotated,
			"tags_unchanged", (json_int_t)tags_same,
			"tags_kept", (json_int_t)tags_kept,
			"tags_left_out", (json_int_t)res.tags_left_out);

		cli_json_print(o, 0);
	} else {
		printf("%s\n", vlt_oid_hex(&res.tip));
		if (!quiet) {
			fprintf(stderr, "imported %" PRIu64 " new commits into %s "
				"(%" PRIu64 " new blobs, %s)", st.commits_new,
				ref.data, st.blobs_new, print_human_size(st.bytes));
			if (st.lfs_files || st.lfs_missing)
				fprintf(stderr, ", %" PRIu64 " LFS files, %" PRIu64
					" LFS objects missing", st.lfs_files,
					st.lfs_missing);
			fputc('\n', stderr);
			if (res.ntags || res.tags_left_out) {
				fprintf(stderr, "tags: %zu new (%zu annotated)",
					tags_new, tags_annotated);
				if (tags_same)
					fprintf(stderr, ", %zu already there",
						tags_same);
				if (tags_kept)
					fprintf(stderr, ", %zu left as they were",
						tags_kept);
				if (res.tags_left_out)
					fprintf(stderr, ", %zu of commits not "
						"imported left out",
						res.tags_left_out);
				fputc('\n', stderr);
			}
		}
	}
	vlt_git_import_result_release(&res);
	vlt_buf_release(&ref);
	vlt_buf_release(&msg);
	vlt_repo_free(r);
	return 0;
}
