/*
 * chunk.c - vault-chunk: print where a file would be cut into chunks.
 *
 * One record per chunk: "OFFSET LENGTH ID", plus the path as a fourth
 * column when several files are given or paths come from --stdin. ID is
 * the id the chunk object would have in the repository (its id function;
 * plain SHA-256 outside a repository). Sizes and algorithm default to the
 * repository's [chunker] config, else to the library defaults. The files
 * are streamed through vlt_chunk_reader, so memory stays at a few times
 * the maximum chunk size whatever the file size. With --explain (and
 * always in --json) each chunk also says what made its cut: the asset
 * chunker's structure ("riff:data", "zip:entry a.png"), or the algorithm.
 * See Documentation/vault-chunk.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "chunker.h"
#include "cli.h"
#include "json.h"
#include "error.h"
#include "hash.h"
#include "object.h"
#include "repo.h"

static const char usage_str[] =
	"usage: vault-chunk [--algo fixed|fastcdc|asset] [--min N] [--avg N] [--max N]\n"
	"                   [--explain] [-z] [--json] [--stdin] [FILE...]\n"
	"\n"
	"    --algo ALGO       fixed, fastcdc or asset (cuts at the structure of\n"
	"                      WAV, PNG, GLB, ZIP, DDS, KTX2, OBJ; FastCDC inside)\n"
	"                      (default: the repository's, else fastcdc)\n"
	"    --min N           smallest chunk (FastCDC); suffixes k, M, G\n"
	"    --avg N           target chunk size; the block size for fixed\n"
	"                      (alone, it sets --min to N/4 and --max to N*4)\n"
	"    --max N           largest chunk (FastCDC)\n"
	"    --explain         add a last column: what made the cut (\"riff:data\",\n"
	"                      \"zip:entry a.png\", \"fastcdc in png:IDAT\", \"fastcdc\")\n"
	"    -z                end records with NUL; with --stdin, paths are NUL-separated\n"
	"    --json            print a JSON array of {offset, length, id, path, why}\n"
	"    --stdin           read the paths of the files from standard input\n"
	"    -h, --help        show this help\n"
	"\n"
	"Prints \"OFFSET LENGTH ID\" per chunk, with the path as a fourth column\n"
	"when there is more than one file or --stdin is used. FILE \"-\" is\n"
	"standard input (not with --stdin).\n";

enum {
	OPT_ALGO = 256,
	OPT_MIN,
	OPT_AVG,
	OPT_MAX,
	OPT_JSON,
	OPT_STDIN,
	OPT_EXPLAIN,
};

static const struct option longopts[] = {
	{ "algo", required_argument, NULL, OPT_ALGO },
	{ "min", required_argument, NULL, OPT_MIN },
	{ "avg", required_argument, NULL, OPT_AVG },
	{ "max", required_argument, NULL, OPT_MAX },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "stdin", no_argument, NULL, OPT_STDIN },
	{ "explain", no_argument, NULL, OPT_EXPLAIN },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

struct output {
	int nul;          /* -z */
	int json;         /* --json */
	int with_path;    /* fourth column */
	int explain;      /* --explain: what made each cut, last column */
	int nr_json;      /* JSON elements printed so far */
};

/*
 * JSON is streamed one element at a time (each one encoded by jansson) so
 * that memory does not grow with the number of chunks; only the array's
 * brackets and separators are written here.
 */
static void print_json(struct output *out, uint64_t offset, size_t len,
		       const char *hex, const char *path, const char *why)
{
	json_t *o = json_pack("{s:I, s:I, s:s, s:s, s:s}",
			      "offset", (json_int_t)offset,
			      "length", (json_int_t)len,
			      "id", hex, "path", path, "why", why);

	if (!o)
		die("cannot encode JSON for '%s' (invalid UTF-8 in path?)",
		    path);
	fputs(out->nr_json++ ? ",\n  " : "[\n  ", stdout);
	cli_json_print(o, CLI_JSON_COMPACT | CLI_JSON_ELEMENT);
}

static void print_chunk(struct output *out, uint64_t offset, size_t len,
			const char *hex, const char *path, const char *why)
{
	if (out->json) {
		print_json(out, offset, len, hex, path, why);
		return;
	}
	printf("%" PRIu64 " %zu %s", offset, len, hex);
	if (out->with_path)
		printf(" %s", path);
	if (out->explain)
		printf(" %s", why);
	putchar(out->nul ? '\0' : '\n');
}

