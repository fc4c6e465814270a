/*
 * vault-unlock - list the repository's locks; remove stale ones on request.
 *
 * A lock left by a killed process is never broken by the library; this is
 * where a person removes it. --remove-stale only touches locks whose holder
 * provably is gone (this host, pid not running); --all removes every lock.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "error.h"
#include "lock.h"

static const char usage[] =
"usage: vault-unlock [--remove-stale | --all] [-q]\n"
"\n"
"Lists the repository's locks on stdout, one per line:\n"
"    KEY PID HOST AGE STATE WHAT\n"
"AGE is in seconds (\"42s\"); STATE is live (holder running on this host),\n"
"stale (holder was on this host and is gone), unknown (held from another\n"
"host: cannot be checked) or corrupt (unreadable content).\n"
"Stale locks are also taken over by the next command that needs them and\n"
"removed by gc and fsck, so this is mostly for locks of other hosts.\n"
"\n"
"    --remove-stale  remove stale locks (nothing else)\n"
"    --all           remove every lock, live ones too: only when no vault\n"
"                    process of any host uses the repository\n"
"    -q, --quiet     do not report removals on stderr\n";

enum mode { LIST, REMOVE_STALE, REMOVE_ALL };

struct ctx {
	struct vlt_repo *r;
	enum mode mode;
	int quiet;
	int failed;
};

static int same_holder(const struct vlt_lock_info *a,
		       const struct vlt_lock_info *b)
{
	return a->pid == b->pid && a->time == b->time &&
	       !strcmp(a->host, b->host);
}

static void remove_lock(struct ctx *c, const char *key,
			const struct vlt_lock_info *info)
{
	struct vlt_lock_info now;
	int err;

	/* Narrow the window in which the key could have been released and
	 * taken again by someone live: it must still hold what we judged. */
	if (info) {
		err = vlt_lock_read(c->r, key, &now);
		if (err == VLT_E_NOTFOUND)
			return;
		if (err == 0 && !same_holder(info, &now)) {
			warning("%s changed hands; left alone", key);
			return;
		}
	}
	err = vlt_unlock_key(c->r, key);
	if (err == VLT_E_NOTFOUND)
		return;
	if (err < 0) {
		error("cannot remove %s: %s", key, vlt_error_last());
		c->failed = 1;
	} else if (!c->quiet) {
		fprintf(stderr, "removed %s\n", key);
	}
}

static int show(const char *key, const struct vlt_lock_info *info,
		void *data)
{
	struct ctx *c = data;
	const char *state = info ? vlt_lock_state(info) : "corrupt";

	if (info) {
		long long age = (long long)time(NULL) - (long long)info->time;

		printf("%s %ld %s %llds %s %s\n", key, info->pid, info->host,
		       age < 0 ? 0 : age, state,
		       info->what[0] ? info->what : "-");
	} else {
		printf("%s - - - %s -\n", key, state);
	}
	if (c->mode == REMOVE_ALL ||
	    (c->mode == REMOVE_STALE && !strcmp(state, "stale")))
		remove_lock(c, key, info);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "remove-stale", no_argument, NULL, 'S' },
		{ "all", no_argument, NULL, 'A' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctx c = { NULL, LIST, 0, 0 };
	int opt;

	cli_init(argv[0]);
	while ((opt = cli_getopt(argc, argv, "q", opts, usage)) != -1) {
		switch (opt) {
		case 'S':
			if (c.mode == LIST)
				c.mode = REMOVE_STALE;
			break;
		case 'A': c.mode = REMOVE_ALL; break;
		case 'q': c.quiet = 1; break;
		}
	}
	if (optind != argc)
		usage_error(usage, "no arguments expected");
	c.r = cli_open_repo();
	if (vlt_lock_for_each(c.r, show, &c) < 0)
		die("cannot list locks: %s", vlt_error_last());
	if (fflush(stdout) != 0)
		die("cannot write to stdout");
	vlt_repo_free(c.r);
	return c.failed ? VLT_EXIT_FATAL : VLT_EXIT_OK;
}
