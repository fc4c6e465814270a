/*
 * vault check-ignore - why a backup leaves a path out (git check-ignore).
 *
 * Each path is answered with the rules a backup of the project folder
 * would use: the .vaultignore files of its directories, the built-in
 * engine rules of the projects it is in, the built-in defaults and any
 * --exclude. The matching is lib/ignore.c's, the one the backup walks with.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "error.h"
#include "fsutil.h"
#include "ignore.h"
#include "print.h"
#include "repo.h"

static const char usage[] =
"usage: vault check-ignore [-v] [-n] [-q] [-z] [--exclude PATTERN]...\n"
"                          [--no-default-ignores] PATH...\n"
"   or: vault check-ignore [options] --stdin\n"
"\n"
"For each PATH (relative to the current directory; it need not exist)\n"
"that a backup of the project folder leaves out, prints the PATH. The\n"
"rules are those of the backup: .vaultignore files, the built-in rules of\n"
"the Unity, Unreal, Godot and npm projects the path is in, the built-in\n"
"defaults and --exclude (see Documentation/vaultignore.md). A path inside\n"
"a left-out directory is left out by that directory's rule.\n"
"\n"
"    -v, --verbose          print the deciding rule before each path:\n"
"                           SOURCE:LINE:PATTERN<TAB>PATH (SOURCE is a\n"
"                           .vaultignore, <built-in>, <built-in: unity>...\n"
"                           or <exclude>); a '!' rule that keeps the path\n"
"                           is printed too\n"
"    -n, --non-matching     with -v, also paths no rule matched, as\n"
"                           ::<TAB>PATH\n"
"    -q, --quiet            print nothing; only the exit status\n"
"    --stdin                read the paths from standard input, one a line\n"
"                           (NUL-separated with -z)\n"
"    -z                     NUL-terminated output (with -v: SOURCE, LINE,\n"
"                           PATTERN and PATH each followed by NUL)\n"
"    --exclude PATTERN      an extra rule, as for backup (repeatable)\n"
"    --no-default-ignores   without the built-in rules, as for backup\n"
"\n"
"Exit status: 0 if some path is left out, 1 if none is, 128 on error.\n";

static int verbose, non_matching, quiet, nul;
static struct vlt_buf out = VLT_BUF_INIT;

static void add_path(const char *path)
{
	if (nul)
		vlt_buf_adds(&out, path);
	else
		print_quote_name(&out, path);
}

/* 1 if path is left out, 0 if not. */
static int check_one(struct vlt_ignore *ig, int rootfd, const char *root,
		     const char *path)
{
	struct vlt_buf rel = VLT_BUF_INIT;
	struct vlt_ignore_why why;
	struct stat st;
	const char *r;
	int below, ignored, is_dir;

	if (!*path)
		die("empty path");
	below = vlt_path_below(root, path, &rel);
	if (below < 0)
		die("%s: %s", path, vlt_error_last());
	if (!below)
		die("%s: is outside the project folder %s", path, root);
	r = rel.data ? rel.data : "";
	/* the project folder itself is never left out; nor is a repository
	 * folder, which a backup never stores at all */
	is_dir = fstatat(rootfd, *r ? r : ".", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		 S_ISDIR(st.st_mode);
	if (*r && vlt_ignore_load_path(ig, rootfd, r) < 0)
		error("%s: some rules could not be read: %s", path,
		      vlt_error_last());
	ignored = *r ? vlt_ignore_check(ig, r, is_dir, &why) : 0;
	if (ignored < 0)
		die("%s: %s", path, vlt_error_last());
	if (!*r)
		memset(&why, 0, sizeof(why));
	vlt_buf_release(&rel);

	if (quiet)
		return ignored;
	if (verbose && (why.source || non_matching)) {
		if (why.source)
			vlt_buf_addf(&out, "%s%c%u%c%s%c", why.source,
				     nul ? '\0' : ':', why.line, nul ? '\0' : ':',
				     why.pattern, nul ? '\0' : '\t');
		else if (nul)
			vlt_buf_add(&out, "\0\0\0", 3);
		else
			vlt_buf_adds(&out, "::\t");
		add_path(path);
		vlt_buf_addch(&out, nul ? '\0' : '\n');
	} else if (ignored) {
		add_path(path);
		vlt_buf_addch(&out, nul ? '\0' : '\n');
	}
	/* answers appear as they are given: scripts may talk to --stdin */
	cli_write_stdout(out.data, out.len);
	vlt_buf_reset(&out);
	return ignored;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ "non-matching", no_argument, NULL, 'n' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "stdin", no_argument, NULL, 'S' },
		{ "exclude", required_argument, NULL, 'x' },
		{ "no-default-ignores", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vlt_ignore *ig;
	struct vlt_repo *r;
	const char **excludes;
	char *root;
	int c, use_stdin = 0, defaults = 1, nex = 0, any = 0, rootfd;

	cli_init("vault-check-ignore");
	excludes = calloc((size_t)argc + 1, sizeof(*excludes));
	if (!excludes)
		die("out of memory");
	while ((c = cli_getopt(argc, argv, "vnqz", opts, usage)) != -1) {
		switch (c) {
		case 'v': verbose = 1; break;
		case 'n': non_matching = 1; break;
		case 'q': quiet = 1; break;
		case 'z': nul = 1; break;
		case 'S': use_stdin = 1; break;
		case 'x': excludes[nex++] = optarg; break;
		case 'D': defaults = 0; break;
		}
	}
	if (non_matching && !verbose)
		usage_error(usage, "--non-matching is only valid with --verbose");
	if (quiet && verbose)
		usage_error(usage, "cannot have both --quiet and --verbose");
	if (use_stdin && optind < argc)
		usage_error(usage, "cannot have both --stdin and PATH arguments");
	if (!use_stdin && optind == argc)
		usage_error(usage, "no path given");

	r = cli_open_repo();
	if (!vlt_repo_worktree(r))
		die("this repository has no project folder (it is bare): "
		    "nothing to check paths against");
	if (!(root = realpath(vlt_repo_worktree(r), NULL)))
		die("cannot open the project folder %s: %s",
		    vlt_repo_worktree(r), strerror(errno));
	rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		die("cannot open the project folder %s: %s", root, strerror(errno));
	if (vlt_ignore_new(defaults, &ig) < 0)
		die("cannot set up the rules: %s", vlt_error_last());
	for (int i = 0; i < nex; i++)
		if (vlt_ignore_add_pattern(ig, excludes[i]) < 0)
			die("--exclude: %s", vlt_error_last());

	if (use_stdin) {
		char *line = NULL;
		size_t cap = 0;
		ssize_t n;

		while ((n = getdelim(&line, &cap, nul ? '\0' : '\n', stdin)) > 0) {
			if (!nul && line[n - 1] == '\n')
				line[--n] = '\0';
			if (!nul && n && line[n - 1] == '\r')
				line[--n] = '\0';
			if (!n)
				continue;
			any |= check_one(ig, rootfd, root, line);
		}
		if (ferror(stdin))
			die("reading standard input: %s", strerror(errno));
		free(line);
	} else {
		for (int i = optind; i < argc; i++)
			any |= check_one(ig, rootfd, root, argv[i]);
	}
	vlt_ignore_free(ig);
	vlt_buf_release(&out);
	close(rootfd);
	free(root);
	free(excludes);
	vlt_repo_free(r);
	return any ? VLT_EXIT_OK : VLT_EXIT_NO;
}
