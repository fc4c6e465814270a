/*
 * workspace.c - unit tests for lib/workspace.c: the names of workspace
 * snapshots and the walk over their refs (which skips refs of another
 * shape and never strays into other namespaces).
 */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "refs.h"
#include "repo.h"
#include "tap.h"
#include "workspace.h"

static char repo_dir[512];

struct seen {
	struct vlt_buf text;
};

static int record(const char *app, const char *name, const struct vlt_oid *oid,
		  void *data)
{
	struct seen *s = data;

	(void)oid;
	vlt_buf_addf(&s->text, "%s/%s;", app, name);
	return 0;
}

static int stop_at_first(const char *app, const char *name,
			 const struct vlt_oid *oid, void *data)
{
	(void)app, (void)name, (void)oid, (void)data;
	return 7;
}

static void test_names(void)
{
	struct vlt_buf b = VLT_BUF_INIT;

	ok(vlt_workspace_name_valid("blender"), "plain name is valid");
	ok(vlt_workspace_name_valid("2026-12-03T14-05-00"), "timestamp is valid");
	ok(vlt_workspace_name_valid("4.2+beta_1"), "dots, plus, underscore");
	ok(!vlt_workspace_name_valid(""), "empty refused");
	ok(!vlt_workspace_name_valid(".hidden"), "leading dot refused");
	ok(!vlt_workspace_name_valid("-x"), "leading dash refused");
	ok(!vlt_workspace_name_valid("a/b"), "slash refused");
	ok(!vlt_workspace_name_valid("a..b"), "'..' refused");
	ok(!vlt_workspace_name_valid("x.lock"), ".lock refused");
	ok(!vlt_workspace_name_valid("x."), "trailing dot refused");
	ok(!vlt_workspace_name_valid("a b"), "space refused");
	{
		char longname[102];

		memset(longname, 'a', 101);
		longname[101] = '\0';
		ok(!vlt_workspace_name_valid(longname), "101 bytes refused");
		longname[100] = '\0';
		ok(vlt_workspace_name_valid(longname), "100 bytes accepted");
	}
	is_int(vlt_workspace_ref_name("krita", "a", &b), 0, "ref name built");
	ok(vlt_ref_name_valid(b.data), "and it is a valid ref name");
	ok(vlt_workspace_ref_is(b.data), "and recognised as a workspace ref");
	ok(!vlt_workspace_ref_is("refs/snapshots/main"), "a branch is not");
	is_int(vlt_workspace_ref_name("krita", "../x", &b), VLT_E_INVALID,
	       "a bad snapshot name is refused");
	ok(strstr(vlt_error_last(), "'../x'") != NULL, "and named in the error");
	is_int(vlt_workspace_ref_name("kr/ita", "a", &b), VLT_E_INVALID,
	       "a bad application name is refused");
	vlt_buf_release(&b);
}

static void test_for_each(struct vlt_repo *r)
{
	struct vlt_buf ref = VLT_BUF_INIT;
	struct seen s = { VLT_BUF_INIT };
	struct vlt_oid o;

	memset(&o, 0, sizeof(o));
	o.id[0] = 0xab;
	vlt_workspace_ref_name("krita", "b", &ref);
	ok(vlt_ref_update(r, ref.data, &o, NULL, "t") == 0, "krita/b");
	vlt_workspace_ref_name("krita", "a", &ref);
	ok(vlt_ref_update(r, ref.data, &o, NULL, "t") == 0, "krita/a");
	vlt_workspace_ref_name("blender", "x", &ref);
	ok(vlt_ref_update(r, ref.data, &o, NULL, "t") == 0, "blender/x");
	/* other shapes and namespaces: not workspace snapshots */
	vlt_workspace_ref_name("gimp", "a", &ref);
	vlt_buf_adds(&ref, "/deeper");
	ok(vlt_ref_update(r, ref.data, &o, NULL, "t") == 0, "a deeper ref");
	ok(vlt_ref_update(r, "refs/snapshots/main", &o, NULL, "t") == 0,
	   "a branch");
	ok(vlt_ref_update(r, "refs/workspacesx/krita/a", &o, NULL, "t") == 0,
	   "a look-alike namespace");

	is_int(vlt_workspace_for_each(r, NULL, record, &s), 0, "walk all");
	is_str(s.text.data, "blender/x;krita/a;krita/b;",
	       "every application's snapshots, sorted, nothing else");
	vlt_buf_reset(&s.text);
	is_int(vlt_workspace_for_each(r, "krita", record, &s), 0, "walk krita");
	is_str(s.text.data, "krita/a;krita/b;", "one application's");
	vlt_buf_reset(&s.text);
	is_int(vlt_workspace_for_each(r, "inkscape", record, &s), 0,
	       "walk an application without snapshots");
	ok(!s.text.len, "finds nothing");
	is_int(vlt_workspace_for_each(r, "krita", stop_at_first, NULL), 7,
	       "a callback's non-zero stops the walk and is returned");
	is_int(vlt_workspace_for_each(r, "../x", record, &s), VLT_E_INVALID,
	       "a bad application name is refused");
	vlt_buf_release(&s.text);
	vlt_buf_release(&ref);
}

int main(void)
{
	struct vlt_init_opts opts;
	struct vlt_repo *r;

	tap_plan_lazy();
	snprintf(repo_dir, sizeof(repo_dir), "%s/repo", tap_tmpdir());
	vlt_init_opts_default(&opts);
	opts.bare = 1;
	if (vlt_repo_init(repo_dir, &opts, &r) < 0) {
		printf("Bail out! init: %s\n", vlt_error_last());
		return 1;
	}
	test_names();
	test_for_each(r);
	vlt_repo_free(r);
	return tap_done();
}
