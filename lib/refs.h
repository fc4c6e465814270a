/*
 * refs.h - named pointers to snapshots, updated atomically with a reflog.
 *
 * A ref is a key under refs/ (refs/snapshots/NAME for branches,
 * refs/tags/NAME, persona refs such as refs/milestones/NAME) holding one
 * 64-hex id and a newline. HEAD is either symbolic ("ref: refs/snapshots/
 * main") or detached (an id). Updates are compare-and-swap under a lock key
 * (<ref>.lock, created with put-if-absent and holding pid, host and time):
 * read, compare with the expected old value, put the new value, append to
 * the reflog (logs/<ref>), drop the lock. Only the storage backend is used,
 * so the same code runs on S3. A lock left by a killed process is reported
 * (with its pid and host), never silently broken.
 */
#ifndef VLT_REFS_H
#define VLT_REFS_H

#include <stdint.h>

#include "buf.h"
#include "hash.h"
#include "repo.h"

/* Valid full ref name: "HEAD" or "refs/..." with git-like rules (no "..",
 * no control characters or space ~^:?*[\, no component starting with '.'
 * or ending in ".lock", no trailing '/'). */
int vlt_ref_name_valid(const char *name);

/* Read a ref, following symbolic refs (at most 5 levels). VLT_E_NOTFOUND
 * when it (or its target) does not exist. */
int vlt_ref_read(struct vlt_repo *r, const char *name, struct vlt_oid *out);
/* The full name a symbolic ref points to ("refs/snapshots/main"); for a
 * non-symbolic ref, the name itself. */
int vlt_ref_resolve_name(struct vlt_repo *r, const char *name,
			 struct vlt_buf *out);
/* Expand a short name: "main" -> refs/snapshots/main, "v1" -> refs/tags/v1
 * (first that exists, in that order; also exact "refs/..." and "HEAD"). */
int vlt_ref_dwim(struct vlt_repo *r, const char *shortname,
		 struct vlt_buf *full, struct vlt_oid *oid);

/*
 * Compare-and-swap: set name (following a symbolic HEAD) to new_oid if it
 * currently holds old_oid. old_oid NULL: no check; old_oid all-zero: the ref
 * must not exist yet. VLT_E_CONFLICT if the value differs, VLT_E_LOCKED if
 * another updater holds the lock (message names pid/host, and "stale" when
 * that pid is dead on this host). msg goes into the reflog; through a
 * symbolic ref, into the target's and the symbolic ref's logs.
 * VLT_E_EXISTS if a new ref would clash with refs/a vs refs/a/b.
 */
int vlt_ref_update(struct vlt_repo *r, const char *name,
		   const struct vlt_oid *new_oid, const struct vlt_oid *old_oid,
		   const char *msg);
/* Delete a ref (with the same CAS and locking) and its reflog. Through a
 * symbolic HEAD, deletes the ref HEAD points to. */
int vlt_ref_delete(struct vlt_repo *r, const char *name,
		   const struct vlt_oid *old_oid, const char *msg);

/* Flags for the _flags variants. */
#define VLT_REF_NO_DEREF 1u  /* act on a symbolic ref itself, not its target
				(old_oid is still compared with the value
				it resolves to) */
/*
 * How long an update waits for a ref lock held by a live process:
 * config core.refLockTimeout in milliseconds (git's
 * core.filesRefLockTimeout), this default when unset.
 */
#define VLT_REF_LOCK_TIMEOUT_DEFAULT 1000
int vlt_ref_update_flags(struct vlt_repo *r, const char *name,
			 const struct vlt_oid *new_oid,
			 const struct vlt_oid *old_oid, const char *msg,
			 unsigned flags);
int vlt_ref_delete_flags(struct vlt_repo *r, const char *name,
			 const struct vlt_oid *old_oid, const char *msg,
			 unsigned flags);

/* Point a symbolic ref (HEAD) at target (a name under refs/; it need not
 * exist yet). Takes the ref's lock; writes no reflog entry. */