/* path "-" is standard input when dash_is_stdin. */
static void chunk_file(const struct vlt_chunker *c, const struct vlt_idfn *fn,
		       const char *path, int dash_is_stdin, struct output *out)
{
	struct vlt_chunk_reader r;
	const unsigned char *data;
	struct vlt_oid oid;
	char hex[VLT_OID_HEXSZ + 1];
	size_t len;
	int fd = 0;

	if ((!dash_is_stdin || strcmp(path, "-")) &&
	    (fd = open(path, O_RDONLY)) < 0)
		die("cannot open '%s': %s", path, strerror(errno));
	if (vlt_chunk_reader_init(&r, c, fd) < 0)
		die("'%s': %s", path, vlt_error_last());
	for (;;) {
		if (vlt_chunk_reader_next(&r, &data, &len) < 0)
			die("'%s': %s", path, vlt_error_last());
		if (!len)
			break;
		if (vlt_object_id(fn, VLT_OBJ_CHUNK, data, len, &oid) < 0)
			die("'%s': %s", path, vlt_error_last());
		print_chunk(out, r.offset - len, len, vlt_oid_to_hex(&oid, hex),
			    path, r.why);
	}
	vlt_chunk_reader_release(&r);
	if (fd > 0 && close(fd) < 0)
		die("close '%s': %s", path, strerror(errno));
}

static uint32_t size_arg(const char *s, const char *what)
{
	unsigned long long v = cli_parse_size(s, usage_str, what);

	if (v > UINT32_MAX)
		usage_error(usage_str, "%s %s is too large", what, s);
	return (uint32_t)v;
}

int main(int argc, char **argv)
{
	struct vlt_chunker_params p;
	struct vlt_chunker c;
	struct vlt_idfn fn;
	struct vlt_repo *repo;
	struct output out = { 0 };
	const char *algo = NULL;
	uint32_t min = 0, avg = 0, max = 0;
	int opt, from_stdin = 0, i;

	cli_init("vault-chunk");
	while ((opt = cli_getopt(argc, argv, "z", longopts, usage_str)) != -1) {
		switch (opt) {
		case OPT_ALGO:
			algo = optarg;
			break;
		case OPT_MIN:
			min = size_arg(optarg, "--min");
			break;
		case OPT_AVG:
			avg = size_arg(optarg, "--avg");
			break;
		case OPT_MAX:
			max = size_arg(optarg, "--max");
			break;
		case 'z':
			out.nul = 1;
			break;
		case OPT_JSON:
			out.json = 1;
			break;
		case OPT_STDIN:
			from_stdin = 1;
			break;
		case OPT_EXPLAIN:
			out.explain = 1;
			break;
		default:
			usage_error(usage_str, "unexpected option");
		}
	}
	if (optind == argc && !from_stdin)
		usage_error(usage_str, "no file given");
	for (i = optind; from_stdin && i < argc; i++)
		if (!strcmp(argv[i], "-"))
			usage_error(usage_str, "'-' cannot be used with --stdin");

	/* Defaults: the repository's config, else the library's. */
	repo = cli_try_open_repo();
	if (repo) {
		fn = *vlt_repo_idfn(repo);
		p = *vlt_repo_chunking(repo);
	} else {
		if (vlt_idfn_parse(&fn, "sha256") < 0)
			die("sha256: %s", vlt_error_last());
		vlt_chunker_params_default(&p, VLT_CHUNKER_FASTCDC);
	}
	if (algo) {
		enum vlt_chunker_algo a;

		if (vlt_chunker_algo_parse(algo, &a) < 0)
			usage_error(usage_str, "%s", vlt_error_last());
		/* asset and fastcdc share min/avg/max: keep the repository's */
		if (a != p.algo && (a == VLT_CHUNKER_FIXED ||
				    p.algo == VLT_CHUNKER_FIXED))
			vlt_chunker_params_default(&p, a);
		p.algo = a;
	}
	if (avg) {
		p.avg = avg;
		if (p.algo == VLT_CHUNKER_FIXED) {
			p.min = p.max = avg;
		} else if (!min && !max) {
			uint64_t hi = (uint64_t)avg * 4;

			p.min = avg / 4;
			p.max = hi > VLT_CHUNK_SIZE_MAX ? VLT_CHUNK_SIZE_MAX
							: (uint32_t)hi;
		}
	}
	if (min)
		p.min = min;
	if (max)
		p.max = max;
	if (vlt_chunker_init(&c, &p) < 0)
		usage_error(usage_str, "%s", vlt_error_last());
	if (repo)
		vlt_repo_free(repo);

	out.with_path = from_stdin || argc - optind > 1;
	for (i = optind; i < argc; i++)
		chunk_file(&c, &fn, argv[i], !from_stdin, &out);
	if (from_stdin) {
		char *line = NULL;
		size_t cap = 0;
		ssize_t n;

		while ((n = getdelim(&line, &cap, out.nul ? '\0' : '\n',
				     stdin)) > 0) {
			if (line[n - 1] == (out.nul ? '\0' : '\n'))
				line[--n] = '\0';
			if (n)
				chunk_file(&c, &fn, line, 0, &out);
		}
		if (ferror(stdin))
			die("read error on standard input: %s",
			    strerror(errno));
		free(line);
	}
	if (out.json)
		fputs(out.nr_json ? "\n]\n" : "[]\n", stdout);
	cli_flush_stdout();
	return VLT_EXIT_OK;
}
