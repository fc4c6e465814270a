/*
 * vault-rev-parse - turn revision names into object ids.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "error.h"
#include "odb.h"
#include "refs.h"
#include "revparse.h"

static const char usage[] =
"usage: vault-rev-parse [--verify] [-q] [--short[=N]] [--symbolic-full-name] REV...\n"
"\n"
"Prints the 64-hex id of each REV: an id, a unique prefix (4+ hex), HEAD,\n"
"a ref (main, refs/tags/v1), REV~N, REV^N, REF@{N}, REF@{yesterday},\n"
"REV:path. REF@{DATE} older than the reflog falls back to the snapshots'\n"
"own dates. Exit 0, or 128 with a message for an unknown revision.\n"
"\n"
"    --verify              exactly one REV; it must name an existing object\n"
"    -q, --quiet           with --verify: no message, exit 1 if unknown\n"
"    --short[=N]           print the shortest unique prefix (at least N, 8)\n"
"    --symbolic-full-name  print the full ref name instead (refs only)\n";

static int unique_len(struct vlt_repo *r, const struct vlt_oid *oid, int min)
{
	const char *hex = vlt_oid_hex(oid);

	for (int n = min; n < VLT_OID_HEXSZ; n++) {
		char pre[VLT_OID_HEXSZ + 1];
		struct vlt_oid got;

		memcpy(pre, hex, (size_t)n);
		pre[n] = '\0';
		if (vlt_odb_resolve_prefix(r, pre, &got) == 0)
			return n;
	}
	return VLT_OID_HEXSZ;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "verify", no_argument, NULL, 'V' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "short", optional_argument, NULL, 'S' },
		{ "symbolic-full-name", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vlt_repo *r;
	int verify = 0, quiet = 0, shortlen = 0, symbolic = 0, c, rc = 0;

	cli_init(argv[0]);
	while ((c = cli_getopt(argc, argv, "q", opts, usage)) != -1) {
		switch (c) {
		case 'V': verify = 1; break;
		case 'q': quiet = 1; break;
		case 'S':
			shortlen = optarg ? atoi(optarg) : 8;
			if (shortlen < 4)
				shortlen = 4;
			break;
		case 'F': symbolic = 1; break;
		}
	}
	if (optind == argc)
		usage_error(usage, "need a REV");
	if (verify && argc - optind != 1)
		usage_error(usage, "--verify takes exactly one REV");
	r = cli_open_repo();
	for (int i = optind; i < argc; i++) {
		struct vlt_oid oid;

		if (symbolic) {
			struct vlt_buf full = VLT_BUF_INIT, res = VLT_BUF_INIT;

			if (vlt_ref_dwim(r, argv[i], &full, &oid) < 0 ||
			    vlt_ref_resolve_name(r, full.data, &res) < 0)
				die("%s", vlt_error_last());
			printf("%s\n", res.data);
			vlt_buf_release(&full);
			vlt_buf_release(&res);
			continue;
		}
		if (vlt_rev_parse(r, argv[i], &oid) < 0 ||
		    (verify && vlt_odb_has(r, &oid) != 1 &&
		     vlt_error_set(VLT_E_NOTFOUND, "%s: no such object",
				   argv[i]) < 0)) {
			if (verify && quiet) {
				rc = VLT_EXIT_NO;
				break;
			}
			die("%s", vlt_error_last());
		}
		if (shortlen)
			printf("%.*s\n", unique_len(r, &oid, shortlen),
			       vlt_oid_hex(&oid));
		else
			printf("%s\n", vlt_oid_hex(&oid));
	}
	vlt_repo_free(r);
	return rc;
}