int vlt_ref_set_symbolic(struct vlt_repo *r, const char *name,
			 const char *target);

/* Calls fn for each ref under prefix ("refs/", "refs/tags/"), sorted by
 * name, with symbolic refs resolved (dangling ones skipped). HEAD is not
 * included. Non-zero from fn stops and is returned. */
typedef int (*vlt_ref_fn)(const char *name, const struct vlt_oid *oid,
			  void *data);
int vlt_ref_for_each(struct vlt_repo *r, const char *prefix, vlt_ref_fn fn,
		     void *data);

/*
 * The ref namespaces, so that no program spells them: a branch is
 * refs/snapshots/NAME, a tag refs/tags/NAME (format.md). The _name
 * calls set out (reset first) to the full name of a short one; they do not
 * check it (vlt_ref_name_valid does).
 */
enum vlt_ref_kind {
	VLT_REF_OTHER = 0,   /* HEAD, persona refs, anything else */
	VLT_REF_BRANCH,
	VLT_REF_TAG,
};
int vlt_ref_branch_name(struct vlt_buf *out, const char *shortname);
int vlt_ref_tag_name(struct vlt_buf *out, const char *shortname);
/* The short name inside full ("main" for refs/snapshots/main, "v1" for
 * refs/tags/v1; full itself for other refs) and, when kind is not NULL,
 * which kind it is. Points into full. */
const char *vlt_ref_shorten(const char *full, enum vlt_ref_kind *kind);
/* vlt_ref_for_each over the tags, the branches, every ref under refs/:
 * tag and branch callbacks get the short name, vlt_ref_for_each_all the
 * full one. */
int vlt_tag_for_each(struct vlt_repo *r, vlt_ref_fn fn, void *data);
int vlt_branch_for_each(struct vlt_repo *r, vlt_ref_fn fn, void *data);
int vlt_ref_for_each_all(struct vlt_repo *r, vlt_ref_fn fn, void *data);

/* One reflog line: "<old> <new> <unix-time> <user>@<host>\t<msg>\n". */
struct vlt_reflog_entry {
	struct vlt_oid old_oid, new_oid;
	int64_t time;
	char *who;   /* owned */
	char *msg;   /* owned */
};

/* Entries oldest first (none if the ref has no log); free with
 * vlt_reflog_free. VLT_E_CORRUPT names the log and line. */
int vlt_reflog_read(struct vlt_repo *r, const char *name,
		    struct vlt_reflog_entry **out, size_t *nr);
void vlt_reflog_free(struct vlt_reflog_entry *e, size_t nr);

/*
 * Tags (refs/tags/NAME) are plain refs. A tag may carry a message (git's
 * annotated tags, brought in by `vault import-git`): it is the message of
 * the reflog entry that set the tag to its value, "tag message: TEXT"
 * (newlines become spaces, as in every reflog line), so that the tag
 * stays a plain ref every reader understands and the message goes when
 * the tag is moved or deleted. vlt_tag_set creates or moves the tag with
 * vlt_ref_update's compare-and-swap (old_oid as there); message NULL is a
 * tag without one.
 */
int vlt_tag_set(struct vlt_repo *r, const char *name,
		const struct vlt_oid *oid, const struct vlt_oid *old_oid,
		const char *message);
/* 1 and the message in *out when the tag has one, 0 when it has none. */
int vlt_tag_message(struct vlt_repo *r, const char *name, struct vlt_buf *out);

/* Calls fn with the ref name of every reflog (logs/NAME), sorted, "HEAD"
 * included; the ref itself may be gone (gc and fsck look for that). */
typedef int (*vlt_reflog_name_fn)(const char *name, void *data);
int vlt_reflog_for_each_name(struct vlt_repo *r, vlt_reflog_name_fn fn,
			     void *data);
/* 1 if the key of ref name exists (symbolic or not), 0 if not. */
int vlt_ref_exists(struct vlt_repo *r, const char *name);

#endif
