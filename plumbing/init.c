/*
 * vault-init - create a repository.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chunker.h"
#include "cli.h"
#include "error.h"
#include "repo.h"

static const char usage[] =
"usage: vault-init [--bare] [--repo PATH] [-q] [DIR]\n"
"                  [--chunker fixed|fastcdc] [--min N] [--avg N] [--max N]\n"
"                  [--compression zstd|zlib|none] [--level N] [--pack-size N]\n"
"                  [--shared[=group|private]]\n"
"\n"
"Creates DIR/.vault (DIR defaults to the current folder), or a bare\n"
"repository at PATH with --repo PATH, or at DIR with --bare. $VAULT_DIR,\n"
"as set by `vault --repo PATH init`, also names a bare repository.\n"
"\n"
"    --bare               DIR is the repository itself\n"
"    --repo PATH          create a bare repository at PATH\n"
"    --chunker ALGO       fastcdc (default) or fixed\n"
"    --min/--avg/--max N  chunk sizes (k/M/G suffixes)\n"
"    --compression ALGO   zstd (default), zlib or none\n"
"    --level N            compression level\n"
"    --pack-size N        target pack size (default 32M)\n"
"    --shared[=group]     let the repository folder's group read it\n"
"                         (core.sharedRepository = group: files 0440,\n"
"                         folders 02750, whatever the umask); without it\n"
"                         the repository is private to you (files 0400,\n"
"                         folders 0700)\n"
"    -q, --quiet          print nothing\n";

static uint32_t chunk_size(const char *arg, const char *what)
{
	unsigned long long v = cli_parse_size(arg, usage, what);

	if (v > VLT_CHUNK_SIZE_MAX)
		usage_error(usage, "%s: %s is larger than 1G", what, arg);
	return (uint32_t)v;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "bare", no_argument, NULL, 'b' },
		{ "repo", required_argument, NULL, 'r' },
		{ "chunker", required_argument, NULL, 'c' },
		{ "min", required_argument, NULL, '1' },
		{ "avg", required_argument, NULL, '2' },
		{ "max", required_argument, NULL, '3' },
		{ "compression", required_argument, NULL, 'z' },
		{ "level", required_argument, NULL, 'l' },
		{ "pack-size", required_argument, NULL, 'p' },
		{ "shared", optional_argument, NULL, 's' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vlt_init_opts o;
	struct vlt_repo *r = NULL;
	const char *repo = NULL, *dir = ".";
	int quiet = 0, c, level_set = 0;
	uint32_t min = 0, avg = 0, max = 0;

	cli_init(argv[0]);
	vlt_init_opts_default(&o);
	while ((c = cli_getopt(argc, argv, "qh", opts, usage)) != -1) {
		switch (c) {
		case 'b': o.bare = 1; break;
		case 'r': repo = optarg; break;
		case 'c':
			if (vlt_chunker_algo_parse(optarg, &o.chunking.algo) < 0)
				usage_error(usage, "%s", vlt_error_last());
			break;
		case '1': min = chunk_size(optarg, "--min"); break;
		case '2': avg = chunk_size(optarg, "--avg"); break;
		case '3': max = chunk_size(optarg, "--max"); break;
		case 'z':
			if (vlt_codec_parse(optarg, &o.codec) < 0)
				usage_error(usage, "%s", vlt_error_last());
			break;
		case 'l': {
			char *end;

			o.level = (int)strtol(optarg, &end, 10);
			if (!*optarg || *end)
				usage_error(usage, "--level needs a number");
			level_set = 1;
			break;
		}
		case 'p': o.pack_target = cli_parse_size(optarg, usage,
							 "--pack-size"); break;
		case 's':
			if (vlt_repo_shared_parse(optarg ? optarg : "group",
						  &o.shared_group) < 0)
				usage_error(usage, "--shared=%s: use group or "
					    "private", optarg);
			break;
		case 'q': quiet = 1; break;
		}
	}
	if (argc - optind > 1)
		usage_error(usage, "too many arguments");
	if (optind < argc)
		dir = argv[optind];
	if (!repo && !o.bare && optind == argc && getenv("VAULT_DIR") &&
	    *getenv("VAULT_DIR"))
		repo = getenv("VAULT_DIR");
	if (repo) {
		if (optind < argc)
			usage_error(usage, "give either --repo or DIR");
		dir = repo;
		o.bare = 1;
	}
	{
		/* --avg alone scales min/max as FastCDC's usual 1/4 and 4x */
		struct vlt_chunker_params def = o.chunking;

		vlt_chunker_params_default(&def, o.chunking.algo);
		o.chunking = def;
		if (avg) {
			o.chunking.avg = avg;
			o.chunking.min = avg / 4;
			o.chunking.max = avg * 4;
		}
		if (min)
			o.chunking.min = min;
		if (max)
			o.chunking.max = max;
	}
	{
		struct vlt_chunker ch;

		if (vlt_chunker_init(&ch, &o.chunking) < 0)
			usage_error(usage, "%s", vlt_error_last());
	}
	if (!level_set)
		o.level = o.codec == VLT_CODEC_ZLIB ? 6 : 1;
	{
		struct vlt_compressor cz;
		int bad = vlt_compressor_init(&cz, o.codec, o.level) < 0;

		vlt_compressor_release(&cz);
		if (bad)
			usage_error(usage, "%s", vlt_error_last());
	}
	if (o.pack_target < 4096 || o.pack_target > (1ull << 30))
		usage_error(usage, "--pack-size must be between 4k and 1G");
	if (vlt_repo_init(dir, &o, &r) < 0)
		die("%s", vlt_error_last());
	if (!quiet)
		printf("Initialized empty vault repository in %s/\n",
		       vlt_repo_path(r));
	vlt_repo_free(r);
	return 0;
}
