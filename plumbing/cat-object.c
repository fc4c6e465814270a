/*
 * vault-cat-object - show an object's kind, size or content.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "error.h"
#include "odb.h"
#include "print.h"
#include "records.h"
#include "revparse.h"
#include "tree.h"

static const char usage[] =
"usage: vault-cat-object (-t | -s | -e | -p) OBJECT\n"
"   or: vault-cat-object KIND OBJECT\n"
"   or: vault-cat-object (--batch | --batch-check) < LIST\n"
"\n"
"OBJECT is anything vault-rev-parse accepts (an id, a unique prefix of\n"
"4+ hex digits, a ref, SNAP:path).\n"
"\n"
"    -t            print the kind (chunk, file, tree, snapshot, record)\n"
"    -s            print the size of the object's content in bytes\n"
"    -e            exit 0 if the object exists, 1 if not (prints nothing)\n"
"    -p            pretty-print: chunks raw, file objects as their chunk\n"
"                  list, trees like vault-ls-tree, snapshots as text,\n"
"                  records as their fields and body\n"
"    KIND          print the raw content, which must be of KIND\n"
"    --batch       read objects from stdin; print \"<id> <kind> <size>\\n\",\n"
"                  the raw content and \"\\n\" for each; \"<input> missing\\n\"\n"
"                  for objects that do not exist\n"
"    --batch-check like --batch without the content\n";

static void pretty(struct vlt_repo *r, enum vlt_obj_kind kind,
		   const struct vlt_buf *b)
{
	struct vlt_buf out = VLT_BUF_INIT;

	if (kind == VLT_OBJ_FILE) {
		struct vlt_file f;

		if (vlt_file_decode(b->data, b->len, &f) < 0)
			die("%s", vlt_error_last());
		for (size_t i = 0; i < f.nr; i++)
			vlt_buf_addf(&out, "%s %u\n", vlt_oid_hex(&f.chunks[i].oid),
				     f.chunks[i].len);
		vlt_file_release(&f);
	} else if (kind == VLT_OBJ_TREE) {
		struct vlt_tree t;

		if (vlt_tree_decode(b->data, b->len, &t) < 0)
			die("%s", vlt_error_last());
		for (size_t i = 0; i < t.nr; i++)
			print_tree_line(&out, &t.entries[i], t.entries[i].name, 0, 0);
		vlt_tree_release(&t);
	} else if (kind == VLT_OBJ_RECORD) {
		struct vlt_record rec;

		if (vlt_record_decode(b->data, b->len, &rec) < 0 ||
		    vlt_record_format(&rec, &out) < 0)
			die("%s", vlt_error_last());
		vlt_record_release(&rec);
	} else {
		(void)r;
		cli_write_stdout(b->data, b->len);
		return;
	}
	cli_write_stdout(out.data, out.len);
	vlt_buf_release(&out);
}

static int batch(struct vlt_repo *r, int with_content)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	struct vlt_buf b = VLT_BUF_INIT, hdr = VLT_BUF_INIT;

	while ((n = getline(&line, &cap, stdin)) > 0) {
		struct vlt_oid oid;
		enum vlt_obj_kind kind;
		uint64_t size;

		if (line[n - 1] == '\n')
			line[--n] = '\0';
		vlt_buf_reset(&hdr);
		if (!*line || vlt_rev_parse(r, line, &oid) < 0 ||
		    vlt_odb_info(r, &oid, &kind, &size) < 0) {
			vlt_buf_addf(&hdr, "%s missing\n", line);
			cli_write_stdout(hdr.data, hdr.len);
			continue;
		}
		if (with_content && vlt_odb_read(r, &oid, &kind, &b) < 0)
			die("%s", vlt_error_last());
		vlt_buf_addf(&hdr, "%s %s %" PRIu64 "\n", vlt_oid_hex(&oid),
			     vlt_obj_kind_name(kind), size);
		cli_write_stdout(hdr.data, hdr.len);
		if (with_content) {
			cli_write_stdout(b.data, b.len);
			cli_write_stdout("\n", 1);
		}
	}
	free(line);
	vlt_buf_release(&b);
	vlt_buf_release(&hdr);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "batch", no_argument, NULL, 'B' },
		{ "batch-check", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vlt_repo *r;
	struct vlt_oid oid;
	struct vlt_buf b = VLT_BUF_INIT;
	enum vlt_obj_kind kind, want = VLT_OBJ_NONE;
	uint64_t size;
	int mode = 0, c;

	cli_init(argv[0]);
	while ((c = cli_getopt(argc, argv, "tsep", opts, usage)) != -1) {
		if (mode)
			usage_error(usage, "give only one of -t, -s, -e, -p, --batch");
		mode = c;
	}
	if (mode == 'B' || mode == 'C') {
		if (optind != argc)
			usage_error(usage, "--batch takes no arguments");
		r = cli_open_repo();
		batch(r, mode == 'B');
		vlt_repo_free(r);
		return 0;
	}
	if (!mode) {
		if (argc - optind != 2)
			usage_error(usage, "need an option or KIND and OBJECT");
		want = vlt_obj_kind_parse(argv[optind]);
		if (want == VLT_OBJ_NONE)
			usage_error(usage, "unknown kind '%s'", argv[optind]);
		optind++;
	} else if (argc - optind != 1) {
		usage_error(usage, "need exactly one OBJECT");
	}
	r = cli_open_repo();
	if (vlt_rev_parse(r, argv[optind], &oid) < 0 ||
	    vlt_odb_info(r, &oid, &kind, &size) < 0) {
		if (mode == 'e') {
			vlt_repo_free(r);
			return VLT_EXIT_NO;
		}
		die("%s", vlt_error_last());
	}
	switch (mode) {
	case 'e':
		break;
	case 't':
		printf("%s\n", vlt_obj_kind_name(kind));
		break;
	case 's':
		printf("%" PRIu64 "\n", size);
		break;
	default:
		if (vlt_odb_read(r, &oid, &kind, &b) < 0)
			die("%s", vlt_error_last());
		if (want && want != kind)
			die("%s is a %s, not a %s", argv[optind],
			    vlt_obj_kind_name(kind), vlt_obj_kind_name(want));
		if (mode == 'p')
			pretty(r, kind, &b);
		else
			cli_write_stdout(b.data, b.len);
	}
	vlt_buf_release(&b);
	vlt_repo_free(r);
	return 0;
}
