/*
 * mkdeeptree - write a chain of DEPTH nested trees ("d/d/d/.../leaf") into
 * the repository found from the current folder and print the top tree's id.
 * Built for the hostile-input tests: the plumbing cannot make such a tree
 * (writers refuse trees deeper than the format's limit), readers must
 * still meet one without crashing.
 *
 * usage: mkdeeptree DEPTH
 */
#include <stdio.h>
#include <stdlib.h>

#include "error.h"
#include "hash.h"
#include "odb.h"
#include "object.h"
#include "repo.h"
#include "tree.h"

int main(int argc, char **argv)
{
	struct vlt_repo *r;
	struct vlt_buf buf = VLT_BUF_INIT;
	struct vlt_oid oid, blob;
	long depth;

	if (argc != 2 || (depth = strtol(argv[1], NULL, 10)) < 1) {
		fprintf(stderr, "usage: mkdeeptree DEPTH\n");
		return 129;
	}
	if (vlt_repo_discover(NULL, &r) < 0)
		goto fail;
	{
		struct vlt_file f;

		vlt_file_init(&f);
		if (vlt_file_encode(&f, &buf) < 0 ||
		    vlt_odb_write(r, VLT_OBJ_FILE, buf.data, buf.len, &blob) < 0)
			goto fail;
	}
	for (long i = 0; i < depth; i++) {
		struct vlt_tree t;
		int err;

		vlt_tree_init(&t);
		err = i == 0 ? vlt_tree_add(&t, "leaf", VLT_ENTRY_FILE, 0644, 0,
					    0, 0, &blob)
			     : vlt_tree_add(&t, "d", VLT_ENTRY_DIR, 0755, 0, 0, 0,
					    &oid);
		if (!err)
			err = vlt_tree_encode(&t, &buf);
		vlt_tree_release(&t);
		if (err < 0 || vlt_odb_write(r, VLT_OBJ_TREE, buf.data, buf.len,
					     &oid) < 0)
			goto fail;
	}
	if (vlt_odb_flush(r) < 0)
		goto fail;
	printf("%s\n", vlt_oid_hex(&oid));
	vlt_buf_release(&buf);
	vlt_repo_free(r);
	return 0;
fail:
	fprintf(stderr, "fatal: %s\n", vlt_error_last());
	return 128;
}
