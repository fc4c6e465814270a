/*
 * vault-verify-pack - check packs and their indexes.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "error.h"
#include "fsutil.h"
#include "odb.h"
#include "pack.h"
#include "seal.h"

static const char usage[] =
"usage: vault-verify-pack [-v] [--no-rehash] (--all | PACK...)\n"
"\n"
"PACK is a path to a .pack or .idx file, or a pack name (or unique prefix)\n"
"of the current repository. Checks the pack's header, every entry, its\n"
"trailer checksum and name, that its index agrees with it, and (unless\n"
"--no-rehash) that every object hashes to its id. Exit 0 when all packs\n"
"are sound, 1 when any is damaged (each problem named on stderr), 128 when\n"
"a pack cannot be read at all.\n"
"\n"
"    --all          every pack of the repository\n"
"    -v, --verbose  list the objects: ID KIND SIZE STORED OFFSET\n"
"    --no-rehash    skip decompressing and re-hashing the objects\n";

static int verbose, rehash = 1;
static struct vlt_idfn idfn;
static struct vlt_sealer sealer;

static int verify_bytes(const char *label, const char *name,
			const struct vlt_buf *pack, const struct vlt_buf *idx)
{
	struct vlt_pack *p = NULL;
	uint32_t n = 0;
	int err = 0;

	if (idx && vlt_pack_open_buf(name, (const unsigned char *)idx->data,
				     idx->len, &p) < 0) {
		error("%s: index: %s", label, vlt_error_last());
		return 1;
	}
	if (vlt_pack_verify((const unsigned char *)pack->data, pack->len, p,
			    &idfn, &sealer, rehash, &n) < 0) {
		error("%s: %s", label, vlt_error_last());
		err = 1;
	} else {
		if (verbose && p) {
			for (uint32_t i = 0; i < p->count; i++) {
				struct vlt_pack_entry e;

				vlt_pack_entry_at(p, i, &e);
				printf("%s %-8s %10u %10u %10u\n", vlt_oid_hex(&e.oid),
				       vlt_obj_kind_name(e.kind), e.raw_len,
				       e.stored_len, e.offset);
			}
		}
		printf("%s: ok (%u objects%s)\n", name, n,
		       idx ? "" : ", no index checked");
	}
	vlt_pack_close(NULL, p);
	return err;
}

static int name_from_path(const char *path, char name[VLT_OID_HEXSZ + 1],
			  struct vlt_buf *base)
{
	const char *slash = strrchr(path, '/'), *b = slash ? slash + 1 : path;
	size_t n = strlen(b);
	size_t stem = n > 5 && !strcmp(b + n - 5, ".pack") ? n - 5 :
		      n > 4 && !strcmp(b + n - 4, ".idx") ? n - 4 : n;

	if (stem != VLT_OID_HEXSZ)
		return -1;
	memcpy(name, b, VLT_OID_HEXSZ);
	name[VLT_OID_HEXSZ] = '\0';
	vlt_buf_reset(base);
	vlt_buf_add(base, path, (size_t)(b - path) + VLT_OID_HEXSZ);
	return 0;
}

static int verify_path(const char *path)
{
	char name[VLT_OID_HEXSZ + 1];
	struct vlt_buf base = VLT_BUF_INIT, pk = VLT_BUF_INIT, ix = VLT_BUF_INIT,
		       tmp = VLT_BUF_INIT;
	int rc, have_idx;

	if (name_from_path(path, name, &base) < 0)
		die("'%s' is not named like a pack (<64 hex>.pack)", path);
	vlt_buf_addf(&tmp, "%s.pack", base.data);
	if (vlt_read_file(tmp.data, &pk) < 0)
		die("%s", vlt_error_last());
	vlt_buf_reset(&tmp);
	vlt_buf_addf(&tmp, "%s.idx", base.data);
	have_idx = vlt_read_file(tmp.data, &ix) == 0;
	rc = verify_bytes(path, name, &pk, have_idx ? &ix : NULL);
	vlt_buf_release(&base);
	vlt_buf_release(&pk);
	vlt_buf_release(&ix);
	vlt_buf_release(&tmp);
	return rc;
}

static int collect_pack(const char *key, const struct vlt_stat *st, void *data)
{
	size_t n = strlen(key);

	(void)st;
	if (n < 5 || strcmp(key + n - 5, ".pack"))
		return 0;
	return vlt_strlist_add(data, key);
}

static int verify_repo_key(struct vlt_repo *r, const char *packkey)
{
	struct vlt_buf pk = VLT_BUF_INIT, ix = VLT_BUF_INIT, key = VLT_BUF_INIT;
	char name[VLT_OID_HEXSZ + 1];
	const char *b = strrchr(packkey, '/');
	int rc, have_idx;

	b = b ? b + 1 : packkey;
	if (strlen(b) != VLT_OID_HEXSZ + 5) {
		error("%s: not named like a pack", packkey);
		return 1;
	}
	memcpy(name, b, VLT_OID_HEXSZ);
	name[VLT_OID_HEXSZ] = '\0';
	if (vlt_backend_get(r->be, packkey, &pk) < 0) {
		error("%s: %s", packkey, vlt_error_last());
		return 1;
	}
	vlt_buf_addf(&key, "packs/%s.idx", name);
	have_idx = vlt_backend_get(r->be, key.data, &ix) == 0;
	if (!have_idx)
		warning("%s: no index (an interrupted write, or a lost index)",
			packkey);
	rc = verify_bytes(packkey, name, &pk, have_idx ? &ix : NULL);
	vlt_buf_release(&pk);
	vlt_buf_release(&ix);
	vlt_buf_release(&key);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'A' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "no-rehash", no_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vlt_repo *r = NULL;
	int all = 0, bad = 0, c;

	cli_init(argv[0]);
	while ((c = cli_getopt(argc, argv, "v", opts, usage)) != -1) {
		switch (c) {
		case 'A': all = 1; break;
		case 'v': verbose = 1; break;
		case 'R': rehash = 0; break;
		}
	}
	if (!all && optind == argc)
		usage_error(usage, "need PACK or --all");
	r = cli_try_open_repo();
	if (r) {
		idfn = r->idfn;
		sealer = r->sealer;
	} else {
		vlt_idfn_parse(&idfn, "sha256");
		vlt_sealer_parse(&sealer, "none");
	}
	if (all) {
		struct vlt_strlist col = VLT_STRLIST_INIT;

		if (!r)
			die("--all needs a repository");
		if (vlt_backend_list(r->be, "packs/", collect_pack, &col) < 0)
			die("%s", vlt_error_last());
		vlt_strlist_sort(&col);
		for (size_t i = 0; i < col.nr; i++)
			bad |= verify_repo_key(r, col.v[i]);
		vlt_strlist_release(&col);
	}
	for (int i = optind; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st) == 0) {
			bad |= verify_path(argv[i]);
		} else if (r && vlt_is_hex_prefix(argv[i])) {
			size_t n = strlen(argv[i]), found = 0;
			char key[128] = "";

			for (size_t j = 0; j < vlt_odb_pack_count(r); j++) {
				struct vlt_pack *p = vlt_odb_pack_at(r, j);

				if (!strncmp(p->name, argv[i], n)) {
					found++;
					snprintf(key, sizeof(key), "packs/%s.pack",
						 p->name);
				}
			}
			if (found != 1)
				die("%s: %s pack name", argv[i],
				    found ? "ambiguous" : "no such");
			bad |= verify_repo_key(r, key);
		} else {
			die("%s: no such file or pack", argv[i]);
		}
	}
	vlt_repo_free(r);
	return bad ? VLT_EXIT_NO : 0;
}
