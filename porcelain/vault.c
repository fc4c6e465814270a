/*
 * vault - the driver: `vault [--repo PATH] COMMAND ARGS` runs vault-COMMAND.
 *
 * Like git, it looks for vault-COMMAND in its exec path (--exec-path,
 * $VAULT_EXEC_PATH, the directory of this binary, the install bindir) and
 * then on $PATH, so users can add their own vault-foo scripts. --repo PATH
 * is passed down as $VAULT_DIR. The child's exit status is passed through.
 * `vault creative ...` and `vault game ...` are the personas' front ends
 * (vault-creative, vault-game in personas/), found the same way.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "exec.h"

static const char usage[] =
"usage: vault [--version] [--help] [--repo PATH] [--exec-path[=DIR]]\n"
"             COMMAND [ARGS]\n"
"\n"
"Start here:\n"
"   init          create a repository (.vault here, or --repo PATH)\n"
"   backup        snapshot the project folder (alias: snapshot)\n"
"   status        what changed in the folder since the last snapshot\n"
"   restore       write a snapshot, or some of its files, into a folder\n"
"\n"
"Look around:\n"
"   log           the history of snapshots (of a path)\n"
"   show          one snapshot and what it changed\n"
"   ls            list a folder of a snapshot\n"
"   cat           print a file of a snapshot\n"
"   diff          what changed between snapshots or the folder\n"
"   stats         sizes, dedup and compression, by file type\n"
"   tag           name a snapshot\n"
"   timeline      every version of one file, with thumbnails (--html)\n"
"   check-ignore  why a backup leaves a path out\n"
"\n"
"Keep it healthy:\n"
"   fsck          check packs, indexes, refs and every reachable object\n"
"   forget        apply a retention policy (keep daily/weekly/...)\n"
"   gc            delete what nothing reaches, beside running backups\n"
"\n"
"Personas (each applies its defaults, then runs its own commands or the\n"
"ones above):\n"
"   creative      for artists: visual diffs of images and models, timelines\n"
"                 with thumbnails (also installed as creative-vault)\n"
"   game          for game teams: chunking for big binary assets (also\n"
"                 installed as gamevault)\n"
"\n"
"Git:\n"
"   export-git    write snapshots as git commits (LFS for big files)\n"
"   import-git    turn git history into snapshots\n"
"\n"
"Plumbing (one thing each, for scripts):\n"
"   hash-object   compute (and with -w store) object ids\n"
"   cat-object    show an object's kind, size or content\n"
"   chunk         print the chunk boundaries of a file\n"
"   write-tree    store a directory, print its tree id\n"
"   ls-tree       list a tree\n"
"   commit-tree   make a snapshot of a tree\n"
"   update-ref    move a ref, compare-and-swap\n"
"   diff-visual   compare two images or 3D models, draw the change\n"
"   rev-parse     turn revision names into ids\n"
"   checkout-tree write a tree into a directory\n"
"   verify-pack   check packs and their indexes\n"
"   unlock        list and remove stale locks\n"
"\n"
"`vault help COMMAND` or `vault COMMAND --help` shows a command's help;\n"
"`vault help -a` lists every vault-* command found.\n";

static void list_commands(void)
{
	const char *dirs[2] = { cli_exec_dir(), VAULT_BINDIR };

	for (int d = 0; d < 2; d++) {
		DIR *dir = opendir(dirs[d]);
		struct dirent *de;

		if (!dir)
			continue;
		printf("commands in %s:\n", dirs[d]);
		while ((de = readdir(dir)) != NULL)
			if (!strncmp(de->d_name, "vault-", 6))
				printf("   %s\n", de->d_name + 6);
		closedir(dir);
		if (!strcmp(dirs[0], dirs[1]))
			break;
	}
}

static void run(const char *cmd, int argc, char **argv)
{
	char name[256];

	if (strchr(cmd, '/'))
		die("'%s' is not a vault command", cmd);
	snprintf(name, sizeof(name), "vault-%s", cli_alias(cmd));
	cli_exec(name, argv, 1);
	if (errno == ENOENT)
		usage_error(usage, "'%s' is not a vault command", cmd);
	die("cannot run %s: %s", name, strerror(errno));
	(void)argc;
}

int main(int argc, char **argv)
{
	const char *override = NULL;
	int i;

	cli_init("vault");
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage_help(usage);
		} else if (!strcmp(a, "--version")) {
			printf("vault %s\nfeatures: %s\n", VAULT_VERSION,
			       VAULT_FEATURES);
			return 0;
		} else if (!strcmp(a, "--repo") || !strcmp(a, "-C")) {
			if (i + 1 >= argc)
				usage_error(usage, "%s needs a PATH", a);
			setenv("VAULT_DIR", argv[++i], 1);
		} else if (!strncmp(a, "--repo=", 7)) {
			setenv("VAULT_DIR", a + 7, 1);
		} else if (!strcmp(a, "--exec-path")) {
			printf("%s\n", cli_exec_dir());
			return 0;
		} else if (!strncmp(a, "--exec-path=", 12)) {
			override = a + 12;
		} else {
			usage_error(usage, "unknown option '%s'", a);
		}
	}
	if (override)
		setenv("VAULT_EXEC_PATH", override, 1);
	setenv("VAULT_EXEC_PATH", cli_exec_dir(), 1);
	if (i >= argc) {
		fputs(usage, stderr);
		return VLT_EXIT_USAGE;
	}
	if (!strcmp(argv[i], "help")) {
		static char help_flag[] = "--help";
		char *args[3];

		if (i + 1 >= argc)
			usage_help(usage);
		if (!strcmp(argv[i + 1], "-a") || !strcmp(argv[i + 1], "--all")) {
			list_commands();
			return 0;
		}
		args[0] = argv[i + 1];
		args[1] = help_flag;
		args[2] = NULL;
		run(argv[i + 1], 2, args);
	}
	run(argv[i], argc - i, argv + i);
	return VLT_EXIT_FATAL;
}
