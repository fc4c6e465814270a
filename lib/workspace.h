/*
 * workspace.h - the refs of workspace snapshots: an application's
 * settings folders captured by `vault workspace` (format.md section 7).
 *
 * A workspace snapshot is an ordinary snapshot object (its tree holds one
 * entry per settings location of the application), kept by the ref
 * refs/workspaces/APP/NAME. It has no parent and no branch names it, so
 * the project's history (log, forget) never walks into it, while gc, fsck
 * and every walk over all refs (vlt_ref_for_each_all) see it like any
 * other ref. Only this file spells the namespace.
 */
#ifndef VLT_WORKSPACE_H
#define VLT_WORKSPACE_H

#include "buf.h"
#include "hash.h"
#include "repo.h"

/* 1 if s can be an application or a snapshot name: 1 to 100 bytes of
 * [A-Za-z0-9._+-], not starting with '.' or '-', not ending in ".lock"
 * or '.'. */
int vlt_workspace_name_valid(const char *s);

/* out (reset first) = the full ref name of APP's workspace snapshot
 * NAME. VLT_E_INVALID when app or name is not valid. */
int vlt_workspace_ref_name(const char *app, const char *name,
			   struct vlt_buf *out);

/* Calls fn for each workspace snapshot ref, of app (NULL: of every
 * application), sorted by application then name. Refs under the
 * namespace that do not have the APP/NAME shape are skipped. Non-zero
 * from fn stops the walk and is returned. */
typedef int (*vlt_workspace_fn)(const char *app, const char *name,
				const struct vlt_oid *oid, void *data);
int vlt_workspace_for_each(struct vlt_repo *r, const char *app,
			   vlt_workspace_fn fn, void *data);

/* 1 if full is a workspace snapshot ref name. */
int vlt_workspace_ref_is(const char *full);

#endif
