/*
 * delta.c - vault-delta: make a binary delta of one version of a file
 * against another, and rebuild the version from the delta (lib/delta.h).
 *
 * Inputs are files on disk (mapped, not read) or, when no such file
 * exists and a repository is found, REV:path versions from it. The
 * output is written to a temporary file, fsynced and renamed into place,
 * so a failed run leaves nothing at -o. See Documentation/vault-delta.md.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "cli.h"
#include "delta.h"
#include "error.h"
#include "fileobj.h"
#include "fsutil.h"
#include "json.h"
#include "repo.h"
#include "revparse.h"

static const char usage_str[] =
	"usage: vault-delta create [--level N] [--max-size SIZE] [--stats] [--json]\n"
	"                          BASE NEW -o DELTA\n"
	"   or: vault-delta apply [--max-size SIZE] [--stats] [--json]\n"
	"                          BASE DELTA -o OUT\n"
	"\n"
	"    -o, --output FILE   where to write the delta (create) or the rebuilt file (apply)\n"
	"    --level N           zstd level 1..19 (default 3); higher: smaller, far slower\n"
	"    --max-size SIZE     largest BASE and NEW held for the delta (default 256M);\n"
	"                        suffixes k, M, G\n"
	"    --stats             print sizes and time to standard output\n"
	"    --json              print the stats as one JSON object\n"
	"    -h, --help          show this help\n"
	"\n"
	"BASE and NEW are files, or REV:path versions of the repository when no\n"
	"such file exists. apply refuses a damaged delta or one made against\n"
	"another base (exit 128, with the reason).\n";

enum {
	OPT_LEVEL = 256,
	OPT_MAX,
	OPT_STATS,
	OPT_JSON,
};

static const struct option longopts[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "level", required_argument, NULL, OPT_LEVEL },
	{ "max-size", required_argument, NULL, OPT_MAX },
	{ "stats", no_argument, NULL, OPT_STATS },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* The repository REV:path inputs come from, opened at the first one. */
static struct vlt_repo *repo;

/* One input: a mapped file, or a version read from the repository. */
struct input {
	struct vlt_delta_map map;
	struct vlt_buf buf;
	const void *data;
	size_t len;
};

static void input_load(struct input *in, const char *arg, uint64_t max)
{
	struct stat st;

	memset(in, 0, sizeof(*in));
	vlt_buf_init(&in->buf);
	if (!max)
		max = VLT_DELTA_MAX_DEFAULT;
	if (stat(arg, &st) == 0 || !strchr(arg, ':')) {
		if (vlt_delta_map_file(arg, max, &in->map) < 0)
			die("%s", vlt_error_last());
		in->data = in->map.data;
		in->len = in->map.len;
	} else {
		struct vlt_oid oid;

		if (!repo)
			repo = cli_try_open_repo();
		if (!repo)
			die("cannot open %s: no such file, and no repository "
			    "to read it from as REV:path", arg);
		if (vlt_rev_parse(repo, arg, &oid) < 0)
			die("%s: %s", arg, vlt_error_last());
		if (vlt_file_object_read(repo, &oid, max, &in->buf) < 0)
			die("%s: %s", arg, vlt_error_last());
		in->data = in->buf.data;
		in->len = in->buf.len;
	}
}

static void input_release(struct input *in)
{
	vlt_delta_unmap(&in->map);
	vlt_buf_release(&in->buf);
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	       (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void print_stats(int json, const char *verb, size_t base, size_t newlen,
			size_t delta, double secs)
{
	double pct = newlen ? 100.0 * (double)delta / (double)newlen : 0.0;

	if (json) {
		json_t *o = cli_json_object();

		cli_json_set(o, "command", json_string(verb));
		cli_json_set(o, "base_bytes", json_integer((json_int_t)base));
		cli_json_set(o, "new_bytes", json_integer((json_int_t)newlen));
		cli_json_set(o, "delta_bytes", json_integer((json_int_t)delta));
		cli_json_set(o, "seconds", json_real(secs));
		cli_json_print(o, CLI_JSON_PRECISION(6));
		return;
	}
	printf("base:  %zu bytes\n", base);
	printf("new:   %zu bytes\n", newlen);
	printf("delta: %zu bytes (%.2f%% of new)\n", delta, pct);
	printf("time:  %.3f s\n", secs);
	cli_flush_stdout();
}

static void write_output(const char *path, const struct vlt_buf *b)
{
	if (!strcmp(path, "-")) {
		cli_write_stdout(b->data, b->len);
		return;
	}
	if (vlt_write_file_atomic(path, b->data, b->len, 0666, 0) < 0)
		die("cannot write %s: %s", path, vlt_error_last());
}

int main(int argc, char **argv)
{
	struct vlt_delta_opts opts = { 0 };
	struct vlt_buf out = VLT_BUF_INIT;
	struct input base, second;
	struct timespec t0;
	const char *output = NULL, *verb;
	int opt, stats = 0, json = 0, create;

	cli_init("vault-delta");
	while ((opt = cli_getopt(argc, argv, "o:", longopts, usage_str)) != -1) {
		switch (opt) {
		case 'o':
			output = optarg;
			break;
		case OPT_LEVEL: {
			char *end;
			long v;

			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || v < 1 || v > 19)
				usage_error(usage_str, "--level %s is not a level "
					    "in 1..19", optarg);
			opts.level = (int)v;
			break;
		}
		case OPT_MAX:
			opts.max = cli_parse_size(optarg, usage_str,
						  "--max-size");
			if (!opts.max)
				usage_error(usage_str, "--max-size must be more "
					    "than 0");
			break;
		case OPT_STATS:
			stats = 1;
			break;
		case OPT_JSON:
			stats = json = 1;
			break;
		default:
			usage_error(usage_str, "unexpected option");
		}
	}
	if (optind == argc)
		usage_error(usage_str, "no subcommand given");
	verb = argv[optind++];
	if (strcmp(verb, "create") && strcmp(verb, "apply"))
		usage_error(usage_str, "unknown subcommand '%s'", verb);
	create = !strcmp(verb, "create");
	if (opts.level && !create)
		usage_error(usage_str, "--level is for create");
	if (argc - optind != 2)
		usage_error(usage_str, "%s takes two files", verb);
	if (!output)
		usage_error(usage_str, "no output given (-o)");
	if (stats && !strcmp(output, "-"))
		usage_error(usage_str, "--stats and --json need -o FILE");

	input_load(&base, argv[optind], opts.max);
	input_load(&second, argv[optind + 1], opts.max);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (create) {
		if (vlt_delta_create(base.data, base.len, second.data,
				     second.len, &opts, &out) < 0)
			die("cannot make a delta of %s against %s: %s",
			    argv[optind + 1], argv[optind], vlt_error_last());
	} else if (vlt_delta_apply(base.data, base.len, second.data,
				   second.len, opts.max, &out) < 0) {
		die("cannot apply %s to %s: %s", argv[optind + 1],
		    argv[optind], vlt_error_last());
	}
	write_output(output, &out);
	if (stats)
		print_stats(json, verb, base.len,
			    create ? second.len : out.len,
			    create ? out.len : second.len,
			    seconds_since(&t0));
	input_release(&base);
	input_release(&second);
	vlt_buf_release(&out);
	if (repo)
		vlt_repo_free(repo);
	cli_flush_stdout();
	return VLT_EXIT_OK;
}
