/*
 * vault tag - create, delete and list tags (refs/tags/NAME).
 *
 * A tag is a plain ref to a snapshot (git's lightweight tag); one
 * imported from a git annotated tag keeps its message beside it
 * (vlt_tag_message, lib/refs.c). Creating
 * one is a compare-and-swap against "absent", so two people tagging the
 * same name at once cannot both win; -f replaces whatever is there.
 */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "error.h"
#include "odb.h"
#include "print.h"
#include "refs.h"
#include "revparse.h"
#include "tree.h"

static const char usage[] =
"usage: vault tag [-f] NAME [SNAP]\n"
"   or: vault tag -d NAME...\n"
"   or: vault tag [-l] [PATTERN...]\n"
"\n"
"Creates refs/tags/NAME pointing to SNAP (default HEAD); fails if the tag\n"
"exists. Without a NAME, or with -l, lists tags: name, short id, date,\n"
"first line of the message (of the tag's own message when it has one:\n"
"tags imported from git annotated tags).\n"
"\n"
"    -f, --force    replace an existing tag\n"
"    -d, --delete   delete the named tags\n"
"    -l, --list     list tags (whose names match a PATTERN: shell glob)\n";

struct tag {
	char *name;      /* without refs/tags/ */
	struct vlt_oid oid;
};

struct tag_list {
	struct tag *v;
	size_t nr, alloc;
};

static int collect(const char *name, const struct vlt_oid *oid, void *data)
{
	struct tag_list *l = data;

	if (VLT_ALLOC_GROW(l->v, l->nr + 1, l->alloc) < 0 ||
	    !(l->v[l->nr].name = strdup(name)))
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	l->v[l->nr++].oid = *oid;
	return 0;
}

static int matches(const char *name, char **patterns, int npatterns)
{
	if (!npatterns)
		return 1;
	for (int i = 0; i < npatterns; i++)
		if (!fnmatch(patterns[i], name, 0))
			return 1;
	return 0;
}

static int list_tags(struct vlt_repo *r, char **patterns, int npatterns)
{
	struct tag_list l = { NULL, 0, 0 };
	struct vlt_buf out = VLT_BUF_INIT, buf = VLT_BUF_INIT, note = VLT_BUF_INIT;
	size_t width = 0;

	if (vlt_tag_for_each(r, collect, &l) < 0)
		die("%s", vlt_error_last());
	for (size_t i = 0; i < l.nr; i++)
		if (matches(l.v[i].name, patterns, npatterns) &&
		    strlen(l.v[i].name) > width)
			width = strlen(l.v[i].name);
	for (size_t i = 0; i < l.nr; i++) {
		struct vlt_snapshot s;
		const char *msg;

		if (!matches(l.v[i].name, patterns, npatterns))
			continue;
		print_quote_name(&out, l.v[i].name);
		vlt_buf_addf(&out, "%*s  %.12s  ",
			     (int)(width - strlen(l.v[i].name)), "",
			     vlt_oid_hex(&l.v[i].oid));
		vlt_snapshot_init(&s);
		if (vlt_odb_read_kind(r, &l.v[i].oid, VLT_OBJ_SNAPSHOT, &buf) < 0 ||
		    vlt_snapshot_decode(buf.data, buf.len, &s) < 0) {
			/* a tag to a forgotten or damaged snapshot is still
			 * listed, so that it can be seen and deleted */
			vlt_buf_addf(&out, "(%s)\n", vlt_error_last());
		} else {
			int rc = vlt_tag_message(r, l.v[i].name, &note);

			if (rc < 0)
				die("%s", vlt_error_last());
			/* an annotated tag's own message, as git tag -n */
			msg = rc ? note.data : s.message ? s.message : "";
			vlt_buf_addf(&out, "%s  %.*s\n",
				     print_date_short(s.time, s.tz_minutes),
				     (int)strcspn(msg, "\n"), msg);
		}
		vlt_snapshot_release(&s);
	}
	for (size_t i = 0; i < l.nr; i++)
		free(l.v[i].name);
	cli_write_stdout(out.data, out.len);
	vlt_buf_release(&out);
	vlt_buf_release(&buf);
	vlt_buf_release(&note);
	free(l.v);
	return 0;
}

