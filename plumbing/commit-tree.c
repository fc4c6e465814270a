/*
 * vault-commit-tree - create a snapshot object from a tree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "error.h"
#include "fsutil.h"
#include "odb.h"
#include "revparse.h"
#include "tree.h"

static const char usage[] =
"usage: vault-commit-tree TREE [-p PARENT]... (-m MSG | -F FILE) [--meta KEY=VALUE]...\n"
"\n"
"Writes a snapshot of TREE and prints its id. Nothing moves a ref: use\n"
"vault-update-ref for that. Author and time come from $VAULT_AUTHOR_NAME,\n"
"$VAULT_AUTHOR_EMAIL and $VAULT_AUTHOR_DATE (unix seconds) when set.\n"
"\n"
"    -p PARENT        a parent snapshot (repeatable)\n"
"    -m MSG           the message (repeatable: paragraphs)\n"
"    -F FILE          read the message from FILE (- for stdin)\n"
"    --meta KEY=VAL   a metadata entry (repeatable)\n";

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "meta", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vlt_snapshot s;
	struct vlt_buf msg = VLT_BUF_INIT, enc = VLT_BUF_INIT;
	struct vlt_repo *r;
	struct vlt_oid oid;
	char **parents = NULL, **metas = NULL;
	int nparents = 0, nmetas = 0, have_msg = 0, c;

	cli_init(argv[0]);
	parents = calloc((size_t)argc, sizeof(*parents));
	metas = calloc((size_t)argc, sizeof(*metas));
	if (!parents || !metas)
		die("out of memory");
	while ((c = cli_getopt(argc, argv, "p:m:F:", opts, usage)) != -1) {
		switch (c) {
		case 'p': parents[nparents++] = optarg; break;
		case 'M': metas[nmetas++] = optarg; break;
		case 'm':
			if (msg.len)
				vlt_buf_adds(&msg, "\n");
			vlt_buf_addf(&msg, "%s\n", optarg);
			have_msg = 1;
			break;
		case 'F': {
			struct vlt_buf f = VLT_BUF_INIT;

			if (!strcmp(optarg, "-")) {
				size_t got;

				do {
					vlt_buf_grow(&f, 65536);
					if (vlt_read_upto(0, f.data + f.len, 65536, &got,
							  "stdin") < 0)
						die("%s", vlt_error_last());
					vlt_buf_setlen(&f, f.len + got);
				} while (got == 65536);
			} else if (vlt_read_file(optarg, &f) < 0) {
				die("%s", vlt_error_last());
			}
			vlt_buf_add(&msg, f.data, f.len);
			vlt_buf_release(&f);
			have_msg = 1;
			break;
		}
		}
	}
	if (argc - optind != 1)
		usage_error(usage, "need exactly one TREE");
	if (!have_msg)
		usage_error(usage, "need a message (-m or -F)");
	r = cli_open_repo();
	vlt_snapshot_init(&s);
	if (vlt_rev_parse(r, argv[optind], &oid) < 0 ||
	    vlt_rev_peel_tree(r, &oid, &s.tree) < 0)
		die("%s", vlt_error_last());
	for (int i = 0; i < nparents; i++) {
		enum vlt_obj_kind kind;

		if (vlt_rev_parse(r, parents[i], &oid) < 0 ||
		    vlt_odb_info(r, &oid, &kind, NULL) < 0)
			die("%s", vlt_error_last());
		if (kind != VLT_OBJ_SNAPSHOT)
			die("parent %s is not a snapshot", parents[i]);
		vlt_snapshot_add_parent(&s, &oid);
	}
	for (int i = 0; i < nmetas; i++) {
		char *eq = strchr(metas[i], '=');

		if (!eq)
			usage_error(usage, "--meta needs KEY=VALUE");
		*eq = '\0';
		if (vlt_snapshot_add_meta(&s, metas[i], eq + 1) < 0)
			die("%s", vlt_error_last());
	}
	s.message = vlt_buf_detach(&msg, NULL);
	if (vlt_snapshot_set_defaults(&s) < 0 ||
	    vlt_snapshot_encode(&s, &enc) < 0 ||
	    vlt_odb_write(r, VLT_OBJ_SNAPSHOT, enc.data, enc.len, &oid) < 0 ||
	    vlt_odb_flush(r) < 0)
		die("%s", vlt_error_last());
	printf("%s\n", vlt_oid_hex(&oid));
	vlt_snapshot_release(&s);
	vlt_buf_release(&enc);
	free(parents);
	free(metas);
	vlt_repo_free(r);
	return 0;
}
