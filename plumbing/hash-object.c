/*
 * vault-hash-object - compute object ids, optionally storing the objects.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "error.h"
#include "fsutil.h"
#include "object.h"
#include "odb.h"
#include "records.h"
#include "repo.h"
#include "tree.h"
#include "worktree.h"

static const char usage[] =
"usage: vault-hash-object [-w] [-t KIND] [--literally] [--stdin] [--stdin-paths] [FILE...]\n"
"\n"
"Prints one 64-hex id per input. Without -t, the input is a file's content:\n"
"it is chunked with the repository's chunker (the defaults outside a\n"
"repository) and the id is that of the resulting file object. With -t KIND\n"
"(chunk, file, tree, snapshot, record) the input is taken as the literal\n"
"content of an object of that kind; file, tree, snapshot and record\n"
"contents are checked unless --literally.\n"
"\n"
"    -w              store the object(s) in the repository\n"
"    -t KIND         hash the input as a literal object of KIND\n"
"    --stdin         read the content from standard input\n"
"    --stdin-paths   read file names from standard input, one per line\n"
"    --literally     do not check the content of -t objects\n";

static struct vlt_repo *repo;
static struct vlt_idfn idfn;
static struct vlt_chunker_params chunking;
static int write_obj, literally;
static enum vlt_obj_kind kind = VLT_OBJ_NONE;
static struct vlt_buf ids_out = VLT_BUF_INIT;

static int check_literal(const struct vlt_buf *b)
{
	struct vlt_file f;
	struct vlt_tree t;
	struct vlt_snapshot s;
	struct vlt_record rec;
	int err;

	if (literally)
		return 0;
	switch (kind) {
	case VLT_OBJ_FILE:
		VLT_TRY(vlt_file_decode(b->data, b->len, &f));
		vlt_file_release(&f);
		break;
	case VLT_OBJ_TREE:
		VLT_TRY(vlt_tree_decode(b->data, b->len, &t));
		vlt_tree_release(&t);
		break;
	case VLT_OBJ_SNAPSHOT:
		VLT_TRY(vlt_snapshot_decode(b->data, b->len, &s));
		vlt_snapshot_release(&s);
		break;
	case VLT_OBJ_RECORD:
		vlt_record_init(&rec);
		err = vlt_record_decode(b->data, b->len, &rec);
		vlt_record_release(&rec);
		VLT_TRY(err);
		break;
	default:
		break;
	}
	return 0;
}

static void hash_fd(int fd, const char *name)
{
	struct vlt_oid oid;
	uint64_t size;
	int err;

	if (kind == VLT_OBJ_NONE) {
		err = write_obj ? vlt_worktree_store_fd(repo, fd, name, &oid, &size,
							NULL)
				: vlt_file_from_fd(NULL, &idfn, &chunking, fd, name,
						   &oid, &size, NULL);
	} else {
		struct vlt_buf b = VLT_BUF_INIT;
		size_t got;

		err = 0;
		do {
			if ((err = vlt_buf_grow(&b, 65536)) < 0)
				break;
			err = vlt_read_upto(fd, b.data + b.len, 65536, &got, name);
			if (err < 0)
				break;
			vlt_buf_setlen(&b, b.len + got);
		} while (got == 65536);
		if (!err && (err = check_literal(&b)) < 0)
			vlt_error_wrap(err, "%s: not a valid %s", name,
				       vlt_obj_kind_name(kind));
		if (!err)
			err = write_obj ? vlt_odb_write(repo, kind, b.data, b.len, &oid)
					: vlt_object_id(&idfn, kind, b.data, b.len,
							&oid);
		vlt_buf_release(&b);
	}
	if (err < 0)
		die("%s", vlt_error_last());
	/* with -w, ids are printed only once their objects are durable */
	vlt_buf_addf(&ids_out, "%s\n", vlt_oid_hex(&oid));
	if (!write_obj) {
		cli_write_stdout(ids_out.data, ids_out.len);
		vlt_buf_reset(&ids_out);
	}
}

static void hash_path(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die("cannot open '%s': %s", path, strerror(errno));
	hash_fd(fd, path);
	close(fd);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "stdin", no_argument, NULL, 's' },
		{ "stdin-paths", no_argument, NULL, 'P' },
		{ "literally", no_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int use_stdin = 0, stdin_paths = 0, c;

	cli_init(argv[0]);
	while ((c = cli_getopt(argc, argv, "wt:", opts, usage)) != -1) {
		switch (c) {
		case 'w': write_obj = 1; break;
		case 't':
			kind = vlt_obj_kind_parse(optarg);
			if (kind == VLT_OBJ_NONE)
				usage_error(usage, "unknown object kind '%s'", optarg);
			break;
		case 's': use_stdin = 1; break;
		case 'P': stdin_paths = 1; break;
		case 'L': literally = 1; break;
		}
	}
	if (use_stdin && stdin_paths)
		usage_error(usage, "--stdin and --stdin-paths exclude each other");
	if (!use_stdin && !stdin_paths && optind == argc)
		usage_error(usage, "no input given");
	if (stdin_paths && optind < argc)
		usage_error(usage, "--stdin-paths takes no FILE arguments");
	repo = write_obj ? cli_open_repo() : cli_try_open_repo();
	if (repo) {
		idfn = *vlt_repo_idfn(repo);
		chunking = *vlt_repo_chunking(repo);
	} else {
		vlt_idfn_parse(&idfn, "sha256");
		vlt_chunker_params_default(&chunking, VLT_CHUNKER_FASTCDC);
	}
	if (use_stdin)
		hash_fd(0, "(stdin)");
	for (int i = optind; i < argc; i++)
		hash_path(argv[i]);
	if (stdin_paths) {
		char *line = NULL;
		size_t cap = 0;
		ssize_t n;

		while ((n = getline(&line, &cap, stdin)) > 0) {
			if (line[n - 1] == '\n')
				line[--n] = '\0';
			if (n)
				hash_path(line);
		}
		free(line);
	}
	if (repo && vlt_odb_flush(repo) < 0)
		die("%s", vlt_error_last());
	cli_write_stdout(ids_out.data, ids_out.len);
	vlt_buf_release(&ids_out);
	vlt_repo_free(repo);
	return 0;
}