static void tag_ref(struct vlt_buf *ref, const char *name)
{
	vlt_ref_tag_name(ref, name);
	if (!vlt_ref_name_valid(ref->data))
		die("'%s' is not a valid tag name", name);
}

static int delete_tags(struct vlt_repo *r, char **names, int n)
{
	struct vlt_buf ref = VLT_BUF_INIT;
	int rc = 0;

	for (int i = 0; i < n; i++) {
		struct vlt_oid old;

		tag_ref(&ref, names[i]);
		if (vlt_ref_read(r, ref.data, &old) < 0) {
			if (vlt_error_last_code() != VLT_E_NOTFOUND)
				die("%s", vlt_error_last());
			error("tag '%s' not found", names[i]);
			rc = VLT_EXIT_NO;
			continue;
		}
		if (vlt_ref_delete(r, ref.data, &old, "tag: delete") < 0)
			die("cannot delete tag '%s': %s", names[i],
			    vlt_error_last());
		printf("Deleted tag '%s' (was %.12s)\n", names[i],
		       vlt_oid_hex(&old));
	}
	vlt_buf_release(&ref);
	return rc;
}

static void create_tag(struct vlt_repo *r, const char *name, const char *rev,
		       int force)
{
	struct vlt_buf ref = VLT_BUF_INIT, msg = VLT_BUF_INIT;
	struct vlt_oid oid, zero, old;
	enum vlt_obj_kind kind;
	int had;

	tag_ref(&ref, name);
	if (vlt_rev_parse(r, rev, &oid) < 0)
		die("%s", vlt_error_last());
	if (vlt_odb_info(r, &oid, &kind, NULL) < 0)
		die("%s", vlt_error_last());
	if (kind != VLT_OBJ_SNAPSHOT)
		die("'%s' is a %s, not a snapshot", rev, vlt_obj_kind_name(kind));
	had = vlt_ref_read(r, ref.data, &old) == 0;
	vlt_oid_clear(&zero);
	vlt_buf_addf(&msg, "tag: %s %s", had ? "move" : "create", name);
	if (vlt_ref_update(r, ref.data, &oid, force ? NULL : &zero,
			   msg.data) < 0) {
		if (vlt_error_last_code() == VLT_E_CONFLICT)
			die("tag '%s' already exists (use -f to move it)", name);
		die("cannot create tag '%s': %s", name, vlt_error_last());
	}
	if (had && force && vlt_oid_cmp(&old, &oid))
		printf("Updated tag '%s' (was %.12s)\n", name, vlt_oid_hex(&old));
	vlt_buf_release(&ref);
	vlt_buf_release(&msg);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "delete", no_argument, NULL, 'd' },
		{ "list", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int force = 0, del = 0, lst = 0, c, nargs, rc = 0;
	struct vlt_repo *r;

	cli_init("vault-tag");
	while ((c = cli_getopt(argc, argv, "fdl", opts, usage)) != -1) {
		switch (c) {
		case 'f': force = 1; break;
		case 'd': del = 1; break;
		case 'l': lst = 1; break;
		}
	}
	nargs = argc - optind;
	if (del + lst > 1)
		usage_error(usage, "-d and -l cannot be used together");
	if (del && !nargs)
		usage_error(usage, "-d needs a NAME");
	if ((del || lst) && force)
		usage_error(usage, "-f only applies when creating a tag");
	if (!del && !lst && nargs > 2)
		usage_error(usage, "too many arguments");
	r = cli_open_repo();
	if (del)
		rc = delete_tags(r, argv + optind, nargs);
	else if (lst || !nargs)
		rc = list_tags(r, argv + optind, nargs);
	else
		create_tag(r, argv[optind], nargs > 1 ? argv[optind + 1] : "HEAD",
			   force);
	if (fflush(stdout) == EOF)
		die("write error on stdout");
	vlt_repo_free(r);
	return rc;
}
