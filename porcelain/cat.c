/*
 * vault cat - write a file of a snapshot to standard output.
 *
 * The content is streamed chunk by chunk (vlt_file_object_write_fd), so
 * memory stays at one chunk whatever the file size.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "error.h"
#include "odb.h"
#include "revparse.h"
#include "tree.h"
#include "worktree.h"

static const char usage[] =
"usage: vault cat SNAP:PATH...\n"
"   or: vault cat SNAP PATH...\n"
"\n"
"Writes the content of each file to standard output, as stored. A\n"
"symlink prints its target (no newline added); a directory is an error\n"
"(use 'vault ls'). SNAP is anything vault-rev-parse accepts (HEAD, main,\n"
"v1, main~2, an id or a unique prefix of one).\n";

/* Write the object an entry names; what is used in messages. */
static void cat_entry(struct vlt_repo *r, const struct vlt_tree_entry *e,
		      const char *what)
{
	struct vlt_buf buf = VLT_BUF_INIT;
	enum vlt_obj_kind kind;

	switch (e->type) {
	case VLT_ENTRY_DIR:
		die("'%s' is a directory; use 'vault ls' to list it", what);
	case VLT_ENTRY_SYMLINK:
		if (vlt_odb_read_kind(r, &e->oid, VLT_OBJ_CHUNK, &buf) < 0)
			die("%s: %s", what, vlt_error_last());
		cli_write_stdout(buf.data, buf.len);
		vlt_buf_release(&buf);
		return;
	case VLT_ENTRY_FILE:
		break;
	}
	/* a bare id may name any object: check what it is first */
	if (vlt_odb_info(r, &e->oid, &kind, NULL) < 0)
		die("%s: %s", what, vlt_error_last());
	switch (kind) {
	case VLT_OBJ_FILE:
		if (vlt_file_object_write_fd(r, &e->oid, 1, "stdout") < 0)
			die("%s: %s", what, vlt_error_last());
		return;
	case VLT_OBJ_CHUNK:
		if (vlt_odb_read_kind(r, &e->oid, VLT_OBJ_CHUNK, &buf) < 0)
			die("%s: %s", what, vlt_error_last());
		cli_write_stdout(buf.data, buf.len);
		vlt_buf_release(&buf);
		return;
	case VLT_OBJ_TREE:
		die("'%s' is a directory; use 'vault ls' to list it", what);
	default:
		die("'%s' is a %s, not a file; use SNAP:PATH to name a file "
		    "in it", what, vlt_obj_kind_name(kind));
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vlt_repo *r;
	int c;

	cli_init("vault-cat");
	while ((c = cli_getopt(argc, argv, "", opts, usage)) != -1)
		;
	if (optind >= argc)
		usage_error(usage, "need SNAP:PATH or SNAP PATH");
	r = cli_open_repo();
	if (strchr(argv[optind], ':')) {
		/* every argument is a SNAP:PATH */
		for (int i = optind; i < argc; i++) {
			struct vlt_tree_entry e;

			if (!strchr(argv[i], ':'))
				usage_error(usage, "'%s' is not SNAP:PATH (mixed "
					    "forms)", argv[i]);
			if (vlt_rev_parse_entry(r, argv[i], &e) < 0)
				die("%s", vlt_error_last());
			cat_entry(r, &e, argv[i]);
			free(e.name);
		}
	} else if (optind + 1 == argc) {
		struct vlt_tree_entry e;

		/* a bare id of a file object or chunk */
		if (vlt_rev_parse_entry(r, argv[optind], &e) < 0)
			die("%s", vlt_error_last());
		cat_entry(r, &e, argv[optind]);
		free(e.name);
	} else {
		struct vlt_oid oid, tree;

		if (vlt_rev_parse(r, argv[optind], &oid) < 0 ||
		    vlt_rev_peel_tree(r, &oid, &tree) < 0)
			die("%s", vlt_error_last());
		for (int i = optind + 1; i < argc; i++) {
			struct vlt_tree_entry e;
			struct vlt_buf what = VLT_BUF_INIT;

			if (vlt_tree_lookup_path(r, &tree, argv[i], &e) < 0)
				die("%s", vlt_error_last());
			vlt_buf_addf(&what, "%s:%s", argv[optind], argv[i]);
			cat_entry(r, &e, what.data);
			vlt_buf_release(&what);
			free(e.name);
		}
	}
	vlt_repo_free(r);
	return 0;
}
