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
"usage: vault-verify-pack [-v] [-s] [--no-rehash] (--all | PACK...)\n"
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
"    -s, --stat     after each sound pack, its objects by kind and by size\n"
"    --no-rehash    skip decompressing and re-hashing the objects\n";

static int verbose, stat_only, rehash = 1;
static struct vlt_idfn idfn;
static struct vlt_sealer sealer;

/* Content-size classes of the --stat histogram: below 1 KiB, 16 KiB... */
static const struct { uint32_t below; const char *label; } size_class[] = {
	{ 1u << 10, "< 1 KiB" },
	{ 16u << 10, "1 KiB - 16 KiB" },
	{ 256u << 10, "16 KiB - 256 KiB" },
	{ 4u << 20, "256 KiB - 4 MiB" },
	{ UINT32_MAX, ">= 4 MiB" },
};
#define NCLASS (sizeof(size_class) / sizeof(size_class[0]))
#define NKIND (VLT_OBJ_RECORD + 1)

/* Like git verify-pack -s: what a pack holds, by kind and by size. */
static void print_stat(const struct vlt_pack *p)
{
	uint64_t n[NKIND] = { 0 }, raw[NKIND] = { 0 }, stored[NKIND] = { 0 };
	uint64_t cn[NCLASS] = { 0 }, craw[NCLASS] = { 0 };
	uint64_t tn = 0, traw = 0, tstored = 0;

	for (uint32_t i = 0; i < p->count; i++) {
		struct vlt_pack_entry e;
		size_t k, c = 0;

		vlt_pack_entry_at(p, i, &e);
		k = e.kind < NKIND ? e.kind : VLT_OBJ_NONE;
		n[k]++;
		raw[k] += e.raw_len;
		stored[k] += e.stored_len;
		while (c + 1 < NCLASS && e.raw_len >= size_class[c].below)
			c++;
		cn[c]++;
		craw[c] += e.raw_len;
		tn++;
		traw += e.raw_len;
		tstored += e.stored_len;
	}
	printf("%-18s %10s %14s %14s\n", "kind", "objects", "size", "stored");
	for (size_t k = 0; k < NKIND; k++)
		if (n[k])
			printf("%-18s %10" PRIu64 " %14" PRIu64 " %14" PRIu64 "\n",
			       k ? vlt_obj_kind_name((enum vlt_obj_kind)k) :
			       "unknown", n[k], raw[k], stored[k]);
	printf("%-18s %10" PRIu64 " %14" PRIu64 " %14" PRIu64 "\n", "total", tn,
	       traw, tstored);
	printf("%-18s %10s %14s\n", "size", "objects", "total size");
	for (size_t c = 0; c < NCLASS; c++)
		printf("%-18s %10" PRIu64 " %14" PRIu64 "\n", size_class[c].label,
		       cn[c], craw[c]);
}

static int verify_bytes(const char *label, const char *name,
			const struct vlt_buf *pack, const struct vlt_buf *idx)
{
	struct vlt_pack *p = NULL, *rebuilt = NULL;
	struct vlt_buf ridx = VLT_BUF_INIT;
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
		if (stat_only && p) {
			print_stat(p);
		} else if (stat_only) {
			/* no index: the pack describes itself */
			if (vlt_pack_index_rebuild((const unsigned char *)pack->data,
						   pack->len, &ridx) < 0 ||
			    vlt_pack_open_buf(name, (const unsigned char *)ridx.data,
					      ridx.len, &rebuilt) < 0) {
				error("%s: %s", label, vlt_error_last());
				err = 1;
			} else {
				print_stat(rebuilt);
			}
		}
	}
	vlt_pack_close(NULL, p);
	vlt_pack_close(NULL, rebuilt);
	vlt_buf_release(&ridx);
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

static int verify_repo_key(struct vlt_repo *r, const char *packkey)
{
	struct vlt_buf pk = VLT_BUF_INIT, ix = VLT_BUF_INIT;
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
	if (vlt_pack_file_read(r, name, "pack", &pk) < 0) {
		error("%s: %s", packkey, vlt_error_last());
		return 1;
	}
	have_idx = vlt_pack_file_read(r, name, "idx", &ix) == 0;
	if (!have_idx)
		warning("%s: no index (an interrupted write, or a lost index)",
			packkey);
	rc = verify_bytes(packkey, name, &pk, have_idx ? &ix : NULL);
	vlt_buf_release(&pk);
	vlt_buf_release(&ix);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'A' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "stat", no_argument, NULL, 's' },
		{ "no-rehash", no_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vlt_repo *r = NULL;
	int all = 0, bad = 0, c;

	cli_init(argv[0]);
	while ((c = cli_getopt(argc, argv, "vs", opts, usage)) != -1) {
		switch (c) {
		case 'A': all = 1; break;
		case 'v': verbose = 1; break;
		case 's': stat_only = 1; break;
		case 'R': rehash = 0; break;
		}
	}
	if (!all && optind == argc)
		usage_error(usage, "need PACK or --all");
	r = cli_try_open_repo();
	if (r) {
		idfn = *vlt_repo_idfn(r);
		sealer = *vlt_repo_sealer(r);
	} else {
		vlt_idfn_parse(&idfn, "sha256");
		vlt_sealer_parse(&sealer, "none");
	}
	if (all) {
		struct vlt_strlist col = VLT_STRLIST_INIT;

		if (!r)
			die("--all needs a repository");
		if (vlt_pack_list_files(r, &col) < 0)
			die("%s", vlt_error_last());
		vlt_strlist_sort(&col);
		for (size_t i = 0; i < col.nr; i++) {
			size_t n = strlen(col.v[i]);

			/* the packs; their indexes are read with them */
			if (n > 5 && !strcmp(col.v[i] + n - 5, ".pack"))
				bad |= verify_repo_key(r, col.v[i]);
		}
		vlt_strlist_release(&col);
	}
	for (int i = optind; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st) == 0) {
			bad |= verify_path(argv[i]);
		} else if (r && vlt_is_hex_prefix(argv[i])) {
			size_t n = strlen(argv[i]), found = 0;
			struct vlt_buf key = VLT_BUF_INIT;

			for (size_t j = 0; j < vlt_odb_pack_count(r); j++) {
				struct vlt_pack *p = vlt_odb_pack_at(r, j);

				if (!strncmp(p->name, argv[i], n)) {
					found++;
					if (vlt_pack_key(&key, p->name, "pack") < 0)
						die("out of memory");
				}
			}
			if (found != 1)
				die("%s: %s pack name", argv[i],
				    found ? "ambiguous" : "no such");
			bad |= verify_repo_key(r, key.data);
			vlt_buf_release(&key);
		} else {
			die("%s: no such file or pack", argv[i]);
		}
	}
	vlt_repo_free(r);
	return bad ? VLT_EXIT_NO : 0;
}
