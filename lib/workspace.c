/*
 * workspace.c - ref names of workspace snapshots (workspace.h).
 */
#include <string.h>

#include "error.h"
#include "refs.h"
#include "workspace.h"

#define WORKSPACE_PREFIX "refs/workspaces/"

int vlt_workspace_name_valid(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > 100 || s[0] == '.' || s[0] == '-' || s[n - 1] == '.')
		return 0;
	if (n >= 5 && !strcmp(s + n - 5, ".lock"))
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-' || c == '+'))
			return 0;
	}
	return !strstr(s, "..");
}

int vlt_workspace_ref_name(const char *app, const char *name,
			   struct vlt_buf *out)
{
	vlt_buf_reset(out);
	if (!vlt_workspace_name_valid(app))
		return vlt_error_set(VLT_E_INVALID,
				     "'%s' is not a valid application name", app);
	if (!vlt_workspace_name_valid(name))
		return vlt_error_set(VLT_E_INVALID,
				     "'%s' is not a valid workspace snapshot name",
				     name);
	return vlt_buf_addf(out, WORKSPACE_PREFIX "%s/%s", app, name);
}

int vlt_workspace_ref_is(const char *full)
{
	return !strncmp(full, WORKSPACE_PREFIX, strlen(WORKSPACE_PREFIX));
}

struct each {
	vlt_workspace_fn fn;
	void *data;
	struct vlt_buf app;
};

static int call_one(const char *full, const struct vlt_oid *oid, void *data)
{
	struct each *e = data;
	const char *rest = full + strlen(WORKSPACE_PREFIX);
	const char *slash = strchr(rest, '/');
	int err;

	if (!slash || strchr(slash + 1, '/'))
		return 0;
	vlt_buf_reset(&e->app);
	if ((err = vlt_buf_add(&e->app, rest, (size_t)(slash - rest))) < 0)
		return err;
	if (!vlt_workspace_name_valid(e->app.data) ||
	    !vlt_workspace_name_valid(slash + 1))
		return 0;
	return e->fn(e->app.data, slash + 1, oid, e->data);
}

int vlt_workspace_for_each(struct vlt_repo *r, const char *app,
			   vlt_workspace_fn fn, void *data)
{
	struct each e = { fn, data, VLT_BUF_INIT };
	struct vlt_buf prefix = VLT_BUF_INIT;
	int err;

	if (app && !vlt_workspace_name_valid(app))
		return vlt_error_set(VLT_E_INVALID,
				     "'%s' is not a valid application name", app);
	err = app ? vlt_buf_addf(&prefix, WORKSPACE_PREFIX "%s/", app)
		  : vlt_buf_adds(&prefix, WORKSPACE_PREFIX);
	if (err >= 0)
		err = vlt_ref_for_each(r, prefix.data, call_one, &e);
	vlt_buf_release(&prefix);
	vlt_buf_release(&e.app);
	return err;
}
